using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the exclusions of the policy in force, with whether each still applies.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BlockingExclusion")]
    [OutputType(typeof(BlockingExclusion))]
    public sealed class GetBlockingExclusionCommand : BehaviorCmdlet
    {
        /// <summary>Only the exclusions at these indexes.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        public int[]? Index { get; set; }

        /// <summary>Only exclusions that apply now (not expired).</summary>
        [Parameter]
        public SwitchParameter Active { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (BlockingExclusion exclusion in BlockingExclusion.InForce())
            {
                if ((Index is null || System.Array.IndexOf(Index, exclusion.Index) >= 0) && (!Active || exclusion.Active))
                {
                    WriteObject(exclusion);
                }
            }
        }
    }
}
