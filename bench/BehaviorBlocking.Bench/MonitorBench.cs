using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Bench
{
    /// <summary>What a live storm run measured: the monitor process's CPU and memory while the sources delivered a storm.</summary>
    public sealed record MonitorStormResult(string Sources, double Seconds, long Execs, double ExecsPerSecond, long Events, long Dropped,
        double CpuSeconds, double CpuPercentOfOneCore, double PeakRssMb, long Detections);

    /// <summary>Settings of a live storm run (<see cref="MonitorBench.Storm"/>).</summary>
    public sealed class MonitorStormOptions
    {
        /// <summary>
        /// The live sources to run (the real Linux sensor at integration); null runs a synthetic source that writes a
        /// process start and exit for each exec, paced at <see cref="ExecsPerSecond"/>, and starts no process.
        /// </summary>
        public Func<MonitorSourceContext, IReadOnlyList<IEventSource>>? Sources { get; init; }

        /// <summary>Execs per second the storm aims at.</summary>
        public int ExecsPerSecond { get; init; } = 2000;

        /// <summary>How long it lasts.</summary>
        public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>Start real processes (/bin/true) at the rate, for a real sensor to see; false for the synthetic source.</summary>
        public bool SpawnExecs { get; init; }

        /// <summary>Rule directories beside the built-in pack (null: the built-in pack alone).</summary>
        public string? BuiltInRules { get; init; }
    }

    /// <summary>
    /// Measurements of the live monitor (<see cref="MonitorSession"/>): consumer throughput next to the replay pipeline
    /// over the same events in the same process, event-to-verdict latency (stamped when the source writes the event,
    /// measured when the verdict reaches the responder), verdict-to-kill against real process trees (root, Linux),
    /// drops under overload, and a storm of execs with the monitor's CPU time and peak RSS. The storm takes its sources
    /// from a delegate, so the same harness runs with the real Linux sensor.
    /// </summary>
    public static class MonitorBench
    {
        private const int ThroughputEvents = 300_000;
        private const string Marker = "bench-monitor-marker";

        /// <summary>Consumer throughput of the monitor and of the replay pipeline over the same events; their ratio.</summary>
        public static void Throughput(BenchContext context)
        {
            BehaviorEvent[] events = SyntheticEvents(ThroughputEvents);
            using var folder = new BenchFolder();
            using BehaviorEngine engine = folder.Engine(context.Options.BuiltInRules is not null);

            ThroughputResult replay = context.Measure("replay pipeline (same events)", "reader thread + consumer", () =>
            {
                EngineRun run = engine.CreateRun(_ => { });
                var pump = new EventPump(new ArraySource(events, live: false));
                pump.Run(batch =>
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        run.Pipeline.Process(batch.Events[i]);
                    }
                });
                run.Pipeline.EndRecording();
                return events.Length;
            });

            // The monitor's consumer, saturated: a source that writes faster than it can take; what it took per second is its throughput.
            long dropped = 0;
            ThroughputResult monitor = context.Measure("monitor consumer (saturated)", "source thread + consumer", () =>
            {
                var source = new ArraySource(events, live: true, repeatUntilStopped: false);
                using MonitorSession session = MonitorService.Start(engine, folder.Request(source, TimeSpan.FromSeconds(60)), NullObserver.Instance);
                source.Done.Wait();
                while (session.Health().QueueDepth > 0)
                {
                    Thread.Sleep(1);
                }

                MonitorHealth health = session.Stop();
                dropped = health.DroppedEvents;
                return health.Events;
            });

            context.Report.Ratios["monitor consumer / replay pipeline events/s"] = Math.Round(monitor.EventsPerSecond / Math.Max(1, replay.EventsPerSecond), 3);
            context.Report.Notes.Add($"monitor: throughput over {ThroughputEvents:N0} synthetic corpus-shaped events with the built-in rules, no model; the saturated source dropped {dropped:N0} of them (the consumer's rate is events taken per second)");
        }

        /// <summary>Event-to-verdict latency under background load: stamped at the source's Write, measured when the verdict reaches the responder.</summary>
        public static void Latency(BenchContext context)
        {
            int samples = Math.Max(200, context.Options.ResponseRepeats * 40);
            BehaviorEvent[] background = SyntheticEvents(50_000);
            using var folder = new BenchFolder();
            using BehaviorEngine engine = folder.Engine(context.Options.BuiltInRules is not null);
            LatencyHistogram histogram = context.Latency("monitor: event written to verdict (background ~20 events/ms)");
            var stamps = new ConcurrentDictionary<int, long>();
            var seen = new CountdownEvent(samples);
            var responder = new StampingResponder(verdict =>
            {
                if (verdict.Detection.ProcessId is int pid && stamps.TryRemove(pid, out long written))
                {
                    histogram.RecordTicks(Stopwatch.GetTimestamp() - written);
                    seen.Signal();
                }
            });
            var source = new PacedSource("latency", writer =>
            {
                int next = 0;
                return (tick, w) =>
                {
                    // 20 background events per millisecond tick, and a marker start every tick until enough were sent.
                    for (int i = 0; i < 20; i++)
                    {
                        w.Write(background[next++ % background.Length]);
                    }

                    if (tick < samples)
                    {
                        int pid = 3_000_000 + tick;
                        stamps[pid] = Stopwatch.GetTimestamp();
                        w.Write(MarkerStart(pid));
                    }
                };
            });
            MonitorRequest request = folder.Request(source, null);
            using MonitorSession session = MonitorService.Start(engine, new MonitorRequest
            {
                Sources = request.Sources, ProductHome = request.ProductHome, StorePath = null, Mode = PolicyMode.Audit,
                ResponderHook = inner => responder.Over(inner),
            }, NullObserver.Instance);
            seen.Wait(TimeSpan.FromSeconds(60));
            MonitorHealth health = session.Stop();
            context.Report.Notes.Add($"monitor: latency = Stopwatch at the source's Write of a rule-matching start to the verdict reaching the responder, {histogram.Count:N0} samples, {health.DroppedEvents:N0} events dropped");
        }

        /// <summary>Verdict-to-kill against real process trees: from the verdict reaching the responder until every process of the tree is gone.</summary>
        public static void Kill(BenchContext context)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !IsRoot())
            {
                context.Report.Notes.Add("monitor: verdict-to-kill needs root on Linux; step skipped");
                return;
            }

            using var folder = new BenchFolder();
            using BehaviorEngine engine = folder.Engine(false);
            File.WriteAllText(Path.Combine(folder.Home, PolicyFile.FileName),
                "{ \"schemaVersion\": 1, \"version\": \"bench-block\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\" } }");
            var toKill = new LatencyHistogram("monitor: verdict to tree gone (real 10-process trees)");
            var toVerdict = new LatencyHistogram("monitor: event written to verdict (real trees)");
            long verdictAt = 0;
            var responder = new StampingResponder(_ => Volatile.Write(ref verdictAt, Stopwatch.GetTimestamp()));
            var push = new QueueSource();
            using MonitorSession session = MonitorService.Start(engine, new MonitorRequest
            {
                Sources = new IEventSource[] { push }, ProductHome = folder.Home, StorePath = folder.Store,
                ResponderHook = inner => responder.Over(inner),
            }, NullObserver.Instance);
            int done = 0;
            int runs = Math.Max(1, context.Options.ResponseRepeats);
            for (int i = 0; i < runs; i++)
            {
                var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & sleep 300 & wait' & wait # " + Marker + i);
                using Process root = Process.Start(start)!;
                List<int> tree = WaitForTree(root.Id, 10);
                try
                {
                    Volatile.Write(ref verdictAt, 0);

                    // The root's start carries the marker (its own command line): that event raises the verdict, and the
                    // kill walks the real tree from the root in /proc.
                    BehaviorEvent rootStart = RealStart(root.Id, null, uniqueParent: true);
                    long written = Stopwatch.GetTimestamp();
                    push.Push(rootStart);
                    var clock = Stopwatch.StartNew();
                    while (Volatile.Read(ref verdictAt) == 0 && clock.ElapsedMilliseconds < 10_000)
                    {
                        Thread.SpinWait(50);
                    }

                    long verdict = Volatile.Read(ref verdictAt);
                    bool gone = WaitGone(tree, 10_000);
                    long goneAt = Stopwatch.GetTimestamp();
                    if (verdict != 0 && gone)
                    {
                        toVerdict.RecordTicks(verdict - written);
                        toKill.RecordTicks(goneAt - verdict);
                        done++;
                    }
                }
                finally
                {
                    foreach (int pid in tree)
                    {
                        LinuxNative.Kill(pid, LinuxNative.SIGKILL);
                    }

                    root.WaitForExit(5000);
                }
            }

            MonitorHealth health = session.Stop();
            context.Report.Response.Add(new ResponseBenchResult("monitor: verdict to tree gone", 10, toKill.Count,
                Math.Round(toKill.PercentileMicroseconds(0.5) / 1000, 2), Math.Round(toKill.PercentileMicroseconds(0.99) / 1000, 2), Math.Round(toKill.MaxMicroseconds / 1000, 2), done));
            context.Report.Latency.Add(toVerdict.ToResult());
            context.Report.Latency.Add(toKill.ToResult());
            long kills = health.Actions.Where(a => a.Kind == ResponseKind.KillTree && a.Outcome == StepOutcome.Done).Sum(a => a.Count);
            context.Report.Notes.Add($"monitor: verdict-to-kill over {runs} real trees (shell, three sub-shells, two sleeps each) in Block mode through ActiveResponder over ResponseComponents.ForThisMachine; {done} gone, {kills} KillTree steps Done; gone = checked in /proc by the bench thread");
        }

        /// <summary>
        /// The live path end to end on this machine's real sensors (root, Linux): a process is started whose command line
        /// carries the marker; exec-to-verdict is from just before <c>Process.Start</c> to the verdict reaching the
        /// responder (the process connector, /proc enrichment, queue, graph, rules and verdict in between), and
        /// verdict-to-kill from there to the real 10-process tree gone from /proc. Only the marker rule is loaded, so
        /// nothing else on the machine is acted on.
        /// </summary>
        public static void LiveKill(BenchContext context)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !IsRoot())
            {
                context.Report.Notes.Add("monitor: live exec-to-verdict needs root on Linux; step skipped");
                return;
            }

            using var folder = new BenchFolder();
            using BehaviorEngine engine = folder.Engine(false);
            File.WriteAllText(Path.Combine(folder.Home, PolicyFile.FileName),
                "{ \"schemaVersion\": 1, \"version\": \"bench-live\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\" } }");
            var toVerdict = new LatencyHistogram("monitor, live sensors: exec to verdict");
            var toKill = new LatencyHistogram("monitor, live sensors: verdict to tree gone");
            long verdictAt = 0;
            var responder = new StampingResponder(_ => Volatile.Write(ref verdictAt, Stopwatch.GetTimestamp()));
            using MonitorSession session = MonitorService.Start(engine, new MonitorRequest
            {
                SourceFactory = c => LiveSensors.Create(new LiveSensorOptions { Files = false, Network = false, ProductHome = c.ProductHome }, c.Indicators, c.Policy),
                ProductHome = folder.Home, StorePath = folder.Store,
                ResponderHook = inner => responder.Over(inner),
            }, NullObserver.Instance);
            Thread.Sleep(500);
            int done = 0;
            int runs = Math.Max(10, context.Options.ResponseRepeats * 4);
            for (int i = 0; i < runs; i++)
            {
                Volatile.Write(ref verdictAt, 0);
                var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & sleep 300 & wait' & wait # " + Marker + i);
                long started = Stopwatch.GetTimestamp();
                using Process root = Process.Start(start)!;
                var clock = Stopwatch.StartNew();
                while (Volatile.Read(ref verdictAt) == 0 && clock.ElapsedMilliseconds < 10_000)
                {
                    Thread.SpinWait(50);
                }

                long verdict = Volatile.Read(ref verdictAt);
                bool exited = root.WaitForExit(10_000);
                long goneAt = Stopwatch.GetTimestamp();
                if (verdict != 0 && exited)
                {
                    toVerdict.RecordTicks(verdict - started);
                    toKill.RecordTicks(goneAt - verdict);
                    done++;
                }
                else if (!exited)
                {
                    root.Kill(entireProcessTree: true);
                    root.WaitForExit(5000);
                }
            }

            MonitorHealth health = session.Stop();
            context.Report.Latency.Add(toVerdict.ToResult());
            context.Report.Latency.Add(toKill.ToResult());
            context.Report.Response.Add(new ResponseBenchResult("monitor, live sensors: verdict to tree gone", 10, toKill.Count,
                Math.Round(toKill.PercentileMicroseconds(0.5) / 1000, 2), Math.Round(toKill.PercentileMicroseconds(0.99) / 1000, 2), Math.Round(toKill.MaxMicroseconds / 1000, 2), done));
            context.Report.Notes.Add($"monitor, live sensors: {runs} real trees started with the marker on their command line, {done} detected and killed, {health.DroppedEvents} events dropped");
        }

        /// <summary>The exec storm on this machine's real sensors (root, Linux): about 2,000 /bin/true a second for ten seconds.</summary>
        public static void LiveStorm(BenchContext context)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !IsRoot())
            {
                context.Report.Notes.Add("monitor: live exec storm needs root on Linux; step skipped");
                return;
            }

            MonitorStormResult result = Storm(new MonitorStormOptions
            {
                BuiltInRules = context.Options.BuiltInRules,
                Duration = TimeSpan.FromSeconds(context.Options.Repeat <= 1 ? 5 : 10),
                SpawnExecs = true,
                Sources = c => LiveSensors.Create(new LiveSensorOptions { ProductHome = c.ProductHome }, c.Indicators, c.Policy),
            });
            context.Report.Notes.Add(string.Format(CultureInfo.InvariantCulture,
                "monitor storm ({0}, all four sensors): {1:N0} execs in {2:N1} s ({3:N0}/s), {4:N0} events, {5:N0} dropped, monitor CPU {6:N2} s ({7:N1}% of one core), peak RSS {8:N0} MB, {9:N0} detections",
                result.Sources, result.Execs, result.Seconds, result.ExecsPerSecond, result.Events, result.Dropped, result.CpuSeconds, result.CpuPercentOfOneCore, result.PeakRssMb, result.Detections));
            context.Report.Ratios["monitor live storm: CPU share of one core"] = Math.Round(result.CpuPercentOfOneCore / 100, 3);
        }

        /// <summary>Drops under overload: a source writing as fast as it can for three seconds into the monitor with the built-in rules.</summary>
        public static void Overload(BenchContext context)
        {
            BehaviorEvent[] events = SyntheticEvents(100_000);
            using var folder = new BenchFolder();
            using BehaviorEngine engine = folder.Engine(context.Options.BuiltInRules is not null);
            var source = new ArraySource(events, live: true, repeatUntilStopped: true);
            var clock = Stopwatch.StartNew();
            MonitorHealth health;
            using (MonitorSession session = MonitorService.Start(engine, folder.Request(source, TimeSpan.FromSeconds(3)), NullObserver.Instance))
            {
                session.WaitForEnd(TimeSpan.FromSeconds(30));
                health = session.Stop();
            }

            double seconds = clock.Elapsed.TotalSeconds;
            long offered = health.Sources.Sum(s => s.Events);
            context.Report.Ratios["monitor overload: dropped share"] = Math.Round(offered == 0 ? 0 : (double)health.DroppedEvents / offered, 3);
            context.Report.Notes.Add(string.Format(CultureInfo.InvariantCulture,
                "monitor: overload for {0:N1} s: the source wrote {1:N0} events ({2:N0}/s, never blocked), the consumer took {3:N0} ({4:N0}/s), {5:N0} dropped in {6:N0} batches, queue {7:N0} batches",
                seconds, offered, offered / seconds, health.Events, health.Events / seconds, health.DroppedEvents, health.DroppedBatches, health.QueueCapacity));
        }

        /// <summary>The storm step: a synthetic source paced at 2,000 execs/s (the real Linux sensor replaces it at integration).</summary>
        public static void SyntheticStorm(BenchContext context)
        {
            MonitorStormResult result = Storm(new MonitorStormOptions
            {
                BuiltInRules = context.Options.BuiltInRules,
                Duration = TimeSpan.FromSeconds(context.Options.Repeat <= 1 ? 5 : 10),
            });
            context.Report.Notes.Add(string.Format(CultureInfo.InvariantCulture,
                "monitor storm ({0}): {1:N0} execs in {2:N1} s ({3:N0}/s), {4:N0} events, {5:N0} dropped, monitor CPU {6:N2} s ({7:N1}% of one core), peak RSS {8:N0} MB, {9:N0} detections",
                result.Sources, result.Execs, result.Seconds, result.ExecsPerSecond, result.Events, result.Dropped, result.CpuSeconds, result.CpuPercentOfOneCore, result.PeakRssMb, result.Detections));
            context.Report.Ratios["monitor storm: CPU share of one core"] = Math.Round(result.CpuPercentOfOneCore / 100, 3);
        }

        /// <summary>
        /// Runs a monitor over the storm's sources for its duration (starting real /bin/true processes at the rate when
        /// asked) and measures this process's CPU time (/proc/self/stat utime + stime) and peak resident set
        /// (/proc/self/status VmRSS, sampled).
        /// </summary>
        public static MonitorStormResult Storm(MonitorStormOptions options)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            using var folder = new BenchFolder();
            using BehaviorEngine engine = folder.Engine(options.BuiltInRules is not null);
            var synthetic = options.Sources is null ? new StormSource(options.ExecsPerSecond) : null;
            var request = new MonitorRequest
            {
                Sources = synthetic is null ? Array.Empty<IEventSource>() : new IEventSource[] { synthetic },
                SourceFactory = options.Sources,
                ProductHome = folder.Home,
                StorePath = folder.Store,
                Mode = PolicyMode.Audit,
                Duration = options.Duration,
            };
            var observer = new CountingObserver();
            double cpuBefore = CpuSeconds();
            long peakRss = 0;
            using var stopSampling = new ManualResetEventSlim(false);
            var sampler = new Thread(() =>
            {
                do
                {
                    peakRss = Math.Max(peakRss, RssBytes());
                }
                while (!stopSampling.Wait(20));
            }) { IsBackground = true, Name = "bench storm sampler" };
            sampler.Start();
            var clock = Stopwatch.StartNew();
            long spawned = 0;
            MonitorHealth health;
            using (MonitorSession session = MonitorService.Start(engine, request, observer))
            {
                if (options.SpawnExecs)
                {
                    spawned = SpawnStorm(options.ExecsPerSecond, options.Duration);
                }

                session.WaitForEnd(options.Duration + TimeSpan.FromSeconds(30));
                health = session.Stop();
            }

            double seconds = clock.Elapsed.TotalSeconds;
            stopSampling.Set();
            sampler.Join();
            double cpu = CpuSeconds() - cpuBefore;
            long execs = synthetic?.Execs ?? spawned;
            return new MonitorStormResult(synthetic is null ? "live sensors" : "synthetic paced source", Math.Round(seconds, 2), execs, Math.Round(execs / seconds),
                health.Events, health.DroppedEvents, Math.Round(cpu, 2), Math.Round(100 * cpu / seconds, 1), Math.Round(peakRss / 1048576.0, 1), observer.Detections);
        }

        /// <summary>Starts /bin/true at about <paramref name="perSecond"/> for <paramref name="duration"/> from shell loops (so the storm's own cost is not this process's); returns the execs started.</summary>
        private static long SpawnStorm(int perSecond, TimeSpan duration)
        {
            int workers = Math.Max(1, Environment.ProcessorCount);
            long total = (long)(perSecond * duration.TotalSeconds);
            long each = total / workers;

            // Each worker paces itself in batches of 20 execs per (20 * workers / rate) seconds.
            double pause = 20.0 * workers / perSecond;
            var shells = new List<Process>();
            for (int i = 0; i < workers; i++)
            {
                var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add(string.Format(CultureInfo.InvariantCulture,
                    "i=0; while [ $i -lt {0} ]; do j=0; while [ $j -lt 20 ]; do /bin/true; j=$((j+1)); done; i=$((i+20)); sleep {1:0.000}; done", each, pause));
                shells.Add(Process.Start(start)!);
            }

            foreach (Process shell in shells)
            {
                if (!shell.WaitForExit((int)duration.TotalMilliseconds * 3))
                {
                    shell.Kill(entireProcessTree: true);
                }

                shell.Dispose();
            }

            return each * workers;
        }

        internal static double CpuSeconds()
        {
            // Fields 14 and 15 of /proc/self/stat (after the parenthesised name): user and system time in clock ticks (100 per second on Linux).
            try
            {
                string stat = File.ReadAllText("/proc/self/stat");
                string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                return ticks / 100.0;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is IndexOutOfRangeException)
            {
                return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            }
        }

        internal static long RssBytes()
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        return long.Parse(line.Substring(6).Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException)
            {
            }

            return Environment.WorkingSet;
        }

        private static BehaviorEvent[] SyntheticEvents(int count)
        {
            var generator = new SyntheticTelemetry();
            var normalizer = new WindowsEventNormalizer();
            var events = new List<BehaviorEvent>(count);
            while (events.Count < count)
            {
                BehaviorEvent? e = normalizer.Normalize(generator.Next());
                if (e is not null)
                {
                    events.Add(e);
                }
            }

            return events.ToArray();
        }

        private static BehaviorEvent MarkerStart(int pid)
        {
            string command = "/usr/bin/bench-tool --run " + Marker;
            return new BehaviorEvent
            {
                Kind = EventKind.ProcessStart,
                Platform = DetectionPlatform.Linux,
                Time = DateTimeOffset.UtcNow,
                Host = "bench-other-host",
                Channel = "Microsoft-Windows-Sysmon/Operational",
                Provider = "Microsoft-Windows-Sysmon",
                EventId = 1,
                ProcessId = pid,
                ProcessGuid = "{00000000-0000-0000-0000-" + pid.ToString("D12", CultureInfo.InvariantCulture) + "}",
                Image = "/usr/bin/bench-tool",
                CommandLine = command,
                ParentProcessId = pid + 1_000_000,
                Fields = new[] { new KeyValuePair<string, string>("CommandLine", command), new KeyValuePair<string, string>("Image", "/usr/bin/bench-tool") },
            };
        }

        private static BehaviorEvent RealStart(int pid, string? command, bool uniqueParent)
        {
            ProcStat stat = ProcFs.ReadStat(pid) ?? throw new InvalidOperationException("PID " + pid + " is gone");

            // Every root's real parent is this process, never seen starting: the graph would make one synthesized tree of
            // all of them, and a tree already blocked is not blocked again. A parent of its own keeps one tree per run.
            int parent = uniqueParent ? pid + 10_000_000 : stat.ParentId;
            string image = ProcFs.Executable(pid) ?? "/bin/sh";
            string commandLine = command ?? CommandLine(pid);
            string parentImage = ProcFs.Executable(stat.ParentId) ?? "?";
            return new BehaviorEvent
            {
                Kind = EventKind.ProcessStart,
                Platform = DetectionPlatform.Linux,
                Time = ProcFs.StartTime(stat) ?? DateTimeOffset.UtcNow,
                Host = Environment.MachineName,
                Channel = "Microsoft-Windows-Sysmon/Operational",
                Provider = "Microsoft-Windows-Sysmon",
                EventId = 1,
                ProcessId = pid,
                Image = image,
                CommandLine = commandLine,
                User = "root",
                ParentProcessId = parent,
                ParentImage = parentImage,
                Fields = new[]
                {
                    new KeyValuePair<string, string>("ProcessId", pid.ToString(CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, string>("Image", image),
                    new KeyValuePair<string, string>("CommandLine", commandLine),
                    new KeyValuePair<string, string>("ParentProcessId", parent.ToString(CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, string>("ParentImage", parentImage),
                },
            };
        }

        private static string CommandLine(int pid)
        {
            try
            {
                return File.ReadAllText("/proc/" + pid + "/cmdline").TrimEnd('\0').Replace('\0', ' ');
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }

        private static List<int> WaitForTree(int root, int size)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                List<int> tree = Descendants(root);
                if (tree.Count >= size || clock.ElapsedMilliseconds > 10_000)
                {
                    return tree;
                }

                Thread.Sleep(2);
            }
        }

        private static List<int> Descendants(int root)
        {
            List<ProcStat> all = ProcFs.Snapshot().Where(s => !s.HasExited).ToList();
            var tree = new List<int> { root };
            for (int i = 0; i < tree.Count; i++)
            {
                foreach (ProcStat s in all)
                {
                    if (s.ParentId == tree[i] && !tree.Contains(s.ProcessId))
                    {
                        tree.Add(s.ProcessId);
                    }
                }
            }

            return tree;
        }

        private static bool WaitGone(List<int> tree, int timeoutMs)
        {
            var clock = Stopwatch.StartNew();
            while (tree.Any(pid => ProcFs.ReadStat(pid) is ProcStat s && !s.HasExited))
            {
                if (clock.ElapsedMilliseconds > timeoutMs)
                {
                    return false;
                }

                Thread.SpinWait(100);
            }

            return true;
        }

        private static bool IsRoot()
        {
            try
            {
                return BehaviorBlocking.Internal.Libc.geteuid() == 0;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
        }

        /// <summary>A folder with a marker rule, a product home and a store, removed at the end.</summary>
        private sealed class BenchFolder : IDisposable
        {
            private readonly string _folder = Path.Combine(Path.GetTempPath(), "behaviorblocking-bench-monitor-" + Guid.NewGuid().ToString("N"));

            public BenchFolder()
            {
                Directory.CreateDirectory(Path.Combine(_folder, "rules"));
                Directory.CreateDirectory(Home);
                File.WriteAllText(Path.Combine(_folder, "rules", "marker.yml"),
                    "title: Bench monitor marker\nid: 7d3f6c1e-0000-4000-8000-00000000b0b1\nstatus: experimental\nlevel: critical\ntags:\n  - attack.execution\n"
                    + "logsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    CommandLine|contains: '" + Marker + "'\n  condition: sel\n");

                // The same rule for the live Linux sensors' events.
                File.WriteAllText(Path.Combine(_folder, "rules", "marker-linux.yml"),
                    "title: Bench monitor marker (Linux)\nid: 7d3f6c1e-0000-4000-8000-00000000b0b2\nstatus: experimental\nlevel: critical\ntags:\n  - attack.execution\n"
                    + "logsource:\n  product: linux\n  category: process_creation\ndetection:\n  sel:\n    CommandLine|contains: '" + Marker + "'\n  condition: sel\n");
            }

            public string Home => Path.Combine(_folder, "home");

            public string Store => Path.Combine(_folder, "store.db");

            public BehaviorEngine Engine(bool builtIn) => BehaviorEngine.Create(new EngineOptions
            {
                BuiltInRules = builtIn,
                RuleDirectories = new[] { Path.Combine(_folder, "rules") },
                UseModel = false,
            });

            public MonitorRequest Request(IEventSource source, TimeSpan? duration) => new MonitorRequest
            {
                Sources = new[] { source },
                ProductHome = Home,
                StorePath = null,
                Mode = PolicyMode.Audit,
                Duration = duration,
                StatsInterval = TimeSpan.FromSeconds(1),
            };

            public void Dispose()
            {
                try
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(_folder, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }

        /// <summary>Writes an array of events (once, or over and over until stopped) as fast as it can.</summary>
        private sealed class ArraySource : IEventSource
        {
            private readonly BehaviorEvent[] _events;
            private readonly bool _repeat;

            public ArraySource(BehaviorEvent[] events, bool live, bool repeatUntilStopped = false)
            {
                _events = events;
                IsLive = live;
                _repeat = repeatUntilStopped;
            }

            public string Name => "array";

            public bool IsLive { get; }

            public ManualResetEventSlim Done { get; } = new ManualResetEventSlim(false);

            public void Run(IEventWriter writer, CancellationToken cancellationToken)
            {
                do
                {
                    for (int i = 0; i < _events.Length; i++)
                    {
                        writer.Write(_events[i]);
                        if ((i & 1023) == 0 && cancellationToken.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                }
                while (_repeat && !cancellationToken.IsCancellationRequested);

                writer.Flush();
                Done.Set();
                if (IsLive)
                {
                    cancellationToken.WaitHandle.WaitOne();
                }
            }
        }

        /// <summary>Calls a step about once per millisecond (sleeping between ticks), flushing after each.</summary>
        private sealed class PacedSource : IEventSource
        {
            private readonly Func<IEventWriter, Action<int, IEventWriter>> _make;

            public PacedSource(string name, Func<IEventWriter, Action<int, IEventWriter>> make)
            {
                Name = name;
                _make = make;
            }

            public string Name { get; }

            public bool IsLive => true;

            public void Run(IEventWriter writer, CancellationToken cancellationToken)
            {
                Action<int, IEventWriter> step = _make(writer);
                // Sleeps between ticks (a spinning source would take one of the machine's cores from the consumer).
                for (int tick = 0; !cancellationToken.IsCancellationRequested; tick++)
                {
                    step(tick, writer);
                    writer.Flush();
                    Thread.Sleep(1);
                }
            }
        }

        /// <summary>A synthetic exec storm: a start and an exit per exec, paced at a rate, flushed every 5 ms.</summary>
        private sealed class StormSource : IEventSource
        {
            private readonly int _perSecond;
            private long _execs;

            public StormSource(int perSecond) => _perSecond = perSecond;

            public string Name => "synthetic-storm";

            public bool IsLive => true;

            public long Execs => Interlocked.Read(ref _execs);

            public void Run(IEventWriter writer, CancellationToken cancellationToken)
            {
                var clock = Stopwatch.StartNew();
                int pid = 4_000_000;
                while (!cancellationToken.IsCancellationRequested)
                {
                    long due = (long)(clock.Elapsed.TotalSeconds * _perSecond);
                    while (Interlocked.Read(ref _execs) < due)
                    {
                        pid++;
                        writer.Write(StormEvent(EventKind.ProcessStart, pid));
                        writer.Write(StormEvent(EventKind.ProcessExit, pid));
                        Interlocked.Increment(ref _execs);
                    }

                    // Handed over every 5 ms, as a sensor reading the kernel in bursts would.
                    writer.Flush();
                    Thread.Sleep(5);
                }
            }

            private static BehaviorEvent StormEvent(EventKind kind, int pid) => new BehaviorEvent
            {
                Kind = kind,
                Platform = DetectionPlatform.Linux,
                Time = DateTimeOffset.UtcNow,
                Host = "bench-storm-host",
                Channel = "BehaviorBlocking/Linux",
                EventId = kind == EventKind.ProcessStart ? 1 : 5,
                ProcessId = pid,
                ProcessGuid = "{bench-" + pid.ToString(CultureInfo.InvariantCulture) + "}",
                Image = "/usr/bin/true",
                CommandLine = kind == EventKind.ProcessStart ? "/usr/bin/true" : null,
                ParentProcessId = pid + 1_000_000,
                ParentImage = "/bin/sh",
            };
        }

        /// <summary>A source the bench pushes events into; flushes each.</summary>
        private sealed class QueueSource : IEventSource
        {
            private readonly BlockingCollection<BehaviorEvent> _queue = new BlockingCollection<BehaviorEvent>();

            public string Name => "bench-push";

            public bool IsLive => true;

            public void Push(BehaviorEvent e) => _queue.Add(e);

            public void Run(IEventWriter writer, CancellationToken cancellationToken)
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (_queue.TryTake(out BehaviorEvent? e, 20))
                    {
                        writer.Write(e);
                        writer.Flush();
                    }
                }
            }
        }

        /// <summary>Tells the moment a verdict reaches the responder, then lets the real one act.</summary>
        private sealed class StampingResponder
        {
            private readonly Action<Verdict> _stamp;

            public StampingResponder(Action<Verdict> stamp) => _stamp = stamp;

            public IResponder Over(IResponder inner) => new Stamped(inner, _stamp);

            private sealed class Stamped : IResponder
            {
                private readonly IResponder _inner;
                private readonly Action<Verdict> _stamp;

                public Stamped(IResponder inner, Action<Verdict> stamp)
                {
                    _inner = inner;
                    _stamp = stamp;
                }

                public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
                {
                    _stamp(verdict);
                    return _inner.Respond(verdict, decision);
                }
            }
        }

        private sealed class NullObserver : IMonitorObserver
        {
            public static readonly NullObserver Instance = new NullObserver();

            public void OnDetection(Detection detection)
            {
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnHealth(MonitorHealth health)
            {
            }

            public void OnProblem(MonitorProblem problem)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
            }
        }

        private sealed class CountingObserver : IMonitorObserver
        {
            public long Detections;

            public void OnDetection(Detection detection) => Detections++;

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnHealth(MonitorHealth health)
            {
            }

            public void OnProblem(MonitorProblem problem)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
            }
        }
    }
}
