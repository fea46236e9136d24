using System;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the entries of the quarantine: files moved out of reach by a response or by hand, held, restored or broken.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorQuarantine")]
    [OutputType(typeof(QuarantineEntry))]
    public sealed class GetBehaviorQuarantineCommand : BehaviorCmdlet
    {
        /// <summary>Entry ids.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid[]? Id { get; set; }

        /// <summary>Original paths of the quarantined files; wildcards are allowed.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? OriginalPath { get; set; }

        /// <summary>SHA-256 of the quarantined files.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Sha256 { get; set; }

        /// <summary>Only entries in these states (Held, Restored, Broken).</summary>
        [Parameter]
        public QuarantineState[]? State { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            var vault = new QuarantineVault(QuarantineVault.DefaultFolder, new GuardRails());
            foreach (string recovered in vault.Recovered)
            {
                WriteWarning("Quarantine: " + recovered);
            }

            var entries = vault.List();
            var patterns = OriginalPath?.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
            foreach (QuarantineEntry entry in entries)
            {
                if ((Id is null || Id.Contains(entry.Id))
                    && (patterns is null || patterns.Any(p => p.IsMatch(entry.OriginalPath)))
                    && (Sha256 is null || Sha256.Any(h => string.Equals(h, entry.Sha256, StringComparison.OrdinalIgnoreCase)))
                    && (State is null || State.Contains(entry.State)))
                {
                    WriteObject(entry);
                }
            }

            foreach (Guid id in Id ?? Array.Empty<Guid>())
            {
                if (!entries.Any(e => e.Id == id))
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.QuarantineEntryNotFound, FailureKind.NotFound, "No quarantine entry has the id " + id.ToString("D") + "."), id);
                }
            }
        }
    }
}
