using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public sealed class LinuxNetworkSensorTests
    {
        private static Process Bash(string script)
        {
            var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            return Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        }

        [LinuxRootFact]
        public void Run_ShellConnectingToALoopbackListener_ReportsTheOutboundConnectionOfThatShellAndTheInboundOne()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var sensor = new LinuxNetworkSensor(new LinuxNetworkSensorOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
            using var harness = new LiveSensorHarness(sensor);
            // "; exit 0" keeps bash from exec'ing sleep in its own place: sleep is forked and inherits the socket, which stays the shell's.
            Process client = Bash($"exec 3<>/dev/tcp/127.0.0.1/{port}; sleep 3; exit 0");
            try
            {
                using TcpClient accepted = listener.AcceptTcpClient();
                int clientPort = ((IPEndPoint)accepted.Client.RemoteEndPoint!).Port;

                BehaviorEvent outbound = harness.WaitFor(e => e.Kind == EventKind.NetworkConnect && e.ProcessId == client.Id && e.DestinationPort == port, "outbound connection of the shell");
                Assert.Equal(DetectionPlatform.Linux, outbound.Platform);
                Assert.Equal(LinuxEvents.NetworkConnect, outbound.EventId);
                Assert.Equal("tcp", outbound.Protocol);
                Assert.True(outbound.Initiated);
                Assert.Equal("127.0.0.1", outbound.SourceIp);
                Assert.Equal(clientPort, outbound.SourcePort);
                Assert.Equal("127.0.0.1", outbound.DestinationIp);
                Assert.Equal(LinuxNative.CanonicalPath("/bin/bash"), outbound.Image);
                Assert.Equal("root", outbound.User);
                Assert.Equal(LinuxProcessGuid.ForRunning(client.Id)!.Value.ToString("B"), outbound.ProcessGuid);
                Assert.Null(outbound.GetField(LinuxProcessSensor.SnapshotField));

                // The accepted end belongs to this test process: the local port is a listening one, so not initiated here.
                BehaviorEvent inbound = harness.WaitFor(e => e.Kind == EventKind.NetworkConnect && e.ProcessId == Environment.ProcessId && e.SourcePort == port && e.DestinationPort == clientPort, "inbound connection of the listener");
                Assert.False(inbound.Initiated);

                // Seen once, not again at every poll.
                System.Threading.Thread.Sleep(400);
                Assert.Single(harness.Events, e => e.ProcessId == client.Id && e.DestinationPort == port);
                Assert.True(sensor.Polls >= 3);
                Assert.Null(harness.Failure);
            }
            finally
            {
                ChildProcesses.KillAndWait(client);
            }
        }

        [LinuxRootFact]
        public void Run_ConnectedUdpSocket_IsReportedAsUdp()
        {
            using var server = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)server.Client.LocalEndPoint!).Port;
            var sensor = new LinuxNetworkSensor(new LinuxNetworkSensorOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
            using var harness = new LiveSensorHarness(sensor);
            Process client = Bash($"exec 3<>/dev/udp/127.0.0.1/{port}; sleep 3");
            try
            {
                BehaviorEvent e = harness.WaitFor(x => x.ProcessId == client.Id && x.DestinationPort == port, "udp socket of the shell");
                Assert.Equal("udp", e.Protocol);
                Assert.True(e.Initiated);
                Assert.Equal("127.0.0.1", e.DestinationIp);
            }
            finally
            {
                ChildProcesses.KillAndWait(client);
            }
        }

        [LinuxRootFact]
        public void Run_ConnectionOpenAtStart_IsReportedAsSnapshot()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using TcpClient accepted = listener.AcceptTcpClient();
            int clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

            using var harness = new LiveSensorHarness(new LinuxNetworkSensor());
            BehaviorEvent e = harness.WaitFor(x => x.ProcessId == Environment.ProcessId && x.SourcePort == clientPort && x.DestinationPort == port, "the connection open at start");

            Assert.Equal("true", e.GetField(LinuxProcessSensor.SnapshotField));
            Assert.True(e.Initiated);
        }

        [LinuxRootFact]
        public void Run_Ipv6LoopbackAndDualStackListener_AreReportedWithTheirFamilies()
        {
            using var listener = new TcpListener(IPAddress.IPv6Any, 0);
            listener.Server.DualMode = true;
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var sensor = new LinuxNetworkSensor(new LinuxNetworkSensorOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
            using var harness = new LiveSensorHarness(sensor);
            var clock = Stopwatch.StartNew();
            while (sensor.Polls == 0 && clock.ElapsedMilliseconds < 10_000)
            {
                System.Threading.Thread.Sleep(5);
            }

            using var v6 = new TcpClient(AddressFamily.InterNetworkV6);
            v6.Connect(IPAddress.IPv6Loopback, port);
            using TcpClient acceptedV6 = listener.AcceptTcpClient();
            using var v4 = new TcpClient(AddressFamily.InterNetwork);
            v4.Connect(IPAddress.Loopback, port);
            using TcpClient acceptedV4 = listener.AcceptTcpClient();
            int v6Port = ((IPEndPoint)v6.Client.LocalEndPoint!).Port;
            int v4Port = ((IPEndPoint)v4.Client.LocalEndPoint!).Port;

            BehaviorEvent outV6 = harness.WaitFor(e => e.SourcePort == v6Port && e.DestinationPort == port, "the IPv6 client");
            Assert.Equal("::1", outV6.DestinationIp);
            Assert.Equal("true", outV6.GetField("DestinationIsIpv6"));
            Assert.True(outV6.Initiated);

            // The dual-stack listener's end of the IPv4 connection is an AF_INET6 socket with a mapped address: written as IPv4, and inbound.
            BehaviorEvent inV4 = harness.WaitFor(e => e.SourcePort == port && e.DestinationPort == v4Port, "the listener's end of the IPv4 connection");
            Assert.Equal("127.0.0.1", inV4.DestinationIp);
            Assert.Equal("false", inV4.GetField("DestinationIsIpv6"));
            Assert.False(inV4.Initiated);
            Assert.Equal(Environment.ProcessId, inV4.ProcessId);
        }

        [LinuxRootFact]
        public void Run_Cancelled_StopsWithinHalfASecond()
        {
            var sensor = new LinuxNetworkSensor(new LinuxNetworkSensorOptions { PollInterval = TimeSpan.FromSeconds(5) });
            var harness = new LiveSensorHarness(sensor);
            var clock = Stopwatch.StartNew();
            while (sensor.Polls == 0 && clock.ElapsedMilliseconds < 10_000)
            {
                System.Threading.Thread.Sleep(5);
            }

            TimeSpan took = harness.Stop();

            Assert.True(took < TimeSpan.FromMilliseconds(500), $"stopping took {took.TotalMilliseconds:F0} ms");
            Assert.Null(harness.Failure);
            Assert.True(harness.Flushes >= 1);
            harness.Dispose();
        }

        [Fact]
        public void Constructor_IntervalOutOfRange_Throws()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxNetworkSensor(new LinuxNetworkSensorOptions { PollInterval = TimeSpan.FromMilliseconds(10) }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new LinuxNetworkSensor(new LinuxNetworkSensorOptions { PollInterval = TimeSpan.FromMinutes(1) }));
        }
    }
}
