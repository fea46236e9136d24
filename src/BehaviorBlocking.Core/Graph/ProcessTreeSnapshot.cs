using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Graph
{
    /// <summary>
    /// A process tree copied at one moment: what a responder needs to act on the tree (kill it,
    /// find its artifacts) even after the graph has evicted it. Holds no live references.
    /// </summary>
    public sealed class ProcessTreeSnapshot
    {
        internal ProcessTreeSnapshot(long treeId, string host, IReadOnlyList<ProcessSnapshot> processes, DateTimeOffset takenAt)
        {
            TreeId = treeId;
            Host = host;
            Processes = processes;
            TakenAt = takenAt;
        }

        /// <summary>The tree's id in the graph that held it.</summary>
        public long TreeId { get; }

        /// <summary>Device the tree ran on.</summary>
        public string Host { get; }

        /// <summary>Every process of the tree, root first, parents before their children.</summary>
        public IReadOnlyList<ProcessSnapshot> Processes { get; }

        /// <summary>The root process.</summary>
        public ProcessSnapshot Root => Processes[0];

        /// <summary>Event time of the graph's clock when the copy was taken.</summary>
        public DateTimeOffset TakenAt { get; }

        /// <summary>Processes of the tree that had not exited when the copy was taken.</summary>
        public int AliveCount
        {
            get
            {
                int alive = 0;
                foreach (ProcessSnapshot process in Processes)
                {
                    if (process.IsAlive)
                    {
                        alive++;
                    }
                }

                return alive;
            }
        }
    }

    /// <summary>One process of a <see cref="ProcessTreeSnapshot"/>.</summary>
    public sealed class ProcessSnapshot
    {
        internal ProcessSnapshot(ProcessNode node)
        {
            ProcessGuid = node.ProcessGuid;
            ProcessId = node.ProcessId;
            ParentProcessId = node.Parent?.ProcessId ?? node.ParentProcessId;
            ParentProcessGuid = node.Parent?.ProcessGuid ?? node.ParentProcessGuid;
            Image = node.Image;
            CommandLine = node.CommandLine;
            User = node.User;
            StartTime = node.StartTime;
            StartObserved = node.StartObserved;
            ExitTime = node.ExitTime;
            Hashes = node.Hashes;
            Sha256 = HashOf(Hashes, "SHA256");
        }

        /// <summary>Sensor process guid, when the sensor gives one.</summary>
        public string? ProcessGuid { get; }

        /// <summary>Process id.</summary>
        public int ProcessId { get; }

        /// <summary>Parent's process id, when known.</summary>
        public int? ParentProcessId { get; }

        /// <summary>Parent's guid, when known.</summary>
        public string? ParentProcessGuid { get; }

        /// <summary>Executable path.</summary>
        public string? Image { get; }

        /// <summary>Command line.</summary>
        public string? CommandLine { get; }

        /// <summary>Account it ran as.</summary>
        public string? User { get; }

        /// <summary>Start time (reported or observed), when known.</summary>
        public DateTimeOffset? StartTime { get; }

        /// <summary>True when the start event itself was seen (the identity is then exact, not inferred).</summary>
        public bool StartObserved { get; }

        /// <summary>Exit time, when the process exited.</summary>
        public DateTimeOffset? ExitTime { get; }

        /// <summary>True when no exit had been seen.</summary>
        public bool IsAlive => ExitTime is null;

        /// <summary>Hashes as the sensor reported them (<c>SHA256=...,MD5=...</c>), when known.</summary>
        public string? Hashes { get; }

        /// <summary>The SHA-256 taken from <see cref="Hashes"/>, upper-case hex, when present.</summary>
        public string? Sha256 { get; }

        /// <inheritdoc />
        public override string ToString() => $"PID {ProcessId} ({(Image is null ? "?" : ImagePath.FileName(Image))})";

        internal static string? HashOf(string? hashes, string algorithm)
        {
            if (string.IsNullOrEmpty(hashes))
            {
                return null;
            }

            foreach (string part in hashes!.Split(','))
            {
                int eq = part.IndexOf('=');
                if (eq > 0 && string.Equals(part.Substring(0, eq).Trim(), algorithm, StringComparison.OrdinalIgnoreCase))
                {
                    string value = part.Substring(eq + 1).Trim();
                    return value.Length == 0 ? null : value.ToUpperInvariant();
                }
            }

            return null;
        }
    }
}
