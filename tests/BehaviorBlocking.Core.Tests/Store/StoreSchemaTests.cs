using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
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

            Assert.Equal(3, store.SchemaVersion);
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
                Assert.Equal(scans[i].Finished.UtcTicks, listed[i].Finished.UtcTicks);
                Assert.Equal(scans[i].Inputs, listed[i].Inputs);
                Assert.Equal(new[] { scans[i].Files, scans[i].Events, scans[i].Malformed, scans[i].Detections }, new[] { listed[i].Files, listed[i].Events, listed[i].Malformed, listed[i].Detections });
            }

            Assert.Equal(3L, store.RecordScan(new ScanRecord()));
        }

        [Fact]
        public void Open_Version2Store_LeavesOnlyTheVersion3TablesAndAConsistentFile()
        {
            string path = Version2Store();

            using (DetectionStore.Open(path))
            {
            }

            Assert.Equal(
                new HashSet<string> { "detections", "techniques", "evidence", "scans", "scan_inputs", "sqlite_sequence" },
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
