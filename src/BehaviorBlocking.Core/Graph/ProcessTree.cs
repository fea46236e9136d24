using System;

namespace BehaviorBlocking.Graph
{
    /// <summary>
    /// A process tree: a root process and its descendants, cut where a system launch point
    /// (services, svchost, explorer...) starts processes, so each tree is one chain of activity.
    /// </summary>
    public sealed class ProcessTree
    {
        internal ProcessTree(long id, ProcessNode root)
        {
            Id = id;
            Root = root;
        }

        /// <summary>Unique within the graph.</summary>
        public long Id { get; }

        /// <summary>The tree's root process.</summary>
        public ProcessNode Root { get; internal set; }

        /// <summary>Number of processes in the tree.</summary>
        public int ProcessCount { get; internal set; }

        /// <summary>Processes of the tree that have not exited.</summary>
        public int LiveCount { get; internal set; }

        /// <summary>Event time of the latest activity in the tree.</summary>
        public DateTimeOffset LastActivity { get; internal set; }

        /// <summary>Events the tree's processes hold in their timelines.</summary>
        internal long RetainedEvents { get; set; }

        /// <summary>True once the graph has let go of the tree.</summary>
        public bool Closed { get; internal set; }

        /// <summary>When the tree joined another, the tree that took its processes.</summary>
        public ProcessTree? MergedInto { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => $"tree {Id} rooted at {Root}";
    }
}
