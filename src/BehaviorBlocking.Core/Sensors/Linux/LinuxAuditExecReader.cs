using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Whether a <see cref="LinuxAuditExecReader"/> reads exec records, and if not, why.</summary>
    public enum LinuxAuditState
    {
        /// <summary>Not started (or the sensor was told not to use audit).</summary>
        Off = 0,

        /// <summary>The reader owns audit: its rule is in the kernel and records come to it.</summary>
        Active = 1,

        /// <summary>Stopped: the rule was removed and the audit settings restored.</summary>
        Stopped = 2,

        /// <summary>Not Linux, or the kernel has no audit support.</summary>
        NotSupported = 3,

        /// <summary>Another live process (normally auditd) owns audit; the reader does not take it over.</summary>
        OwnedByAnotherProcess = 4,

        /// <summary>Another reader in this process owns audit.</summary>
        InUseInThisProcess = 5,

        /// <summary>The audit configuration is locked (<c>enabled=2</c>) or its failure mode is panic; the reader leaves it alone.</summary>
        LeftAlone = 6,

        /// <summary>Missing privilege (CAP_AUDIT_CONTROL, CAP_AUDIT_READ).</summary>
        AccessDenied = 7,

        /// <summary>A step of the setting-up failed; what was done was undone.</summary>
        Failed = 8,
    }

    /// <summary>
    /// Reads the arguments, executable, working folder and uid of every successful exec from the kernel's audit
    /// subsystem, which records them at exec time whatever happens to the process afterwards. Owns audit while it
    /// runs (registers as the audit daemon, enables auditing, adds one exit rule per architecture for execve and
    /// execveat keyed <c>behaviorblock</c>, never stalls a process on a full backlog) and undoes all of it on
    /// <see cref="Dispose"/>. Never takes audit from another live daemon. Records are read on its own thread.
    /// </summary>
    public sealed class LinuxAuditExecReader : IDisposable
    {
        /// <summary>The key of the reader's rules (auditctl's <c>-k</c>), so they are recognisable.</summary>
        public const string RuleKey = "behaviorblock";

        private const ushort AuditGet = 1000;
        private const ushort AuditSet = 1001;
        private const ushort AuditAddRule = 1011;
        private const ushort AuditDelRule = 1012;
        private const ushort AuditListRules = 1013;
        private const ushort NlmsgError = 2;
        private const ushort NlmsgDone = 3;
        private const ushort NlmFRequest = 1;
        private const ushort NlmFAck = 4;
        private const uint StatusEnabled = 0x1;
        private const uint StatusPid = 0x4;
        private const uint StatusBacklogLimit = 0x10;
        private const uint StatusBacklogWaitTime = 0x20;
        private const uint FeatureBacklogWaitTime = 0x2;
        private const int RuleFixedBytes = 12 + (64 * 4) + (3 * 64 * 4) + 4;
        private const int PollTimeoutMs = 200;
        private const int StoreCapacity = 4096;
        private static readonly long StoreAge = Stopwatch.Frequency * 5;
        private static int _ownedInProcess;

        private readonly object _gate = new object();
        private readonly Dictionary<int, List<Stored>> _byPid = new Dictionary<int, List<Stored>>();
        private readonly Queue<Stored> _age = new Queue<Stored>();
        private readonly AuditRecordAssembler _assembler = new AuditRecordAssembler(RuleKey);
        private readonly List<byte[]> _rulesAdded = new List<byte[]>();
        private readonly int _receiveBufferBytes;
        private int _control = -1;
        private int _records = -1;
        private uint _seq;
        private bool _owns;
        private bool _pidSet;
        private AuditStatus _before;
        private bool _enabledChanged;
        private bool _backlogChanged;
        private Thread? _thread;
        private volatile bool _stop;
        private int _disposed;
        private long _recordCount;
        private long _execs;
        private long _lostReceive;
        private long _expired;
        private long _taken;
        private long _staleRules;
        private long _kernelLost;
        private long _cpuTicks;
        private string _reason = "not started";

        /// <summary>Creates a reader (nothing happens until <see cref="Start"/>).</summary>
        public LinuxAuditExecReader(int receiveBufferBytes = 8 * 1024 * 1024)
        {
            _receiveBufferBytes = Math.Max(256 * 1024, receiveBufferBytes);
        }

        /// <summary>Whether records are read, and if not, why (see <see cref="Reason"/>).</summary>
        public LinuxAuditState State { get; private set; }

        /// <summary>What the reader did or why it does not read audit, in words.</summary>
        public string Reason => Volatile.Read(ref _reason);

        /// <summary>Audit records received.</summary>
        public long Records => Interlocked.Read(ref _recordCount);

        /// <summary>Successful execs assembled.</summary>
        public long Execs => Interlocked.Read(ref _execs);

        /// <summary>Records that did not parse.</summary>
        public long Malformed
        {
            get
            {
                lock (_gate)
                {
                    return _assembler.Malformed;
                }
            }
        }

        /// <summary>Times the reader's socket overflowed (ENOBUFS: records lost).</summary>
        public long LostReceive => Interlocked.Read(ref _lostReceive);

        /// <summary>Execs nobody asked for within 5 s (or beyond the store's bound), dropped.</summary>
        public long Expired => Interlocked.Read(ref _expired);

        /// <summary>Execs handed to a sensor.</summary>
        public long Taken => Interlocked.Read(ref _taken);

        /// <summary>Rules with <see cref="RuleKey"/> left by an earlier run that did not stop cleanly, removed at start.</summary>
        public long StaleRulesRemoved => Interlocked.Read(ref _staleRules);

        /// <summary>CPU time of the reading thread (updated at each wake-up).</summary>
        public TimeSpan CpuTime => TimeSpan.FromTicks(Interlocked.Read(ref _cpuTicks));

        /// <summary>Records the kernel counted lost (backlog full) while the reader owned audit; known after <see cref="Dispose"/>.</summary>
        public long KernelLost => Interlocked.Read(ref _kernelLost);

        /// <summary>
        /// Takes audit if nobody else owns it: true when records are read. Otherwise <see cref="State"/> and
        /// <see cref="Reason"/> say why, and nothing on the machine was changed (a failed step is undone).
        /// </summary>
        public bool Start()
        {
            if (State != LinuxAuditState.Off)
            {
                return State == LinuxAuditState.Active;
            }

            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return Refuse(LinuxAuditState.NotSupported, "the kernel audit subsystem exists only on Linux");
            }

            if (Interlocked.CompareExchange(ref _ownedInProcess, 1, 0) != 0)
            {
                return Refuse(LinuxAuditState.InUseInThisProcess, "another sensor in this process already reads audit");
            }

            _owns = true;
            try
            {
                return SetUp();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                TearDown();
                return Refuse(LinuxAuditState.Failed, "setting up audit failed: " + ex.Message);
            }
        }

        /// <summary>
        /// Takes the exec of <paramref name="pid"/> nearest to <paramref name="near"/> (within 2 s; when
        /// <paramref name="image"/> is known, the executable must match).
        /// </summary>
        internal AuditExec? TryTake(int pid, DateTimeOffset near, string? image)
        {
            lock (_gate)
            {
                if (!_byPid.TryGetValue(pid, out List<Stored>? list))
                {
                    return null;
                }

                int best = -1;
                double bestDistance = double.MaxValue;
                for (int i = 0; i < list.Count; i++)
                {
                    AuditExec e = list[i].Exec;
                    double distance = Math.Abs((e.Time - near).TotalMilliseconds);
                    if (distance <= 2000 && distance < bestDistance && (image is null || e.Exe is null || string.Equals(e.Exe, image, StringComparison.Ordinal)))
                    {
                        best = i;
                        bestDistance = distance;
                    }
                }

                if (best < 0)
                {
                    return null;
                }

                Stored found = list[best];
                found.Taken = true;
                list.RemoveAt(best);
                if (list.Count == 0)
                {
                    _byPid.Remove(pid);
                }

                Interlocked.Increment(ref _taken);
                return found.Exec;
            }
        }

        /// <summary>Removes the rule, unregisters, restores the audit settings found at start, and stops the reading thread.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            bool wasActive = State == LinuxAuditState.Active;
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            TearDown();
            if (wasActive)
            {
                State = LinuxAuditState.Stopped;
                Volatile.Write(ref _reason, "stopped: rule removed, audit settings restored");
            }
        }

        private void OnProcessExit(object? sender, EventArgs e) => Dispose();

        /// <summary>The decision at start, from what AUDIT_GET said: whether to take audit, and if not why.</summary>
        internal static (LinuxAuditState State, string? Reason) Decide(AuditStatus status, int ownPid, Func<int, bool> isAlive)
        {
            if (status.Enabled == 2)
            {
                return (LinuxAuditState.LeftAlone, "the audit configuration is locked (enabled=2, set by auditctl -e 2); its rules cannot change until reboot");
            }

            if (status.Failure == 2)
            {
                return (LinuxAuditState.LeftAlone, "the audit failure mode is panic (auditctl -f 2): a lost record would halt the machine");
            }

            if (status.Pid != 0 && status.Pid == ownPid)
            {
                return (LinuxAuditState.InUseInThisProcess, "this process is already the audit daemon");
            }

            if (status.Pid != 0 && isAlive((int)status.Pid))
            {
                string pid = status.Pid.ToString(CultureInfo.InvariantCulture);
                byte[] buffer = new byte[256];
                string? comm = LinuxNative.ReadSmallFile("/proc/" + pid + "/comm", ref buffer)?.Trim();
                return (LinuxAuditState.OwnedByAnotherProcess, "audit is owned by PID " + pid + (string.IsNullOrEmpty(comm) ? string.Empty : " (" + comm + ")")
                    + "; the sensor does not take it over (an audit daemon's rules and records are its own)");
            }

            return (LinuxAuditState.Active, null);
        }

        /// <summary>Whether a process lives (kill(pid, 0) succeeds or is refused for permission).</summary>
        internal static bool IsAlive(int pid)
        {
            if (pid <= 0)
            {
                return false;
            }

            int errno = LinuxNative.SendSignal(pid, 0);
            return errno == 0 || errno == Libc.EPERM;
        }

        /// <summary>AUDIT_GET on a socket of its own; null when audit cannot be asked.</summary>
        internal static AuditStatus? QueryStatus()
        {
            var reader = new LinuxAuditExecReader();
            int fd = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
            if (fd < 0)
            {
                return null;
            }

            try
            {
                return reader.GetStatus(fd);
            }
            catch (InvalidOperationException)
            {
                return null;
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>The rules in the kernel whose key is <see cref="RuleKey"/> (AUDIT_LIST_RULES), as their raw data.</summary>
        internal static List<byte[]> ListOwnRules()
        {
            var reader = new LinuxAuditExecReader();
            int fd = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
            if (fd < 0)
            {
                throw new InvalidOperationException("socket(AF_NETLINK, NETLINK_AUDIT) failed: " + Describe(Libc.Errno()));
            }

            try
            {
                return reader.ListRules(fd);
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>Adds a rule with <see cref="RuleKey"/> as a run that was killed would leave it (tests of the clean-up at start).</summary>
        internal static void AddRuleForTest()
        {
            var reader = new LinuxAuditExecReader();
            int fd = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
            try
            {
                reader.Request(fd, AuditAddRule, BuildRule(Rules()[0]), "AUDIT_ADD_RULE");
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>Deletes a rule given as its raw data.</summary>
        internal static void DeleteRule(byte[] rule)
        {
            var reader = new LinuxAuditExecReader();
            int fd = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
            try
            {
                reader.Request(fd, AuditDelRule, rule, "AUDIT_DEL_RULE");
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>The rule data of one exit rule: always, syscalls execve/execveat of the architecture, success only, key.</summary>
        internal static byte[] BuildRule((uint Arch, int[] Syscalls) rule)
        {
            byte[] key = Encoding.ASCII.GetBytes(RuleKey);
            var data = new byte[RuleFixedBytes + key.Length];
            const uint FilterExit = 0x04;
            const uint ActionAlways = 2;
            const uint Equal = 0x40000000;
            Put(data, 0, FilterExit);
            Put(data, 4, ActionAlways);
            Put(data, 8, 3);
            foreach (int nr in rule.Syscalls)
            {
                int word = 12 + ((nr / 32) * 4);
                Put(data, word, BitConverter.ToUInt32(data, word) | (1u << (nr % 32)));
            }

            int fields = 12 + (64 * 4);
            int values = fields + (64 * 4);
            int flags = values + (64 * 4);
            (uint Field, uint Value)[] list = { (11 /* AUDIT_ARCH */, rule.Arch), (104 /* AUDIT_SUCCESS */, 1), (210 /* AUDIT_FILTERKEY */, (uint)key.Length) };
            for (int i = 0; i < list.Length; i++)
            {
                Put(data, fields + (i * 4), list[i].Field);
                Put(data, values + (i * 4), list[i].Value);
                Put(data, flags + (i * 4), Equal);
            }

            Put(data, flags + (64 * 4), (uint)key.Length);
            key.CopyTo(data, RuleFixedBytes);
            return data;
        }

        /// <summary>Whether raw rule data carries exactly our key.</summary>
        internal static bool HasOwnKey(byte[] rule, int offset, int length)
        {
            if (length < RuleFixedBytes)
            {
                return false;
            }

            uint count = Math.Min(64u, BitConverter.ToUInt32(rule, offset + 8));
            int fields = offset + 12 + (64 * 4);
            int values = fields + (64 * 4);
            long buflen = BitConverter.ToUInt32(rule, offset + RuleFixedBytes - 4);
            if (buflen > length - RuleFixedBytes)
            {
                return false;
            }

            // String fields are stored one after the other in buf, in field order.
            long at = offset + RuleFixedBytes;
            long end = at + buflen;
            for (int i = 0; i < count; i++)
            {
                uint field = BitConverter.ToUInt32(rule, fields + (i * 4));
                uint value = BitConverter.ToUInt32(rule, values + (i * 4));
                if (!IsStringField(field))
                {
                    continue;
                }

                if (value > end - at)
                {
                    return false;
                }

                if (field == 210 && value == RuleKey.Length && Encoding.ASCII.GetString(rule, (int)at, (int)value) == RuleKey)
                {
                    return true;
                }

                at += value;
            }

            return false;
        }

        private static bool IsStringField(uint field) => (field >= 13 && field <= 17) || (field >= 19 && field <= 23) || field == 105 || field == 107 || field == 112 || field == 210;

        /// <summary>(arch, syscall numbers of execve and execveat) for this machine: b64, and on x86_64 also b32.</summary>
        private static (uint Arch, int[] Syscalls)[] Rules()
        {
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.X64:
                    return new[] { (0xC000003Eu, new[] { 59, 322 }), (0x40000003u, new[] { 11, 358 }) };
                case Architecture.Arm64:
                    return new[] { (0xC00000B7u, new[] { 221, 281 }) };
                default:
                    return Array.Empty<(uint, int[])>();
            }
        }

        private bool Refuse(LinuxAuditState state, string reason)
        {
            State = state;
            Volatile.Write(ref _reason, reason);
            return false;
        }

        private bool SetUp()
        {
            (uint Arch, int[] Syscalls)[] rules = Rules();
            if (rules.Length == 0)
            {
                TearDown();
                return Refuse(LinuxAuditState.NotSupported, "no audit rule is known for " + RuntimeInformation.ProcessArchitecture);
            }

            _control = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
            if (_control < 0)
            {
                int errno = Libc.Errno();
                TearDown();
                return Refuse(errno == Libc.EPERM || errno == Libc.EACCES ? LinuxAuditState.AccessDenied : LinuxAuditState.NotSupported,
                    "socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) failed: " + Describe(errno));
            }

            AuditStatus status;
            try
            {
                status = GetStatus(_control);
            }
            catch (InvalidOperationException ex)
            {
                TearDown();
                bool denied = ex.Message.Contains("EPERM") || ex.Message.Contains("EACCES");
                return Refuse(denied ? LinuxAuditState.AccessDenied : LinuxAuditState.Failed, ex.Message + (denied ? " (reading audit needs root: CAP_AUDIT_CONTROL and CAP_AUDIT_READ)" : string.Empty));
            }

            (LinuxAuditState decision, string? why) = Decide(status, CurrentProcess.Id, IsAlive);
            if (decision != LinuxAuditState.Active)
            {
                TearDown();
                return Refuse(decision, why ?? decision.ToString());
            }

            _before = status;

            _records = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
            if (_records < 0)
            {
                throw new InvalidOperationException("socket(AF_NETLINK, NETLINK_AUDIT) failed: " + Describe(Libc.Errno()));
            }

            int size = _receiveBufferBytes;
            if (Libc.setsockopt(_records, Libc.SolSocket, Libc.SoRcvBufForce, ref size, 4) != 0)
            {
                Libc.setsockopt(_records, Libc.SolSocket, Libc.SoRcvBuf, ref size, 4);
            }

            // The pid must come from the socket the records go to: the kernel sends them to that socket's port.
            _enabledChanged = true;
            _pidSet = true;
            Request(_records, AuditSet, StatusPayload(StatusEnabled | StatusPid, enabled: 1, pid: (uint)CurrentProcess.Id), "AUDIT_SET enabled=1 pid");

            // Registered first, so the kernel's own records of the changes below come to us and not to kmsg.
            // Never stall a process on a full backlog (wait 0: a record is lost instead), and leave room for bursts.
            if ((status.FeatureBitmap & FeatureBacklogWaitTime) != 0)
            {
                _backlogChanged = true;
                Request(_control, AuditSet, StatusPayload(StatusBacklogLimit | StatusBacklogWaitTime, backlogLimit: Math.Max(status.BacklogLimit, 8192u), backlogWait: 0), "AUDIT_SET backlog");
            }

            // A run that ended without cleaning up (killed) left its rules: the kernel would log every exec to kmsg.
            foreach (byte[] stale in ListRules(_control))
            {
                Request(_control, AuditDelRule, stale, "AUDIT_DEL_RULE (stale rule)");
                Interlocked.Increment(ref _staleRules);
            }
            foreach ((uint Arch, int[] Syscalls) rule in rules)
            {
                byte[] data = BuildRule(rule);
                Request(_control, AuditAddRule, data, "AUDIT_ADD_RULE");
                _rulesAdded.Add(data);
            }

            State = LinuxAuditState.Active;
            Volatile.Write(ref _reason, "reading exec records (rule key " + RuleKey + ", " + rules.Length.ToString(CultureInfo.InvariantCulture) + " rule(s))"
                + (_staleRules > 0 ? "; removed " + _staleRules.ToString(CultureInfo.InvariantCulture) + " stale rule(s)" : string.Empty));
            _thread = new Thread(ReadLoop) { IsBackground = true, Name = "behaviorblock-audit" };
            _thread.Start();

            // A host that exits without stopping its sensors (finally blocks of background threads do not run) still undoes it all.
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
            return true;
        }

        /// <summary>Undoes, each step in its own try, what <see cref="SetUp"/> did; safe to call more than once.</summary>
        private void TearDown()
        {
            int control = _control;
            if (control < 0 && (_pidSet || _enabledChanged || _backlogChanged || _rulesAdded.Count > 0))
            {
                control = Libc.socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, Libc.NetlinkAudit);
                _control = control;
            }

            try
            {
                if (control >= 0)
                {
                    foreach (byte[] rule in _rulesAdded)
                    {
                        Try(() => Request(control, AuditDelRule, rule, "AUDIT_DEL_RULE"));
                    }

                    _rulesAdded.Clear();
                    if (_enabledChanged)
                    {
                        Try(() => Request(control, AuditSet, StatusPayload(StatusEnabled, enabled: _before.Enabled), "AUDIT_SET enabled"));
                        _enabledChanged = false;
                    }

                    if (_backlogChanged)
                    {
                        Try(() => Request(control, AuditSet, StatusPayload(StatusBacklogLimit | StatusBacklogWaitTime, backlogLimit: _before.BacklogLimit, backlogWait: _before.BacklogWaitTime), "AUDIT_SET backlog"));
                        _backlogChanged = false;
                    }

                    // Unregistered last: until then the kernel's records of these changes come to us, not to kmsg.
                    if (_pidSet)
                    {
                        // Any rule with our key left (added by a step that failed half-way) goes too.
                        Try(() =>
                        {
                            foreach (byte[] left in ListRules(control))
                            {
                                Request(control, AuditDelRule, left, "AUDIT_DEL_RULE");
                            }
                        });
                        if (_thread is not null)
                        {
                            Thread.Sleep(50); // let the kernel's audit thread hand over the records of the changes above
                        }

                        Try(() => Request(control, AuditSet, StatusPayload(StatusPid, pid: 0), "AUDIT_SET pid=0"));
                        _pidSet = false;
                    }

                    if (State == LinuxAuditState.Active)
                    {
                        Try(() =>
                        {
                            AuditStatus after = GetStatus(control);
                            Interlocked.Exchange(ref _kernelLost, Math.Max(0, (long)after.Lost - _before.Lost));
                        });
                    }
                }
            }
            finally
            {
                _stop = true;
                _thread?.Join(2000);
                if (_records >= 0)
                {
                    Libc.close(_records);
                    _records = -1;
                }

                if (_control >= 0)
                {
                    Libc.close(_control);
                    _control = -1;
                }

                if (_owns)
                {
                    _owns = false;
                    Interlocked.Exchange(ref _ownedInProcess, 0);
                }
            }
        }

        private static void Try(Action action)
        {
            try
            {
                action();
            }
            catch (InvalidOperationException)
            {
                // Best effort: the other steps still run.
            }
        }

        private void ReadLoop()
        {
            byte[] buffer = new byte[64 * 1024];
            int fd = _records;
            while (!_stop)
            {
                if (Libc.clock_gettime(Libc.ClockThreadCpuTime, out Timespec cpu) == 0)
                {
                    Interlocked.Exchange(ref _cpuTicks, ((cpu.Seconds * 1_000_000_000L) + cpu.Nanoseconds) / 100);
                }

                int ready = Libc.PollOne(fd, (short)Libc.PollIn, PollTimeoutMs, out short _);
                if (ready <= 0)
                {
                    continue;
                }

                for (int i = 0; i < 512 && !_stop; i++)
                {
                    long n = Libc.recv(fd, buffer, (UIntPtr)buffer.Length, Libc.MsgDontWait).ToInt64();
                    if (n < 0)
                    {
                        int errno = Libc.Errno();
                        if (errno == Libc.ENOBUFS)
                        {
                            Interlocked.Increment(ref _lostReceive);
                            continue;
                        }

                        if (errno == Libc.EINTR)
                        {
                            continue;
                        }

                        break; // EAGAIN, or the socket was closed
                    }

                    try
                    {
                        HandleDatagram(buffer, (int)n);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        lock (_gate)
                        {
                            _assembler.CountMalformed();
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Parses one datagram of the audit daemon's socket. The kernel sends each record in a datagram of its own and
        /// (a long-standing quirk of audit) sets <c>nlmsg_len</c> to the length of the text alone, without the 16-byte
        /// header; so the text is what follows the header, bounded by both.
        /// </summary>
        internal void HandleDatagram(byte[] buffer, int length)
        {
            if (length < 16)
            {
                lock (_gate)
                {
                    _assembler.CountMalformed();
                }

                return;
            }

            uint size = BitConverter.ToUInt32(buffer, 0);
            ushort type = BitConverter.ToUInt16(buffer, 4);
            Interlocked.Increment(ref _recordCount);
            if (type != AuditRecordAssembler.AuditSyscall && type != AuditRecordAssembler.AuditExecve && type != AuditRecordAssembler.AuditCwd && type != AuditRecordAssembler.AuditEoe)
            {
                return;
            }

            int textLength = (int)Math.Min(size, (uint)(length - 16));
            while (textLength > 0 && buffer[16 + textLength - 1] == 0)
            {
                textLength--;
            }

            string text = Encoding.ASCII.GetString(buffer, 16, textLength);
            lock (_gate)
            {
                AuditExec? exec = _assembler.Add(type, text);
                if (exec is not null)
                {
                    Store(exec);
                }
            }
        }

        private void Store(AuditExec exec)
        {
            Interlocked.Increment(ref _execs);
            long now = Stopwatch.GetTimestamp();
            while (_age.Count > 0 && (_age.Count >= StoreCapacity || now - _age.Peek().Received > StoreAge))
            {
                Stored old = _age.Dequeue();
                if (!old.Taken && _byPid.TryGetValue(old.Exec.Pid, out List<Stored>? oldList) && oldList.Remove(old))
                {
                    Interlocked.Increment(ref _expired);
                    if (oldList.Count == 0)
                    {
                        _byPid.Remove(old.Exec.Pid);
                    }
                }
            }

            var stored = new Stored(exec, now);
            if (!_byPid.TryGetValue(exec.Pid, out List<Stored>? list))
            {
                list = new List<Stored>(1);
                _byPid[exec.Pid] = list;
            }

            list.Add(stored);
            _age.Enqueue(stored);
        }

        private AuditStatus GetStatus(int fd)
        {
            AuditStatus? status = null;
            Transact(fd, AuditGet, NlmFRequest, Array.Empty<byte>(), "AUDIT_GET", (type, data, offset, length) =>
            {
                if (type != AuditGet)
                {
                    return false;
                }

                status = AuditStatus.Parse(data, offset, length);
                return true;
            });
            return status ?? throw new InvalidOperationException("AUDIT_GET: no answer");
        }

        private List<byte[]> ListRules(int fd)
        {
            var own = new List<byte[]>();
            Transact(fd, AuditListRules, NlmFRequest, Array.Empty<byte>(), "AUDIT_LIST_RULES", (type, data, offset, length) =>
            {
                if (type == NlmsgDone)
                {
                    return true;
                }

                if (type == AuditListRules && HasOwnKey(data, offset, length))
                {
                    var rule = new byte[length];
                    Array.Copy(data, offset, rule, 0, length);
                    own.Add(rule);
                }

                return false;
            });
            return own;
        }

        private void Request(int fd, ushort type, byte[] payload, string what) =>
            Transact(fd, type, NlmFRequest | NlmFAck, payload, what, null);

        /// <summary>
        /// Sends one request and reads answers until <paramref name="onMessage"/> says done and, when asked, the kernel
        /// acknowledged (NLMSG_ERROR 0); a negative acknowledgement or no answer within 2 s throws InvalidOperationException naming the errno.
        /// </summary>
        private void Transact(int fd, ushort type, ushort flags, byte[] payload, string what, Func<ushort, byte[], int, int, bool>? onMessage)
        {
            uint seq = ++_seq;
            var message = new byte[16 + ((payload.Length + 3) & ~3)];
            Put(message, 0, (uint)(16 + payload.Length));
            BitConverter.GetBytes(type).CopyTo(message, 4);
            BitConverter.GetBytes(flags).CopyTo(message, 6);
            Put(message, 8, seq);
            payload.CopyTo(message, 16);
            var kernel = new byte[12];
            BitConverter.GetBytes((ushort)Libc.AfNetlink).CopyTo(kernel, 0);
            if (Libc.sendto(fd, message, (UIntPtr)message.Length, 0, kernel, (uint)kernel.Length).ToInt64() < 0)
            {
                throw new InvalidOperationException(what + ": sendto failed: " + Describe(Libc.Errno()));
            }

            byte[] buffer = new byte[64 * 1024];
            var clock = Stopwatch.StartNew();
            bool acked = (flags & NlmFAck) == 0;
            bool done = onMessage is null;
            while (clock.ElapsedMilliseconds < 2000)
            {
                if (Libc.PollOne(fd, (short)Libc.PollIn, 100, out short _) <= 0)
                {
                    continue;
                }

                long n = Libc.recv(fd, buffer, (UIntPtr)buffer.Length, Libc.MsgDontWait).ToInt64();
                if (n < 0)
                {
                    int errno = Libc.Errno();
                    if (errno == Libc.EAGAIN || errno == Libc.EINTR || errno == Libc.ENOBUFS)
                    {
                        continue;
                    }

                    throw new InvalidOperationException(what + ": recv failed: " + Describe(errno));
                }

                int at = 0;
                while (at + 16 <= n)
                {
                    int size = (int)BitConverter.ToUInt32(buffer, at);
                    if (size < 16 || size > n - at)
                    {
                        break;
                    }

                    ushort answer = BitConverter.ToUInt16(buffer, at + 4);
                    uint answerSeq = BitConverter.ToUInt32(buffer, at + 8);
                    if (answerSeq == seq)
                    {
                        if (answer == NlmsgError && size >= 20)
                        {
                            int error = BitConverter.ToInt32(buffer, at + 16);
                            if (error != 0)
                            {
                                throw new InvalidOperationException(what + " failed: " + Describe(-error));
                            }

                            acked = true;
                        }
                        else if (onMessage is not null && onMessage(answer, buffer, at + 16, size - 16))
                        {
                            done = true;
                        }
                    }

                    at += (size + 3) & ~3;
                }

                if (acked && done)
                {
                    return;
                }
            }

            throw new InvalidOperationException(what + ": the kernel did not answer within 2 s");
        }

        private static byte[] StatusPayload(uint mask, uint enabled = 0, uint pid = 0, uint backlogLimit = 0, uint backlogWait = 0)
        {
            var data = new byte[40];
            Put(data, 0, mask);
            Put(data, 4, enabled);
            Put(data, 12, pid);
            Put(data, 20, backlogLimit);
            Put(data, 36, backlogWait);
            return data;
        }

        private static void Put(byte[] data, int offset, uint value) => BitConverter.GetBytes(value).CopyTo(data, offset);

        private static string Describe(int errno) => ErrnoName(errno) + " (" + Libc.Describe(errno) + ", errno " + errno.ToString(CultureInfo.InvariantCulture) + ")";

        private static string ErrnoName(int errno) => errno switch
        {
            1 => "EPERM",
            3 => "ESRCH",
            13 => "EACCES",
            17 => "EEXIST",
            22 => "EINVAL",
            93 => "EPROTONOSUPPORT",
            _ => "errno",
        };

        private sealed class Stored
        {
            internal Stored(AuditExec exec, long received)
            {
                Exec = exec;
                Received = received;
            }

            internal AuditExec Exec { get; }

            internal long Received { get; }

            internal bool Taken { get; set; }
        }
    }

    /// <summary><c>struct audit_status</c> as AUDIT_GET answers it.</summary>
    internal struct AuditStatus
    {
        internal uint Mask;
        internal uint Enabled;
        internal uint Failure;
        internal uint Pid;
        internal uint RateLimit;
        internal uint BacklogLimit;
        internal uint Lost;
        internal uint Backlog;
        internal uint FeatureBitmap;
        internal uint BacklogWaitTime;

        internal static AuditStatus Parse(byte[] data, int offset, int length)
        {
            uint At(int index) => length >= (index + 1) * 4 ? BitConverter.ToUInt32(data, offset + (index * 4)) : 0;
            return new AuditStatus
            {
                Mask = At(0),
                Enabled = At(1),
                Failure = At(2),
                Pid = At(3),
                RateLimit = At(4),
                BacklogLimit = At(5),
                Lost = At(6),
                Backlog = At(7),
                FeatureBitmap = At(8),
                BacklogWaitTime = At(9),
            };
        }
    }
}
