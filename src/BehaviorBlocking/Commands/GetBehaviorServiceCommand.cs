using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine.Service;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the state of the always-on BehaviorBlocking service: installed, running, its process, restarts and definition.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorService")]
    [OutputType(typeof(ServiceStatus))]
    public sealed class GetBehaviorServiceCommand : BehaviorCmdlet
    {
        /// <summary>Linux: the folder of the systemd unit (default /etc/systemd/system).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UnitDirectory { get; set; }

        /// <inheritdoc />
        protected override void Process() => WriteObject(ServiceControl.Status(null, UnitDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(UnitDirectory)));
    }
}
