using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes exclusions from the policy in force by index; several from the pipeline are removed in one change.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "BlockingExclusion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BlockingPolicyInfo))]
    public sealed class RemoveBlockingExclusionCommand : BehaviorCmdlet
    {
        private readonly List<int> _indexes = new List<int>();

        /// <summary>Indexes of the exclusions to remove (as Get-BlockingExclusion shows them).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public int[] Index { get; set; } = Array.Empty<int>();

        /// <summary>Writes the policy in force afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process() => _indexes.AddRange(Index);

        /// <inheritdoc />
        protected override void End()
        {
            // Indexes are those of the policy in force when the pipeline started: all are removed at once, none shifts another.
            IReadOnlyList<BlockingExclusion> current = BlockingExclusion.InForce();
            var approved = new List<int>();
            foreach (int index in _indexes)
            {
                BlockingExclusion? exclusion = index >= 0 && index < current.Count ? current[index] : null;
                if (exclusion is null)
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.PolicyExclusionNotFound, FailureKind.NotFound,
                        "The policy in force has no exclusion at index " + index.ToString(CultureInfo.InvariantCulture) + " (it has " + current.Count.ToString(CultureInfo.InvariantCulture) + ")."), index);
                }
                else if (!approved.Contains(index) && ShouldProcess("exclusion " + exclusion, "Remove"))
                {
                    approved.Add(index);
                }
            }

            if (approved.Count > 0)
            {
                PolicyEditPlan plan = PolicyEditor.RemoveExclusions(approved);
                plan.Install();
            }

            if (PassThru)
            {
                WriteObject(BlockingPolicyInfo.InForce());
            }
        }
    }
}
