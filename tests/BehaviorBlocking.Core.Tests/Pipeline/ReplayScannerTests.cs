using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Tests.Sensors.Replay;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Pipeline
{
    /// <summary>Like <see cref="FieldNormalizer"/>, but a record with the field <c>Explode</c> makes it throw as a buggy mapping would.</summary>
    internal sealed class ExplodingNormalizer : IEventNormalizer
    {
        private readonly FieldNormalizer _inner = new FieldNormalizer();

        public BehaviorEvent Normalize(EventRecord record) => record.GetField("Explode") is not null
            ? throw new IndexOutOfRangeException("mapping bug")
            : _inner.Normalize(record);
    }

    /// <summary>A signal source for tests: one medium-level Execution behavior named <c>Watch</c>.</summary>
    internal sealed class TestSignalSource : ISignalSource
    {
        public TestSignalSource(string id, Tactic tactic = Tactic.Execution, Severity level = Severity.Medium, string variant = "Watch")
        {
            Id = id;
            Tactic = tactic;
            Level = level;
            Variant = variant;
        }

        public string Id { get; }

        public string Title => "test signal " + Id;

        public Severity Level { get; }

        public Tactic Tactic { get; }

        public IReadOnlyList<string> Techniques { get; } = new[] { "T1059" };

        public string Variant { get; }
    }

    /// <summary>Signals every start of one image (an Execution behavior); counts what it saw.</summary>
    internal sealed class ImageWatchDetector : IDetector
    {
        private readonly string _image;
        private readonly ISignalSource _source;

        public ImageWatchDetector(string image, ISignalSource? source = null)
        {
            _image = image;
            _source = source ?? new TestSignalSource("watch-" + image);
        }

        public string Name => "image-watch";

        public string? Version => null;

        public int TreesClosed { get; private set; }

        public int TreesMerged { get; private set; }

        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
        {
            if (process is null || behaviorEvent.Kind != EventKind.ProcessStart || process.ImageName != _image)
            {
                return;
            }

            sink.Signal(_source, behaviorEvent, process);
        }

        public void OnTreeClosed(ProcessTree tree) => TreesClosed++;

        public void OnTreesMerged(ProcessTree from, ProcessTree into) => TreesMerged++;

        public void OnRecordingEnd() => RecordingsEnded++;

        public int RecordingsEnded { get; private set; }
    }

    internal sealed class ThrowingDetector : IDetector
    {
        public string Name => "throws";

        public string? Version => null;

        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink) => throw new InvalidOperationException("boom");

        public void OnTreeClosed(ProcessTree tree) => throw new InvalidOperationException("boom on close");

        public void OnTreesMerged(ProcessTree from, ProcessTree into) => throw new InvalidOperationException("boom on merge");

        public void OnRecordingEnd() => throw new InvalidOperationException("boom at end");
    }

    /// <summary>Maps every record to a process start or file event from its fields (the real normalizer is tested on its own).</summary>
    internal sealed class FieldNormalizer : IEventNormalizer
    {
        public BehaviorEvent Normalize(EventRecord record)
        {
            if (record.TimeCreated is null)
            {
                throw new BehaviorBlockingException("EventTimeMissing", FailureKind.InvalidData, "no time");
            }

            return new BehaviorEvent
            {
                Kind = record.EventId == 1 ? EventKind.ProcessStart : EventKind.FileCreate,
                Time = record.TimeCreated.Value,
                Host = record.Computer,
                EventId = record.EventId,
                RecordId = record.RecordId,
                ProcessId = int.TryParse(record.GetField("ProcessId"), out int pid) ? pid : null,
                ParentProcessId = int.TryParse(record.GetField("ParentProcessId"), out int ppid) ? ppid : null,
                Image = record.GetField("Image"),
                Fields = record.Fields,
                SourceFile = record.SourceFile,
                SourceLine = record.SourceLine,
            };
        }
    }

    public sealed class ReplayScannerTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-scan-" + Guid.NewGuid().ToString("N"));

        public ReplayScannerTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static string Line(int eventId, int second, int pid, string image, int? parent = null, int record = 0) =>
            "{\"EventID\":" + eventId + ",\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"WS1\",\"TimeCreated\":\"2024-03-01T10:00:" +
            second.ToString("00") + "Z\",\"EventRecordID\":" + record + ",\"ProcessId\":\"" + pid + "\",\"Image\":\"C:\\\\x\\\\" + image + "\"" +
            (parent is null ? string.Empty : ",\"ParentProcessId\":\"" + parent + "\"") + "}";

        private string Write(string name, params string[] lines)
        {
            string path = Path.Combine(_dir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            byte[] bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
            if (name.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var file = File.Create(path);
                using var gz = new GZipStream(file, CompressionLevel.Fastest);
                gz.Write(bytes, 0, bytes.Length);
            }
            else
            {
                File.WriteAllBytes(path, bytes);
            }

            return path;
        }

        private static (ScanStatistics Stats, List<Detection> Detections, List<ReplayProblem> Problems) Scan(
            IReadOnlyList<string> paths, bool pipelined, params IDetector[] detectors)
        {
            var detections = new List<Detection>();
            var problems = new List<ReplayProblem>();
            var pipeline = new BehaviorPipeline(detectors, detections.Add);
            var scanner = new ReplayScanner(new FieldNormalizer(), pipeline, new ReplayScanOptions { Pipelined = pipelined, BatchSize = 2 });
            ScanStatistics stats = scanner.Run(paths, problems.Add);
            return (stats, detections, problems);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Run_DirectoryOfRecordings_EmitsOneUpdatedDetectionPerTreeAndCountsEverything(bool pipelined)
        {
            Write("a/one.jsonl",
                Line(1, 0, 100, "winword.exe", record: 1),
                Line(1, 1, 200, "cmd.exe", parent: 100, record: 2),
                Line(1, 2, 300, "cmd.exe", parent: 200, record: 3),
                Line(11, 3, 300, "cmd.exe", record: 4));
            Write("b/two.jsonl.gz",
                "{broken",
                Line(1, 5, 100, "cmd.exe", record: 1),
                "{\"EventID\":11,\"Channel\":\"x\",\"Computer\":\"WS1\"}");
            var watch = new ImageWatchDetector("cmd.exe");

            var (stats, detections, problems) = Scan(new[] { _dir }, pipelined, watch);

            Assert.Equal(2, stats.Files);
            Assert.Equal(0, stats.FilesUnreadable);
            Assert.Equal(5, stats.Events);
            Assert.Equal(2, stats.Malformed);
            Assert.Equal(new long[] { 1, 3 }, problems.Select(p => p.Line));
            Assert.Equal("EventTimeMissing", problems[1].ErrorId);
            Assert.Equal(4, stats.EventsByKind.Single(k => k.Kind == EventKind.ProcessStart).Count);
            Assert.Equal(4, stats.Processes);
            Assert.Equal(2, stats.Trees);
            Assert.Equal(2, detections.Count);
            // One signal source matched twice in the first tree: its rule evidence and both events.
            Assert.Equal(3, detections[0].Evidence.Count);
            Assert.Equal(new[] { "rule", "event", "event" }, detections[0].Evidence.Select(e => e.Kind));
            Assert.EndsWith("one.jsonl", detections[0].SourceFile);
            Assert.EndsWith("two.jsonl.gz", detections[1].SourceFile);
            Assert.Equal(2, stats.Detections);
            Assert.Equal(2, watch.TreesClosed);
            Assert.Equal(3, watch.RecordingsEnded);
            Assert.False(stats.NothingRead);
        }

        [Fact]
        public void Run_FailingDetector_IsCountedAndOthersStillRun()
        {
            string file = Write("one.jsonl", Line(1, 0, 100, "cmd.exe"), Line(1, 1, 101, "cmd.exe"));

            var (stats, detections, _) = Scan(new[] { file }, pipelined: true, new ThrowingDetector(), new ImageWatchDetector("cmd.exe"));

            Assert.Equal(2, detections.Count);
            DetectorHealth health = stats.Detectors.Single(d => d.Name == "throws");
            Assert.Equal(6, health.Failures);
            Assert.Equal("InvalidOperationException: boom", health.FirstError);
        }

        [Fact]
        public void Run_OnlyMissingOrUnreadableInputs_ReportsNothingRead()
        {
            string notGzip = Path.Combine(_dir, "fake.jsonl.gz");
            File.WriteAllBytes(notGzip, new byte[] { 0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 });

            var (stats, _, problems) = Scan(new[] { Path.Combine(_dir, "missing.jsonl"), notGzip }, pipelined: true);

            Assert.True(stats.NothingRead);
            Assert.Equal(2, stats.FilesUnreadable);
            Assert.Contains(problems, p => p.ErrorId == "InputNotFound");
            Assert.Contains(problems, p => p.File == notGzip && p.IsFileLevel);
        }

        [Fact]
        public void Run_Cancelled_StopsAndStillReportsWhatWasRead()
        {
            string file = Write("many.jsonl", Enumerable.Range(0, 50).Select(i => Line(1, i % 60, 1000 + i, "cmd.exe")).ToArray());
            using var cancel = new CancellationTokenSource();
            cancel.Cancel();
            var pipeline = new BehaviorPipeline(Array.Empty<IDetector>(), _ => { });
            var scanner = new ReplayScanner(new FieldNormalizer(), pipeline, new ReplayScanOptions { BatchSize = 4 });

            ScanStatistics stats = scanner.Run(new[] { file }, _ => { }, cancel.Token);

            Assert.True(stats.Events < 50);
        }

        [UnixFact]
        public void Run_FifoBesideAFile_IsStreamedLikeAFile()
        {
            // The reproduction: mkfifo f.jsonl; cat sample > f.jsonl & bb scan sample f.jsonl crashed.
            string file = Write("sample.jsonl", Line(1, 0, 100, "cmd.exe"), Line(1, 1, 200, "cmd.exe", parent: 100));
            string fifo = Path.Combine(_dir, "f.jsonl");
            ReplayInputsTests.MakeFifo(fifo);
            byte[] content = File.ReadAllBytes(file);
            Task writer = Task.Run(() =>
            {
                using var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                for (int i = 0; i < content.Length; i += 7)
                {
                    pipe.Write(content, i, Math.Min(7, content.Length - i));
                    pipe.Flush();
                }
            });

            var (stats, detections, problems) = Scan(new[] { file, fifo }, pipelined: true, new ImageWatchDetector("cmd.exe"));
            writer.Wait(TimeSpan.FromSeconds(30));

            Assert.Empty(problems);
            Assert.Equal(2, stats.Files);
            Assert.Equal(4, stats.Events);
            Assert.Equal(2 * content.Length, stats.Bytes);
            Assert.Equal(2, detections.Count);
            Assert.EndsWith("f.jsonl", detections[1].SourceFile);
        }

        [Fact]
        public void Run_HostileRecordsAmongGoodOnes_AreCountedAndEverythingElseIsRead()
        {
            string hostile = Path.Combine(_dir, "hostile.jsonl");
            var bytes = new List<byte>();
            void Add(string text) => bytes.AddRange(Encoding.UTF8.GetBytes(text + "\n"));
            Add(Line(1, 0, 100, "cmd.exe"));
            Add("{\"EventID\":1,\"Channel\":\"x\",\"TimeCreated\":\"2025-05-14T09:12:14+23:59\"}");
            bytes.AddRange(Encoding.UTF8.GetBytes("{\"EventID\":1,\"Channel\":\"x\",\"RuleName\":\""));
            bytes.Add(0xFF);
            Add("\"}");
            Add(Line(1, 2, 101, "cmd.exe").Replace("}", ",\"Image\":\"C:\\\\x\\\\hidden.exe\"}"));
            Add(Line(1, 3, 102, "cmd.exe").Replace("}", ",\"Explode\":\"1\"}"));
            Add(Line(1, 4, 103, "cmd.exe"));
            File.WriteAllBytes(hostile, bytes.ToArray());
            var detections = new List<Detection>();
            var problems = new List<ReplayProblem>();
            var scanner = new ReplayScanner(new ExplodingNormalizer(), new BehaviorPipeline(new IDetector[] { new ImageWatchDetector("cmd.exe") }, detections.Add));

            ScanStatistics stats = scanner.Run(new[] { hostile }, problems.Add);

            Assert.Equal(3, stats.Events);
            Assert.Equal(3, stats.Malformed);
            Assert.Equal(1, stats.DuplicateKeys);
            Assert.Equal(new long[] { 2, 3, 4, 5 }, problems.Select(p => p.Line));
            Assert.Equal(new[] { "EventTimeMissing", "RecordMalformed", "RecordDuplicateKey", "RecordMalformed" }, problems.Select(p => p.ErrorId));
            Assert.Contains("IndexOutOfRangeException", problems[3].Message);
            Assert.Equal(3, detections.Sum(d => d.Evidence.Count(e => e.Kind == "event")));
        }

        [Fact]
        public void Run_OnlyAGzipShorterThan18Bytes_ReportsItAndNothingRead()
        {
            string full = Write("one.jsonl.gz", Line(1, 0, 100, "cmd.exe"));
            string small = Path.Combine(_dir, "small.jsonl.gz");
            File.WriteAllBytes(small, File.ReadAllBytes(full).Take(17).ToArray());

            var (stats, _, problems) = Scan(new[] { small }, pipelined: true);

            Assert.True(stats.NothingRead);
            Assert.Equal(1, stats.FilesUnreadable);
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("InputTruncated", problem.ErrorId);
            Assert.Equal(small, problem.File);
        }

        [Fact]
        public void Run_GzipMemberFailingItsCrc_IsReportedAndItsAndLaterRecordsAreScanned()
        {
            // A bit flipped in the first member's stored CRC: the file is read whole, its events and
            // detections stay, and the one problem is about the file, not a malformed record.
            string a = Write("a.jsonl.gz", Line(1, 0, 100, "cmd.exe"), Line(1, 1, 101, "cmd.exe"));
            string b = Write("b.jsonl.gz", Line(1, 2, 102, "cmd.exe"));
            byte[] first = File.ReadAllBytes(a);
            first[first.Length - 7] ^= 0x20;
            string both = Path.Combine(_dir, "both.jsonl.gz");
            File.WriteAllBytes(both, first.Concat(File.ReadAllBytes(b)).ToArray());

            var (stats, detections, problems) = Scan(new[] { both }, pipelined: true, new ImageWatchDetector("cmd.exe"));

            Assert.Equal(3, stats.Events);
            Assert.Equal(0, stats.Malformed);
            Assert.Equal(0, stats.FilesUnreadable);
            Assert.False(stats.NothingRead);
            Assert.Equal(3, detections.Select(d => d.ProcessId).Distinct().Count());
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("InputCorrupt", problem.ErrorId);
            Assert.Equal(both, problem.File);
            Assert.Contains("gzip member 1 (from byte 0)", problem.Message);
        }

        [Fact]
        public void Run_ConcatenatedGzipMembers_ReadsAllWithoutAProblem()
        {
            string a = Write("a.jsonl.gz", Line(1, 0, 100, "cmd.exe"), Line(1, 1, 101, "cmd.exe"));
            string b = Write("b.jsonl.gz", Line(1, 2, 102, "cmd.exe"));
            string both = Path.Combine(_dir, "both.jsonl.gz");
            File.WriteAllBytes(both, File.ReadAllBytes(a).Concat(File.ReadAllBytes(b)).ToArray());

            var (stats, _, problems) = Scan(new[] { both }, pipelined: true);

            Assert.Empty(problems);
            Assert.Equal(3, stats.Events);
            Assert.Equal(new FileInfo(both).Length, stats.Bytes);
        }
    }
}
