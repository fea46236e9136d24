using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Graph
{
    /// <summary>Limits and rules of a <see cref="ProcessGraph"/>. Immutable once the graph is built.</summary>
    public sealed class ProcessGraphOptions
    {
        /// <summary>
        /// Launch points whose children start a new tree: session and service hosts, the shell,
        /// init systems. Without the cut every process on a host would be one tree.
        /// </summary>
        public static readonly IReadOnlyCollection<string> DefaultTreeBoundaries = new[]
        {
            "system", "smss.exe", "csrss.exe", "wininit.exe", "winlogon.exe", "services.exe",
            "svchost.exe", "explorer.exe", "userinit.exe", "lsass.exe",
            "systemd", "init", "kthreadd",

            // Linux session and job launchers: each SSH or console session, cron or at job and container is a tree of its own.
            "sshd", "login", "cron", "crond", "atd", "containerd-shim", "containerd-shim-runc-v2", "tmux", "screen",
        };

        /// <summary>Events kept per process; older ones are dropped first (the start event is kept apart).</summary>
        public int TimelineCapacity { get; init; } = 64;

        /// <summary>How long (event time) a tree whose processes all exited stays queryable.</summary>
        public TimeSpan ExitedTreeRetention { get; init; } = TimeSpan.FromMinutes(5);

        /// <summary>How long (event time) a tree with no activity stays, exited or not (lost exit events, long sleepers).</summary>
        public TimeSpan IdleTreeRetention { get; init; } = TimeSpan.FromHours(1);

        /// <summary>Most processes held at once; past it the least recently active trees are evicted.</summary>
        public int MaxProcesses { get; init; } = 100_000;

        /// <summary>Most timeline events held at once over all processes; past it the least recently active trees are evicted.</summary>
        public long MaxRetainedEvents { get; init; } = 1_000_000;

        /// <summary>Events between eviction sweeps.</summary>
        public int SweepInterval { get; init; } = 8192;

        /// <summary>How far two sightings of one process start may differ (sensors and clocks disagree a little).</summary>
        public TimeSpan StartTolerance { get; init; } = TimeSpan.FromSeconds(2);

        /// <summary>Image file names (lower-case) whose children start new trees.</summary>
        public IReadOnlyCollection<string> TreeBoundaries { get; init; } = DefaultTreeBoundaries;
    }
}
