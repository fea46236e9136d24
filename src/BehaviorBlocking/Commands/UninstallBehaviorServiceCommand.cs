using System.Management.Automation;
using System.Runtime.InteropServices;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Stops the always-on BehaviorBlocking service, removes it from boot and deletes its definition.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Uninstall, "BehaviorService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ServiceStatus))]
    public sealed class UninstallBehaviorServiceCommand : BehaviorCmdlet
    {
        /// <summary>Linux: the folder of the systemd unit (default /etc/systemd/system).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UnitDirectory { get; set; }

        /// <summary>Writes the service's status after the uninstall.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            string? unitDirectory = UnitDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(UnitDirectory);
            if (!ShouldProcess("service '" + ServiceDefinition.DefaultName + "'", "Stop and uninstall (this machine is then protected only while a monitor runs)"))
            {
                return;
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                WindowsServiceInstaller.Uninstall(ServiceDefinition.DefaultName);
            }
            else
            {
                ServiceControl.RequireElevation(SystemdServiceInstaller.RunningAsRoot, "Uninstall-BehaviorService", "an elevated pwsh: sudo pwsh");
                ServiceControl.Systemd(null, unitDirectory).Uninstall();
            }

            if (PassThru)
            {
                WriteObject(ServiceControl.Status(null, unitDirectory));
            }
        }
    }
}
