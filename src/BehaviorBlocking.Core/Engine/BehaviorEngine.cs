using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Features;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
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
        private readonly List<IDisposable> _ownedClassifiers = new List<IDisposable>();
        private readonly EngineSnapshotCell _snapshots;

        private BehaviorEngine(EngineOptions options, RuleSet rules, ITreeClassifier? classifier, IReadOnlyList<EngineWarning> warnings, string? modelPath)
        {
            _options = options;
            _snapshots = new EngineSnapshotCell(new EngineSnapshot(rules, classifier, options.Policy ?? AuditPolicy.Instance));
            Warnings = warnings;
            ModelPath = modelPath;
            if (classifier is IDisposable owned)
            {
                _ownedClassifiers.Add(owned);
            }
        }

        /// <summary>The rules new events are matched against (those of <see cref="Snapshot"/>).</summary>
        public RuleSet Rules => _snapshots.Current.Rules;

        /// <summary>The classifier of <see cref="Snapshot"/>, or null when running with rules alone.</summary>
        public ITreeClassifier? Classifier => _snapshots.Current.Classifier;

        /// <summary>The rules, classifier and policy in force: every run reads it once per event.</summary>
        public EngineSnapshot Snapshot => _snapshots.Current;

        /// <summary>
        /// Puts <paramref name="next"/> in force at once for every run of this engine (each picks it up at its next
        /// event) and returns the snapshot it replaced. A classifier swapped out is not disposed here (runs may be
        /// mid-event on it); its owner disposes it once they are done.
        /// </summary>
        public EngineSnapshot Swap(EngineSnapshot next) => _snapshots.Swap(next);

        /// <summary>
        /// Builds a new snapshot from the one in force, off the calling thread, and swaps it in; when
        /// <paramref name="build"/> throws, the snapshot in force stays and the result says why. When another
        /// swap lands while building, the build is done again over it (at most three times), so no change is lost.
        /// </summary>
        public Task<SnapshotReload> ReloadAsync(Func<EngineSnapshot, EngineSnapshot> build, CancellationToken cancellationToken = default)
        {
            if (build is null)
            {
                throw new ArgumentNullException(nameof(build));
            }

            return Task.Run(() => Reload(build, cancellationToken), cancellationToken);
        }

        /// <summary>Loads a new policy with <paramref name="load"/> off the calling thread and swaps it in; a policy that fails to load leaves the one in force.</summary>
        public Task<SnapshotReload> ReloadPolicyAsync(Func<IBlockingPolicy> load, CancellationToken cancellationToken = default)
        {
            if (load is null)
            {
                throw new ArgumentNullException(nameof(load));
            }

            return ReloadAsync(current => current.WithPolicy(load() ?? throw new InvalidOperationException("the policy loader returned nothing")), cancellationToken);
        }

        /// <summary>The synchronous form of <see cref="ReloadAsync"/>, on the calling thread.</summary>
        public SnapshotReload Reload(Func<EngineSnapshot, EngineSnapshot> build, CancellationToken cancellationToken = default)
        {
            if (build is null)
            {
                throw new ArgumentNullException(nameof(build));
            }

            EngineSnapshot first = _snapshots.Current;
            for (int attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                EngineSnapshot current = _snapshots.Current;
                EngineSnapshot next;
                try
                {
                    next = build(current) ?? throw new InvalidOperationException("the snapshot builder returned nothing");
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException) && !(ex is OperationCanceledException))
                {
                    return new SnapshotReload(current, current, ex);
                }

                if (_snapshots.TrySwap(current, next))
                {
                    return new SnapshotReload(next, current, null);
                }

                if (attempt >= 2)
                {
                    // Three swaps landed while building: take this one over whatever is there.
                    EngineSnapshot replaced = _snapshots.Swap(next);
                    return new SnapshotReload(next, replaced ?? first, null);
                }
            }
        }

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
            RuleSet rules = LoadRules(options, warnings);
            ITreeClassifier? classifier = null;
            if (options.UseModel)
            {
                classifier = TryLoadModel(options.ModelPath ?? EngineLocations.DefaultModelPath, options.ModelRunTimeout, warnings);
            }

            // The model file itself, also when the path given was an installed manifest.
            return new BehaviorEngine(options, rules, classifier, warnings, (classifier as OnnxTreeClassifier)?.Path);
        }

        /// <summary>
        /// Loads the rules and the model again from the inputs this engine was created with (<see cref="Options"/>:
        /// rule directories, built-in pack, model path) and puts them in force for every run at its next event,
        /// keeping the policy in force. A rule that cannot be loaded is skipped with a warning, as at creation; a
        /// model that cannot be loaded leaves the classifier in force, with a warning. The engine keeps every
        /// classifier it loaded and releases them when it is disposed (a run may still be mid-event on the old one).
        /// </summary>
        public EngineReload ReloadRulesAndModel(CancellationToken cancellationToken = default)
        {
            var warnings = new List<EngineWarning>();
            RuleSet rules = LoadRules(_options, warnings);
            ITreeClassifier? classifier = null;
            if (_options.UseModel)
            {
                classifier = TryLoadModel(_options.ModelPath ?? EngineLocations.DefaultModelPath, _options.ModelRunTimeout, warnings);
                if (classifier is IDisposable owned)
                {
                    lock (_ownedClassifiers)
                    {
                        _ownedClassifiers.Add(owned);
                    }
                }
            }

            SnapshotReload reload = Reload(current =>
            {
                EngineSnapshot next = current.WithRules(rules);
                return classifier is null ? next : next.WithClassifier(classifier);
            }, cancellationToken);
            return new EngineReload(reload, warnings);
        }

        private static RuleSet LoadRules(EngineOptions options, List<EngineWarning> warnings)
        {
            var sources = new List<RuleSource>();
            if (options.BuiltInRules)
            {
                sources.Add(new RuleSource(EngineLocations.BuiltInRulesDirectory, "builtin"));
            }

            foreach (string directory in options.RuleDirectories)
            {
                sources.Add(new RuleSource(directory, directory));
            }

            if (options.RulePacksHome is not null)
            {
                sources.AddRange(RulePacks.Sources(options.RulePacksHome,
                    rejected => warnings.Add(new EngineWarning(rejected.ErrorId, rejected.Message, rejected.Target as string))));
            }

            RuleSet rules = sources.Count == 0 ? RuleSet.Empty : RuleSet.Load(sources);
            foreach (RuleLoadIssue issue in rules.Skipped)
            {
                warnings.Add(new EngineWarning(ErrorIds.RuleSkipped, issue.ToString(), issue.File));
            }

            return rules;
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
        /// <param name="emit">Receives detection records.</param>
        /// <param name="onVerdict">Receives every verdict event.</param>
        /// <param name="graphOptions">Settings of the run's process graph.</param>
        /// <param name="extraDetectors">Detectors to run after the engine's own.</param>
        /// <param name="responder">The run's responder in place of <see cref="EngineOptions.Responder"/> (a replay scan passes <see cref="WhatIfResponder"/>).</param>
        public EngineRun CreateRun(Action<Detection> emit, Action<VerdictEvent>? onVerdict = null, ProcessGraphOptions? graphOptions = null,
            IReadOnlyList<IDetector>? extraDetectors = null, IResponder? responder = null)
        {
            EngineSnapshot snapshot = _snapshots.Current;
            var detectors = new List<IDetector>();
            TreeFeatureCollector? features = snapshot.Classifier is null ? null : new TreeFeatureCollector();
            if (features is not null)
            {
                detectors.Add(features);
            }

            var ruleOptions = new RuleDetectorOptions { MeasureRuleCost = _options.MeasureRuleCost };
            RuleDetector? ruleDetector = null;
            if (snapshot.Rules.Rules.Count > 0)
            {
                ruleDetector = new RuleDetector(snapshot.Rules, ruleOptions);
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
                Classifier = snapshot.Classifier,
                Features = features,
                ClassifierPolicy = _options.ClassifierPolicy,
                ClassifierFailureLimit = _options.ClassifierFailureLimit,
                Policy = snapshot.Policy,
                Responder = responder ?? _options.Responder,
            });
            if (onVerdict is not null)
            {
                verdicts.VerdictRaised += onVerdict;
            }

            var pipeline = new BehaviorPipeline(detectors, verdicts, emit, graphOptions);
            pipeline.Follow(_snapshots, rules => new RuleDetector(rules, ruleOptions));
            return new EngineRun(pipeline, features);
        }

        /// <summary>Releases every classifier the engine loaded (at creation and by <see cref="ReloadRulesAndModel"/>).</summary>
        public void Dispose()
        {
            lock (_ownedClassifiers)
            {
                foreach (IDisposable owned in _ownedClassifiers)
                {
                    owned.Dispose();
                }

                _ownedClassifiers.Clear();
            }
        }

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
        internal EngineRun(BehaviorPipeline pipeline, TreeFeatureCollector? features)
        {
            Pipeline = pipeline;
            Features = features;
        }

        /// <summary>The pipeline events go into.</summary>
        public BehaviorPipeline Pipeline { get; }

        /// <summary>The rule detector in use (per-rule statistics; a swapped rule set has a new one), or null when the run started without rules.</summary>
        public RuleDetector? RuleDetector => Pipeline.RuleDetector;

        /// <summary>The feature collector, when a classifier is loaded.</summary>
        public TreeFeatureCollector? Features { get; }

        /// <summary>The verdict stage.</summary>
        public VerdictEngine Verdicts => Pipeline.Verdicts;
    }

    /// <summary>What <see cref="BehaviorEngine.ReloadRulesAndModel"/> did: the snapshot swap, and rules skipped or a model that did not load.</summary>
    public sealed class EngineReload
    {
        internal EngineReload(SnapshotReload snapshot, IReadOnlyList<EngineWarning> warnings)
        {
            Snapshot = snapshot;
            Warnings = warnings;
        }

        /// <summary>The swap: the snapshot in force now and the one before.</summary>
        public SnapshotReload Snapshot { get; }

        /// <summary>Rules skipped and a model that did not load (the one in force before stays).</summary>
        public IReadOnlyList<EngineWarning> Warnings { get; }
    }
}
