using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using static BehaviorBlocking.Tests.TestSupport.SqliteFile;

namespace BehaviorBlocking.Tests.Store
{
    public sealed class StoreSchemaTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Migrations_VersionsRunOneToCurrentWithoutGaps()
        {
            Assert.Equal(Enumerable.Range(1, StoreSchema.CurrentVersion), StoreSchema.Migrations.Select(m => m.Version));
            Assert.Equal(StoreSchema.CurrentVersion, DetectionStore.CurrentSchemaVersion);
            Assert.All(StoreSchema.Migrations, m => Assert.False(string.IsNullOrWhiteSpace(m.Summary)));
        }

        [Fact]
        public void Open_Version2StoreWrittenByVersion2_KeepsEveryDetectionAndScan()
        {
            string path = Version2Store();
            Detection[] expected = DetectionFixtures.StoredInVersion2();

            using DetectionStore store = DetectionStore.Open(path);

            Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
            Assert.Equal(expected.Length, store.Count());
            foreach (Detection detection in expected)
            {
                DetectionFixtures.AssertSame(detection, store.Get(detection.Id)!);
            }

            IReadOnlyList<Detection> all = store.Query(new DetectionQuery());
            Assert.Equal(expected.OrderBy(d => d.LastSeen).ThenBy(d => d.Id.ToString("D"), StringComparer.Ordinal).Select(d => d.Id), all.Select(d => d.Id));

            // Insertion order survives: Full was stored first (and replaced later), the rest in turn.
            Assert.Equal(
                expected.Select(d => d.Id.ToString("D")),
                Rows(path, "SELECT id FROM detections ORDER BY seq;").Select(r => (string)r[0]!));

            ScanRecord[] scans = DetectionFixtures.ScansInVersion2();
            IReadOnlyList<ScanRecord> listed = store.ListScans();
            Assert.Equal(new[] { 1L, 2L }, listed.Select(s => s.Id));
            for (int i = 0; i < scans.Length; i++)
            {
                Assert.Equal(scans[i].Started.UtcTicks, listed[i].Started.UtcTicks);
                Assert.Equal(scans[i].Finished!.Value.UtcTicks, listed[i].Finished!.Value.UtcTicks);
                Assert.Equal(ScanStatus.Completed, listed[i].Status);
                Assert.Equal(scans[i].Inputs, listed[i].Inputs);
                Assert.Equal(new[] { scans[i].Files, scans[i].Events, scans[i].Malformed, scans[i].Detections }, new[] { listed[i].Files, listed[i].Events, listed[i].Malformed, listed[i].Detections });
            }

            Assert.Equal(3L, store.RecordScan(new ScanRecord()));
        }

        [Fact]
        public void Open_Version2Store_LeavesOnlyTheCurrentTablesAndAConsistentFile()
        {
            string path = Version2Store();

            using (DetectionStore.Open(path))
            {
            }

            Assert.Equal(
                new HashSet<string> { "detections", "techniques", "evidence", "scans", "scan_inputs", "sqlite_sequence", "actions", "indicators", "policy_changes", "remediations" },
                Objects(path, "table"));
            Assert.Equal("ok", Scalar(path, "PRAGMA integrity_check;"));
            Assert.Empty(Rows(path, "PRAGMA foreign_key_check;"));
            Assert.Equal(5L, Scalar(path, "SELECT COUNT(*) FROM evidence;"));
            Assert.Equal(
                (long)DetectionFixtures.StoredInVersion2().Sum(d => d.Techniques.Count),
                Scalar(path, "SELECT COUNT(*) FROM techniques;"));
        }

        [Fact]
        public void Open_Version2StoreThenUpsertKnownId_ReplacesTheMigratedRow()
        {
            string path = Version2Store();
            Detection full = DetectionFixtures.Full();
            var again = new Detection
            {
                Id = full.Id,
                Name = full.Name,
                Tactic = full.Tactic,
                LastSeen = full.LastSeen.AddHours(1),
                Evidence = new[] { new Evidence("rule", "again", "rescan", null) },
            };

            using DetectionStore store = DetectionStore.Open(path);
            long before = store.Count();
            store.Upsert(new[] { again });

            Assert.Equal(before, store.Count());
            DetectionFixtures.AssertSame(again, store.Get(full.Id)!);
            Assert.Equal(1L, Scalar(path, "SELECT seq FROM detections WHERE id = '" + full.Id.ToString("D") + "';"));
        }

