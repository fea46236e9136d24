using System;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Policy
{
    /// <summary>What the policy does with detections.</summary>
    public enum PolicyMode
    {
        /// <summary>No response and no alert beyond the record.</summary>
        Off = 0,

        /// <summary>Record and alert; never act on processes or files.</summary>
        Audit,

        /// <summary>Act as the policy's actions say.</summary>
        Block,
    }

    /// <summary>What to do to the processes of a verdict.</summary>
    public enum ResponseAction
    {
        /// <summary>Nothing.</summary>
        None = 0,

        /// <summary>Stop the implicated process.</summary>
        KillProcess,

        /// <summary>Stop the whole process tree.</summary>
        KillTree,

        /// <summary>Suspend the tree's processes for investigation.</summary>
        Suspend,
    }

    /// <summary>Decides what a verdict leads to. Implementations are immutable snapshots, safe to call from the consumer thread.</summary>
    public interface IBlockingPolicy
    {
        /// <summary>Mode of this policy.</summary>
        PolicyMode Mode { get; }

        /// <summary>Identifies the policy in force (its version or hash), for the record.</summary>
        string Version { get; }

        /// <summary>The decision for one verdict event. Must not throw for any verdict; must not block.</summary>
        PolicyDecision Decide(Verdict verdict);
    }

    /// <summary>The policy's decision for one verdict: the action, what else to do, or why nothing is done.</summary>
    public sealed class PolicyDecision
    {
        /// <summary>Creates a decision.</summary>
        public PolicyDecision(ResponseAction action, bool excluded, string reason)
        {
            Action = action;
            Excluded = excluded;
            Reason = reason ?? throw new ArgumentNullException(nameof(reason));
        }

        /// <summary>What to do to the processes.</summary>
        public ResponseAction Action { get; }

        /// <summary>True when an exclusion matched: the verdict is recorded as <c>Excluded</c> and nothing is done.</summary>
        public bool Excluded { get; }

        /// <summary>Quarantine the artifact (the implicated image).</summary>
        public bool Quarantine { get; init; }

        /// <summary>Block the artifact's hash so it cannot run again.</summary>
        public bool BlockHash { get; init; }

        /// <summary>Undo what the tree left behind (autoruns, tasks, services).</summary>
        public bool Remediate { get; init; }

        /// <summary>
        /// In Audit mode, the decision Block mode would make for the same verdict (for what-if reports);
        /// null otherwise, and null when Block mode would not act either.
        /// </summary>
        public PolicyDecision? InBlockMode { get; init; }

        /// <summary>Why: the mode, the threshold or the exclusion that decided.</summary>
        public string Reason { get; }

        /// <summary>True when the decision asks a responder to do anything.</summary>
        public bool RequiresResponse => !Excluded && (Action != ResponseAction.None || Quarantine || BlockHash || Remediate);

        /// <inheritdoc />
        public override string ToString() => Excluded ? "excluded: " + Reason : Action + ": " + Reason;
    }

    /// <summary>The default policy: every verdict is recorded as <c>Audited</c>; nothing is ever acted on.</summary>
    public sealed class AuditPolicy : IBlockingPolicy
    {
        private static readonly PolicyDecision s_audit = new PolicyDecision(ResponseAction.None, false, "audit mode: record only");

        /// <summary>The shared instance.</summary>
        public static AuditPolicy Instance { get; } = new AuditPolicy();

        /// <inheritdoc />
        public PolicyMode Mode => PolicyMode.Audit;

        /// <inheritdoc />
        public string Version => "audit-default";

        /// <inheritdoc />
        public PolicyDecision Decide(Verdict verdict) => s_audit;
    }
}
