using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Verdicts
{
    /// <summary>Why a verdict event was raised.</summary>
    public enum VerdictChange
    {
        /// <summary>The detection was raised: its score reached the threshold.</summary>
        Raised = 0,

        /// <summary>Its score rose (a new signal, or the model's probability).</summary>
        Strengthened,

        /// <summary>What decided it changed (rules to model or back).</summary>
        SourceChanged,

        /// <summary>A tree that joined the verdict's tree brought evidence with it.</summary>
        Merged,

        /// <summary>A process it did not implicate yet gave it a signal (a second attack of the same tactic in one tree): the response must reach it.</summary>
        ProcessImplicated,
    }

    /// <summary>
    /// A verdict at the moment it was raised or materially changed: the detection record as it
    /// stands, the process tree copied at that moment, and every tactic raised on the tree so far.
    /// What a policy decides on and a responder acts on.
    /// </summary>
    public sealed class Verdict
    {
        private static readonly ProcessIdentity[] s_none = new ProcessIdentity[0];

        internal Verdict(VerdictChange change, Detection detection, ProcessTreeSnapshot? tree, IReadOnlyList<Tactic> treeTactics,
            IReadOnlyList<ProcessIdentity>? implicated = null)
        {
            Change = change;
            Detection = detection;
            Tree = tree;
            TreeTactics = treeTactics;
            ImplicatedProcesses = implicated ?? s_none;
        }

        /// <summary>Why it was raised now.</summary>
        public VerdictChange Change { get; }

        /// <summary>The detection record (its action is what was done so far).</summary>
        public Detection Detection { get; }

        /// <summary>The tree copied at this moment; null for verdicts about events without a process.</summary>
        public ProcessTreeSnapshot? Tree { get; }

        /// <summary>Tactics with a raised detection on the same tree, this one included.</summary>
        public IReadOnlyList<Tactic> TreeTactics { get; }

        /// <summary>
        /// The processes whose own events gave this verdict a signal, in the order they first did: the
        /// malicious part of the tree, which a responder kills from its topmost process.
        /// </summary>
        public IReadOnlyList<ProcessIdentity> ImplicatedProcesses { get; }
    }

    /// <summary>A verdict with the policy's decision and what the responder did; the detection carries the resulting action.</summary>
    public sealed class VerdictEvent
    {
        internal VerdictEvent(Verdict verdict, PolicyDecision decision, ResponseResult response, Detection detection)
        {
            Verdict = verdict;
            Decision = decision;
            Response = response;
            Detection = detection;
        }

        /// <summary>The verdict as raised.</summary>
        public Verdict Verdict { get; }

        /// <summary>What the policy decided.</summary>
        public PolicyDecision Decision { get; }

        /// <summary>What the responder did.</summary>
        public ResponseResult Response { get; }

        /// <summary>The detection record after the response (its action set).</summary>
        public Detection Detection { get; }

        /// <summary>Why it was raised.</summary>
        public VerdictChange Change => Verdict.Change;
    }

    /// <summary>Figures of the verdict stage in a run.</summary>
    public sealed class VerdictHealth
    {
        internal VerdictHealth(long raised, long events, long policyFailures, long responderFailures, string? firstError)
        {
            Raised = raised;
            Events = events;
            PolicyFailures = policyFailures;
            ResponderFailures = responderFailures;
            FirstError = firstError;
        }

        /// <summary>Detections raised.</summary>
        public long Raised { get; }

        /// <summary>Verdict events (raises and material changes).</summary>
        public long Events { get; }

        /// <summary>Times the policy threw (the verdict was recorded as audited).</summary>
        public long PolicyFailures { get; }

        /// <summary>Times the responder threw (the verdict was recorded as BlockFailed when an action was asked).</summary>
        public long ResponderFailures { get; }

        /// <summary>The first policy or responder error.</summary>
        public string? FirstError { get; }
    }
}
