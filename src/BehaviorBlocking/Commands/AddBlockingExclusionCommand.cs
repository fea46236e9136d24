using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Adds an exclusion to the policy in force: verdicts it matches are Excluded instead of acted on.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "BlockingExclusion", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BlockingExclusion))]
    public sealed class AddBlockingExclusionCommand : BehaviorCmdlet
    {
        /// <summary>Image path pattern of the implicated process.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Image { get; set; }

        /// <summary>SHA-256 of the implicated image (64 hex digits).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Hash")]
        [ValidateNotNullOrEmpty]
        public string? Sha256 { get; set; }

        /// <summary>Signer pattern of the implicated image.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Signer { get; set; }

        /// <summary>Command-line pattern of the implicated process.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CommandLine { get; set; }

        /// <summary>Image path pattern of the implicated process's parent.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ParentImage { get; set; }

        /// <summary>Account pattern the implicated process ran as.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? User { get; set; }

        /// <summary>Device name pattern.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ComputerName { get; set; }

        /// <summary>Rule id pattern: every rule of the verdict's evidence must match.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RuleId { get; set; }

        /// <summary>Detection name pattern.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DetectionName { get; set; }

        /// <summary>When the exclusion stops applying.</summary>
        [Parameter]
        public DateTimeOffset Expires { get; set; }

        /// <summary>Why the exclusion exists.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string Justification { get; set; } = string.Empty;

        /// <summary>Writes the new exclusion.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            // No condition at all is refused by the schema (PolicyFileInvalid), like a policy file without one.
            PolicyEditPlan plan = PolicyEditor.AddExclusion(new ExclusionDraft
            {
                Image = Image,
                Sha256 = Sha256,
                Signer = Signer,
                CommandLine = CommandLine,
                ParentImage = ParentImage,
                User = User,
                Host = ComputerName,
                RuleId = RuleId,
                DetectionName = DetectionName,
                Expires = MyInvocation.BoundParameters.ContainsKey(nameof(Expires)) ? Expires : (DateTimeOffset?)null,
                Justification = Justification,
            });
            if (!ShouldProcess("policy " + plan.TargetPath, plan.Summary))
            {
                return;
            }

            plan.Install();
            if (PassThru)
            {
                int index = plan.Document.Exclusions.Count - 1;
                foreach (BlockingExclusion exclusion in BlockingExclusion.InForce(plan.TargetPath))
                {
                    if (exclusion.Index == index)
                    {
                        WriteObject(exclusion);
                    }
                }
            }
        }
    }
}
