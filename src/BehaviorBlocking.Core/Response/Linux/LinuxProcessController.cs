using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace BehaviorBlocking.Response.Linux
{
    /// <summary>
    /// Acts on Linux processes with signals, through a pidfd where the kernel has one (5.3+) so the
    /// signal reaches the process that was checked or none, else kill(2) right after a start-time check.
    /// A tree is frozen before it is killed: SIGSTOP to the root, then sweeps over /proc that stop
    /// every descendant not yet stopped, until a sweep taken while every member was stopped finds
    /// none new (a stopped process cannot fork, and a child forked before its parent stopped is
    /// found by the next sweep); only then SIGKILL to all. Every process touched is first put to the
    /// guard rails.
    /// </summary>
    public sealed class LinuxProcessController : IProcessController
    {
        /// <summary>
        /// How far a start time given with the target may lie from the one /proc gives (btime has whole
        /// seconds, the start tick 1/CLK_TCK) before the pid counts as reused.
        /// </summary>
        public static readonly TimeSpan StartTimeTolerance = TimeSpan.FromSeconds(1);

        // How long one sweep waits for the members to stop before it looks for new children anyway.
        private static readonly TimeSpan s_stopWaitPerSweep = TimeSpan.FromMilliseconds(20);

        private readonly IGuardRails _guards;

        /// <summary>Creates a controller that puts every process to <paramref name="guards"/> before any signal.</summary>
        public LinuxProcessController(IGuardRails guards) => _guards = guards ?? throw new ArgumentNullException(nameof(guards));

        /// <summary>True on Linux.</summary>
        public bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        /// <summary>How long a sweep waits for the tree to stand still (stopped, nothing new) before killing what it has.</summary>
        public TimeSpan FreezeTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Tests only: a process for which this returns true is seen as not stopped yet (one that cannot stop, such as a vfork parent whose child is frozen).</summary>
        internal Func<int, bool>? SeenRunning { get; set; }

        /// <summary>How long to wait for killed processes to be gone.</summary>
        public TimeSpan ExitTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>Signal through pidfds when the kernel has them (tests turn it off to exercise kill(2)).</summary>
        internal bool UsePidFd { get; set; } = true;

        /// <inheritdoc />
        public ProcessActionResult Act(ProcessAction action, ProcessIdentity target)
        {
            if (!IsSupported)
            {
                return new ProcessActionResult(StepOutcome.NotSupported, "the Linux process controller runs on Linux only");
            }

            // The stat read before the guard rails look and the one Member.Open makes after must name
            // the same process (same start tick): then what the guard rails saw is what is signalled.
            int pid = target.ProcessId;
            ProcStat? first = ProcFs.ReadStat(pid);
            string? refused = _guards.RefuseProcess(pid);
            if (refused is not null)
            {
                return new ProcessActionResult(StepOutcome.Refused, refused);
            }

            if (!(first is ProcStat stat))
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"PID {pid} is not running");
            }

            if (stat.HasExited)
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"PID {pid} ({stat.Comm}) has exited (a zombie waiting for its parent)");
            }

            if (target.StartTime is DateTimeOffset expected && ProcFs.StartTime(stat) is DateTimeOffset actual
                && (actual - expected).Duration() > StartTimeTolerance)
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, string.Format(CultureInfo.InvariantCulture,
                    "PID {0} was reused: the process with that id now ({1}) started at {2:yyyy-MM-ddTHH:mm:ss.fffZ}, the one named at {3:yyyy-MM-ddTHH:mm:ss.fffZ}",
                    pid, stat.Comm, actual.UtcDateTime, expected.UtcDateTime));
            }

            Member? root = Member.Open(stat, UsePidFd);
            if (root is null)
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"PID {pid} ({stat.Comm}) exited meanwhile");
            }

            using (root)
            {
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
            int rc = process.Signal(LinuxNative.SIGKILL);
            if (rc != 0)
            {
                return SignalFailure(process, rc, "SIGKILL");
            }

            List<Member> left = WaitGone(new[] { process });
            return left.Count == 0
                ? new ProcessActionResult(StepOutcome.Done, $"{process} killed", new[] { process.Pid })
                : new ProcessActionResult(StepOutcome.Failed, $"{process} still runs {ExitTimeout.TotalSeconds:0.#} s after SIGKILL (uninterruptible sleep?)", new[] { process.Pid });
        }

        private ProcessActionResult KillTree(Member root)
        {
            var sweep = new Sweep(this, root);
            try
            {
                ProcessActionResult? failed = sweep.Freeze();
                if (failed is not null)
                {
                    return failed;
                }

                var killed = new List<Member>();
                foreach (Member member in sweep.Members)
                {
                    int rc = member.Signal(LinuxNative.SIGKILL);
                    if (rc == 0 || rc == LinuxNative.ESRCH)
                    {
                        killed.Add(member);
                    }
                    else
                    {
                        sweep.Skip(member.Pid, member.Comm, rc == LinuxNative.EPERM ? "not permitted to signal it (EPERM)" : "SIGKILL failed (errno " + rc + ")");
                    }
                }

                List<Member> survivors = WaitGone(killed);
                foreach (Member survivor in survivors)
                {
                    sweep.Skip(survivor.Pid, survivor.Comm, $"still runs {ExitTimeout.TotalSeconds:0.#} s after SIGKILL");
                }

                int[] gone = killed.Except(survivors).Select(m => m.Pid).ToArray();
                return sweep.Result(gone, "killed", root);
            }
            finally
            {
                sweep.Dispose();
            }
        }

        private ProcessActionResult Suspend(Member root)
        {
            var sweep = new Sweep(this, root);
            try
            {
                ProcessActionResult? failed = sweep.Freeze();
                return failed ?? sweep.Result(sweep.Members.Select(m => m.Pid).ToArray(), "suspended", root);
            }
            finally
            {
                sweep.Dispose();
            }
        }

        private ProcessActionResult Resume(Member root)
        {
            var sweep = new Sweep(this, root);
            try
            {
                // Parents first is not needed: a stopped tree forks nothing until resumed, and every
                // member found now is resumed in this one call.
                sweep.Collect();
                var resumed = new List<int>();
                foreach (Member member in sweep.Members)
                {
                    int rc = member.Signal(LinuxNative.SIGCONT);
                    if (rc == 0)
                    {
                        resumed.Add(member.Pid);
                    }
                    else if (member == root && rc != LinuxNative.ESRCH)
                    {
                        return SignalFailure(member, rc, "SIGCONT");
                    }
                    else if (rc != LinuxNative.ESRCH)
                    {
                        sweep.Skip(member.Pid, member.Comm, rc == LinuxNative.EPERM ? "not permitted to signal it (EPERM)" : "SIGCONT failed (errno " + rc + ")");
                    }
                }

                return resumed.Count == 0
                    ? new ProcessActionResult(StepOutcome.AlreadyGone, $"{root} exited meanwhile")
                    : sweep.Result(resumed.ToArray(), "resumed", root);
            }
            finally
            {
                sweep.Dispose();
            }
        }

        /// <summary>
        /// Waits until every process is gone: exited (no longer in /proc, its pid reused, or a zombie
        /// — a zombie runs no code and only waits for its parent to collect its status). Returns those
        /// still running when <see cref="ExitTimeout"/> ran out.
        /// </summary>
        private List<Member> WaitGone(IEnumerable<Member> processes)
        {
            var left = new List<Member>(processes);
            var clock = Stopwatch.StartNew();
            int round = 0;
            while (left.Count > 0)
            {
                left.RemoveAll(m => m.HasExited());
                if (left.Count == 0 || clock.Elapsed > ExitTimeout)
                {
                    break;
                }

                Pause(round++);
            }

            return left;
        }

        private static ProcessActionResult SignalFailure(Member process, int errno, string signal)
        {
            if (errno == LinuxNative.ESRCH)
            {
                return new ProcessActionResult(StepOutcome.AlreadyGone, $"{process} exited meanwhile");
            }

            if (errno == LinuxNative.EPERM)
            {
                return new ProcessActionResult(StepOutcome.AccessDenied, $"not permitted to send {signal} to {process} (EPERM: another user's process, and no CAP_KILL)");
            }

            return new ProcessActionResult(StepOutcome.Failed, $"{signal} to {process} failed (errno {errno})");
        }

        /// <summary>Spins first (a stop or exit takes microseconds), then yields, then sleeps a millisecond.</summary>
        private static void Pause(int round)
        {
            if (round < 20)
            {
                Thread.SpinWait(64);
            }
            else if (round < 200)
            {
                Thread.Sleep(0);
            }
            else
            {
                Thread.Sleep(1);
            }
        }

        /// <summary>One process of a tree being acted on: pid, start tick and (where there is one) its pidfd.</summary>
        private sealed class Member : IDisposable
        {
            private readonly PidFd? _fd;

            private Member(ProcStat stat, PidFd? fd)
            {
                Pid = stat.ProcessId;
                StartTicks = stat.StartTicks;
                Comm = stat.Comm;
                _fd = fd;
            }

            internal int Pid { get; }

            internal ulong StartTicks { get; }

            internal string Comm { get; }

            /// <summary>Set once every thread was seen stopped.</summary>
            internal bool Stopped { get; set; }

            /// <summary>Opens the process <paramref name="stat"/> describes; null when it is gone (or its pid names another process now).</summary>
            internal static Member? Open(ProcStat stat, bool usePidFd)
            {
                PidFd? fd = null;
                if (usePidFd)
                {
                    fd = LinuxNative.OpenPidFd(stat.ProcessId, out int errno);
                    if (fd is null && errno == LinuxNative.ESRCH)
                    {
                        return null;
                    }
                }

                // The pidfd names whatever process has the pid now: make sure it is the one seen.
                if (!(ProcFs.ReadStat(stat.ProcessId) is ProcStat now) || now.StartTicks != stat.StartTicks || now.HasExited)
                {
                    fd?.Dispose();
                    return null;
                }

                return new Member(stat, fd);
            }

            /// <summary>Sends a signal: 0, or the errno (ESRCH when the process is gone).</summary>
            internal int Signal(int signal)
            {
                if (_fd is not null)
                {
                    return LinuxNative.SendSignal(_fd, signal);
                }

                // kill(2) names a pid, not a process: check it is still this one right before.
                if (!(ProcFs.ReadStat(Pid) is ProcStat now) || now.StartTicks != StartTicks)
                {
                    return LinuxNative.ESRCH;
                }

                return LinuxNative.SendSignal(Pid, signal);
            }

            /// <summary>True when the process runs no more code (gone from /proc, pid reused, or a zombie).</summary>
            internal bool HasExited() => !(ProcFs.ReadStat(Pid) is ProcStat now) || now.StartTicks != StartTicks || now.HasExited;

            /// <summary>True when every thread is stopped or the process has exited.</summary>
            internal bool IsStoppedNow() => HasExited() || ProcFs.AllThreadsStopped(Pid);

            public void Dispose() => _fd?.Dispose();

            public override string ToString() => $"PID {Pid} ({Comm})";
        }

        /// <summary>The members of one tree action, and what was left alone and why.</summary>
        private sealed class Sweep : IDisposable
        {
            private readonly LinuxProcessController _owner;
            private readonly Member _root;
            private readonly Dictionary<int, Member> _byPid = new Dictionary<int, Member>();
            private readonly Dictionary<int, string> _skipped = new Dictionary<int, string>();
            private readonly List<string> _notes = new List<string>();
            private int _passes;

            internal Sweep(LinuxProcessController owner, Member root)
            {
                _owner = owner;
                _root = root;
                Members.Add(root);
                _byPid[root.Pid] = root;
            }

            internal List<Member> Members { get; } = new List<Member>();

            internal void Skip(int pid, string comm, string reason)
            {
                if (!_skipped.ContainsKey(pid))
                {
                    _skipped[pid] = $"PID {pid} ({comm}): {reason}";
                }
            }

            /// <summary>Stops the root and every descendant until the tree stands still; a result only when the root itself fails.</summary>
            internal ProcessActionResult? Freeze()
            {
                int rc = _root.Signal(LinuxNative.SIGSTOP);
                if (rc != 0)
                {
                    return SignalFailure(_root, rc, "SIGSTOP");
                }

                var clock = Stopwatch.StartNew();

                // The first sweep does not wait for the root to stop: the children it finds are stopped
                // at once, and the whole tree then comes to a halt in parallel.
                _passes++;
                AddDescendants(LinuxNative.SIGSTOP);
                while (true)
                {
                    // Sweep even while some are still on their way to stopping: a child they forked is
                    // stopped sooner, and a vfork parent waits on its child before it can stop. Done
                    // only when a sweep that began with every member stopped finds none new.
                    _passes++;
                    bool allStopped = WaitStopped(clock, s_stopWaitPerSweep);
                    int added = AddDescendants(LinuxNative.SIGSTOP);
                    if (added == 0 && allStopped)
                    {
                        return null;
                    }

                    if (clock.Elapsed > _owner.FreezeTimeout)
                    {
                        List<Member> running = Members.Where(m => !m.Stopped).ToList();
                        _notes.Add(string.Format(CultureInfo.InvariantCulture, "the tree did not stand still within {0:0.#} s ({1} not stopped: {2}; {3} found in the last sweep)",
                            _owner.FreezeTimeout.TotalSeconds, running.Count, string.Join(", ", running.Take(5)), added));
                        return null;
                    }
                }
            }

            /// <summary>Finds the descendants once, without stopping anything (resume).</summary>
            internal void Collect()
            {
                _passes++;
                AddDescendants(signal: 0);
            }

            internal ProcessActionResult Result(int[] affected, string verb, Member root)
            {
                var detail = new StringBuilder();
                int total = Members.Count + _skipped.Keys.Count(pid => !_byPid.ContainsKey(pid));
                detail.Append(string.Format(CultureInfo.InvariantCulture, "{0} {1} of {2} {3} of the tree of {4}",
                    verb, affected.Length, total, total == 1 ? "process" : "processes", root));
                if (_passes > 0)
                {
                    detail.Append(string.Format(CultureInfo.InvariantCulture, " ({0} sweep{1})", _passes, _passes == 1 ? string.Empty : "s"));
                }

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

            /// <summary>Waits (within the freeze timeout) until every member is stopped; false when some are not.</summary>
            private bool WaitStopped(Stopwatch clock, TimeSpan most)
            {
                int round = 0;
                TimeSpan until = clock.Elapsed + most;
                while (true)
                {
                    bool all = true;
                    foreach (Member member in Members)
                    {
                        if (!member.Stopped)
                        {
                            if (member.IsStoppedNow() && _owner.SeenRunning?.Invoke(member.Pid) != true)
                            {
                                member.Stopped = true;
                            }
                            else
                            {
                                all = false;
                            }
                        }
                    }

                    if (all || clock.Elapsed > until || clock.Elapsed > _owner.FreezeTimeout)
                    {
                        return all;
                    }

                    Pause(round++);
                }
            }

            /// <summary>
            /// One sweep over /proc: every live descendant of a member that is not a member yet is put to
            /// the guard rails, opened and (when <paramref name="signal"/> is not 0) signalled. A refused
            /// process is left alone with everything below it. Returns how many joined.
            /// </summary>
            private int AddDescendants(int signal)
            {
                var children = new Dictionary<int, List<ProcStat>>();
                foreach (ProcStat stat in ProcFs.Snapshot())
                {
                    if (!children.TryGetValue(stat.ParentId, out List<ProcStat>? list))
                    {
                        list = new List<ProcStat>();
                        children[stat.ParentId] = list;
                    }

                    list.Add(stat);
                }

                int added = 0;
                var queue = new Queue<Member>(Members);
                while (queue.Count > 0)
                {
                    Member parent = queue.Dequeue();
                    if (!children.TryGetValue(parent.Pid, out List<ProcStat>? kids))
                    {
                        continue;
                    }

                    foreach (ProcStat child in kids)
                    {
                        // A child cannot have started before its parent; such a link is a stale pid.
                        if (child.StartTicks < parent.StartTicks || child.HasExited || _byPid.ContainsKey(child.ProcessId) || _skipped.ContainsKey(child.ProcessId))
                        {
                            continue;
                        }

                        string? refused = _owner._guards.RefuseProcess(child.ProcessId);
                        if (refused is not null)
                        {
                            _skipped[child.ProcessId] = $"PID {child.ProcessId} ({child.Comm}) left alone with what runs below it: {refused}";
                            continue;
                        }

                        Member? member = Member.Open(child, _owner.UsePidFd);
                        if (member is null)
                        {
                            continue;
                        }

                        if (signal != 0)
                        {
                            int rc = member.Signal(signal);
                            if (rc != 0)
                            {
                                if (rc == LinuxNative.EPERM)
                                {
                                    _skipped[child.ProcessId] = $"PID {child.ProcessId} ({child.Comm}): not permitted to signal it (EPERM)";
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
        }
    }
}