        [Theory]
        [InlineData("UPDATE detections SET tactic = 'Stealth' WHERE name LIKE '%Impact.Wipe%';")]
        [InlineData("UPDATE detections SET severity = 'high' WHERE name LIKE '%Impact.Wipe%';")]
        [InlineData("UPDATE detections SET techniques = '[\"T1\"' WHERE name LIKE '%Impact.Wipe%';")]
        [InlineData("UPDATE detections SET techniques = '{\"a\":\"T1\"}' WHERE name LIKE '%Impact.Wipe%';")]
        [InlineData("UPDATE scans SET inputs = 'logs' WHERE id = 1;")]
        public void Open_Version2StoreWithValueVersion2NeverWrote_ThrowsStoreCorruptAndLeavesFileAtVersion2(string damage)
        {
            string path = Version2Store();
            Execute(path, damage);
            List<object?[]> detectionsBefore = Rows(path, "SELECT * FROM detections ORDER BY rowid;");
            List<object?[]> evidenceBefore = Rows(path, "SELECT * FROM evidence ORDER BY rowid;");
            List<object?[]> scansBefore = Rows(path, "SELECT * FROM scans ORDER BY id;");

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreCorrupt", error.ErrorId);
            Assert.Equal(FailureKind.InvalidData, error.Kind);
            Assert.Equal(path, error.Target);
            Assert.Contains("from schema version 2 to 3", error.Message, StringComparison.Ordinal);
            Assert.Equal(2L, Scalar(path, "PRAGMA user_version;"));
            Assert.Equal(detectionsBefore, Rows(path, "SELECT * FROM detections ORDER BY rowid;"));
            Assert.Equal(evidenceBefore, Rows(path, "SELECT * FROM evidence ORDER BY rowid;"));
            Assert.Equal(scansBefore, Rows(path, "SELECT * FROM scans ORDER BY id;"));
            Assert.DoesNotContain("techniques", Objects(path, "table"));
        }

        [Fact]
        public void Open_Version3StoreWrittenByVersion3_KeepsEveryDetectionAndScansBecomeCompleted()
        {
            string path = Version3Store();
            List<object?[]> detectionsBefore = Rows(path, "SELECT * FROM detections ORDER BY seq;");
            List<object?[]> evidenceBefore = Rows(path, "SELECT * FROM evidence ORDER BY detection_seq, ordinal;");
            List<object?[]> techniquesBefore = Rows(path, "SELECT * FROM techniques ORDER BY detection_seq, ordinal;");
            List<object?[]> scansBefore = Rows(path, "SELECT id, started, finished, files, events, malformed, detections FROM scans ORDER BY id;");
            List<object?[]> inputsBefore = Rows(path, "SELECT * FROM scan_inputs ORDER BY scan_id, ordinal;");

            using (DetectionStore store = DetectionStore.Open(path))
            {
                Assert.Equal(DetectionStore.CurrentSchemaVersion, store.SchemaVersion);
                IReadOnlyList<ScanRecord> scans = store.ListScans();
                Assert.Equal(new[] { 1L, 2L, 3L }, scans.Select(s => s.Id));
                Assert.All(scans, s => Assert.Equal(ScanStatus.Completed, s.Status));
                Assert.All(scans, s => Assert.NotNull(s.Finished));
                Assert.Equal(new[] { "tests/data/samples" }, scans[2].Inputs);
                Assert.Equal(7, scans[2].Detections);
                Assert.Equal(24, store.Count());
            }

            Assert.Equal(detectionsBefore, Rows(path, "SELECT * FROM detections ORDER BY seq;"));
            Assert.Equal(evidenceBefore, Rows(path, "SELECT * FROM evidence ORDER BY detection_seq, ordinal;"));
            Assert.Equal(techniquesBefore, Rows(path, "SELECT * FROM techniques ORDER BY detection_seq, ordinal;"));
            Assert.Equal(scansBefore, Rows(path, "SELECT id, started, finished, files, events, malformed, detections FROM scans ORDER BY id;"));
            Assert.Equal(inputsBefore, Rows(path, "SELECT * FROM scan_inputs ORDER BY scan_id, ordinal;"));
            Assert.Equal(new[] { new object?[] { 1L } }, Rows(path, "SELECT DISTINCT status FROM scans;"));
            Assert.Equal(
                new HashSet<string> { "detections", "techniques", "evidence", "scans", "scan_inputs", "sqlite_sequence", "actions", "indicators", "policy_changes", "remediations" },
                Objects(path, "table"));
            Assert.Equal("ok", Scalar(path, "PRAGMA integrity_check;"));
            Assert.Empty(Rows(path, "PRAGMA foreign_key_check;"));
            Assert.Equal(StoreSchema.LayoutOf(StoreSchema.CurrentVersion), Layout(path));
        }

