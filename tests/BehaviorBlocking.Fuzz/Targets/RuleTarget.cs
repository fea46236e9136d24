using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// One rule file (the input) loaded as a rule directory is: YAML, metadata, the detection
    /// compiler with its condition parser and value modifiers, correlations; then every loaded rule
    /// runs on the fixed events. Documented: a rule that cannot be loaded is a counted skip with a
    /// reason; nothing escapes <see cref="RuleSet.Load(System.Collections.Generic.IEnumerable{RuleSource}, RuleLoadOptions)"/>, and a loaded rule never makes the rule
    /// detector fail on an event (that would blind every other rule on it).
    /// </summary>
    internal static class RuleTarget
    {
        public static void Run(byte[] input)
        {
            IReadOnlyList<BehaviorEvent> events = FixedEvents.All;
            string file = WorkFiles.Write("rule.yml", input);
            RuleSet rules = RuleSet.Load(new[] { new RuleSource(file, "fuzz") });
            FuzzInvariantException.That(!string.IsNullOrEmpty(rules.Version), "the rule set has no version");
            foreach (RuleLoadIssue issue in rules.Skipped)
            {
                FuzzInvariantException.That(issue.File == file, $"a skip names file '{issue.File}', not the rule file");
                FuzzInvariantException.That(!string.IsNullOrWhiteSpace(issue.Reason), "a rule was skipped without a reason");
            }

            foreach (SigmaRule rule in rules.Rules)
            {
                FuzzInvariantException.That(!string.IsNullOrEmpty(rule.Id), $"rule '{rule.Title}' loaded without an id");
                FuzzInvariantException.That(rule.SourceFile == file && rule.Origin == "fuzz", $"rule {rule.Id} does not name where it came from");
                FuzzInvariantException.That(Enum.IsDefined(typeof(Tactic), rule.Tactic) && Enum.IsDefined(typeof(RuleLevel), rule.Level),
                    $"rule {rule.Id} has an undefined tactic or level");
            }

            if (rules.Rules.Count == 0)
            {
                return;
            }

            var detections = new List<Detection>();
            var pipeline = new BehaviorPipeline(new IDetector[] { new RuleDetector(rules) }, detections.Add);
            foreach (BehaviorEvent e in events)
            {
                pipeline.Process(e);
            }

            pipeline.EndRecording();
            foreach (DetectorHealth health in pipeline.DetectorHealth())
            {
                FuzzInvariantException.That(health.Failures == 0, $"{health.Name} failed on {health.Failures} events: {health.FirstError}");
            }

            foreach (Detection detection in detections)
            {
                DetectionChecks.Check(detection);
            }
        }
    }
}
