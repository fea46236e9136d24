using System;
using System.Management.Automation;
using System.Management.Automation.Host;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Installs a policy file, or changes the mode, version or settings of the policy in force.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "BlockingPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = EditSet)]
    [OutputType(typeof(BlockingPolicyInfo))]
    public sealed class SetBlockingPolicyCommand : BehaviorCmdlet
    {
        private const string EditSet = "Edit";
        private const string FileSet = "File";

        /// <summary>A policy document (JSON) to validate and install as the policy in force.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = FileSet, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>The new mode: Off, Audit or Block.</summary>
        [Parameter(ParameterSetName = EditSet)]
        public PolicyMode Mode { get; set; }

        /// <summary>The new version string of the policy.</summary>
        [Parameter(ParameterSetName = EditSet)]
        [ValidateNotNullOrEmpty]
        public string? Version { get; set; }

        /// <summary>The score (0-1) a verdict must reach for the action to be taken.</summary>
        [Parameter(ParameterSetName = EditSet)]
        [ValidateRange(0.0, 1.0)]
        public double Threshold { get; set; }

        /// <summary>What to do to the processes of a verdict at or above the threshold.</summary>
        [Parameter(ParameterSetName = EditSet)]
        public ResponseAction Action { get; set; }

        /// <summary>Quarantine the implicated image (-Quarantine:$false to stop).</summary>
        [Parameter(ParameterSetName = EditSet)]
        public SwitchParameter Quarantine { get; set; }

        /// <summary>Block the implicated image's hash (-BlockHash:$false to stop).</summary>
        [Parameter(ParameterSetName = EditSet)]
        public SwitchParameter BlockHash { get; set; }

        /// <summary>Remove the persistence the evidence names (-Remediate:$false to stop).</summary>
        [Parameter(ParameterSetName = EditSet)]
        public SwitchParameter Remediate { get; set; }

        /// <summary>Apply the settings to these tactics' entries instead of the defaults.</summary>
        [Parameter(ParameterSetName = EditSet)]
        [ArgumentCompleter(typeof(TacticCompleter))]
        [ValidateNotNullOrEmpty]
        public Tactic[]? Tactic { get; set; }

        /// <summary>Switch to Block without the extra confirmation (scripts: -Force -Confirm:$false).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Writes the policy in force afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            PolicyEditPlan plan = ParameterSetName == FileSet
                ? PolicyEditor.FromFile(GetUnresolvedProviderPathFromPSPath(Path))
                : PolicyEditor.Edit(new PolicyEdit
                {
                    Mode = Bound(nameof(Mode)) ? Mode : null,
                    Version = Version,
                    Tactics = Tactic,
                    Settings = new ResponseSettings
                    {
                        Threshold = Bound(nameof(Threshold)) ? Threshold : null,
                        Action = Bound(nameof(Action)) ? Action : null,
                        Quarantine = Bound(nameof(Quarantine)) ? Quarantine.IsPresent : null,
                        BlockHash = Bound(nameof(BlockHash)) ? BlockHash.IsPresent : null,
                        Remediate = Bound(nameof(Remediate)) ? Remediate.IsPresent : null,
                    },
                });
            if (ParameterSetName == EditSet && plan.Changes.Count == 0)
            {
                WriteVerbose("The policy in force already has these settings; nothing to change.");
            }
            else if (ShouldProcess("policy " + plan.TargetPath, ParameterSetName == FileSet ? "Install " + plan.Source + " (" + plan.Summary + ")" : plan.Summary)
                && ConfirmBlock(plan))
            {
                plan.Install();
            }

            if (PassThru)
            {
                WriteObject(BlockingPolicyInfo.InForce(plan.TargetPath));
            }
        }

        private bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        // Block acts on processes: it is confirmed on its own unless -Force; a host that cannot ask fails instead of guessing.
        private bool ConfirmBlock(PolicyEditPlan plan)
        {
            if (!plan.TurnsBlockOn || Force)
            {
                return true;
            }

            string query = "Switch the policy at '" + plan.TargetPath + "' to Block? Detections at or above their threshold will then stop processes.";
            try
            {
                if (Host?.UI is null)
                {
                    throw new HostException("no host interface");
                }

                return ShouldContinue(query, "Switch to Block");
            }
            catch (Exception ex) when (ex is HostException || ex is PSInvalidOperationException || ex is NotImplementedException)
            {
                throw new BehaviorBlockingException(ErrorIds.PolicyBlockNotConfirmed, FailureKind.AccessDenied,
                    "Switching the policy to Block needs a confirmation this host cannot ask for (" + ex.Message + "); nothing changed. In scripts, pass -Force -Confirm:$false.", ex)
                {
                    Target = plan.TargetPath,
                };
            }
        }
    }
}
