using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Imports an indicator feed all or nothing: one entry that does not validate rejects the feed, naming its line.</para>
    /// </summary>
    [Cmdlet(VerbsData.Import, "BehaviorIndicator", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(IndicatorImport))]
    public sealed class ImportBehaviorIndicatorCommand : BehaviorCmdlet
    {
        /// <summary>The feed: JSON Lines (one indicator object a line) or a JSON array of them.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <inheritdoc />
        protected override void Process()
        {
            string feed = GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(feed, "Import the indicator feed"))
            {
                return;
            }

            try
            {
                WriteObject(IndicatorService.Import(ProductHome.DefaultStorePath, feed, DateTimeOffset.UtcNow));
            }
            catch (BehaviorBlockingException ex)
            {
                WriteItemError(ex, feed);
            }
        }
    }
}
