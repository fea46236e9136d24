using System;
using System.Text;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>The remediations table: records round-trip, and what undo says about records it cannot use.</summary>
    public sealed class RemediationStoreTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string StorePath => _temp.Combine(ProductHome.StoreFileName);

        private static byte[] Backup(string path) => new RemediationBackup
        {
            Items = { new BackupItem { Type = BackupItem.FileType, Path = path, Content = Encoding.UTF8.GetBytes("x\n"), Mode = 0x1A4, Uid = 0, Gid = 0 } },
        }.ToBytes();

        [Fact]
        public void Add_ThenList_RoundTripsEveryField()
        {
            var id = Guid.NewGuid();
            var detection = Guid.NewGuid();
            var time = new DateTimeOffset(2026, 2, 3, 4, 5, 6, 789, TimeSpan.Zero).AddTicks(1234);
            using (RemediationStore store = RemediationStore.Open(StorePath))
            {
                store.Add(new RemediationRecord(id, new PersistenceArtifact(PersistenceKind.AuthorizedKey, "/root/.ssh/authorized_keys", "ssh-ed25519 AAAA x@y"), RemediationState.Removed, time)
                {
                    DetectionId = detection,
                    Description = "line 2 of '/root/.ssh/authorized_keys': ssh-ed25519 AAAA x@y",
                }, Backup("/root/.ssh/authorized_keys"));
            }

            using (RemediationStore store = RemediationStore.OpenReadOnly(StorePath))
            {
                RemediationRecord record = Assert.Single(store.List());
                Assert.Equal(id, record.Id);
                Assert.Equal(detection, record.DetectionId);
                Assert.Equal(time, record.Time);
                Assert.Equal(PersistenceKind.AuthorizedKey, record.Artifact.Kind);
                Assert.Equal("/root/.ssh/authorized_keys", record.Artifact.Location);
                Assert.Equal("ssh-ed25519 AAAA x@y", record.Artifact.Entry);
                Assert.Equal("line 2 of '/root/.ssh/authorized_keys': ssh-ed25519 AAAA x@y", record.Description);
                Assert.Equal(RemediationState.Removed, record.State);
                Assert.Null(record.RestoredAt);
                Assert.Equal(id, store.Get(id)!.Id);
                Assert.Null(store.Get(Guid.NewGuid()));
            }
        }

        [Fact]
        public void Undo_DamagedBackup_IsBackupInvalidAndNothingChanges()
        {
            var id = Guid.NewGuid();
            using (RemediationStore store = RemediationStore.Open(StorePath))
            {
                store.Add(new RemediationRecord(id, new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/cron.d/x"), RemediationState.Removed, DateTimeOffset.UtcNow), Backup(_temp.Combine("x")));
            }

            using (var connection = new SqliteConnection("Data Source=" + StorePath + ";Pooling=False"))
            {
                connection.Open();
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "UPDATE remediations SET backup = x'7b2256657273696f6e223a' WHERE id = $id;";
                command.Parameters.AddWithValue("$id", id.ToString("D"));
                Assert.Equal(1, command.ExecuteNonQuery());
            }

            using (RemediationStore store = RemediationStore.Open(StorePath))
            {
                var error = Assert.Throws<BehaviorBlockingException>(() => new LinuxRemediator(store, null, _temp.FullPath).Undo(id));

                Assert.Equal(ErrorIds.RemediationBackupInvalid, error.ErrorId);
                Assert.StartsWith("The backup of remediation " + id.ToString("D") + " cannot be read: ", error.Message);
                Assert.Equal(RemediationState.Removed, Assert.Single(store.List()).State);
                Assert.False(System.IO.File.Exists(_temp.Combine("x")));
            }
        }

        [Fact]
        public void Undo_OtherPlatformsKind_IsNotSupported()
        {
            var id = Guid.NewGuid();
            using RemediationStore store = RemediationStore.Open(StorePath);
            store.Add(new RemediationRecord(id, new PersistenceArtifact(PersistenceKind.RunKey, @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\x", "y"), RemediationState.Removed, DateTimeOffset.UtcNow),
                new RemediationBackup { Items = { new BackupItem { Type = BackupItem.RegistryValueType, Path = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run", ValueName = "x", ValueKind = 1, Content = Encoding.Unicode.GetBytes("y\0") } } }.ToBytes());

            BackedUpRemediator here = Remediators.ForThisPlatform(store, null, _temp.FullPath);
            BackedUpRemediator other = OperatingSystem.IsWindows() ? new LinuxRemediator(store, null, _temp.FullPath) : new WindowsRemediator(store, null);

            if (!OperatingSystem.IsWindows())
            {
                Assert.IsType<LinuxRemediator>(here);
                Assert.Equal(ErrorIds.RemediationNotSupported, Assert.Throws<BehaviorBlockingException>(() => here.Undo(id)).ErrorId);
            }

            Assert.False(other.IsSupported);
            ResponseStep step = other.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "x"), null, false);
            Assert.Equal(StepOutcome.NotSupported, step.Outcome);
        }

        [Fact]
        public void Remediate_WmiSubscription_SaysWhyItIsNotSupported()
        {
            using RemediationStore store = RemediationStore.Open(StorePath);
            var windows = new WindowsRemediator(store, null);

            ResponseStep step = windows.Remediate(new PersistenceArtifact(PersistenceKind.WmiSubscription, @"root\subscription:__EventFilter.Name=""Updater"""), null, false);

            Assert.Equal(StepOutcome.NotSupported, step.Outcome);
            if (OperatingSystem.IsWindows())
            {
                Assert.StartsWith("removing a WMI subscription needs WMI (System.Management)", step.Detail);
            }

            Assert.Empty(store.List());
        }
    }
}
