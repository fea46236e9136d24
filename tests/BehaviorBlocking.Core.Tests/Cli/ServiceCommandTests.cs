using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Tests.Engine.Service;
using BehaviorBlocking.Tests.TestSupport;
using Xunit;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary><c>behaviorblock service install|uninstall|status</c> into a temp unit folder with systemctl recorded.</summary>
    public sealed class ServiceCommandTests : IDisposable
    {
        private const string Active = "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=2\nExecMainStartTimestamp=Wed 2026-12-02 05:41:44 UTC\nUnitFileState=enabled\nFragmentPath=/etc/systemd/system/behaviorblock.service\n";
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string UnitDir => _temp.Combine("units");

        private string UnitFile => Path.Combine(UnitDir, "behaviorblock.service");

        private static (int Exit, string Out, string Err) Run(IServiceManagerCommands manager, bool elevated, params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var console = new CliConsole(new TerminalWriter(stdout), new TerminalWriter(stderr), Array.Empty<IDetector>)
            {
                ServiceManager = () => manager,
                IsElevated = () => elevated,
            };
            int exit = Program.Run(args, console);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [Theory]
        [InlineData("service", "install", "--mode", "bogus")]
        [InlineData("service", "install", "--unit-dir")]
        [InlineData("service", "install", "--bogus")]
        [InlineData("service", "restart")]
        [InlineData("service", "status", "--format", "xml")]
        [InlineData("service", "uninstall", "extra")]
        public void Service_BadArguments_ExitTwoAndChangeNothing(params string[] args)
        {
            var manager = new RecordingServiceManager(running: true);
            (int exit, _, string err) = Run(manager, true, args.Concat(new[] { "--unit-dir", UnitDir }).ToArray());
            Assert.Equal(Program.ExitUsage, exit);
            Assert.Contains("behaviorblock: ", err, StringComparison.Ordinal);
            Assert.Empty(manager.Calls);
            Assert.False(File.Exists(UnitFile));
        }

        [Fact]
        public void Install_ModeNotOneOf_SaysWhichValuesAreAllowed()
        {
            (int exit, _, string err) = Run(new RecordingServiceManager(true), true, "service", "install", "--mode", "kill", "--unit-dir", UnitDir);
            Assert.Equal(Program.ExitUsage, exit);
            Assert.Contains("--mode: 'kill' is not one of audit, block.", err, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("install")]
        [InlineData("uninstall")]
        public void InstallOrUninstall_NotRoot_ExitOneSayingRootIsNeeded(string verb)
        {
            var manager = new RecordingServiceManager(running: true);
            (int exit, string output, string err) = Run(manager, false, "service", verb, "--unit-dir", UnitDir, "--exec", "/bin/sh");
            if (verb == "uninstall")
            {
                (exit, output, err) = Run(manager, false, "service", verb, "--unit-dir", UnitDir);
            }

            Assert.Equal(Program.ExitFailed, exit);
            Assert.Equal(string.Empty, output);
            Assert.StartsWith("behaviorblock: ServiceRequiresElevation: ", err, StringComparison.Ordinal);
            Assert.Contains("run it as root (sudo behaviorblock service " + verb + ")", err, StringComparison.Ordinal);
            Assert.Empty(manager.Calls);
            Assert.False(Directory.Exists(UnitDir));
        }

        [Fact]
        public void Status_NotRoot_StillAnswers()
        {
            (int exit, string output, _) = Run(new RecordingServiceManager(running: true) { ShowText = Active }, false, "service", "status", "--unit-dir", UnitDir);
            Assert.Equal(Program.ExitOk, exit);
            Assert.Contains("active (running)", output, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_SystemdRunning_WritesUnitRunningMonitorAndReportsStarted()
        {
            var manager = new RecordingServiceManager(running: true) { ShowText = Active };
            (int exit, string output, string err) = Run(manager, true, "service", "install", "--unit-dir", UnitDir, "--exec", "/bin/sh", "--mode", "block");
            Assert.True(exit == Program.ExitOk, err);
            Assert.Contains("wrote " + UnitFile + " (verified with systemd-analyze)", output, StringComparison.Ordinal);
            Assert.Contains("runs: /bin/sh monitor --service --mode block", output, StringComparison.Ordinal);
            Assert.Contains("started behaviorblock.service: active (running), PID 4242", output, StringComparison.Ordinal);
            string unit = File.ReadAllText(UnitFile);
            Assert.Contains("ExecStart=\"/bin/sh\" \"monitor\" \"--service\" \"--mode\" \"block\"\n", unit, StringComparison.Ordinal);
            Assert.Contains("Environment=\"BEHAVIORBLOCKING_HOME=" + global::BehaviorBlocking.Store.ProductHome.Resolve() + "\"\n", unit, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_SystemdNotRunning_ExitThreeSayingNotStarted()
        {
            var manager = new RecordingServiceManager(running: false);
            (int exit, string output, string err) = Run(manager, true, "service", "install", "--unit-dir", UnitDir, "--exec", "/bin/sh");
            Assert.Equal(ServiceCommand.ExitNotStarted, exit);
            Assert.Contains("wrote " + UnitFile, output, StringComparison.Ordinal);
            Assert.DoesNotContain("started", output, StringComparison.Ordinal);
            Assert.Contains("systemd is not running on this machine", err, StringComparison.Ordinal);
            Assert.Contains("the service was not started", err, StringComparison.Ordinal);
            Assert.True(File.Exists(UnitFile));
        }

        [Fact]
        public void Install_ExecMissing_ExitOneNamingIt()
        {
            (int exit, _, string err) = Run(new RecordingServiceManager(true), true, "service", "install", "--unit-dir", UnitDir, "--exec", "/no/such/behaviorblock");
            Assert.Equal(Program.ExitFailed, exit);
            Assert.StartsWith("behaviorblock: ServiceExecutableNotFound: ", err, StringComparison.Ordinal);
            Assert.Contains("/no/such/behaviorblock", err, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_StartFails_ExitOneWithSystemctlsWords()
        {
            var manager = new RecordingServiceManager(running: true);
            manager.ExitCodes["start"] = 1;
            (int exit, _, string err) = Run(manager, true, "service", "install", "--unit-dir", UnitDir, "--exec", "/bin/sh");
            Assert.Equal(Program.ExitFailed, exit);
            Assert.StartsWith("behaviorblock: ServiceManagerFailed: 'systemctl start behaviorblock.service' exited with 1", err, StringComparison.Ordinal);
        }

        [Fact]
        public void Uninstall_Installed_RemovesAndSaysSo()
        {
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(UnitFile, "unit");
            var manager = new RecordingServiceManager(running: true) { ShowText = Active };
            (int exit, string output, _) = Run(manager, true, "service", "uninstall", "--unit-dir", UnitDir);
            Assert.Equal(Program.ExitOk, exit);
            Assert.Contains("stopped and disabled the service, removed " + UnitFile, output, StringComparison.Ordinal);
            Assert.False(File.Exists(UnitFile));
        }

        [Fact]
        public void Uninstall_NotInstalled_ExitZeroSayingSo()
        {
            (int exit, string output, _) = Run(new RecordingServiceManager(running: true), true, "service", "uninstall", "--unit-dir", UnitDir);
            Assert.Equal(Program.ExitOk, exit);
            Assert.Contains("not installed: " + UnitFile + " does not exist", output, StringComparison.Ordinal);
        }

        [Fact]
        public void Status_Jsonl_OneRecordWithEveryField()
        {
            (int exit, string output, _) = Run(new RecordingServiceManager(running: true) { ShowText = Active }, false, "service", "status", "--unit-dir", UnitDir, "--format", "jsonl");
            Assert.Equal(Program.ExitOk, exit);
            string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using JsonDocument json = JsonDocument.Parse(line);
            JsonElement root = json.RootElement;
            Assert.Equal("behaviorblock", root.GetProperty("name").GetString());
            Assert.False(root.GetProperty("installed").GetBoolean());
            Assert.True(root.GetProperty("managerRunning").GetBoolean());
            Assert.Equal("active", root.GetProperty("activeState").GetString());
            Assert.Equal("running", root.GetProperty("subState").GetString());
            Assert.Equal("enabled", root.GetProperty("startupState").GetString());
            Assert.Equal(4242, root.GetProperty("mainProcessId").GetInt32());
            Assert.Equal(2, root.GetProperty("restarts").GetInt32());
            Assert.Equal("2026-12-02T05:41:44.000Z", root.GetProperty("startedAt").GetString());
            Assert.Equal("/etc/systemd/system/behaviorblock.service", root.GetProperty("unitPath").GetString());
        }

        [Fact]
        public void Status_SystemdNotRunning_TableSaysUnknown()
        {
            (int exit, string output, _) = Run(new RecordingServiceManager(running: false), false, "service", "status", "--unit-dir", UnitDir);
            Assert.Equal(Program.ExitOk, exit);
            string[] lines = output.Split('\n');
            Assert.StartsWith("Service", lines[0], StringComparison.Ordinal);
            Assert.Contains("unknown (no systemd)", lines[2], StringComparison.Ordinal);
            Assert.Contains("no", lines[2], StringComparison.Ordinal);
        }
    }
}
