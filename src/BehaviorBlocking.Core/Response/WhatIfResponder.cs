using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// The responder of replay scans: reports every step the decision asks for, with the target it would
    /// have acted on (<c>would kill tree PID 4242 (payload.exe), 3 processes</c>), as
    /// <see cref="StepOutcome.WhatIf"/>. It never touches this machine: no process, file, indicator or
    /// setting is looked at or changed, and the detection stays <see cref="DetectionAction.Audited"/> (or
    /// <see cref="DetectionAction.Excluded"/>).
    /// </summary>
    public sealed class WhatIfResponder : IResponder
    {
        private readonly IGuardRails? _files;

        /// <summary>Creates a responder; <paramref name="fileGuardRails"/>, when given, says which files would be refused (process ids of recorded telemetry are not this machine's, so only its file checks are asked).</summary>
        public WhatIfResponder(IGuardRails? fileGuardRails = null)
        {
            _files = fileGuardRails;
        }

        /// <summary>The shared instance without guard rails (it holds no state).</summary>
        public static WhatIfResponder Instance { get; } = new WhatIfResponder();

        /// <inheritdoc />
        public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
        {
            ResponseResult? early = ResponsePlanner.Unplanned(verdict, decision);
            if (early is not null)
            {
                return early;
            }

            var steps = new List<ResponseStep>();
            foreach (PlannedStep planned in ResponsePlanner.Plan(verdict, decision, guards: null))
            {
                if (ActiveResponder.Settled(verdict.Detection.Actions, planned) is not null)
                {
                    continue;
                }

                bool fileStep = planned.Kind == ResponseKind.Quarantine || planned.Kind == ResponseKind.BlockHash;
                string? refused = fileStep && planned.Path is not null && planned.Problem is null ? RefuseFile(planned.Path) : null;
                string verb = planned.Kind == ResponseKind.Quarantine ? "quarantine " : "block the hash of ";
                string? refusedHash = refused is null && planned.Kind == ResponseKind.BlockHash && planned.Sha256 is not null && planned.Problem is null
                    ? (_files as GuardRails)?.RefuseHash(planned.Sha256) : null;
                steps.Add(new ResponseStep(planned.Kind, planned.Target, StepOutcome.WhatIf,
                    refusedHash is not null ? "would not block SHA-256 " + planned.Sha256 + ": the guard rails refuse it (" + refusedHash + ")"
                    : refused is null ? planned.WouldDo() : "would not " + verb + planned.Path + ": the guard rails refuse it (" + refused + ")"));
            }

            return new ResponseResult(DetectionAction.Audited, steps);
        }

        private string? RefuseFile(string path)
        {
            try
            {
                return _files?.RefuseFile(path);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return "the guard rails could not check it: " + ex.Message;
            }
        }
    }
}
