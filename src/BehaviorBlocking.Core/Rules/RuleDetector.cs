using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Features;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Rules
{
    /// <summary>Settings of the rule detector.</summary>
    public sealed class RuleDetectorOptions
    {
        /// <summary>Score a tree's signals for one tactic must reach before a detection is raised (one low rule is 0.3).</summary>
        public double RaiseThreshold { get; init; } = 0.3;

        /// <summary>Event evidence items kept per detection (rule evidence is always complete).</summary>
        public int MaxEventEvidence { get; init; } = 8;

        /// <summary>Time each rule's evaluation (for <c>behaviorblock evaluate</c>'s slowest rules); costs ~40 ns per rule tried.</summary>
        public bool MeasureRuleCost { get; init; }

        /// <summary>Told of every rule signal (the feature collector turns them into per-tree features).</summary>
        public IRuleSignalObserver? SignalObserver { get; init; }

        /// <summary>The classifier that may decide verdicts (<c>!ml</c>); needs <see cref="Features"/>. Null: rules alone.</summary>
        public ITreeClassifier? Classifier { get; init; }

        /// <summary>Where the classifier reads a tree's current features.</summary>
        public TreeFeatureCollector? Features { get; init; }

        /// <summary>How probabilities become verdicts.</summary>
        public ClassifierPolicy ClassifierPolicy { get; init; } = new ClassifierPolicy();
    }

    /// <summary>Receives each rule signal as it happens, on the pipeline's consumer thread.</summary>
    public interface IRuleSignalObserver
    {
        /// <summary>A rule (or correlation) matched <paramref name="behaviorEvent"/> of <paramref name="process"/> (null for host-level events).</summary>
        void OnRuleSignal(SigmaRule rule, BehaviorEvent behaviorEvent, ProcessNode? process);
    }

    /// <summary>Evaluation cost and matches of one rule over a run.</summary>
    public sealed class RuleStatistics
    {
        internal RuleStatistics(SigmaRule rule, long evaluations, long matches, double seconds)
        {
            Rule = rule;
            Evaluations = evaluations;
            Matches = matches;
            Seconds = seconds;
        }

        /// <summary>The rule.</summary>
        public SigmaRule Rule { get; }

        /// <summary>Events it was tried on.</summary>
        public long Evaluations { get; }

        /// <summary>Events it matched (correlations: times they fired).</summary>
        public long Matches { get; }

        /// <summary>Time spent evaluating it (only when measured).</summary>
        public double Seconds { get; }
    }

    /// <summary>
    /// Runs a <see cref="RuleSet"/> over the event stream and turns rule signals into verdicts: per
    /// process tree (or per host, for events without a process) and tactic, at most one open
    /// detection, updated as evidence grows. Its score combines the levels of the distinct rules
    /// that matched (1 − Π(1 − weight)); severity follows the score; the variant is the strongest
    /// rule's. Names end in <c>!rule</c>.
    /// </summary>
    public sealed class RuleDetector : IDetector
    {
        private readonly RuleSet _rules;
        private readonly RuleDetectorOptions _options;
        private readonly CorrelationState _correlations = new CorrelationState();
        private readonly Dictionary<VerdictKey, OpenVerdict> _open = new Dictionary<VerdictKey, OpenVerdict>();
        private readonly Dictionary<ProcessTree, List<VerdictKey>> _keysByTree = new Dictionary<ProcessTree, List<VerdictKey>>();
        private readonly int[]?[] _found;
        private int _stamp;
        private readonly List<CompiledCorrelation> _fired = new List<CompiledCorrelation>();
        private readonly long[] _evaluations;
        private readonly long[] _matches;
        private readonly long[] _ticks;
        private readonly long[] _correlationFires;
        private readonly float[]? _probabilities;
        private readonly float[]? _features;
        private long _modelScored;
        private long _modelDecided;
        private long _modelFailures;
        private string? _modelFirstError;

        /// <summary>Creates a detector over a loaded rule set.</summary>
        public RuleDetector(RuleSet rules, RuleDetectorOptions? options = null)
        {
            _rules = rules ?? throw new ArgumentNullException(nameof(rules));
            _options = options ?? new RuleDetectorOptions();
            _found = new int[rules.PlanCount][];
            _evaluations = new long[rules.Compiled.Count];
            _matches = new long[rules.Compiled.Count];
            _ticks = new long[rules.Compiled.Count];
            _correlationFires = new long[rules.Correlations.Count];
            if (_options.Classifier is not null)
            {
                if (_options.Features is null)
                {
                    throw new ArgumentException("a classifier needs the feature collector", nameof(options));
                }

                _probabilities = new float[_options.Classifier.Classes.Count];
                _features = new float[FeatureSchema.Count];
            }
        }

        /// <summary>What the classifier did in this run (Version null when none is loaded).</summary>
        public ClassifierHealth ClassifierHealth =>
            new ClassifierHealth(_options.Classifier?.Version, _modelScored, _modelDecided, _modelFailures, _modelFirstError);

        /// <inheritdoc />
        public string Name => "rules";

        /// <summary>The rules it runs.</summary>
        public RuleSet Rules => _rules;

        /// <inheritdoc />
        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, IDetectionSink sink)
        {
            CandidateLists candidates = _rules.Candidates(behaviorEvent);
            if (candidates.ById is not null)
            {
                Evaluate(candidates.ById, behaviorEvent, process, sink);
            }

            if (candidates.Any is not null)
            {
                Evaluate(candidates.Any, behaviorEvent, process, sink);
            }
        }

        /// <inheritdoc />
        public void OnTreeClosed(ProcessTree tree, IDetectionSink sink)
        {
            _correlations.OnTreeClosed(tree);
            if (!_keysByTree.TryGetValue(tree, out List<VerdictKey>? keys))
            {
                return;
            }

            foreach (VerdictKey key in keys)
            {
                if (_open.TryGetValue(key, out OpenVerdict? verdict))
                {
                    Finish(verdict, sink);
                    _open.Remove(key);
                }
            }

            _keysByTree.Remove(tree);
        }

        /// <inheritdoc />
        public void OnRecordingEnd(IDetectionSink sink)
        {
            foreach (OpenVerdict verdict in _open.Values)
            {
                Finish(verdict, sink);
            }

            _open.Clear();
            _keysByTree.Clear();
            _correlations.Clear();
        }

        /// <summary>Per rule: evaluations, matches and (when measured) time, over everything seen so far.</summary>
        public IReadOnlyList<RuleStatistics> Statistics()
        {
            var result = new List<RuleStatistics>();
            for (int i = 0; i < _rules.Compiled.Count; i++)
            {
                result.Add(new RuleStatistics(_rules.Compiled[i].Rule, _evaluations[i], _matches[i], _ticks[i] / (double)Stopwatch.Frequency));
            }

            for (int i = 0; i < _rules.Correlations.Count; i++)
            {
                result.Add(new RuleStatistics(_rules.Correlations[i].Rule, 0, _correlationFires[i], 0));
            }

            return result;
        }

        private void Evaluate(CandidatePlan plan, BehaviorEvent e, ProcessNode? process, IDetectionSink sink)
        {
            bool measure = _options.MeasureRuleCost;
            int[] found = _found[plan.Id] ??= new int[plan.NeedleCount];
            int stamp = ++_stamp;
            if (plan.Scans.Length > 0)
            {
                plan.Scan(e, found, stamp);
            }

            RuleEntry[] entries = plan.Entries;
            for (int i = 0; i < entries.Length; i++)
            {
                RuleEntry entry = entries[i];
                if ((entry.Kind is not null && entry.Kind != e.Kind) || !plan.MayMatch(i, found, stamp))
                {
                    continue;
                }

                CompiledRule rule = entry.Rule;
                int ordinal = rule.Ordinal;
                _evaluations[ordinal]++;
                long start = measure ? Stopwatch.GetTimestamp() : 0;
                bool matched = rule.Condition.IsMatch(e);
                if (measure)
                {
                    _ticks[ordinal] += Stopwatch.GetTimestamp() - start;
                }

                if (!matched)
                {
                    continue;
                }

                _matches[ordinal]++;
                if (!rule.Suppressed)
                {
                    Signal(rule.Rule, e, process, sink);
                }

                if (rule.Correlations.Count > 0)
                {
                    _fired.Clear();
                    _correlations.OnMatch(rule, e, process, _fired);
                    foreach (CompiledCorrelation correlation in _fired)
                    {
                        _correlationFires[correlation.Ordinal]++;
                        Signal(correlation.Rule, e, process, sink);
                    }
                }
            }
        }

        private void Signal(SigmaRule rule, BehaviorEvent e, ProcessNode? process, IDetectionSink sink)
        {
            _options.SignalObserver?.OnRuleSignal(rule, e, process);
            var key = new VerdictKey(process?.Tree, process is null ? e.Host : null, rule.Tactic);
            if (!_open.TryGetValue(key, out OpenVerdict? verdict))
            {
                verdict = new OpenVerdict(rule.Tactic, e.Host, e.SourceFile);
                _open[key] = verdict;
                if (process is not null)
                {
                    if (!_keysByTree.TryGetValue(process.Tree, out List<VerdictKey>? keys))
                    {
                        keys = new List<VerdictKey>();
                        _keysByTree[process.Tree] = keys;
                    }

                    keys.Add(key);
                }
            }

            bool newRule = verdict.Add(rule, e, process, _options.MaxEventEvidence);
            bool wasRaised = verdict.Raised;
            if (verdict.Score >= _options.RaiseThreshold)
            {
                verdict.Raised = true;
            }

            // Report at once when the verdict first rises or a new rule strengthens it; later matches
            // only move lastSeen and are reported when the tree closes.
            if (verdict.Raised && (newRule || !wasRaised))
            {
                sink.Report(Build(verdict));
                verdict.Dirty = false;
            }
            else
            {
                verdict.Dirty = true;
            }
        }

        private void Finish(OpenVerdict verdict, IDetectionSink sink)
        {
            if (verdict.Raised && verdict.Dirty)
            {
                sink.Report(Build(verdict));
                verdict.Dirty = false;
            }
        }

        private Detection Build(OpenVerdict v)
        {
            SigmaRule strongest = v.Strongest!;
            ProcessNode? node = v.StrongestProcess;
            BehaviorEvent first = v.StrongestEvent!;
            double score = Math.Round(v.Score, 3);
            var evidence = new List<Evidence>(v.Hits.Count + v.Events.Count);
            var techniques = new List<string>();
            foreach (RuleHit hit in v.Hits)
            {
                string times = hit.Count == 1 ? string.Empty : " (" + hit.Count.ToString(CultureInfo.InvariantCulture) + " matches)";
                evidence.Add(new Evidence("rule", hit.Rule.Id, $"{hit.Rule.Title} [{hit.Rule.Level.ToString().ToLowerInvariant()}]{times}", hit.FirstTime));
                foreach (string technique in hit.Rule.Techniques)
                {
                    if (!techniques.Contains(technique))
                    {
                        techniques.Add(technique);
                    }
                }
            }

            evidence.AddRange(v.Events);
            VerdictSource source = VerdictSource.Rule;
            string? modelVersion = null;
            if (_options.Classifier is not null && node is not null && Classify(node.Tree, v.Tactic, out double probability, evidence))
            {
                source = VerdictSource.Model;
                score = Math.Round(probability, 3);
                modelVersion = _options.Classifier.Version;
            }

            return new Detection
            {
                Id = v.Id,
                Name = DetectionName.Format(DetectionPlatform.Win32, v.Tactic, strongest.Variant, source),
                Platform = DetectionPlatform.Win32,
                Tactic = v.Tactic,
                Techniques = techniques,
                Score = score,
                Severity = SeverityOf(score),
                Action = DetectionAction.Audited,
                Host = v.Host,
                ProcessGuid = node?.ProcessGuid ?? first.ProcessGuid,
                ProcessId = node?.ProcessId ?? first.ProcessId,
                Image = node?.Image ?? first.Image,
                CommandLine = node?.CommandLine ?? first.CommandLine,
                ParentImage = node?.ParentImage ?? first.ParentImage,
                User = node?.User ?? first.User,
                FirstSeen = v.FirstSeen,
                LastSeen = v.LastSeen,
                SourceFile = v.SourceFile,
                Evidence = evidence,
                ModelVersion = modelVersion,
                RuleSetVersion = _rules.Version,
            };
        }

        /// <summary>
        /// Scores the tree; true when the model gives the verdict's tactic at least its threshold.
        /// A failing model leaves the verdict to the rules and is counted, never silently.
        /// </summary>
        private bool Classify(ProcessTree tree, Tactic tactic, out double probability, List<Evidence> evidence)
        {
            probability = 0;
            ITreeClassifier classifier = _options.Classifier!;
            float[] features = _features!;
            if (!_options.Features!.TryFill(tree, features))
            {
                return false;
            }

            try
            {
                classifier.Predict(features, _probabilities!);
            }
            catch (BehaviorBlockingException ex)
            {
                _modelFailures++;
                _modelFirstError ??= ex.ErrorId + ": " + ex.Message;
                return false;
            }

            _modelScored++;
            int index = IndexOfClass(classifier.Classes, tactic.ToString());
            if (index < 0)
            {
                index = IndexOfClass(classifier.Classes, "Generic");
            }

            probability = index < 0 ? 0 : _probabilities![index];
            if (probability < _options.ClassifierPolicy.ThresholdFor(tactic))
            {
                return false;
            }

            _modelDecided++;
            evidence.Add(new Evidence("model", classifier.Version, string.Format(CultureInfo.InvariantCulture,
                "classifier: {0} {1:0.000} (benign {2:0.000})", tactic, probability, _probabilities![Math.Max(0, IndexOfClass(classifier.Classes, "Benign"))]), null));
            evidence.AddRange(FeatureEvidence(classifier, features, index, probability, _options.ClassifierPolicy.FeatureEvidence));
            return true;
        }

        private static int IndexOfClass(IReadOnlyList<string> classes, string name)
        {
            for (int i = 0; i < classes.Count; i++)
            {
                if (string.Equals(classes[i], name, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>
        /// The features that pushed the verdict: each feature that differs from its benign median is set
        /// back to the median and the tree re-scored; the larger the fall of the tactic's probability,
        /// the more that feature made the verdict (occlusion attribution; only for verdicts the model decides).
        /// </summary>
        private List<Evidence> FeatureEvidence(ITreeClassifier classifier, float[] features, int classIndex, double probability, int count)
        {
            var evidence = new List<Evidence>();
            IReadOnlyList<float> medians = classifier.BenignMedians;
            if (medians.Count != features.Length || count <= 0 || classIndex < 0)
            {
                return evidence;
            }

            var probe = (float[])features.Clone();
            var scores = new float[classifier.Classes.Count];
            var effects = new List<KeyValuePair<int, double>>();
            for (int i = 0; i < features.Length; i++)
            {
                if (Math.Abs(features[i] - medians[i]) < 1e-6)
                {
                    continue;
                }

                probe[i] = medians[i];
                try
                {
                    classifier.Predict(probe, scores);
                }
                catch (BehaviorBlockingException)
                {
                    return evidence;
                }

                probe[i] = features[i];
                double fall = probability - scores[classIndex];
                if (fall > 1e-4)
                {
                    effects.Add(new KeyValuePair<int, double>(i, fall));
                }
            }

            effects.Sort((a, b) => b.Value.CompareTo(a.Value));
            for (int i = 0; i < effects.Count && i < count; i++)
            {
                int f = effects[i].Key;
                evidence.Add(new Evidence("feature", FeatureSchema.Names[f], string.Format(CultureInfo.InvariantCulture,
                    "{0} = {1:0.###} (benign median {2:0.###}; at the median the probability falls by {3:0.000})",
                    FeatureSchema.Names[f], features[f], medians[f], effects[i].Value), null));
            }

            return evidence;
        }

        /// <summary>Severity from the combined score: one critical rule, or several weaker ones, reach the same band.</summary>
        internal static Severity SeverityOf(double score) =>
            score >= 0.9 ? Severity.Critical : score >= 0.75 ? Severity.High : score >= 0.5 ? Severity.Medium : score >= 0.3 ? Severity.Low : Severity.Informational;

        /// <summary>What one match of a rule at this level adds to a verdict's score.</summary>
        internal static double Weight(RuleLevel level) => level switch
        {
            RuleLevel.Informational => 0.1,
            RuleLevel.Low => 0.3,
            RuleLevel.Medium => 0.5,
            RuleLevel.High => 0.75,
            _ => 0.9,
        };

        private readonly struct VerdictKey : IEquatable<VerdictKey>
        {
            public VerdictKey(ProcessTree? tree, string? host, Tactic tactic)
            {
                Tree = tree;
                Host = host;
                Tactic = tactic;
            }

            public ProcessTree? Tree { get; }

            public string? Host { get; }

            public Tactic Tactic { get; }

            public bool Equals(VerdictKey other) => Tree == other.Tree && Tactic == other.Tactic && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase);

            public override bool Equals(object? obj) => obj is VerdictKey other && Equals(other);

            public override int GetHashCode() =>
                ((Tree?.GetHashCode() ?? StringComparer.OrdinalIgnoreCase.GetHashCode(Host ?? string.Empty)) * 31) + (int)Tactic;
        }

        private sealed class RuleHit
        {
            public RuleHit(SigmaRule rule, DateTimeOffset firstTime)
            {
                Rule = rule;
                FirstTime = firstTime;
            }

            public SigmaRule Rule { get; }

            public DateTimeOffset FirstTime { get; }

            public long Count { get; set; }
        }

        private sealed class OpenVerdict
        {
            public OpenVerdict(Tactic tactic, string host, string? sourceFile)
            {
                Tactic = tactic;
                Host = host;
                SourceFile = sourceFile;
            }

            public Guid Id { get; } = Guid.NewGuid();

            public Tactic Tactic { get; }

            public string Host { get; }

            public string? SourceFile { get; }

            public List<RuleHit> Hits { get; } = new List<RuleHit>();

            public List<Evidence> Events { get; } = new List<Evidence>();

            public double Score { get; private set; }

            public SigmaRule? Strongest { get; private set; }

            public ProcessNode? StrongestProcess { get; private set; }

            public BehaviorEvent? StrongestEvent { get; private set; }

            public DateTimeOffset FirstSeen { get; private set; } = DateTimeOffset.MaxValue;

            public DateTimeOffset LastSeen { get; private set; } = DateTimeOffset.MinValue;

            public bool Raised { get; set; }

            public bool Dirty { get; set; }

            /// <summary>Adds a match; returns true when the rule is new to this verdict.</summary>
            public bool Add(SigmaRule rule, BehaviorEvent e, ProcessNode? process, int maxEvents)
            {
                if (e.Time < FirstSeen)
                {
                    FirstSeen = e.Time;
                }

                if (e.Time > LastSeen)
                {
                    LastSeen = e.Time;
                }

                RuleHit? hit = null;
                foreach (RuleHit h in Hits)
                {
                    if (ReferenceEquals(h.Rule, rule))
                    {
                        hit = h;
                        break;
                    }
                }

                bool isNew = hit is null;
                if (hit is null)
                {
                    hit = new RuleHit(rule, e.Time);
                    Hits.Add(hit);
                    Score = 1 - ((1 - Score) * (1 - Weight(rule.Level)));
                    if (Strongest is null || rule.Level > Strongest.Level)
                    {
                        Strongest = rule;
                        StrongestProcess = process;
                        StrongestEvent = e;
                    }
                }

                hit.Count++;
                if (Events.Count < maxEvents && (isNew || hit.Count <= 2))
                {
                    Events.Add(new Evidence("event", Reference(e), Describe(rule, e), e.Time));
                }

                return isNew;
            }

            private static string Reference(BehaviorEvent e)
            {
                string where = e.SourceFile is null ? string.Empty : " at line " + e.SourceLine.ToString(CultureInfo.InvariantCulture);
                string record = e.RecordId is long id ? "#" + id.ToString(CultureInfo.InvariantCulture) : string.Empty;
                return e.Channel + "/" + e.EventId.ToString(CultureInfo.InvariantCulture) + record + where;
            }

            private static string Describe(SigmaRule rule, BehaviorEvent e)
            {
                string actor = ImagePath.FileName(e.Image);
                string target = e.TargetPath ?? e.TargetName ?? e.TargetImage ?? e.CommandLine ?? string.Empty;
                if (target.Length > 160)
                {
                    target = target.Substring(0, 157) + "...";
                }

                return $"{e.Kind} by {(actor.Length == 0 ? "-" : actor)}{(target.Length == 0 ? string.Empty : ": " + target)} (matched {rule.Title})";
            }
        }
    }
}
