using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>
    /// The unit installed into a real systemd (booted in its own namespaces, see <see cref="NamespacedSystemd"/>):
    /// it starts as a notify service, gets exactly the capabilities and environment the unit names, is restarted
    /// after SIGKILL, logs to the journal, and is gone after uninstall. The service is a small Python program that
    /// speaks the notify protocol from its main process (NotifyAccess=main refuses systemd-notify, a child).
    /// </summary>
    public sealed class SystemdServiceLiveTests
    {
        // CAP_CHOWN 0, DAC_OVERRIDE 1, DAC_READ_SEARCH 2, FOWNER 3, KILL 5, NET_ADMIN 12, SYS_PTRACE 19, SYS_ADMIN 21.
        private const ulong ExpectedCapabilities = (1UL << 0) | (1UL << 1) | (1UL << 2) | (1UL << 3) | (1UL << 5) | (1UL << 12) | (1UL << 19) | (1UL << 21);

        private const string NotifyProgram =
            "import os, socket, sys, time\n" +
            "print('service test started with ' + repr(sys.argv[1:]), flush=True)\n" +
            "addr = os.environ['NOTIFY_SOCKET']\n" +
            "addr = '\\0' + addr[1:] if addr.startswith('@') else addr\n" +
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n" +
            "s.sendto(b'READY=1', addr)\n" +
            "while True:\n" +
            "    s.sendto(b'WATCHDOG=1', addr)\n" +
            "    time.sleep(1)\n";

        private static readonly string[] s_awkwardArguments = { "monitor", "--service", "two words", "100%", "$HOME", "x;y", ";", "q\"uote\\" };
        private readonly ITestOutputHelper _output;

        public SystemdServiceLiveTests(ITestOutputHelper output) => _output = output;

        [LinuxRootFact]
        public void InstallKillUninstall_RealSystemd_StartsRestartsAfterSigkillAndIsGone()
        {
            string? unavailable = NamespacedSystemd.Unavailable();
            if (unavailable is not null)
            {
                _output.WriteLine("skipped: " + unavailable);
                return;
            }

            using NamespacedSystemd systemd = NamespacedSystemd.Boot();
            _output.WriteLine("namespaced systemd at host PID " + systemd.Pid);

            // The journal, so StandardOutput=journal has a socket to write to.
            Assert.True(systemd.Inside("systemctl", "start", "systemd-journald.socket").Succeeded);

            string programFolder = systemd.Temp.Combine("bin dir");
            Directory.CreateDirectory(programFolder);
            string program = Path.Combine(programFolder, "notify service.py");
            File.WriteAllText(program, NotifyProgram);
            string home = systemd.Temp.Combine("home 100% $x");
            var definition = new ServiceDefinition("/usr/bin/python3", new[] { program }.Concat(s_awkwardArguments).ToArray(), home)
            {
                RestartDelay = TimeSpan.FromSeconds(1),
                WatchdogInterval = TimeSpan.FromSeconds(10),
            };

            var installer = new SystemdServiceInstaller(systemd.Commands, systemd.UnitDirectory);
            var watch = Stopwatch.StartNew();
            ServiceInstallResult installed = installer.Install(definition, start: true);
            _output.WriteLine($"install took {watch.ElapsedMilliseconds} ms; verified {installed.Verified}");

            Assert.True(installed.Started);
            Assert.True(installed.Enabled);
            Assert.True(File.Exists(Path.Combine(systemd.UnitDirectory, "multi-user.target.wants", "behaviorblock.service")), "enabled: linked into multi-user.target.wants");
            ServiceStatus first = installer.Status();
            Assert.Equal(ServiceActiveState.Active, first.ActiveState);
            Assert.Equal("running", first.SubState);
            Assert.Equal("enabled", first.StartupState);
            Assert.Equal("/etc/systemd/system/behaviorblock.service", first.UnitPath);
            Assert.Equal(0, first.Restarts);
            int firstPid = Assert.IsType<int>(first.MainProcessId);
            Assert.NotNull(first.StartedAt);

            // systemd split ExecStart and Environment back into exactly what was given.
            string[] argv = systemd.Inside("cat", $"/proc/{firstPid}/cmdline").Output.Split('\0', StringSplitOptions.None);
            Assert.Equal(new[] { "/usr/bin/python3", program }.Concat(s_awkwardArguments).Append(string.Empty), argv);
            string[] environment = systemd.Inside("cat", $"/proc/{firstPid}/environ").Output.Split('\0');
            Assert.Contains("BEHAVIORBLOCKING_HOME=" + home, environment);

            // Exactly the capabilities the unit names, and no way to gain more.
            string processStatus = systemd.Inside("cat", $"/proc/{firstPid}/status").Output;
            foreach (string set in new[] { "CapEff", "CapPrm", "CapBnd", "CapAmb" })
            {
                Assert.Equal(ExpectedCapabilities, CapabilityMask(processStatus, set));
            }

            Assert.Contains("NoNewPrivs:\t1", processStatus, StringComparison.Ordinal);
            // A negative OOM score needs CAP_SYS_RESOURCE in systemd's own set; without it (this sandbox) systemd
            // logs and ignores the setting, as it does in containers.
            string oomScore = systemd.Inside("cat", $"/proc/{firstPid}/oom_score_adj").Output.Trim();
            bool mayLowerOomScore = (CapabilityMask(File.ReadAllText("/proc/self/status"), "CapEff") & (1UL << 24)) != 0;
            _output.WriteLine($"oom_score_adj {oomScore} (CAP_SYS_RESOURCE here: {mayLowerOomScore})");
            Assert.Equal(mayLowerOomScore ? "-900" : "0", oomScore);

            // SIGKILL of the main process: systemd starts a new one.
            Assert.True(systemd.Inside("kill", "-9", firstPid.ToString(CultureInfo.InvariantCulture)).Succeeded);
            watch.Restart();
            ServiceStatus restarted = WaitFor(installer, s => s.IsRunning && s.MainProcessId is int pid && pid != firstPid);
            _output.WriteLine($"restarted after SIGKILL in {watch.ElapsedMilliseconds} ms: PID {firstPid} -> {restarted.MainProcessId}, NRestarts {restarted.Restarts}");
            Assert.Equal(1, restarted.Restarts);

            // Its output went to the journal under the service's identifier.
            string journal = systemd.Inside("journalctl", "--no-pager", "-o", "cat", "-t", "behaviorblock").Output;
            Assert.Contains("service test started with", journal, StringComparison.Ordinal);

            ServiceUninstallResult removed = installer.Uninstall();
            Assert.True(removed.WasInstalled && removed.Stopped);
            ServiceStatus gone = installer.Status();
            Assert.Equal("not-found", gone.LoadState);
            Assert.False(gone.IsRunning);
            Assert.Null(gone.MainProcessId);
            Assert.False(gone.Installed);
            Assert.False(File.Exists(Path.Combine(systemd.UnitDirectory, "behaviorblock.service")));
            Assert.False(File.Exists(Path.Combine(systemd.UnitDirectory, "multi-user.target.wants", "behaviorblock.service")));
            Assert.False(systemd.Inside("kill", "-0", restarted.MainProcessId!.Value.ToString(CultureInfo.InvariantCulture)).Succeeded, "the service process is gone");
        }

        [LinuxRootFact]
        public void Cli_InstallStatusUninstall_RealSystemd_RunsExecWithMonitorService()
        {
            string? unavailable = NamespacedSystemd.Unavailable();
            if (unavailable is not null || !OperatingSystem.IsLinux())
            {
                _output.WriteLine("skipped: " + unavailable);
                return;
            }

            using NamespacedSystemd systemd = NamespacedSystemd.Boot();
            Assert.True(systemd.Inside("systemctl", "start", "systemd-journald.socket").Succeeded);

            // --exec names an executable that speaks the notify protocol in place of the monitor.
            string exec = systemd.Temp.Combine("behaviorblock stand-in");
            File.WriteAllText(exec, "#!/usr/bin/python3\n" + NotifyProgram);
            File.SetUnixFileMode(exec, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            (int exit, string output, string error) = Cli(systemd, "service", "install", "--exec", exec, "--unit-dir", systemd.UnitDirectory, "--mode", "audit");
            _output.WriteLine(output + error);
            Assert.Equal(0, exit);
            Assert.Contains("started behaviorblock.service: active (running), PID ", output, StringComparison.Ordinal);

            (exit, output, _) = Cli(systemd, "service", "status", "--unit-dir", systemd.UnitDirectory, "--format", "jsonl");
            Assert.Equal(0, exit);
            using (var json = System.Text.Json.JsonDocument.Parse(output))
            {
                Assert.Equal("active", json.RootElement.GetProperty("activeState").GetString());
                int pid = json.RootElement.GetProperty("mainProcessId").GetInt32();
                string[] argv = systemd.Inside("cat", $"/proc/{pid}/cmdline").Output.Split('\0');
                Assert.Equal(new[] { "/usr/bin/python3", exec, "monitor", "--service", "--mode", "audit", string.Empty }, argv);
            }

            (exit, output, _) = Cli(systemd, "service", "uninstall", "--unit-dir", systemd.UnitDirectory);
            Assert.Equal(0, exit);
            Assert.Contains("stopped and disabled the service, removed ", output, StringComparison.Ordinal);
            (exit, output, _) = Cli(systemd, "service", "status", "--unit-dir", systemd.UnitDirectory, "--format", "jsonl");
            using (var json = System.Text.Json.JsonDocument.Parse(output))
            {
                Assert.Equal("not-found", json.RootElement.GetProperty("loadState").GetString());
                Assert.False(json.RootElement.GetProperty("installed").GetBoolean());
            }
        }

        private static (int Exit, string Out, string Err) Cli(NamespacedSystemd systemd, params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var console = new BehaviorBlocking.Cli.CliConsole(new BehaviorBlocking.Cli.TerminalWriter(stdout), new BehaviorBlocking.Cli.TerminalWriter(stderr), Array.Empty<BehaviorBlocking.Detections.IDetector>)
            {
                ServiceManager = () => systemd.Commands,
            };
            int exit = BehaviorBlocking.Cli.Program.Run(args, console);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [LinuxRootFact]
        public void Install_RealSystemdServiceThatNeverGetsReady_FailsAndSaysSo()
        {
            string? unavailable = NamespacedSystemd.Unavailable();
            if (unavailable is not null)
            {
                _output.WriteLine("skipped: " + unavailable);
                return;
            }

            using NamespacedSystemd systemd = NamespacedSystemd.Boot();

            // A program that exits at once with an error, before READY=1: the start fails and the install says so.
            var definition = new ServiceDefinition("/bin/false", new[] { "monitor", "--service" }, systemd.Temp.Combine("home"));
            var installer = new SystemdServiceInstaller(systemd.Commands, systemd.UnitDirectory);
            var ex = Assert.Throws<BehaviorBlockingException>(() => installer.Install(definition, start: true));
            _output.WriteLine(ex.Message);
            Assert.Equal(ErrorIds.ServiceManagerFailed, ex.ErrorId);
            Assert.Contains("start behaviorblock.service", ex.Message, StringComparison.Ordinal);
            installer.Uninstall();
        }

        [Fact]
        public void VerifyUnit_RealSystemdAnalyze_AcceptsTheUnitAndRefusesABrokenOne()
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/systemd-analyze"))
            {
                _output.WriteLine("skipped: systemd-analyze is not installed");
                return;
            }

            using var temp = new TempDirectory();
            string unit = temp.Combine("behaviorblock.service");
            File.WriteAllText(unit, SystemdUnit.Render(new ServiceDefinition("/bin/sh", new[] { "monitor", "--service" }, "/var/lib/behavior blocking")));
            ServiceCommandResult? good = new SystemctlCommands().VerifyUnit(unit);
            Assert.NotNull(good);
            _output.WriteLine(good!.Describe());
            Assert.True(good.Succeeded, good.Describe());
            Assert.DoesNotContain(unit, good.Error + good.Output, StringComparison.Ordinal);

            File.WriteAllText(unit, SystemdUnit.Render(new ServiceDefinition("/no/such/behaviorblock", new[] { "monitor" }, "/h")));
            ServiceCommandResult bad = new SystemctlCommands().VerifyUnit(unit)!;
            _output.WriteLine(bad.Describe());
            Assert.False(bad.Succeeded && !(bad.Error + bad.Output).Contains(unit, StringComparison.Ordinal), "a unit whose program does not exist is refused: " + bad.Describe());
        }

        private static ulong CapabilityMask(string status, string set)
        {
            string line = status.Split('\n').Single(l => l.StartsWith(set + ":", StringComparison.Ordinal));
            return ulong.Parse(line.Substring(set.Length + 1).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        private static ServiceStatus WaitFor(SystemdServiceInstaller installer, Func<ServiceStatus, bool> condition)
        {
            var watch = Stopwatch.StartNew();
            ServiceStatus status = installer.Status();
            while (!condition(status) && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(200);
                status = installer.Status();
            }

            Assert.True(condition(status), $"not reached in 30 s: {status.ActiveState} ({status.SubState}), PID {status.MainProcessId}, restarts {status.Restarts}");
            return status;
        }
    }
}
