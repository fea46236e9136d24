using System;

namespace BehaviorBlocking.Response
{
    /// <summary>What a response step does.</summary>
    public enum ResponseKind
    {
        /// <summary>Freeze a process tree, then kill every process of it.</summary>
        KillTree = 0,

        /// <summary>Kill one process.</summary>
        KillProcess,

        /// <summary>Suspend a process tree for investigation.</summary>
        Suspend,

        /// <summary>Resume a suspended process tree.</summary>
        Resume,

        /// <summary>Move a file into the quarantine.</summary>
        Quarantine,

        /// <summary>Put back a quarantined file.</summary>
        Restore,

        /// <summary>Add a block indicator for a hash or path.</summary>
        BlockHash,

        /// <summary>Remove persistence the detection's evidence names, with a backup.</summary>
        Remediate,

        /// <summary>Restore a remediated persistence item from its backup.</summary>
        UndoRemediation,
    }

    /// <summary>What came of one response step.</summary>
    public enum StepOutcome
    {
        /// <summary>Done completely.</summary>
        Done = 0,

        /// <summary>Done for some targets and not others (the detail says which).</summary>
        Partial,

        /// <summary>The process (or file) was already gone: nothing left to act on.</summary>
        AlreadyGone,

        /// <summary>The platform refused: not enough privilege.</summary>
        AccessDenied,

        /// <summary>A guard rail refused: a critical system process or file, or the monitor itself.</summary>
        Refused,

        /// <summary>Tried and failed for another reason (the detail says why).</summary>
        Failed,

        /// <summary>Not done: a what-if run (replay, <c>--what-if</c>) reports what would have been done.</summary>
        WhatIf,

        /// <summary>Not done: nothing here can take this action (replay of another machine's telemetry, or the platform lacks it).</summary>
        NotSupported,
    }

    /// <summary>One step a responder took (or tried), as stored with its detection and shown in its record.</summary>
    public sealed class ResponseStep
    {
        /// <summary>Creates a step.</summary>
        public ResponseStep(ResponseKind kind, string target, StepOutcome outcome, string? detail = null, string? reference = null, DateTimeOffset? time = null)
        {
            Kind = kind;
            Target = target ?? throw new ArgumentNullException(nameof(target));
            Outcome = outcome;
            Detail = detail;
            Reference = reference;
            Time = (time ?? DateTimeOffset.UtcNow).ToUniversalTime();
        }

        /// <summary>What was done.</summary>
        public ResponseKind Kind { get; }

        /// <summary>What it was done to, as a person recognises it (<c>PID 4242 (payload.exe)</c>, a path, a hash).</summary>
        public string Target { get; }

        /// <summary>What came of it.</summary>
        public StepOutcome Outcome { get; }

        /// <summary>Why it failed, what was refused, or what a partial step left undone.</summary>
        public string? Detail { get; }

        /// <summary>Id of what the step created: a quarantine entry, an indicator or a remediation backup.</summary>
        public string? Reference { get; }

        /// <summary>When the step finished, UTC.</summary>
        public DateTimeOffset Time { get; }

        /// <summary>Who took it: <see cref="PolicyActor"/> for the responder acting on a policy decision, <c>manual:&lt;user&gt;</c> for <c>block</c>.</summary>
        public string Actor { get; init; } = PolicyActor;

        /// <summary>The actor of steps a responder takes on a policy decision.</summary>
        public const string PolicyActor = "policy";

        /// <summary>The actor of steps a person asked for with <c>block</c>.</summary>
        public static string ManualActor(string? user) => "manual:" + (string.IsNullOrEmpty(user) ? "unknown" : user);

        /// <summary>True when the step was done completely.</summary>
        public bool Succeeded => Outcome == StepOutcome.Done;

        /// <summary>The detail of a step that did not succeed.</summary>
        public string? Error => Succeeded ? null : Detail;

        /// <summary>The step kind that carries out a process action of a policy.</summary>
        public static ResponseKind KindOf(Policy.ResponseAction action) => action switch
        {
            Policy.ResponseAction.KillProcess => ResponseKind.KillProcess,
            Policy.ResponseAction.Suspend => ResponseKind.Suspend,
            _ => ResponseKind.KillTree,
        };

        /// <inheritdoc />
        public override string ToString() => Kind + " " + Target + ": " + Outcome + (Detail is null ? string.Empty : " (" + Detail + ")");
    }
}
