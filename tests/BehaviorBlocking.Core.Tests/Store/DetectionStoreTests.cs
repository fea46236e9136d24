using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using static BehaviorBlocking.Tests.TestSupport.SqliteFile;

namespace BehaviorBlocking.Tests.Store
{
    public sealed class DetectionStoreTests : IDisposable
    {
        private static readonly DateTimeOffset s_t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

        private readonly TempDirectory _temp = new TempDirectory();
        private readonly ITestOutputHelper _output;

        public DetectionStoreTests(ITestOutputHelper output) => _output = output;

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Open_NewPath_CreatesFolderAndSchemaAtCurrentVersionWithWal()
        {
            string path = _temp.Combine("nested", "folder", "store.db");

            using (DetectionStore store = DetectionStore.Open(path))
            {
                Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
                Assert.Equal(Path.GetFullPath(path), store.FilePath);
                Assert.Equal(0, store.Count());
            }

            Assert.True(File.Exists(path));
            Assert.Equal("wal", Scalar(path, "PRAGMA journal_mode;"));
            Assert.Equal((long)DetectionStore.CurrentSchemaVersion, Scalar(path, "PRAGMA user_version;"));
            Assert.Subset(Objects(path, "table"), new HashSet<string> { "detections", "evidence", "scans" });
        }

        [Fact]
        public void Open_EmptyFile_MigratesToCurrentVersion()
        {
            string path = _temp.Combine("empty.db");
            File.WriteAllBytes(path, Array.Empty<byte>());

            using DetectionStore store = DetectionStore.Open(path);

            Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
            Assert.Contains("ix_detections_last_seen", Objects(path, "index"));
        }

        [Fact]
        public void Open_Version1DatabaseWithDetections_MigratesAndKeepsData()
        {
            // Version 1 wrote detections and evidence exactly as version 2 did, so the rows of the
            // version-2 dump are version-1 rows too.
            string path = _temp.Combine("v1.db");
            using (DetectionStore old = DetectionStore.Open(path, 1))
            {
                Assert.Equal(1, old.SchemaVersion);
            }

            using (SqliteConnection connection = Connect(path))
            {
                foreach (string line in Version2Dump.Split('\n'))
                {
                    if (line.StartsWith("INSERT INTO detections ", StringComparison.Ordinal) || line.StartsWith("INSERT INTO evidence ", StringComparison.Ordinal))
                    {
                        Execute(connection, line);
                    }
                }
            }

            Assert.DoesNotContain("ix_detections_last_seen", Objects(path, "index"));
            Assert.DoesNotContain("scans", Objects(path, "table"));

            using DetectionStore store = DetectionStore.Open(path);

            Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
            Detection[] expected = DetectionFixtures.StoredInVersion2();
            Assert.Equal(expected.Length, store.Count());
            foreach (Detection detection in expected)
            {
                DetectionFixtures.AssertSame(detection, store.Get(detection.Id)!);
            }

            Assert.Subset(
                Objects(path, "index"),
                new HashSet<string>
                {
                    "ix_detections_last_seen",
                    "ix_detections_first_seen",
                    "ix_detections_tactic",
                    "ix_detections_host_process_guid",
                    "ix_detections_host_process_id",
                    "ix_detections_process_guid",
                });
            Assert.Empty(store.ListScans());
        }

        [Fact]
        public void MigrateTo_EachVersionInTurn_EndsAtCurrentVersion()
        {
            string path = _temp.Combine("steps.db");
            using (DetectionStore.Open(path, 0))
            {
            }

            using (SqliteConnection connection = Connect(path))
            {
                Assert.Equal(0L, Scalar(connection, "PRAGMA user_version;"));
                for (int version = 1; version <= DetectionStore.CurrentSchemaVersion; version++)
                {
                    DetectionStore.MigrateTo(connection, version);
                    Assert.Equal((long)version, Scalar(connection, "PRAGMA user_version;"));
                }

                // Applying again is a no-op.
                DetectionStore.MigrateTo(connection, DetectionStore.CurrentSchemaVersion);
                Assert.Equal((long)DetectionStore.CurrentSchemaVersion, Scalar(connection, "PRAGMA user_version;"));
            }
        }

