using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Store
{
    public sealed class DetectionStoreTests : IDisposable
    {
        private static readonly DateTimeOffset s_t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);

        private readonly TempDirectory _temp = new TempDirectory();

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
            string path = _temp.Combine("v1.db");
            Detection full = DetectionFixtures.Full();
            Detection other = DetectionFixtures.At(s_t0, evidence: new[] { new Evidence("event", "e1", "exec", s_t0) });
            using (DetectionStore old = DetectionStore.Open(path, 1))
            {
                Assert.Equal(1, old.SchemaVersion);
                old.Upsert(new[] { full, other });
            }

            Assert.DoesNotContain("ix_detections_last_seen", Objects(path, "index"));
            Assert.DoesNotContain("scans", Objects(path, "table"));

            using DetectionStore store = DetectionStore.Open(path);

            Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
            IReadOnlyList<Detection> all = store.Query(new DetectionQuery());
            Assert.Equal(2, all.Count);
            DetectionFixtures.AssertSame(other, all[0]);
            DetectionFixtures.AssertSame(full, all[1]);
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
            Assert.Contains("scans", Objects(path, "table"));
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
        public void Open_PathIsAFolder_ThrowsStoreAccessDenied()
        {
            string path = _temp.Combine("folder.db");
            Directory.CreateDirectory(path);

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreAccessDenied", error.ErrorId);
            Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
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
        public void RecordScan_TwoScans_StoresRowsAndReturnsIncreasingIds()
        {
            using DetectionStore store = OpenStore();
            var scan = new ScanRecord
            {
                Started = s_t0,
                Finished = s_t0.AddSeconds(12.5),
                Inputs = new[] { @"C:\logs\ws01.jsonl", "logs/dir" },
                Files = 3,
                Events = 12000,
                Malformed = 2,
                Detections = 4,
            };

            long first = store.RecordScan(scan);
            long second = store.RecordScan(new ScanRecord { Started = s_t0, Finished = s_t0 });

            Assert.True(second > first);
            using SqliteConnection connection = Connect(store.FilePath);
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT started, finished, inputs, files, events, malformed, detections FROM scans WHERE id = $id;";
            command.Parameters.AddWithValue("$id", first);
            using SqliteDataReader reader = command.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal("2024-05-01T00:00:00.0000000Z", reader.GetString(0));
            Assert.Equal("2024-05-01T00:00:12.5000000Z", reader.GetString(1));
            Assert.Equal("[\"C:\\\\logs\\\\ws01.jsonl\",\"logs/dir\"]", reader.GetString(2));
            Assert.Equal(3L, reader.GetInt64(3));
            Assert.Equal(12000L, reader.GetInt64(4));
            Assert.Equal(2L, reader.GetInt64(5));
            Assert.Equal(4L, reader.GetInt64(6));
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

        private static Evidence Ev(string id) => new Evidence("rule", id, "evidence " + id, s_t0);

        private static int[] Hours(IReadOnlyList<Detection> detections)
        {
            return detections.Select(d => (int)(d.LastSeen - s_t0).TotalHours).ToArray();
        }

        private static SqliteConnection Connect(string path)
        {
            SQLitePCL.Batteries_V2.Init();
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            return connection;
        }

        private static void Execute(SqliteConnection connection, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        private static object? Scalar(SqliteConnection connection, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar();
        }

        private static object? Scalar(string path, string sql)
        {
            using SqliteConnection connection = Connect(path);
            return Scalar(connection, sql);
        }

        private static HashSet<string> Objects(string path, string type)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            using SqliteConnection connection = Connect(path);
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = $type;";
            command.Parameters.AddWithValue("$type", type);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }

            return names;
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
