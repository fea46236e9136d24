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
        protected override void Process() =>
            ChangeEach(Id, id => "indicator " + id.ToString("D"), "Remove", id => IndicatorService.Remove(ProductHome.DefaultStorePath, id), PassThru);
    }
}