        [Fact]
        public void Open_SchemaNewerThanCode_ThrowsStoreSchemaTooNewAndLeavesFileAlone()
        {
            string path = _temp.Combine("future.db");
            int future = DetectionStore.CurrentSchemaVersion + 1;
            using (SqliteConnection connection = Connect(path))
            {
                Execute(connection, "CREATE TABLE t (x); PRAGMA user_version = " + future.ToString(CultureInfo.InvariantCulture) + ";");
            }

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreSchemaTooNew", error.ErrorId);
            Assert.Equal(FailureKind.InvalidData, error.Kind);
            Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
            Assert.Contains("version " + future.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.Contains("version " + DetectionStore.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.Equal((long)future, Scalar(path, "PRAGMA user_version;"));
            Assert.Equal("delete", Scalar(path, "PRAGMA journal_mode;"));
        }

        [Fact]
        public void Open_FileOfRandomBytes_ThrowsStoreCorruptNamingFile()
        {
            string path = _temp.Combine("garbage.db");
            var bytes = new byte[8192];
            new Random(1234).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreCorrupt", error.ErrorId);
            Assert.Equal(FailureKind.InvalidData, error.Kind);
            Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
            Assert.Equal(Path.GetFullPath(path), error.Target);
        }

        [Fact]
        public void Open_FolderBlockedByFile_ThrowsStoreAccessDenied()
        {
            string blocker = _temp.Combine("blocker");
            File.WriteAllText(blocker, "not a folder");
            string path = Path.Combine(blocker, "sub", "store.db");

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreAccessDenied", error.ErrorId);
            Assert.Equal(FailureKind.AccessDenied, error.Kind);
            Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Open_PathIsAFolder_ThrowsStorePathIsDirectory()
        {
            string path = _temp.Combine("folder.db");
            Directory.CreateDirectory(path);

            var write = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));
            var read = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.OpenReadOnly(path));

            foreach (BehaviorBlockingException error in new[] { write, read })
            {
                Assert.Equal("StorePathIsDirectory", error.ErrorId);
                Assert.Equal(FailureKind.InvalidData, error.Kind);
                Assert.Contains("'" + Path.GetFullPath(path) + "' is a directory", error.Message, StringComparison.Ordinal);
                Assert.Equal(Path.GetFullPath(path), error.Target);
            }

            Assert.Empty(Directory.GetFileSystemEntries(path));
        }

        [Fact]
        public void Get_FullDetection_RoundTripsEveryField()
        {
            using DetectionStore store = OpenStore();
            Detection full = DetectionFixtures.Full();
            Detection minimal = DetectionFixtures.Minimal(Guid.NewGuid());

            store.Upsert(new[] { full, minimal });

            DetectionFixtures.AssertSame(full, store.Get(full.Id)!);
            DetectionFixtures.AssertSame(minimal, store.Get(minimal.Id)!);
        }

        [Fact]
        public void Get_UnknownId_ReturnsNull()
        {
            using DetectionStore store = OpenStore();
            store.Upsert(new[] { DetectionFixtures.Full() });

            Assert.Null(store.Get(Guid.NewGuid()));
        }

        [Fact]
        public void Upsert_SameIdAgain_ReplacesRowAndEvidence()
        {
            using DetectionStore store = OpenStore();
            var id = Guid.NewGuid();
            store.Upsert(new[]
            {
                DetectionFixtures.At(s_t0, id: id, evidence: new[] { Ev("a"), Ev("b"), Ev("c") }),
            });

            Detection grown = DetectionFixtures.At(s_t0.AddMinutes(5), tactic: Tactic.Impact, id: id, evidence: new[] { Ev("z"), Ev("a") });
            store.Upsert(new[] { grown });

            Assert.Equal(1, store.Count());
            DetectionFixtures.AssertSame(grown, store.Get(id)!);
            Assert.Equal(2L, Scalar(store.FilePath, "SELECT COUNT(*) FROM evidence;"));
        }

        [Fact]
        public void Upsert_SameDetectionsTwiceWithMoreEvidence_CountUnchangedRowsUpdatedEvidenceReplaced()
        {
            // A rescan of the same recording: the verdict stage produces the same ids again.
            using DetectionStore store = OpenStore();
            var ids = new[] { new Guid("10000000-0000-0000-0000-000000000001"), new Guid("00000000-0000-0000-0000-000000000002"), Guid.NewGuid() };
            Detection[] first = ids.Select((id, i) => DetectionFixtures.At(s_t0.AddMinutes(i), id: id, evidence: new[] { Ev("a" + i) })).ToArray();
            store.Upsert(first);
            store.Upsert(new[] { DetectionFixtures.At(s_t0.AddHours(1), id: Guid.NewGuid(), evidence: new[] { Ev("other") }) });
            List<object?[]> orderBefore = Rows(store.FilePath, "SELECT seq, id FROM detections ORDER BY seq;");

            Detection[] second = ids.Reverse().Select((id, i) => new Detection
            {
                Id = id,
                Name = "Behavior:Linux/Execution.Shell!ml",
                Platform = DetectionPlatform.Linux,
                Tactic = Tactic.Execution,
                Techniques = new[] { "T1059.004", "T1105" },
                Score = 0.9,
                Severity = Severity.High,
                Action = DetectionAction.Blocked,
                Host = "host-a",
                ProcessId = 100,
                FirstSeen = s_t0,
                LastSeen = s_t0.AddHours(2).AddMinutes(i),
                Evidence = new[] { Ev("b" + i), Ev("c" + i), Ev("d" + i) },
                ModelVersion = "2",
            }).ToArray();
            store.Upsert(second);

            Assert.Equal(4, store.Count());
            foreach (Detection detection in second)
            {
                DetectionFixtures.AssertSame(detection, store.Get(detection.Id)!);
            }

            Assert.Equal(3L + 1L, Scalar(store.FilePath, "SELECT COUNT(*) FROM evidence WHERE ordinal = 0;"));
            Assert.Equal(9L + 1L, Scalar(store.FilePath, "SELECT COUNT(*) FROM evidence;"));
            Assert.Equal(6L + 1L, Scalar(store.FilePath, "SELECT COUNT(*) FROM techniques;"));
            Assert.Equal(orderBefore, Rows(store.FilePath, "SELECT seq, id FROM detections ORDER BY seq;"));
        }

