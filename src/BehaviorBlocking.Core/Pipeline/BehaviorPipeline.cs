using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Pipeline
{
    /// <summary>
    /// The consumer stage shared by replay and live monitoring: applies each normalized event to
    /// the process graph, runs the detectors, and collects their detections. Single-threaded by
    /// design (one consumer owns the graph); a failing detector is counted and skipped, never fatal.
    /// </summary>
    public sealed class BehaviorPipeline
    {
        private readonly IReadOnlyList<IDetector> _detectors;
        private readonly DetectionCollector _collector;
        private readonly long[] _eventsByKind = new long[Enum.GetValues(typeof(EventKind)).Length];
        private readonly long[] _detectorFailures;
        private readonly string?[] _firstDetectorError;

        /// <summary>Creates the stage; <paramref name="emit"/> receives each detection when it is final for now.</summary>
        public BehaviorPipeline(IReadOnlyList<IDetector> detectors, Action<Detection> emit, ProcessGraphOptions? graphOptions = null)
        {
            _detectors = detectors ?? throw new ArgumentNullException(nameof(detectors));
            _collector = new DetectionCollector(emit ?? throw new ArgumentNullException(nameof(emit)));
            _detectorFailures = new long[detectors.Count];
            _firstDetectorError = new string?[detectors.Count];
            Graph = new ProcessGraph(graphOptions);
            Graph.TreeClosed += OnTreeClosed;
        }

        /// <summary>The process graph this stage owns.</summary>
        public ProcessGraph Graph { get; }

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

        /// <summary>Per detector: how many times it threw, and the first error.</summary>
        public IReadOnlyList<DetectorHealth> DetectorHealth()
        {
            var health = new List<DetectorHealth>(_detectors.Count);
            for (int i = 0; i < _detectors.Count; i++)
            {
                health.Add(new DetectorHealth(_detectors[i].Name, _detectorFailures[i], _firstDetectorError[i]));
            }

            return health;
        }

        /// <summary>Processes one event.</summary>
        public void Process(BehaviorEvent behaviorEvent)
        {
            Events++;
            _eventsByKind[(int)behaviorEvent.Kind]++;
            ProcessNode? node = Graph.Apply(behaviorEvent);
            for (int i = 0; i < _detectors.Count; i++)
            {
                try
                {
                    _detectors[i].OnEvent(behaviorEvent, node, _collector);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(i, ex);
                }
            }
        }

        /// <summary>Ends a recording: closes every tree (detectors get their last look) and emits open detections.</summary>
        public void EndRecording()
        {
            Graph.CloseAll();
            for (int i = 0; i < _detectors.Count; i++)
            {
                try
                {
                    _detectors[i].OnRecordingEnd(_collector);
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

        private void OnTreeClosed(ProcessTree tree)
        {
            for (int i = 0; i < _detectors.Count; i++)
            {
                try
                {
                    _detectors[i].OnTreeClosed(tree, _collector);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    RecordFailure(i, ex);
                }
            }
        }

        private void RecordFailure(int detector, Exception ex)
        {
            _detectorFailures[detector]++;
            _firstDetectorError[detector] ??= ex.GetType().Name + ": " + ex.Message;
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

        /// <summary>Times it threw.</summary>
        public long Failures { get; }

        /// <summary>The first error, when it failed.</summary>
        public string? FirstError { get; }
    }
}
