using System;
using System.IO;
using System.Text;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Tests.Rules;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary><c>rules validate</c> on hostile rule files, and what a scan says about rule regex timeouts.</summary>
    public sealed class RulesCommandTests : IDisposable
    {
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr, Array.Empty<IDetector>);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        private static string Pc(string id, string detection) => RuleTestKit.Rule(id, "category: process_creation", detection);

        [Fact]
        public void Validate_HostileRules_ListsEachRefusalWithFileLineAndReasonAndExitsOne()
        {
            _kit.Write("bomb.yml", YamlTreeTests.AliasBomb())
                .Write("self.yml", Pc("self", "  sel:\n    Image: a\n  condition: sel") + "x: &a [1, *a]\n")
                .Write("parens.yml", Pc("parens", "  sel:\n    Image: a\n  condition: '" + new string('(', 20_000) + "sel" + new string(')', 20_000) + "'"))
                .WriteBytes("latin1.yml", Encoding.Latin1.GetBytes(Pc("latin1", "  sel:\n    Image: 'caf\u00e9'\n  condition: sel")))
                .Write("good.yml", Pc("good", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"));

            var (exit, output, _) = RuleTestKit.Within(60, () => Run("rules", "validate", _kit.Folder));

            Assert.Equal(1, exit);
            Assert.Contains("bomb.yml:11 (bomb-1): more than 200,000 YAML nodes (aliases expanded)", output);
            Assert.Contains("self.yml:16 (self): alias '*a' refers to a node that contains it (a cycle)", output);
            Assert.Contains("parens.yml (parens): the condition has 40,003 characters; at most 8,192 are allowed", output);
            Assert.Contains("latin1.yml: the file is not valid UTF-8: invalid byte sequence at byte offset ", output);
            Assert.EndsWith("1 loaded, 4 skipped", output.TrimEnd());
        }

        [Fact]
        public void Scan_RuleRegexTimeout_CountedInStatsAndTheOtherRuleStillDetects()
        {
            string rules = Path.Combine(_kit.Folder, "rules");
            Directory.CreateDirectory(rules);
            File.WriteAllText(Path.Combine(rules, "a_slow.yml"), RuleTestKit.Rule("slow", "category: process_creation",
                "  sel:\n    CommandLine|re: '" + RuleRegexTests.Catastrophic + "'\n  condition: sel", variant: "Slow"));
            File.WriteAllText(Path.Combine(rules, "b_fast.yml"), RuleTestKit.Rule("fast", "category: process_creation",
                "  sel:\n    CommandLine|contains: 'aaaa'\n  condition: sel", variant: "Fast"));
            string events = Path.Combine(_kit.Folder, "events.jsonl");
            File.WriteAllText(events, "{\"EventID\": 1, \"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"Provider\": \"Microsoft-Windows-Sysmon\", "
                + "\"Computer\": \"WS01\", \"TimeCreated\": \"2025-05-14T09:12:00.000Z\", \"EventRecordID\": 1, \"UtcTime\": \"2025-05-14 09:12:00.000\", "
                + "\"ProcessGuid\": \"{7c1a3b2e-0001-6644-0001-000000001f00}\", \"ProcessId\": \"4120\", \"Image\": \"C:\\\\x\\\\a.exe\", "
                + "\"CommandLine\": \"" + RuleRegexTests.CatastrophicValue + "\", \"ParentProcessId\": \"3984\", \"ParentImage\": \"C:\\\\Windows\\\\explorer.exe\"}\n");

            var (exit, output, err) = Run("scan", events, "--rules", rules, "--no-builtin-rules", "--no-model", "--no-store", "--stats");

            Assert.Equal(0, exit);
            Assert.Contains("1 detection(s) in 1 events", output);

            // The test runtime has the linear-time engine: the regex switches to it after one timeout.
            Assert.Contains("rule timeouts  1 regex timeouts in 1 rule(s), 0 rule(s) disabled", err);
            Assert.Contains("detector rules failed 1 time(s); first: rule 'Rule slow' (slow, ", err);
            Assert.Contains("it now runs on the linear-time engine", err);
        }

        [Fact]
        public void Coverage_RulesAndCatalog_WritesTheMarkdownAndExitsOneForATagOutsideTheCatalog()
        {
            string rules = Path.Combine(_kit.Folder, "rules");
            Directory.CreateDirectory(rules);
            File.WriteAllText(Path.Combine(rules, "execution_shell.yml"), RuleTestKit.Rule("shell", "category: process_creation",
                "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel", tags: "attack.execution, attack.t1059.003", variant: "Shell"));
            string catalog = Path.Combine(_kit.Folder, "techniques.tsv");
            File.WriteAllText(catalog, BehaviorBlocking.Lab.AttackCatalog.Header + "\n"
                + "T1059\tCommand and Scripting Interpreter\tExecution\tWindows\tprocess_creation\n"
                + "T1059.003\tWindows Command Shell\tExecution\tWindows\tprocess_creation\n");
            string markdown = Path.Combine(_kit.Folder, "coverage.md");

            var (exit, output, err) = Run("rules", "coverage", rules, "--catalog", catalog, "--out", markdown);

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, err);
            Assert.Contains("2 of 2 observable techniques covered (100.0%)", output);
            Assert.Contains("| T1059.003 | Windows Command Shell | Windows | process_creation | `execution_shell.yml` (Shell) | covered |", File.ReadAllText(markdown));

            File.WriteAllText(Path.Combine(rules, "execution_old.yml"), RuleTestKit.Rule("old", "category: process_creation",
                "  sel:\n    Image|endswith: '\\old.exe'\n  condition: sel", tags: "attack.execution, attack.t1086", variant: "Old"));
            (exit, _, err) = Run("rules", "coverage", rules, "--catalog", catalog, "--out", markdown);

            Assert.Equal(1, exit);
            Assert.Contains("T1086 is tagged by execution_old.yml and is not in the catalog", err);
        }

        [Fact]
        public void Coverage_InvalidCatalog_NamesFileAndLineAndExitsOne()
        {
            string catalog = Path.Combine(_kit.Folder, "techniques.tsv");
            File.WriteAllText(catalog, BehaviorBlocking.Lab.AttackCatalog.Header + "\nT1059.003\tWindows Command Shell\tExecution\tWindows\tprocess_creation\n");

            var (exit, output, err) = Run("rules", "coverage", _kit.Folder, "--catalog", catalog);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains(catalog + ":2: sub-technique T1059.003 has no parent row T1059", err);
        }
    }
}