        [Fact]
        public void Upsert_SameIdTwiceInOneBatch_StoresTheLastOnce()
        {
            using DetectionStore store = OpenStore();
            var id = Guid.NewGuid();
            Detection last = DetectionFixtures.At(s_t0.AddMinutes(1), id: id, evidence: new[] { Ev("z") });

            store.Upsert(new[] { DetectionFixtures.At(s_t0, id: id, evidence: new[] { Ev("a"), Ev("b") }), last });

            Assert.Equal(1, store.Count());
            DetectionFixtures.AssertSame(last, store.Get(id)!);
            Assert.Equal(1L, Scalar(store.FilePath, "SELECT COUNT(*) FROM evidence;"));
            Assert.Equal(1L, Scalar(store.FilePath, "SELECT COUNT(*) FROM techniques;"));
        }

        [Fact]
        public void Upsert_EnumValueWithoutStoreCode_ThrowsAndStoresNothing()
        {
            using DetectionStore store = OpenStore();

            Assert.Throws<ArgumentException>(() => store.Upsert(new[] { DetectionFixtures.At(s_t0), DetectionFixtures.At(s_t0, tactic: (Tactic)99) }));

            Assert.Equal(0, store.Count());
        }

        [Fact]
        public void Upsert_FullDetection_WritesTheStoreEncodingNotJson()
        {
            using DetectionStore store = OpenStore();

            store.Upsert(new[] { DetectionFixtures.Full() });

            object?[] row = Assert.Single(Rows(
                store.FilePath,
                "SELECT id, platform, tactic, severity, action, score, process_id, first_seen, last_seen FROM detections;"));
            Assert.Equal(
                new object?[] { "3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01", 0L, 3L, 3L, 1L, 0.93, 4242L, "2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00:05.0000000Z" },
                row);
            Assert.Equal(
                new[] { new object?[] { 0L, "T1547.001" }, new object?[] { 1L, "T1112" } },
                Rows(store.FilePath, "SELECT ordinal, technique FROM techniques ORDER BY ordinal;"));
            Assert.Equal(
                new[]
                {
                    new object?[] { 0L, "rule", "persistence_run_key", "Run key written", "2024-05-01T10:00:01.0000000Z" },
                    new object?[] { 1L, "feature", "reg_run_writes", "1 Run-key write", null },
                },
                Rows(store.FilePath, "SELECT ordinal, kind, evidence_id, description, time FROM evidence ORDER BY ordinal;"));
        }

        [Fact]
        public void Get_RowWithUnknownCode_ThrowsStoreCorruptNamingTheDetection()
        {
            using DetectionStore store = OpenStore();
            store.Upsert(new[] { DetectionFixtures.Full() });
            Execute(store.FilePath, "UPDATE detections SET tactic = 12;");

            var error = Assert.Throws<BehaviorBlockingException>(() => store.Get(DetectionFixtures.FullId));

            Assert.Equal("StoreCorrupt", error.ErrorId);
            Assert.Contains(DetectionFixtures.FullId.ToString("D"), error.Message, StringComparison.Ordinal);
            Assert.Contains("tactic code 12", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Upsert_NullItemInBatch_ThrowsAndStoresNothing()
        {
            using DetectionStore store = OpenStore();

            Assert.Throws<ArgumentException>(() => store.Upsert(new Detection[] { DetectionFixtures.At(s_t0), null! }));

            Assert.Equal(0, store.Count());
        }

        [Fact]
        public void Query_NoFilters_OrdersByLastSeenThenIdWithEvidenceInOrder()
        {
            using DetectionStore store = OpenStore();
            var low = new Guid("00000000-0000-0000-0000-000000000001");
            var high = new Guid("ffffffff-0000-0000-0000-000000000001");
            store.Upsert(new[]
            {
                DetectionFixtures.At(s_t0.AddHours(2), id: Guid.NewGuid()),
                DetectionFixtures.At(s_t0.AddHours(1), id: high, evidence: new[] { Ev("3"), Ev("1"), Ev("2") }),
                DetectionFixtures.At(s_t0.AddHours(1), id: low, evidence: new[] { Ev("x") }),
            });

            IReadOnlyList<Detection> all = store.Query(new DetectionQuery());

            Assert.Equal(3, all.Count);
            Assert.Equal(low, all[0].Id);
            Assert.Equal(high, all[1].Id);
            Assert.Equal(s_t0.AddHours(2), all[2].LastSeen);
            Assert.Equal(new[] { "3", "1", "2" }, all[1].Evidence.Select(e => e.Id));
            Assert.Equal(new[] { "x" }, all[0].Evidence.Select(e => e.Id));
            Assert.Empty(all[2].Evidence);
        }

        [Fact]
        public void Query_Since_ReturnsLastSeenAtOrAfter()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Since = s_t0.AddHours(3) });

