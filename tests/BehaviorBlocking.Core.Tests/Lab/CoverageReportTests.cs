using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Lab;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;

namespace BehaviorBlocking.Tests.Lab
{
    /// <summary>Coverage of a catalog by a rule set: parents and sub-techniques, what the percentage counts, unknown tags, and docs/coverage.md.</summary>
    public sealed class CoverageReportTests : IDisposable
    {
        private static readonly string RulesDir = Path.Combine(TestPaths.RepositoryRoot, "module", "rules");
        private static readonly string CoverageDoc = Path.Combine(TestPaths.RepositoryRoot, "docs", "coverage.md");

        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static AttackCatalog SmallCatalog() => AttackCatalog.Parse(new StringReader(AttackCatalogTests.Catalog(
            "T1003\tOS Credential Dumping\tCredentialAccess\tWindows;Linux\tprocess_access;linux_process",
            "T1003.001\tLSASS Memory\tCredentialAccess\tWindows\tprocess_access",
            "T1003.008\t/etc/passwd and /etc/shadow\tCredentialAccess\tLinux\tlinux_process",
            "T1059\tCommand and Scripting Interpreter\tExecution\tWindows;Linux\tprocess_creation;linux_process",
            "T1059.001\tPowerShell\tExecution\tWindows\tpowershell_script",
            "T1059.003\tWindows Command Shell\tExecution\tWindows\tprocess_creation",
            "T1495\tFirmware Corruption\tImpact\tWindows;Linux\t-",
            "T1490\tInhibit System Recovery\tImpact\tWindows;Linux\tprocess_creation;linux_process")), "small.tsv");

        private static string Rule(string id, string tags, string variant) => RuleTestKit.Rule(id, "category: process_creation",
            "  sel:\n    Image|endswith: '\\" + id + ".exe'\n  condition: sel", tags: tags, variant: variant);

        private CoverageReport Build()
        {
            _kit.Write("credential_access_lsass.yml", Rule("lsass", "attack.credential_access, attack.t1003.001", "Lsass"))
                .Write("execution_shell.yml", Rule("shell", "attack.execution, attack.t1059", "Shell"))
                .Write("impact_firmware.yml", Rule("firmware", "attack.impact, attack.t1495", "Firmware"))
                .Write("defense_evasion_old.yml", Rule("old", "attack.defense_evasion, attack.t1086, attack.t1059", "Old"));
            RuleSet rules = _kit.Load();
            Assert.Empty(rules.Skipped);
            return CoverageReport.Build(SmallCatalog(), rules, _kit.Folder);
        }

        private static TechniqueCoverage Row(CoverageReport report, string id) => report.Techniques.Single(t => t.Technique.Id == id);

        [Fact]
        public void Build_RuleTaggingASubTechnique_CoversItsParent()
        {
            CoverageReport report = Build();

            TechniqueCoverage parent = Row(report, "T1003");
            Assert.Equal(CoverageStatus.Covered, parent.Status);
            Assert.Empty(parent.Rules);
            Assert.Equal(new[] { "T1003.001" }, parent.CoveredSubTechniques);
            Assert.Equal(new[] { AttackPlatform.Windows }, parent.CoveredOn);
            Assert.Equal("credential_access_lsass.yml", Assert.Single(Row(report, "T1003.001").Rules).File);
            Assert.Equal(CoverageStatus.NotCovered, Row(report, "T1003.008").Status);
        }

        [Fact]
        public void Build_RuleTaggingTheParent_DoesNotCoverItsSubTechniques()
        {
            CoverageReport report = Build();

            TechniqueCoverage parent = Row(report, "T1059");
            Assert.Equal(new[] { "defense_evasion_old.yml", "execution_shell.yml" }, parent.Rules.Select(r => r.File));
            Assert.Equal(new[] { "Old", "Shell" }, parent.Rules.Select(r => r.Variant));
            Assert.Equal(CoverageStatus.NotCovered, Row(report, "T1059.001").Status);
            Assert.Equal(CoverageStatus.NotCovered, Row(report, "T1059.003").Status);
        }

        [Fact]
        public void Build_UnobservableRows_AreLeftOutOfThePercentage()
        {
            CoverageReport report = Build();

            // Observable: all but T1495; covered among them: T1003, T1003.001, T1059. T1495 is tagged but not counted.
            Assert.Equal(8, report.Overall.Rows);
            Assert.Equal(7, report.Overall.Observable);
            Assert.Equal(3, report.Overall.Covered);
            Assert.Equal(300.0 / 7, report.Overall.Percent, 6);
            Assert.Equal(CoverageStatus.Covered, Row(report, "T1495").Status);
            TacticCoverage impact = report.Tactics.Single(t => t.Tactic == Tactic.Impact);
            Assert.Equal((2, 1, 0), (impact.All.Rows, impact.All.Observable, impact.All.Covered));

            // Linux: T1003, T1003.008, T1059, T1490 observable in Linux logs, none covered by a Linux rule.
            Assert.Equal((4, 0), (report.Linux.Observable, report.Linux.Covered));
            Assert.Equal((6, 3), (report.Windows.Observable, report.Windows.Covered));
        }

