using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// The fanotify sensors on a tmpfs the step mounts itself (root, Linux; skipped otherwise): the added latency
    /// of an exec under the exec guard (a small binary run without the guard, under it with its hash cached,
    /// and under it as a new file every time so it is hashed first), and the file sensor's events per second.
    /// </summary>
    internal static class FanotifyBench
    {
        private const int Execs = 300;

        public static void Run(BenchContext context)
        {
            if (!OperatingSystem.IsLinux() || Internal.Libc.geteuid() != 0)
            {
                context.Report.Notes.Add("fanotify: needs root on Linux, step skipped");
                return;
            }

            string folder = Path.Combine(Path.GetTempPath(), "behaviorblocking-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            if (Shell("mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", folder) != 0)
            {
                context.Report.Notes.Add("fanotify: mount -t tmpfs failed, step skipped");
                Directory.Delete(folder);
                return;
            }

            try
            {
                string binary = Copy("/bin/true", folder, "true0");
                Exec(binary);
                Time(context.Latency("exec of a small binary, no guard (Process.Start to exit)"), () => binary);

                var cache = new ExecutableHashCache();
                var indicators = new IndicatorSet(ManyIndicators(1000));
                var gate = new IndicatorExecutionGate(() => indicators, () => AuditPolicy.Instance);
                using (var guard = new ExecGuard(gate, cache, new ExecGuardOptions { Paths = new[] { folder } }))
                {
                    var writer = new CountingWriter();
                    var thread = new Thread(() => guard.Run(writer, CancellationToken.None)) { IsBackground = true };
                    thread.Start();
                    guard.Started.Wait(TimeSpan.FromSeconds(10));
                    Exec(binary);
                    Time(context.Latency("exec under the guard, hash cached (1,000 indicators)"), () => binary);
                    int n = 0;
                    Time(context.Latency("exec under the guard, new file hashed first"), () => Copy("/bin/true", folder, "fresh" + (n++)));
                    ExecGuardCounters counters = guard.Counters;
                    context.Report.Notes.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                        "fanotify exec guard: {0} decisions, {1} denied, {2} timeouts, {3} gate failures; decision p50 {4:F0} us, p99 {5:F0} us (event read to answer); hash cache {6} hits, {7} misses",
                        counters.Decisions, counters.Denied, counters.Timeouts, counters.GateFailures, counters.DecisionP50.TotalMilliseconds * 1000,
                        counters.DecisionP99.TotalMilliseconds * 1000, cache.Hits, cache.Misses));
                }

                FileEvents(context, folder);
            }
            finally
            {
                Shell("umount", "-l", folder);
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        private static void FileEvents(BenchContext context, string folder)
        {
            const int Files = 20_000;
            string dir = Path.Combine(folder, "files");
            Directory.CreateDirectory(dir);
            using var sensor = new FanotifyFileSensor(new FanotifyFileSensorOptions { Paths = new[] { folder }, SkipOwnEvents = false });
            var writer = new CountingWriter();
            using var stop = new CancellationTokenSource();
            var thread = new Thread(() => sensor.Run(writer, stop.Token)) { IsBackground = true };
            thread.Start();
            sensor.Started.Wait(TimeSpan.FromSeconds(10));
            byte[] content = new byte[128];
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < Files; i++)
            {
                string path = Path.Combine(dir, "f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                File.WriteAllBytes(path, content);
                File.Delete(path);
            }

            double written = clock.Elapsed.TotalSeconds;

            // create + close-write + delete per file
            long expected = Files * 3L;
            while (writer.Events < expected && clock.Elapsed < TimeSpan.FromSeconds(30) && sensor.Counters.Overflows == 0)
            {
                Thread.Sleep(5);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            FanotifyFileSensorCounters counters = sensor.Counters;
            stop.Cancel();
            thread.Join(TimeSpan.FromSeconds(5));
            context.Report.Notes.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "fanotify file sensor: {0} files created, written and deleted in {1:F2} s; {2} events reported in {3:F2} s = {4:F0} events/s; {5} overflows, {6} unresolved, {7} malformed",
                Files, written, writer.Events, seconds, writer.Events / seconds, counters.Overflows, counters.UnresolvedPaths, counters.Malformed));
        }

        private static IEnumerable<Indicator> ManyIndicators(int count)
        {
            var random = new Random(7);
            byte[] bytes = new byte[32];
            for (int i = 0; i < count; i++)
            {
                random.NextBytes(bytes);
                yield return new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, Convert.ToHexString(bytes), IndicatorVerdict.Block, IndicatorSource.Feed, DateTimeOffset.UtcNow);
            }
        }

        private static void Time(LatencyHistogram histogram, Func<string> binary)
        {
            for (int i = 0; i < Execs; i++)
            {
                string path = binary();
                long start = Stopwatch.GetTimestamp();
                Exec(path);
                histogram.RecordTicks(Stopwatch.GetTimestamp() - start);
            }
        }

        private static void Exec(string path)
        {
            using Process process = Process.Start(new ProcessStartInfo(path) { UseShellExecute = false })!;
            process.WaitForExit();
        }

        private static string Copy(string source, string folder, string name)
        {
            string target = Path.Combine(folder, name);
            File.Copy(source, target);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(target, (UnixFileMode)0x1ED);
            }
            return target;
        }

        private static int Shell(string file, params string[] arguments)
        {
            var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }

        private sealed class CountingWriter : IEventWriter
        {
            private long _events;

            public long Events => Interlocked.Read(ref _events);

            public void Write(BehaviorEvent behaviorEvent) => Interlocked.Increment(ref _events);

            public void Problem(ReplayProblem problem)
            {
            }

            public void EndRecording(string recording, bool unreadable)
            {
            }

            public void Flush()
            {
            }
        }
    }
}