            Assert.Equal(new[] { 3, 4 }, Hours(found));
        }

        [Fact]
        public void Query_Until_ReturnsLastSeenAtOrBefore()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Until = s_t0.AddHours(1) });

            Assert.Equal(new[] { 0, 1 }, Hours(found));
        }

        [Fact]
        public void Query_SinceAndUntilWithOffset_ComparesInstants()
        {
            using DetectionStore store = SeededStore();
            var plusTwo = TimeSpan.FromHours(2);

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery
            {
                Since = s_t0.AddHours(1).ToOffset(plusTwo),
                Until = s_t0.AddHours(2).ToOffset(plusTwo),
            });

            Assert.Equal(new[] { 1, 2 }, Hours(found));
        }

        [Fact]
        public void Query_Tactic_ReturnsOnlyThatTactic()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Tactic = Tactic.Persistence });

            Assert.Equal(new[] { 1, 3 }, Hours(found));
            Assert.All(found, d => Assert.Equal(Tactic.Persistence, d.Tactic));
        }

        [Fact]
        public void Query_Host_MatchesExactNameIgnoringCase()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Host = "HOST-B" });

            Assert.Equal(new[] { 2, 3 }, Hours(found));
            Assert.Empty(store.Query(new DetectionQuery { Host = "host" }));
        }

        [Fact]
        public void Query_Name_MatchesExactly()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Name = "Behavior:Linux/Discovery.Scan!ml" });

            Assert.Equal(new[] { 4 }, Hours(found));
            Assert.Empty(store.Query(new DetectionQuery { Name = "behavior:linux/discovery.scan!ml" }));
        }

        [Fact]
        public void Query_ProcessGuid_ReturnsThatProcess()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { ProcessGuid = "pg-2" });

            Assert.Equal(new[] { 2 }, Hours(found));
        }

        [Fact]
        public void Query_Last_ReturnsMostRecentInAscendingOrder()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Last = 2 });

            Assert.Equal(new[] { 3, 4 }, Hours(found));
        }

        [Fact]
        public void Query_LastWithFilter_AppliesFilterFirst()
        {
            using DetectionStore store = SeededStore();

            IReadOnlyList<Detection> found = store.Query(new DetectionQuery { Last = 1, Tactic = Tactic.Persistence });

            Assert.Equal(new[] { 3 }, Hours(found));
        }

        [Fact]
        public void Query_LastZero_ReturnsNothing()
        {
            using DetectionStore store = SeededStore();

            Assert.Empty(store.Query(new DetectionQuery { Last = 0 }));
        }

        [Fact]
        public void Query_NamePatterns_MatchWildcardsIgnoringCaseAndTakeLikeCharactersLiterally()
        {
            using DetectionStore store = SeededStore();

            Assert.Equal(new[] { 1, 3, 4 }, Hours(store.Query(new DetectionQuery { NamePatterns = new[] { "behavior:linux/persistence.*", "*DISCOVERY.sca?!ml" } })));
            Assert.Empty(store.Query(new DetectionQuery { NamePatterns = new[] { "Behavior:Linux/Discovery_Scan!ml" } }));
            Assert.Empty(store.Query(new DetectionQuery { NamePatterns = new[] { "%" } }));
        }

        [Fact]
        public void Query_Ids_ReturnsThoseDetectionsAndAnEmptyListMatchesNothing()
        {
            using DetectionStore store = SeededStore();
            Detection[] all = store.Query(new DetectionQuery()).ToArray();

            Assert.Equal(new[] { 0, 4 }, Hours(store.Query(new DetectionQuery { Ids = new[] { all[4].Id, all[0].Id, Guid.NewGuid() } })));
            Assert.Empty(store.Query(new DetectionQuery { Ids = Array.Empty<Guid>() }));
        }

        [Fact]
        public void Query_ProcessIdSeverityAndAction_FilterOnStoredValues()
        {
            using DetectionStore store = OpenStore();
            store.Upsert(new[]
            {
                DetectionFixtures.At(s_t0),
                With(DetectionFixtures.At(s_t0.AddHours(1)), 200, Severity.High, DetectionAction.Blocked),
                With(DetectionFixtures.At(s_t0.AddHours(2)), 300, Severity.Critical, DetectionAction.Audited),
                With(DetectionFixtures.At(s_t0.AddHours(3)), 200, Severity.Low, DetectionAction.Audited),
            });

            Assert.Equal(new[] { 1, 3 }, Hours(store.Query(new DetectionQuery { ProcessId = 200 })));
            Assert.Equal(new[] { 1, 2 }, Hours(store.Query(new DetectionQuery { MinimumSeverity = Severity.High })));
            Assert.Equal(new[] { 0, 1, 2 }, Hours(store.Query(new DetectionQuery { MinimumSeverity = Severity.Medium })));
            Assert.Equal(new[] { 1 }, Hours(store.Query(new DetectionQuery { Action = DetectionAction.Blocked })));
            Assert.Equal(new[] { 2 }, Hours(store.Query(new DetectionQuery { Action = DetectionAction.Audited, MinimumSeverity = Severity.High })));
        }

        private static Detection With(Detection d, int pid, Severity severity, DetectionAction action) => new Detection
        {
            Id = d.Id, Name = d.Name, Platform = d.Platform, Tactic = d.Tactic, Techniques = d.Techniques, Score = d.Score, Host = d.Host,
            ProcessId = pid, Severity = severity, Action = action, Image = d.Image, FirstSeen = d.FirstSeen, LastSeen = d.LastSeen,
        };

        [Fact]
        public void ApplyRetention_MaxAge_DeletesOlderAndCascadesEvidence()
        {
            using DetectionStore store = SeededStore();

            int deleted = store.ApplyRetention(TimeSpan.FromHours(2), null, s_t0.AddHours(4));

            Assert.Equal(2, deleted);
            Assert.Equal(new[] { 2, 3, 4 }, Hours(store.Query(new DetectionQuery())));
            Assert.Equal(3L, Scalar(store.FilePath, "SELECT COUNT(*) FROM evidence;"));
        }

        [Fact]
        public void ApplyRetention_MaxCount_KeepsMostRecentAndCascadesEvidence()
        {
            using DetectionStore store = SeededStore();

            int deleted = store.ApplyRetention(null, 1, s_t0);

            Assert.Equal(4, deleted);
            Assert.Equal(new[] { 4 }, Hours(store.Query(new DetectionQuery())));
            Assert.Equal(1L, Scalar(store.FilePath, "SELECT COUNT(*) FROM evidence;"));
        }

        [Fact]
        public void ApplyRetention_AgeThenCount_CountsBoth()
        {
            using DetectionStore store = SeededStore();

            int deleted = store.ApplyRetention(TimeSpan.FromHours(3), 2, s_t0.AddHours(4));

            Assert.Equal(3, deleted);
            Assert.Equal(new[] { 3, 4 }, Hours(store.Query(new DetectionQuery())));
        }

        [Fact]
        public void ApplyRetention_NoLimits_DeletesNothing()
        {
            using DetectionStore store = SeededStore();

            Assert.Equal(0, store.ApplyRetention(null, null, s_t0.AddYears(10)));
            Assert.Equal(0, store.ApplyRetention(TimeSpan.MaxValue, long.MaxValue, s_t0));
            Assert.Equal(5, store.Count());
        }

        [Fact]
        public void RecordScan_TwoScans_ReturnsIncreasingIdsAndListScansReadsThemBack()
        {
            using DetectionStore store = OpenStore();
            var scan = new ScanRecord
            {
                Id = 99,
                Started = s_t0,
                Finished = s_t0.AddSeconds(12.5),
                Inputs = new[] { @"C:\logs\ws01.jsonl", "logs/dir", string.Empty },
                Files = 3,
                Events = 12000,
                Malformed = 2,
                Detections = 4,
            };

            long first = store.RecordScan(scan);
            long second = store.RecordScan(new ScanRecord { Started = s_t0, Finished = s_t0 });

            Assert.True(second > first);
            IReadOnlyList<ScanRecord> scans = store.ListScans();
            Assert.Equal(new[] { first, second }, scans.Select(s => s.Id));
            AssertSameScan(scan, scans[0]);
            AssertSameScan(new ScanRecord { Started = s_t0, Finished = s_t0 }, scans[1]);
            Assert.Equal(new[] { second }, store.ListScans(1).Select(s => s.Id));
            Assert.Empty(store.ListScans(0));
        }

        [Fact]
        public void RecordScan_Columns_UseTheStoreEncoding()
        {
            using DetectionStore store = OpenStore();

            long id = store.RecordScan(new ScanRecord
            {
                Started = s_t0,
                Finished = s_t0.AddSeconds(12.5),
                Inputs = new[] { @"C:\logs\ws01.jsonl", "logs/dir" },
                Files = 3,
                Events = 12000,
                Malformed = 2,
                Detections = 4,
            });

            object?[] row = Assert.Single(Rows(store.FilePath, "SELECT started, finished, files, events, malformed, detections FROM scans;"));
            Assert.Equal(new object?[] { "2024-05-01T00:00:00.0000000Z", "2024-05-01T00:00:12.5000000Z", 3L, 12000L, 2L, 4L }, row);
            Assert.Equal(
                new[] { new object?[] { id, 0L, @"C:\logs\ws01.jsonl" }, new object?[] { id, 1L, "logs/dir" } },
                Rows(store.FilePath, "SELECT scan_id, ordinal, input FROM scan_inputs ORDER BY ordinal;"));
        }

        [Fact]
        public void Dispose_ThenUse_ThrowsObjectDisposed()
        {
            DetectionStore store = OpenStore();
            store.Dispose();

            Assert.Throws<ObjectDisposedException>(() => store.Count());
        }

        [Fact]
        public void Open_TwoInstancesOnOneFile_SeeEachOthersWrites()
        {
            string path = _temp.Combine("shared.db");
            using DetectionStore writer = DetectionStore.Open(path);
            using DetectionStore reader = DetectionStore.Open(path);

            writer.Upsert(new[] { DetectionFixtures.Full() });

            Assert.NotNull(reader.Get(DetectionFixtures.FullId));
        }

        [Fact]
        public void RecordScan_Running_ThenUpdateScan_KeepsStartAndInputsAndRecordsTheOutcome()
        {
            using DetectionStore store = OpenStore();

            long id = store.RecordScan(new ScanRecord { Status = ScanStatus.Running, Started = s_t0, Inputs = new[] { "logs", "-" } });
            ScanRecord running = Assert.Single(store.ListScans());
            Assert.Equal(new object?[] { 0L, null }, Assert.Single(Rows(store.FilePath, "SELECT status, finished FROM scans;")));
            store.UpdateScan(new ScanRecord
            {
                Id = id,
                Status = ScanStatus.Cancelled,
                Started = s_t0.AddDays(1),
                Finished = s_t0.AddSeconds(30),
                Inputs = new[] { "ignored" },
                Files = 2,
                Events = 500,
                Malformed = 1,
                Detections = 3,
            });

            AssertSameScan(new ScanRecord { Status = ScanStatus.Running, Started = s_t0, Inputs = new[] { "logs", "-" } }, running);
            AssertSameScan(
                new ScanRecord { Status = ScanStatus.Cancelled, Started = s_t0, Finished = s_t0.AddSeconds(30), Inputs = new[] { "logs", "-" }, Files = 2, Events = 500, Malformed = 1, Detections = 3 },
                Assert.Single(store.ListScans()));
            Assert.Equal(2L, Scalar(store.FilePath, "SELECT status FROM scans;"));
            Assert.Throws<ArgumentException>(() => store.UpdateScan(new ScanRecord { Id = id + 1, Status = ScanStatus.Completed }));
        }

        [Fact]
        public void OpenReadOnly_MissingFile_ThrowsStoreNotFoundAndCreatesNothing()
        {
            string path = _temp.Combine("none", "store.db");

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.OpenReadOnly(path));

            Assert.Equal("StoreNotFound", error.ErrorId);
            Assert.Equal(FailureKind.NotFound, error.Kind);
            Assert.False(Directory.Exists(_temp.Combine("none")));
        }

        [Fact]
        public void OpenReadOnly_WritableStore_QueriesButRefusesEveryWrite()
        {
            using (DetectionStore seeded = SeededStore())
            {
            }

            using DetectionStore store = DetectionStore.OpenReadOnly(_temp.Combine("store.db"));

            Assert.Equal(5, store.Count());
            Assert.Equal(5, store.Query(new DetectionQuery()).Count);
            var error = Assert.Throws<BehaviorBlockingException>(() => store.Upsert(new[] { DetectionFixtures.Full() }));
            Assert.Equal("StoreAccessDenied", error.ErrorId);
            Assert.Equal("StoreAccessDenied", Assert.Throws<BehaviorBlockingException>(() => store.RecordScan(new ScanRecord())).ErrorId);
            Assert.Equal(5L, Scalar(store.FilePath, "SELECT COUNT(*) FROM detections;"));
        }

        [Fact]
        public void OpenReadOnly_ReadOnlyFile_QueriesWhileOpenForWritingIsDenied()
        {
            using (DetectionStore seeded = SeededStore())
            {
            }

            string path = _temp.Combine("store.db");
            using var readOnly = new ReadOnlyPaths();
            if (!readOnly.TryMake(path))
            {
                _output.WriteLine("skipped: " + readOnly.Reason);
                return;
            }

            using (DetectionStore store = DetectionStore.OpenReadOnly(path))
            {
                Assert.Equal(new[] { 0, 1, 2, 3, 4 }, Hours(store.Query(new DetectionQuery())));
            }

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));
            Assert.Equal("StoreAccessDenied", error.ErrorId);
            Assert.Equal(FailureKind.AccessDenied, error.Kind);
        }

        [Fact]
        public void OpenReadOnly_ReadOnlyFolder_ReadsTheFileAloneWithoutCreatingWalOrShm()
        {
            string folder = _temp.Combine("ro");
            string path = Path.Combine(folder, "store.db");
            using (DetectionStore store = DetectionStore.Open(path))
            {
                store.Upsert(new[] { DetectionFixtures.Full() });
            }

            Assert.Equal(new[] { "store.db" }, Directory.GetFiles(folder).Select(Path.GetFileName));
            using var readOnly = new ReadOnlyPaths();
            if (!readOnly.TryMake(path) || !readOnly.TryMake(folder))
            {
                _output.WriteLine("skipped: " + readOnly.Reason);
                return;
            }

            using (DetectionStore store = DetectionStore.OpenReadOnly(path))
            {
                DetectionFixtures.AssertSame(DetectionFixtures.Full(), store.Get(DetectionFixtures.FullId)!);
                Assert.Equal("StoreAccessDenied", Assert.Throws<BehaviorBlockingException>(() => store.Upsert(new[] { DetectionFixtures.Minimal(Guid.NewGuid()) })).ErrorId);
            }

            Assert.Equal(new[] { "store.db" }, Directory.GetFiles(folder).Select(Path.GetFileName));
        }

        [Fact]
        public void OpenReadOnly_ReadOnlyFolderWithUnmergedWal_ThrowsStoreAccessDeniedNamingTheWal()
        {
            // A writer that died before its changes reached the file leaves them in the -wal file:
            // copied while the writer still holds them (no checkpoint), without the -shm.
            string source = _temp.Combine("live", "store.db");
            string folder = _temp.Combine("ro");
            Directory.CreateDirectory(folder);
            using (DetectionStore.Open(source))
            {
            }

            using (SqliteConnection writer = Connect(source))
            {
                // An open reader keeps the WAL from being merged and removed when the store closes.
                Execute(writer, "PRAGMA wal_autocheckpoint = 0;");
                Assert.Equal(0L, Scalar(writer, "SELECT COUNT(*) FROM detections;"));
                using (DetectionStore store = DetectionStore.Open(source))
                {
                    store.Upsert(new[] { DetectionFixtures.Full() });
                }

                Assert.True(new FileInfo(source + "-wal").Length > 0);
                File.Copy(source, Path.Combine(folder, "store.db"));
                File.Copy(source + "-wal", Path.Combine(folder, "store.db-wal"));
            }

            string path = Path.Combine(folder, "store.db");
            using var readOnly = new ReadOnlyPaths();
            if (!readOnly.TryMake(folder))
            {
                _output.WriteLine("skipped: " + readOnly.Reason);
                return;
            }

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.OpenReadOnly(path));

            Assert.Equal("StoreAccessDenied", error.ErrorId);
            Assert.Contains("'store.db-wal'", error.Message, StringComparison.Ordinal);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void OpenReadOnly_OlderSchema_MigratesWhenWritableAndSaysSoWhenNot()
        {
            string writable = _temp.Combine("v3.db");
            string readOnlyFile = _temp.Combine("v3-readonly.db");
            Execute(writable, Version3Dump);
            Execute(readOnlyFile, Version3Dump);

            using (DetectionStore store = DetectionStore.OpenReadOnly(writable))
            {
                Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
                Assert.Equal(24, store.Count());
            }

            using var readOnly = new ReadOnlyPaths();
            if (!readOnly.TryMake(readOnlyFile))
            {
                _output.WriteLine("skipped: " + readOnly.Reason);
                return;
            }

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.OpenReadOnly(readOnlyFile));
            Assert.Equal("StoreAccessDenied", error.ErrorId);
            Assert.Contains("has schema version 3 and must be migrated to version " + DetectionStore.CurrentSchemaVersion, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void EveryCall_TableDroppedBehindTheStore_ThrowsStoreSchemaMismatchNeverASqliteException()
        {
            using DetectionStore store = SeededStore();
            Execute(store.FilePath, "DROP TABLE evidence; DROP TABLE scan_inputs;");

            var calls = new Action[]
            {
                () => store.Query(new DetectionQuery()),
                () => store.Get(Guid.NewGuid()),
                () => store.Upsert(new[] { DetectionFixtures.Full() }),
                () => store.RecordScan(new ScanRecord { Inputs = new[] { "x" } }),
                () => store.ListScans(),
            };

            foreach (Action call in calls)
            {
                var error = Assert.Throws<BehaviorBlockingException>(call);
                Assert.Equal("StoreSchemaMismatch", error.ErrorId);
                Assert.IsType<SqliteException>(error.InnerException);
                Assert.Contains(store.FilePath, error.Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void Upsert_DamagedPages_ThrowsStoreCorrupt()
        {
            string path = _temp.Combine("damaged.db");
            using (DetectionStore store = DetectionStore.Open(path))
            {
                store.Upsert(Enumerable.Range(0, 200).Select(i => DetectionFixtures.At(s_t0.AddMinutes(i), evidence: new[] { Ev("e" + i) })).ToArray());
            }

            DamagePagesAfterTheSchema(path);

            using DetectionStore damaged = DetectionStore.Open(path);
            var error = Assert.Throws<BehaviorBlockingException>(() => damaged.Upsert(new[] { DetectionFixtures.Minimal(Guid.NewGuid()) }));

            Assert.Equal("StoreCorrupt", error.ErrorId);
            Assert.Equal("StoreCorrupt", Assert.Throws<BehaviorBlockingException>(() => damaged.Query(new DetectionQuery())).ErrorId);
        }

        /// <summary>
        /// Overwrites every page an empty store does not have (pages the detections were written to)
        /// with bytes no b-tree page starts with; the schema's own pages stay readable.
        /// </summary>
        internal static void DamagePagesAfterTheSchema(string path)
        {
            long pageSize = (long)Scalar(path, "PRAGMA page_size;")!;
            string empty = path + ".empty.db";
            using (DetectionStore.Open(empty))
            {
            }

            long schemaPages = (long)Scalar(empty, "PRAGMA page_count;")!;
            SqliteConnection.ClearAllPools();
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            Assert.True(file.Length > (schemaPages + 1) * pageSize, "the store is too small to damage");
            byte[] junk = Enumerable.Repeat((byte)0xEE, (int)pageSize).ToArray();
            file.Position = schemaPages * pageSize;
            while (file.Position < file.Length)
            {
                file.Write(junk, 0, junk.Length);
            }
        }

        private static Evidence Ev(string id) => new Evidence("rule", id, "evidence " + id, s_t0);

        private static void AssertSameScan(ScanRecord expected, ScanRecord actual)
        {
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Started.UtcTicks, actual.Started.UtcTicks);
            Assert.Equal(TimeSpan.Zero, actual.Started.Offset);
            Assert.Equal(expected.Finished?.UtcTicks, actual.Finished?.UtcTicks);
            Assert.Equal(expected.Inputs, actual.Inputs);
            Assert.Equal(expected.Files, actual.Files);
            Assert.Equal(expected.Events, actual.Events);
            Assert.Equal(expected.Malformed, actual.Malformed);
            Assert.Equal(expected.Detections, actual.Detections);
        }

        private static int[] Hours(IReadOnlyList<Detection> detections)
        {
            return detections.Select(d => (int)(d.LastSeen - s_t0).TotalHours).ToArray();
        }

        private DetectionStore OpenStore() => DetectionStore.Open(_temp.Combine("store.db"));

        // Five detections an hour apart (hour 0 to 4), one evidence item each.
        private DetectionStore SeededStore()
        {
            DetectionStore store = OpenStore();
            store.Upsert(new[]
            {
                DetectionFixtures.At(s_t0, Tactic.Execution, "host-a", processGuid: "pg-0", evidence: new[] { Ev("h0") }),
                DetectionFixtures.At(s_t0.AddHours(1), Tactic.Persistence, "host-a", "Behavior:Linux/Persistence.Cron!rule", "pg-1", evidence: new[] { Ev("h1") }),
                DetectionFixtures.At(s_t0.AddHours(2), Tactic.Execution, "Host-B", processGuid: "pg-2", evidence: new[] { Ev("h2") }),
                DetectionFixtures.At(s_t0.AddHours(3), Tactic.Persistence, "host-b", "Behavior:Linux/Persistence.Cron!rule", "pg-3", evidence: new[] { Ev("h3") }),
                DetectionFixtures.At(s_t0.AddHours(4), Tactic.Discovery, "host-c", "Behavior:Linux/Discovery.Scan!ml", "pg-4", evidence: new[] { Ev("h4") }),
            });
            return store;
        }
    }
}
