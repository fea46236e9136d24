using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// The Linux process sensor on this machine's kernel: exec-to-event latency (a process started by the
    /// bench until the sensor writes its process-create event) over 200 sequential execs, then an exec storm
    /// (three shell loops running /bin/true) with events/s, losses, processes gone before enrichment, and the
    /// CPU time of the sensor's thread.
    /// </summary>
    internal static class LinuxSensorBench
    {
        private const int LatencyExecs = 200;
        private const int StormExecsPerLoop = 4000;
        private const int StormLoops = 3;

        public static void Run(BenchContext context)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || Internal.Libc.geteuid() != 0)
            {
                context.Report.Notes.Add("linux sensor: measured on Linux as root only (the process connector needs CAP_NET_ADMIN); step skipped");
                return;
            }

            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            var writer = new TimingWriter();
            using var stop = new CancellationTokenSource();
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    sensor.Run(writer, stop.Token);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            })
            { IsBackground = true, Name = "bench-linux-process" };
            thread.Start();
            writer.WaitForSnapshot();

            // 1. Latency: one exec at a time; the clock starts before Process.Start (fork + exec included, as a user would see it).
            var latency = new LatencyHistogram("linux-sensor.exec-to-event");
            int missed = 0;
            for (int i = 0; i < LatencyExecs; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                using Process child = Process.Start(new ProcessStartInfo("/bin/sleep", "0.05") { UseShellExecute = false })!;
                long? seen = writer.WaitForExec(child.Id, TimeSpan.FromSeconds(5));
                if (seen is long t1)
                {
                    latency.RecordTicks(t1 - t0);
                }
                else
                {
                    missed++;
                }

                child.WaitForExit();
            }

            context.Report.Latency.Add(latency.ToResult());

            // 2. Storm: loops of /bin/true; every exec is a child of one of the loop shells.
            long lostBefore = sensor.LostMessages;
            long goneBefore = sensor.GoneBeforeEnrichment;
            long eventsBefore = sensor.Events;
            TimeSpan cpuBefore = sensor.CpuTime;
            writer.ResetForStorm();
            var loops = new List<Process>();
            for (int i = 0; i < StormLoops; i++)
            {
                var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("read go; i=0; while [ $i -lt " + StormExecsPerLoop.ToString(CultureInfo.InvariantCulture) + " ]; do /bin/true; i=$((i+1)); done");
                Process loop = Process.Start(start)!;
                writer.Track(loop.Id);
                loops.Add(loop);
            }

            // The loops start together, once the bench knows their pids.
            var wall = Stopwatch.StartNew();
            foreach (Process loop in loops)
            {
                loop.StandardInput.WriteLine("go");
                loop.StandardInput.Close();
            }

            foreach (Process loop in loops)
            {
                loop.WaitForExit();
            }

            double stormSeconds = wall.Elapsed.TotalSeconds;

            // Let the sensor drain what is queued.
            Thread.Sleep(1000);
            long reported = 0;
            foreach (Process loop in loops)
            {
                reported += writer.ChildrenOf(loop.Id);
                loop.Dispose();
            }

            TimeSpan cpu = sensor.CpuTime - cpuBefore;
            stop.Cancel();
            thread.Join(5000);
            int expected = StormLoops * StormExecsPerLoop;
            var c = CultureInfo.InvariantCulture;
            context.Report.Notes.Add(string.Format(c,
                "linux sensor: exec-to-event over {0} sequential execs of /bin/sleep (Process.Start to the event written): p50 {1:F0} µs, p99 {2:F0} µs, max {3:F0} µs; {4} not seen within 5 s",
                LatencyExecs, latency.PercentileMicroseconds(0.5), latency.PercentileMicroseconds(0.99), latency.MaxMicroseconds, missed));
            context.Report.Notes.Add(string.Format(c,
                "linux sensor: exec storm of {0} execs of /bin/true from {1} shell loops in {2:F2} s ({3:F0} execs/s offered): {4} reported ({5:F1} %), {6:F0} events/s written by the sensor, " +
                "{7} gone before enrichment ({15} of all reported carry their image), {8} ENOBUFS losses, {13} failures, {14} malformed, sensor thread CPU {9:F2} s ({10:F0} % of one core), receive buffer {11:N0} bytes{12}",
                expected, StormLoops, stormSeconds, expected / stormSeconds, reported, 100.0 * reported / expected, (sensor.Events - eventsBefore) / stormSeconds,
                sensor.GoneBeforeEnrichment - goneBefore, sensor.LostMessages - lostBefore, cpu.TotalSeconds, 100.0 * cpu.TotalSeconds / stormSeconds, sensor.ReceiveBufferBytes,
                (failure is null ? string.Empty : "; the sensor failed: " + failure.Message) + (writer.FirstProblem is null ? string.Empty : "; first problem: " + writer.FirstProblem), sensor.Failures, sensor.MalformedMessages, writer.WithImage));

            MeasureNetwork(context);
        }

        /// <summary>The network sensor at the default interval: CPU per poll with no new connection, then with a new loopback connection every 100 ms (each one a sweep of /proc/*/fd).</summary>
        private static void MeasureNetwork(BenchContext context)
        {
            var c = CultureInfo.InvariantCulture;
            foreach (bool churn in new[] { false, true })
            {
                var sensor = new LinuxNetworkSensor();
                var writer = new TimingWriter();
                using var stop = new CancellationTokenSource();
                var thread = new Thread(() => sensor.Run(writer, stop.Token)) { IsBackground = true, Name = "bench-linux-network" };
                thread.Start();
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
                listener.Start();
                int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
                var clients = new List<System.Net.Sockets.TcpClient>();
                var wall = Stopwatch.StartNew();
                while (wall.Elapsed < TimeSpan.FromSeconds(5))
                {
                    if (churn)
                    {
                        var client = new System.Net.Sockets.TcpClient();
                        client.Connect(System.Net.IPAddress.Loopback, port);
                        clients.Add(client);
                        clients.Add(listener.AcceptTcpClient());
                    }

                    Thread.Sleep(100);
                }

                stop.Cancel();
                thread.Join(5000);
                foreach (System.Net.Sockets.TcpClient client in clients)
                {
                    client.Dispose();
                }

                context.Report.Notes.Add(string.Format(c,
                    "linux network sensor ({0}): {1} polls in {2:F1} s, CPU {3:F3} s = {4:F2} ms per poll, {5} /proc/*/fd sweeps, {6} events, {7} unattributed",
                    churn ? "a new loopback connection every 100 ms" : "no new connections", sensor.Polls, wall.Elapsed.TotalSeconds, sensor.CpuTime.TotalSeconds,
                    sensor.Polls == 0 ? 0 : sensor.CpuTime.TotalMilliseconds / sensor.Polls, sensor.OwnerSweeps, sensor.Events, sensor.Unattributed));
            }
        }

        /// <summary>Records when each process-create event was written, by pid, and counts creates by parent.</summary>
        private sealed class TimingWriter : IEventWriter
        {
            private readonly object _gate = new object();
            private readonly Dictionary<int, long> _execSeen = new Dictionary<int, long>();
            private readonly ManualResetEventSlim _snapshot = new ManualResetEventSlim();

            private readonly Dictionary<int, long> _childrenOf = new Dictionary<int, long>();

            public void ResetForStorm()
            {
                lock (_gate)
                {
                    _execSeen.Clear();
                    _childrenOf.Clear();
                }
            }

            public void Track(int parent)
            {
                lock (_gate)
                {
                    _childrenOf[parent] = 0;
                }
            }

            public void WaitForSnapshot() => _snapshot.Wait(TimeSpan.FromSeconds(30));

            public long? WaitForExec(int pid, TimeSpan timeout)
            {
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < timeout)
                {
                    lock (_gate)
                    {
                        if (_execSeen.TryGetValue(pid, out long at))
                        {
                            _execSeen.Remove(pid);
                            return at;
                        }
                    }

                    Thread.SpinWait(200);
                }

                return null;
            }

            public long ChildrenOf(int pid)
            {
                lock (_gate)
                {
                    return _childrenOf.TryGetValue(pid, out long n) ? n : 0;
                }
            }

            public void Write(BehaviorEvent behaviorEvent)
            {
                long now = Stopwatch.GetTimestamp();
                if (behaviorEvent.Kind != EventKind.ProcessStart)
                {
                    return;
                }

                if (behaviorEvent.GetField(LinuxProcessSensor.SnapshotField) is not null)
                {
                    _snapshot.Set();
                    return;
                }

                lock (_gate)
                {
                    if (behaviorEvent.ProcessId is int pid && _execSeen.Count < 10_000)
                    {
                        _execSeen[pid] = now;
                    }

                    if (behaviorEvent.ParentProcessId is int parent && _childrenOf.TryGetValue(parent, out long n))
                    {
                        _childrenOf[parent] = n + 1;
                        if (behaviorEvent.Image is not null)
                        {
                            WithImage++;
                        }
                    }
                }
            }

            public string? FirstProblem { get; private set; }

            public long WithImage { get; private set; }

            public void Problem(ReplayProblem problem) => FirstProblem ??= problem.ErrorId + ": " + problem.Message;

            public void EndRecording(string recording, bool unreadable)
            {
            }

            public void Flush()
            {
            }
        }
    }
}
