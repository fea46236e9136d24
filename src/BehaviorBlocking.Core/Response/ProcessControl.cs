using System;
using System.Collections.Generic;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Response
{
    /// <summary>What to do to a live process.</summary>
    public enum ProcessAction
    {
        /// <summary>Freeze the process and every descendant (children forked meanwhile included), then kill them all.</summary>
        KillTree = 0,

        /// <summary>Kill the one process.</summary>
        KillProcess,

        /// <summary>Suspend the process and every descendant.</summary>
        Suspend,

        /// <summary>Resume the process and every descendant.</summary>
        Resume,
    }

    /// <summary>
    /// A live process as a responder must name it: the id, and the start time when known, so a
    /// recycled process id is never acted on in place of the process that was seen.
    /// </summary>
    public readonly struct ProcessIdentity : IEquatable<ProcessIdentity>
    {
        /// <summary>Creates an identity.</summary>
        public ProcessIdentity(int processId, DateTimeOffset? startTime = null, string? image = null)
        {
            ProcessId = processId;
            StartTime = startTime?.ToUniversalTime();
            Image = image;
        }

        /// <summary>Process id.</summary>
        public int ProcessId { get; }

        /// <summary>Start time as the sensor saw it; when set, a process with this id that started at another time is not the same process.</summary>
        public DateTimeOffset? StartTime { get; }

        /// <summary>Executable, for messages.</summary>
        public string? Image { get; }

        /// <summary>The identity of a process of a tree snapshot.</summary>
        public static ProcessIdentity Of(ProcessSnapshot process) =>
            new ProcessIdentity(process.ProcessId, process.StartObserved ? process.StartTime : null, process.Image);

        /// <inheritdoc />
        public bool Equals(ProcessIdentity other) => ProcessId == other.ProcessId && Nullable.Equals(StartTime, other.StartTime);

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is ProcessIdentity other && Equals(other);

        /// <inheritdoc />
        public override int GetHashCode() => ProcessId;

        /// <inheritdoc />
        public override string ToString() => $"PID {ProcessId} ({(Image is null ? "?" : System.IO.Path.GetFileName(Image.Replace('\\', '/')))})";
    }

    /// <summary>What a process action did.</summary>
    public sealed class ProcessActionResult
    {
        private static readonly int[] s_none = new int[0];

        /// <summary>Creates a result.</summary>
        public ProcessActionResult(StepOutcome outcome, string? detail = null, IReadOnlyList<int>? affected = null)
        {
            Outcome = outcome;
            Detail = detail;
            Affected = affected ?? s_none;
        }

        /// <summary>What came of it.</summary>
        public StepOutcome Outcome { get; }

        /// <summary>Why it failed, what a guard rail refused, or what a partial action left.</summary>
        public string? Detail { get; }

        /// <summary>Process ids acted on (killed, suspended or resumed).</summary>
        public IReadOnlyList<int> Affected { get; }
    }

    /// <summary>
    /// Acts on live processes of this machine. Implementations check <see cref="IGuardRails"/>
    /// themselves before any signal or handle is used, so no caller can skip them, and never throw
    /// for a process that vanished or was refused (the result says so).
    /// </summary>
    public interface IProcessController
    {
        /// <summary>True when this platform's implementation can act here.</summary>
        bool IsSupported { get; }

        /// <summary>Carries out <paramref name="action"/> on <paramref name="target"/> (and its descendants for tree actions).</summary>
        ProcessActionResult Act(ProcessAction action, ProcessIdentity target);
    }

    /// <summary>
    /// What no rule, policy, indicator or user request may act on: pid 0 and 1, kernel threads,
    /// the monitor's own process and its ancestors, platform-critical processes and files.
    /// </summary>
    public interface IGuardRails
    {
        /// <summary>The reason a process must not be acted on, or null when it may be.</summary>
        string? RefuseProcess(int processId);

        /// <summary>The reason a file must not be quarantined, removed or rewritten, or null when it may be.</summary>
        string? RefuseFile(string path);
    }
}
