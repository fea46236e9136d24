using BehaviorBlocking.Classification;
using BehaviorBlocking.Features;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Verdicts
{
    /// <summary>Settings of the verdict stage.</summary>
    public sealed class VerdictOptions
    {
        /// <summary>Score a tree's signals for one tactic must reach before a detection is raised (one low rule is 0.3).</summary>
        public double RaiseThreshold { get; init; } = 0.3;

        /// <summary>Event evidence items kept per detection (signal evidence is always complete).</summary>
        public int MaxEventEvidence { get; init; } = 8;

        /// <summary>Persistence artifacts (evidence kind <c>artifact</c>) kept per detection, from the events of its signals.</summary>
        public int MaxArtifactEvidence { get; init; } = 16;

        /// <summary>The classifier that may decide verdicts (<c>!ml</c>); needs <see cref="Features"/>. Null: rules alone (<c>!rule</c>).</summary>
        public ITreeClassifier? Classifier { get; init; }

        /// <summary>Where the classifier reads a tree's current features.</summary>
        public ITreeFeatureSource? Features { get; init; }

        /// <summary>Classifier failures in a row (throws, timeouts, outputs that are not probabilities) after which the run switches it off and says so; 0 never does.</summary>
        public int ClassifierFailureLimit { get; init; } = ClassifierGuard.DefaultFailureLimit;

        /// <summary>How probabilities become verdicts.</summary>
        public ClassifierPolicy ClassifierPolicy { get; init; } = new ClassifierPolicy();

        /// <summary>Decides what each verdict leads to. Default: audit (record only).</summary>
        public IBlockingPolicy Policy { get; init; } = AuditPolicy.Instance;

        /// <summary>Carries out decisions. Default: record only (acts on nothing).</summary>
        public IResponder Responder { get; init; } = RecordOnlyResponder.Instance;
    }
}