        [Fact]
        public void Open_Version3StoreWithDeletedLastScan_KeepsTheScanIdCounterAndCascade()
        {
            string path = Version3Store();
            Execute(path, "PRAGMA foreign_keys = ON; DELETE FROM scans WHERE id = 3;");

            using DetectionStore store = DetectionStore.Open(path);

            Assert.Equal(new object?[] { "scans", 3L }, Assert.Single(Rows(path, "SELECT name, seq FROM sqlite_sequence WHERE name LIKE 'scans%';")));
            Assert.Equal(4L, store.RecordScan(new ScanRecord { Status = ScanStatus.Running, Started = DateTimeOffset.UtcNow }));
            Execute(path, "PRAGMA foreign_keys = ON; DELETE FROM scans WHERE id = 1;");
            Assert.Equal(0L, Scalar(path, "SELECT COUNT(*) FROM scan_inputs WHERE scan_id = 1;"));
        }

        [Fact]
        public void Layouts_EveryVersion_IsDistinctAndTheShippedDumpsMatchTheirVersion()
        {
            string[] layouts = Enumerable.Range(0, StoreSchema.CurrentVersion + 1).Select(StoreSchema.LayoutOf).ToArray();

            Assert.Equal(layouts.Length, layouts.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(string.Empty, layouts[0]);
            Assert.Equal(StoreSchema.LayoutOf(2), Layout(Version2Store()));
            Assert.Equal(StoreSchema.LayoutOf(3), Layout(Version3Store()));
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(-1)]
        public void Open_UserVersionLoweredBelowItsTables_ThrowsStoreSchemaMismatchNamingBothVersionsAndLeavesFileUnchanged(int lowered)
        {
            string path = _temp.Combine("lowered.db");
            using (DetectionStore store = DetectionStore.Open(path))
            {
                store.Upsert(new[] { DetectionFixtures.Full() });
            }

            Execute(path, "PRAGMA user_version = " + lowered + ";");
            byte[] before = File.ReadAllBytes(path);

            var write = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));
            var read = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.OpenReadOnly(path));

            foreach (BehaviorBlockingException error in new[] { write, read })
            {
                Assert.Equal("StoreSchemaMismatch", error.ErrorId);
                Assert.Equal(FailureKind.InvalidData, error.Kind);
                Assert.Equal(path, error.Target);
                Assert.Contains("'" + path + "' says it has schema version " + lowered + " ", error.Message, StringComparison.Ordinal);
                if (lowered >= 0)
                {
                    Assert.Contains("its tables are those of schema version " + DetectionStore.CurrentSchemaVersion, error.Message, StringComparison.Ordinal);
                    Assert.Contains("PRAGMA user_version = " + DetectionStore.CurrentSchemaVersion + ";", error.Message, StringComparison.Ordinal);
                }
            }

            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal((long)lowered, Scalar(path, "PRAGMA user_version;"));
        }

        [Theory]
        [InlineData("DROP TABLE techniques;")]
        [InlineData("ALTER TABLE scans DROP COLUMN status;")]
        [InlineData("CREATE TABLE extra (x INTEGER);")]
        public void Open_TablesChangedBehindItsVersion_ThrowsStoreSchemaMismatch(string change)
        {
            string path = _temp.Combine("changed.db");
            DetectionStore.Open(path).Dispose();
            Execute(path, change);

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreSchemaMismatch", error.ErrorId);
            Assert.Contains("not those of any BehaviorBlocking schema", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Open_AnotherProgramsDatabase_ThrowsStoreSchemaMismatchAndCreatesNoTable()
        {
            string path = _temp.Combine("other.db");
            Execute(path, "CREATE TABLE detections (x TEXT); INSERT INTO detections VALUES ('theirs');");

            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionStore.Open(path));

            Assert.Equal("StoreSchemaMismatch", error.ErrorId);
            Assert.Contains("another program's database", error.Message, StringComparison.Ordinal);
            Assert.Equal(new HashSet<string> { "detections" }, Objects(path, "table"));
            Assert.Equal(0L, Scalar(path, "PRAGMA user_version;"));
        }

        private static string Layout(string path)
        {
            using SqliteConnection connection = Connect(path);
            return StoreSchema.Layout(connection, null);
        }

        // An empty file brought to version 3 by the shipped SQL, filled with the rows the version-3 code wrote.
        private string Version3Store()
        {
            string path = _temp.Combine("v3.db");
            Execute(path, SqliteFile.Version3Dump);
            Assert.Equal(3L, Scalar(path, "PRAGMA user_version;"));
            return path;
        }

        // An empty file brought to version 2 by the shipped SQL, filled with the rows the version-2 code wrote.
        private string Version2Store()
        {
            string path = _temp.Combine("v2.db");
            Execute(path, SqliteFile.Version2Dump);
            Assert.Equal(2L, Scalar(path, "PRAGMA user_version;"));
            return path;
        }
    }
}
