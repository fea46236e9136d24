using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes local allow or block indicators.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "BehaviorIndicator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Indicator))]
    public sealed class RemoveBehaviorIndicatorCommand : BehaviorCmdlet
    {
        /// <summary>The ids of the indicators to remove (from Get-BehaviorIndicator).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[] Id { get; set; } = Array.Empty<Guid>();

        /// <summary>Writes each indicator removed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (Guid id in Id)
            {
                if (!ShouldProcess("indicator " + id.ToString("D"), "Remove"))
                {
                    continue;
                }

                try
                {
                    Indicator removed = IndicatorService.Remove(ProductHome.DefaultStorePath, id);
                    if (PassThru)
                    {
                        WriteObject(removed);
                    }
                }
                catch (BehaviorBlockingException ex)
                {
                    WriteItemError(ex, id);
                }
            }
        }
    }
}
