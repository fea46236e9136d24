using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Settings of a <see cref="LinuxProcessSensor"/>.</summary>
    public sealed class LinuxProcessSensorOptions
    {
        /// <summary>Receive buffer asked for the netlink socket (SO_RCVBUFFORCE, else SO_RCVBUF capped by net.core.rmem_max); a bigger buffer rides out longer exec storms.</summary>
        public int ReceiveBufferBytes { get; init; } = 8 * 1024 * 1024;

        /// <summary>Report the processes running at start as process-create events marked <c>Snapshot=true</c>, parents first.</summary>
        public bool ReportRunningProcesses { get; init; } = true;

        /// <summary>Most processes remembered (pid → guid, image, command line, user); a full map drops the entries of processes that are gone.</summary>
        public int ProcessMapCapacity { get; init; } = 65536;

        /// <summary>The host name events carry; null for <see cref="Environment.MachineName"/>.</summary>
        public string? Computer { get; init; }

        /// <summary>
        /// Read exec records from the kernel's audit subsystem (<see cref="LinuxAuditExecReader"/>) to fill the command
        /// line, folder, executable and uid of processes that exited before /proc could be read. Taken only when no other
        /// audit daemon owns audit; everything it changes is undone when the sensor stops.
        /// </summary>
        public bool UseAudit { get; init; } = true;

        /// <summary>How long an exec whose /proc read failed waits for its audit record before it is written with what is known (0 to 1 s).</summary>
        public TimeSpan AuditWait { get; init; } = TimeSpan.FromMilliseconds(100);
    }

    /// <summary>
    /// Live process telemetry on Linux: the kernel's netlink process connector reports fork, exec and exit;
    /// each exec is enriched from /proc (executable, command line, working folder, real uid and account name,
    /// parent, start time, SHA-256 of the executable through a shared <see cref="ExecutableHashCache"/>) and
    /// written as a Sysmon-schema <see cref="EventRecord"/> (<see cref="LinuxEvents.ProcessCreate"/>,
    /// <see cref="LinuxEvents.ProcessTerminate"/>) normalized by <see cref="WindowsEventNormalizer"/>.
    /// Needs root (CAP_NET_ADMIN to join the connector's multicast group, and the right to read every
    /// process's /proc entries). Never blocks on the consumer, counts what it loses, and stops within
    /// about 250 ms of cancellation.
    /// </summary>
    public sealed class LinuxProcessSensor : IEventSource, Engine.ISourceHealth
    {
        /// <summary>Field set to <c>true</c> on the process-create events of processes that were already running when the sensor started.</summary>
        public const string SnapshotField = "Snapshot";

        /// <summary>
        /// Field set to <c>true</c> on the process-create event of a process that forked without executing,
        /// reported only when one of its children executes (so the tree stays linked): its image and command
        /// line are its parent's, which it still runs.
        /// </summary>
        public const string ForkedField = "Forked";

        private const string Source = "netlink:proc-connector";
        private const int NetlinkConnector = 11;
        private const int PollTimeoutMs = 200;
        private const int ShortPollMs = 2;
        private const int MaxAnnounceDepth = 16;
        private const int MaxOutgoing = 8192;

        private readonly ExecutableHashCache _hashes;
        private readonly LinuxProcessSensorOptions _options;
        private readonly WindowsEventNormalizer _normalizer = new WindowsEventNormalizer();
        private readonly Dictionary<int, KnownProcess> _known = new Dictionary<int, KnownProcess>();
        private readonly ProcProcessReader _reader = new ProcProcessReader();
        private readonly LinuxUserNames _users = new LinuxUserNames();
        private readonly LinuxSensorClock _clock = new LinuxSensorClock();
        private readonly List<ProcEvent> _parsed = new List<ProcEvent>(64);
        private readonly string _computer;
        private readonly Queue<Outgoing> _outbox = new Queue<Outgoing>();
        private readonly long _auditWaitTicks;
        private LinuxAuditExecReader? _audit;
        private LinuxAuditState _auditState;
        private string _auditReason = "not used";
        private long _auditFilled;
        private long _auditMissed;
        private long _events;
        private long _lost;
        private long _malformed;
        private long _enrichmentFailures;
        private long _gone;
        private long _failures;
        private long _snapshotProcesses;
        private long _duplicates;
        private long _cpuTicks;
        private int _receiveBuffer;
        private bool _malformedReported;
        private bool _lossReported;
        private bool _failureReported;
        private ulong _snapshotEndNs;
        private long _bootSeconds;

        /// <summary>Creates the sensor; <paramref name="hashes"/> is shared with the exec guard so an executable is read once.</summary>
        public LinuxProcessSensor(ExecutableHashCache hashes, LinuxProcessSensorOptions? options = null)
        {
            _hashes = hashes ?? throw new ArgumentNullException(nameof(hashes));
            _options = options ?? new LinuxProcessSensorOptions();
            _computer = _options.Computer ?? Environment.MachineName;
            double waitMs = Math.Max(0, Math.Min(1000, _options.AuditWait.TotalMilliseconds));
            _auditWaitTicks = (long)(waitMs * Stopwatch.Frequency / 1000);
        }

        /// <inheritdoc />
        public string Name => "linux-process";

        /// <inheritdoc />
        public bool IsLive => true;

        /// <inheritdoc />
        IReadOnlyList<KeyValuePair<string, long>> Engine.ISourceHealth.Counters() => new[]
        {
            new KeyValuePair<string, long>("events", Events),
            new KeyValuePair<string, long>("lostMessages", LostMessages),
            new KeyValuePair<string, long>("malformed", MalformedMessages),
            new KeyValuePair<string, long>("enrichmentFailures", EnrichmentFailures),
            new KeyValuePair<string, long>("goneBeforeEnrichment", GoneBeforeEnrichment),
            new KeyValuePair<string, long>("knownProcesses", KnownProcesses),
            new KeyValuePair<string, long>("hashCacheHits", HashCacheHits),
            new KeyValuePair<string, long>("hashCacheMisses", HashCacheMisses),
            new KeyValuePair<string, long>("cpuMs", (long)CpuTime.TotalMilliseconds),
            new KeyValuePair<string, long>("auditActive", AuditState == LinuxAuditState.Active ? 1 : 0),
            new KeyValuePair<string, long>("auditFilled", AuditFilled),
            new KeyValuePair<string, long>("auditMissed", AuditMissed),
        };

        /// <summary>Whether the kernel audit subsystem fills what /proc could not give, and if not why (<see cref="AuditReason"/>).</summary>
        public LinuxAuditState AuditState => Volatile.Read(ref _audit) is LinuxAuditExecReader audit ? audit.State : _auditState;

        /// <summary>The audit reader of the last run that took audit (its own counters), or null.</summary>
        public LinuxAuditExecReader? Audit => Volatile.Read(ref _audit);

        /// <summary>What the audit reader does, or why it is not used, in words.</summary>
        public string AuditReason => Volatile.Read(ref _audit) is LinuxAuditExecReader audit ? audit.Reason : Volatile.Read(ref _auditReason);

        /// <summary>Execs whose /proc read failed (or gave no command line) completed from their audit record.</summary>
        public long AuditFilled => Interlocked.Read(ref _auditFilled);

        /// <summary>Execs whose /proc read failed and whose audit record did not come in time (audit active).</summary>
        public long AuditMissed => Interlocked.Read(ref _auditMissed);

        /// <summary>Events written (process create and terminate, snapshot included).</summary>
        public long Events => Interlocked.Read(ref _events);

        /// <summary>Times the kernel reported lost connector messages (recv failed with ENOBUFS: the receive buffer overflowed; each time one or more events were lost).</summary>
        public long LostMessages => Interlocked.Read(ref _lost);

        /// <summary>Connector messages whose lengths did not fit and were skipped.</summary>
        public long MalformedMessages => Interlocked.Read(ref _malformed);

        /// <summary>Execs of a running process of which a field (command line, folder, uid, hash) could not be read.</summary>
        public long EnrichmentFailures => Interlocked.Read(ref _enrichmentFailures);

        /// <summary>Execs of processes that had exited before they could be read from /proc: reported with what the kernel and the sensor knew (pid, parent).</summary>
        public long GoneBeforeEnrichment => Interlocked.Read(ref _gone);

        /// <summary>Events that could not be built or normalized (a bug or an unexpected value); each was skipped.</summary>
        public long Failures => Interlocked.Read(ref _failures);

        /// <summary>Running processes reported at start.</summary>
        public long SnapshotProcesses => Interlocked.Read(ref _snapshotProcesses);

        /// <summary>Exec events skipped because the start-up snapshot had already reported that very exec.</summary>
        public long DuplicateExecs => Interlocked.Read(ref _duplicates);

        /// <summary>Hash lookups answered from the shared cache (all its users together).</summary>
        public long HashCacheHits => _hashes.Hits;

        /// <summary>Hash lookups that read an executable (all users of the shared cache together).</summary>
        public long HashCacheMisses => _hashes.Misses;

        /// <summary>Receive buffer the kernel granted (bytes, as getsockopt reports it), 0 before start.</summary>
        public int ReceiveBufferBytes => Volatile.Read(ref _receiveBuffer);

        /// <summary>CPU time the sensor's thread has used (updated about every 250 ms and at stop).</summary>
        public TimeSpan CpuTime => TimeSpan.FromTicks(Interlocked.Read(ref _cpuTicks));

        /// <summary>Processes remembered now.</summary>
        public int KnownProcesses
        {
            get
            {
                lock (_known)
                {
                    return _known.Count;
                }
            }
        }

        /// <inheritdoc />
        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                throw new BehaviorBlockingException(ErrorIds.LinuxSensorNotSupported, FailureKind.NotSupported,
                    "The Linux process sensor runs only on Linux (it reads the kernel's netlink process connector and /proc).");
            }

            int fd = OpenConnector();
            long cpuStart = LinuxSensorClock.ThreadCpuTicks();
            try
            {
                StartAudit(writer);
                _bootSeconds = ProcFs.BootTimeSeconds() ?? 0;
                if (_options.ReportRunningProcesses)
                {
                    // Subscribed first, scanned second: an exec during the scan is queued in the socket, not missed.
                    ReportRunning(writer);
                }

                _snapshotEndNs = (ulong)LinuxSensorClock.MonotonicNs();
                writer.Flush();
                Loop(fd, writer, cancellationToken, cpuStart);
            }
            finally
            {
                try
                {
                    Drain(writer, force: true);
                }
                finally
                {
                    StopAudit();
                    Libc.close(fd);
                    Interlocked.Exchange(ref _cpuTicks, LinuxSensorClock.ThreadCpuTicks() - cpuStart);
                    writer.Flush();
                }
            }
        }

        private void StartAudit(IEventWriter writer)
        {
            if (!_options.UseAudit)
            {
                _auditState = LinuxAuditState.Off;
                Volatile.Write(ref _auditReason, "not used (UseAudit is false)");
                return;
            }

            var audit = new LinuxAuditExecReader();
            if (audit.Start())
            {
                Volatile.Write(ref _audit, audit);
                return;
            }

            _auditState = audit.State;
            Volatile.Write(ref _auditReason, audit.Reason);
            audit.Dispose();
            writer.Problem(new ReplayProblem(Source, 0, ErrorIds.LinuxAuditUnavailable,
                "The process sensor runs without the kernel audit subsystem (" + audit.State + "): " + audit.Reason
                + ". Processes that exit before /proc is read are reported without their command line and folder."));
        }

        private void StopAudit()
        {
            LinuxAuditExecReader? audit = Volatile.Read(ref _audit);
            if (audit is null)
            {
                return;
            }

            audit.Dispose();
        }

        /// <summary>
        /// Writes what waits in order. An exec waiting for its audit record holds everything behind it (so its exit and
        /// its children never come first) until the record comes or its wait ends (or <paramref name="force"/>).
        /// </summary>
        private int Drain(IEventWriter writer, bool force)
        {
            int written = 0;
            long now = Stopwatch.GetTimestamp();
            while (_outbox.Count > 0)
            {
                Outgoing head = _outbox.Peek();
                if (head.Held is KnownProcess held)
                {
                    AuditExec? record = _audit?.TryTake(held.Pid, head.Time, held.Image);
                    if (record is not null)
                    {
                        Fill(held, record);
                    }
                    else if (!force && now < head.Deadline && _outbox.Count < MaxOutgoing)
                    {
                        break;
                    }
                    else
                    {
                        Interlocked.Increment(ref _auditMissed);
                    }
                }

                _outbox.Dequeue();
                try
                {
                    EventRecord built = head.Held is KnownProcess p
                        ? CreateRecord(p, head.Parent ?? (p.ParentPid > 0 ? Find(p.ParentPid) : null), head.Time, snapshot: false, forked: false)
                        : head.Build!();
                    Write(writer, built);
                    written++;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _failures);
                }
            }

            return written;
        }

        /// <summary>Writes a record now, or behind what waits.</summary>
        private void Emit(IEventWriter writer, Func<EventRecord> build)
        {
            if (_outbox.Count == 0)
            {
                Write(writer, build());
                return;
            }

            _outbox.Enqueue(new Outgoing { Build = build });
        }

        /// <summary>Completes an exec /proc could not read from its audit record (only what /proc did not give).</summary>
        private void Fill(KnownProcess process, AuditExec record)
        {
            if (string.IsNullOrEmpty(process.CommandLine) && !string.IsNullOrEmpty(record.CommandLine))
            {
                process.CommandLine = record.CommandLine;
            }

            process.CurrentDirectory ??= record.Cwd;
            if (process.Image is null && record.Exe is not null)
            {
                process.Image = record.Exe;
                process.Sha256 ??= _hashes.Sha256OfPath(record.Exe);
            }

            if (process.UserId is null && record.Uid is uint uid)
            {
                process.UserId = uid;
                process.User = _users.NameOf(uid);
            }

            if (process.ParentPid <= 0)
            {
                process.ParentPid = record.ParentPid;
            }

            Interlocked.Increment(ref _auditFilled);
        }

        /// <summary>The error of a failed socket call: a privilege error for EPERM/EACCES, else the sensor is unavailable.</summary>
        internal static BehaviorBlockingException ConnectorError(string call, int errno)
        {
            string text = Libc.Describe(errno) + " (errno " + errno.ToString(CultureInfo.InvariantCulture) + ")";
            if (errno == Libc.EPERM || errno == Libc.EACCES)
            {
                return new BehaviorBlockingException(ErrorIds.ProcessSensorRequiresNetAdmin, FailureKind.AccessDenied,
                    "The Linux process sensor needs root, or CAP_NET_ADMIN to join the kernel's process connector and CAP_SYS_PTRACE to read every process's /proc entries: "
                    + call + " failed: " + text + ". Run the monitor as root.");
            }

            return new BehaviorBlockingException(ErrorIds.LinuxSensorUnavailable, FailureKind.Unavailable,
                "The Linux process sensor could not open the kernel's process connector: " + call + " failed: " + text + ".");
        }

        private int OpenConnector()
        {
            int fd = Libc.socket(Libc.AfNetlink, Libc.SockDgram | Libc.SockCloexec, NetlinkConnector);
            if (fd < 0)
            {
                throw ConnectorError("socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR)", Libc.Errno());
            }

            try
            {
                int size = Math.Max(64 * 1024, _options.ReceiveBufferBytes);
                if (Libc.setsockopt(fd, Libc.SolSocket, Libc.SoRcvBufForce, ref size, 4) != 0)
                {
                    Libc.setsockopt(fd, Libc.SolSocket, Libc.SoRcvBuf, ref size, 4);
                }

                uint optionLength = 4;
                if (Libc.getsockopt(fd, Libc.SolSocket, Libc.SoRcvBuf, out int granted, ref optionLength) == 0)
                {
                    Volatile.Write(ref _receiveBuffer, granted);
                }

                byte[] address = NetlinkAddress(0, ProcConnectorParser.CnIdxProc);
                if (Libc.bind(fd, address, (uint)address.Length) != 0)
                {
                    throw ConnectorError("bind(AF_NETLINK, groups CN_IDX_PROC)", Libc.Errno());
                }

                byte[] listen = ProcConnectorParser.BuildMulticastRequest(listen: true, CurrentProcess.Id);
                byte[] kernel = NetlinkAddress(0, 0);
                if (Libc.sendto(fd, listen, (UIntPtr)listen.Length, 0, kernel, (uint)kernel.Length).ToInt64() < 0)
                {
                    throw ConnectorError("sendto(PROC_CN_MCAST_LISTEN)", Libc.Errno());
                }

                return fd;
            }
            catch
            {
                Libc.close(fd);
                throw;
            }
        }

        private void Loop(int fd, IEventWriter writer, CancellationToken cancellationToken, long cpuStart)
        {
            var fds = new[] { new PollFd { Fd = fd, Events = (short)Libc.PollIn } };
            byte[] buffer = new byte[64 * 1024];
            byte[] from = new byte[12];
            int pending = 0;
            long lastCpu = Environment.TickCount;
            while (!cancellationToken.IsCancellationRequested)
            {
                fds[0].ReturnedEvents = 0;
                int ready = Libc.poll(fds, (UIntPtr)1, pending > 0 || _outbox.Count > 0 ? ShortPollMs : PollTimeoutMs);
                if (_outbox.Count > 0)
                {
                    pending += Drain(writer, force: false);
                }

                if (Environment.TickCount - lastCpu > 250)
                {
                    lastCpu = Environment.TickCount;
                    Interlocked.Exchange(ref _cpuTicks, LinuxSensorClock.ThreadCpuTicks() - cpuStart);
                }

                if (ready < 0 && Libc.Errno() != Libc.EINTR)
                {
                    throw ConnectorError("poll", Libc.Errno());
                }

                if (ready <= 0)
                {
                    // Idle: hand over what waits, so an event never sits for a full batch.
                    if (pending > 0)
                    {
                        writer.Flush();
                        pending = 0;
                    }

                    continue;
                }

                // Drain what is queued (bounded, so cancellation is seen during a storm).
                for (int i = 0; i < 256 && !cancellationToken.IsCancellationRequested; i++)
                {
                    uint fromLength = (uint)from.Length;
                    long n = Libc.recvfrom(fd, buffer, (UIntPtr)buffer.Length, Libc.MsgDontWait, from, ref fromLength).ToInt64();
                    if (n < 0)
                    {
                        int errno = Libc.Errno();
                        if (errno == Libc.ENOBUFS)
                        {
                            Interlocked.Increment(ref _lost);
                            ReportLossOnce(writer);
                            continue;
                        }

                        if (errno == Libc.EINTR)
                        {
                            continue;
                        }

                        if (errno == Libc.EAGAIN)
                        {
                            break;
                        }

                        throw ConnectorError("recvfrom", errno);
                    }

                    // Only the kernel (netlink port 0) speaks for the connector.
                    if (fromLength >= 8 && BitConverter.ToUInt32(from, 4) != 0)
                    {
                        continue;
                    }

                    pending += Handle(buffer, (int)n, writer);
                }

                if (pending >= 256)
                {
                    writer.Flush();
                    pending = 0;
                }
            }
        }

        /// <summary>Parses one datagram and acts on its events; returns the events written.</summary>
        internal int Handle(byte[] buffer, int length, IEventWriter writer)
        {
            _parsed.Clear();
            ProcConnectorCounts counts = ProcConnectorParser.Parse(buffer, length, _parsed);
            if (counts.Malformed > 0)
            {
                Interlocked.Add(ref _malformed, counts.Malformed);
                if (!_malformedReported)
                {
                    _malformedReported = true;
                    writer.Problem(new ReplayProblem(Source, 0, ErrorIds.RecordMalformed,
                        "A process connector message of " + length.ToString(CultureInfo.InvariantCulture) + " bytes did not fit its own lengths and was skipped (reported once; see the sensor's MalformedMessages count)."));
                }
            }

            int written = 0;
            foreach (ProcEvent e in _parsed)
            {
                try
                {
                    switch (e.Kind)
                    {
                        case ProcEventKind.Fork:
                            OnFork(e);
                            break;
                        case ProcEventKind.Exec:
                            written += OnExec(e, writer);
                            break;
                        case ProcEventKind.Exit:
                            written += OnExit(e, writer);
                            break;
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // One event must never stop the sensor: count it and say so once.
                    Interlocked.Increment(ref _failures);
                    if (!_failureReported)
                    {
                        _failureReported = true;
                        writer.Problem(new ReplayProblem(Source, 0, ErrorIds.RecordMalformed,
                            "A " + e.Kind.ToString().ToLowerInvariant() + " event of PID " + e.Tgid.ToString(CultureInfo.InvariantCulture) + " could not be reported: " + ex.Message + " (reported once; see the sensor's Failures count)."));
                    }
                }
            }

            return written;
        }

        private void OnFork(ProcEvent e)
        {
            if (!e.IsProcess)
            {
                return; // a new thread
            }

            KnownProcess? parent = Find(e.ParentTgid);
            Remember(new KnownProcess(e.Tgid)
            {
                ParentPid = e.ParentTgid,
                Image = parent?.Image,
                CommandLine = parent?.CommandLine,
                User = parent?.User,
                UserId = parent?.UserId,
                EventNs = e.TimestampNs,
            });
        }

        private int OnExec(ProcEvent e, IEventWriter writer)
        {
            int pid = e.Tgid;
            KnownProcess? before = Find(pid);

            // The executable first: a short-lived process is most often still there for the first read.
            string? image = ProcFs.Executable(pid);
            ProcStat? stat = ProcFs.ReadStat(pid);
            KnownProcess process;
            if (stat is null || stat.Value.HasExited)
            {
                // Exited before it could be read: report what the kernel, the map and the first read know.
                Interlocked.Increment(ref _gone);
                process = new KnownProcess(pid)
                {
                    ParentPid = before?.ParentPid ?? stat?.ParentId ?? 0,
                    EventNs = e.TimestampNs,
                    Image = image,
                    Sha256 = image is null ? null : _hashes.Sha256OfPath(image),

                    // The real uid survives exec: the one the process had at fork is still right.
                    User = before?.User,
                    UserId = before?.UserId,
                };
                process.SetStart(stat?.StartTicks ?? (before is { HasStart: true } ? before.StartTicks : ApproximateTicks(before?.EventNs ?? e.TimestampNs)));
            }
            else
            {
                process = Enrich(pid, stat.Value, image);
                if (before is not null && before.Announced && before.FromSnapshot && before.StartTicks == process.StartTicks
                    && e.TimestampNs <= _snapshotEndNs && string.Equals(before.Image, process.Image, StringComparison.Ordinal)
                    && string.Equals(before.CommandLine, process.CommandLine, StringComparison.Ordinal))
                {
                    // The snapshot already read this process after this exec.
                    Interlocked.Increment(ref _duplicates);
                    return 0;
                }
            }

            process.Announced = true;
            Remember(process);
            int written = AnnounceAncestors(process.ParentPid, writer);
            KnownProcess? parent = process.ParentPid > 0 ? Find(process.ParentPid) : null;
            DateTimeOffset time = _clock.ToUtc(e.TimestampNs);
            LinuxAuditExecReader? audit = _audit;
            if (audit is not null && audit.State == LinuxAuditState.Active && string.IsNullOrEmpty(process.CommandLine))
            {
                // /proc was too late: the audit record of this exec has what it lost (it may come a little after the connector's event).
                AuditExec? record = audit.TryTake(pid, time, process.Image);
                if (record is not null)
                {
                    Fill(process, record);
                }
                else
                {
                    _outbox.Enqueue(new Outgoing { Held = process, Parent = parent, Time = time, Deadline = Stopwatch.GetTimestamp() + _auditWaitTicks });
                    return written + 1;
                }
            }

            Emit(writer, () => CreateRecord(process, parent, time, snapshot: false, forked: false));
            return written + 1;
        }

        private int OnExit(ProcEvent e, IEventWriter writer)
        {
            if (!e.IsProcess)
            {
                return 0; // a thread other than the leader
            }

            KnownProcess? process;
            lock (_known)
            {
                if (!_known.TryGetValue(e.Tgid, out process))
                {
                    return 0;
                }

                _known.Remove(e.Tgid);
            }

            if (!process.Announced || !process.HasStart)
            {
                return 0; // never reported: its exit would name a process the graph never saw
            }

            DateTimeOffset time = _clock.ToUtc(e.TimestampNs);
            KnownProcess exited = process;
            Emit(writer, () => ExitRecord(exited, time));
            return 1;
        }

        private EventRecord ExitRecord(KnownProcess process, DateTimeOffset time)
        {
            var fields = new List<KeyValuePair<string, string>>(6);
            SysmonFields.AddIfKnown(fields, LinuxEvents.UtcTime, SysmonFields.UtcTimeText(time));
            SysmonFields.AddIfKnown(fields, LinuxEvents.ProcessGuid, LinuxSensorClock.GuidText(process.Guid));
            SysmonFields.AddIfKnown(fields, LinuxEvents.ProcessId, LinuxRecords.Text(process.Pid));
            SysmonFields.AddIfKnown(fields, LinuxEvents.Image, process.Image);
            SysmonFields.AddIfKnown(fields, LinuxEvents.User, process.User);
            return LinuxRecords.Record(LinuxEvents.ProcessTerminate, time, _computer, fields);
        }

        /// <summary>Reports an unreported, fork-only parent (and its own unreported ancestors) before its child's exec, so the tree stays linked.</summary>
        private int AnnounceAncestors(int parentPid, IEventWriter writer)
        {
            var chain = new List<KnownProcess>();
            int pid = parentPid;
            while (pid > 0 && chain.Count < MaxAnnounceDepth)
            {
                KnownProcess? parent = Find(pid);
                if (parent is null)
                {
                    // Missed (lost messages, or the map was full): read it from /proc if it still runs.
                    if (ProcFs.ReadStat(pid) is ProcStat stat && !stat.HasExited && !stat.IsKernelThread)
                    {
                        parent = Enrich(pid, stat, ProcFs.Executable(pid));
                        Remember(parent);
                    }
                    else
                    {
                        break;
                    }
                }

                if (parent.Announced)
                {
                    break;
                }

                if (!parent.HasStart)
                {
                    parent.SetStart(ProcFs.ReadStat(pid)?.StartTicks ?? ApproximateTicks(parent.EventNs));
                }

                parent.Announced = true;
                chain.Add(parent);
                pid = parent.ParentPid;
            }

            for (int i = chain.Count - 1; i >= 0; i--)
            {
                KnownProcess p = chain[i];
                DateTimeOffset time = p.EventNs != 0 ? _clock.ToUtc(p.EventNs) : StartTime(p.StartTicks);
                KnownProcess? up = p.ParentPid > 0 ? Find(p.ParentPid) : null;
                Emit(writer, () => CreateRecord(p, up, time, snapshot: false, forked: p.EventNs != 0));
            }

            return chain.Count;
        }

        private void ReportRunning(IEventWriter writer)
        {
            var running = new List<KnownProcess>();
            foreach (ProcStat stat in ProcFs.Snapshot())
            {
                if (stat.IsKernelThread || stat.HasExited || stat.ProcessId == 2)
                {
                    continue;
                }

                KnownProcess process = Enrich(stat.ProcessId, stat, ProcFs.Executable(stat.ProcessId));
                process.Announced = true;
                process.FromSnapshot = true;
                running.Add(process);
                Remember(process);
            }

            // Oldest first, and every parent before its children (an orphan re-parented to a younger subreaper included).
            running.Sort((a, b) => a.StartTicks.CompareTo(b.StartTicks));
            var byPid = new Dictionary<int, KnownProcess>(running.Count);
            foreach (KnownProcess process in running)
            {
                byPid[process.Pid] = process;
            }

            var written = new HashSet<int>();
            var chain = new List<KnownProcess>();
            foreach (KnownProcess process in running)
            {
                chain.Clear();
                for (KnownProcess? p = process; p is not null && !written.Contains(p.Pid) && chain.Count < 4096; p = byPid.TryGetValue(p.ParentPid, out KnownProcess? up) ? up : null)
                {
                    chain.Add(p);
                    written.Add(p.Pid);
                }

                for (int i = chain.Count - 1; i >= 0; i--)
                {
                    try
                    {
                        KnownProcess p = chain[i];
                        Write(writer, CreateRecord(p, p.ParentPid > 0 ? Find(p.ParentPid) : null, StartTime(p.StartTicks), snapshot: true, forked: false));
                        Interlocked.Increment(ref _snapshotProcesses);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        Interlocked.Increment(ref _failures);
                    }
                }
            }
        }

        private KnownProcess Enrich(int pid, ProcStat stat, string? image)
        {
            var process = new KnownProcess(pid) { ParentPid = stat.ParentId, Image = image };
            process.SetStart(stat.StartTicks);
            process.CommandLine = _reader.CommandLine(pid);
            process.CurrentDirectory = ProcProcessReader.CurrentDirectory(pid);
            process.UserId = _reader.RealUid(pid);
            if (process.UserId is uint uid)
            {
                process.User = _users.NameOf(uid);
            }

            process.Sha256 = HashExecutable(pid);
            if (image is null || process.CommandLine is null || process.CurrentDirectory is null || process.UserId is null || process.Sha256 is null)
            {
                Interlocked.Increment(ref _enrichmentFailures);
            }

            return process;
        }

        private string? HashExecutable(int pid)
        {
            // /proc/PID/exe opens the very inode the process runs, even when its path was replaced or deleted.
            int fd = Libc.open("/proc/" + LinuxRecords.Text(pid) + "/exe", 0x80000 /* O_RDONLY | O_CLOEXEC */);
            if (fd < 0)
            {
                return null;
            }

            try
            {
                return _hashes.Sha256OfDescriptor(fd);
            }
            finally
            {
                Libc.close(fd);
            }
        }

        private EventRecord CreateRecord(KnownProcess process, KnownProcess? parent, DateTimeOffset time, bool snapshot, bool forked)
        {
            var fields = new List<KeyValuePair<string, string>>(18);
            SysmonFields.AddIfKnown(fields, LinuxEvents.UtcTime, SysmonFields.UtcTimeText(time));
            SysmonFields.AddIfKnown(fields, LinuxEvents.ProcessGuid, LinuxSensorClock.GuidText(process.Guid));
            SysmonFields.AddIfKnown(fields, LinuxEvents.ProcessId, LinuxRecords.Text(process.Pid));
            SysmonFields.AddIfKnown(fields, LinuxEvents.Image, process.Image);
            SysmonFields.AddIfKnown(fields, LinuxEvents.CommandLine, process.CommandLine);
            SysmonFields.AddIfKnown(fields, LinuxEvents.CurrentDirectory, process.CurrentDirectory);
            SysmonFields.AddIfKnown(fields, LinuxEvents.User, process.User);
            SysmonFields.AddIfKnown(fields, LinuxEvents.UserId, process.UserId?.ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, LinuxEvents.Hashes, process.Sha256 is null ? null : "SHA256=" + process.Sha256);
            if (parent is not null && !parent.HasStart && ProcFs.ReadStat(parent.Pid) is ProcStat parentStat)
            {
                parent.SetStart(parentStat.StartTicks);
            }

            if (parent is not null && parent.HasStart)
            {
                SysmonFields.AddIfKnown(fields, LinuxEvents.ParentProcessGuid, LinuxSensorClock.GuidText(parent.Guid));
            }

            if (process.ParentPid > 0)
            {
                SysmonFields.AddIfKnown(fields, LinuxEvents.ParentProcessId, LinuxRecords.Text(process.ParentPid));
            }

            SysmonFields.AddIfKnown(fields, LinuxEvents.ParentImage, parent?.Image);
            SysmonFields.AddIfKnown(fields, LinuxEvents.ParentCommandLine, parent?.CommandLine);
            SysmonFields.AddIfKnown(fields, LinuxEvents.ParentUser, parent?.User);
            if (snapshot)
            {
                SysmonFields.AddIfKnown(fields, SnapshotField, "true");
            }

            if (forked)
            {
                SysmonFields.AddIfKnown(fields, ForkedField, "true");
            }

            return LinuxRecords.Record(LinuxEvents.ProcessCreate, time, _computer, fields);
        }

        private void Write(IEventWriter writer, EventRecord record)
        {
            writer.Write(_normalizer.Normalize(record));
            Interlocked.Increment(ref _events);
        }

        private KnownProcess? Find(int pid)
        {
            lock (_known)
            {
                return _known.TryGetValue(pid, out KnownProcess? known) ? known : null;
            }
        }

        private void Remember(KnownProcess process)
        {
            lock (_known)
            {
                if (_known.Count >= Math.Max(16, _options.ProcessMapCapacity) && !_known.ContainsKey(process.Pid))
                {
                    Prune();
                }

                _known[process.Pid] = process;
            }
        }

        /// <summary>Drops the entries of processes that are gone (their exits were lost); if that frees too little, the oldest half.</summary>
        private void Prune()
        {
            var gone = new List<int>();
            foreach (KeyValuePair<int, KnownProcess> entry in _known)
            {
                ProcStat? stat = ProcFs.ReadStat(entry.Key);
                if (stat is null || (entry.Value.HasStart && stat.Value.StartTicks != entry.Value.StartTicks))
                {
                    gone.Add(entry.Key);
                }
            }

            foreach (int pid in gone)
            {
                _known.Remove(pid);
            }

            int capacity = Math.Max(16, _options.ProcessMapCapacity);
            if (_known.Count >= capacity * 3 / 4)
            {
                var byAge = new List<KnownProcess>(_known.Values);
                byAge.Sort((a, b) => a.StartTicks.CompareTo(b.StartTicks));
                for (int i = 0; i < byAge.Count / 2; i++)
                {
                    _known.Remove(byAge[i].Pid);
                }
            }
        }

        private void ReportLossOnce(IEventWriter writer)
        {
            if (_lossReported)
            {
                return;
            }

            _lossReported = true;
            writer.Problem(new ReplayProblem(Source, 0, ErrorIds.SensorEventsLost,
                "The kernel dropped process events: the process connector's receive buffer (" + ReceiveBufferBytes.ToString(CultureInfo.InvariantCulture)
                + " bytes) overflowed (recv: ENOBUFS). Reported once; see the sensor's LostMessages count."));
        }

        private DateTimeOffset StartTime(ulong startTicks)
        {
            double seconds = (double)startTicks / ProcFs.ClockTicksPerSecond;
            return DateTimeOffset.FromUnixTimeSeconds(_bootSeconds).AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        }

        /// <summary>Start ticks estimated from a kernel timestamp, for a process that vanished before /proc could be read.</summary>
        private static ulong ApproximateTicks(ulong monotonicNs) => monotonicNs / (ulong)(1_000_000_000L / Math.Max(1, ProcFs.ClockTicksPerSecond));

        private static byte[] NetlinkAddress(uint portId, uint groups)
        {
            // struct sockaddr_nl: family (u16), pad (u16), pid (u32), groups (u32).
            var address = new byte[12];
            BitConverter.GetBytes((ushort)Libc.AfNetlink).CopyTo(address, 0);
            BitConverter.GetBytes(portId).CopyTo(address, 4);
            BitConverter.GetBytes(groups).CopyTo(address, 8);
            return address;
        }

        /// <summary>A record waiting to be written: built when written, or an exec waiting for its audit record.</summary>
        private sealed class Outgoing
        {
            internal Func<EventRecord>? Build { get; set; }

            internal KnownProcess? Held { get; set; }

            internal KnownProcess? Parent { get; set; }

            internal DateTimeOffset Time { get; set; }

            internal long Deadline { get; set; }
        }

        /// <summary>What the sensor remembers of a process.</summary>
        private sealed class KnownProcess
        {
            internal KnownProcess(int pid) => Pid = pid;

            internal int Pid { get; }

            internal int ParentPid { get; set; }

            internal string? Image { get; set; }

            internal string? CommandLine { get; set; }

            internal string? CurrentDirectory { get; set; }

            internal string? User { get; set; }

            internal uint? UserId { get; set; }

            internal string? Sha256 { get; set; }

            internal ulong StartTicks { get; private set; }

            internal bool HasStart { get; private set; }

            internal Guid Guid { get; private set; }

            /// <summary>Kernel time of the fork that created it, 0 when it came from /proc.</summary>
            internal ulong EventNs { get; set; }

            /// <summary>A process-create event was written for it.</summary>
            internal bool Announced { get; set; }

            internal bool FromSnapshot { get; set; }

            internal void SetStart(ulong ticks)
            {
                StartTicks = ticks;
                HasStart = true;
                Guid = LinuxProcessGuid.For(Pid, ticks);
            }
        }
    }
}
