using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Pipeline
{
    /// <summary>
    /// The consumer stage shared by replay and live monitoring: applies each normalized event to
    /// the process graph, runs the detectors (which emit signals), hands the event's signals to the
    /// signal observers and then to the verdict stage, and collects the detection records.
    /// Single-threaded by design (one consumer owns the graph); a failing detector is counted and
    /// skipped, never fatal.
    /// </summary>
    public sealed class BehaviorPipeline
    {
        private const string VerdictStageName = "verdicts";
        private readonly IDetector[] _detectors;
        private EngineSnapshotCell? _snapshots;
        private EngineSnapshot? _adopted;
        private Func<RuleSet, RuleDetector>? _newRuleDetector;
        private int _ruleSlot = -1;
        private readonly ISignalObserver[] _observers;
        private readonly int[] _detectorOrder;
        private readonly DetectionCollector _collector;
        private readonly SignalBuffer _signals = new SignalBuffer();
        private readonly long[] _eventsByKind = new long[Enum.GetValues(typeof(EventKind)).Length];
        private readonly long[] _detectorFailures;
        private readonly string?[] _firstDetectorError;
        private long _verdictFailures;
        private string? _firstVerdictError;

        /// <summary>Creates the stage with a default verdict stage (rules alone, audit policy).</summary>
        public BehaviorPipeline(IReadOnlyList<IDetector> detectors, Action<Detection> emit, ProcessGraphOptions? graphOptions = null)
            : this(detectors, new VerdictEngine(), emit, graphOptions)
        {
        }

        /// <summary>Creates the stage; <paramref name="emit"/> receives each detection when it is final for now.</summary>
        public BehaviorPipeline(IReadOnlyList<IDetector> detectors, VerdictEngine verdicts, Action<Detection> emit, ProcessGraphOptions? graphOptions = null)
        {
            _detectors = new List<IDetector>(detectors ?? throw new ArgumentNullException(nameof(detectors))).ToArray();
            Verdicts = verdicts ?? throw new ArgumentNullException(nameof(verdicts));
            _collector = new DetectionCollector(emit ?? throw new ArgumentNullException(nameof(emit)));
            _detectorFailures = new long[detectors.Count];
            _firstDetectorError = new string?[detectors.Count];
            var observers = new List<ISignalObserver>();
            var versions = new List<string>();
            foreach (IDetector detector in detectors)
            {
                if (detector is ISignalObserver observer)
                {
                    observers.Add(observer);
                }

                if (!string.IsNullOrEmpty(detector.Version) && !versions.Contains(detector.Version!))
                {
                    versions.Add(detector.Version!);
                }
            }

            _observers = observers.ToArray();
            _detectorOrder = RankByName(detectors);
            Graph = new ProcessGraph(graphOptions);
            Graph.TreeClosed += OnTreeClosed;
            Graph.TreesMerged += OnTreesMerged;
            verdicts.Attach(Graph, _collector, versions.Count == 0 ? null : string.Join("+", versions));
        }

        /// <summary>The process graph this stage owns.</summary>
        public ProcessGraph Graph { get; }

        /// <summary>The verdict stage this pipeline feeds.</summary>
        public VerdictEngine Verdicts { get; }

        /// <summary>Events processed.</summary>
        public long Events { get; private set; }

        /// <summary>Detections emitted (updates of one detection count once each time it is emitted).</summary>
        public long DetectionsEmitted => _collector.Emitted;

        /// <summary>Events processed per kind.</summary>
        public IReadOnlyList<EventKindCount> EventsByKind()
        {
            var counts = new List<EventKindCount>();
            for (int i = 0; i < _eventsByKind.Length; i++)
            {
                if (_eventsByKind[i] > 0)
                {
                    counts.Add(new EventKindCount((EventKind)i, _eventsByKind[i]));
                }
            }

            return counts;
        }

        /// <summary>Per detector (and the verdict stage, as <c>verdicts</c>): how many times it threw or contained a failure itself, and the first error.</summary>
        public IReadOnlyList<DetectorHealth> DetectorHealth()
        {
            var health = new List<DetectorHealth>(_detectors.Length + 1);
            for (int i = 0; i < _detectors.Length; i++)
            {
                long failures = _detectorFailures[i];
                string? first = _firstDetectorError[i];
                if (_detectors[i] is IReportsContainedFailures contained && contained.ContainedFailures > 0)
                {
                    failures += contained.ContainedFailures;
                    first ??= contained.FirstContainedFailure;
                }

                health.Add(new DetectorHealth(_detectors[i].Name, failures, first));
            }

            health.Add(new DetectorHealth(VerdictStageName, _verdictFailures, _firstVerdictError));
            return health;
        }

        /// <summary>The rule detector in use now (a snapshot swap replaces it), or null when the run has none.</summary>
        public RuleDetector? RuleDetector => _ruleSlot < 0 ? null : (RuleDetector)_detectors[_ruleSlot];

        /// <summary>The engine snapshot the last event was processed against, when the pipeline follows a cell.</summary>
        public EngineSnapshot? Snapshot => _adopted;

        /// <summary>
        /// Follows the snapshots of <paramref name="cell"/>: each event is processed against the snapshot in
        /// force when it comes in (one volatile read per event). When it changed, the rule detector is rebuilt
        /// over the new rules by <paramref name="newRuleDetector"/> (correlation state starts afresh), and the
        /// verdict stage takes the new policy and classifier.
        /// </summary>
        internal void Follow(EngineSnapshotCell cell, Func<RuleSet, RuleDetector> newRuleDetector)
        {
            _snapshots = cell ?? throw new ArgumentNullException(nameof(cell));
            _newRuleDetector = newRuleDetector ?? throw new ArgumentNullException(nameof(newRuleDetector));
            _ruleSlot = Array.FindIndex(_detectors, d => d is RuleDetector);
            _adopted = cell.Current;
        }

        private void Adopt(EngineSnapshot snapshot)
        {
            EngineSnapshot? previous = _adopted;
            _adopted = snapshot;
            string? versions = null;
            if (_ruleSlot >= 0 && (previous is null || !ReferenceEquals(previous.Rules, snapshot.Rules)))
            {
                var current = (RuleDetector)_detectors[_ruleSlot];
                current.OnRecordingEnd();
                _detectors[_ruleSlot] = _newRuleDetector!(snapshot.Rules);
            }

            var list = new List<string>();
            foreach (IDetector detector in _detectors)
            {
                if (!string.IsNullOrEmpty(detector.Version) && !list.Contains(detector.Version!))
                {
                    list.Add(detector.Version!);
                }
            }

            versions = list.Count == 0 ? null : string.Join("+", list);
            Verdicts.Adopt(snapshot.Policy, snapshot.Classifier, versions);
        }

        /// <summary>Processes one event.</summary>
        public void Process(BehaviorEvent behaviorEvent)
        {
            if (_snapshots is not null)
            {
                // One read per event: the whole event sees one snapshot, whatever is swapped meanwhile.
                EngineSnapshot snapshot = _snapshots.Current;
                if (!ReferenceEquals(snapshot, _adopted))
                {
                    Adopt(snapshot);
                }
            }

            long sequence = ++Events;
            _eventsByKind[(int)behaviorEvent.Kind]++;
            ProcessNode? node = Graph.Apply(behaviorEvent);
            _signals.Clear();
            List<DetectionSignal> signals = _signals.Items;
            int producers = 0;
            for (int i = 0; i < _detectors.Length; i++)
            {
                int before = signals.Count;
                try
                {
                    _detectors[i].OnEvent(behaviorEvent, node, _signals);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(i, ex);
                }

                if (signals.Count > before)
                {
                    _signals.MarkGroup(_detectorOrder[i], before, signals.Count);
                    producers++;
                }
            }

            if (signals.Count == 0)
            {
                return;
            }

            if (producers > 1)
            {
                // Signals of several detectors: in the order of the detectors' names, each detector's in its own order.
                _signals.OrderGroups();
            }

            // Every detector has seen the event before anyone hears of its signals, so a verdict built
            // now sees the event in the features whatever order the detectors are listed in.
            foreach (ISignalObserver observer in _observers)
            {
                try
                {
                    foreach (DetectionSignal signal in signals)
                    {
                        observer.OnSignal(signal);
                    }
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(IndexOf(observer), ex);
                }
            }

            try
            {
                Verdicts.OnSignals(signals, sequence);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                RecordVerdictFailure(ex);
            }
        }

        /// <summary>Ends a recording: closes every tree (verdicts get their last look) and emits open detections.</summary>
        public void EndRecording()
        {
            Graph.CloseAll();
            try
            {
                Verdicts.OnRecordingEnd();
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                RecordVerdictFailure(ex);
            }

            for (int i = 0; i < _detectors.Length; i++)
            {
                try
                {
                    _detectors[i].OnRecordingEnd();
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(i, ex);
                }
            }

            _collector.Flush();
        }

        /// <summary>Emits open detections without closing trees.</summary>
        public void Flush() => _collector.Flush();

        /// <summary>Measurement hook (bench): told the Stopwatch ticks each tree's closing took (verdict stage and detectors).</summary>
        internal Action<long>? TreeCloseTicks { get; set; }

        private void OnTreeClosed(ProcessTree tree)
        {
            Action<long>? measure = TreeCloseTicks;
            long start = measure is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            CloseTree(tree);
            measure?.Invoke(System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }

        private void CloseTree(ProcessTree tree)
        {
            // The verdicts first: their last look may classify the tree, which needs its features.
            try
            {
                Verdicts.OnTreeClosed(tree);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                RecordVerdictFailure(ex);
            }

            for (int i = 0; i < _detectors.Length; i++)
            {
                try
                {
                    _detectors[i].OnTreeClosed(tree);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(i, ex);
                }
            }
        }

        private void OnTreesMerged(ProcessTree from, ProcessTree into)
        {
            // The detectors first: a verdict re-scored on the merged tree reads the merged features.
            for (int i = 0; i < _detectors.Length; i++)
            {
                try
                {
                    _detectors[i].OnTreesMerged(from, into);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(i, ex);
                }
            }

            try
            {
                Verdicts.OnTreesMerged(from, into);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                RecordVerdictFailure(ex);
            }
        }

        private int IndexOf(ISignalObserver observer)
        {
            for (int i = 0; i < _detectors.Length; i++)
            {
                if (ReferenceEquals(_detectors[i], observer))
                {
                    return i;
                }
            }

            return 0;
        }

        private void RecordFailure(int detector, Exception ex)
        {
            _detectorFailures[detector]++;
            _firstDetectorError[detector] ??= ex.GetType().Name + ": " + ex.Message;
        }

        private void RecordVerdictFailure(Exception ex)
        {
            _verdictFailures++;
            _firstVerdictError ??= ex.GetType().Name + ": " + ex.Message;
        }

        // Each detector's rank when detectors are ordered by name (ties by position), so the order detectors
        // are listed in never changes which signal a verdict takes first.
        private static int[] RankByName(IReadOnlyList<IDetector> detectors)
        {
            var indexes = new int[detectors.Count];
            for (int i = 0; i < indexes.Length; i++)
            {
                indexes[i] = i;
            }

            Array.Sort(indexes, (a, b) =>
            {
                int byName = string.CompareOrdinal(detectors[a].Name, detectors[b].Name);
                return byName != 0 ? byName : a.CompareTo(b);
            });
            var rank = new int[indexes.Length];
            for (int r = 0; r < indexes.Length; r++)
            {
                rank[indexes[r]] = r;
            }

            return rank;
        }

        /// <summary>The signals of the event being processed, grouped by the detector that emitted them.</summary>
        private sealed class SignalBuffer : ISignalSink
        {
            private readonly List<(int Rank, int Start, int End)> _groups = new List<(int Rank, int Start, int End)>();
            private readonly List<DetectionSignal> _scratch = new List<DetectionSignal>();

            public List<DetectionSignal> Items { get; } = new List<DetectionSignal>();

            public void Signal(ISignalSource source, BehaviorEvent behaviorEvent, ProcessNode? process) =>
                Items.Add(new DetectionSignal(source, behaviorEvent, process));

            public void Clear()
            {
                Items.Clear();
                _groups.Clear();
            }

            public void MarkGroup(int rank, int start, int end) => _groups.Add((rank, start, end));

            public void OrderGroups()
            {
                _groups.Sort((a, b) => a.Rank.CompareTo(b.Rank));
                _scratch.Clear();
                foreach ((int _, int start, int end) in _groups)
                {
                    for (int i = start; i < end; i++)
                    {
                        _scratch.Add(Items[i]);
                    }
                }

                Items.Clear();
                Items.AddRange(_scratch);
            }
        }
    }

    /// <summary>How many events of one kind were processed.</summary>
    public sealed class EventKindCount
    {
        /// <summary>Creates a count.</summary>
        public EventKindCount(EventKind kind, long count)
        {
            Kind = kind;
            Count = count;
        }

        /// <summary>The kind.</summary>
        public EventKind Kind { get; }

        /// <summary>Events of that kind.</summary>
        public long Count { get; }
    }

    /// <summary>Health of one detector in a run.</summary>
    public sealed class DetectorHealth
    {
        /// <summary>Creates a health record.</summary>
        public DetectorHealth(string name, long failures, string? firstError)
        {
            Name = name;
            Failures = failures;
            FirstError = firstError;
        }

        /// <summary>Detector name.</summary>
        public string Name { get; }

        /// <summary>Times it threw, plus failures it contained itself (rule regex timeouts).</summary>
        public long Failures { get; }

        /// <summary>The first error, when it failed.</summary>
        public string? FirstError { get; }
    }
}
