using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class ResponseStoreCommandTests
    {
        private const string Hash = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

        // Files to quarantine live outside the product folder: the guard rails protect the product's own files.
        private static QuarantineEntry Quarantine(ModuleSession session, string name, string text)
        {
            string file = Path.Combine(session.Home + "-files", name);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
            return new QuarantineVault(QuarantineVault.DefaultFolder, new GuardRails()).Add(file, null, "test");
        }

        [Fact]
        public void Quarantine_GetThenRestore_PutsTheFileBackByteForByte_WhatIfFirstChangesNothing()
        {
            using var session = new ModuleSession();
            QuarantineEntry entry = Quarantine(session, "dropper.sh", "#!/bin/sh\necho hi\n");
            Assert.False(File.Exists(entry.OriginalPath));
            QuarantineEntry listed = Assert.Single(session.Invoke<QuarantineEntry>("Get-BehaviorQuarantine -State Held"));
            Assert.Equal(entry.Id, listed.Id);

            session.Invoke("Get-BehaviorQuarantine | Restore-BehaviorQuarantine -WhatIf");
            Assert.False(File.Exists(entry.OriginalPath));

            QuarantineEntry restored = Assert.Single(session.Invoke<QuarantineEntry>("Get-BehaviorQuarantine | Restore-BehaviorQuarantine -Confirm:$false -PassThru"));
            Assert.Equal(QuarantineState.Restored, restored.State);
            Assert.Equal("#!/bin/sh\necho hi\n", File.ReadAllText(entry.OriginalPath));
        }

        [Fact]
        public void RestoreBehaviorQuarantine_OneUnknownAndOneRestored_ReportsEachAndRestoresTheOther()
        {
            using var session = new ModuleSession();
            QuarantineEntry a = Quarantine(session, "a", "a");
            QuarantineEntry b = Quarantine(session, "b", "b");
            new QuarantineVault(QuarantineVault.DefaultFolder, new GuardRails()).Restore(a.Id);
            Guid unknown = Guid.NewGuid();
            session.Invoke("Restore-BehaviorQuarantine -Id $ids -Confirm:$false", ("ids", new[] { unknown, a.Id, b.Id }));
            Assert.Equal(new[] { "QuarantineEntryNotFound", "QuarantineAlreadyRestored" }, session.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(unknown.ToString(), session.Errors[0].TargetObject?.ToString());
            Assert.Equal(ErrorCategory.ObjectNotFound, session.Errors[0].CategoryInfo.Category);
            Assert.True(File.Exists(b.OriginalPath));
        }

        [Fact]
        public void Indicators_AddGetRemove_ThroughThePipeline()
        {
            using var session = new ModuleSession();
            session.Invoke("Add-BehaviorIndicator -Sha256 $h -Verdict Block -Comment 'dropper' -WhatIf", ("h", Hash));
            Assert.Empty(session.Invoke("Get-BehaviorIndicator"));
            Indicator added = Assert.Single(session.Invoke<Indicator>("Add-BehaviorIndicator -Sha256 $h -Verdict Block -Comment 'dropper' -PassThru", ("h", Hash.ToLowerInvariant())));
            Assert.Equal(Hash, added.Value);
            Assert.Equal(IndicatorSource.Manual, added.Source);
            Assert.Equal(added.Id, Assert.Single(session.Invoke<Indicator>("Get-BehaviorIndicator -Verdict Block -Value '9F86*'")).Id);
            Indicator removed = Assert.Single(session.Invoke<Indicator>("Get-BehaviorIndicator | Remove-BehaviorIndicator -Confirm:$false -PassThru"));
            Assert.Equal(added.Id, removed.Id);
            Assert.Empty(session.Invoke("Get-BehaviorIndicator"));
        }

        [Fact]
        public void AddBehaviorIndicator_BlockOfAProtectedExecutableOrABadHash_IsIndicatorInvalidAndNothingIsWritten()
        {
            using var session = new ModuleSession();
            session.Invoke("Add-BehaviorIndicator -Path /sbin/init -Verdict Block; Add-BehaviorIndicator -Sha256 nothex -Verdict Block");
            Assert.Equal(2, session.Errors.Count);
            Assert.All(session.Errors, e => Assert.Equal("IndicatorInvalid,BehaviorBlocking.Commands.AddBehaviorIndicatorCommand", e.FullyQualifiedErrorId));
            Assert.Equal("/sbin/init", session.Errors[0].TargetObject);
            Assert.Empty(session.Invoke("Get-BehaviorIndicator"));
        }

        [Fact]
        public void ImportBehaviorIndicator_ValidFeedImports_InvalidFeedNamesItsLineAndImportsNothing()
        {
            using var session = new ModuleSession();
            string good = Path.Combine(session.Home, "good.jsonl");
            File.WriteAllText(good, "{\"sha256\":\"" + Hash + "\",\"verdict\":\"block\"}\n");
            IndicatorImport result = Assert.Single(session.Invoke<IndicatorImport>("Import-BehaviorIndicator $p", ("p", good)));
            Assert.Equal(1, result.Count);
            string bad = Path.Combine(session.Home, "bad.jsonl");
            File.WriteAllText(bad, "{\"sha256\":\"" + Hash.Replace('9', '8') + "\",\"verdict\":\"block\"}\n{\"sha256\":\"zz\",\"verdict\":\"block\"}\n");
            session.Invoke("Import-BehaviorIndicator $p", ("p", bad));
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("IndicatorFeedInvalid", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains("line 2", error.Exception.Message, StringComparison.Ordinal);
            Assert.Single(session.Invoke("Get-BehaviorIndicator"));
        }

        [Fact]
        public void Remediation_GetThenUndo_PutsBackWhatWasRemoved_UnknownIdIsRemediationNotFound()
        {
            using var session = new ModuleSession();
            string removedFile = Path.Combine(session.Home, "cron.d", "updater");
            var id = Guid.NewGuid();
            using (RemediationStore store = RemediationStore.Open(ProductHome.DefaultStorePath))
            {
                store.Add(new RemediationRecord(id, new PersistenceArtifact(PersistenceKind.CronEntry, removedFile), RemediationState.Removed, DateTimeOffset.UtcNow) { Description = "test cron file" },
                    new RemediationBackup { Items = { new BackupItem { Type = BackupItem.FileType, Path = removedFile, Content = Encoding.UTF8.GetBytes("* * * * * root /tmp/x\n"), Mode = 0x1A4, Uid = 0, Gid = 0 } } }.ToBytes());
            }

            RemediationRecord listed = Assert.Single(session.Invoke<RemediationRecord>("Get-BehaviorRemediation -State Removed"));
            Assert.Equal(id, listed.Id);
            session.Invoke("Get-BehaviorRemediation | Undo-BehaviorRemediation -WhatIf");
            Assert.False(File.Exists(removedFile));
            RemediationRecord undone = Assert.Single(session.Invoke<RemediationRecord>("Get-BehaviorRemediation | Undo-BehaviorRemediation -Confirm:$false -PassThru"));
            Assert.Equal(RemediationState.Restored, undone.State);
            Assert.Equal("* * * * * root /tmp/x\n", File.ReadAllText(removedFile));

            session.Invoke("Undo-BehaviorRemediation -Id $id -Confirm:$false", ("id", Guid.NewGuid()));
            Assert.Equal("RemediationNotFound", Assert.Single(session.Errors).FullyQualifiedErrorId.Split(',')[0]);
        }
    }
}
