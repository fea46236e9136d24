using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Puts back exactly what a remediation removed (a Run value, task, service, cron entry, unit or line), or refuses when it changed since.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Undo, "BehaviorRemediation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RemediationRecord))]
    public sealed class UndoBehaviorRemediationCommand : BehaviorCmdlet
    {
        /// <summary>The ids of the remediations to undo (from Get-BehaviorRemediation).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[] Id { get; set; } = Array.Empty<Guid>();

        /// <summary>Writes each remediation undone.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process() =>
            ChangeEach(Id, id => "remediation " + id.ToString("D"), "Undo (put back what it removed)", id => RemediationService.Undo(ProductHome.DefaultStorePath, id), PassThru);
    }
}
