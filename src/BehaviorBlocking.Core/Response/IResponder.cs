using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// Carries out a policy decision on a verdict (kill, suspend, quarantine, block the hash) and
    /// says what came of it. Called on the consumer thread at the moment the verdict is raised, with
    /// the tree snapshot, so it can act before the tree is evicted.
    /// </summary>
    public interface IResponder
    {
        /// <summary>Acts on <paramref name="decision"/>; never throws for a failed step (the result says so).</summary>
        ResponseResult Respond(Verdict verdict, PolicyDecision decision);
    }

    /// <summary>What a responder did for one verdict.</summary>
    public sealed class ResponseResult
    {
        private static readonly ResponseStep[] s_none = new ResponseStep[0];

        /// <summary>Creates a result.</summary>
        public ResponseResult(DetectionAction action, IReadOnlyList<ResponseStep>? steps = null)
        {
            Action = action;
            Steps = steps ?? s_none;
        }

        /// <summary>What the detection record says was done.</summary>
        public DetectionAction Action { get; }

        /// <summary>Each step tried, in order.</summary>
        public IReadOnlyList<ResponseStep> Steps { get; }
    }

    /// <summary>
    /// The responder for replay and audit: it records the decision and acts on nothing. A decision
    /// that asks for an action it cannot take is recorded as <c>BlockFailed</c>, never as <c>Blocked</c>.
    /// </summary>
    public sealed class RecordOnlyResponder : IResponder
    {
        /// <summary>The shared instance.</summary>
        public static RecordOnlyResponder Instance { get; } = new RecordOnlyResponder();

        /// <inheritdoc />
        public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
        {
            if (decision.Excluded)
            {
                return new ResponseResult(DetectionAction.Excluded);
            }

            if (!decision.RequiresResponse)
            {
                return new ResponseResult(DetectionAction.Audited);
            }

            string target = verdict.Tree?.Root.ToString() ?? verdict.Detection.Host;
            return new ResponseResult(DetectionAction.BlockFailed, new[]
            {
                new ResponseStep(ResponseStep.KindOf(decision.Action), target, StepOutcome.NotSupported, "no responder can act here (replay or record-only)"),
            });
        }
    }
}
