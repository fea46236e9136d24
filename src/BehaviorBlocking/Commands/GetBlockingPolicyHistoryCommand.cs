using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the policy audit trail: every policy installed, when, by whom, its hashes and what changed.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BlockingPolicyHistory")]
    [OutputType(typeof(PolicyChange))]
    public sealed class GetBlockingPolicyHistoryCommand : BehaviorCmdlet
    {
        /// <summary>Only the N most recent changes.</summary>
        [Parameter(Position = 0)]
        [ValidateRange(1, int.MaxValue)]
        public int Last { get; set; }

        /// <inheritdoc />
        protected override void End()
        {
            string store = ProductHome.DefaultStorePath;
            if (!File.Exists(store))
            {
                // No store yet: no policy was ever set through it.
                return;
            }

            IReadOnlyList<PolicyChange> changes;
            using (PolicyHistory history = PolicyHistory.OpenReadOnly(store))
            {
                changes = history.List(MyInvocation.BoundParameters.ContainsKey(nameof(Last)) ? Last : (int?)null);
            }

            foreach (PolicyChange change in changes)
            {
                WriteObject(change);
            }
        }
    }
}
