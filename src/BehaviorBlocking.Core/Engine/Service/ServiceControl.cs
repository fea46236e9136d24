using System;
using System.IO;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// The always-on service on this platform, whoever asks (<c>behaviorblock service</c> or the cmdlets): the
    /// service manager to talk to (systemd on Linux, the service control manager on Windows), the elevation it
    /// needs, and finding the <c>behaviorblock</c> program it runs.
    /// </summary>
    public static class ServiceControl
    {
        /// <summary>The systemd installer over <paramref name="commands"/> (default: systemctl, where systemd tools exist).</summary>
        /// <exception cref="BehaviorBlockingException"><c>ServiceNotSupported</c> when this system has no service manager the product knows.</exception>
        public static SystemdServiceInstaller Systemd(IServiceManagerCommands? commands = null, string? unitDirectory = null)
        {
            IServiceManagerCommands manager = commands ?? (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && SystemctlCommands.ToolsInstalled
                ? new SystemctlCommands()
                : throw new BehaviorBlockingException(ErrorIds.ServiceNotSupported, FailureKind.NotSupported,
                    "This system has neither systemd (no systemctl in /usr/bin, /bin) nor the Windows service manager; run 'behaviorblock monitor' under your own supervisor."));
            return new SystemdServiceInstaller(manager, unitDirectory ?? SystemdServiceInstaller.DefaultUnitDirectory);
        }

        /// <summary>
        /// Refuses when the caller is not root on Linux (Windows: the service control manager refuses a non-administrator
        /// itself). <paramref name="what"/> names the operation and <paramref name="elevatedCommand"/> how to run it as root.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>ServiceRequiresElevation</c>; nothing was changed.</exception>
        public static void RequireElevation(bool elevated, string what, string elevatedCommand)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !elevated)
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceRequiresElevation, FailureKind.AccessDenied,
                    what + " writes a systemd unit and asks systemd to run it as root: run it as root (" + elevatedCommand + "). Nothing was changed.");
            }
        }

        /// <summary>The status of the service (Windows: the service control manager; else systemd).</summary>
        public static ServiceStatus Status(IServiceManagerCommands? commands = null, string? unitDirectory = null) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? WindowsServiceInstaller.Status(ServiceDefinition.DefaultName)
                : Systemd(commands, unitDirectory).Status();

        /// <summary>
        /// The <c>behaviorblock</c> program on PATH (<c>behaviorblock.exe</c> on Windows), as an absolute path.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>ServiceExecutableNotFound</c> when PATH has none.</exception>
        public static string FindProgramOnPath(string? path = null)
        {
            string name = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "behaviorblock.exe" : "behaviorblock";
            foreach (string folder in (path ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                if (folder.Length == 0 || !Path.IsPathRooted(folder))
                {
                    // A relative PATH entry means nothing to a service manager that starts the program from no particular folder.
                    continue;
                }

                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new BehaviorBlockingException(ErrorIds.ServiceExecutableNotFound, FailureKind.NotFound,
                "No '" + name + "' on PATH: give the installed behaviorblock program's full path (-ExecutablePath, or --exec on the command line).") { Target = name };
        }
    }
}
