using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Graph
{
    /// <summary>
    /// One process as the graph knows it. Owned and mutated only by the process graph
    /// on the pipeline's consumer thread; detectors read it there.
    /// </summary>
    public sealed class ProcessNode
    {
        private static readonly List<ProcessNode> s_noChildren = new List<ProcessNode>(0);
        private List<ProcessNode>? _children;
        private BehaviorEvent?[]? _timeline;
        private int _timelineStart;
        private int _timelineCount;

        internal ProcessNode(long sequence, string host, int processId)
        {
            Sequence = sequence;
            Host = host;
            ProcessId = processId;
        }

        /// <summary>Order in which the graph created the node; unique within a graph.</summary>
        public long Sequence { get; }

        /// <summary>Device the process ran on.</summary>
        public string Host { get; }

        /// <summary>Process id (may be reused by later processes).</summary>
        public int ProcessId { get; }

        /// <summary>Globally unique process id (Sysmon ProcessGuid), when a sensor reported one.</summary>
        public string? ProcessGuid { get; internal set; }

        /// <summary>Executable path.</summary>
        public string? Image { get; internal set; }

        /// <summary>Command line.</summary>
        public string? CommandLine { get; internal set; }

        /// <summary>Account.</summary>
        public string? User { get; internal set; }

        /// <summary>Hashes of the executable, Sysmon form.</summary>
        public string? Hashes { get; internal set; }

        /// <summary>Parent process id as reported at start.</summary>
        public int? ParentProcessId { get; internal set; }

        /// <summary>Parent guid as reported at start.</summary>
        public string? ParentProcessGuid { get; internal set; }

        /// <summary>Parent executable as reported at start (kept even after the parent node is gone).</summary>
        public string? ParentImage { get; internal set; }

        /// <summary>Start time; null when the start was never observed.</summary>
        public DateTimeOffset? StartTime { get; internal set; }

        /// <summary>True when a process-start event for this node was seen; false when it was built from later events.</summary>
        public bool StartObserved { get; internal set; }

        /// <summary>Exit time, when an exit was observed (or implied by PID reuse).</summary>
        public DateTimeOffset? ExitTime { get; internal set; }

        /// <summary>Time of the first event attributed to it.</summary>
        public DateTimeOffset FirstSeen { get; internal set; }

        /// <summary>Time of the latest event attributed to it.</summary>
        public DateTimeOffset LastSeen { get; internal set; }

        /// <summary>The parent node, while both are in the graph.</summary>
        public ProcessNode? Parent { get; internal set; }

        /// <summary>Child nodes in the graph.</summary>
        public IReadOnlyList<ProcessNode> Children => _children ?? s_noChildren;

        /// <summary>The tree this process belongs to.</summary>
        public ProcessTree Tree { get; internal set; } = null!;

        /// <summary>The process-start event, when observed.</summary>
        public BehaviorEvent? StartEvent { get; internal set; }

        /// <summary>Events attributed to the process, oldest first; the newest are kept when the cap is reached.</summary>
        public IReadOnlyList<BehaviorEvent> Timeline
        {
            get
            {
                var list = new List<BehaviorEvent>(_timelineCount);
                for (int i = 0; i < _timelineCount; i++)
                {
                    list.Add(_timeline![(_timelineStart + i) % _timeline.Length]!);
                }

                return list;
            }
        }

        /// <summary>Number of events in <see cref="Timeline"/>.</summary>
        public int TimelineCount => _timelineCount;

        /// <summary>Events attributed to the process that fell out of the capped timeline.</summary>
        public long DroppedEvents { get; private set; }

        /// <summary>Total events attributed to the process.</summary>
        public long EventCount { get; private set; }

        /// <summary>True once an exit is known.</summary>
        public bool HasExited => ExitTime.HasValue;

        /// <summary>File name of the image, lower-case (e.g. <c>powershell.exe</c>), or empty.</summary>
        public string ImageName => ImagePath.FileName(Image);

        internal void AddChild(ProcessNode child) => (_children ??= new List<ProcessNode>()).Add(child);

        internal void RemoveChild(ProcessNode child) => _children?.Remove(child);

        /// <summary>Appends to the ring-buffer timeline; returns 1 when it grew, 0 when an old event was dropped.</summary>
        internal int Append(BehaviorEvent behaviorEvent, int cap)
        {
            EventCount++;
            if (cap <= 0)
            {
                DroppedEvents++;
                return 0;
            }

            if (_timeline is null)
            {
                _timeline = new BehaviorEvent?[Math.Min(cap, 8)];
            }
            else if (_timelineCount == _timeline.Length && _timeline.Length < cap)
            {
                var grown = new BehaviorEvent?[Math.Min(cap, _timeline.Length * 2)];
                for (int i = 0; i < _timelineCount; i++)
                {
                    grown[i] = _timeline[(_timelineStart + i) % _timeline.Length];
                }

                _timeline = grown;
                _timelineStart = 0;
            }

            if (_timelineCount < _timeline.Length)
            {
                _timeline[(_timelineStart + _timelineCount) % _timeline.Length] = behaviorEvent;
                _timelineCount++;
                return 1;
            }

            _timeline[_timelineStart] = behaviorEvent;
            _timelineStart = (_timelineStart + 1) % _timeline.Length;
            DroppedEvents++;
            return 0;
        }

        /// <inheritdoc />
        public override string ToString() => $"{Host} PID {ProcessId} ({ImageName})";
    }

    /// <summary>Path helpers shared by the graph and detectors.</summary>
    public static class ImagePath
    {
        /// <summary>Lower-case file name of a Windows or Unix path; empty for null.</summary>
        public static string FileName(string? path)
        {
            if (string.IsNullOrEmpty(path))
            {
                return string.Empty;
            }

            int slash = Math.Max(path!.LastIndexOf('\\'), path.LastIndexOf('/'));
            string name = slash >= 0 ? path.Substring(slash + 1) : path;
            return name.ToLowerInvariant();
        }
    }
}
