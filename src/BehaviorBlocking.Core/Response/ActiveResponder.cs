using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// The responder of a live monitor: carries out a policy decision on this machine, in a fixed order
    /// (process action, quarantine of the implicated image, block of its hash, removal of each persistence
    /// artifact the evidence names; see <see cref="ResponsePlanner"/> for where a tree is killed from).
    /// Each step is isolated: one that fails, is refused or throws is recorded and the next still runs.
    /// </summary>
    /// <remarks>
    /// The detection's action is <see cref="DetectionAction.Blocked"/> when every step asked for came out
    /// done (a process already gone counts as done for it) and at least one step was taken;
    /// <see cref="DetectionAction.BlockFailed"/> when any was refused, failed, denied, partial or not
    /// supported; <see cref="DetectionAction.Audited"/> when nothing applied. Verdicts about another host
    /// (replayed or forwarded telemetry) are never acted on: every step is recorded as not supported.
    /// A step already settled for the detection by an earlier verdict event (done, gone, refused) is not
    /// taken again. Runs on the consumer thread; the cost is the components' own.
    /// </remarks>
    public sealed class ActiveResponder : IResponder
    {
        private readonly ResponseComponents _components;
        private readonly ResponseExecutor _executor;

        /// <summary>Creates a responder acting through <paramref name="components"/>.</summary>
        public ActiveResponder(ResponseComponents components)
        {
            _components = components ?? throw new ArgumentNullException(nameof(components));
            _executor = new ResponseExecutor(components, ResponseStep.PolicyActor);
        }

        /// <inheritdoc />
        public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
        {
            ResponseResult? early = ResponsePlanner.Unplanned(verdict, decision);
            if (early is not null)
            {
                return early;
            }

            Detection detection = verdict.Detection;
            List<PlannedStep> plan;
            try
            {
                plan = ResponsePlanner.Plan(verdict, decision, _components.GuardRails);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return new ResponseResult(DetectionAction.BlockFailed, new[]
                {
                    _executor.Step(ResponseStep.KindOf(decision.Action), detection.Host, StepOutcome.Failed, "planning the response failed: " + ex.Message),
                });
            }

            bool here = _components.Machine.IsThisMachine(detection.Host);
            var taken = new List<ResponseStep>(plan.Count);
            var effective = new List<ResponseStep>(plan.Count);
            QuarantineEntry? quarantined = null;
            foreach (PlannedStep planned in plan)
            {
                ResponseStep? settled = Settled(detection.Actions, planned);
                if (settled is not null)
                {
                    if (settled.Kind == ResponseKind.Quarantine && settled.Outcome == StepOutcome.Done)
                    {
                        quarantined = Held(settled.Reference) ?? quarantined;
                    }

                    effective.Add(settled);
                    continue;
                }

                ResponseStep step;
                if (!here)
                {
                    step = _executor.Step(planned.Kind, planned.Target, StepOutcome.NotSupported,
                        "the verdict is about host '" + detection.Host + "', not this machine ('" + _components.Machine.Name + "')");
                }
                else if (planned.Problem is not null)
                {
                    step = _executor.Step(planned.Kind, planned.Target, StepOutcome.NotSupported, planned.Problem);
                }
                else
                {
                    step = Take(planned, detection, ref quarantined);
                }

                taken.Add(step);
                effective.Add(step);
            }

            return new ResponseResult(Outcome(effective), taken);
        }

        /// <summary>The detection action a set of steps comes to (see the class remarks).</summary>
        internal static DetectionAction Outcome(IReadOnlyList<ResponseStep> steps)
        {
            if (steps.Count == 0)
            {
                return DetectionAction.Audited;
            }

            bool taken = false;
            foreach (ResponseStep step in steps)
            {
                if (step.Outcome == StepOutcome.Done || step.Outcome == StepOutcome.AlreadyGone)
                {
                    taken = true;
                    continue;
                }

                // The guard rails refusing to quarantine or hash-block a file of the system's own (the shell or
                // interpreter a script ran in) keeps the machine working; it is no failure of the block when the
                // rest was done. A refused kill still is: the threat was not contained.
                if (step.Outcome == StepOutcome.Refused && (step.Kind == ResponseKind.Quarantine || step.Kind == ResponseKind.BlockHash))
                {
                    continue;
                }

                return DetectionAction.BlockFailed;
            }

            return taken ? DetectionAction.Blocked : DetectionAction.BlockFailed;
        }

        /// <summary>A step an earlier verdict event of the same detection already settled, so it is not taken twice.</summary>
        internal static ResponseStep? Settled(IReadOnlyList<ResponseStep> prior, PlannedStep planned)
        {
            for (int i = prior.Count - 1; i >= 0; i--)
            {
                ResponseStep step = prior[i];
                if (step.Kind == planned.Kind && string.Equals(step.Target, planned.Target, StringComparison.Ordinal)
                    && (step.Outcome == StepOutcome.Done || step.Outcome == StepOutcome.AlreadyGone || step.Outcome == StepOutcome.Refused
                        || step.Outcome == StepOutcome.WhatIf))
                {
                    return step;
                }
            }

            return null;
        }

        // The entry an earlier verdict event's quarantine step created, so its hash can still be blocked.
        private QuarantineEntry? Held(string? reference)
        {
            if (reference is null || _components.Quarantine is null || !Guid.TryParse(reference, out Guid id))
            {
                return null;
            }

            try
            {
                foreach (QuarantineEntry entry in _components.Quarantine.List())
                {
                    if (entry.Id == id)
                    {
                        return entry;
                    }
                }
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // The hash is then taken from the telemetry or the file, or the step says none is known.
                return null;
            }

            return null;
        }

        private ResponseStep Take(PlannedStep planned, Detection detection, ref QuarantineEntry? quarantined)
        {
            switch (planned.Kind)
            {
                case ResponseKind.KillTree:
                case ResponseKind.KillProcess:
                case ResponseKind.Suspend:
                    return planned.Exited ? _executor.Gone(planned.Kind, planned.Process) : _executor.Process(planned.Kind, planned.Action!.Value, planned.Process);
                case ResponseKind.Quarantine:
                    ResponseStep step = _executor.Quarantine(planned.Path!, detection.Id, detection.Name, out QuarantineEntry? entry);
                    quarantined = entry ?? quarantined;
                    return step;
                case ResponseKind.BlockHash:
                    // The quarantine hashed the file itself: that hash outranks the one the telemetry reported.
                    return _executor.BlockHash(quarantined?.Sha256 ?? planned.Sha256, planned.Path, IndicatorSource.Detection, detection.Id, detection.Name, ResponseStep.PolicyActor);
                case ResponseKind.Remediate:
                    return _executor.Remediate(planned.Artifact!, detection.Id, whatIf: false);
                default:
                    return _executor.Step(planned.Kind, planned.Target, StepOutcome.NotSupported, "not a step a responder takes");
            }
        }
    }
}
