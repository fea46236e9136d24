using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Tests.TestSupport;
using Xunit;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>Install, uninstall and status into a temp unit folder, with the systemctl calls recorded.</summary>
    public sealed class SystemdServiceInstallerTests : IDisposable
    {
        private const string Active = "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=0\nExecMainStartTimestamp=Wed 2026-12-02 05:41:44 UTC\nUnitFileState=enabled\n";
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string UnitDir => _temp.Combine("units");

        private string UnitFile => Path.Combine(UnitDir, "behaviorblock.service");

        private ServiceDefinition Definition(string home = "home") =>
            new ServiceDefinition("/bin/sh", new[] { "monitor", "--service" }, _temp.Combine(home));

        [Fact]
        public void Install_SystemdRunning_VerifiesWritesReloadsEnablesStartsInOrder()
        {
            // The state systemd reports: unknown before the install, running once it was started.
            var manager = new RecordingServiceManager(running: true) { ShowText = "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\n" };
            ServiceInstallResult result = new SystemdServiceInstaller(new StatefulManager(manager, Active), UnitDir).Install(Definition(), start: true);

            Assert.Equal(new[] { "show", "daemon-reload", "enable", "start", "show" }, manager.Verbs);
            Assert.Equal("enable behaviorblock.service", manager.Calls[2]);
            Assert.Equal("start behaviorblock.service", manager.Calls[3]);
            Assert.Single(manager.Verified);
            Assert.Equal(SystemdUnit.Render(Definition()), manager.VerifiedText);
            Assert.False(File.Exists(manager.Verified[0]), "the candidate unit is not left behind");
            Assert.Equal(SystemdUnit.Render(Definition()), File.ReadAllText(UnitFile));
            Assert.True(result.Verified && result.Enabled && result.Started);
            Assert.Equal(4242, result.Status.MainProcessId);
            Assert.True(Directory.Exists(_temp.Combine("home")), "the product folder is created");
            Assert.Single(Directory.GetFileSystemEntries(UnitDir));
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(UnitFile));
            }
        }

        [Fact]
        public void Install_ServiceAlreadyRunning_RestartsItWithTheNewUnit()
        {
            var manager = new RecordingServiceManager(running: true) { ShowText = Active };
            new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: true);
            Assert.Equal(new[] { "show", "daemon-reload", "enable", "restart", "show" }, manager.Verbs);
        }

        [Fact]
        public void Install_NoStart_EnablesOnly()
        {
            var manager = new RecordingServiceManager(running: true);
            ServiceInstallResult result = new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: false);
            Assert.Equal(new[] { "show", "daemon-reload", "enable", "show" }, manager.Verbs);
            Assert.False(result.Started);
            Assert.Contains("--no-start", result.Note, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_StartedButNotActive_FailsNamingTheJournal()
        {
            var manager = new RecordingServiceManager(running: true) { ShowText = "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\n" };
            var ex = Assert.Throws<BehaviorBlockingException>(() => new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: true));
            Assert.Equal(ErrorIds.ServiceManagerFailed, ex.ErrorId);
            Assert.Contains("journalctl -u behaviorblock.service", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_StartFails_ReportsCommandExitAndOutput()
        {
            var manager = new RecordingServiceManager(running: true);
            manager.ExitCodes["start"] = 1;
            var ex = Assert.Throws<BehaviorBlockingException>(() => new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: true));
            Assert.Equal(ErrorIds.ServiceManagerFailed, ex.ErrorId);
            Assert.Contains("'systemctl start behaviorblock.service' exited with 1: Failed to start: scripted failure", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_SystemdNotRunning_WritesVerifiesEnablesOfflineAndSaysNotStarted()
        {
            var manager = new RecordingServiceManager(running: false);
            ServiceInstallResult result = new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: true);
            Assert.Equal(new[] { "enable behaviorblock.service" }, manager.Calls);
            Assert.True(File.Exists(UnitFile));
            Assert.True(result.Verified);
            Assert.True(result.Enabled);
            Assert.False(result.Started);
            Assert.False(result.Status.ManagerRunning);
            Assert.True(result.Status.Installed);
            Assert.Contains("systemd is not running", result.Note, StringComparison.Ordinal);
            Assert.Contains("not started", result.Note, StringComparison.Ordinal);
        }

        [Fact]
        public void Install_VerifyFails_OldUnitUnchangedAndNothingAsked()
        {
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(UnitFile, "old unit");
            var manager = new RecordingServiceManager(running: true)
            {
                VerifyResult = new ServiceCommandResult("systemd-analyze verify x", 1, string.Empty, "behaviorblock.service: Unknown key name 'Bogus'"),
            };

            var ex = Assert.Throws<BehaviorBlockingException>(() => new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: true));
            Assert.Equal(ErrorIds.ServiceDefinitionInvalid, ex.ErrorId);
            Assert.Contains("Unknown key name 'Bogus'", ex.Message, StringComparison.Ordinal);
            Assert.Equal("old unit", File.ReadAllText(UnitFile));
            Assert.Empty(manager.Calls);
        }

        [Fact]
        public void Install_VerifyExitsZeroButComplainsAboutTheUnit_Refused()
        {
            var manager = new RecordingServiceManager(running: true);
            var installer = new SystemdServiceInstaller(new ComplainingVerifier(manager), UnitDir);
            var ex = Assert.Throws<BehaviorBlockingException>(() => installer.Install(Definition(), start: true));
            Assert.Equal(ErrorIds.ServiceDefinitionInvalid, ex.ErrorId);
            Assert.False(File.Exists(UnitFile));
        }

        [Fact]
        public void Install_NoSystemdAnalyze_WrittenUnverified()
        {
            var manager = new RecordingServiceManager(running: false) { VerifyResult = null };
            ServiceInstallResult result = new SystemdServiceInstaller(manager, UnitDir).Install(Definition(), start: false);
            Assert.False(result.Verified);
            Assert.True(File.Exists(UnitFile));
        }

        [Fact]
        public void Install_Twice_ReplacesUnitAtomically()
        {
            var manager = new RecordingServiceManager(running: false);
            var installer = new SystemdServiceInstaller(manager, UnitDir);
            installer.Install(Definition("first"), start: false);
            installer.Install(Definition("second home"), start: false);
            Assert.Contains("BEHAVIORBLOCKING_HOME=" + _temp.Combine("second home"), File.ReadAllText(UnitFile), StringComparison.Ordinal);
            Assert.Equal(new[] { UnitFile }, Directory.GetFileSystemEntries(UnitDir));
        }

        [Fact]
        public void Uninstall_Running_DisablesStopsRemovesReloads()
        {
            var manager = new RecordingServiceManager(running: true) { ShowText = Active };
            var installer = new SystemdServiceInstaller(manager, UnitDir);
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(UnitFile, "unit");

            ServiceUninstallResult result = installer.Uninstall();
            Assert.Equal(new[] { "show", "disable --now behaviorblock.service", "daemon-reload", "reset-failed behaviorblock.service" }, manager.Calls.Select(c => c.StartsWith("show", StringComparison.Ordinal) ? "show" : c));
            Assert.False(File.Exists(UnitFile));
            Assert.True(result.WasInstalled && result.Stopped);
        }

        [Fact]
        public void Uninstall_NothingInstalled_NotAnErrorAndNothingStopped()
        {
            var manager = new RecordingServiceManager(running: true);
            ServiceUninstallResult result = new SystemdServiceInstaller(manager, UnitDir).Uninstall();
            Assert.False(result.WasInstalled);
            Assert.False(result.Stopped);
            Assert.DoesNotContain(manager.Calls, c => c.StartsWith("disable", StringComparison.Ordinal));
        }

        [Fact]
        public void Uninstall_DisableFails_UnitKept()
        {
            var manager = new RecordingServiceManager(running: true) { ShowText = Active };
            manager.ExitCodes["disable"] = 5;
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(UnitFile, "unit");
            var ex = Assert.Throws<BehaviorBlockingException>(() => new SystemdServiceInstaller(manager, UnitDir).Uninstall());
            Assert.Equal(ErrorIds.ServiceManagerFailed, ex.ErrorId);
            Assert.True(File.Exists(UnitFile));
        }

        [Fact]
        public void Uninstall_SystemdNotRunning_DisablesOfflineAndRemoves()
        {
            var manager = new RecordingServiceManager(running: false);
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(UnitFile, "unit");
            ServiceUninstallResult result = new SystemdServiceInstaller(manager, UnitDir).Uninstall();
            Assert.Equal(new[] { "disable behaviorblock.service" }, manager.Calls);
            Assert.False(File.Exists(UnitFile));
            Assert.True(result.WasInstalled);
            Assert.False(result.Stopped);
        }

        [Fact]
        public void Status_Running_AsksForEveryPropertyAndParses()
        {
            var manager = new RecordingServiceManager(running: true) { ShowText = Active };
            ServiceStatus status = new SystemdServiceInstaller(manager, UnitDir).Status();
            Assert.Equal("show behaviorblock.service -p LoadState -p ActiveState -p SubState -p UnitFileState -p MainPID -p NRestarts -p ExecMainStartTimestamp -p FragmentPath", manager.Calls.Single());
            Assert.True(status.IsRunning);
            Assert.False(status.Installed);
        }

        [Fact]
        public void Status_SystemdNotRunning_OnlySaysWhetherUnitExists()
        {
            var manager = new RecordingServiceManager(running: false);
            Directory.CreateDirectory(UnitDir);
            File.WriteAllText(UnitFile, "unit");
            ServiceStatus status = new SystemdServiceInstaller(manager, UnitDir).Status();
            Assert.Empty(manager.Calls);
            Assert.True(status.Installed);
            Assert.False(status.ManagerRunning);
            Assert.Equal(ServiceActiveState.Unknown, status.ActiveState);
            Assert.Equal(UnitFile, status.UnitPath);
        }

        /// <summary>Answers 'show' with the state before the start until a start was asked, then with <c>after</c>.</summary>
        private sealed class StatefulManager : IServiceManagerCommands
        {
            private readonly RecordingServiceManager _inner;
            private readonly string _after;

            public StatefulManager(RecordingServiceManager inner, string after)
            {
                _inner = inner;
                _after = after;
            }

            public bool ManagerRunning => _inner.ManagerRunning;

            public ServiceCommandResult Systemctl(System.Collections.Generic.IReadOnlyList<string> arguments)
            {
                if (arguments[0] == "start")
                {
                    _inner.ShowText = _after;
                }

                return _inner.Systemctl(arguments);
            }

            public ServiceCommandResult? VerifyUnit(string unitFile) => _inner.VerifyUnit(unitFile);
        }

        /// <summary>systemd-analyze that exits 0 but names the candidate file in a complaint (as it does for an unknown key).</summary>
        private sealed class ComplainingVerifier : IServiceManagerCommands
        {
            private readonly RecordingServiceManager _inner;

            public ComplainingVerifier(RecordingServiceManager inner) => _inner = inner;

            public bool ManagerRunning => _inner.ManagerRunning;

            public ServiceCommandResult Systemctl(System.Collections.Generic.IReadOnlyList<string> arguments) => _inner.Systemctl(arguments);

            public ServiceCommandResult? VerifyUnit(string unitFile) =>
                new ServiceCommandResult("systemd-analyze verify " + unitFile, 0, string.Empty, unitFile + ":12: Unknown key name 'Bogus' in section 'Service', ignoring.");
        }
    }
}
