namespace BehaviorBlocking.Graph
{
    /// <summary>Counters of what a <see cref="ProcessGraph"/> has done since it was created.</summary>
    public sealed class GraphStatistics
    {
        /// <summary>Process nodes created.</summary>
        public long ProcessesCreated { get; internal set; }

        /// <summary>Nodes built from events of a process whose start was never seen.</summary>
        public long ProcessesSynthesized { get; internal set; }

        /// <summary>Process starts that reused the id of an earlier process.</summary>
        public long ProcessIdReuses { get; internal set; }

        /// <summary>Trees created, including the provisional one-process tree of every new node (parent links later join them).</summary>
        public long TreesCreated { get; internal set; }

        /// <summary>Trees closed (evicted, or at the end of a recording).</summary>
        public long TreesClosed { get; internal set; }

        /// <summary>Trees that joined another when their root's parent appeared.</summary>
        public long TreesMerged { get; internal set; }

        /// <summary>Trees evicted before the end of their recording because of the process or event caps.</summary>
        public long TreesEvictedForCapacity { get; internal set; }

        /// <summary>Exited processes removed from trees that are still alive.</summary>
        public long ProcessesPruned { get; internal set; }

        /// <summary>Events attributed to a process.</summary>
        public long EventsAttributed { get; internal set; }

        /// <summary>Events with no process identity (host-level events).</summary>
        public long EventsUnattributed { get; internal set; }

        /// <summary>Most processes held at once.</summary>
        public int PeakProcesses { get; internal set; }
    }
}
