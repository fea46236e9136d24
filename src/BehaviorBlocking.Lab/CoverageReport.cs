using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Lab
{
    /// <summary>Where a technique stands against a rule set.</summary>
    public enum CoverageStatus
    {
        /// <summary>A rule tags it, or one of its sub-techniques.</summary>
        Covered = 0,

        /// <summary>The logs can show it and no rule tags it.</summary>
        NotCovered,

        /// <summary>None of the log sources this product reads can show it, and no rule tags it.</summary>
        NotObservable,
    }

    /// <summary>A rule that tags a technique: its file below the rule directory and its detection-name variant.</summary>
    public sealed class CoveringRule
    {
        internal CoveringRule(string file, string variant, AttackPlatform platform)
        {
            File = file;
            Variant = variant;
            Platform = platform;
        }

        /// <summary>The rule file, relative to the rule directory, with <c>/</c> separators.</summary>
        public string File { get; }

        /// <summary>The rule's detection-name variant.</summary>
        public string Variant { get; }

        /// <summary>Linux for a <c>product: linux</c> rule, Windows for the others.</summary>
        public AttackPlatform Platform { get; }
    }

    /// <summary>One catalog row against the rule set.</summary>
    public sealed class TechniqueCoverage
    {
        internal TechniqueCoverage(AttackTechnique technique, IReadOnlyList<CoveringRule> rules, IReadOnlyList<string> coveredSubTechniques, IReadOnlyList<AttackPlatform> coveredOn)
        {
            Technique = technique;
            Rules = rules;
            CoveredSubTechniques = coveredSubTechniques;
            CoveredOn = coveredOn;
        }

        /// <summary>The catalog row.</summary>
        public AttackTechnique Technique { get; }

        /// <summary>The rules that tag this technique itself, sorted by file.</summary>
        public IReadOnlyList<CoveringRule> Rules { get; }

        /// <summary>For a parent technique, the ids of its sub-techniques that rules tag.</summary>
        public IReadOnlyList<string> CoveredSubTechniques { get; }

        /// <summary>The platforms whose rules tag it (or a sub-technique of it).</summary>
        public IReadOnlyList<AttackPlatform> CoveredOn { get; }

        /// <summary>True when a rule tags it or one of its sub-techniques.</summary>
        public bool IsCovered => Rules.Count > 0 || CoveredSubTechniques.Count > 0;

        /// <summary>Covered, not covered, or not observable in these logs.</summary>
        public CoverageStatus Status => IsCovered ? CoverageStatus.Covered : Technique.IsObservable ? CoverageStatus.NotCovered : CoverageStatus.NotObservable;
    }

    /// <summary>Counts of a group of catalog rows: all, observable, and observable ones covered.</summary>
    public sealed class CoverageTotals
    {
        internal CoverageTotals(int rows, int observable, int covered)
        {
            Rows = rows;
            Observable = observable;
            Covered = covered;
        }

        /// <summary>Catalog rows in the group.</summary>
        public int Rows { get; }

        /// <summary>Rows the logs can show.</summary>
        public int Observable { get; }

        /// <summary>Observable rows a rule covers.</summary>
        public int Covered { get; }

        /// <summary>Covered observable rows per 100 observable rows (0 when there are none).</summary>
        public double Percent => Observable == 0 ? 0 : 100.0 * Covered / Observable;
    }

    /// <summary>Coverage totals of one tactic: all platforms, then Windows and Linux alone.</summary>
    public sealed class TacticCoverage
    {
        internal TacticCoverage(Tactic tactic, CoverageTotals all, CoverageTotals windows, CoverageTotals linux)
        {
            Tactic = tactic;
            All = all;
            Windows = windows;
            Linux = linux;
        }

        /// <summary>The tactic.</summary>
        public Tactic Tactic { get; }

        /// <summary>Rows of the tactic, whatever their platform.</summary>
        public CoverageTotals All { get; }

        /// <summary>Rows for Windows: observable in Windows logs, covered by a Windows rule.</summary>
        public CoverageTotals Windows { get; }

        /// <summary>Rows for Linux: observable in Linux logs, covered by a Linux rule.</summary>
        public CoverageTotals Linux { get; }
    }

    /// <summary>A technique a rule tags that the catalog does not list (a typo, a revoked id, or a row to add).</summary>
    public sealed class UnknownTechnique
    {
        internal UnknownTechnique(string id, IReadOnlyList<string> files)
        {
            Id = id;
            Files = files;
        }

        /// <summary>The tagged id.</summary>
        public string Id { get; }

        /// <summary>The rule files that tag it, relative to the rule directory.</summary>
        public IReadOnlyList<string> Files { get; }
    }

    /// <summary>
    /// Which ATT&amp;CK techniques of a catalog the rules of a rule set tag, per tactic and platform, and
    /// the markdown of <c>docs/coverage.md</c>. A parent technique is covered when a rule tags it or any of
    /// its sub-techniques; a sub-technique only when a rule tags it.
    /// </summary>
    public sealed class CoverageReport
    {
        /// <summary>The command that regenerates <c>docs/coverage.md</c> from a checkout.</summary>
        public const string RegenerateCommand = "dotnet run --project src/BehaviorBlocking.Cli -c Release -- rules coverage --out docs/coverage.md";

        private CoverageReport(IReadOnlyList<TechniqueCoverage> techniques, IReadOnlyList<UnknownTechnique> unknown)
        {
            Techniques = techniques;
            UnknownTechniques = unknown;
            Overall = Totals(techniques, null);
            Windows = Totals(techniques, AttackPlatform.Windows);
            Linux = Totals(techniques, AttackPlatform.Linux);
            Tactics = Enum.GetValues(typeof(Tactic)).Cast<Tactic>().Where(t => t != Tactic.Generic).Select(tactic =>
            {
                var rows = techniques.Where(t => t.Technique.Tactics.Contains(tactic)).ToList();
                return new TacticCoverage(tactic, Totals(rows, null), Totals(rows, AttackPlatform.Windows), Totals(rows, AttackPlatform.Linux));
            }).ToList();
        }

        /// <summary>Every catalog row, sorted by id.</summary>
        public IReadOnlyList<TechniqueCoverage> Techniques { get; }

        /// <summary>Techniques the rules tag that the catalog does not list, sorted by id.</summary>
        public IReadOnlyList<UnknownTechnique> UnknownTechniques { get; }

        /// <summary>All rows.</summary>
        public CoverageTotals Overall { get; }

        /// <summary>Rows for Windows.</summary>
        public CoverageTotals Windows { get; }

        /// <summary>Rows for Linux.</summary>
        public CoverageTotals Linux { get; }

        /// <summary>Totals per tactic, in the product's tactic order.</summary>
        public IReadOnlyList<TacticCoverage> Tactics { get; }

        /// <summary>
        /// Compares the rules of <paramref name="rules"/> with <paramref name="catalog"/>; rule files are named
        /// relative to <paramref name="ruleRoot"/> (the directory the set was loaded from).
        /// </summary>
        public static CoverageReport Build(AttackCatalog catalog, RuleSet rules, string ruleRoot)
        {
            var tagged = new Dictionary<string, List<CoveringRule>>(StringComparer.Ordinal);
            foreach (SigmaRule rule in rules.Rules)
            {
                var covering = new CoveringRule(RelativeFile(ruleRoot, rule.SourceFile), rule.Variant,
                    string.Equals(rule.Product, "linux", StringComparison.OrdinalIgnoreCase) ? AttackPlatform.Linux : AttackPlatform.Windows);
                foreach (string technique in rule.Techniques)
                {
                    if (!tagged.TryGetValue(technique, out List<CoveringRule>? list))
                    {
                        tagged.Add(technique, list = new List<CoveringRule>());
                    }

                    list.Add(covering);
                }
            }

            var rows = new List<TechniqueCoverage>();
            foreach (AttackTechnique technique in catalog.Techniques)
            {
                IReadOnlyList<CoveringRule> direct = Sorted(tagged.TryGetValue(technique.Id, out List<CoveringRule>? own) ? own : new List<CoveringRule>());
                var platforms = new HashSet<AttackPlatform>(direct.Select(r => r.Platform));
                var subs = new List<string>();
                if (!technique.IsSubTechnique)
                {
                    foreach (AttackTechnique sub in catalog.SubTechniquesOf(technique))
                    {
                        if (tagged.TryGetValue(sub.Id, out List<CoveringRule>? subRules))
                        {
                            subs.Add(sub.Id);
                            platforms.UnionWith(subRules.Select(r => r.Platform));
                        }
                    }
                }

                rows.Add(new TechniqueCoverage(technique, direct, subs, platforms.OrderBy(p => p).ToList()));
            }

            var unknown = tagged.Where(t => catalog.Find(t.Key) is null)
                .OrderBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => new UnknownTechnique(t.Key, t.Value.Select(r => r.File).Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList()))
                .ToList();
            return new CoverageReport(rows, unknown);
        }

        /// <summary>The report as the markdown of <c>docs/coverage.md</c>: deterministic, <c>\n</c> line ends.</summary>
        public string ToMarkdown()
        {
            var md = new StringBuilder();
            md.Append("<!-- Generated file, do not edit: ").Append(RegenerateCommand).Append(" -->\n");
            md.Append("# ATT&CK coverage of the built-in rules\n\n");
            md.Append("Generated by `behaviorblock rules coverage` from the technique catalog `docs/attack/techniques.tsv` ")
                .Append("(what it lists and why: `docs/attack/README.md`) and the built-in rule pack `module/rules/`. ")
                .Append("Regenerate it after changing either, from the repository root:\n\n");
            md.Append("```\n").Append(RegenerateCommand).Append("\n```\n\n");
            md.Append("A technique is *observable* when at least one log source this product reads can show it, and *covered* when a rule ")
                .Append("tags it (`attack.tNNNN`); a parent technique is also covered when a rule tags one of its sub-techniques. ")
                .Append("Percentages are covered observable techniques per observable technique. A platform's columns count the rows for ")
                .Append("that platform that its logs can show and its rules (`product: linux` for Linux) cover.\n\n");

            md.Append("## Summary\n\n");
            md.Append("| tactic | techniques | observable | covered | % | Windows observable | Windows covered | Windows % | Linux observable | Linux covered | Linux % |\n");
            md.Append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            foreach (TacticCoverage tactic in Tactics)
            {
                SummaryRow(md, tactic.Tactic.ToString(), tactic.All, tactic.Windows, tactic.Linux);
            }

            SummaryRow(md, "**all** (each technique once)", Overall, Windows, Linux);
            md.Append('\n');
            md.Append("Observable-technique coverage: **").Append(Count(Overall.Covered)).Append(" of ").Append(Count(Overall.Observable))
                .Append(" (").Append(Percent(Overall)).Append(")**; ").Append(Count(Overall.Rows - Overall.Observable))
                .Append(" of the ").Append(Count(Overall.Rows)).Append(" techniques are not observable in these logs.\n");

            if (UnknownTechniques.Count > 0)
            {
                md.Append("\n## Tagged techniques missing from the catalog\n\n");
                md.Append("| technique | rules |\n|---|---|\n");
                foreach (UnknownTechnique unknown in UnknownTechniques)
                {
                    md.Append("| ").Append(unknown.Id).Append(" | ").Append(string.Join(", ", unknown.Files.Select(f => "`" + f + "`"))).Append(" |\n");
                }
            }

            foreach (TacticCoverage tactic in Tactics)
            {
                md.Append("\n## ").Append(tactic.Tactic.ToString()).Append("\n\n");
                md.Append("| technique | name | platforms | sources | rules (variants) | status |\n|---|---|---|---|---|---|\n");
                foreach (TechniqueCoverage row in Techniques.Where(t => t.Technique.Tactics.Contains(tactic.Tactic)))
                {
                    AttackTechnique t = row.Technique;
                    md.Append("| ").Append(t.Id)
                        .Append(" | ").Append(Cell(t.Name))
                        .Append(" | ").Append(string.Join(", ", t.Platforms))
                        .Append(" | ").Append(t.IsObservable ? string.Join(", ", t.Sources) : "-")
                        .Append(" | ").Append(RulesCell(row))
                        .Append(" | ").Append(StatusText(row.Status))
                        .Append(" |\n");
                }
            }

            return md.ToString();
        }

        /// <summary>The words the report uses for <paramref name="status"/>.</summary>
        public static string StatusText(CoverageStatus status) => status switch
        {
            CoverageStatus.Covered => "covered",
            CoverageStatus.NotCovered => "not covered",
            _ => "not observable in these logs",
        };

        private static CoverageTotals Totals(IReadOnlyCollection<TechniqueCoverage> rows, AttackPlatform? platform)
        {
            if (platform is AttackPlatform p)
            {
                var forPlatform = rows.Where(r => r.Technique.Platforms.Contains(p)).ToList();
                var visible = forPlatform.Where(r => r.Technique.IsObservableOn(p)).ToList();
                return new CoverageTotals(forPlatform.Count, visible.Count, visible.Count(r => r.CoveredOn.Contains(p)));
            }

            var observable = rows.Where(r => r.Technique.IsObservable).ToList();
            return new CoverageTotals(rows.Count, observable.Count, observable.Count(r => r.IsCovered));
        }

        private static IReadOnlyList<CoveringRule> Sorted(List<CoveringRule> rules) =>
            rules.GroupBy(r => r.File, StringComparer.Ordinal).Select(g => g.First()).OrderBy(r => r.File, StringComparer.Ordinal).ToList();

        private static string RelativeFile(string root, string file)
        {
            string relative = Directory.Exists(root) ? Path.GetRelativePath(root, file) : Path.GetFileName(file);
            return relative.Replace(Path.DirectorySeparatorChar, '/');
        }

        private static void SummaryRow(StringBuilder md, string label, CoverageTotals all, CoverageTotals windows, CoverageTotals linux)
        {
            md.Append("| ").Append(label)
                .Append(" | ").Append(Count(all.Rows))
                .Append(" | ").Append(Count(all.Observable)).Append(" | ").Append(Count(all.Covered)).Append(" | ").Append(Percent(all))
                .Append(" | ").Append(Count(windows.Observable)).Append(" | ").Append(Count(windows.Covered)).Append(" | ").Append(Percent(windows))
                .Append(" | ").Append(Count(linux.Observable)).Append(" | ").Append(Count(linux.Covered)).Append(" | ").Append(Percent(linux))
                .Append(" |\n");
        }

        private static string RulesCell(TechniqueCoverage row)
        {
            var parts = row.Rules.Select(r => "`" + r.File + "` (" + r.Variant + ")").ToList();
            if (row.CoveredSubTechniques.Count > 0)
            {
                parts.Add("via " + string.Join(", ", row.CoveredSubTechniques));
            }

            return parts.Count == 0 ? "-" : string.Join(", ", parts);
        }

        private static string Cell(string text) => text.Replace("|", "\\|");

        private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

        private static string Percent(CoverageTotals totals) =>
            totals.Observable == 0 ? "-" : totals.Percent.ToString("0.0", CultureInfo.InvariantCulture) + "%";
    }
}