        [Fact]
        public void Build_TagOutsideTheCatalog_IsReportedWithItsRuleFile()
        {
            CoverageReport report = Build();

            UnknownTechnique unknown = Assert.Single(report.UnknownTechniques);
            Assert.Equal("T1086", unknown.Id);
            Assert.Equal(new[] { "defense_evasion_old.yml" }, unknown.Files);
            Assert.Contains("| T1086 | `defense_evasion_old.yml` |", report.ToMarkdown());
        }

        [Fact]
        public void Build_LinuxRule_CountsForLinuxAndIsNamedBelowTheRuleDirectory()
        {
            Directory.CreateDirectory(Path.Combine(_kit.Folder, "linux"));
            _kit.Write("linux/credential_access_shadow.yml", "title: Shadow read\nid: shadow\nstatus: experimental\nlevel: high\n"
                + "tags: [attack.credential_access, attack.t1003.008]\nlogsource:\n  product: linux\n  category: process_creation\n"
                + "detection:\n  sel:\n    CommandLine|contains: /etc/shadow\n  condition: sel\nbehaviorblocking:\n  variant: LxShadow\n");
            CoverageReport report = Build();

            CoveringRule rule = Assert.Single(Row(report, "T1003.008").Rules);
            Assert.Equal(("linux/credential_access_shadow.yml", AttackPlatform.Linux), (rule.File, rule.Platform));
            Assert.Equal(new[] { AttackPlatform.Windows, AttackPlatform.Linux }, Row(report, "T1003").CoveredOn);
            Assert.Equal((4, 2), (report.Linux.Observable, report.Linux.Covered));
            Assert.Equal((6, 3), (report.Windows.Observable, report.Windows.Covered));
        }

        [Fact]
        public void ToMarkdown_SmallSet_ListsEachTacticsRowsWithRulesAndStatus()
        {
            string markdown = Build().ToMarkdown();

            Assert.StartsWith("<!-- Generated file, do not edit: " + CoverageReport.RegenerateCommand + " -->\n", markdown);
            Assert.Contains("| T1003 | OS Credential Dumping | Windows, Linux | process_access, linux_process | via T1003.001 | covered |\n", markdown);
            Assert.Contains("| T1059.001 | PowerShell | Windows | powershell_script | - | not covered |\n", markdown);
            Assert.Contains("| T1495 | Firmware Corruption | Windows, Linux | - | `impact_firmware.yml` (Firmware) | covered |\n", markdown);
            Assert.Contains("| Impact | 2 | 1 | 0 | 0.0% |", markdown);
            Assert.Contains("Observable-technique coverage: **3 of 7 (42.9%)**", markdown);
            Assert.DoesNotContain("\r", markdown);
            Assert.Equal(markdown, Build().ToMarkdown());
        }

        [Fact]
        public void BuiltInPack_EveryTaggedTechniqueIsInTheCatalog()
        {
            RuleSet pack = RuleSet.Load(new[] { new RuleSource(RulesDir, "builtin") });
            CoverageReport report = CoverageReport.Build(AttackCatalog.Load(AttackCatalogTests.RepositoryCatalog), pack, RulesDir);

            Assert.Empty(report.UnknownTechniques.Select(u => u.Id + " (tagged by " + string.Join(", ", u.Files) + ") is not in docs/attack/techniques.tsv"));
        }

        [Fact]
        public void BuiltInPack_DocsCoverageIsWhatTheGeneratorWrites()
        {
            RuleSet pack = RuleSet.Load(new[] { new RuleSource(RulesDir, "builtin") });
            string expected = CoverageReport.Build(AttackCatalog.Load(AttackCatalogTests.RepositoryCatalog), pack, RulesDir).ToMarkdown();
            string actual = File.Exists(CoverageDoc) ? File.ReadAllText(CoverageDoc).Replace("\r\n", "\n") : string.Empty;

            string[] want = expected.Split('\n');
            string[] have = actual.Split('\n');
            int line = Enumerable.Range(0, Math.Max(want.Length, have.Length))
                .FirstOrDefault(i => i >= want.Length || i >= have.Length || want[i] != have[i], -1);
            Assert.True(line < 0, $"docs/coverage.md is out of date (first difference at line {line + 1}: expected "
                + $"'{(line >= 0 && line < want.Length ? want[line] : "(end)")}', found '{(line >= 0 && line < have.Length ? have[line] : "(end)")}'); "
                + $"regenerate it from the repository root with: {CoverageReport.RegenerateCommand}");
        }
    }
}
