using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Bench;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock bench</c>: throughput, latency, memory and scaling, each with a same-run baseline.</summary>
    internal static class BenchCommand
    {
        /// <summary>Environment variable naming the corpus when <c>--corpus</c> is not given.</summary>
        private const string CorpusVariable = "BEHAVIORBLOCKING_CORPUS";

        private static BehaviorBlocking.Classification.ITreeClassifier? LoadClassifier(CliConsole console)
        {
            try
            {
                return Engine.BehaviorEngine.LoadModel(Engine.EngineLocations.DefaultModelPath);
            }
            catch (BehaviorBlockingException ex)
            {
                console.Error.WriteLine($"bench: warning: {ex.ErrorId}: {ex.Message}");
                return null;
            }
        }

        public static Command Create(CliConsole console)
        {
            var corpus = new Option<string?>("--corpus") { Description = "Recordings to replay (file or directory). Default: the folder named by " + CorpusVariable + "." };
            Option<string> json = CliOptions.OutputFile("--json", "Write every figure to this JSON file.", required: false);
            var quick = new Option<bool>("--quick") { Description = "A smoke run of a few seconds: one repeat, scaling at 10k and 100k events." };
            Option<int?> repeat = CliOptions.Count("--repeat", "Times each corpus pass runs; the fastest counts (default 2, 1 with --quick).");
            var only = new Option<string?>("--only") { Description = "Run only the steps whose name contains this text (e.g. 'full pipeline', 'scaling')." };
            var command = new Command("bench", "Measure the engine on a corpus and on synthetic events, next to baselines from the same run.") { corpus, json, quick, repeat, only };
            command.SetAction(parsed =>
            {
                string? path = parsed.GetValue(corpus) ?? Environment.GetEnvironmentVariable(CorpusVariable);
                if (string.IsNullOrWhiteSpace(path))
                {
                    throw new UsageException($"give --corpus DIR (or set {CorpusVariable}).");
                }

                if (!Directory.Exists(path) && !File.Exists(path))
                {
                    throw new UsageException($"no corpus at '{path}'.");
                }

                bool isQuick = parsed.GetValue(quick);
                var options = new BenchOptions
                {
                    Corpus = path,
                    Repeat = parsed.GetValue(repeat) ?? (isQuick ? 1 : 2),
                    Only = parsed.GetValue(only),
                    ScalingSizes = isQuick ? new long[] { 10_000, 100_000 } : new long[] { 10_000, 100_000, 1_000_000, 10_000_000 },
                    StoreDetections = isQuick ? 2_000 : 20_000,
                    QuarantineRepeats = isQuick ? 3 : 20,
                    ResponseRepeats = isQuick ? 10 : 50,
                    BuiltInRules = Program.BuiltInRulesDirectory,
                    Classifier = () => LoadClassifier(console),
                    Detectors = console.ExtraDetectors,
                    Progress = line => console.Error.WriteLine(line),
                };
                BenchReport report = BenchRunner.Run(options);

                BenchSummary.Write(console.Out, report);
                string? jsonPath = parsed.GetValue(json);
                if (jsonPath is not null)
                {
                    string? folder = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
                    if (folder is not null)
                    {
                        Directory.CreateDirectory(folder);
                    }

                    File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions
                    {
                        WriteIndented = true,
                        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                    }));
                    console.Error.WriteLine("bench: figures written to " + jsonPath);
                }

                return Program.ExitOk;
            });
            return command;
        }
    }

    /// <summary>The bench report as text tables.</summary>
    internal static class BenchSummary
    {
        public static void Write(TextWriter o, BenchReport r)
        {
            CultureInfo c = CultureInfo.InvariantCulture;
            o.WriteLine(string.Format(c, "machine: {0}, {1} cores, {2} GiB, {3}, {4}", r.Machine.Cpu, r.Machine.LogicalCores, r.Machine.MemoryGb, r.Machine.Runtime, r.Machine.GcMode));
            if (r.Corpus is not null)
            {
                o.WriteLine(string.Format(c, "corpus:  {0} ({1:N0} files, {2:N1} MiB stored, {3:N1} MiB decompressed, {4:N0} events)",
                    r.Corpus.Path, r.Corpus.Files, r.Corpus.StoredBytes / 1048576.0, r.Corpus.DecompressedBytes / 1048576.0, r.Corpus.Events));
            }

            o.WriteLine();
            o.WriteLine(string.Format(c, "{0,-28} {1,-25} {2,12} {3,9} {4,9} {5,11} {6,9} {7,9}", "pass", "threading", "events/s", "MB/s in", "MB/s raw", "alloc B/ev", "peak RSS", "heap MiB"));
            foreach (ThroughputResult t in r.Throughput)
            {
                o.WriteLine(string.Format(c, "{0,-28} {1,-25} {2,12:N0} {3,9:N1} {4,9:N1} {5,11:N0} {6,9:N0} {7,9:N0}",
                    t.Name, t.Threading, t.EventsPerSecond, t.StoredMBps, t.DecompressedMBps, t.AllocatedBytesPerEvent, t.Memory.PeakRssMb, t.Memory.PeakHeapMb));
            }

            o.WriteLine();
            o.WriteLine(string.Format(c, "{0,-36} {1,8} {2,10}", "stage (one thread)", "share", "ns/event"));
            foreach (StageResult s in r.Stages)
            {
                o.WriteLine(string.Format(c, "{0,-36} {1,7:P1} {2,10:N0}", s.Stage, s.Share, s.NanosecondsPerEvent));
            }

            o.WriteLine();
            o.WriteLine(string.Format(c, "{0,-48} {1,10} {2,10} {3,10} {4,10} {5,10}", "latency", "count", "p50 µs", "p99 µs", "p99.9 µs", "max µs"));
            foreach (LatencyResult l in r.Latency)
            {
                o.WriteLine(string.Format(c, "{0,-48} {1,10:N0} {2,10:N2} {3,10:N2} {4,10:N2} {5,10:N0}", l.Name, l.Count, l.P50Us, l.P99Us, l.P999Us, l.MaxUs));
            }

            if (r.Response.Count > 0)
            {
                o.WriteLine();
                o.WriteLine(string.Format(c, "{0,-34} {1,6} {2,8} {3,10} {4,10} {5,10} {6,6}", "response (call to all gone)", "tree", "runs", "p50 ms", "p99 ms", "max ms", "done"));
                foreach (ResponseBenchResult x in r.Response)
                {
                    o.WriteLine(string.Format(c, "{0,-34} {1,6:N0} {2,8:N0} {3,10:N2} {4,10:N2} {5,10:N2} {6,6:N0}", x.Action, x.TreeSize, x.Count, x.P50Ms, x.P99Ms, x.MaxMs, x.Done));
                }
            }

            o.WriteLine();
            o.WriteLine(string.Format(c, "{0,12} {1,12} {2,10} {3,11} {4,10} {5,10} {6,9} {7,9}", "synthetic", "events/s", "ns/event", "alloc B/ev", "processes", "retained", "peak RSS", "heap MiB"));
            foreach (ScalingResult s in r.Scaling)
            {
                o.WriteLine(string.Format(c, "{0,12:N0} {1,12:N0} {2,10:N0} {3,11:N0} {4,10:N0} {5,10:N0} {6,9:N0} {7,9:N0}",
                    s.Events, s.EventsPerSecond, s.NanosecondsPerEvent, s.AllocatedBytesPerEvent, s.ProcessesHeldAtEnd, s.RetainedEventsAtEnd, s.Memory.PeakRssMb, s.Memory.PeakHeapMb));
            }

            o.WriteLine();
            foreach (var ratio in r.Ratios.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                o.WriteLine(string.Format(c, "{0,-40} {1:N3}", ratio.Key, ratio.Value));
            }

            foreach (string note in r.Notes)
            {
                o.WriteLine("note: " + note);
            }

            o.WriteLine(string.Format(c, "bench took {0:N1} s", r.Seconds));
        }
    }
}
