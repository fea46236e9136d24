using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Puts quarantined files back where they were, byte for byte after their SHA-256 checks, never over an existing file.</para>
    /// </summary>
    [Cmdlet(VerbsData.Restore, "BehaviorQuarantine", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(QuarantineEntry))]
    public sealed class RestoreBehaviorQuarantineCommand : BehaviorCmdlet
    {
        private QuarantineVault? _vault;

        /// <summary>The ids of the entries to restore (from Get-BehaviorQuarantine).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[] Id { get; set; } = Array.Empty<Guid>();

        /// <summary>Writes each restored entry.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Begin() => _vault = new QuarantineVault(QuarantineVault.DefaultFolder, new GuardRails());

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (Guid id in Id)
            {
                QuarantineEntry? entry = _vault!.Get(id);
                string target = entry is null ? "quarantine entry " + id.ToString("D") : entry.OriginalPath + " (quarantine entry " + id.ToString("D") + ", SHA-256 " + entry.Sha256 + ")";
                if (!ShouldProcess(target, "Restore the quarantined file"))
                {
                    continue;
                }

                try
                {
                    QuarantineEntry restored = _vault.Restore(id);
                    if (PassThru)
                    {
                        WriteObject(restored);
                    }
                }
                catch (BehaviorBlockingException ex)
                {
                    // One entry that cannot be restored does not stop the others.
                    WriteItemError(ex, id);
                }
            }
        }
    }
}
