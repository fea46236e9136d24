using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Settings of an <see cref="ExecGuard"/>.</summary>
    public sealed class ExecGuardOptions
    {
        /// <summary>Paths whose filesystem (or mount, see <see cref="MarkFileSystem"/>) is guarded. Null (the default) guards every real filesystem mounted now.</summary>
        public IReadOnlyList<string>? Paths { get; init; }

        /// <summary>True (default) marks each path's whole filesystem (<c>FAN_MARK_FILESYSTEM</c>); false only its mount (<c>FAN_MARK_MOUNT</c>).</summary>
        public bool MarkFileSystem { get; init; } = true;

        /// <summary>Longest an exec waits for a decision; past it the exec is allowed and counted as a timeout. Default 200 ms.</summary>
        public TimeSpan DecisionDeadline { get; init; } = TimeSpan.FromMilliseconds(200);

        /// <summary>Threads that hash and decide, so one huge file does not hold up other execs. Default 2.</summary>
        public int Workers { get; init; } = 2;

        /// <summary>Execs waiting for a decision at most; more are allowed at once and counted as overloaded. Default 4,096.</summary>
        public int MaxPending { get; init; } = 4096;

        /// <summary>How long one wait for events lasts, in milliseconds (1–250): the longest cancellation takes.</summary>
        public int PollMilliseconds { get; init; } = 200;
    }

    /// <summary>Counters of an <see cref="ExecGuard"/>, read at one moment.</summary>
    public sealed class ExecGuardCounters
    {
        /// <summary>Executions answered (allowed plus denied).</summary>
        public long Decisions { get; init; }

        /// <summary>Executions allowed, for any reason (the gate, a timeout, a failure, overload, this process, shutdown).</summary>
        public long Allowed { get; init; }

        /// <summary>Executions denied.</summary>
        public long Denied { get; init; }

        /// <summary>Executions allowed because no decision came within the deadline.</summary>
        public long Timeouts { get; init; }

        /// <summary>Executions allowed because the gate (or reading the file) threw.</summary>
        public long GateFailures { get; init; }

        /// <summary>Executions allowed at once because too many were waiting.</summary>
        public long Overloaded { get; init; }

        /// <summary>Executions by this process, allowed without asking the gate.</summary>
        public long OwnAllowed { get; init; }

        /// <summary>Executions allowed without a decision because the guard was stopping.</summary>
        public long AllowedAtShutdown { get; init; }

        /// <summary>Executions whose file could not be hashed (too large, unreadable); the gate was asked with its path only.</summary>
        public long Unhashed { get; init; }

        /// <summary>Answers the kernel refused (write of <c>fanotify_response</c> failed).</summary>
        public long ResponseFailures { get; init; }

        /// <summary>Times the kernel's queue overflowed.</summary>
        public long Overflows { get; init; }

        /// <summary>Malformed bytes met while parsing events (counted, never thrown).</summary>
        public long Malformed { get; init; }

        /// <summary>Median time from reading an event to answering it.</summary>
        public TimeSpan DecisionP50 { get; init; }

        /// <summary>99th percentile of that time.</summary>
        public TimeSpan DecisionP99 { get; init; }

        /// <summary>Filesystems (or mounts) marked.</summary>
        public int Marked { get; init; }
    }

    /// <summary>
    /// Pre-execution blocking on Linux: a <c>FAN_CLASS_CONTENT</c> fanotify group with <c>FAN_OPEN_EXEC_PERM</c>
    /// marks holds every exec on the marked filesystems until it is answered. Each one is hashed through the
    /// event's own descriptor (which raises no events) with the shared <see cref="ExecutableHashCache"/> and
    /// put to the <see cref="IExecutionGate"/> by worker threads; a denial answers <c>FAN_DENY</c> (the exec
    /// fails with EPERM) and writes an <see cref="LinuxEvents.ExecutionDenied"/> event. Every event is always
    /// answered, within <see cref="ExecGuardOptions.DecisionDeadline"/>: the guard fails open (allows, and
    /// counts) on a timeout, a gate failure, overload and shutdown, so a fault of the product can never stop
    /// the machine from running programs; this process's own execs are always allowed. Needs root.
    /// </summary>
    public sealed class ExecGuard : IEventSource, Engine.ISourceHealth, IDisposable
    {
        private const string What = "exec guard";

        private readonly IExecutionGate _gate;
        private readonly ExecutableHashCache _hashes;
        private readonly ExecGuardOptions _options;
        private readonly TaskCompletionSource<bool> _started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _disposed = new CancellationTokenSource();
        private readonly ManualResetEventSlim _stopped = new ManualResetEventSlim(true);
        private readonly ConcurrentQueue<EventRecord> _denials = new ConcurrentQueue<EventRecord>();
        private readonly ConcurrentQueue<ReplayProblem> _problems = new ConcurrentQueue<ReplayProblem>();
        private readonly LatencyHistogram _latency = new LatencyHistogram();
        private readonly FanotifyParseCounts _parse = new FanotifyParseCounts();
        private readonly int _ownPid = CurrentProcess.Id;
        private readonly long _deadlineTicks;
        private FanotifyGroup? _group;
        private long _allowed;
        private long _denied;
        private long _timeouts;
        private long _gateFailures;
        private long _overloaded;
        private long _own;
        private long _shutdown;
        private long _unhashed;
        private long _responseFailures;
        private long _overflows;
        private long _malformed;
        private int _marked;
        private int _failureReported;

        /// <summary>Creates the guard; nothing is marked until <see cref="Run"/>.</summary>
        /// <param name="gate">Decides each exec.</param>
        /// <param name="hashes">The hash cache shared with the process sensor.</param>
        /// <param name="options">Paths, deadline and workers; null for the defaults.</param>
        public ExecGuard(IExecutionGate gate, ExecutableHashCache hashes, ExecGuardOptions? options = null)
        {
            _gate = gate ?? throw new ArgumentNullException(nameof(gate));
            _hashes = hashes ?? throw new ArgumentNullException(nameof(hashes));
            _options = options ?? new ExecGuardOptions();
            if (_options.PollMilliseconds < 1 || _options.PollMilliseconds > 250)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "PollMilliseconds must be 1-250.");
            }

            if (_options.DecisionDeadline <= TimeSpan.Zero || _options.DecisionDeadline > TimeSpan.FromSeconds(10))
            {
                throw new ArgumentOutOfRangeException(nameof(options), "DecisionDeadline must be above zero and at most 10 seconds.");
            }

            if (_options.Workers < 1 || _options.Workers > 64 || _options.MaxPending < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "Workers must be 1-64 and MaxPending at least 1.");
            }

            _deadlineTicks = (long)(_options.DecisionDeadline.TotalSeconds * Stopwatch.Frequency);
        }

        /// <inheritdoc />
        public string Name => "fanotify-exec";

        /// <inheritdoc />
        public bool IsLive => true;

        /// <summary>Completes when the marks are in place and execs are being decided (faulted with the product error when they could not be).</summary>
        public Task Started => _started.Task;

        /// <summary>The counters now.</summary>
        public ExecGuardCounters Counters
        {
            get
            {
                long allowed = Interlocked.Read(ref _allowed);
                long denied = Interlocked.Read(ref _denied);
                return new ExecGuardCounters
                {
                    Decisions = allowed + denied,
                    Allowed = allowed,
                    Denied = denied,
                    Timeouts = Interlocked.Read(ref _timeouts),
                    GateFailures = Interlocked.Read(ref _gateFailures),
                    Overloaded = Interlocked.Read(ref _overloaded),
                    OwnAllowed = Interlocked.Read(ref _own),
                    AllowedAtShutdown = Interlocked.Read(ref _shutdown),
                    Unhashed = Interlocked.Read(ref _unhashed),
                    ResponseFailures = Interlocked.Read(ref _responseFailures),
                    Overflows = Interlocked.Read(ref _overflows),
                    Malformed = Interlocked.Read(ref _malformed),
                    DecisionP50 = _latency.Percentile(50),
                    DecisionP99 = _latency.Percentile(99),
                    Marked = Volatile.Read(ref _marked),
                };
            }
        }

        /// <inheritdoc />
        IReadOnlyList<KeyValuePair<string, long>> Engine.ISourceHealth.Counters()
        {
            ExecGuardCounters c = Counters;
            return new[]
            {
                new KeyValuePair<string, long>("execDecisions", c.Decisions),
                new KeyValuePair<string, long>("execAllowed", c.Allowed),
                new KeyValuePair<string, long>("execDenied", c.Denied),
                new KeyValuePair<string, long>("execTimeouts", c.Timeouts),
                new KeyValuePair<string, long>("execGateFailures", c.GateFailures),
                new KeyValuePair<string, long>("execOverloaded", c.Overloaded),
                new KeyValuePair<string, long>("execUnhashed", c.Unhashed),
                new KeyValuePair<string, long>("execResponseFailures", c.ResponseFailures),
                new KeyValuePair<string, long>("overflows", c.Overflows),
                new KeyValuePair<string, long>("decisionP50Us", (long)(c.DecisionP50.Ticks / 10)),
                new KeyValuePair<string, long>("decisionP99Us", (long)(c.DecisionP99.Ticks / 10)),
                new KeyValuePair<string, long>("marked", c.Marked),
            };
        }

        /// <inheritdoc />
        /// <exception cref="BehaviorBlockingException"><c>FanotifyRequiresPrivilege</c> without root; <c>FanotifyUnavailable</c> when the kernel or a path cannot be used.</exception>
        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            _stopped.Reset();
            var work = new BlockingCollection<PendingExec>();
            var pending = new Queue<PendingExec>();
            var workers = new List<Thread>();
            FanotifyGroup? group = null;
            try
            {
                group = FanotifyGroup.Open(Fanotify.ClassContent | Fanotify.CloseOnExec | Fanotify.NonBlock,
                    (uint)(Fanotify.ReadOnly | Fanotify.LargeFile | Fanotify.OpenCloseOnExec), What);
                _group = group;
                for (int i = 0; i < _options.Workers; i++)
                {
                    var worker = new Thread(() => Work(work, writer))
                    {
                        IsBackground = true,
                        Name = "BehaviorBlocking exec guard worker " + i.ToString(CultureInfo.InvariantCulture),
                    };
                    worker.Start();
                    workers.Add(worker);
                }

                Volatile.Write(ref _marked, group.MarkAll(_options.Paths, Fanotify.OpenExecPerm, _options.MarkFileSystem, keepMountFd: false, What, writer));
                _started.TrySetResult(true);
                Loop(group, work, pending, writer, stop.Token);
            }
            catch (Exception ex)
            {
                _started.TrySetException(ex);
                throw;
            }
            finally
            {
                // Stop reading; answer everything read and not yet answered with ALLOW; then close the group
                // (the kernel allows whatever was still queued in it).
                work.CompleteAdding();
                while (pending.Count > 0)
                {
                    PendingExec exec = pending.Dequeue();
                    if (exec.Claim())
                    {
                        Interlocked.Increment(ref _shutdown);
                        Answer(group, exec, Fanotify.Allow);
                    }
                }

                foreach (Thread worker in workers)
                {
                    // A worker stuck in the gate keeps its event descriptor until the gate returns; its event is answered already.
                    worker.Join(TimeSpan.FromMilliseconds(500));
                }

                _group = null;
                group?.Dispose();
                DrainDenials(writer);
                writer.Flush();
                _stopped.Set();
            }
        }

        /// <summary>Stops <see cref="Run"/> (within one poll interval), which answers every pending exec with ALLOW and closes the group.</summary>
        public void Dispose()
        {
            _disposed.Cancel();
            _stopped.Wait(TimeSpan.FromSeconds(3));
        }

        private void Loop(FanotifyGroup group, BlockingCollection<PendingExec> work, Queue<PendingExec> pending, IEventWriter writer, CancellationToken cancellationToken)
        {
            var buffer = new byte[16 * 1024];
            var events = new List<FanotifyEvent>(64);
            bool reportedMalformed = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                int wait = _options.PollMilliseconds;
                if (pending.Count > 0)
                {
                    long untilDeadline = pending.Peek().Deadline - Stopwatch.GetTimestamp();
                    wait = (int)Math.Max(1, Math.Min(wait, (untilDeadline * 1000 / Stopwatch.Frequency) + 1));
                }

                if (group.Wait(wait))
                {
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        int read = group.Read(buffer);
                        if (read <= 0)
                        {
                            break;
                        }

                        FanotifyBuffer.ParseRead(buffer, read, events, _parse, ref _malformed, ref reportedMalformed, Name, writer);

                        long now = Stopwatch.GetTimestamp();
                        foreach (FanotifyEvent e in events)
                        {
                            Accept(group, e, now, work, pending);
                        }
                    }
                }

                Sweep(group, pending);
                if (DrainDenials(writer))
                {
                    writer.Flush();
                }
                else if (pending.Count == 0)
                {
                    writer.Flush();
                }
            }
        }

        private void Accept(FanotifyGroup group, FanotifyEvent e, long now, BlockingCollection<PendingExec> work, Queue<PendingExec> pending)
        {
            if ((e.Mask & Fanotify.QueueOverflow) != 0)
            {
                Interlocked.Increment(ref _overflows);
            }

            if (e.Fd < 0)
            {
                return;
            }

            var exec = new PendingExec(e.Fd, e.Pid, now, now + _deadlineTicks);
            bool own = e.Pid == _ownPid;
            if ((e.Mask & Fanotify.OpenExecPerm) == 0 || own || pending.Count >= _options.MaxPending)
            {
                // Only exec permission events are asked for; anything else is allowed so it can never be left waiting.
                exec.Claim();
                if (own)
                {
                    Interlocked.Increment(ref _own);
                }
                else if ((e.Mask & Fanotify.OpenExecPerm) != 0)
                {
                    Interlocked.Increment(ref _overloaded);
                }

                Answer(group, exec, Fanotify.Allow);
                Libc.close(e.Fd);
                return;
            }

            pending.Enqueue(exec);
            if (!work.TryAdd(exec))
            {
                pending.Dequeue();
                exec.Claim();
                Interlocked.Increment(ref _overloaded);
                Answer(group, exec, Fanotify.Allow);
                Libc.close(e.Fd);
            }
        }

        // Deadlines are in arrival order (one deadline for all), so only the front of the queue can be due.
        private void Sweep(FanotifyGroup group, Queue<PendingExec> pending)
        {
            long now = Stopwatch.GetTimestamp();
            while (pending.Count > 0)
            {
                PendingExec front = pending.Peek();
                if (front.IsAnswered)
                {
                    pending.Dequeue();
                    continue;
                }

                if (front.Deadline > now)
                {
                    return;
                }

                pending.Dequeue();
                if (front.Claim())
                {
                    Interlocked.Increment(ref _timeouts);
                    Answer(group, front, Fanotify.Allow);
                }
            }
        }

        private void Work(BlockingCollection<PendingExec> work, IEventWriter writer)
        {
            var actors = new LinuxActors();
            foreach (PendingExec exec in work.GetConsumingEnumerable())
            {
                try
                {
                    if (!exec.IsAnswered)
                    {
                        Decide(exec, actors, writer);
                    }
                }
                finally
                {
                    Libc.close(exec.Fd);
                }
            }
        }

        private void Decide(PendingExec exec, LinuxActors actors, IEventWriter writer)
        {
            ExecutionDecision? decision = null;
            string? path = null;
            string? sha256 = null;
            LinuxActor? actor = null;
            try
            {
                path = actors.ReadLink("/proc/self/fd/" + exec.Fd.ToString(CultureInfo.InvariantCulture));
                sha256 = _hashes.Sha256OfDescriptor(exec.Fd);
                if (sha256 is null)
                {
                    Interlocked.Increment(ref _unhashed);
                }

                // Only the image on the hot path (one readlink); the full actor (stat, status) is read for a denial only.
                string? actorImage = actors.ReadLink("/proc/" + exec.Pid.ToString(CultureInfo.InvariantCulture) + "/exe");
                decision = _gate.Decide(new ExecutionRequest(exec.Pid, actorImage, path, sha256));
                if (decision.Deny)
                {
                    actor = actors.Lookup(exec.Pid);
                }
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // Fail open: a broken gate must never stop the machine from running programs. Counted and reported once.
                if (exec.Claim())
                {
                    Interlocked.Increment(ref _gateFailures);
                    Answer(_group, exec, Fanotify.Allow);
                }

                if (Interlocked.Exchange(ref _failureReported, 1) == 0)
                {
                    _problems.Enqueue(new ReplayProblem(Name, 0, Engine.ErrorIds.ExecGuardFailedOpen,
                        "the execution gate failed deciding the exec of " + (path ?? "an unknown file") + " by PID " + exec.Pid.ToString(CultureInfo.InvariantCulture)
                        + " and it was allowed (fail open; counted in GateFailures, reported once): " + ex.GetType().Name + ": " + ex.Message));
                }

                return;
            }

            if (!exec.Claim())
            {
                // The deadline passed first: the exec was allowed and counted as a timeout.
                return;
            }

            Answer(_group, exec, decision.Deny ? Fanotify.Deny : Fanotify.Allow);
            if (decision.Deny)
            {
                _denials.Enqueue(LinuxRecords.Build(LinuxEvents.ExecutionDenied, DateTimeOffset.UtcNow, exec.Pid, actor,
                    LinuxRecords.Field(LinuxEvents.TargetFilename, path ?? string.Empty),
                    LinuxRecords.Field(LinuxEvents.Hashes, sha256 is null ? string.Empty : "SHA256=" + sha256),
                    LinuxRecords.Field(LinuxEvents.State, decision.Reason)));
            }
        }

        private void Answer(FanotifyGroup? group, PendingExec exec, uint response)
        {
            bool written = group is not null && group.Respond(exec.Fd, response);
            if (!written)
            {
                Interlocked.Increment(ref _responseFailures);
            }

            if (response == Fanotify.Deny)
            {
                Interlocked.Increment(ref _denied);
            }
            else
            {
                Interlocked.Increment(ref _allowed);
            }

            _latency.Record(TimeSpan.FromTicks((Stopwatch.GetTimestamp() - exec.Received) * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
        }

        private bool DrainDenials(IEventWriter writer)
        {
            bool any = false;
            var normalizer = new WindowsEventNormalizer();
            while (_problems.TryDequeue(out ReplayProblem? problem))
            {
                any = true;
                writer.Problem(problem);
            }

            while (_denials.TryDequeue(out EventRecord? record))
            {
                any = true;
                writer.Write(normalizer.Normalize(record));
            }

            return any;
        }

        /// <summary>One permission event read and not yet answered (answered exactly once: whoever claims it answers).</summary>
        private sealed class PendingExec
        {
            private int _answered;

            internal PendingExec(int fd, int pid, long received, long deadline)
            {
                Fd = fd;
                Pid = pid;
                Received = received;
                Deadline = deadline;
            }

            internal int Fd { get; }

            internal int Pid { get; }

            internal long Received { get; }

            internal long Deadline { get; }

            internal bool IsAnswered => Volatile.Read(ref _answered) != 0;

            internal bool Claim() => Interlocked.CompareExchange(ref _answered, 1, 0) == 0;
        }
    }
}
