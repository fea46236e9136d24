using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Stops live monitors of this PowerShell session cleanly: the sensors stop, what was queued is processed and stored.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "BehaviorMonitor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BehaviorMonitor))]
    public sealed class StopBehaviorMonitorCommand : BehaviorCmdlet
    {
        /// <summary>The ids of the monitors to stop (from Start- or Get-BehaviorMonitor); default: every monitor of this session.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[]? Id { get; set; }

        /// <summary>Writes each monitor's final health.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (Guid id in Id ?? Ids())
            {
                RunningMonitor? monitor = MonitorRegistry.Get(id);
                if (monitor is null)
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.MonitorNotFound, FailureKind.NotFound, "No monitor of this PowerShell process has the id " + id.ToString("D") + "."), id);
                    continue;
                }

                if (!ShouldProcess("monitor " + id.ToString("D") + " (" + monitor.Session.Health().Mode + " mode, started " + monitor.Started.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ")", "Stop"))
                {
                    continue;
                }

                BehaviorMonitor? final = MonitorRegistry.Stop(id);
                if (PassThru && final is not null)
                {
                    WriteObject(final);
                }
            }
        }

        private static Guid[] Ids()
        {
            var all = MonitorRegistry.All;
            var ids = new Guid[all.Count];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = all[i].Id;
            }

            return ids;
        }
    }
}
