using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Engine
{
    /// <summary>What a person asks <c>block</c> to act on, and how.</summary>
    public sealed class BlockRequest
    {
        /// <summary>A live process of this machine.</summary>
        public int? ProcessId { get; init; }

        /// <summary>A file of this machine.</summary>
        public string? Path { get; init; }

        /// <summary>A SHA-256 to block.</summary>
        public string? Sha256 { get; init; }

        /// <summary>A stored detection: its process (when it is about this machine) and its evidence.</summary>
        public Guid? DetectionId { get; init; }

        /// <summary>
        /// The one step to take; null takes the default: KillTree for a pid, Quarantine for a path, BlockHash for
        /// a hash, and for a detection the steps the policy in force (<see cref="Policy"/>) asks for it.
        /// </summary>
        public ResponseKind? Action { get; init; }

        /// <summary>Report what would be done; change nothing (and record nothing).</summary>
        public bool WhatIf { get; init; }

        /// <summary>The store steps are recorded in (and detections read from).</summary>
        public string StorePath { get; init; } = string.Empty;

        /// <summary>Who asks (recorded as <c>manual:&lt;user&gt;</c>); null takes the account running the process.</summary>
        public string? User { get; init; }

        /// <summary>Why, for the record (indicator comment, quarantine reason).</summary>
        public string? Comment { get; init; }

        /// <summary>The policy in force, which decides the default steps of <c>--detection</c>; null is audit (so <see cref="Action"/> is needed).</summary>
        public IBlockingPolicy? Policy { get; init; }
    }

    /// <summary>What <c>block</c> did.</summary>
    public sealed class BlockResult
    {
        internal BlockResult(string target, IReadOnlyList<ResponseStep> steps, Detection? detection, bool recorded, bool whatIf)
        {
            Target = target;
            Steps = steps;
            WhatIf = whatIf;
            Detection = detection;
            Recorded = recorded;
        }

        /// <summary>What was acted on, as a person names it: <c>PID 4242 (payload.exe)</c>, <c>detection &lt;name&gt; on &lt;host&gt;</c>, <c>file &lt;path&gt;</c>, <c>SHA-256 &lt;hash&gt;</c>.</summary>
        public string Target { get; }

        /// <summary>True when the steps only report what would be done (nothing was changed).</summary>
        public bool WhatIf { get; }

        /// <summary>Each step, in the order taken.</summary>
        public IReadOnlyList<ResponseStep> Steps { get; }

        /// <summary>The detection acted on, for <c>--detection</c>.</summary>
        public Detection? Detection { get; }

        /// <summary>True when the steps were written to the store (never for what-if).</summary>
        public bool Recorded { get; }

        /// <summary>True when every step came out done, already gone, or (what-if) would be taken.</summary>
        public bool Succeeded
        {
            get
            {
                foreach (ResponseStep step in Steps)
                {
                    if (step.Outcome != StepOutcome.Done && step.Outcome != StepOutcome.AlreadyGone && step.Outcome != StepOutcome.WhatIf)
                    {
                        return false;
                    }
                }

                return Steps.Count > 0;
            }
        }
    }

    /// <summary>
    /// <c>behaviorblock block</c>: a person's block of a process, a file, a hash or a stored detection, carried out
    /// through the same components (and guard rails) as the live responder, in the same order (process, quarantine,
    /// hash, persistence), each step recorded in the store's <c>actions</c> table with the detection when there is one.
    /// </summary>
    public static class BlockService
    {
        /// <summary>Steps <c>block</c> can be asked for with <c>--action</c>.</summary>
        public static IReadOnlyList<ResponseKind> Actions { get; } = new[]
        {
            ResponseKind.KillTree, ResponseKind.KillProcess, ResponseKind.Suspend, ResponseKind.Quarantine, ResponseKind.BlockHash, ResponseKind.Remediate,
        };

        /// <summary>
        /// The request's target as a person names it (the <see cref="BlockResult.Target"/> of its result), for a confirmation prompt
        /// before <see cref="Run"/>: <c>PID 4242 (payload.exe)</c> (the image where this platform can tell), <c>detection &lt;name&gt; on
        /// &lt;host&gt;</c> (read from the store), <c>file &lt;full path&gt;</c>, <c>SHA-256 &lt;hash&gt;</c>.
        /// </summary>
        /// <exception cref="ArgumentException">The request does not pass <see cref="Validate"/>.</exception>
        /// <exception cref="BehaviorBlockingException"><c>DetectionNotFound</c>, <c>StoreNotFound</c>, the store's own errors.</exception>
        public static string DescribeTarget(BlockRequest request)
        {
            string? invalid = Validate(request);
            if (invalid is not null)
            {
                throw new ArgumentException(invalid, nameof(request));
            }

            if (request.DetectionId is Guid id)
            {
                return DetectionTarget(ReadDetection(request.StorePath, id));
            }

            if (request.ProcessId is int pid)
            {
                return new ProcessIdentity(pid, null, RunningImage(pid)).ToString();
            }

            return request.Path is string path ? "file " + System.IO.Path.GetFullPath(path) : "SHA-256 " + request.Sha256!.ToUpperInvariant();
        }

        private static string DetectionTarget(Detection detection) => "detection " + detection.Name + " on " + detection.Host;

        private static Detection ReadDetection(string storePath, Guid id)
        {
            using (DetectionStore store = DetectionStore.OpenReadOnly(storePath))
            {
                return store.Get(id) ?? throw new BehaviorBlockingException(ErrorIds.DetectionNotFound, FailureKind.NotFound,
                    "The store '" + store.FilePath + "' holds no detection " + id.ToString("D") + ".") { Target = id.ToString("D") };
            }
        }

        /// <summary>Why the request cannot be carried out as asked (one target, an action that fits it), or null.</summary>
        public static string? Validate(BlockRequest request)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            int targets = (request.ProcessId.HasValue ? 1 : 0) + (request.Path is null ? 0 : 1) + (request.Sha256 is null ? 0 : 1) + (request.DetectionId.HasValue ? 1 : 0);
            if (targets != 1)
            {
                return "name exactly one of --pid, --path, --sha256 or --detection.";
            }

            if (request.Action is ResponseKind action && Array.IndexOf((ResponseKind[])Actions, action) < 0)
            {
                return "--action must be one of KillTree, KillProcess, Suspend, Quarantine, BlockHash, Remediate.";
            }

            if (request.ProcessId is int pid)
            {
                if (pid <= 0)
                {
                    return "--pid must be a process id above 0.";
                }

                if (request.Action is ResponseKind a && !IsProcessStep(a))
                {
                    return "--pid takes --action KillTree, KillProcess or Suspend.";
                }
            }

            if (request.Path is not null)
            {
                if (request.Path.Trim().Length == 0)
                {
                    return "--path needs a file name.";
                }

                if (request.Action is ResponseKind a && a != ResponseKind.Quarantine && a != ResponseKind.BlockHash)
                {
                    return "--path takes --action Quarantine or BlockHash.";
                }
            }

            if (request.Sha256 is not null)
            {
                if (!ResponseExecutor.IsSha256(request.Sha256))
                {
                    return "--sha256 must be 64 hexadecimal digits.";
                }

                if (request.Action is ResponseKind a && a != ResponseKind.BlockHash)
                {
                    return "--sha256 takes --action BlockHash.";
                }
            }

            return null;
        }

        /// <summary>
        /// Carries out (or, with <see cref="BlockRequest.WhatIf"/>, reports) the request and records its steps. A step that
        /// fails or is refused is in the result, never thrown.
        /// </summary>
        /// <exception cref="ArgumentException">The request does not pass <see cref="Validate"/>.</exception>
        /// <exception cref="BehaviorBlockingException"><c>DetectionNotFound</c>, <c>StoreNotFound</c>, the store's own errors; and a
        /// <see cref="BlockRequest.DetectionId"/> with no <see cref="BlockRequest.Action"/> whose policy decision asks for nothing (<c>InvalidOperationException</c>).</exception>
        public static BlockResult Run(BlockRequest request, ResponseComponents components)
        {
            string? invalid = Validate(request);
            if (invalid is not null)
            {
                throw new ArgumentException(invalid, nameof(request));
            }

            if (components is null)
            {
                throw new ArgumentNullException(nameof(components));
            }

            string user = request.User ?? Environment.UserName;
            string actor = ResponseStep.ManualActor(user);
            var executor = new ResponseExecutor(components, actor);
            Detection? detection = null;
            var steps = new List<ResponseStep>();
            string reason = request.Comment ?? "manual block by " + user;
            string target;
            if (request.DetectionId is Guid id)
            {
                detection = ReadDetection(request.StorePath, id);
                target = DetectionTarget(detection);
                ForDetection(request, components, executor, detection, steps, user);
            }
            else if (request.ProcessId is int pid)
            {
                var kind = request.Action ?? ResponseKind.KillTree;
                // The image, where this platform can tell, only names the process in the step (PID 4242 (sleep), not PID 4242 (?)).
                var identity = new ProcessIdentity(pid, null, RunningImage(pid));
                target = identity.ToString();
                steps.Add(ProcessStep(request.WhatIf, components, executor, kind, identity, null, null));
            }
            else if (request.Path is string path)
            {
                string full = System.IO.Path.GetFullPath(path);
                target = "file " + full;
                var kind = request.Action ?? ResponseKind.Quarantine;
                steps.Add(kind == ResponseKind.Quarantine
                    ? QuarantineStep(request.WhatIf, components, executor, full, null, reason, out _)
                    : HashStep(request.WhatIf, components, executor, null, full, null, reason, user));
            }
            else
            {
                target = "SHA-256 " + request.Sha256!.ToUpperInvariant();
                steps.Add(HashStep(request.WhatIf, components, executor, request.Sha256!.ToUpperInvariant(), null, null, reason, user));
            }

            bool recorded = false;
            if (!request.WhatIf && steps.Count > 0)
            {
                using (ActionLog log = ActionLog.Open(request.StorePath))
                {
                    log.Record(steps, detection?.Id);
                    recorded = true;
                }
            }

            return new BlockResult(target, steps, detection, recorded, request.WhatIf);
        }

        private static void ForDetection(BlockRequest request, ResponseComponents components, ResponseExecutor executor, Detection detection,
            List<ResponseStep> steps, string user)
        {
            var kinds = new List<ResponseKind>();
            if (request.Action is ResponseKind asked)
            {
                kinds.Add(asked);
            }
            else
            {
                IBlockingPolicy policy = request.Policy ?? AuditPolicy.Instance;
                PolicyDecision decision = policy.Decide(new Verdict(VerdictChange.Raised, detection, null, new[] { detection.Tactic }));
                if (!decision.RequiresResponse)
                {
                    throw new InvalidOperationException("The policy in force (" + policy.Version + ") asks for nothing for detection "
                        + detection.Id.ToString("D") + " (" + decision.Reason + "); name the step with --action.");
                }

                if (decision.Action != ResponseAction.None)
                {
                    kinds.Add(ResponseStep.KindOf(decision.Action));
                }

                if (decision.Quarantine)
                {
                    kinds.Add(ResponseKind.Quarantine);
                }

                if (decision.BlockHash)
                {
                    kinds.Add(ResponseKind.BlockHash);
                }

                if (decision.Remediate)
                {
                    kinds.Add(ResponseKind.Remediate);
                }
            }

            bool here = components.Machine.IsThisMachine(detection.Host);
            string elsewhere = "the detection is about host '" + detection.Host + "', not this machine ('" + components.Machine.Name + "')";
            string reason = request.Comment ?? detection.Name;
            QuarantineEntry? quarantined = null;
            foreach (ResponseKind kind in kinds)
            {
                string target = kind switch
                {
                    ResponseKind.Remediate => detection.Name,
                    _ when IsProcessStep(kind) => detection.ProcessId is int p ? new ProcessIdentity(p, null, detection.Image).ToString() : detection.Host,
                    _ => detection.Image ?? detection.Host,
                };

                if (kind == ResponseKind.Remediate)
                {
                    IReadOnlyList<PersistenceArtifact> artifacts = PersistenceArtifact.FromEvidence(detection.Evidence);
                    if (artifacts.Count == 0)
                    {
                        steps.Add(executor.Step(kind, target, StepOutcome.NotSupported, "the detection's evidence names no persistence"));
                    }

                    foreach (PersistenceArtifact artifact in artifacts)
                    {
                        steps.Add(here ? executor.Remediate(artifact, detection.Id, request.WhatIf)
                            : executor.Step(kind, artifact.ToString(), StepOutcome.NotSupported, elsewhere));
                    }

                    continue;
                }

                if (!here)
                {
                    steps.Add(executor.Step(kind, target, StepOutcome.NotSupported, elsewhere));
                    continue;
                }

                if (IsProcessStep(kind))
                {
                    steps.Add(detection.ProcessId is int pid
                        ? ProcessStep(request.WhatIf, components, executor, kind, new ProcessIdentity(pid, null, detection.Image), detection.Image,
                            detection.LastSeen == default ? (DateTimeOffset?)null : detection.LastSeen)
                        : executor.Step(kind, target, StepOutcome.NotSupported, "the detection names no process"));
                }
                else if (detection.Image is null)
                {
                    steps.Add(executor.Step(kind, target, StepOutcome.NotSupported, "the detection names no image"));
                }
                else if (kind == ResponseKind.Quarantine)
                {
                    steps.Add(QuarantineStep(request.WhatIf, components, executor, detection.Image, detection.Id, reason, out QuarantineEntry? entry));
                    quarantined = entry ?? quarantined;
                }
                else
                {
                    steps.Add(HashStep(request.WhatIf, components, executor, quarantined?.Sha256, detection.Image, detection.Id, reason, user));
                }
            }
        }

        private static bool IsProcessStep(ResponseKind kind) => kind == ResponseKind.KillTree || kind == ResponseKind.KillProcess || kind == ResponseKind.Suspend;

        private static ProcessAction ActionOf(ResponseKind kind) => kind switch
        {
            ResponseKind.KillProcess => ProcessAction.KillProcess,
            ResponseKind.Suspend => ProcessAction.Suspend,
            _ => ProcessAction.KillTree,
        };

        private static ResponseStep ProcessStep(bool whatIf, ResponseComponents components, ResponseExecutor executor, ResponseKind kind,
            ProcessIdentity target, string? expectedImage, DateTimeOffset? lastSeen)
        {
            string? refused = SafeRefuse(components.GuardRails, target.ProcessId);
            if (refused is not null)
            {
                return executor.Step(kind, target.ToString(), StepOutcome.Refused, refused);
            }

            // A stored detection names its process by id alone: where this platform can tell, a reused id is not acted on.
            string? running = expectedImage is null ? null : RunningImage(target.ProcessId);
            if (running is not null && !SameImage(running, expectedImage!))
            {
                return executor.Step(kind, target.ToString(), StepOutcome.Refused,
                    "PID " + target.ProcessId + " now runs '" + running + "', not the detection's '" + expectedImage + "': the id was reused");
            }

            // The same image is not enough (a recycled id of another shell runs the same shell): a process
            // that started after the detection's last event cannot be the one the detection saw.
            if (lastSeen is DateTimeOffset seen && RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
                && Response.Linux.ProcFs.StartTime(target.ProcessId) is DateTimeOffset started
                && started > seen + Response.Linux.LinuxProcessController.StartTimeTolerance)
            {
                return executor.Step(kind, target.ToString(), StepOutcome.Refused, string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "PID {0} started at {1:yyyy-MM-ddTHH:mm:ss.fffZ}, after the detection's last event ({2:yyyy-MM-ddTHH:mm:ss.fffZ}): the id was reused",
                    target.ProcessId, started.UtcDateTime, seen.UtcDateTime));
            }

            if (whatIf)
            {
                string verb = kind == ResponseKind.Suspend ? "would suspend tree " : kind == ResponseKind.KillProcess ? "would kill " : "would kill tree ";
                return executor.Step(kind, target.ToString(), StepOutcome.WhatIf, verb + target);
            }

            return executor.Process(kind, ActionOf(kind), target);
        }

        private static ResponseStep QuarantineStep(bool whatIf, ResponseComponents components, ResponseExecutor executor, string path, Guid? detectionId,
            string reason, out QuarantineEntry? entry)
        {
            entry = null;
            if (!whatIf)
            {
                return executor.Quarantine(path, detectionId, reason, out entry);
            }

            string? refused = components.GuardRails?.RefuseFile(path);
            if (refused is not null)
            {
                return executor.Step(ResponseKind.Quarantine, path, StepOutcome.Refused, refused);
            }

            return File.Exists(path)
                ? executor.Step(ResponseKind.Quarantine, path, StepOutcome.WhatIf, "would quarantine " + path)
                : executor.Step(ResponseKind.Quarantine, path, StepOutcome.AlreadyGone, "no file at this path on this machine");
        }

        private static ResponseStep HashStep(bool whatIf, ResponseComponents components, ResponseExecutor executor, string? sha256, string? path, Guid? detectionId,
            string comment, string user)
        {
            IndicatorSource source = IndicatorSource.Manual;
            if (!whatIf)
            {
                return executor.BlockHash(sha256, path, source, detectionId, comment, user);
            }

            string? refused = path is null ? null : components.GuardRails?.RefuseFile(path);
            if (refused is not null)
            {
                return executor.Step(ResponseKind.BlockHash, sha256 ?? path!, StepOutcome.Refused, refused);
            }

            if (sha256 is null && path is not null && File.Exists(path))
            {
                try
                {
                    sha256 = ResponseExecutor.Sha256Of(path);
                }
                catch (IOException ex)
                {
                    return executor.Step(ResponseKind.BlockHash, path, StepOutcome.Failed, ex.Message);
                }
                catch (UnauthorizedAccessException ex)
                {
                    return executor.Step(ResponseKind.BlockHash, path, StepOutcome.AccessDenied, ex.Message);
                }
            }

            string? protectedHash = sha256 is null ? null : (components.GuardRails as GuardRails)?.RefuseHash(sha256);
            if (protectedHash is not null)
            {
                return executor.Step(ResponseKind.BlockHash, sha256!, StepOutcome.Refused, protectedHash);
            }

            return sha256 is null
                ? executor.Step(ResponseKind.BlockHash, path ?? "?", StepOutcome.Failed, "no SHA-256 known: there is no file at " + (path ?? "?"))
                : executor.Step(ResponseKind.BlockHash, sha256, StepOutcome.WhatIf, "would block SHA-256 " + sha256);
        }

        private static string? SafeRefuse(IGuardRails? guards, int pid)
        {
            try
            {
                return guards?.RefuseProcess(pid);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return "the guard rails could not check PID " + pid + ": " + ex.Message;
            }
        }

        private static bool SameImage(string running, string expected)
        {
            string a = running.Replace('\\', '/');
            string b = expected.Replace('\\', '/');
            return string.Equals(a, b, StringComparison.Ordinal)
                || string.Equals(System.IO.Path.GetFileName(a), System.IO.Path.GetFileName(b), StringComparison.OrdinalIgnoreCase);
        }

        // Linux: what /proc/<pid>/exe points at now; null where that cannot be told (other platforms, no such process).
        private static string? RunningImage(int pid)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return null;
            }

            var buffer = new byte[4096];
            long length = Libc.ReadLink("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/exe", buffer, buffer.Length);
            if (length <= 0)
            {
                return null;
            }

            string target = Encoding.UTF8.GetString(buffer, 0, (int)length);
            const string Deleted = " (deleted)";
            return target.EndsWith(Deleted, StringComparison.Ordinal) ? target.Substring(0, target.Length - Deleted.Length) : target;
        }
    }
}
