using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace BehaviorBlocking.Response.Windows
{
    /// <summary>
    /// Acts on Windows processes through Win32 and ntdll: a process handle is opened once and every
    /// check and action goes through it, so a recycled pid is never acted on. A tree is frozen before
    /// it is killed: NtSuspendProcess on the root, then Toolhelp sweeps that suspend every descendant
    /// (a child by parent id AND created after its parent, since Windows keeps a dead parent's id)
    /// until two sweeps in a row find none new; then TerminateProcess on each. Compile-checked only:
    /// the project's machines run Linux.
    /// </summary>
    public sealed class WindowsProcessController : IProcessController
    {
        /// <summary>How far a start time given with the target may lie from the process's creation time before the pid counts as reused.</summary>
        public static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

        private const uint Access = WindowsNative.ProcessTerminate | WindowsNative.ProcessSuspendResume
            | WindowsNative.ProcessQueryLimitedInformation | WindowsNative.Synchronize;

        private readonly IGuardRails _guards;

        /// <summary>Creates a controller that puts every process to <paramref name="guards"/> before any handle is used on it.</summary>
        public WindowsProcessController(IGuardRails guards) => _guards = guards ?? throw new ArgumentNullException(nameof(guards));

        /// <summary>True on Windows.</summary>
        public bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>How long the sweeps may take before the tree is killed as found.</summary>
        public TimeSpan FreezeTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>How long to wait for terminated processes to be gone.</summary>
        public TimeSpan ExitTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <inheritdoc />
        public ProcessActionResult Act(ProcessAction action, ProcessIdentity target)
        {
            if (!IsSupported)
            {
                return new ProcessActionResult(StepOutcome.NotSupported, "the Windows process controller runs on Windows only");
            }

            // The handle is opened first: while it is open the pid cannot be reused, so the process the
            // guard rails look at is the one acted on.
            int pid = target.ProcessId;
            int error = WindowsNative.ErrorInvalidParameter;
            Member? root = pid <= 0 ? null : Member.Open(pid, out error);
            string? refused = _guards.RefuseProcess(pid);
            if (refused is not null)
            {
                root?.Dispose();
                return new ProcessActionResult(StepOutcome.Refused, refused);
            }

            if (root is null)
            {
                return OpenFailure(pid, error);
            }

            using (root)
            {
                if (!root.IsRunning())
                {
                    return new ProcessActionResult(StepOutcome.AlreadyGone, $"{root} has exited");
                }

                if (target.StartTime is DateTimeOffset expected && root.Created is long created)
                {
                    DateTimeOffset actual = new DateTimeOffset(DateTime.FromFileTimeUtc(created));
                    if ((actual - expected).Duration() > StartTimeTolerance)
                    {
                        return new ProcessActionResult(StepOutcome.AlreadyGone, string.Format(CultureInfo.InvariantCulture,
                            "PID {0} was reused: the process with that id now started at {1:yyyy-MM-ddTHH:mm:ss.fffZ}, the one named at {2:yyyy-MM-ddTHH:mm:ss.fffZ}",
                            pid, actual.UtcDateTime, expected.UtcDateTime));
                    }
                }

                switch (action)
                {
                    case ProcessAction.KillProcess:
                        return KillOne(root);
                    case ProcessAction.KillTree:
                        return KillTree(root);
                    case ProcessAction.Suspend:
                        return Suspend(root);
                    case ProcessAction.Resume:
                        return Resume(root);
                    default:
                        return new ProcessActionResult(StepOutcome.NotSupported, $"action {action} is not a process action");
                }
            }
        }

        private ProcessActionResult KillOne(Member process)
        {
            int error = process.Terminate();
            if (error != 0)
            {
                return ActFailure(process, error, "TerminateProcess");
            }

            return process.WaitExit(ExitTimeout)
                ? new ProcessActionResult(StepOutcome.Done, $"{process} terminated", new[] { process.Pid })
                : new ProcessActionResult(StepOutcome.Failed, $"{process} still runs {ExitTimeout.TotalSeconds:0.#} s after TerminateProcess", new[] { process.Pid });
        }

        private ProcessActionResult KillTree(Member root)
        {
            using (var sweep = new Sweep(this, root))
            {
                ProcessActionResult? failed = sweep.Freeze();
                if (failed is not null)
                {
                    return failed;
                }

                var terminated = new List<Member>();
                foreach (Member member in sweep.Members)
                {
                    int error = member.Terminate();
                    if (error == 0 || !member.IsRunning())
                    {
                        terminated.Add(member);
                    }
                    else
                    {
                        sweep.Skip(member, error == WindowsNative.ErrorAccessDenied ? "access denied to TerminateProcess" : "TerminateProcess failed (error " + error + ")");
                    }
                }

                var gone = new List<int>();
                var clock = Stopwatch.StartNew();
                foreach (Member member in terminated)
                {
                    TimeSpan left = ExitTimeout - clock.Elapsed;
                    if (member.WaitExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                    {
                        gone.Add(member.Pid);
                    }
                    else
                    {
                        sweep.Skip(member, $"still runs {ExitTimeout.TotalSeconds:0.#} s after TerminateProcess");
                    }
                }

                return sweep.Result(gone.ToArray(), "terminated");
            }
        }

        private ProcessActionResult Suspend(Member root)
        {
            using (var sweep = new Sweep(this, root))
            {
                ProcessActionResult? failed = sweep.Freeze();
                return failed ?? sweep.Result(sweep.Members.Select(m => m.Pid).ToArray(), "suspended");
            }
        }

        private ProcessActionResult Resume(Member root)
        {
            using (var sweep = new Sweep(this, root))
            {
                sweep.Collect(suspend: false);
                var resumed = new List<int>();
                foreach (Member member in sweep.Members)
                {
                    int status = WindowsNative.NtResumeProcess(member.Handle);
                    if (status == 0)
                    {
                        resumed.Add(member.Pid);
                    }
                    else if (member == root)
                    {
                        return NtFailure(member, status, "NtResumeProcess");
                    }
                    else
                    {
                        sweep.Skip(member, "NtResumeProcess failed (NTSTATUS 0x" + status.ToString("X8", CultureInfo.InvariantCulture) + ")");
                    }
                }

                return sweep.Result(resumed.ToArray(), "resumed");
            }
        }

        private static ProcessActionResult OpenFailure(int pid, int error)
        {
            if (error == WindowsNative.ErrorInvalidParameter)
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"PID {pid} is not running");
            }

            if (error == WindowsNative.ErrorAccessDenied)
            {
                return new ProcessActionResult(StepOutcome.AccessDenied, $"access denied opening PID {pid} (a protected process, or another user's without administrator rights)");
            }

            return new ProcessActionResult(StepOutcome.Failed, $"OpenProcess failed for PID {pid} (error {error})");
        }

        private static ProcessActionResult ActFailure(Member process, int error, string call)
        {
            if (!process.IsRunning())
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"{process} exited meanwhile");
            }

            return error == WindowsNative.ErrorAccessDenied
                ? new ProcessActionResult(StepOutcome.AccessDenied, $"access denied to {call} on {process}")
                : new ProcessActionResult(StepOutcome.Failed, $"{call} on {process} failed (error {error})");
        }

        private static ProcessActionResult NtFailure(Member process, int status, string call)
        {
            if (status == WindowsNative.StatusProcessIsTerminating || !process.IsRunning())
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"{process} exited meanwhile");
            }

            return status == WindowsNative.StatusAccessDenied
                ? new ProcessActionResult(StepOutcome.AccessDenied, $"access denied to {call} on {process}")
                : new ProcessActionResult(StepOutcome.Failed, $"{call} on {process} failed (NTSTATUS 0x{status.ToString("X8", CultureInfo.InvariantCulture)})");
        }

        /// <summary>One process of a tree: its handle (every check and action goes through it) and creation time.</summary>
        private sealed class Member : IDisposable
        {
            private Member(int pid, SafeKernelHandle handle, string name)
            {
                Pid = pid;
                Handle = handle;
                Created = WindowsProcesses.CreationTime(handle);
                Name = name;
            }

            internal int Pid { get; }

            internal SafeKernelHandle Handle { get; }

            internal long? Created { get; }

            internal string Name { get; }

            internal static Member? Open(int pid, out int error)
            {
                SafeKernelHandle? handle = WindowsProcesses.Open(pid, Access, out error);
                if (handle is null)
                {
                    return null;
                }

                string? image = WindowsProcesses.ImagePath(handle);
                return new Member(pid, handle, image is null ? "?" : System.IO.Path.GetFileName(image));
            }

            internal bool IsRunning() => WindowsProcesses.IsRunning(Handle);

            internal int Terminate() => WindowsNative.TerminateProcess(Handle, 1) ? 0 : Marshal.GetLastWin32Error();

            internal bool WaitExit(TimeSpan timeout) =>
                WindowsNative.WaitForSingleObject(Handle, (uint)Math.Max(0, Math.Min(int.MaxValue, timeout.TotalMilliseconds))) == WindowsNative.WaitObject0;

            public void Dispose() => Handle.Dispose();

            public override string ToString() => $"PID {Pid} ({Name})";
        }

        /// <summary>The members of one tree action, and what was left alone and why.</summary>
        private sealed class Sweep : IDisposable
        {
            private readonly WindowsProcessController _owner;
            private readonly Member _root;
            private readonly Dictionary<int, Member> _byPid = new Dictionary<int, Member>();
            private readonly Dictionary<int, string> _skipped = new Dictionary<int, string>();
            private readonly List<string> _notes = new List<string>();
            private int _passes;

            internal Sweep(WindowsProcessController owner, Member root)
            {
                _owner = owner;
                _root = root;
                Members.Add(root);
                _byPid[root.Pid] = root;
            }

            internal List<Member> Members { get; } = new List<Member>();

            internal void Skip(Member member, string reason)
            {
                if (!_skipped.ContainsKey(member.Pid))
                {
                    _skipped[member.Pid] = $"{member}: {reason}";
                }
            }

            /// <summary>Suspends the root and its descendants until two sweeps in a row find none new.</summary>
            internal ProcessActionResult? Freeze()
            {
                int status = WindowsNative.NtSuspendProcess(_root.Handle);
                if (status != 0)
                {
                    return NtFailure(_root, status, "NtSuspendProcess");
                }

                var clock = Stopwatch.StartNew();
                int quiet = 0;

                // A thread inside a process-creating call finishes it before the suspension takes hold,
                // so one quiet sweep is not proof: two in a row, a moment apart, are.
                while (quiet < 2)
                {
                    int added = Collect(suspend: true);
                    quiet = added == 0 ? quiet + 1 : 0;
                    if (clock.Elapsed > _owner.FreezeTimeout)
                    {
                        _notes.Add(string.Format(CultureInfo.InvariantCulture, "the tree did not stand still within {0:0.#} s", _owner.FreezeTimeout.TotalSeconds));
                        break;
                    }

                    if (quiet == 1)
                    {
                        Thread.Sleep(1);
                    }
                }

                return null;
            }

            /// <summary>One sweep: opens (and suspends) every descendant not yet a member; returns how many joined.</summary>
            internal int Collect(bool suspend)
            {
                _passes++;
                var children = new Dictionary<int, List<WindowsProcessEntry>>();
                foreach (WindowsProcessEntry entry in WindowsProcesses.Snapshot())
                {
                    if (!children.TryGetValue(entry.ParentId, out List<WindowsProcessEntry>? list))
                    {
                        list = new List<WindowsProcessEntry>();
                        children[entry.ParentId] = list;
                    }

                    list.Add(entry);
                }

                int added = 0;
                var queue = new Queue<Member>(Members);
                while (queue.Count > 0)
                {
                    Member parent = queue.Dequeue();
                    if (!children.TryGetValue(parent.Pid, out List<WindowsProcessEntry>? kids))
                    {
                        continue;
                    }

                    foreach (WindowsProcessEntry child in kids)
                    {
                        if (child.ProcessId == parent.Pid || _byPid.ContainsKey(child.ProcessId) || _skipped.ContainsKey(child.ProcessId))
                        {
                            continue;
                        }

                        Member? member = Member.Open(child.ProcessId, out int error);
                        string? refused = _owner._guards.RefuseProcess(child.ProcessId);
                        if (refused is not null)
                        {
                            member?.Dispose();
                            _skipped[child.ProcessId] = $"PID {child.ProcessId} ({child.Name}) left alone with what runs below it: {refused}";
                            continue;
                        }

                        if (member is null)
                        {
                            if (error == WindowsNative.ErrorAccessDenied)
                            {
                                _skipped[child.ProcessId] = $"PID {child.ProcessId} ({child.Name}): access denied";
                            }

                            continue;
                        }

                        // The parent id may be a dead parent's, reused by a newer process: a real child
                        // was created after its parent.
                        if (member.Created is null || parent.Created is null || member.Created.Value < parent.Created.Value || !member.IsRunning())
                        {
                            member.Dispose();
                            continue;
                        }

                        if (suspend)
                        {
                            int status = WindowsNative.NtSuspendProcess(member.Handle);
                            if (status != 0)
                            {
                                if (status == WindowsNative.StatusAccessDenied)
                                {
                                    _skipped[child.ProcessId] = $"{member}: access denied to NtSuspendProcess";
                                }

                                member.Dispose();
                                continue;
                            }
                        }

                        Members.Add(member);
                        _byPid[member.Pid] = member;
                        queue.Enqueue(member);
                        added++;
                    }
                }

                return added;
            }

            internal ProcessActionResult Result(int[] affected, string verb)
            {
                int total = Members.Count + _skipped.Keys.Count(pid => !_byPid.ContainsKey(pid));
                var detail = new StringBuilder(string.Format(CultureInfo.InvariantCulture, "{0} {1} of {2} {3} of the tree of {4} ({5} sweeps)",
                    verb, affected.Length, total, total == 1 ? "process" : "processes", _root, _passes));
                foreach (string note in _notes)
                {
                    detail.Append("; ").Append(note);
                }

                if (_skipped.Count > 0)
                {
                    detail.Append("; left: ").Append(string.Join("; ", _skipped.Values));
                }

                bool partial = _skipped.Count > 0 || _notes.Count > 0;
                return new ProcessActionResult(partial ? StepOutcome.Partial : StepOutcome.Done, detail.ToString(), affected);
            }

            public void Dispose()
            {
                foreach (Member member in Members)
                {
                    member.Dispose();
                }
            }
        }
    }
}
