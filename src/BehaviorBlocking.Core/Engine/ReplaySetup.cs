using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Engine
{
    /// <summary>The policy and extra detectors a replay runs with, as <c>behaviorblock scan</c> and <c>Start-BehaviorMonitor -Path</c> set them up.</summary>
    public sealed class ReplaySetup
    {
        private ReplaySetup(BlockingPolicy policy, Func<IReadOnlyList<IDetector>>? detectors, IReadOnlyList<string> warnings)
        {
            Policy = policy;
            Detectors = detectors;
            Warnings = warnings;
        }

        /// <summary>The policy applied as a what-if, with the store's indicators when there is a store.</summary>
        public BlockingPolicy Policy { get; }

        /// <summary>The kill-on-start detector over the store's indicators, or null without indicators.</summary>
        public Func<IReadOnlyList<IDetector>>? Detectors { get; }

        /// <summary>Problems that left the scan with less, each as <c>ErrorId: message</c> and what the scan does instead (a policy in force that cannot be used, indicators that cannot be read).</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>
        /// The what-if policy (<paramref name="policyFile"/>, else the policy in force, else Audit) with the indicators of
        /// the store at <paramref name="storePath"/> (none without a store); <paramref name="extraDetectors"/> run beside them.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">The named policy file cannot be used (PolicyFileInvalid with its position, ...).</exception>
        public static ReplaySetup For(string? policyFile, string? storePath, Func<IReadOnlyList<IDetector>>? extraDetectors = null)
        {
            var warnings = new List<string>();
            BlockingPolicy policy;
            if (policyFile is not null)
            {
                policy = PolicyFile.Load(policyFile).ToPolicy();
            }
            else
            {
                policy = ScanPolicy.InForceOrDefault(out BehaviorBlockingException? problem);
                if (problem is not null)
                {
                    warnings.Add(problem.ErrorId + ": " + problem.Message + " The scan uses the default Audit policy.");
                }
            }

            Func<IReadOnlyList<IDetector>>? detectors = extraDetectors;
            IndicatorSet? indicators = null;
            if (storePath is not null)
            {
                indicators = ScanPolicy.StoredIndicators(storePath, out BehaviorBlockingException? unread);
                if (unread is not null)
                {
                    warnings.Add(unread.ErrorId + ": " + unread.Message + " The scan goes on without the store's indicators.");
                }
            }

            if (indicators is not null)
            {
                policy = policy.WithIndicators(indicators);
                detectors = () =>
                {
                    var list = new List<IDetector>(extraDetectors?.Invoke() ?? Array.Empty<IDetector>());
                    list.Add(new IndicatorDetector(indicators));
                    return list;
                };
            }

            return new ReplaySetup(policy, detectors, warnings);
        }
    }
}
