using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using BehaviorBlocking.Lab;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Cli
{
    /// <summary>
    /// <c>behaviorblock rules list|validate [DIR]</c>: what a rule directory loads, and what it skips and why;
    /// <c>rules coverage [DIR]</c>: which ATT&amp;CK techniques its rules cover (the markdown of docs/coverage.md).
    /// </summary>
    internal static class RulesCommand
    {
        public static Command Create(CliConsole console)
        {
            var command = new Command("rules", "Show or check Sigma rules.");
            command.Subcommands.Add(Sub(console, "list", "List the rules a directory loads (default: the built-in pack), then what it skips.", validate: false));
            command.Subcommands.Add(Sub(console, "validate", "Check a rule directory: every skipped rule with its reason; exit 1 when any was skipped.", validate: true));
            command.Subcommands.Add(Coverage(console));
            return command;
        }

        /// <summary>The technique catalog shipped beside the binary (a copy of docs/attack/techniques.tsv).</summary>
        internal static string DefaultCatalog => Path.Combine(AppContext.BaseDirectory, "attack", "techniques.tsv");

        private static Command Coverage(CliConsole console)
        {
            var dir = new Argument<string?>("dir") { Description = "Rule directory (default: the built-in pack).", Arity = ArgumentArity.ZeroOrOne };
            var catalog = new Option<string?>("--catalog") { Description = "ATT&CK technique catalog (TSV, docs/attack/README.md). Default: the one beside the binary." };
            var output = new Option<string?>("--out") { Description = "Write the markdown to this file instead of standard output." };
            var command = new Command("coverage", "Which ATT&CK techniques the rules tag, per tactic and platform, as markdown; exit 1 when a rule tags a technique the catalog does not list.")
            {
                dir,
                catalog,
                output,
            };
            command.SetAction(parsed =>
            {
                string rulesPath = parsed.GetValue(dir) ?? Program.BuiltInRulesDirectory;
                string catalogPath = parsed.GetValue(catalog) ?? DefaultCatalog;
                AttackCatalog techniques;
                try
                {
                    techniques = AttackCatalog.Load(catalogPath);
                }
                catch (AttackCatalogException ex)
                {
                    foreach (string problem in ex.Problems)
                    {
                        console.Error.WriteLine("behaviorblock: " + problem);
                    }

                    return Program.ExitNoInput;
                }
                catch (IOException ex)
                {
                    console.Error.WriteLine($"behaviorblock: cannot read the technique catalog '{catalogPath}': {ex.Message}");
                    return Program.ExitNoInput;
                }

                RuleSet rules = RuleSet.Load(new[] { new RuleSource(rulesPath, "builtin") });
                foreach (RuleLoadIssue issue in rules.Skipped)
                {
                    console.Error.WriteLine("behaviorblock: warning: rule skipped: " + issue);
                }

                CoverageReport report = CoverageReport.Build(techniques, rules, rulesPath);
                string markdown = report.ToMarkdown();
                if (parsed.GetValue(output) is string outPath)
                {
                    File.WriteAllText(outPath, markdown, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                    console.Out.WriteLine($"{outPath}: {report.Overall.Covered} of {report.Overall.Observable} observable techniques covered ({report.Overall.Percent.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}%)");
                }
                else
                {
                    console.Out.Write(markdown);
                }

                foreach (UnknownTechnique unknown in report.UnknownTechniques)
                {
                    console.Error.WriteLine($"behaviorblock: {unknown.Id} is tagged by {string.Join(", ", unknown.Files)} and is not in the catalog {catalogPath}");
                }

                return report.UnknownTechniques.Count > 0 ? Program.ExitNoInput : Program.ExitOk;
            });
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
