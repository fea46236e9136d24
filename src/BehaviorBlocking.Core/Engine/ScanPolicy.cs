using System;
using System.IO;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// What a replay scan (and any front end that decides without a policy file of its own) applies: the
    /// policy in force, and the store's allow/block indicators. Shared by the command line and the cmdlets
    /// so both decide alike; a problem is handed back for the caller to report, never thrown.
    /// </summary>
    public static class ScanPolicy
    {
        /// <summary>
        /// The policy in force (<see cref="PolicyFile.LoadInForce"/>), else the default Audit policy. No product
        /// folder means no policy in force (Audit, no problem); a policy in force that cannot be used is
        /// <paramref name="problem"/>, and Audit applies.
        /// </summary>
        public static BlockingPolicy InForceOrDefault(out BehaviorBlockingException? problem)
        {
            problem = null;
            try
            {
                return PolicyFile.LoadInForce().ToPolicy();
            }
            catch (BehaviorBlockingException ex) when (ex.ErrorId == ErrorIds.ProductHomeUnavailable)
            {
                return BlockingPolicy.Default;
            }
            catch (BehaviorBlockingException ex)
            {
                problem = ex;
                return BlockingPolicy.Default;
            }
        }

        /// <summary>
        /// The indicators of the store at <paramref name="storePath"/>; null when there is no store or it holds
        /// none, and null with <paramref name="problem"/> set when it cannot be read.
        /// </summary>
        public static IndicatorSet? StoredIndicators(string storePath, out BehaviorBlockingException? problem)
        {
            if (storePath is null)
            {
                throw new ArgumentNullException(nameof(storePath));
            }

            problem = null;
            if (!File.Exists(storePath))
            {
                return null;
            }

            try
            {
                using IndicatorStore store = IndicatorStore.OpenReadOnly(storePath);
                IndicatorSet set = store.Snapshot();
                return set.IsEmpty ? null : set;
            }
            catch (BehaviorBlockingException ex)
            {
                problem = ex;
                return null;
            }
        }
    }
}
