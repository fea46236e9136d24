using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary>The protection mode the service's monitor is started with; without one it takes the policy's mode.</summary>
    internal enum ServiceMode
    {
        Audit,
        Block,
    }

    /// <summary>
    /// <c>behaviorblock service install|uninstall|status</c>: the monitor as an always-on service, a systemd unit on
    /// Linux and a Windows service on Windows, running <c>behaviorblock monitor --service</c>.
    /// </summary>
    internal static class ServiceCommand
    {
        /// <summary>Exit code of <c>service install</c> when the unit was written and verified but systemd is not running to start it.</summary>
        public const int ExitNotStarted = 3;

        private static readonly (string Title, int Width)[] s_columns =
        {
            ("Service", 14), ("Installed", 9), ("State", 22), ("PID", 8), ("Restarts", 8), ("Started (UTC)", 0),
        };

        public static Command Create(CliConsole console)
        {
            var exec = new Option<string?>("--exec")
            {
                Description = "The behaviorblock executable the service runs (an absolute path; a .dll runs through the dotnet host). Default: the running one.",
            };
            var mode = new Option<ServiceMode?>("--mode")
            {
                Description = "Start the monitor in this mode instead of the mode of the policy in the product folder.",
                HelpName = "audit|block",
            };
            Option<string?> installDir = UnitDirectory();
            var noStart = new Option<bool>("--no-start") { Description = "Write and enable the service but do not start it now." };
            var install = new Command("install", "Install the monitor as a service that starts at boot and restarts when it dies, and start it.") { exec, mode, installDir, noStart };
            install.SetAction(parsed => Install(console, parsed.GetValue(exec), parsed.GetValue(mode), parsed.GetValue(installDir), !parsed.GetValue(noStart)));

            Option<string?> uninstallDir = UnitDirectory();
            var uninstall = new Command("uninstall", "Stop the service, remove it from boot and delete its definition.") { uninstallDir };
            uninstall.SetAction(parsed => Uninstall(console, parsed.GetValue(uninstallDir)));

            Option<string?> statusDir = UnitDirectory();
            Option<OutputFormat> format = CliOptions.Format("one service status record");
            var status = new Command("status", "Whether the service is installed and running, its process and how often it was restarted.") { statusDir, format };
            status.SetAction(parsed => Status(console, parsed.GetValue(statusDir), parsed.GetValue(format)));

            return new Command("service", "The always-on service: install, uninstall, status.") { install, uninstall, status };
        }

        private static Option<string?> UnitDirectory() => new Option<string?>("--unit-dir")
        {
            Description = "Linux: the folder the systemd unit is written to. Default: " + SystemdServiceInstaller.DefaultUnitDirectory + ".",
        };

        private static int Install(CliConsole console, string? exec, ServiceMode? mode, string? unitDirectory, bool start)
        {
            RequireElevation(console, "install");
            ServiceLauncher launcher = ServiceLauncher.Resolve(exec, Environment.ProcessPath, EntryAssemblyPath(), Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"));
            ServiceDefinition definition = ServiceDefinition.ForMonitor(launcher, ProductHome.Resolve(), mode?.ToString().ToLowerInvariant());

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                WindowsServiceInstaller.Install(definition, start);
                console.Out.WriteLine($"installed the Windows service '{definition.Name}' (automatic start, restarts on failure, LocalSystem)" + (start ? " and started it." : "; not started (--no-start)."));
                return Program.ExitOk;
            }

            SystemdServiceInstaller installer = Systemd(console, unitDirectory);
            ServiceInstallResult result = installer.Install(definition, start);
            console.Out.WriteLine("wrote " + result.UnitPath + (result.Verified ? " (verified with systemd-analyze)" : " (systemd-analyze is not installed: not verified)"));
            console.Out.WriteLine("runs: " + string.Join(" ", new[] { definition.Executable }.Concat(definition.Arguments)));
            if (result.Enabled)
            {
                console.Out.WriteLine("enabled " + SystemdUnit.FileName(definition.Name) + " (starts at boot)");
            }

            if (result.Started)
            {
                console.Out.WriteLine($"started {SystemdUnit.FileName(definition.Name)}: {Describe(result.Status)}");
            }

            if (result.Note is not null)
            {
                console.Error.WriteLine("behaviorblock: " + result.Note);
            }

            return result.Status.ManagerRunning ? Program.ExitOk : ExitNotStarted;
        }

        private static int Uninstall(CliConsole console, string? unitDirectory)
        {
            RequireElevation(console, "uninstall");
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                bool removed = WindowsServiceInstaller.Uninstall(ServiceDefinition.DefaultName);
                console.Out.WriteLine(removed ? $"stopped and removed the Windows service '{ServiceDefinition.DefaultName}'." : $"the Windows service '{ServiceDefinition.DefaultName}' is not installed.");
                return Program.ExitOk;
            }

            ServiceUninstallResult result = Systemd(console, unitDirectory).Uninstall();
            if (!result.WasInstalled)
            {
                console.Out.WriteLine("not installed: " + result.UnitPath + " does not exist" + (result.Stopped ? " (a unit of that name elsewhere was stopped and disabled)." : "."));
                return Program.ExitOk;
            }

            console.Out.WriteLine((result.Stopped ? "stopped and disabled the service, removed " : "removed ") + result.UnitPath);
            return Program.ExitOk;
        }

        private static int Status(CliConsole console, string? unitDirectory, OutputFormat format)
        {
            ServiceStatus status = RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? WindowsServiceInstaller.Status(ServiceDefinition.DefaultName)
                : Systemd(console, unitDirectory).Status();

            if (format == OutputFormat.Jsonl)
            {
                console.Out.WriteLine(Json(status));
                return Program.ExitOk;
            }

            ColumnTable.Write(console.Out, s_columns, new[]
            {
                new[]
                {
                    status.Name,
                    status.Installed ? "yes" : "no",
                    status.ManagerRunning ? status.ActiveState.ToString().ToLowerInvariant() + (status.SubState is null ? string.Empty : " (" + status.SubState + ")") : "unknown (no systemd)",
                    status.MainProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    status.Restarts?.ToString(CultureInfo.InvariantCulture) ?? "-",
                    status.StartedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                },
            });
            if (status.UnitPath is not null)
            {
                console.Out.WriteLine("unit: " + status.UnitPath + (status.StartupState is null ? string.Empty : " (" + status.StartupState + ")"));
            }

            return Program.ExitOk;
        }

        /// <summary>One status record, camelCase, as <c>--format jsonl</c> prints it.</summary>
        internal static string Json(ServiceStatus status)
        {
            using var memory = new MemoryStream();
            using (var w = new Utf8JsonWriter(memory))
            {
                w.WriteStartObject();
                w.WriteString("name", status.Name);
                w.WriteBoolean("installed", status.Installed);
                Nullable(w, "unitPath", status.UnitPath);
                w.WriteBoolean("managerRunning", status.ManagerRunning);
                Nullable(w, "loadState", status.LoadState);
                w.WriteString("activeState", status.ManagerRunning ? JsonNamingPolicy.CamelCase.ConvertName(status.ActiveState.ToString()) : "unknown");
                Nullable(w, "subState", status.SubState);
                Nullable(w, "startupState", status.StartupState);
                if (status.MainProcessId is int pid)
                {
                    w.WriteNumber("mainProcessId", pid);
                }
                else
                {
                    w.WriteNull("mainProcessId");
                }

                if (status.Restarts is int restarts)
                {
                    w.WriteNumber("restarts", restarts);
                }
                else
                {
                    w.WriteNull("restarts");
                }

                Nullable(w, "startedAt", status.StartedAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(memory.ToArray());
        }

        private static void Nullable(Utf8JsonWriter w, string name, string? value)
        {
            if (value is null)
            {
                w.WriteNull(name);
            }
            else
            {
                w.WriteString(name, value);
            }
        }

        private static string Describe(ServiceStatus status) =>
            status.ActiveState.ToString().ToLowerInvariant() + (status.SubState is null ? string.Empty : " (" + status.SubState + ")")
            + (status.MainProcessId is int pid ? ", PID " + pid.ToString(CultureInfo.InvariantCulture) : string.Empty);

        private static SystemdServiceInstaller Systemd(CliConsole console, string? unitDirectory) =>
            ServiceControl.Systemd(console.ServiceManager?.Invoke(), unitDirectory);

        private static void RequireElevation(CliConsole console, string verb) =>
            ServiceControl.RequireElevation(console.IsElevated(), $"'service {verb}'", $"sudo behaviorblock service {verb}");

        private static string? EntryAssemblyPath()
        {
            string location = typeof(ServiceCommand).Assembly.Location;
            return string.IsNullOrEmpty(location) ? Assembly.GetEntryAssembly()?.Location : location;
        }
    }
}
