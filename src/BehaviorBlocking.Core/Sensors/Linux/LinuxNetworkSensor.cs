using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
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
    /// <summary>Settings of a <see cref="LinuxNetworkSensor"/>.</summary>
    public sealed class LinuxNetworkSensorOptions
    {
        /// <summary>Time between two socket dumps (50 ms to 10 s). A connection that opens and closes between two dumps is not seen.</summary>
        public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

        /// <summary>Also report connected UDP sockets (those with a remote address).</summary>
        public bool IncludeUdp { get; init; } = true;

        /// <summary>Report the connections open at start as events marked <c>Snapshot=true</c>.</summary>
        public bool ReportExistingConnections { get; init; } = true;

        /// <summary>The host name events carry; null for <see cref="Environment.MachineName"/>.</summary>
        public string? Computer { get; init; }
    }

    /// <summary>
    /// Live network-connection telemetry on Linux: the kernel's sock_diag netlink interface is dumped every
    /// <see cref="LinuxNetworkSensorOptions.PollInterval"/> (TCP sockets established or connecting, IPv4 and
    /// IPv6, and connected UDP sockets); a connection not seen in the previous dump (by protocol, addresses,
    /// ports and socket inode) becomes a Sysmon-schema <see cref="LinuxEvents.NetworkConnect"/> event of the
    /// process holding the socket (socket inode → pid through /proc/PID/fd). <c>Initiated</c> is false when the
    /// local port is one this host listens on, true otherwise. Source is always the local end, Destination the
    /// remote end. Attribution of other users' sockets needs root; without it they are counted as unattributed.
    /// </summary>
    public sealed class LinuxNetworkSensor : IEventSource, Engine.ISourceHealth
    {
        private const string Source = "netlink:sock_diag";
        private const int NetlinkSockDiag = 4;
        private const int MaxWaitSliceMs = 250;

        [ThreadStatic]
        private static byte[]? t_buffer;

        private readonly LinuxNetworkSensorOptions _options;
        private readonly WindowsEventNormalizer _normalizer = new WindowsEventNormalizer();
        private readonly SocketOwnerMap _owners = new SocketOwnerMap();
        private readonly ProcProcessReader _reader = new ProcProcessReader();
        private readonly LinuxUserNames _users = new LinuxUserNames();
        private readonly Dictionary<int, ProcessFacts> _processes = new Dictionary<int, ProcessFacts>();
        private readonly List<DiagSocket> _dump = new List<DiagSocket>(256);
        private readonly string _computer;
        private readonly TimeSpan _interval;
        private HashSet<ConnectionKey> _previous = new HashSet<ConnectionKey>();
        private uint _sequence;
        private long _events;
        private long _polls;
        private long _unattributed;
        private long _malformed;
        private long _failures;
        private long _cpuTicks;
        private bool _problemReported;

        /// <summary>Creates the sensor.</summary>
        public LinuxNetworkSensor(LinuxNetworkSensorOptions? options = null)
        {
            _options = options ?? new LinuxNetworkSensorOptions();
            TimeSpan interval = _options.PollInterval;
            if (interval < TimeSpan.FromMilliseconds(50) || interval > TimeSpan.FromSeconds(10))
            {
                throw new ArgumentOutOfRangeException(nameof(options), interval, "PollInterval must be between 50 ms and 10 s.");
            }

            _interval = interval;
            _computer = _options.Computer ?? Environment.MachineName;
        }

        /// <inheritdoc />
        public string Name => "linux-network";

        /// <inheritdoc />
        public bool IsLive => true;

        /// <inheritdoc />
        IReadOnlyList<KeyValuePair<string, long>> Engine.ISourceHealth.Counters() => new[]
        {
            new KeyValuePair<string, long>("events", Events),
            new KeyValuePair<string, long>("polls", Polls),
            new KeyValuePair<string, long>("unattributed", Unattributed),
            new KeyValuePair<string, long>("malformed", MalformedMessages),
            new KeyValuePair<string, long>("failures", Failures),
            new KeyValuePair<string, long>("cpuMs", (long)CpuTime.TotalMilliseconds),
        };

        /// <summary>Connection events written.</summary>
        public long Events => Interlocked.Read(ref _events);

        /// <summary>Socket dumps made.</summary>
        public long Polls => Interlocked.Read(ref _polls);

        /// <summary>New connections no readable process held (closed already, or another user's and the sensor is not root); not reported.</summary>
        public long Unattributed => Interlocked.Read(ref _unattributed);

        /// <summary>sock_diag messages whose lengths did not fit and were skipped.</summary>
        public long MalformedMessages => Interlocked.Read(ref _malformed);

        /// <summary>Dumps or events that failed (kernel error answer, timeout, an event that could not be built); each was skipped.</summary>
        public long Failures => Interlocked.Read(ref _failures);

        /// <summary>Full sweeps of /proc/*/fd made to find socket owners.</summary>
        public long OwnerSweeps => _owners.Sweeps;

        /// <summary>CPU time the sensor's thread has used (updated after every poll).</summary>
        public TimeSpan CpuTime => TimeSpan.FromTicks(Interlocked.Read(ref _cpuTicks));

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
                    "The Linux network sensor runs only on Linux (it reads the kernel's sock_diag netlink interface and /proc).");
            }

            int fd = Libc.socket(Libc.AfNetlink, Libc.SockDgram | Libc.SockCloexec, NetlinkSockDiag);
            if (fd < 0)
            {
                int errno = Libc.Errno();
                throw new BehaviorBlockingException(ErrorIds.LinuxSensorUnavailable, FailureKind.Unavailable,
                    "The Linux network sensor could not open the kernel's sock_diag interface: socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG) failed: "
                    + Libc.Describe(errno) + " (errno " + errno.ToString(CultureInfo.InvariantCulture) + ").");
            }

            long cpuStart = LinuxSensorClock.ThreadCpuTicks();
            try
            {
                bool first = true;
                while (!cancellationToken.IsCancellationRequested)
                {
                    long started = Environment.TickCount;
                    try
                    {
                        Poll(fd, writer, snapshot: first, report: !first || _options.ReportExistingConnections, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        Interlocked.Increment(ref _failures);
                        ReportOnce(writer, ErrorIds.RecordMalformed, "A socket dump failed: " + ex.Message);
                    }

                    first = false;
                    writer.Flush();
                    Interlocked.Exchange(ref _cpuTicks, LinuxSensorClock.ThreadCpuTicks() - cpuStart);

                    // Wait out the interval in slices, so cancellation is seen within 250 ms.
                    long due = started + (long)_interval.TotalMilliseconds;
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        long left = due - Environment.TickCount;
                        if (left <= 0)
                        {
                            break;
                        }

                        cancellationToken.WaitHandle.WaitOne((int)Math.Min(left, MaxWaitSliceMs));
                    }
                }
            }
            finally
            {
                Libc.close(fd);
                Interlocked.Exchange(ref _cpuTicks, LinuxSensorClock.ThreadCpuTicks() - cpuStart);
                writer.Flush();
            }
        }

        private void Poll(int fd, IEventWriter writer, bool snapshot, bool report, CancellationToken cancellationToken)
        {
            _dump.Clear();
            const uint TcpStates = (1u << InetDiagParser.StateEstablished) | (1u << InetDiagParser.StateSynSent) | (1u << InetDiagParser.StateListen);
            Dump(fd, InetDiagParser.AfInet, InetDiagParser.IpProtoTcp, TcpStates, writer, cancellationToken);
            Dump(fd, InetDiagParser.AfInet6, InetDiagParser.IpProtoTcp, TcpStates, writer, cancellationToken);
            if (_options.IncludeUdp)
            {
                const uint UdpStates = 1u << InetDiagParser.StateEstablished;
                Dump(fd, InetDiagParser.AfInet, InetDiagParser.IpProtoUdp, UdpStates, writer, cancellationToken);
                Dump(fd, InetDiagParser.AfInet6, InetDiagParser.IpProtoUdp, UdpStates, writer, cancellationToken);
            }

            Interlocked.Increment(ref _polls);
            var listening = new HashSet<Endpoint>();
            foreach (DiagSocket socket in _dump)
            {
                if (socket.Protocol == InetDiagParser.IpProtoTcp && socket.State == InetDiagParser.StateListen)
                {
                    listening.Add(new Endpoint(socket.LocalAddress, socket.LocalPort));
                }
            }

            var current = new HashSet<ConnectionKey>();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            _owners.BeginCycle();
            foreach (DiagSocket socket in _dump)
            {
                // Not yet accepted (no inode): reported once a process holds it.
                if (socket.State == InetDiagParser.StateListen || socket.RemotePort == 0 || socket.Inode == 0)
                {
                    continue;
                }

                var key = new ConnectionKey(socket);
                current.Add(key);
                if (!report || _previous.Contains(key))
                {
                    continue;
                }

                try
                {
                    Report(socket, IsInbound(socket, listening), now, snapshot, writer);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref _failures);
                    ReportOnce(writer, ErrorIds.RecordMalformed, "A connection event could not be reported: " + ex.Message);
                }
            }

            _previous = current;
        }

        private void Dump(int fd, int family, byte protocol, uint states, IEventWriter writer, CancellationToken cancellationToken)
        {
            byte[] request = InetDiagParser.BuildRequest(family, protocol, states, ++_sequence);
            byte[] kernel = new byte[12];
            BitConverter.GetBytes((ushort)Libc.AfNetlink).CopyTo(kernel, 0);
            if (Libc.sendto(fd, request, (UIntPtr)request.Length, 0, kernel, (uint)kernel.Length).ToInt64() < 0)
            {
                throw new BehaviorBlockingException(ErrorIds.LinuxSensorUnavailable, FailureKind.Unavailable,
                    "sendto(NETLINK_SOCK_DIAG) failed: " + Libc.Describe(Libc.Errno()));
            }

            byte[] buffer = t_buffer ??= new byte[64 * 1024];
            var fds = new[] { new PollFd { Fd = fd, Events = (short)Libc.PollIn } };
            while (true)
            {
                fds[0].ReturnedEvents = 0;
                int ready = Libc.poll(fds, (UIntPtr)1, 1000);
                if (ready == 0 || cancellationToken.IsCancellationRequested)
                {
                    // The kernel answers a dump at once; no answer within a second: give this dump up.
                    if (ready == 0)
                    {
                        Interlocked.Increment(ref _failures);
                    }

                    Drain(fd, buffer);
                    return;
                }

                if (ready < 0)
                {
                    if (Libc.Errno() == Libc.EINTR)
                    {
                        continue;
                    }

                    throw new BehaviorBlockingException(ErrorIds.LinuxSensorUnavailable, FailureKind.Unavailable, "poll(NETLINK_SOCK_DIAG) failed: " + Libc.Describe(Libc.Errno()));
                }

                long n = Libc.recv(fd, buffer, (UIntPtr)buffer.Length, Libc.MsgDontWait).ToInt64();
                if (n < 0)
                {
                    int errno = Libc.Errno();
                    if (errno == Libc.EINTR || errno == Libc.EAGAIN)
                    {
                        continue;
                    }

                    throw new BehaviorBlockingException(ErrorIds.LinuxSensorUnavailable, FailureKind.Unavailable, "recv(NETLINK_SOCK_DIAG) failed: " + Libc.Describe(errno));
                }

                var counts = default(DiagCounts);
                DiagStatus status = InetDiagParser.Parse(buffer, (int)n, protocol, _dump, ref counts);
                if (counts.Malformed > 0)
                {
                    Interlocked.Add(ref _malformed, counts.Malformed);
                    ReportOnce(writer, ErrorIds.RecordMalformed, "A sock_diag message did not fit its own lengths and was skipped.");
                }

                if (status == DiagStatus.Error)
                {
                    Interlocked.Increment(ref _failures);
                    ReportOnce(writer, ErrorIds.LinuxSensorUnavailable, "The kernel refused a socket dump: " + Libc.Describe(counts.Errno));
                    return;
                }

                if (status == DiagStatus.Done)
                {
                    return;
                }
            }
        }

        /// <summary>Reads and drops what is left of an abandoned dump, so the next one starts clean.</summary>
        private static void Drain(int fd, byte[] buffer)
        {
            while (Libc.recv(fd, buffer, (UIntPtr)buffer.Length, Libc.MsgDontWait).ToInt64() > 0)
            {
            }
        }

        private static bool IsInbound(DiagSocket socket, HashSet<Endpoint> listening)
        {
            if (socket.Protocol != InetDiagParser.IpProtoTcp)
            {
                return false;
            }

            return listening.Contains(new Endpoint(socket.LocalAddress, socket.LocalPort))
                || listening.Contains(new Endpoint(IPAddress.Any, socket.LocalPort))
                || listening.Contains(new Endpoint(IPAddress.IPv6Any, socket.LocalPort));
        }

        private void Report(DiagSocket socket, bool inbound, DateTimeOffset time, bool snapshot, IEventWriter writer)
        {
            if (!(_owners.OwnerOf(socket.Inode) is int pid) || !(Facts(pid) is ProcessFacts process))
            {
                Interlocked.Increment(ref _unattributed);
                return;
            }

            var fields = new List<KeyValuePair<string, string>>(16);
            SysmonFields.AddIfKnown(fields, LinuxEvents.UtcTime, SysmonFields.UtcTimeText(time));
            SysmonFields.AddIfKnown(fields, LinuxEvents.ProcessGuid, LinuxSensorClock.GuidText(process.Guid));
            SysmonFields.AddIfKnown(fields, LinuxEvents.ProcessId, LinuxRecords.Text(pid));
            SysmonFields.AddIfKnown(fields, LinuxEvents.Image, process.Image);
            SysmonFields.AddIfKnown(fields, LinuxEvents.User, process.User);
            SysmonFields.AddIfKnown(fields, LinuxEvents.Protocol, socket.Protocol == InetDiagParser.IpProtoTcp ? "tcp" : "udp");
            SysmonFields.AddIfKnown(fields, LinuxEvents.Initiated, inbound ? "false" : "true");
            SysmonFields.AddIfKnown(fields, SysmonFields.SourceIsIpv6, socket.LocalAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "true" : "false");
            SysmonFields.AddIfKnown(fields, LinuxEvents.SourceIp, socket.LocalAddress.ToString());
            SysmonFields.AddIfKnown(fields, LinuxEvents.SourcePort, socket.LocalPort.ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, SysmonFields.DestinationIsIpv6, socket.RemoteAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "true" : "false");
            SysmonFields.AddIfKnown(fields, LinuxEvents.DestinationIp, socket.RemoteAddress.ToString());
            SysmonFields.AddIfKnown(fields, LinuxEvents.DestinationPort, socket.RemotePort.ToString(CultureInfo.InvariantCulture));
            if (snapshot)
            {
                SysmonFields.AddIfKnown(fields, LinuxProcessSensor.SnapshotField, "true");
            }

            writer.Write(_normalizer.Normalize(LinuxRecords.Record(LinuxEvents.NetworkConnect, time, _computer, fields)));
            Interlocked.Increment(ref _events);
        }

        private ProcessFacts? Facts(int pid)
        {
            if (!(ProcFs.ReadStat(pid) is ProcStat stat) || stat.HasExited)
            {
                return null;
            }

            if (_processes.TryGetValue(pid, out ProcessFacts? known) && known.StartTicks == stat.StartTicks)
            {
                return known;
            }

            if (_processes.Count >= 4096)
            {
                _processes.Clear();
            }

            uint? uid = _reader.RealUid(pid);
            var facts = new ProcessFacts(LinuxProcessGuid.For(pid, stat.StartTicks), stat.StartTicks, ProcFs.Executable(pid), uid is uint u ? _users.NameOf(u) : null);
            _processes[pid] = facts;
            return facts;
        }

        private void ReportOnce(IEventWriter writer, string errorId, string message)
        {
            if (_problemReported)
            {
                return;
            }

            _problemReported = true;
            writer.Problem(new ReplayProblem(Source, 0, errorId, message + " (reported once; see the network sensor's counters)"));
        }


        private sealed class ProcessFacts
        {
            internal ProcessFacts(Guid guid, ulong startTicks, string? image, string? user)
            {
                Guid = guid;
                StartTicks = startTicks;
                Image = image;
                User = user;
            }

            internal Guid Guid { get; }

            internal ulong StartTicks { get; }

            internal string? Image { get; }

            internal string? User { get; }
        }

        private readonly struct Endpoint : IEquatable<Endpoint>
        {
            private readonly IPAddress _address;
            private readonly int _port;

            internal Endpoint(IPAddress address, int port)
            {
                _address = address;
                _port = port;
            }

            public bool Equals(Endpoint other) => _port == other._port && _address.Equals(other._address);

            public override bool Equals(object? obj) => obj is Endpoint other && Equals(other);

            public override int GetHashCode() => _address.GetHashCode() ^ _port;
        }

        private readonly struct ConnectionKey : IEquatable<ConnectionKey>
        {
            private readonly byte _protocol;
            private readonly IPAddress _local;
            private readonly int _localPort;
            private readonly IPAddress _remote;
            private readonly int _remotePort;
            private readonly ulong _inode;

            internal ConnectionKey(DiagSocket socket)
            {
                _protocol = socket.Protocol;
                _local = socket.LocalAddress;
                _localPort = socket.LocalPort;
                _remote = socket.RemoteAddress;
                _remotePort = socket.RemotePort;
                _inode = socket.Inode;
            }

            public bool Equals(ConnectionKey other) =>
                _protocol == other._protocol && _localPort == other._localPort && _remotePort == other._remotePort && _inode == other._inode
                && _local.Equals(other._local) && _remote.Equals(other._remote);

            public override bool Equals(object? obj) => obj is ConnectionKey other && Equals(other);

            public override int GetHashCode() => unchecked((int)_inode ^ (_localPort << 16) ^ _remotePort ^ _remote.GetHashCode());
        }
    }
}
