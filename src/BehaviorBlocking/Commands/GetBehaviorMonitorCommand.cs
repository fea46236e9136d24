using System;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the live monitors of this PowerShell session with their current health: state, events per second, dropped events, detections, sources.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorMonitor")]
    [OutputType(typeof(BehaviorMonitor))]
    public sealed class GetBehaviorMonitorCommand : BehaviorCmdlet
    {
        /// <summary>The ids of the monitors to get; default: all of this session.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[]? Id { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            var monitors = MonitorRegistry.All;
            foreach (RunningMonitor monitor in monitors.Where(m => Id is null || Id.Contains(m.Id)))
            {
                WriteObject(monitor.Snapshot());
            }

            foreach (Guid id in Id ?? Array.Empty<Guid>())
            {
                if (!monitors.Any(m => m.Id == id))
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.MonitorNotFound, FailureKind.NotFound, "No monitor of this PowerShell process has the id " + id.ToString("D") + "."), id);
                }
            }
        }
    }
}
