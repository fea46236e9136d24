using System;
using System.Collections.Generic;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Features;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// The engine as the CLI and the cmdlets use it: a loaded rule set, an optional classifier,
    /// the policy and the responder, from which any number of runs (replay scans, monitors) are
    /// built. Rules and model are loaded once and shared read-only; each run gets its own
    /// detectors, verdict stage and graph.
    /// </summary>
    public sealed class BehaviorEngine : IDisposable
    {
        private readonly EngineOptions _options;
        private readonly IDisposable? _ownedClassifier;

        private BehaviorEngine(EngineOptions options, RuleSet rules, ITreeClassifier? classifier, IReadOnlyList<EngineWarning> warnings, string? modelPath)
        {
            _options = options;
            Rules = rules;
            Classifier = classifier;
            Warnings = warnings;
            ModelPath = modelPath;
            _ownedClassifier = classifier as IDisposable;
        }

        /// <summary>The rules every run uses.</summary>
        public RuleSet Rules { get; }

        /// <summary>The classifier, or null when running with rules alone.</summary>
        public ITreeClassifier? Classifier { get; }

        /// <summary>The model file the classifier came from.</summary>
        public string? ModelPath { get; }

        /// <summary>Skipped rules and a model that did not load: the engine runs without them and says so.</summary>
        public IReadOnlyList<EngineWarning> Warnings { get; }

        /// <summary>The options it was built from.</summary>
        public EngineOptions Options => _options;

        /// <summary>
        /// Builds an engine. A rule that cannot be loaded is skipped with a <c>RuleSkipped</c> warning; a
        /// model that is missing or cannot be loaded gives a warning and the engine runs with rules alone:
        /// protection goes on, and the reason is visible.
        /// </summary>
        public static BehaviorEngine Create(EngineOptions? options = null)
        {
            options ??= new EngineOptions();
            var warnings = new List<EngineWarning>();
            var sources = new List<RuleSource>();
            if (options.BuiltInRules)
            {
                sources.Add(new RuleSource(EngineLocations.BuiltInRulesDirectory, "builtin"));
            }

            foreach (string directory in options.RuleDirectories)
            {
                sources.Add(new RuleSource(directory, directory));
            }

            RuleSet rules = sources.Count == 0 ? RuleSet.Empty : RuleSet.Load(sources);
            foreach (RuleLoadIssue issue in rules.Skipped)
            {
                warnings.Add(new EngineWarning(ErrorIds.RuleSkipped, issue.ToString(), issue.File));
            }

            ITreeClassifier? classifier = null;
            string? modelPath = null;
            if (options.UseModel)
            {
                modelPath = options.ModelPath ?? EngineLocations.DefaultModelPath;
                classifier = TryLoadModel(modelPath, options.ModelRunTimeout, warnings);
            }

            // The model file itself, also when the path given was an installed manifest.
            return new BehaviorEngine(options, rules, classifier, warnings, (classifier as OnnxTreeClassifier)?.Path);
        }

        /// <summary>
        /// Loads and checks a classifier: manifest, hash, feature schema, shape, then every probe row of
        /// <see cref="ModelProbe"/> (finite probabilities in [0, 1] from each). <paramref name="path"/> is the
        /// <c>.onnx</c> file or its <c>.json</c> manifest. Throws <see cref="BehaviorBlockingException"/> when it cannot be used.
        /// </summary>
        /// <param name="path">The model or its manifest.</param>
        /// <param name="runTimeout">How long one run may take; null: <see cref="OnnxModel.DefaultRunTimeout"/>.</param>
        public static OnnxTreeClassifier LoadModel(string path, TimeSpan? runTimeout = null)
        {
            return Probed(OnnxTreeClassifier.Load(path, runTimeout ?? OnnxModel.DefaultRunTimeout));
        }

        /// <summary>Probes a freshly loaded classifier; disposes it and rethrows when it fails.</summary>
        internal static OnnxTreeClassifier Probed(OnnxTreeClassifier classifier)
        {
            try
            {
                ModelProbe.Check(classifier, classifier.Path);
            }
            catch
            {
                classifier.Dispose();
                throw;
            }

            return classifier;
        }

        /// <summary>
        /// Builds one run: the detectors (the feature collector when a classifier is loaded, the rule
        /// detector, any extra ones), the verdict stage with the engine's policy and responder, and the
        /// pipeline. <paramref name="emit"/> receives detection records; <paramref name="onVerdict"/>
        /// every verdict event at the moment it is raised; <paramref name="extraDetectors"/> run after the
        /// engine's own (measurement and evaluation hooks).
        /// </summary>
        public EngineRun CreateRun(Action<Detection> emit, Action<VerdictEvent>? onVerdict = null, ProcessGraphOptions? graphOptions = null,
            IReadOnlyList<IDetector>? extraDetectors = null)
        {
            var detectors = new List<IDetector>();
            TreeFeatureCollector? features = Classifier is null ? null : new TreeFeatureCollector();
            if (features is not null)
            {
                detectors.Add(features);
            }

            RuleDetector? ruleDetector = null;
            if (Rules.Rules.Count > 0)
            {
                ruleDetector = new RuleDetector(Rules, new RuleDetectorOptions { MeasureRuleCost = _options.MeasureRuleCost });
                detectors.Add(ruleDetector);
            }

            if (_options.ExtraDetectors is not null)
            {
                detectors.AddRange(_options.ExtraDetectors());
            }

            if (extraDetectors is not null)
            {
                detectors.AddRange(extraDetectors);
            }

            var verdicts = new VerdictEngine(new VerdictOptions
            {
                Classifier = Classifier,
                Features = features,
                ClassifierPolicy = _options.ClassifierPolicy,
                ClassifierFailureLimit = _options.ClassifierFailureLimit,
                Policy = _options.Policy,
                Responder = _options.Responder,
            });
            if (onVerdict is not null)
            {
                verdicts.VerdictRaised += onVerdict;
            }

            var pipeline = new BehaviorPipeline(detectors, verdicts, emit, graphOptions);
            return new EngineRun(pipeline, ruleDetector, features);
        }

        /// <summary>Releases the classifier.</summary>
        public void Dispose() => _ownedClassifier?.Dispose();

        private static ITreeClassifier? TryLoadModel(string path, TimeSpan runTimeout, List<EngineWarning> warnings)
        {
            try
            {
                return LoadModel(path, runTimeout);
            }
            catch (BehaviorBlockingException ex)
            {
                warnings.Add(new EngineWarning(ex.ErrorId, ex.Message + "; running with rules alone (!rule verdicts).", path));
                return null;
            }
        }
    }

    /// <summary>One run of the engine: its pipeline and the parts a caller may report on.</summary>
    public sealed class EngineRun
    {
        internal EngineRun(BehaviorPipeline pipeline, RuleDetector? rules, TreeFeatureCollector? features)
        {
            Pipeline = pipeline;
            RuleDetector = rules;
            Features = features;
        }

        /// <summary>The pipeline events go into.</summary>
        public BehaviorPipeline Pipeline { get; }

        /// <summary>The rule detector (per-rule statistics), or null when no rule is loaded.</summary>
        public RuleDetector? RuleDetector { get; }

        /// <summary>The feature collector, when a classifier is loaded.</summary>
        public TreeFeatureCollector? Features { get; }

        /// <summary>The verdict stage.</summary>
        public VerdictEngine Verdicts => Pipeline.Verdicts;
    }
}
