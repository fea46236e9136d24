using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>What <see cref="SystemdServiceInstaller.Install"/> did.</summary>
    public sealed class ServiceInstallResult
    {
        /// <summary>Creates a result.</summary>
        public ServiceInstallResult(string unitPath, bool verified, bool enabled, bool started, ServiceStatus status, string? note)
        {
            UnitPath = unitPath;
            Verified = verified;
            Enabled = enabled;
            Started = started;
            Status = status;
            Note = note;
        }

        /// <summary>The unit file written.</summary>
        public string UnitPath { get; }

        /// <summary>Whether <c>systemd-analyze verify</c> checked the unit (false when the tool is not installed).</summary>
        public bool Verified { get; }

        /// <summary>Whether the unit was enabled (starts at boot).</summary>
        public bool Enabled { get; }

        /// <summary>Whether the service was started and reported active.</summary>
        public bool Started { get; }

        /// <summary>The service's state after the install.</summary>
        public ServiceStatus Status { get; }

        /// <summary>Why something was not done (systemd not running, enable refused offline), or null.</summary>
        public string? Note { get; }
    }

    /// <summary>What <see cref="SystemdServiceInstaller.Uninstall"/> did.</summary>
    public sealed class ServiceUninstallResult
    {
        /// <summary>Creates a result.</summary>
        public ServiceUninstallResult(string unitPath, bool wasInstalled, bool stopped)
        {
            UnitPath = unitPath;
            WasInstalled = wasInstalled;
            Stopped = stopped;
        }

        /// <summary>The unit file that was (or would have been) removed.</summary>
        public string UnitPath { get; }

        /// <summary>Whether there was a unit to remove.</summary>
        public bool WasInstalled { get; }

        /// <summary>Whether systemd was asked to stop and disable the service.</summary>
        public bool Stopped { get; }
    }

    /// <summary>
    /// Installs, removes and queries the always-on service as a systemd unit: the unit text from
    /// <see cref="SystemdUnit"/>, verified before it replaces anything, written atomically (0644), then
    /// <c>daemon-reload</c>, <c>enable</c> and <c>start</c> (<c>restart</c> when it ran). Where systemd is not running the unit is still written,
    /// verified and enabled for the next boot, and the result says it was not started.
    /// </summary>
    public sealed class SystemdServiceInstaller
    {
        /// <summary>Where administrators' units live; systemd reads it before the packaged units.</summary>
        public const string DefaultUnitDirectory = "/etc/systemd/system";

        private readonly IServiceManagerCommands _commands;
        private readonly string _unitDirectory;

        /// <summary>An installer writing into <paramref name="unitDirectory"/> and talking to systemd through <paramref name="commands"/>.</summary>
        public SystemdServiceInstaller(IServiceManagerCommands commands, string unitDirectory = DefaultUnitDirectory)
        {
            _commands = commands ?? throw new ArgumentNullException(nameof(commands));
            _unitDirectory = Path.GetFullPath(unitDirectory ?? throw new ArgumentNullException(nameof(unitDirectory)));
        }

        /// <summary>Whether this process runs as root (effective uid 0): what installing a system unit needs.</summary>
        public static bool RunningAsRoot => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Libc.geteuid() == 0;

        /// <summary>The unit file of a service name in this installer's unit folder.</summary>
        public string UnitPath(string name) => Path.Combine(_unitDirectory, SystemdUnit.FileName(name));

        /// <summary>
        /// Writes, verifies and enables the unit for <paramref name="definition"/> and, when <paramref name="start"/>
        /// and systemd runs, starts it (a running service is restarted with the new unit) and checks it is active.
        /// </summary>
        public ServiceInstallResult Install(ServiceDefinition definition, bool start)
        {
            if (definition is null)
            {
                throw new ArgumentNullException(nameof(definition));
            }

            string text = SystemdUnit.Render(definition);
            string unit = SystemdUnit.FileName(definition.Name);
            string path = UnitPath(definition.Name);
            bool verified = Verify(unit, text);
            bool wasRunning = _commands.ManagerRunning && Status(definition.Name).IsRunning;

            Directory.CreateDirectory(definition.ProductHome);
            Directory.CreateDirectory(_unitDirectory);
            WriteAtomically(path, text);

            if (!_commands.ManagerRunning)
            {
                // Offline, systemctl enable only links the unit into multi-user.target.wants (as in an image build).
                ServiceCommandResult enable = _commands.Systemctl(new[] { "enable", unit });
                string note = "systemd is not running on this machine (PID 1 is not systemd; /run/systemd/system is missing): the unit was written"
                    + (verified ? " and verified" : string.Empty) + " but the service was not started"
                    + (enable.Succeeded ? "; it is enabled and starts at the next boot under systemd." : "; enabling it failed too: " + enable.Describe());
                return new ServiceInstallResult(path, verified, enable.Succeeded, started: false, OfflineStatus(definition.Name), note);
            }

            Require(_commands.Systemctl(new[] { "daemon-reload" }));
            Require(_commands.Systemctl(new[] { "enable", unit }));
            if (start)
            {
                // A service that was already running keeps its old command line until it is restarted; 'start' of a
                // notify service returns once it sent READY=1, or fails when it died or timed out first.
                Require(_commands.Systemctl(new[] { wasRunning ? "restart" : "start", unit }));
            }

            ServiceStatus status = Status(definition.Name);
            if (start && !status.IsRunning)
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceManagerFailed, FailureKind.Unavailable,
                    $"{unit} was started but is {status.ActiveState.ToString().ToLowerInvariant()} ({status.SubState}); see 'journalctl -u {unit}'.") { Target = path };
            }

            return new ServiceInstallResult(path, verified, enabled: true, started: start, status, start ? null : "not started (--no-start); it starts at the next boot, or with 'systemctl start " + unit + "'.");
        }

        /// <summary>Stops and disables the service, removes its unit and reloads systemd; nothing to remove is not an error.</summary>
        public ServiceUninstallResult Uninstall(string name = ServiceDefinition.DefaultName)
        {
            string unit = SystemdUnit.FileName(name);
            string path = UnitPath(name);
            bool present = File.Exists(path);
            bool stopped = false;
            if (_commands.ManagerRunning)
            {
                ServiceStatus before = Status(name);
                bool known = present || (before.LoadState is not null && before.LoadState != "not-found");
                if (known)
                {
                    Require(_commands.Systemctl(new[] { "disable", "--now", unit }));
                    stopped = true;
                }

                if (present)
                {
                    File.Delete(path);
                    SyncFolder(_unitDirectory);
                }

                Require(_commands.Systemctl(new[] { "daemon-reload" }));

                // Forget a failed state and the restart count of the unit that is gone; failing to is harmless.
                _commands.Systemctl(new[] { "reset-failed", unit });
                return new ServiceUninstallResult(path, present, stopped);
            }

            if (present)
            {
                // Offline: remove the boot links (systemctl works on the files alone), then the unit.
                _commands.Systemctl(new[] { "disable", unit });
                File.Delete(path);
                SyncFolder(_unitDirectory);
            }

            return new ServiceUninstallResult(path, present, stopped);
        }

        /// <summary>The service's state from <c>systemctl show</c>, or only whether its unit exists when systemd is not running.</summary>
        public ServiceStatus Status(string name = ServiceDefinition.DefaultName)
        {
            if (!_commands.ManagerRunning)
            {
                return OfflineStatus(name);
            }

            var arguments = new List<string> { "show", SystemdUnit.FileName(name) };
            foreach (string property in ServiceStatus.SystemdProperties)
            {
                arguments.Add("-p");
                arguments.Add(property);
            }

            ServiceCommandResult shown = Require(_commands.Systemctl(arguments));
            string path = UnitPath(name);
            return ServiceStatus.FromSystemctlShow(name, shown.Output, File.Exists(path), File.Exists(path) ? path : null);
        }

        private ServiceStatus OfflineStatus(string name)
        {
            string path = UnitPath(name);
            bool installed = File.Exists(path);
            return new ServiceStatus(name, installed, installed ? path : null, managerRunning: false);
        }

        /// <summary>Checks the unit text with systemd-analyze in a private folder before it can replace a working unit.</summary>
        private bool Verify(string unit, string text)
        {
            string folder = Path.Combine(Path.GetTempPath(), "behaviorblock-unit-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                string candidate = Path.Combine(folder, unit);
                File.WriteAllText(candidate, text, new UTF8Encoding(false));
                ServiceCommandResult? result = _commands.VerifyUnit(candidate);
                if (result is null)
                {
                    return false;
                }

                if (!result.Succeeded || HasVerifyComplaint(result, candidate))
                {
                    throw new BehaviorBlockingException(ErrorIds.ServiceDefinitionInvalid, FailureKind.InvalidData,
                        "The service unit failed systemd-analyze verify; the installed unit was not changed. " + result.Describe()) { Target = unit };
                }

                return true;
            }
            finally
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp folder holds only the candidate unit text.
                }
            }
        }

        /// <summary>systemd-analyze exits 0 on some problems (an unknown directive, a bad value); it names the file when it complains about it.</summary>
        private static bool HasVerifyComplaint(ServiceCommandResult result, string candidate) =>
            (result.Error + result.Output).IndexOf(candidate, StringComparison.Ordinal) >= 0;

        private static ServiceCommandResult Require(ServiceCommandResult result)
        {
            if (!result.Succeeded)
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceManagerFailed, FailureKind.Unavailable, result.Describe()) { Target = result.Command };
            }

            return result;
        }

        /// <summary>Temp file in the same folder, flushed to disk, mode 0644, renamed over the unit, folder synced.</summary>
        private static void WriteAtomically(string path, string text)
        {
            string folder = Path.GetDirectoryName(path)!;
            string temporary = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                {
                    byte[] bytes = new UTF8Encoding(false).GetBytes(text);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(flushToDisk: true);
                }

                if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                {
                    if (Libc.chmod(temporary, Convert.ToUInt32("644", 8)) != 0)
                    {
                        int errno = Libc.Errno();
                        throw new IOException($"chmod 0644 '{temporary}' failed: {Libc.Describe(errno)}");
                    }

                    if (Libc.rename(temporary, path) != 0)
                    {
                        int errno = Libc.Errno();
                        throw new IOException($"rename '{temporary}' to '{path}' failed: {Libc.Describe(errno)}");
                    }
                }
                else
                {
                    if (File.Exists(path))
                    {
                        File.Replace(temporary, path, null);
                    }
                    else
                    {
                        File.Move(temporary, path);
                    }
                }

                SyncFolder(folder);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }

        private static void SyncFolder(string folder)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                Libc.SyncFolder(folder);
            }
        }
    }
}
