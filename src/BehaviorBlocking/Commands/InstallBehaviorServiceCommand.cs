using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>Monitor modes a service can be started in.</summary>
    public enum ServiceMonitorMode
    {
        /// <summary>Record only.</summary>
        Audit = 0,

        /// <summary>Act as the policy says.</summary>
        Block,
    }

    /// <summary>
    /// <para type="synopsis">Installs the monitor as an always-on service (a systemd unit on Linux, a Windows service) that starts at boot and restarts when it dies, and starts it.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "BehaviorService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ServiceStatus))]
    public sealed class InstallBehaviorServiceCommand : BehaviorCmdlet
    {
        /// <summary>Start the monitor in this mode instead of the mode of the policy in force.</summary>
        [Parameter]
        public ServiceMonitorMode? Mode { get; set; }

        /// <summary>The installed behaviorblock program the service runs (absolute path); default: behaviorblock on PATH.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ExecutablePath { get; set; }

        /// <summary>Linux: the folder the systemd unit is written to (default /etc/systemd/system).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UnitDirectory { get; set; }

        /// <summary>Install and enable the service without starting it now.</summary>
        [Parameter]
        public SwitchParameter NoStart { get; set; }

        /// <summary>Writes the service's status after the install.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            string program = ExecutablePath is null ? ServiceControl.FindProgramOnPath() : GetUnresolvedProviderPathFromPSPath(ExecutablePath);
            ServiceLauncher launcher = ServiceLauncher.Resolve(program, null, null, null);
            ServiceDefinition definition = ServiceDefinition.ForMonitor(launcher, ProductHome.Resolve(), Mode?.ToString().ToLowerInvariant());
            string runs = string.Join(" ", new[] { definition.Executable }.Concat(definition.Arguments));
            if (!ShouldProcess("service '" + definition.Name + "' running " + runs + (Mode is null ? string.Empty : " in " + Mode + " mode"), "Install and " + (NoStart ? "enable" : "start")))
            {
                return;
            }

            ServiceStatus status;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                WindowsServiceInstaller.Install(definition, !NoStart);
                status = WindowsServiceInstaller.Status(definition.Name);
            }
            else
            {
                ServiceControl.RequireElevation(SystemdServiceInstaller.RunningAsRoot, "Install-BehaviorService", "an elevated pwsh: sudo pwsh");
                ServiceInstallResult result = ServiceControl.Systemd(null, UnitDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(UnitDirectory)).Install(definition, !NoStart);
                if (result.Note is not null)
                {
                    WriteWarning(result.Note);
                }

                status = result.Status;
            }

            if (PassThru)
            {
                WriteObject(status);
            }
        }
    }
}
