using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Graph
{
    /// <summary>
    /// The live picture of processes: identity, parent links, trees and per-process timelines,
    /// built from normalized events in whatever order they arrive.
    /// </summary>
    /// <remarks>
    /// Identity is the process guid where a sensor gives one, else (host, pid, start time).
    /// Decisions about which incarnation of a reused pid an event belongs to use event time,
    /// not arrival order, because recordings interleave channels out of order. Memory is
    /// bounded: trees are evicted after retention periods measured in event time, and the
    /// least recently active trees go first when process or event caps are reached.
    /// Not thread-safe: one consumer thread owns a graph.
    /// </remarks>
    public sealed class ProcessGraph
    {
        private readonly ProcessGraphOptions _options;
        private readonly HashSet<string> _boundaries;
        private readonly Dictionary<NodeKey, ProcessNode> _byGuid = new Dictionary<NodeKey, ProcessNode>(NodeKeyComparer.Instance);
        private readonly Dictionary<NodeKey, ProcessNode> _byPid = new Dictionary<NodeKey, ProcessNode>(NodeKeyComparer.Instance);
        private readonly HashSet<ProcessTree> _trees = new HashSet<ProcessTree>();
        private readonly List<ProcessTree> _evictionScratch = new List<ProcessTree>();
        private long _nextSequence;
        private long _nextTreeId;
        private int _processCount;
        private long _retainedEvents;
        private int _eventsSinceSweep;
        private DateTimeOffset _watermark = DateTimeOffset.MinValue;

        /// <summary>Creates an empty graph.</summary>
        public ProcessGraph(ProcessGraphOptions? options = null)
        {
            _options = options ?? new ProcessGraphOptions();
            _boundaries = new HashSet<string>(_options.TreeBoundaries, StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>Raised when a tree leaves the graph, before its nodes are released.</summary>
        public event Action<ProcessTree>? TreeClosed;

        /// <summary>
        /// Raised when a tree joins another (its root was linked under a parent that appeared later):
        /// first the tree that goes away, then the tree that now holds its processes. State kept per
        /// tree must move with the nodes; the first tree is never seen again.
        /// </summary>
        public event Action<ProcessTree, ProcessTree>? TreesMerged;

        /// <summary>Processes currently held.</summary>
        public int ProcessCount => _processCount;

        /// <summary>Trees currently held.</summary>
        public int TreeCount => _trees.Count;

        /// <summary>Timeline events currently held over all processes.</summary>
        public long RetainedEvents => _retainedEvents;

        /// <summary>Latest event time seen (the clock eviction runs on).</summary>
        public DateTimeOffset Watermark => _watermark;

        /// <summary>Counters since creation.</summary>
        public GraphStatistics Statistics { get; } = new GraphStatistics();

        /// <summary>The trees currently held.</summary>
        public IEnumerable<ProcessTree> Trees => _trees;

        /// <summary>
        /// Applies one event: creates, links, exits or updates processes, appends the event to the
        /// acting process's timeline, and evicts what has expired. Returns the acting process, or
        /// null for events without a process identity.
        /// </summary>
        public ProcessNode? Apply(BehaviorEvent behaviorEvent)
        {
            if (behaviorEvent is null)
            {
                throw new ArgumentNullException(nameof(behaviorEvent));
            }

            if (behaviorEvent.Time > _watermark)
            {
                _watermark = behaviorEvent.Time;
            }

            ProcessNode? node;
            switch (behaviorEvent.Kind)
            {
                case EventKind.ProcessStart:
                    node = OnStart(behaviorEvent);
                    break;
                case EventKind.ProcessExit:
                    node = Resolve(behaviorEvent.Host, behaviorEvent.ProcessGuid, behaviorEvent.ProcessId, behaviorEvent.Time, behaviorEvent.Image, null);
                    if (node is not null && !node.HasExited)
                    {
                        MarkExited(node, behaviorEvent.Time);
                    }

                    break;
                default:
                    node = Resolve(behaviorEvent.Host, behaviorEvent.ProcessGuid, behaviorEvent.ProcessId, behaviorEvent.Time, behaviorEvent.Image, null);
                    break;
            }

            if (node is null)
            {
                Statistics.EventsUnattributed++;
            }
            else
            {
                Touch(node, behaviorEvent);
            }

            if (++_eventsSinceSweep >= _options.SweepInterval)
            {
                Sweep();
            }

            return node;
        }

        /// <summary>Finds a held process by guid.</summary>
        public ProcessNode? FindByGuid(string host, string processGuid)
        {
            return _byGuid.TryGetValue(new NodeKey(host, processGuid, 0), out ProcessNode? node) ? node : null;
        }

        /// <summary>Finds the held incarnation of a pid that was alive at <paramref name="at"/>.</summary>
        public ProcessNode? FindByProcessId(string host, int processId, DateTimeOffset at)
        {
            return _byPid.TryGetValue(new NodeKey(host, null, processId), out ProcessNode? node) && IsSameIncarnation(node, at) ? node : null;
        }

        /// <summary>Parent, grandparent... while they are held (stops on a cycle in bad data).</summary>
        public IEnumerable<ProcessNode> Ancestors(ProcessNode node)
        {
            var seen = new HashSet<ProcessNode> { node };
            for (ProcessNode? current = node.Parent; current is not null && seen.Add(current); current = current.Parent)
            {
                yield return current;
            }
        }

        /// <summary>All held descendants, breadth first, across tree boundaries.</summary>
        public IEnumerable<ProcessNode> Descendants(ProcessNode node)
        {
            var seen = new HashSet<ProcessNode> { node };
            var queue = new Queue<ProcessNode>();
            queue.Enqueue(node);
            while (queue.Count > 0)
            {
                foreach (ProcessNode child in queue.Dequeue().Children)
                {
                    if (seen.Add(child))
                    {
                        queue.Enqueue(child);
                        yield return child;
                    }
                }
            }
        }

        /// <summary>The processes of one tree, root first.</summary>
        public IReadOnlyList<ProcessNode> Members(ProcessTree tree)
        {
            var members = new List<ProcessNode>(tree.ProcessCount);
            CollectMembers(tree, members);
            return members;
        }

        /// <summary>
        /// A copy of a tree as it is now (each process: identity, parent, image, command line, user,
        /// start, hashes, alive or exited), for a responder that acts after the graph moved on or
        /// evicted the tree.
        /// </summary>
        public ProcessTreeSnapshot Snapshot(ProcessTree tree)
        {
            if (tree is null)
            {
                throw new ArgumentNullException(nameof(tree));
            }

            var members = new List<ProcessNode>(tree.ProcessCount);
            CollectMembers(tree, members);
            var processes = new ProcessSnapshot[members.Count];
            for (int i = 0; i < members.Count; i++)
            {
                processes[i] = new ProcessSnapshot(members[i]);
            }

            return new ProcessTreeSnapshot(tree.Id, tree.Root.Host, processes, _watermark);
        }

        /// <summary>Closes every tree (end of a recording); raises <see cref="TreeClosed"/> for each, oldest activity first.</summary>
        public void CloseAll()
        {
            _evictionScratch.Clear();
            _evictionScratch.AddRange(_trees);
            _evictionScratch.Sort(CompareByActivity);
            foreach (ProcessTree tree in _evictionScratch)
            {
                Evict(tree);
            }

            _evictionScratch.Clear();
            _watermark = DateTimeOffset.MinValue;
            _eventsSinceSweep = 0;
        }

        /// <summary>
        /// Advances the graph's clock to <paramref name="now"/> (when later than the latest event) and sweeps: a live
        /// monitor calls it when telemetry is quiet, so trees close and are evicted by wall-clock time even when
        /// no event comes in to move the clock.
        /// </summary>
        public void Sweep(DateTimeOffset now)
        {
            if (now > _watermark)
            {
                _watermark = now;
            }

            Sweep();
        }

        /// <summary>Evicts trees whose retention has passed and enforces the caps. Runs on its own every SweepInterval events.</summary>
        public void Sweep()
        {
            _eventsSinceSweep = 0;
            _evictionScratch.Clear();
            foreach (ProcessTree tree in _trees)
            {
                TimeSpan retention = tree.LiveCount == 0 ? _options.ExitedTreeRetention : _options.IdleTreeRetention;
                if (tree.LastActivity + retention <= _watermark)
                {
                    _evictionScratch.Add(tree);
                }
            }

            foreach (ProcessTree tree in _evictionScratch)
            {
                Evict(tree);
            }

            // A long-lived tree (a shell or agent that keeps spawning jobs) must not keep every exited child.
            foreach (ProcessTree tree in _trees)
            {
                if (tree.LiveCount < tree.ProcessCount)
                {
                    PruneExited(tree.Root, _watermark - _options.ExitedTreeRetention);
                }
            }

            if (_processCount > _options.MaxProcesses || _retainedEvents > _options.MaxRetainedEvents)
            {
                // Over a cap: drop the least recently active trees down to 90% so the next sweep has headroom.
                long processTarget = _options.MaxProcesses * 9L / 10;
                long eventTarget = _options.MaxRetainedEvents * 9 / 10;
                _evictionScratch.Clear();
                _evictionScratch.AddRange(_trees);
                _evictionScratch.Sort(CompareByActivity);
                foreach (ProcessTree tree in _evictionScratch)
                {
                    if (_processCount <= processTarget && _retainedEvents <= eventTarget)
                    {
                        break;
                    }

                    Evict(tree);
                    Statistics.TreesEvictedForCapacity++;
                }
            }

            _evictionScratch.Clear();
        }

        private static int CompareByActivity(ProcessTree a, ProcessTree b)
        {
            int byTime = a.LastActivity.CompareTo(b.LastActivity);
            return byTime != 0 ? byTime : a.Id.CompareTo(b.Id);
        }

        private ProcessNode OnStart(BehaviorEvent e)
        {
            string? guid = Normalize(e.ProcessGuid);
            int pid = e.ProcessId ?? 0;
            ProcessNode? node = null;
            if (guid is not null)
            {
                _byGuid.TryGetValue(new NodeKey(e.Host, guid, 0), out node);
            }

            bool indexPid = pid > 0;
            if (node is null && pid > 0 && _byPid.TryGetValue(new NodeKey(e.Host, null, pid), out ProcessNode? existing))
            {
                bool compatibleGuid = existing.ProcessGuid is null || guid is null
                    || string.Equals(existing.ProcessGuid, guid, StringComparison.OrdinalIgnoreCase);
                if (compatibleGuid && IsSameStart(existing, e))
                {
                    // The same start seen by a second sensor, or a node built from earlier-arriving events.
                    node = existing;
                }
                else if (existing.StartTime.HasValue && existing.StartTime > e.Time)
                {
                    // An older incarnation arriving late: keep the newer one in the pid index.
                    indexPid = false;
                }
                else
                {
                    Statistics.ProcessIdReuses++;
                    if (!existing.HasExited)
                    {
                        MarkExited(existing, e.Time < existing.LastSeen ? existing.LastSeen : e.Time);
                    }
                }
            }

            if (node is null)
            {
                node = CreateNode(e.Host, pid, guid, e.Time, indexPid);
            }
            else if (indexPid && pid > 0)
            {
                _byPid[new NodeKey(e.Host, null, pid)] = node;
            }

            if (guid is not null && node.ProcessGuid is null)
            {
                node.ProcessGuid = guid;
                _byGuid[new NodeKey(e.Host, guid, 0)] = node;
            }

            bool firstStart = !node.StartObserved;
            node.StartObserved = true;
            node.StartTime = firstStart || node.StartTime is null || e.Time < node.StartTime ? e.Time : node.StartTime;
            if (e.Time < node.FirstSeen)
            {
                node.FirstSeen = e.Time;
            }

            node.StartEvent ??= e;
            node.Image = e.Image ?? node.Image;
            node.CommandLine = e.CommandLine ?? node.CommandLine;
            node.User = e.User ?? node.User;
            node.Hashes = e.Hashes ?? node.Hashes;
            node.ParentProcessId = e.ParentProcessId ?? node.ParentProcessId;
            node.ParentProcessGuid = Normalize(e.ParentProcessGuid) ?? node.ParentProcessGuid;
            node.ParentImage = e.ParentImage ?? node.ParentImage;

            if (node.Parent is null && (node.ParentProcessGuid is not null || node.ParentProcessId > 0))
            {
                ProcessNode? parent = Resolve(e.Host, node.ParentProcessGuid, node.ParentProcessId, e.Time, e.ParentImage, e.ParentCommandLine);
                if (parent is not null && parent != node && !IsAncestorOf(node, parent))
                {
                    Link(node, parent);
                }
            }

            return node;
        }

        /// <summary>Finds the process an event belongs to, building a node when the graph has none.</summary>
        private ProcessNode? Resolve(string host, string? processGuid, int? processId, DateTimeOffset time, string? image, string? commandLine)
        {
            string? guid = Normalize(processGuid);
            int pid = processId ?? 0;
            if (guid is null && pid <= 0)
            {
                return null;
            }

            if (guid is not null && _byGuid.TryGetValue(new NodeKey(host, guid, 0), out ProcessNode? byGuid))
            {
                return byGuid;
            }

            bool indexPid = pid > 0;
            if (pid > 0 && _byPid.TryGetValue(new NodeKey(host, null, pid), out ProcessNode? byPid))
            {
                bool compatibleGuid = byPid.ProcessGuid is null || guid is null;
                if (compatibleGuid && IsSameIncarnation(byPid, time))
                {
                    if (guid is not null)
                    {
                        byPid.ProcessGuid = guid;
                        _byGuid[new NodeKey(host, guid, 0)] = byPid;
                    }

                    return byPid;
                }

                // Keep a newer incarnation in the pid index when a late event of an older one arrives.
                indexPid = !(byPid.StartTime.HasValue && time < byPid.StartTime.Value - _options.StartTolerance);
            }

            ProcessNode node = CreateNode(host, pid, guid, time, indexPid);
            node.Image = image;
            node.CommandLine = commandLine;
            Statistics.ProcessesSynthesized++;
            return node;
        }

        /// <summary>True when an event at <paramref name="time"/> can belong to this incarnation of the pid.</summary>
        private bool IsSameIncarnation(ProcessNode node, DateTimeOffset time)
        {
            TimeSpan tolerance = _options.StartTolerance;
            if (node.StartTime.HasValue && time < node.StartTime.Value - tolerance)
            {
                return false;
            }

            return !(node.ExitTime.HasValue && time > node.ExitTime.Value + tolerance);
        }

        /// <summary>True when a start event describes the process this node already stands for.</summary>
        private bool IsSameStart(ProcessNode node, BehaviorEvent start)
        {
            TimeSpan tolerance = _options.StartTolerance;
            if (node.StartObserved)
            {
                TimeSpan delta = node.StartTime!.Value - start.Time;
                bool sameImage = node.Image is null || start.Image is null
                    || string.Equals(ImagePath.FileName(node.Image), ImagePath.FileName(start.Image), StringComparison.Ordinal);
                return delta.Duration() <= tolerance && sameImage;
            }

            // Built from events that arrived before the start: it is this process if none of them predates the start.
            return node.FirstSeen >= start.Time - tolerance && !(node.ExitTime < start.Time);
        }

        private ProcessNode CreateNode(string host, int pid, string? guid, DateTimeOffset time, bool indexPid)
        {
            var node = new ProcessNode(_nextSequence++, host, pid)
            {
                ProcessGuid = guid,
                FirstSeen = time,
                LastSeen = time,
            };
            var tree = new ProcessTree(_nextTreeId++, node) { ProcessCount = 1, LiveCount = 1, LastActivity = time };
            node.Tree = tree;
            _trees.Add(tree);
            if (guid is not null)
            {
                _byGuid[new NodeKey(host, guid, 0)] = node;
            }

            if (indexPid && pid > 0)
            {
                _byPid[new NodeKey(host, null, pid)] = node;
            }

            _processCount++;
            Statistics.ProcessesCreated++;
            Statistics.TreesCreated++;
            if (_processCount > Statistics.PeakProcesses)
            {
                Statistics.PeakProcesses = _processCount;
            }

            return node;
        }

        private void Touch(ProcessNode node, BehaviorEvent e)
        {
            Statistics.EventsAttributed++;
            if (e.Time > node.LastSeen)
            {
                node.LastSeen = e.Time;
            }

            if (e.Time < node.FirstSeen)
            {
                node.FirstSeen = e.Time;
            }

            ProcessTree tree = node.Tree;
            if (e.Time > tree.LastActivity)
            {
                tree.LastActivity = e.Time;
            }

            int grew = node.Append(e, _options.TimelineCapacity);
            tree.RetainedEvents += grew;
            _retainedEvents += grew;
        }

        private void MarkExited(ProcessNode node, DateTimeOffset time)
        {
            node.ExitTime = time;
            node.Tree.LiveCount--;
        }

        private bool IsAncestorOf(ProcessNode candidate, ProcessNode node)
        {
            foreach (ProcessNode ancestor in Ancestors(node))
            {
                if (ancestor == candidate)
                {
                    return true;
                }
            }

            return false;
        }

        private void Link(ProcessNode child, ProcessNode parent)
        {
            child.Parent = parent;
            parent.AddChild(child);
            if (_boundaries.Contains(parent.ImageName) || child.Tree == parent.Tree)
            {
                return;
            }

            // The child was a root; its tree joins the parent's.
            ProcessTree from = child.Tree;
            ProcessTree into = parent.Tree;
            var members = new List<ProcessNode>(from.ProcessCount);
            CollectMembers(from, members);
            foreach (ProcessNode member in members)
            {
                member.Tree = into;
            }

            into.ProcessCount += from.ProcessCount;
            into.LiveCount += from.LiveCount;
            into.RetainedEvents += from.RetainedEvents;
            if (from.LastActivity > into.LastActivity)
            {
                into.LastActivity = from.LastActivity;
            }

            _trees.Remove(from);
            from.Closed = true;
            from.MergedInto = into;
            Statistics.TreesMerged++;
            TreesMerged?.Invoke(from, into);
        }

        private static void CollectMembers(ProcessTree tree, List<ProcessNode> members)
        {
            var stack = new Stack<ProcessNode>();
            stack.Push(tree.Root);
            while (stack.Count > 0)
            {
                ProcessNode node = stack.Pop();
                members.Add(node);
                IReadOnlyList<ProcessNode> children = node.Children;
                for (int i = children.Count - 1; i >= 0; i--)
                {
                    if (children[i].Tree == tree)
                    {
                        stack.Push(children[i]);
                    }
                }
            }
        }

        private void Evict(ProcessTree tree)
        {
            if (!_trees.Contains(tree))
            {
                return;
            }

            TreeClosed?.Invoke(tree);
            var members = new List<ProcessNode>(tree.ProcessCount);
            CollectMembers(tree, members);
            foreach (ProcessNode node in members)
            {
                RemoveFromIndexes(node);

                // Children in other trees (below a launch point) keep their reported parent fields.
                foreach (ProcessNode child in node.Children)
                {
                    if (child.Tree != tree)
                    {
                        child.Parent = null;
                    }
                }
            }

            tree.Root.Parent?.RemoveChild(tree.Root);
            tree.Root.Parent = null;
            _processCount -= members.Count;
            _retainedEvents -= tree.RetainedEvents;
            _trees.Remove(tree);
            tree.Closed = true;
            Statistics.TreesClosed++;
        }

        /// <summary>Removes exited leaves of a live tree that exited before <paramref name="cutoff"/>; returns true when <paramref name="node"/> itself went.</summary>
        private bool PruneExited(ProcessNode node, DateTimeOffset cutoff)
        {
            ProcessTree tree = node.Tree;
            IReadOnlyList<ProcessNode> children = node.Children;
            for (int i = children.Count - 1; i >= 0; i--)
            {
                if (children[i].Tree == tree)
                {
                    PruneExited(children[i], cutoff);
                }
            }

            if (node == tree.Root || node.Children.Count > 0 || !(node.ExitTime <= cutoff) || node.LastSeen > cutoff)
            {
                return false;
            }

            RemoveFromIndexes(node);
            node.Parent?.RemoveChild(node);
            node.Parent = null;
            tree.ProcessCount--;
            tree.RetainedEvents -= node.TimelineCount;
            _retainedEvents -= node.TimelineCount;
            _processCount--;
            Statistics.ProcessesPruned++;
            return true;
        }

        private void RemoveFromIndexes(ProcessNode node)
        {
            if (node.ProcessGuid is not null
                && _byGuid.TryGetValue(new NodeKey(node.Host, node.ProcessGuid, 0), out ProcessNode? g) && g == node)
            {
                _byGuid.Remove(new NodeKey(node.Host, node.ProcessGuid, 0));
            }

            if (node.ProcessId > 0
                && _byPid.TryGetValue(new NodeKey(node.Host, null, node.ProcessId), out ProcessNode? p) && p == node)
            {
                _byPid.Remove(new NodeKey(node.Host, null, node.ProcessId));
            }
        }

        private static string? Normalize(string? guid) => string.IsNullOrEmpty(guid) ? null : guid;

        /// <summary>Host plus either a guid or a pid; hosts and guids compare case-insensitively.</summary>
        private readonly struct NodeKey
        {
            public NodeKey(string host, string? guid, int pid)
            {
                Host = host ?? string.Empty;
                Guid = guid;
                Pid = pid;
            }

            public string Host { get; }

            public string? Guid { get; }

            public int Pid { get; }
        }

        private sealed class NodeKeyComparer : IEqualityComparer<NodeKey>
        {
            public static readonly NodeKeyComparer Instance = new NodeKeyComparer();

            public bool Equals(NodeKey x, NodeKey y) =>
                x.Pid == y.Pid
                && string.Equals(x.Guid, y.Guid, StringComparison.OrdinalIgnoreCase)
                && string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase);

            public int GetHashCode(NodeKey key)
            {
                int hash = StringComparer.OrdinalIgnoreCase.GetHashCode(key.Host);
                hash = (hash * 31) + (key.Guid is null ? key.Pid : StringComparer.OrdinalIgnoreCase.GetHashCode(key.Guid));
                return hash;
            }
        }
    }
}
