using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Bench
{
    /// <summary>What a bench run measures and on what.</summary>
    public sealed class BenchOptions
    {
        /// <summary>Recordings to replay (files or directories).</summary>
        public string Corpus { get; init; } = string.Empty;

        /// <summary>Times each corpus pass runs; the fastest counts (the machines are shared and noisy).</summary>
        public int Repeat { get; init; } = 2;

        /// <summary>Synthetic event counts for the scaling runs.</summary>
        public IReadOnlyList<long> ScalingSizes { get; init; } = new long[] { 10_000, 100_000, 1_000_000, 10_000_000 };

        /// <summary>Detections written in the store measurement.</summary>
        public int StoreDetections { get; init; } = 20_000;

        /// <summary>Times a 10 MB file is quarantined and restored.</summary>
        public int QuarantineRepeats { get; init; } = 20;
        /// <summary>Process trees started and killed in the response measurement.</summary>
        public int ResponseRepeats { get; init; } = 50;

        /// <summary>The built-in rule pack's directory; null to measure without it.</summary>
        public string? BuiltInRules { get; init; }

        /// <summary>The classifier for the tree-verdict latency step; null skips it.</summary>
        public Func<BehaviorBlocking.Classification.ITreeClassifier?> Classifier { get; init; } = () => null;

        /// <summary>Rules in the generated rule set (the rule engine's scaling measurement).</summary>
        public int GeneratedRules { get; init; } = 3000;

        /// <summary>Detectors run beside the rules.</summary>
        public Func<IReadOnlyList<IDetector>> Detectors { get; init; } = () => Array.Empty<IDetector>();

        /// <summary>Run only the steps whose name contains this text (all when null).</summary>
        public string? Only { get; init; }

        /// <summary>Receives a line as each step starts and ends.</summary>
        public Action<string> Progress { get; init; } = _ => { };
    }

    /// <summary>
    /// Runs the measurement steps in order and collects their figures. A measurement is one
    /// function <c>(BenchContext) =&gt; void</c> added to <see cref="Steps"/>; it records through the
    /// context (<see cref="BenchContext.Measure"/>, <see cref="BenchContext.Latency"/>).
    /// </summary>
    public static class BenchRunner
    {
        /// <summary>The steps of a run, in order: baselines first, so every engine figure has its same-run reference.</summary>
        public static IReadOnlyList<(string Name, Action<BenchContext> Run)> Steps { get; } = new (string, Action<BenchContext>)[]
        {
            ("baseline: decompress and split lines", CorpusPasses.SplitLines),
            ("baseline: JSON parse only", CorpusPasses.ParseJson),
            ("engine: read records", CorpusPasses.ReadRecords),
            ("engine: read + normalize", CorpusPasses.Normalize),
            ("engine: read + normalize + graph", CorpusPasses.Graph),
            ("engine: full pipeline without rules, one thread", CorpusPasses.PipelineSingleThread),
            ("engine: full pipeline without rules, reader thread + consumer", CorpusPasses.PipelineThreaded),
            ("engine: full pipeline with the built-in rules", CorpusPasses.PipelineBuiltInRules),
            ("engine: full pipeline with generated rules", CorpusPasses.PipelineGeneratedRules),
            ("latency: event to verdict (pipeline)", CorpusPasses.PipelineLatency),
            ("latency: tree verdict (features + model)", CorpusPasses.ModelLatency),
            ("response: engine run with the built-in rules, and responders", ResponderBench.Run),
            ("store: upsert and query", StoreBench.Run),
            ("response: quarantine and restore a 10 MB file", QuarantineBench.Run),
            ("response: kill a 10-process tree", ResponseBench.Run),
            ("linux sensor: exec-to-event latency and exec storm", LinuxSensorBench.Run),
            ("stage shares", CorpusPasses.StageShares),
            ("scaling: synthetic events", ScalingBench.Run),
            ("live: fanotify exec guard and file sensor", FanotifyBench.Run),
            ("monitor: consumer throughput next to the replay pipeline", MonitorBench.Throughput),
            ("monitor: event to verdict latency", MonitorBench.Latency),
            ("monitor: verdict to kill, real trees", MonitorBench.Kill),
            ("monitor: drops under overload", MonitorBench.Overload),
            ("monitor: exec storm, CPU and RSS", MonitorBench.SyntheticStorm),
            ("monitor: live sensors, exec to verdict to kill", MonitorBench.LiveKill),
            ("monitor: live sensors, exec storm", MonitorBench.LiveStorm),
        };

        /// <summary>Runs every step.</summary>
        public static BenchReport Run(BenchOptions options)
        {
            var report = new BenchReport { Started = DateTimeOffset.UtcNow };
            var clock = Stopwatch.StartNew();
            var problems = new List<ReplayProblem>();
            IReadOnlyList<string> files = ReplayInputs.Expand(new[] { options.Corpus }, problems.Add);
            if (files.Count == 0)
            {
                throw new BehaviorBlockingException(ReplayProblem.InputNotFoundErrorId, FailureKind.NotFound,
                    $"no recordings found at '{options.Corpus}'");
            }

            var context = new BenchContext(options, report, files);
            foreach ((string name, Action<BenchContext> run) in Steps)
            {
                if (options.Only is not null && name.IndexOf(options.Only, StringComparison.OrdinalIgnoreCase) < 0)
                {
                    continue;
                }

                options.Progress("bench: " + name);
                run(context);
            }

            context.Complete();
            report.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
            return report;
        }
    }

    /// <summary>What a measurement step works with and records into.</summary>
    public sealed class BenchContext
    {
        private readonly List<LatencyHistogram> _latencies = new List<LatencyHistogram>();
        private RuleSet? _builtIn;

        /// <summary>Detections the built-in-rules pass emitted (for the store's share of the cost).</summary>
        public long BuiltInDetections { get; set; }

        /// <summary>Measured seconds per detection written to the store (0 until the store step ran).</summary>
        public double StoreSecondsPerDetection { get; set; }

        internal BenchContext(BenchOptions options, BenchReport report, IReadOnlyList<string> files)
        {
            Options = options;
            Report = report;
            Files = files;
        }

        /// <summary>The run's options.</summary>
        public BenchOptions Options { get; }

        /// <summary>The report being filled.</summary>
        public BenchReport Report { get; }

        /// <summary>The corpus files, in scan order.</summary>
        public IReadOnlyList<string> Files { get; }

        /// <summary>Stored size of the corpus files.</summary>
        public long StoredBytes
        {
            get
            {
                long total = 0;
                foreach (string file in Files)
                {
                    total += new FileInfo(file).Length;
                }

                return total;
            }
        }

        /// <summary>
        /// Runs <paramref name="pass"/> (which returns the events it handled) <see cref="BenchOptions.Repeat"/>
        /// times after a full collection, keeps the fastest, and records throughput, allocation and memory.
        /// </summary>
        public ThroughputResult Measure(string name, string threading, Func<long> pass)
        {
            ThroughputResult? best = null;
            for (int i = 0; i < Math.Max(1, Options.Repeat); i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                long allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
                using ResourceSampler sampler = ResourceSampler.Start();
                var clock = Stopwatch.StartNew();
                long events = pass();
                clock.Stop();
                MemoryResult memory = sampler.Stop();
                long allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
                double seconds = clock.Elapsed.TotalSeconds;
                var result = new ThroughputResult(
                    name, threading, events, Math.Round(seconds, 3), Math.Round(events / seconds),
                    Math.Round(StoredBytes / 1048576.0 / seconds, 1),
                    Report.Corpus is null ? 0 : Math.Round(Report.Corpus.DecompressedBytes / 1048576.0 / seconds, 1),
                    events == 0 ? 0 : Math.Round((double)allocated / events, 1), memory);
                if (best is null || result.Seconds < best.Seconds)
                {
                    best = result;
                }
            }

            Report.Throughput.Add(best!);
            return best!;
        }

        /// <summary>A latency distribution that lands in the report when the run completes.</summary>
        public LatencyHistogram Latency(string name)
        {
            var histogram = new LatencyHistogram(name);
            _latencies.Add(histogram);
            return histogram;
        }

        /// <summary>The built-in rule pack, loaded once per run (empty when not configured).</summary>
        public RuleSet BuiltInRules => _builtIn ??= Options.BuiltInRules is null
            ? RuleSet.Empty
            : RuleSet.Load(new[] { new RuleSource(Options.BuiltInRules, "builtin") });

        /// <summary>The detectors of a normal scan: the built-in rules and any extra detectors.</summary>
        public IReadOnlyList<IDetector> ScanDetectors()
        {
            var detectors = new List<IDetector>();
            if (BuiltInRules.Rules.Count > 0)
            {
                detectors.Add(new RuleDetector(BuiltInRules));
            }

            detectors.AddRange(Options.Detectors());
            return detectors;
        }

        /// <summary>The throughput result of an earlier step, by name.</summary>
        public ThroughputResult? Find(string name) => Report.Throughput.Find(t => t.Name == name);

        internal void Complete()
        {
            foreach (LatencyHistogram histogram in _latencies)
            {
                Report.Latency.Add(histogram.ToResult());
            }
        }
    }
}
