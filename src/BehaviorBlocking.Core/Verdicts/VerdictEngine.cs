using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Verdicts
{
    /// <summary>
    /// The verdict stage: turns the detectors' signals into detections. Per process tree (or per
    /// host, for events without a process) and tactic, at most one open verdict, updated as
    /// evidence grows. Its score combines the distinct signals (1 − Π(1 − weight)), or is the
    /// classifier's probability when the model is confident (<c>!ml</c>); severity follows the
    /// score; the variant is the strongest signal's; the platform is the events'.
    /// </summary>
    /// <remarks>
    /// A verdict event (<see cref="VerdictRaised"/>) goes out, after the policy decided and the
    /// responder acted, when a detection is first raised and when it materially changes (score up,
    /// decided by something else, a merged tree's evidence), carrying a copy of the tree. Detection
    /// records go to the pipeline's sink on every report. Signals of one event are taken together
    /// and in a fixed order (the pipeline orders them by detector name), so results do not depend on the
    /// order detectors are listed in.
    /// Owned by the pipeline's consumer thread.
    /// </remarks>
    public sealed class VerdictEngine
    {
        private readonly VerdictOptions _options;
        private readonly Dictionary<VerdictKey, OpenVerdict> _open = new Dictionary<VerdictKey, OpenVerdict>();
        private readonly Dictionary<ProcessTree, List<Tactic>> _tacticsByTree = new Dictionary<ProcessTree, List<Tactic>>();
        private readonly HashSet<Guid> _openIds = new HashSet<Guid>();
        private readonly List<OpenVerdict> _touched = new List<OpenVerdict>();
        private float[]? _probabilities;
        private float[]? _features;
        private ClassifierGuard? _classifier;
        private ITreeClassifier? _classifierInForce;
        private IBlockingPolicy _policy;
        private ProcessGraph? _graph;
        private IDetectionSink? _sink;
        private string? _ruleSetVersion;
        private long _modelScored;
        private long _modelDecided;
        private long _raised;
        private long _created;
        private long _events;
        private long _policyFailures;
        private long _responderFailures;
        private string? _firstResponseError;

        /// <summary>Creates the stage.</summary>
        public VerdictEngine(VerdictOptions? options = null)
        {
            _options = options ?? new VerdictOptions();
            _policy = _options.Policy ?? AuditPolicy.Instance;
            if (_options.Classifier is not null)
            {
                if (_options.Features is null)
                {
                    throw new ArgumentException("a classifier needs a feature source", nameof(options));
                }

                UseClassifier(_options.Classifier);
            }
        }

        /// <summary>The policy verdicts are decided by now.</summary>
        public IBlockingPolicy Policy => _policy;

        /// <summary>
        /// Takes the policy and classifier of a new engine snapshot (on the consumer thread, between events).
        /// A classifier needs the run's feature source: a run that started without one keeps deciding by rules
        /// alone until the next run. A new classifier gets a new guard: its failure count starts at zero.
        /// </summary>
        internal void Adopt(IBlockingPolicy policy, ITreeClassifier? classifier, string? ruleSetVersion)
        {
            _policy = policy ?? AuditPolicy.Instance;
            _ruleSetVersion = ruleSetVersion;
            if (!ReferenceEquals(classifier, _classifierInForce) && (_options.Features is not null || classifier is null))
            {
                if (classifier is null)
                {
                    _classifier = null;
                    _classifierInForce = null;
                }
                else
                {
                    UseClassifier(classifier);
                }
            }
        }

        private void UseClassifier(ITreeClassifier classifier)
        {
            _probabilities = new float[classifier.Classes.Count];
            _features = new float[FeatureSchema.Count];
            _classifier = new ClassifierGuard(classifier, _options.ClassifierFailureLimit);
            _classifierInForce = classifier;
        }

        /// <summary>Raised on the consumer thread for every verdict event, after the policy and the responder.</summary>
        public event Action<VerdictEvent>? VerdictRaised;

        /// <summary>What the classifier did in this run (Version null when none is loaded).</summary>
        public ClassifierHealth ClassifierHealth =>
            new ClassifierHealth(_classifierInForce?.Version, _modelScored, _modelDecided, _classifier?.Failures ?? 0, _classifier?.FirstError, _classifier?.DisabledReason);

        /// <summary>Raises, verdict events and policy/responder failures in this run.</summary>
        public VerdictHealth Health => new VerdictHealth(_raised, _events, _policyFailures, _responderFailures, _firstResponseError);

        /// <summary>Verdicts currently open.</summary>
        public int OpenVerdicts => _open.Count;

        /// <summary>Connects the stage to the graph it snapshots and the sink it reports to (done once, by the pipeline).</summary>
        internal void Attach(ProcessGraph graph, IDetectionSink sink, string? detectorVersions)
        {
            if (_graph is not null)
            {
                throw new InvalidOperationException("a verdict stage belongs to one pipeline");
            }

            _graph = graph;
            _sink = sink;
            _ruleSetVersion = detectorVersions;
        }

        /// <summary>Takes the signals of one event (in the pipeline's fixed order) and updates, raises and reports verdicts.</summary>
        internal void OnSignals(List<DetectionSignal> signals, long sequence)
        {
            _touched.Clear();
            foreach (DetectionSignal signal in signals)
            {
                OpenVerdict verdict = Find(signal);
                if (verdict.Add(signal, sequence, _options.MaxEventEvidence) && !verdict.Touched)
                {
                    verdict.Touched = true;
                    _touched.Add(verdict);
                }
                else if (!verdict.Touched)
                {
                    verdict.Dirty = true;
                }
            }

            foreach (OpenVerdict verdict in _touched)
            {
                verdict.Touched = false;
                bool wasRaised = verdict.Raised;
                if (verdict.Score >= _options.RaiseThreshold)
                {
                    verdict.Raised = true;
                }

                // Report when the verdict first rises or a new signal strengthens it; later matches of
                // known signals only move lastSeen and are reported when the verdict closes.
                if (verdict.Raised)
                {
                    Report(verdict, wasRaised ? VerdictChange.Strengthened : VerdictChange.Raised);
                }
                else
                {
                    verdict.Dirty = true;
                }
            }

            _touched.Clear();
        }

        /// <summary>A tree left the graph: its verdicts are final.</summary>
        internal void OnTreeClosed(ProcessTree tree)
        {
            if (!_tacticsByTree.TryGetValue(tree, out List<Tactic>? tactics))
            {
                return;
            }

            foreach (Tactic tactic in tactics)
            {
                var key = new VerdictKey(tree, null, tactic);
                if (_open.TryGetValue(key, out OpenVerdict? verdict))
                {
                    Finish(verdict);
                    Forget(key, verdict);
                }
            }

            _tacticsByTree.Remove(tree);
        }

        /// <summary>Tree <paramref name="from"/> joined <paramref name="into"/>: its verdicts move, and join the tree's verdicts of the same tactic.</summary>
        internal void OnTreesMerged(ProcessTree from, ProcessTree into)
        {
            if (!_tacticsByTree.TryGetValue(from, out List<Tactic>? tactics))
            {
                return;
            }

            _tacticsByTree.Remove(from);

            // Move or absorb every verdict first, so the verdict events below see all the tree's tactics.
            var strengthened = new List<OpenVerdict>();
            var wasRaised = new List<bool>();
            foreach (Tactic tactic in tactics)
            {
                var oldKey = new VerdictKey(from, null, tactic);
                if (!_open.TryGetValue(oldKey, out OpenVerdict? moved))
                {
                    continue;
                }

                _open.Remove(oldKey);
                var newKey = new VerdictKey(into, null, tactic);
                if (_open.TryGetValue(newKey, out OpenVerdict? existing))
                {
                    // One verdict per tree and tactic: the joined tree's evidence strengthens the existing one.
                    _openIds.Remove(moved.Id);
                    _sink!.Retract(moved.Id);
                    bool raisedBefore = existing.Raised;
                    double before = existing.Score;
                    existing.Absorb(moved, _options.MaxEventEvidence);
                    existing.Raised |= existing.Score >= _options.RaiseThreshold;
                    if (existing.Raised && (!raisedBefore || existing.Score > before))
                    {
                        strengthened.Add(existing);
                        wasRaised.Add(raisedBefore);
                    }
                    else
                    {
                        existing.Dirty |= existing.Raised;
                    }
                }
                else
                {
                    moved.Tree = into;
                    _open[newKey] = moved;
                    TacticsOf(into).Add(tactic);
                    moved.Dirty |= moved.Raised;
                }
            }

            for (int i = 0; i < strengthened.Count; i++)
            {
                Report(strengthened[i], wasRaised[i] ? VerdictChange.Merged : VerdictChange.Raised);
            }
        }

        /// <summary>End of a recording: every open verdict is final.</summary>
        internal void OnRecordingEnd()
        {
            var remaining = new List<OpenVerdict>(_open.Values);
            remaining.Sort((a, b) => a.Created.CompareTo(b.Created));
            foreach (OpenVerdict verdict in remaining)
            {
                Finish(verdict);
            }

            _open.Clear();
            _openIds.Clear();
            _tacticsByTree.Clear();
        }

        private OpenVerdict Find(in DetectionSignal signal)
        {
            ProcessNode? process = signal.Process;
            BehaviorEvent e = signal.Event;
            Tactic tactic = signal.Source.Tactic;
            var key = new VerdictKey(process?.Tree, process is null ? e.Host : null, tactic);
            if (_open.TryGetValue(key, out OpenVerdict? verdict))
            {
                return verdict;
            }

            ProcessNode? root = process?.Tree.Root;
            Guid id = VerdictIds.For(e.Host, e.SourceFile, root, tactic, e.Time);
            for (int salt = 1; _openIds.Contains(id); salt++)
            {
                id = VerdictIds.For(e.Host, e.SourceFile, root, tactic, e.Time, salt);
            }

            verdict = new OpenVerdict(id, tactic, e.Host, e.SourceFile, e.Platform, process?.Tree, _created++);
            _open[key] = verdict;
            _openIds.Add(id);
            if (process is not null)
            {
                TacticsOf(process.Tree).Add(tactic);
            }

            return verdict;
        }

        private List<Tactic> TacticsOf(ProcessTree tree)
        {
            if (!_tacticsByTree.TryGetValue(tree, out List<Tactic>? tactics))
            {
                tactics = new List<Tactic>(2);
                _tacticsByTree[tree] = tactics;
            }

            return tactics;
        }

        private void Forget(VerdictKey key, OpenVerdict verdict)
        {
            _open.Remove(key);
            _openIds.Remove(verdict.Id);
        }

        private void Finish(OpenVerdict verdict)
        {
            if (verdict.Raised && verdict.Dirty)
            {
                _sink!.Report(Build(verdict));
                verdict.Dirty = false;
            }
        }

        private void Report(OpenVerdict open, VerdictChange change)
        {
            Detection detection = Build(open);
            bool implicated = open.ProcessJoined;
            open.ProcessJoined = false;
            bool material = change == VerdictChange.Raised
                || detection.Score > open.LastEventScore + 1e-9
                || (detection.ModelVersion is not null) != open.LastEventByModel
                || implicated;
            if (material)
            {
                if (change == VerdictChange.Strengthened && detection.Score <= open.LastEventScore + 1e-9)
                {
                    change = (detection.ModelVersion is not null) != open.LastEventByModel ? VerdictChange.SourceChanged : VerdictChange.ProcessImplicated;
                }

                if (change == VerdictChange.Raised)
                {
                    _raised++;
                }

                detection = Respond(open, change, detection);
                open.LastEventScore = detection.Score;
                open.LastEventByModel = detection.ModelVersion is not null;
            }

            _sink!.Report(detection);
            open.Dirty = false;
        }

        private Detection Respond(OpenVerdict open, VerdictChange change, Detection detection)
        {
            _events++;
            ProcessTreeSnapshot? snapshot = open.Tree is null || open.Tree.Closed ? null : _graph!.Snapshot(open.Tree);
            IReadOnlyList<Tactic> tactics = open.Tree is not null && _tacticsByTree.TryGetValue(open.Tree, out List<Tactic>? raisedTactics)
                ? RaisedTactics(open.Tree, raisedTactics)
                : new[] { open.Tactic };
            var implicated = new ProcessIdentity[open.Processes.Count];
            for (int i = 0; i < implicated.Length; i++)
            {
                ProcessNode node = open.Processes[i];
                implicated[i] = new ProcessIdentity(node.ProcessId, node.StartObserved ? node.StartTime : null, node.Image);
            }

            var verdict = new Verdict(change, detection, snapshot, tactics, implicated);
            PolicyDecision decision;
            try
            {
                decision = _policy.Decide(verdict);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // A failing policy must not stop detection: record the verdict and say why nothing was done.
                _policyFailures++;
                _firstResponseError ??= "policy: " + ex.GetType().Name + ": " + ex.Message;
                decision = new PolicyDecision(ResponseAction.None, false, "policy failed: " + ex.Message);
            }

            ResponseResult response;
            try
            {
                response = _options.Responder.Respond(verdict, decision);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                _responderFailures++;
                _firstResponseError ??= "responder: " + ex.GetType().Name + ": " + ex.Message;
                response = new ResponseResult(decision.Excluded ? DetectionAction.Excluded : decision.RequiresResponse ? DetectionAction.BlockFailed : DetectionAction.Audited);
            }

            open.Action = Stronger(open.Action, response.Action);
            if (response.Steps.Count > 0)
            {
                open.Steps.AddRange(response.Steps);
            }

            Detection final = detection.WithResponse(open.Action, open.StepsRecord());
            VerdictRaised?.Invoke(new VerdictEvent(verdict, decision, response, final));
            return final;
        }

        private IReadOnlyList<Tactic> RaisedTactics(ProcessTree tree, List<Tactic> tactics)
        {
            var raised = new List<Tactic>(tactics.Count);
            foreach (Tactic tactic in tactics)
            {
                if (_open.TryGetValue(new VerdictKey(tree, null, tactic), out OpenVerdict? v) && v.Raised)
                {
                    raised.Add(tactic);
                }
            }

            return raised;
        }

        // Blocked or a failed block outlive a later audit of the same verdict; an exclusion yields to nothing but itself.
        // ATT&CK's own tactic where it differs from the detection's (a rule tagged attack.stealth is DefenseEvasion).
        private static string AttackTacticNote(ISignalSource source) =>
            source is IAttackTacticSource { AttackTactic: string attack } ? "; ATT&CK tactic " + attack : string.Empty;

        private static DetectionAction Stronger(DetectionAction current, DetectionAction next) =>
            Rank(next) > Rank(current) ? next : current;

        private static int Rank(DetectionAction action) => action switch
        {
            DetectionAction.Audited => 0,
            DetectionAction.Excluded => 1,
            DetectionAction.BlockFailed => 2,
            _ => 3,
        };

        private Detection Build(OpenVerdict v)
        {
            ISignalSource strongest = v.Strongest!;
            ProcessNode? node = v.StrongestProcess;
            BehaviorEvent first = v.StrongestEvent!;
            double score = Math.Round(v.Score, 3);
            var evidence = new List<Evidence>(v.Hits.Count + v.Events.Count);
            var techniques = new List<string>();
            foreach (SignalHit hit in v.Hits)
            {
                string times = hit.Count == 1 ? string.Empty : " (" + hit.Count.ToString(CultureInfo.InvariantCulture) + " matches)";
                evidence.Add(new Evidence(hit.Source is ISignalEvidence kind ? kind.EvidenceKind : "rule", hit.Source.Id, $"{hit.Source.Title} [{hit.Source.Level.ToString().ToLowerInvariant()}{AttackTacticNote(hit.Source)}]{times}", hit.FirstTime));
                foreach (string technique in hit.Source.Techniques)
                {
                    if (!techniques.Contains(technique))
                    {
                        techniques.Add(technique);
                    }
                }
            }

            evidence.AddRange(v.Events);

            // What the signals' events left behind, named so the detection can be remediated (now or from the store).
            v.CollectArtifacts(_options.MaxArtifactEvidence);
            for (int i = 0; i < v.Artifacts.Count; i++)
            {
                evidence.Add(v.Artifacts[i].ToEvidence(v.ArtifactTimes[i]));
            }

            VerdictSource source = VerdictSource.Rule;
            string? modelVersion = null;
            ProcessTree? tree = v.Tree ?? node?.Tree;
            // A model scores only the platforms it was trained on (ClassifierPolicy.Platforms): elsewhere the rules decide.
            if (_classifier is not null && tree is not null && !tree.Closed && _options.ClassifierPolicy.Scores(v.Platform)
                && Classify(tree, v.Tactic, out double probability, evidence))
            {
                source = VerdictSource.Model;
                score = Math.Round(probability, 3);
                modelVersion = _classifier.Classifier.Version;
            }

            return new Detection
            {
                Id = v.Id,
                Name = DetectionName.Format(v.Platform, v.Tactic, strongest.Variant, source),
                Platform = v.Platform,
                Tactic = v.Tactic,
                Techniques = techniques,
                Score = score,
                Severity = SignalWeights.SeverityOf(score),
                Action = v.Action,
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
                RuleSetVersion = _ruleSetVersion,
                Actions = v.StepsRecord(),
            };
        }

        /// <summary>
        /// Scores the tree; true when the model gives the verdict's tactic at least its threshold. Every
        /// prediction goes through the guard: a model that throws, times out or gives other than
        /// probabilities leaves the verdict to the rules and is counted, never silently.
        /// </summary>
        private bool Classify(ProcessTree tree, Tactic tactic, out double probability, List<Evidence> evidence)
        {
            probability = 0;
            ClassifierGuard guard = _classifier!;
            ITreeClassifier classifier = guard.Classifier;
            float[] features = _features!;
            if (guard.DisabledReason is not null || !_options.Features!.TryFill(tree, features))
            {
                return false;
            }

            if (!guard.TryPredict(features, _probabilities!))
            {
                return false;
            }

            _modelScored++;
            int index = IndexOfClass(classifier.Classes, tactic.ToString());
            if (index < 0)
            {
                index = IndexOfClass(classifier.Classes, "Generic");
            }

            probability = index < 0 ? 0 : _probabilities![index];

            // Written so that a threshold that is not a number never lets the model decide.
            if (!(probability >= _options.ClassifierPolicy.ThresholdFor(tactic)))
            {
                return false;
            }

            _modelDecided++;
            evidence.Add(new Evidence("model", classifier.Version, string.Format(CultureInfo.InvariantCulture,
                "classifier: {0} {1:0.000} (benign {2:0.000})", tactic, probability, _probabilities![Math.Max(0, IndexOfClass(classifier.Classes, "Benign"))]), null));
            evidence.AddRange(FeatureEvidence(guard, features, index, probability, _options.ClassifierPolicy.FeatureEvidence));
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
        private static List<Evidence> FeatureEvidence(ClassifierGuard guard, float[] features, int classIndex, double probability, int count)
        {
            ITreeClassifier classifier = guard.Classifier;
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
                if (!guard.TryPredict(probe, scores))
                {
                    // Counted by the guard; the verdict keeps the evidence found so far.
                    break;
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

        private sealed class SignalHit
        {
            public SignalHit(ISignalSource source, DateTimeOffset firstTime)
            {
                Source = source;
                FirstTime = firstTime;
            }

            public ISignalSource Source { get; }

            public DateTimeOffset FirstTime { get; set; }

            public long Count { get; set; }
        }

        private sealed class OpenVerdict
        {
            // Signal events kept per verdict for artifact extraction; the consumer thread owns the scratch list.
            private const int MaxCandidates = 64;

            [ThreadStatic]
            private static List<PersistenceArtifact>? t_scratch;

            private static List<PersistenceArtifact> s_scratch => t_scratch ??= new List<PersistenceArtifact>();

            public OpenVerdict(Guid id, Tactic tactic, string host, string? sourceFile, DetectionPlatform platform, ProcessTree? tree, long created)
            {
                Id = id;
                Tactic = tactic;
                Host = host;
                SourceFile = sourceFile;
                Platform = platform;
                Tree = tree;
                Created = created;
            }

            public Guid Id { get; }

            public Tactic Tactic { get; }

            public string Host { get; }

            public string? SourceFile { get; }

            public DetectionPlatform Platform { get; }

            public ProcessTree? Tree { get; set; }

            public long Created { get; }

            public List<SignalHit> Hits { get; } = new List<SignalHit>();

            public List<Evidence> Events { get; } = new List<Evidence>();

            /// <summary>Signal events that may name persistence, read when the detection is built.</summary>
            public List<BehaviorEvent> Candidates { get; } = new List<BehaviorEvent>();

            /// <summary>Candidates already read.</summary>
            public int Extracted { get; private set; }

            public List<PersistenceArtifact> Artifacts { get; } = new List<PersistenceArtifact>();

            public List<DateTimeOffset> ArtifactTimes { get; } = new List<DateTimeOffset>();
            /// <summary>Response steps of every verdict event so far, in order.</summary>
            public List<ResponseStep> Steps { get; } = new List<ResponseStep>(0);

            /// <summary>Processes whose events gave this verdict a signal, in first-signal order.</summary>
            public List<ProcessNode> Processes { get; } = new List<ProcessNode>(1);

            /// <summary>Set when a process joined <see cref="Processes"/> since the last verdict event.</summary>
            public bool ProcessJoined { get; set; }

            public double Score { get; private set; }

            public ISignalSource? Strongest { get; private set; }

            public long StrongestSequence { get; private set; }

            public ProcessNode? StrongestProcess { get; private set; }

            public BehaviorEvent? StrongestEvent { get; private set; }

            public DateTimeOffset FirstSeen { get; private set; } = DateTimeOffset.MaxValue;

            public DateTimeOffset LastSeen { get; private set; } = DateTimeOffset.MinValue;

            public bool Raised { get; set; }

            public bool Dirty { get; set; }

            public bool Touched { get; set; }

            public DetectionAction Action { get; set; }

            public double LastEventScore { get; set; } = -1;

            public bool LastEventByModel { get; set; }

            /// <summary>Adds a signal; returns true when its source is new to this verdict.</summary>
            public bool Add(in DetectionSignal signal, long sequence, int maxEvents)
            {
                BehaviorEvent e = signal.Event;
                ISignalSource source = signal.Source;
                Widen(e.Time, e.Time);
                SignalHit? hit = FindHit(source);
                bool isNew = hit is null;
                if (hit is null)
                {
                    hit = new SignalHit(source, e.Time);
                    Hits.Add(hit);
                    Score = SignalWeights.Combine(Score, source.Level);
                    if (Strongest is null || source.Level > Strongest.Level)
                    {
                        Strongest = source;
                        StrongestSequence = sequence;
                        StrongestProcess = signal.Process;
                        StrongestEvent = e;
                    }
                }

                // A process the verdict did not implicate yet is news too: the response must reach it (a second
                // attack of the same tactic in one tree), so the verdict is reported again.
                bool newProcess = false;
                if (signal.Process is ProcessNode process && !Processes.Contains(process))
                {
                    Processes.Add(process);
                    newProcess = Processes.Count > 1;
                    ProcessJoined |= newProcess;
                }

                hit.Count++;
                if (Candidates.Count < MaxCandidates && PersistenceArtifacts.MayName(e) && !Candidates.Contains(e))
                {
                    Candidates.Add(e);
                }

                if (Events.Count < maxEvents && (isNew || hit.Count <= 2))
                {
                    Events.Add(new Evidence("event", Reference(e), Describe(source, e), e.Time));
                }

                return isNew || newProcess;
            }

            /// <summary>Takes in the verdict of a tree that joined this one (same tactic).</summary>
            public void Absorb(OpenVerdict other, int maxEvents)
            {
                Widen(other.FirstSeen, other.LastSeen);
                foreach (SignalHit theirs in other.Hits)
                {
                    SignalHit? mine = FindHit(theirs.Source);
                    if (mine is null)
                    {
                        Hits.Add(theirs);
                        Score = SignalWeights.Combine(Score, theirs.Source.Level);
                    }
                    else
                    {
                        mine.Count += theirs.Count;
                        if (theirs.FirstTime < mine.FirstTime)
                        {
                            mine.FirstTime = theirs.FirstTime;
                        }
                    }
                }

                if (other.Strongest is not null && (Strongest is null || other.Strongest.Level > Strongest.Level
                    || (other.Strongest.Level == Strongest.Level && other.StrongestSequence < StrongestSequence)))
                {
                    Strongest = other.Strongest;
                    StrongestSequence = other.StrongestSequence;
                    StrongestProcess = other.StrongestProcess;
                    StrongestEvent = other.StrongestEvent;
                }

                foreach (Evidence item in other.Events)
                {
                    if (Events.Count >= maxEvents)
                    {
                        break;
                    }

                    Events.Add(item);
                }

                Events.Sort((a, b) => Nullable.Compare(a.Time, b.Time));
                foreach (BehaviorEvent candidate in other.Candidates)
                {
                    if (Candidates.Count < MaxCandidates && !Candidates.Contains(candidate))
                    {
                        Candidates.Add(candidate);
                    }
                }

                foreach (ProcessNode process in other.Processes)
                {
                    if (!Processes.Contains(process))
                    {
                        Processes.Add(process);
                    }
                }

                Steps.AddRange(other.Steps);
                _stepsRecord = null;
                Raised |= other.Raised;
                Action = Stronger(Action, other.Action);
            }

            /// <summary>Takes the persistence named by candidate events not read yet; at most <paramref name="max"/> artifacts, each once.</summary>
            public void CollectArtifacts(int max)
            {
                for (; Extracted < Candidates.Count; Extracted++)
                {
                    BehaviorEvent e = Candidates[Extracted];
                    s_scratch.Clear();
                    PersistenceArtifacts.AddTo(e, s_scratch);
                    foreach (PersistenceArtifact artifact in s_scratch)
                    {
                        Merge(artifact, e.Time, max);
                    }
                }

                s_scratch.Clear();
            }

            // An artifact with its line outranks the same location without one; the same artifact is kept once.
            private void Merge(PersistenceArtifact artifact, DateTimeOffset time, int max)
            {
                StringComparison comparison = artifact.Kind <= PersistenceKind.WmiSubscription ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                for (int i = 0; i < Artifacts.Count; i++)
                {
                    PersistenceArtifact known = Artifacts[i];
                    if (known.Kind != artifact.Kind || !string.Equals(known.Location, artifact.Location, comparison))
                    {
                        continue;
                    }

                    if (string.Equals(known.Entry, artifact.Entry, StringComparison.Ordinal) || artifact.Entry is null)
                    {
                        return;
                    }

                    if (known.Entry is null)
                    {
                        Artifacts[i] = artifact;
                        return;
                    }
                }

                if (Artifacts.Count < max)
                {
                    Artifacts.Add(artifact);
                    ArtifactTimes.Add(time);
                }
            }

            private ResponseStep[]? _stepsRecord;

            /// <summary>The steps as the detection record carries them (one copy per change, shared by the reports in between).</summary>
            public IReadOnlyList<ResponseStep> StepsRecord()
            {
                if (_stepsRecord is null || _stepsRecord.Length != Steps.Count)
                {
                    _stepsRecord = Steps.ToArray();
                }

                return _stepsRecord;
            }

            private SignalHit? FindHit(ISignalSource source)
            {
                foreach (SignalHit h in Hits)
                {
                    if (ReferenceEquals(h.Source, source))
                    {
                        return h;
                    }
                }

                return null;
            }

            private void Widen(DateTimeOffset first, DateTimeOffset last)
            {
                if (first < FirstSeen)
                {
                    FirstSeen = first;
                }

                if (last > LastSeen)
                {
                    LastSeen = last;
                }
            }

            private static string Reference(BehaviorEvent e)
            {
                string where = e.SourceFile is null ? string.Empty : " at line " + e.SourceLine.ToString(CultureInfo.InvariantCulture);
                string record = e.RecordId is long id ? "#" + id.ToString(CultureInfo.InvariantCulture) : string.Empty;
                return e.Channel + "/" + e.EventId.ToString(CultureInfo.InvariantCulture) + record + where;
            }

            private static string Describe(ISignalSource source, BehaviorEvent e)
            {
                string actor = ImagePath.FileName(e.Image);
                string target = e.TargetPath ?? e.TargetName ?? e.TargetImage ?? e.CommandLine ?? string.Empty;
                if (target.Length > 160)
                {
                    target = target.Substring(0, 157) + "...";
                }

                return $"{e.Kind} by {(actor.Length == 0 ? "-" : actor)}{(target.Length == 0 ? string.Empty : ": " + target)} (matched {source.Title})";
            }
        }
    }
}
