using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
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
            command.Subcommands.Add(Add(console));
            command.Subcommands.Add(Remove(console));
            command.Subcommands.Add(Packs(console));
            return command;
        }

        private static Command Add(CliConsole console)
        {
            var source = new Argument<string>("source") { Description = "A folder of Sigma rules (searched recursively) or one rule file." };
            var name = new Option<string?>("--name") { Description = "The pack's name (default: the folder or file name); a pack of the same name is replaced." };
            var command = new Command("add", "Install a third-party rule pack into the product folder: validated, versioned by content hash, loaded by every scan and monitor.")
            {
                source,
                name,
            };
            command.SetAction(parsed =>
            {
                try
                {
                    RulePackInfo pack = RulePacks.Add(parsed.GetValue(source)!, parsed.GetValue(name));
                    console.Out.WriteLine($"rule pack '{pack.Name}' {pack.ShortVersion} installed from {pack.Origin}: {pack.Rules} rules, {pack.Skipped} skipped, in {pack.Path}");
                    if (pack.Skipped > 0)
                    {
                        console.Error.WriteLine($"behaviorblock: warning: {pack.Skipped} rules of the pack do not load; 'behaviorblock rules validate {pack.Path}' names why.");
                    }

                    return Program.ExitOk;
                }
                catch (BehaviorBlockingException ex)
                {
                    console.Error.WriteLine($"behaviorblock: {ex.ErrorId}: {ex.Message}");
                    return ex.Kind == FailureKind.NotFound ? Program.ExitNoInput : Program.ExitUsage;
                }
            });
            return command;
        }

        private static Command Remove(CliConsole console)
        {
            var name = new Argument<string>("name") { Description = "The installed pack's name ('rules packs' lists them)." };
            var command = new Command("remove", "Remove an installed rule pack.") { name };
            command.SetAction(parsed =>
            {
                try
                {
                    RulePackInfo pack = RulePacks.Remove(parsed.GetValue(name)!);
                    console.Out.WriteLine($"rule pack '{pack.Name}' {pack.ShortVersion} removed ({pack.Rules} rules)");
                    return Program.ExitOk;
                }
                catch (BehaviorBlockingException ex)
                {
                    console.Error.WriteLine($"behaviorblock: {ex.ErrorId}: {ex.Message}");
                    return Program.ExitNoInput;
                }
            });
            return command;
        }

        private static Command Packs(CliConsole console)
        {
            var command = new Command("packs", "List the installed rule packs: name, version (content hash), rules, origin; a pack whose files changed since it was added is marked and not loaded.");
            command.SetAction(parsed =>
            {
                var verified = new System.Collections.Generic.HashSet<string>(
                    RulePacks.Verified(null, _ => { }).Select(p => p.Name), StringComparer.Ordinal);
                console.Out.WriteLine($"{"name",-24} {"version",-12} {"rules",6} {"skipped",8} {"installed (UTC)",-20} {"state",-9} origin");
                foreach (RulePackInfo pack in RulePacks.List())
                {
                    string state = verified.Contains(pack.Name) ? "ok" : "CHANGED";
                    console.Out.WriteLine($"{pack.Name,-24} {pack.ShortVersion,-12} {pack.Rules,6} {pack.Skipped,8} {pack.Installed.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),-20} {state,-9} {pack.Origin}");
                }

                return Program.ExitOk;
            });
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
            var dir = new Argument<string?>("dir") { Description = "Rule directory or file (default: the built-in pack and the installed rule packs).", Arity = ArgumentArity.ZeroOrOne };
            var command = new Command(name, description) { dir };
            command.SetAction(parsed =>
            {
                var sources = new System.Collections.Generic.List<RuleSource>();
                if (parsed.GetValue(dir) is string path)
                {
                    sources.Add(new RuleSource(path, path));
                }
                else
                {
                    // What a scan loads by default: the built-in pack, then every installed pack that verifies.
                    sources.Add(new RuleSource(Program.BuiltInRulesDirectory, "builtin"));
                    sources.AddRange(RulePacks.Sources(RulePacks.DefaultHome(), rejected => console.Error.WriteLine($"behaviorblock: warning: {rejected.ErrorId}: {rejected.Message}")));
                }

                RuleSet rules = RuleSet.Load(sources);
                if (!validate)
                {
                    console.Out.WriteLine($"{"tactic",-20} {"level",-13} {"variant",-16} {"logsource",-26} {"origin",-20} title");
                    foreach (SigmaRule rule in rules.Rules.OrderBy(r => r.Tactic).ThenBy(r => r.Title, StringComparer.Ordinal))
                    {
                        string logsource = rule.Kind == RuleKind.Correlation ? "correlation" : rule.Category ?? "service:" + rule.Service;
                        console.Out.WriteLine($"{rule.Tactic,-20} {rule.Level,-13} {rule.Variant,-16} {logsource,-26} {Shorten(rule.Origin, 20),-20} {rule.Title}");
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

        private static string Shorten(string text, int width) => text.Length <= width ? text : "…" + text.Substring(text.Length - width + 1);
    }
}
