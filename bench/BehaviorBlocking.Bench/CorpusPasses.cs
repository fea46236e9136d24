using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Passes over the same corpus bytes, each adding one stage: the differences between them
    /// are the stages' costs, and the two baselines tell what reading alone costs on this machine.
    /// </summary>
    internal static class CorpusPasses
    {
        public const string Split = "baseline.split-lines";
        public const string Json = "baseline.json-parse";
        public const string Read = "engine.read";
        public const string Normalized = "engine.normalize";
        public const string Graphed = "engine.graph";
        public const string Single = "engine.pipeline";
        public const string Threaded = "engine.pipeline-threaded";
        public const string WithBuiltIn = "engine.pipeline+builtin-rules";
        public const string WithGenerated = "engine.pipeline+generated-rules";
        private const int MaxRecordBytes = 16 * 1024 * 1024;

        public static void SplitLines(BenchContext context)
        {
            // Census first (untimed), so every pass can report decompressed MB/s.
            long decompressed = 0, events = 0;
            foreach (string file in context.Files)
            {
                decompressed += SplitFile(file, out _);
                events += CountRecords(file);
            }

            context.Report.Corpus = new CorpusInfo(context.Options.Corpus, context.Files.Count, context.StoredBytes, decompressed, events);
            context.Measure(Split, "one thread", () =>
            {
                long lines = 0;
                foreach (string file in context.Files)
                {
                    SplitFile(file, out long fileLines);
                    lines += fileLines;
                }

                return lines;
            });
        }

        private static long SplitFile(string file, out long lines)
        {
            long bytes = 0;
            lines = 0;
            using FileStream raw = OpenFile(file);
            using Stream content = ReplayInputs.OpenContent(raw, file, FailOnProblem, out _);
            var reader = new Utf8LineReader(content, maxLineBytes: MaxRecordBytes);
            while (reader.TryReadLine(out ArraySegment<byte> line, out _))
            {
                lines++;
                bytes += line.Count + 1;
            }

            return bytes;
        }

        public static void ParseJson(BenchContext context)
        {
            context.Measure(Json, "one thread", () =>
            {
                long records = 0;
                foreach (string file in context.Files)
                {
                    using FileStream raw = OpenFile(file);
                    using Stream content = ReplayInputs.OpenContent(raw, file, FailOnProblem, out ReplayFormat format);
                    if (format != ReplayFormat.JsonLines)
                    {
                        continue;
                    }

                    var lines = new Utf8LineReader(content, maxLineBytes: MaxRecordBytes);
                    while (lines.TryReadLine(out ArraySegment<byte> line, out bool tooLong))
                    {
                        if (tooLong || line.Count == 0)
                        {
                            continue;
                        }

                        try
                        {
                            var json = new Utf8JsonReader(line.AsSpan());
                            while (json.Read())
                            {
                                if (json.TokenType == JsonTokenType.String)
                                {
                                    // Materialize values as the engine must; tokenizing alone would flatter the baseline.
                                    _ = json.GetString();
                                }
                            }

                            records++;
                        }
                        catch (JsonException)
                        {
                        }
                    }
                }

                return records;
            });
        }

        public static void ReadRecords(BenchContext context)
        {
            context.Measure(Read, "one thread", () => ForEachRecord(context, _ => { }));
        }

        public static void Normalize(BenchContext context)
        {
            var normalizer = new WindowsEventNormalizer();
            context.Measure(Normalized, "one thread", () => ForEachRecord(context, record => Normalize(normalizer, record)));
        }

        public static void Graph(BenchContext context)
        {
            var normalizer = new WindowsEventNormalizer();
            context.Measure(Graphed, "one thread", () =>
            {
                var graph = new ProcessGraph();
                return ForEachRecord(context, record =>
                {
                    BehaviorEvent? e = Normalize(normalizer, record);
                    if (e is not null)
                    {
                        graph.Apply(e);
                    }
                }, graph.CloseAll);
            });
        }

        public static void PipelineSingleThread(BenchContext context) => Scan(context, Single, pipelined: false, context.Options.Detectors);

        public static void PipelineThreaded(BenchContext context) => Scan(context, Threaded, pipelined: true, context.Options.Detectors);

        public static void PipelineBuiltInRules(BenchContext context)
        {
            if (context.BuiltInRules.Rules.Count == 0)
            {
                context.Report.Notes.Add("built-in rules: none configured, pass skipped");
                return;
            }

            ThroughputResult with = Scan(context, WithBuiltIn, pipelined: false, context.ScanDetectors, detections => context.BuiltInDetections = detections);
            context.Report.Notes.Add($"built-in rules: {context.BuiltInRules.Rules.Count} rules (set {context.BuiltInRules.Version})");
            Ratio(context, "builtin-rules/no-rules (one thread)", with);
        }

        public static void PipelineGeneratedRules(BenchContext context)
        {
            string dir = Path.Combine(Path.GetTempPath(), "behaviorblocking-bench-rules-" + Guid.NewGuid().ToString("N"));
            try
            {
                GeneratedRules.Write(dir, context.Options.GeneratedRules);
                RuleSet rules = RuleSet.Load(new[] { new RuleSource(dir, "generated") });
                context.Report.Notes.Add($"generated rules: {rules.Rules.Count} loaded, {rules.Skipped.Count} skipped");
                ThroughputResult with = Scan(context, WithGenerated, pipelined: false, () => new IDetector[] { new RuleDetector(rules) });
                Ratio(context, "generated-rules/no-rules (one thread)", with);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        private static void Ratio(BenchContext context, string name, ThroughputResult with)
        {
            ThroughputResult? without = context.Find(Single);
            if (without is not null && without.EventsPerSecond > 0)
            {
                context.Report.Ratios[name] = Math.Round(with.EventsPerSecond / without.EventsPerSecond, 3);
            }
        }

        public static void StageShares(BenchContext context)
        {
            ThroughputResult? read = context.Find(Read), normalized = context.Find(Normalized), graphed = context.Find(Graphed);
            ThroughputResult? bare = context.Find(Single), withRules = context.Find(WithBuiltIn);
            ThroughputResult? single = withRules ?? bare;
            if (read is null || normalized is null || graphed is null || bare is null || single is null || single.Events == 0)
            {
                context.Report.Notes.Add("stage shares: a pass is missing");
                return;
            }

            // Each pass adds one stage to the one before; a difference below zero is noise and counts as zero.
            // The store is not in the passes: its share is the detections of the rules pass times the measured cost per upserted detection.
            var stages = new List<(string, double)>
            {
                ("read (decompress, split, parse)", read.Seconds),
                ("normalize", Math.Max(0, normalized.Seconds - read.Seconds)),
                ("process graph", Math.Max(0, graphed.Seconds - normalized.Seconds)),
                ("scanner and collection (no detectors)", Math.Max(0, bare.Seconds - graphed.Seconds)),
                ("rules (built-in pack)", withRules is null ? 0 : Math.Max(0, withRules.Seconds - bare.Seconds)),
                ("store (estimated)", context.BuiltInDetections * context.StoreSecondsPerDetection),
            };
            double total = 0;
            foreach ((_, double seconds) in stages)
            {
                total += seconds;
            }

            foreach ((string stage, double seconds) in stages)
            {
                context.Report.Stages.Add(new StageResult(stage, Math.Round(seconds, 3), Math.Round(seconds / total, 3), Math.Round(seconds * 1e9 / single.Events)));
            }

            single = bare;
            ThroughputResult? json = context.Find(Json);
            ThroughputResult? threaded = context.Find(Threaded);
            if (json is not null && json.EventsPerSecond > 0)
            {
                context.Report.Ratios["engine/json-parse (one thread)"] = Math.Round(single.EventsPerSecond / json.EventsPerSecond, 3);
                if (threaded is not null)
                {
                    context.Report.Ratios["engine/json-parse (threaded)"] = Math.Round(threaded.EventsPerSecond / json.EventsPerSecond, 3);
                }
            }

            ThroughputResult? split = context.Find(Split);
            if (split is not null && split.EventsPerSecond > 0)
            {
                context.Report.Ratios["engine/split-lines (one thread)"] = Math.Round(single.EventsPerSecond / split.EventsPerSecond, 3);
            }

            if (threaded is not null)
            {
                context.Report.Ratios["threaded/one thread"] = Math.Round(threaded.EventsPerSecond / single.EventsPerSecond, 3);
            }
        }

        /// <summary>Per event: normalized event through graph and detectors; per closed tree: the detectors' last look (the tree verdict).</summary>
        public static void PipelineLatency(BenchContext context)
        {
            LatencyHistogram perEvent = context.Latency("pipeline.event (graph + detectors)");
            LatencyHistogram perTree = context.Latency("tree.close (verdict stage + detectors)");
            LatencyHistogram perNormalize = context.Latency("normalize.event");
            IReadOnlyList<IDetector> detectors = context.ScanDetectors();
            var pipeline = new BehaviorPipeline(detectors, _ => { }) { TreeCloseTicks = perTree.RecordTicks };
            var normalizer = new WindowsEventNormalizer();
            ForEachRecord(context, record =>
            {
                long start = Stopwatch.GetTimestamp();
                BehaviorEvent? e = Normalize(normalizer, record);
                long normalized = Stopwatch.GetTimestamp();
                perNormalize.RecordTicks(normalized - start);
                if (e is not null)
                {
                    pipeline.Process(e);
                    perEvent.RecordTicks(Stopwatch.GetTimestamp() - normalized);
                }
            }, pipeline.EndRecording);
            if (detectors.Count == 0)
            {
                context.Report.Notes.Add("tree.close: no detectors are loaded, so the figure is the cost of the call alone");
            }
        }

        /// <summary>Per tree verdict with the classifier: reading the tree's features and one inference, as the verdict engine does.</summary>
        public static void ModelLatency(BenchContext context)
        {
            BehaviorBlocking.Classification.ITreeClassifier? classifier = context.Options.Classifier();
            if (classifier is null)
            {
                context.Report.Notes.Add("tree verdict with the model: no model could be loaded, step skipped");
                return;
            }

            LatencyHistogram features = context.Latency("classifier.features (per tree)");
            LatencyHistogram inference = context.Latency("classifier.inference (per tree)");
            LatencyHistogram verdict = context.Latency("classifier.tree-verdict (features + inference)");
            var collector = new BehaviorBlocking.Features.TreeFeatureCollector();
            var probabilities = new float[classifier.Classes.Count];
            var vector = new float[BehaviorBlocking.Features.FeatureSchema.Count];
            var probe = new TreeProbe(tree =>
            {
                long start = Stopwatch.GetTimestamp();
                bool found = collector.TryFill(tree, vector);
                long read = Stopwatch.GetTimestamp();
                if (!found)
                {
                    return;
                }

                classifier.Predict(vector, probabilities);
                long done = Stopwatch.GetTimestamp();
                features.RecordTicks(read - start);
                inference.RecordTicks(done - read);
                verdict.RecordTicks(done - start);
            });
            var rules = new RuleDetector(context.BuiltInRules);
            var vectors = new List<float[]>();
            collector.TreeCompleted += row => vectors.Add(row.Features);
            var pipeline = new BehaviorPipeline(new IDetector[] { probe, collector, rules }, _ => { });
            new ReplayScanner(new WindowsEventNormalizer(), pipeline, new ReplayScanOptions { Pipelined = false }).Run(new[] { context.Options.Corpus }, _ => { });
            context.Report.Notes.Add("classifier: model " + classifier.Version);

            // The same inferences again, alone in a loop over the corpus's tree vectors, next to a fixed
            // CPU-only workload timed the same way: the machine's own jitter, for reading the tails above.
            LatencyHistogram isolated = context.Latency("classifier.inference (isolated loop over the corpus's trees)");
            LatencyHistogram jitter = context.Latency("baseline.cpu-loop (fixed work, same-run jitter reference)");
            double sink = 1;
            long allocatedBefore = 0;
            for (int round = 0; round < 3; round++)
            {
                if (round == 1)
                {
                    allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                }

                foreach (float[] vector2 in vectors)
                {
                    long start = Stopwatch.GetTimestamp();
                    classifier.Predict(vector2, probabilities);
                    long done = Stopwatch.GetTimestamp();
                    for (int k = 0; k < 2000; k++)
                    {
                        sink = (sink * 1.0000001) + 0.5;
                    }

                    long spun = Stopwatch.GetTimestamp();
                    if (round > 0)
                    {
                        isolated.RecordTicks(done - start);
                        jitter.RecordTicks(spun - done);
                    }
                }
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            long runs = 2L * vectors.Count;
            context.Report.Notes.Add("classifier: " + (runs == 0 ? 0 : allocated / runs).ToString(System.Globalization.CultureInfo.InvariantCulture)
                + " bytes allocated per isolated inference (" + runs.ToString(System.Globalization.CultureInfo.InvariantCulture) + " runs)");
            context.Report.Notes.Add("cpu-loop checksum " + sink.ToString("E3", System.Globalization.CultureInfo.InvariantCulture) + " (keeps the loop from being optimized away)");
        }

        private static ThroughputResult Scan(BenchContext context, string name, bool pipelined, Func<IReadOnlyList<IDetector>> detectors, Action<long>? detections = null)
        {
            return context.Measure(name, pipelined ? "reader thread + consumer" : "one thread", () =>
            {
                var pipeline = new BehaviorPipeline(detectors(), _ => { });
                var scanner = new ReplayScanner(new WindowsEventNormalizer(), pipeline, new ReplayScanOptions { Pipelined = pipelined });
                ScanStatistics stats = scanner.Run(new[] { context.Options.Corpus }, _ => { });
                detections?.Invoke(stats.Detections);
                return stats.Events;
            });
        }

        private static BehaviorEvent? Normalize(WindowsEventNormalizer normalizer, EventRecord record)
        {
            try
            {
                return normalizer.Normalize(record);
            }
            catch (BehaviorBlockingException)
            {
                return null;
            }
        }

        private static long ForEachRecord(BenchContext context, Action<EventRecord> handle, Action? endOfFile = null)
        {
            long count = 0;
            var strings = new Utf8StringCache();
            foreach (string file in context.Files)
            {
                using FileStream raw = OpenFile(file);
                IRecordReader reader = ReplayInputs.Open(raw, file, _ => { }, strings, MaxRecordBytes);
                for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                {
                    handle(record);
                    count++;
                }

                endOfFile?.Invoke();
            }

            return count;
        }

        private static long CountRecords(string file)
        {
            using FileStream raw = OpenFile(file);
            IRecordReader reader = ReplayInputs.Open(raw, file, _ => { }, new Utf8StringCache(), MaxRecordBytes);
            long count = 0;
            while (reader.Next() is not null)
            {
                count++;
            }

            return count;
        }

        private static FileStream OpenFile(string file) =>
            new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.SequentialScan);

        // The baselines time clean input: a damaged corpus file stops the pass rather than flattering it.
        private static void FailOnProblem(ReplayProblem problem) => throw new InvalidDataException(problem.ToString());

        /// <summary>Calls back when a tree closes, before the collector lets go of it (it runs first).</summary>
        private sealed class TreeProbe : IDetector
        {
            private readonly Action<ProcessTree> _onClose;

            public TreeProbe(Action<ProcessTree> onClose) => _onClose = onClose;

            public string Name => "probe";

            public string? Version => null;

            public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
            {
            }

            public void OnTreeClosed(ProcessTree tree) => _onClose(tree);

            public void OnTreesMerged(ProcessTree from, ProcessTree into)
            {
            }

            public void OnRecordingEnd()
            {
            }
        }
    }
}
