using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the blocking policy in force, or the default Audit policy when there is no policy file.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BlockingPolicy")]
    [OutputType(typeof(BlockingPolicyInfo))]
    public sealed class GetBlockingPolicyCommand : BehaviorCmdlet
    {
        /// <inheritdoc />
        protected override void End() => WriteObject(BlockingPolicyInfo.InForce());
    }
}
