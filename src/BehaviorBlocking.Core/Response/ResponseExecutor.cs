using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// Takes single response steps through <see cref="ResponseComponents"/>, each isolated: whatever a
    /// component does (refuses, fails, throws), the step comes back as a <see cref="ResponseStep"/> that
    /// says so, and nothing escapes. Shared by <see cref="ActiveResponder"/> and <c>block</c>.
    /// </summary>
    internal sealed class ResponseExecutor
    {
        private readonly ResponseComponents _components;
        private readonly string _actor;

        public ResponseExecutor(ResponseComponents components, string actor)
        {
            _components = components ?? throw new ArgumentNullException(nameof(components));
            _actor = actor;
        }

        /// <summary>Signals a process (tree) through the controller, which checks the guard rails itself.</summary>
        public ResponseStep Process(ResponseKind kind, ProcessAction action, ProcessIdentity target, string? note = null)
        {
            string shown = target.ToString();
            return Isolated(kind, shown, () =>
            {
                IProcessController? controller = _components.Processes;
                if (controller is null || !controller.IsSupported)
                {
                    return Step(kind, shown, StepOutcome.NotSupported, "no process controller for this platform in this build");
                }

                ProcessActionResult result = controller.Act(action, target);
                // A controller's own detail already counts what it acted on; the count is added only when it says nothing.
                string count = result.Affected.Count == 0 || !string.IsNullOrEmpty(result.Detail) ? string.Empty
                    : string.Format(CultureInfo.InvariantCulture, "{0} process{1}", result.Affected.Count, result.Affected.Count == 1 ? string.Empty : "es");
                string detail = Join(Join(result.Detail, count), note);
                return Step(kind, shown, result.Outcome, detail.Length == 0 ? null : detail);
            });
        }

        /// <summary>A process step the snapshot already shows done: the target exited before the verdict.</summary>
        public ResponseStep Gone(ResponseKind kind, ProcessIdentity target) =>
            Step(kind, target.ToString(), StepOutcome.AlreadyGone, "the process had exited when the verdict was raised");

        /// <summary>Moves a file into the quarantine; <paramref name="entry"/> is what it holds now.</summary>
        public ResponseStep Quarantine(string path, Guid? detectionId, string reason, out QuarantineEntry? entry)
        {
            QuarantineEntry? added = null;
            ResponseStep step = Isolated(ResponseKind.Quarantine, path, () =>
            {
                string? refused = _components.GuardRails?.RefuseFile(path);
                if (refused is not null)
                {
                    return Step(ResponseKind.Quarantine, path, StepOutcome.Refused, refused);
                }

                if (!File.Exists(path))
                {
                    return Step(ResponseKind.Quarantine, path, StepOutcome.AlreadyGone, "no file at this path on this machine");
                }

                if (_components.Quarantine is null)
                {
                    return Step(ResponseKind.Quarantine, path, StepOutcome.NotSupported, "no quarantine in this build");
                }

                added = _components.Quarantine.Add(path, detectionId, reason);
                return Step(ResponseKind.Quarantine, path, StepOutcome.Done, "SHA-256 " + added.Sha256, added.Id.ToString("D"));
            });
            entry = added;
            return step;
        }

        /// <summary>Writes a block indicator for a hash: the one given, else the hash of the file at <paramref name="path"/>.</summary>
        public ResponseStep BlockHash(string? sha256, string? path, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy)
        {
            string shown = sha256 ?? path ?? "?";
            return Isolated(ResponseKind.BlockHash, shown, () =>
            {
                // Blocking a critical file's hash would stop it from running: the file's guard rail covers its hash too.
                string? refused = path is null ? null : _components.GuardRails?.RefuseFile(path);
                if (refused is not null)
                {
                    return Step(ResponseKind.BlockHash, shown, StepOutcome.Refused, refused);
                }

                string? hash = sha256;
                if (hash is null)
                {
                    if (path is null || !File.Exists(path))
                    {
                        return Step(ResponseKind.BlockHash, shown, StepOutcome.Failed, "no SHA-256 known: the telemetry reports none and there is no file at " + (path ?? "?"));
                    }

                    hash = Sha256Of(path);
                }

                if (!IsSha256(hash))
                {
                    return Step(ResponseKind.BlockHash, shown, StepOutcome.Failed, "'" + hash + "' is not a SHA-256 (64 hex digits)");
                }

                string? protectedHash = (_components.GuardRails as GuardRails)?.RefuseHash(hash);
                if (protectedHash is not null)
                {
                    return Step(ResponseKind.BlockHash, hash.ToUpperInvariant(), StepOutcome.Refused, protectedHash);
                }

                if (_components.Indicators is null)
                {
                    return Step(ResponseKind.BlockHash, hash, StepOutcome.NotSupported, "no indicator store in this build");
                }

                Indicator indicator = _components.Indicators.Block(hash.ToUpperInvariant(), source, detectionId, comment, createdBy);
                return Step(ResponseKind.BlockHash, hash.ToUpperInvariant(), StepOutcome.Done, null, indicator.Id.ToString("D"));
            });
        }

        /// <summary>Removes one persistence artifact (with its backup) through the remediator.</summary>
        public ResponseStep Remediate(PersistenceArtifact artifact, Guid? detectionId, bool whatIf)
        {
            string shown = artifact.ToString();
            return Isolated(ResponseKind.Remediate, shown, () =>
            {
                IRemediator? remediator = _components.Remediator;
                if (remediator is null || !remediator.IsSupported)
                {
                    return Step(ResponseKind.Remediate, shown, whatIf ? StepOutcome.WhatIf : StepOutcome.NotSupported,
                        whatIf ? "would remove " + shown + " (no remediator for this platform in this build)" : "no remediator for this platform in this build");
                }

                ResponseStep done = remediator.Remediate(artifact, detectionId, whatIf);
                return new ResponseStep(done.Kind, done.Target, done.Outcome, done.Detail, done.Reference, done.Time) { Actor = _actor };
            });
        }

        /// <summary>A step recorded without acting (not supported, what-if, refused before any component was asked).</summary>
        public ResponseStep Step(ResponseKind kind, string target, StepOutcome outcome, string? detail = null, string? reference = null) =>
            new ResponseStep(kind, target, outcome, detail, reference) { Actor = _actor };

        /// <summary>True for 64 hexadecimal digits.</summary>
        public static bool IsSha256(string text)
        {
            if (text.Length != 64)
            {
                return false;
            }

            foreach (char c in text)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The SHA-256 of a file's content, upper-case hex.</summary>
        public static string Sha256Of(string path)
        {
            using (var sha = SHA256.Create())
            using (FileStream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                byte[] digest = sha.ComputeHash(stream);
                var text = new char[digest.Length * 2];
                const string Hex = "0123456789ABCDEF";
                for (int i = 0; i < digest.Length; i++)
                {
                    text[2 * i] = Hex[digest[i] >> 4];
                    text[(2 * i) + 1] = Hex[digest[i] & 15];
                }

                return new string(text);
            }
        }

        private ResponseStep Isolated(ResponseKind kind, string target, Func<ResponseStep> step)
        {
            try
            {
                return step();
            }
            catch (BehaviorBlockingException ex)
            {
                return Step(kind, target, ex.Kind == FailureKind.AccessDenied ? StepOutcome.AccessDenied : StepOutcome.Failed, ex.ErrorId + ": " + ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                return Step(kind, target, StepOutcome.AccessDenied, ex.Message);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // One step's failure never stops the next: it is recorded, with what went wrong.
                return Step(kind, target, StepOutcome.Failed, ex.GetType().Name + ": " + ex.Message);
            }
        }

        private static string Join(string? a, string? b)
        {
            if (string.IsNullOrEmpty(a))
            {
                return b ?? string.Empty;
            }

            return string.IsNullOrEmpty(b) ? a! : a + "; " + b;
        }
    }
}
