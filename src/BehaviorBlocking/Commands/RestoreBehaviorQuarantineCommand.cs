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
        protected override void Process() =>
            ChangeEach(Id, Describe, "Restore the quarantined file", id => _vault!.Restore(id), PassThru);

        private string Describe(Guid id)
        {
            QuarantineEntry? entry = _vault!.Get(id);
            return entry is null ? "quarantine entry " + id.ToString("D") : entry.OriginalPath + " (quarantine entry " + id.ToString("D") + ", SHA-256 " + entry.Sha256 + ")";
        }
    }
}
