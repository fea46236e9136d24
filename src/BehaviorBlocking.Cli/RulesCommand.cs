using System;
using System.CommandLine;
using System.Linq;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock rules list|validate [DIR]</c>: what a rule directory loads, and what it skips and why.</summary>
    internal static class RulesCommand
    {
        public static Command Create(CliConsole console)
        {
            var command = new Command("rules", "Show or check Sigma rules.");
            command.Subcommands.Add(Sub(console, "list", "List the rules a directory loads (default: the built-in pack), then what it skips.", validate: false));
            command.Subcommands.Add(Sub(console, "validate", "Check a rule directory: every skipped rule with its reason; exit 1 when any was skipped.", validate: true));
            return command;
        }

        private static Command Sub(CliConsole console, string name, string description, bool validate)
        {
            var dir = new Argument<string?>("dir") { Description = "Rule directory or file (default: the built-in pack).", Arity = ArgumentArity.ZeroOrOne };
            var command = new Command(name, description) { dir };
            command.SetAction(parsed =>
            {
                string path = parsed.GetValue(dir) ?? Program.BuiltInRulesDirectory;
                RuleSet rules = RuleSet.Load(new[] { new RuleSource(path, path) });
                if (!validate)
                {
                    console.Out.WriteLine($"{"tactic",-20} {"level",-13} {"variant",-16} {"logsource",-26} title");
                    foreach (SigmaRule rule in rules.Rules.OrderBy(r => r.Tactic).ThenBy(r => r.Title, StringComparer.Ordinal))
                    {
                        string logsource = rule.Kind == RuleKind.Correlation ? "correlation" : rule.Category ?? "service:" + rule.Service;
                        console.Out.WriteLine($"{rule.Tactic,-20} {rule.Level,-13} {rule.Variant,-16} {logsource,-26} {rule.Title}");
                    }
                }

                foreach (RuleLoadIssue issue in rules.Skipped)
                {
                    console.Out.WriteLine("skipped: " + issue);
                }

                console.Out.WriteLine($"{rules.Rules.Count} loaded, {rules.Skipped.Count} skipped");
                return validate && rules.Skipped.Count > 0 ? Program.ExitNoInput : Program.ExitOk;
            });
            return command;
        }
    }
}
