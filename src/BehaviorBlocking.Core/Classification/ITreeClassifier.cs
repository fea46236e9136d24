using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Classification
{
    /// <summary>Scores a process tree's feature vector: one probability per class (<c>Benign</c>, tactics, <c>Generic</c>).</summary>
    public interface ITreeClassifier
    {
        /// <summary>Identifies the model (goes into <see cref="Detection.ModelVersion"/>).</summary>
        string Version { get; }

        /// <summary>Class names in output order.</summary>
        IReadOnlyList<string> Classes { get; }

        /// <summary>The feature schema version the model was trained on.</summary>
        int FeatureSchemaVersion { get; }

        /// <summary>Per feature, its median over benign training trees (the evidence baseline); may be empty.</summary>
        IReadOnlyList<float> BenignMedians { get; }

        /// <summary>
        /// Writes class probabilities for one vector. Throws <see cref="BehaviorBlockingException"/> when the model
        /// cannot run. The verdict stage checks what is written (finite, in [0, 1]) before it becomes a score.
        /// </summary>
        void Predict(float[] features, float[] probabilities);
    }

    /// <summary>How model probabilities turn into verdicts.</summary>
    public sealed class ClassifierPolicy
    {
        /// <summary>Probability a tactic needs before the model decides a verdict, unless <see cref="Thresholds"/> names the tactic.</summary>
        public double DefaultThreshold { get; init; } = 0.5;

        /// <summary>Per-tactic thresholds.</summary>
        public IReadOnlyDictionary<Tactic, double> Thresholds { get; init; } = new Dictionary<Tactic, double>();

        /// <summary>Feature evidence items added to a model verdict.</summary>
        public int FeatureEvidence { get; init; } = 5;

        /// <summary>
        /// Platforms whose trees the classifier scores. The shipped model was trained on Windows trees only
        /// (its features count registry, LSASS, Office and PowerShell behavior), so by default Linux trees are
        /// decided by the rules alone (<c>!rule</c>) and the model is not consulted for them.
        /// </summary>
        public IReadOnlyCollection<DetectionPlatform> Platforms { get; init; } = new[] { DetectionPlatform.Win32 };

        /// <summary>The threshold for a tactic.</summary>
        public double ThresholdFor(Tactic tactic) => Thresholds.TryGetValue(tactic, out double t) ? t : DefaultThreshold;

        /// <summary>Whether the classifier scores trees of <paramref name="platform"/>.</summary>
        public bool Scores(DetectionPlatform platform)
        {
            foreach (DetectionPlatform p in Platforms)
            {
                if (p == platform)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>State of the classifier in a run, reported beside the scan's figures.</summary>
    public sealed class ClassifierHealth
    {
        internal ClassifierHealth(string? version, long scored, long decided, long failures, string? firstError, string? disabledReason = null)
        {
            Version = version;
            Scored = scored;
            Decided = decided;
            Failures = failures;
            FirstError = firstError;
            DisabledReason = disabledReason;
        }

        /// <summary>The model's version, or null when none is loaded.</summary>
        public string? Version { get; }

        /// <summary>Verdicts the model scored.</summary>
        public long Scored { get; }

        /// <summary>Verdicts the model decided (named <c>!ml</c>).</summary>
        public long Decided { get; }

        /// <summary>Times the model failed: it threw, timed out, or gave other than probabilities (those verdicts stayed with the rules).</summary>
        public long Failures { get; }

        /// <summary>The first failure.</summary>
        public string? FirstError { get; }

        /// <summary>Whether the model was switched off during the run after failing again and again (verdicts after that are <c>!rule</c>).</summary>
        public bool Disabled => DisabledReason is not null;

        /// <summary>Why the model was switched off (<c>ModelDisabled: ...</c>), or null.</summary>
        public string? DisabledReason { get; }
    }
}
