using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Verdicts;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>The one scan path: callbacks on the caller's thread, detections and the scan row in the store, stable ids.</summary>
    public sealed class ScanServiceTests : IDisposable
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RuleTestKit _kit = new RuleTestKit();
        private readonly BehaviorEngine _engine;

        public ScanServiceTests()
        {
            _kit.Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"));
            _engine = BehaviorEngine.Create(new EngineOptions { BuiltInRules = false, RuleDirectories = new[] { _kit.Folder }, UseModel = false });
        }

        public void Dispose()
        {
            _engine.Dispose();
            _kit.Dispose();
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        private static string Start(int record, double seconds, int pid, string image, string commandLine, int parentPid, string parentImage)
        {
            static string Guid(int p) => "{00000000-0000-0000-0000-" + p.ToString("D12") + "}";
            return JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["EventID"] = 1,
                ["Channel"] = Sysmon,
                ["Provider"] = "Microsoft-Windows-Sysmon",
                ["Computer"] = "WS1",
                ["TimeCreated"] = T0.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
                ["EventRecordID"] = record,
                ["ProcessGuid"] = Guid(pid),
                ["ProcessId"] = pid.ToString(),
                ["Image"] = image,
                ["CommandLine"] = commandLine,
                ["User"] = @"EXAMPLE\alice",
                ["ParentProcessGuid"] = Guid(parentPid),
                ["ParentProcessId"] = parentPid.ToString(),
                ["ParentImage"] = parentImage,
            });
        }

        /// <summary>One recording: Word starts an encoded PowerShell (one detection), plus an optional bad line.</summary>
        private string Recording(string name, int pidBase, bool withBadLine = false)
        {
            var lines = new List<string>
            {
                Start(1, 1, pidBase, @"C:\Office\winword.exe", "winword.exe a.docm", 10, @"C:\Windows\explorer.exe"),
            };
            if (withBadLine)
            {
                lines.Add("{broken");
            }

            lines.Add(Start(2, 2, pidBase + 1, @"C:\x\powershell.exe", "powershell -enc AAAA", pidBase, @"C:\Office\winword.exe"));
            string path = _temp.Combine("in", name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
            return path;
        }

        private static long ScanRows(string storePath)
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM scans";
            return (long)command.ExecuteScalar()!;
        }

        private static object?[] ScanRow(string storePath) =>
            Assert.Single(SqliteFile.Rows(storePath, "SELECT status, finished IS NULL, files, events, malformed, detections FROM scans;"));

        private static long StoredCount(string storePath)
        {
            using DetectionStore store = DetectionStore.Open(storePath);
            return store.Count();
        }

        [Fact]
        public void Run_TwoRecordings_CallsEveryCallbackOnTheCallingThreadAndStoresTheScan()
        {
            string a = Recording("a.jsonl", 100, withBadLine: true);
            string b = Recording("b.jsonl", 500);
            string storePath = _temp.Combine("store", "detections.db");
            var observer = new RecordingObserver();

            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = new[] { a, b }, StorePath = storePath }, observer);

            Assert.Equal(new[] { Environment.CurrentManagedThreadId }, observer.Threads.Distinct());
            Assert.Equal(new[] { "detection", "problem", "progress", "verdict" }, observer.Kinds.Distinct().OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal(2, observer.Detections.Count);
            Assert.Equal(2, observer.Verdicts.Count);
            Assert.All(observer.Verdicts, v => Assert.Equal(VerdictChange.Raised, v.Change));
            Assert.Equal(observer.Verdicts.Select(v => v.Detection.Id), observer.Detections.Select(d => d.Id));
            ReplayProblem problem = Assert.Single(observer.Problems);
            Assert.Equal(ErrorIds.RecordMalformed, problem.ErrorId);
            Assert.Equal(a, problem.File);
            Assert.Equal(2, problem.Line);
            Assert.Equal(new[] { (a, 1, 2), (b, 2, 2) }, observer.Progress.Select(p => (p.File, p.FilesDone, p.FilesTotal)));
            Assert.Equal(new[] { 50, 100 }, observer.Progress.Select(p => p.PercentComplete));
            Assert.Equal(new long[] { 2, 4 }, observer.Progress.Select(p => p.Events));

            Assert.False(result.Cancelled);
            Assert.Equal(storePath, result.StorePath);
            Assert.Equal(2, result.StoredDetections);
            Assert.NotNull(result.ScanId);
            Assert.Equal(4, result.Statistics.Events);
            Assert.Equal(1, result.Statistics.Malformed);
            Assert.Equal(2, result.Statistics.Detections);
            Assert.Equal(2, result.Verdicts.Raised);
            Assert.Null(result.Classifier.Version);
            using (DetectionStore store = DetectionStore.Open(storePath))
            {
                Assert.Equal(2, store.Count());
                foreach (Detection d in observer.Detections)
                {
                    Detection stored = Assert.IsType<Detection>(store.Get(d.Id));
                    Assert.Equal(d.Name, stored.Name);
                }
            }

            Assert.Equal(1, ScanRows(storePath));
        }

        [Fact]
        public void Run_SameRecordingTwiceIntoOneStore_SameIdsAndStoreDoesNotGrow()
        {
            string a = Recording("a.jsonl", 100);
            string b = Recording("b.jsonl", 500);
            string storePath = _temp.Combine("store", "detections.db");
            var request = new ScanRequest { Paths = new[] { a, b }, StorePath = storePath };
            var first = new RecordingObserver();
            var second = new RecordingObserver();

            ScanService.Run(_engine, request, first);
            long afterFirst = StoredCount(storePath);
            ScanService.Run(_engine, request, second);

            Assert.Equal(2, afterFirst);
            Assert.Equal(first.Detections.Select(d => d.Id), second.Detections.Select(d => d.Id));
            Assert.Equal(afterFirst, StoredCount(storePath));
            Assert.Equal(2, ScanRows(storePath));
        }

        [Fact]
        public void Run_CancelledBeforeStart_ReportsCancelledAndRecordsTheScan()
        {
            string a = Recording("a.jsonl", 100);
            string storePath = _temp.Combine("store", "detections.db");
            using var cancel = new CancellationTokenSource();
            cancel.Cancel();
            var observer = new RecordingObserver();

            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = new[] { a }, StorePath = storePath }, observer, cancel.Token);

            Assert.True(result.Cancelled);
            Assert.Equal(0, result.Statistics.Events);
            Assert.Empty(observer.Detections);
            Assert.Equal(0, result.StoredDetections);
            Assert.NotNull(result.ScanId);
            Assert.Equal(0, StoredCount(storePath));
            Assert.Equal(1, ScanRows(storePath));
            Assert.Equal(new object?[] { 2L, 0L }, ScanRow(storePath).Take(2));
        }

        [Fact]
        public void Run_CancelledAfterFirstRecording_StoresWhatWasRead()
        {
            string a = Recording("a.jsonl", 100);
            string b = Recording("b.jsonl", 500);
            string storePath = _temp.Combine("store", "detections.db");
            using var cancel = new CancellationTokenSource();
            var observer = new RecordingObserver { OnProgressed = _ => cancel.Cancel() };

            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = new[] { a, b }, StorePath = storePath }, observer, cancel.Token);

            Assert.True(result.Cancelled);
            Assert.NotEmpty(observer.Detections);
            Assert.Equal(observer.Detections[0].SourceFile, Path.GetFullPath(a));
            Assert.Equal(observer.Detections.Count, result.StoredDetections);
            using (DetectionStore store = DetectionStore.Open(storePath))
            {
                Assert.Equal(observer.Detections.Select(d => d.Id).Distinct().Count(), store.Count());
                Assert.NotNull(store.Get(observer.Detections[0].Id));
            }

            Assert.Equal(1, ScanRows(storePath));
        }

        [Fact]
        public void Run_EachDetection_IsCommittedBeforeTheObserverSeesItWhileTheScanRowSaysRunning()
        {
            string[] inputs = { Recording("a.jsonl", 100), Recording("b.jsonl", 500), Recording("c.jsonl", 900) };
            string storePath = _temp.Combine("store", "detections.db");
            var committed = new List<bool>();
            var rowWhileRunning = new List<object?[]>();
            var observer = new RecordingObserver
            {
                OnDetected = d =>
                {
                    // Another connection, as a process reading the store after this one was killed would be.
                    committed.Add((long)SqliteFile.Scalar(storePath, "SELECT COUNT(*) FROM detections WHERE id = '" + d.Id.ToString("D") + "';")! == 1);
                    rowWhileRunning.Add(ScanRow(storePath));
                },
            };

            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = inputs, StorePath = storePath }, observer);

            Assert.Equal(new[] { true, true, true }, committed);
            Assert.All(rowWhileRunning, row => Assert.Equal(new object?[] { 0L, 1L, 0L, 0L, 0L, 0L }, row));
            Assert.Equal(new object?[] { 1L, 0L, 3L, 6L, 0L, 3L }, ScanRow(storePath));
            Assert.Equal(3, result.StoredDetections);
            Assert.Equal(0, result.UnstoredDetections);
            Assert.Null(result.StoreFailure);
            Assert.Empty(observer.StoreFailures);
        }

        [Fact]
        public void Run_StoreFailsMidScan_ReportsTheFailureOnceAndKeepsDetectingAndReporting()
        {
            string[] inputs = { Recording("a.jsonl", 100), Recording("b.jsonl", 500), Recording("c.jsonl", 900) };
            string storePath = _temp.Combine("store", "detections.db");
            var observer = new RecordingObserver
            {
                // Another program breaks the store after the first detection was stored.
                OnDetected = _ => SqliteFile.Execute(storePath, "DROP TABLE IF EXISTS evidence;"),
            };

            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = inputs, StorePath = storePath }, observer);

            Assert.Equal(3, observer.Detections.Count);
            BehaviorBlockingException failure = Assert.Single(observer.StoreFailures);
            Assert.Same(failure, result.StoreFailure);
            Assert.Equal(ErrorIds.StoreSchemaMismatch, failure.ErrorId);
            int[] detected = observer.Kinds.Select((kind, i) => (kind, i)).Where(k => k.kind == "detection").Select(k => k.i).ToArray();
            int failed = observer.Kinds.IndexOf("store failure");
            Assert.True(detected[0] < failed && failed < detected[1], "the failure is reported between the first and the second detection: " + string.Join(", ", observer.Kinds));
            Assert.Equal(3, result.Statistics.Detections);
            Assert.Equal(1, result.StoredDetections);
            Assert.Equal(2, result.UnstoredDetections);
            Assert.Equal(1L, SqliteFile.Scalar(storePath, "SELECT COUNT(*) FROM detections;"));
            Assert.Equal(observer.Detections[0].Id.ToString("D"), SqliteFile.Scalar(storePath, "SELECT id FROM detections;"));

            // Nothing is written after the failure, not even the end of the scan.
            Assert.Equal(0L, ScanRow(storePath)[0]);
        }

        [Fact]
        public void Run_StoreCannotBeOpened_ThrowsBeforeReadingAnything()
        {
            string storePath = _temp.Combine("store.db");
            Directory.CreateDirectory(storePath);
            var observer = new RecordingObserver();

            var error = Assert.Throws<BehaviorBlockingException>(() =>
                ScanService.Run(_engine, new ScanRequest { Paths = new[] { Recording("a.jsonl", 100) }, StorePath = storePath }, observer));

            Assert.Equal(ErrorIds.StorePathIsDirectory, error.ErrorId);
            Assert.Empty(observer.Kinds);
        }

        [Fact]
        public void Run_MissingInput_ReportsInputNotFoundAndNothingRead()
        {
            string missing = _temp.Combine("in", "missing.jsonl");
            var observer = new RecordingObserver();

            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = new[] { missing } }, observer);

            ReplayProblem problem = Assert.Single(observer.Problems);
            Assert.Equal(ErrorIds.InputNotFound, problem.ErrorId);
            Assert.Equal(new[] { Environment.CurrentManagedThreadId }, observer.Threads.Distinct());
            Assert.True(result.Statistics.NothingRead);
            Assert.Equal(0, result.Statistics.Events);
            Assert.Empty(observer.Detections);
            Assert.Null(result.StorePath);
            Assert.Null(result.ScanId);
            Assert.False(result.Cancelled);
        }

        private sealed class RecordingObserver : IScanObserver
        {
            public List<int> Threads { get; } = new List<int>();

            public List<string> Kinds { get; } = new List<string>();

            public List<Detection> Detections { get; } = new List<Detection>();

            public List<VerdictEvent> Verdicts { get; } = new List<VerdictEvent>();

            public List<ReplayProblem> Problems { get; } = new List<ReplayProblem>();

            public List<ScanProgress> Progress { get; } = new List<ScanProgress>();

            public List<BehaviorBlockingException> StoreFailures { get; } = new List<BehaviorBlockingException>();

            public Action<ScanProgress>? OnProgressed { get; init; }

            public Action<Detection>? OnDetected { get; init; }

            public void OnDetection(Detection detection)
            {
                Seen("detection");
                Detections.Add(detection);
                OnDetected?.Invoke(detection);
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
                Seen("verdict");
                Verdicts.Add(verdictEvent);
            }

            public void OnProblem(ReplayProblem problem)
            {
                Seen("problem");
                Problems.Add(problem);
            }

            public void OnProgress(ScanProgress progress)
            {
                Seen("progress");
                Progress.Add(progress);
                OnProgressed?.Invoke(progress);
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
                Seen("store failure");
                StoreFailures.Add(error);
            }

            private void Seen(string kind)
            {
                Threads.Add(Environment.CurrentManagedThreadId);
                Kinds.Add(kind);
            }
        }
    }
}
