using System;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the remediations of persistence that responses carried out, each with its backup, and whether it was undone.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorRemediation")]
    [OutputType(typeof(RemediationRecord))]
    public sealed class GetBehaviorRemediationCommand : BehaviorCmdlet
    {
        /// <summary>Remediation ids.</summary>
        [Parameter(Position = 0)]
        public Guid[]? Id { get; set; }

        /// <summary>Only the remediations of these detections.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public Guid[]? DetectionId { get; set; }

        /// <summary>Only remediations in these states.</summary>
        [Parameter]
        public RemediationState[]? State { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (RemediationRecord record in RemediationService.List(ProductHome.DefaultStorePath))
            {
                if ((Id is null || Id.Contains(record.Id))
                    && (DetectionId is null || (record.DetectionId.HasValue && DetectionId.Contains(record.DetectionId.Value)))
                    && (State is null || State.Contains(record.State)))
                {
                    WriteObject(record);
                }
            }
        }
    }
}
