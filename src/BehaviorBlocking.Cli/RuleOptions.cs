using System.Collections.Generic;
using System.CommandLine;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Cli
{
    /// <summary>The rule options of commands that run detectors, and the detector set they give.</summary>
    internal sealed class RuleOptions
    {
        public Option<string[]> Rules { get; } = new Option<string[]>("--rules")
        {
            Description = "Add a directory of Sigma rules (repeatable), e.g. a checkout of a community rule set.",
            AllowMultipleArgumentsPerToken = false,
        };

        public Option<bool> NoBuiltinRules { get; } = new Option<bool>("--no-builtin-rules") { Description = "Leave the built-in rule pack out." };

        public void AddTo(Command command)
        {
            command.Options.Add(Rules);
            command.Options.Add(NoBuiltinRules);
        }

        /// <summary>Loads the chosen rules; skipped rules are reported as warnings (at most <paramref name="shown"/>).</summary>
        public RuleSet Load(ParseResult parsed, CliConsole console, int shown = 20)
        {
            var sources = new List<RuleSource>();
            if (!parsed.GetValue(NoBuiltinRules))
            {
                sources.Add(new RuleSource(Program.BuiltInRulesDirectory, "builtin"));
            }

            foreach (string dir in parsed.GetValue(Rules) ?? System.Array.Empty<string>())
            {
                sources.Add(new RuleSource(dir, dir));
            }

            RuleSet rules = sources.Count == 0 ? RuleSet.Empty : RuleSet.Load(sources);
            for (int i = 0; i < rules.Skipped.Count && i < shown; i++)
            {
                console.Error.WriteLine("behaviorblock: warning: rule skipped: " + rules.Skipped[i]);
            }

            if (rules.Skipped.Count > shown)
            {
                console.Error.WriteLine($"behaviorblock: warning: {rules.Skipped.Count - shown} more rules skipped ('behaviorblock rules validate DIR' lists them).");
            }

            return rules;
        }

        /// <summary>The rule detector over <paramref name="rules"/> plus any extra detectors.</summary>
        public static IReadOnlyList<IDetector> Detectors(RuleSet rules, CliConsole console, RuleDetectorOptions? options = null)
        {
            var detectors = new List<IDetector>();
            if (rules.Rules.Count > 0)
            {
                detectors.Add(new RuleDetector(rules, options));
            }

            detectors.AddRange(console.ExtraDetectors());
            return detectors;
        }
    }
}
