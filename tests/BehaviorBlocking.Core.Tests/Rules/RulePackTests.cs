using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.Rules
{
    /// <summary>The built-in pack: every rule loads, has both fixtures, matches its match fixture and not its benign one.</summary>
    public class RulePackTests
    {
        private static readonly string RulesDir = Path.Combine(TestPaths.RepositoryRoot, "module", "rules");
        private static readonly string FixturesDir = Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "rules");
        private static readonly Lazy<RuleSet> Pack = new Lazy<RuleSet>(() => RuleSet.Load(new[] { new RuleSource(RulesDir, "builtin") }));

        /// <summary>Rules by their path below module/rules without the extension, with '/' (<c>linux/execution_...</c> for the Linux pack).</summary>
        public static IEnumerable<object[]> RuleFiles() =>
            Stems().Select(stem => new object[] { stem }).OrderBy(o => (string)o[0], StringComparer.Ordinal);

        private static IEnumerable<string> Stems() =>
            Directory.EnumerateFiles(RulesDir, "*.yml", SearchOption.AllDirectories).Select(f => StemOf(RulesDir, f, ".yml"));

        private static string StemOf(string root, string file, string suffix)
        {
            string relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            return relative.EndsWith(suffix, StringComparison.Ordinal) ? relative[..^suffix.Length] : relative;
        }

        private static bool IsLinuxStem(string stem) => stem.StartsWith("linux/", StringComparison.Ordinal);

        [Fact]
        public void Pack_LoadsEveryRuleWithoutSkips()
        {
            Assert.Empty(Pack.Value.Skipped.Select(s => s.ToString()));
            Assert.True(Pack.Value.Rules.Count >= 100, $"the pack has {Pack.Value.Rules.Count} rules");
            Assert.True(Pack.Value.Rules.Count(r => r.Product == "linux") >= 40, "the Linux pack has fewer than 40 rules");
        }

        [Fact]
        public void Pack_LinuxRulesLiveInTheLinuxFolderAndNoOtherRuleIsLinux()
        {
            foreach (SigmaRule rule in Pack.Value.Rules)
            {
                string stem = StemOf(RulesDir, rule.SourceFile, ".yml");
                Assert.True(IsLinuxStem(stem) == (rule.Product == "linux"), $"{stem}: product {rule.Product ?? "(none)"}");
                Assert.False(IsLinuxStem(stem) && rule.Category is null, $"{stem}: a Linux rule needs a category the sensors feed");
            }
        }

        [Fact]
        public void Pack_LinuxVariantsAreTheirOwn()
        {
            // A Linux rule's variant names one Linux behavior: no other rule, of either platform, shares it.
            var duplicates = Pack.Value.Rules.GroupBy(r => r.Variant, StringComparer.OrdinalIgnoreCase)
                .Where(g => g.Count() > 1 && g.Any(r => r.Product == "linux"))
                .Select(g => g.Key + ": " + string.Join(", ", g.Select(r => Path.GetFileName(r.SourceFile))));
            Assert.Empty(duplicates);
        }

        [Fact]
        public void Fixtures_OfLinuxRulesAreLinuxRecordsAndOfOtherRulesAreNot()
        {
            foreach (string fixture in Directory.EnumerateFiles(FixturesDir, "*.jsonl", SearchOption.AllDirectories))
            {
                bool linux = IsLinuxStem(StemOf(FixturesDir, fixture, ".jsonl"));
                foreach (BehaviorEvent e in Events(fixture))
                {
                    Assert.True((e.Platform == DetectionPlatform.Linux) == linux, $"{fixture} line {e.SourceLine}: {e.Channel}");
                    if (linux)
                    {
                        Assert.Equal(LinuxEvents.Channel, e.Channel);
                        Assert.NotNull(e.GetField(LinuxEvents.UtcTime));
                    }
                }
            }
        }

        [Fact]
        public void Pack_WindowsRulesNeverMatchLinuxFixturesAndLinuxRulesNeverMatchWindowsFixtures()
        {
            var detector = new RuleDetector(Pack.Value);
            var pipeline = new BehaviorPipeline(new IDetector[] { detector }, _ => { });
            long[] before = new long[Pack.Value.Rules.Count];
            foreach (string fixture in Directory.EnumerateFiles(FixturesDir, "*.jsonl", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                bool linux = IsLinuxStem(StemOf(FixturesDir, fixture, ".jsonl"));
                foreach (BehaviorEvent e in Events(fixture))
                {
                    pipeline.Process(e);
                }

                foreach (RuleStatistics stat in detector.Statistics())
                {
                    int i = IndexOf(stat.Rule);
                    if (stat.Matches > before[i])
                    {
                        Assert.True((stat.Rule.Product == "linux") == linux, $"{Path.GetFileName(stat.Rule.SourceFile)} matched {Path.GetFileName(fixture)}");
                        before[i] = stat.Matches;
                    }
                }
            }
        }

        [Fact]
        public void LinuxMatchFixtures_EveryEventMatchesAndRaisesALinuxDetectionNamedAfterTheRule()
        {
            var failures = new List<string>();
            foreach (string stem in Stems().Where(IsLinuxStem).OrderBy(s => s, StringComparer.Ordinal))
            {
                SigmaRule rule = RuleOf(stem);
                var detections = new List<Detection>();
                var pipeline = new BehaviorPipeline(new IDetector[] { new RuleDetector(Pack.Value) }, detections.Add);
                foreach (BehaviorEvent e in Events(Path.Combine(FixturesDir, stem + ".match.jsonl")))
                {
                    pipeline.Process(e);
                    if (!RuleTestKit.Matches(Pack.Value, e).Contains(rule.Id))
                    {
                        failures.Add($"{stem}: line {e.SourceLine} of its match fixture does not match");
                    }
                }

                pipeline.EndRecording();
                string expected = DetectionName.Format(DetectionPlatform.Linux, rule.Tactic, rule.Variant, VerdictSource.Rule);
                // Named after the rule, or, where a stronger rule of the same tactic sees the same tree, carrying it as evidence.
                if (!detections.Any(d => d.Name == expected
                    || (d.Tactic == rule.Tactic && d.Name.StartsWith("Behavior:Linux/", StringComparison.Ordinal) && d.Evidence.Any(ev => ev.Kind == "rule" && ev.Id == rule.Id))))
                {
                    failures.Add($"{stem}: no {expected} among {string.Join(", ", detections.Select(d => d.Name).Distinct())}");
                }

                failures.AddRange(detections.Where(d => !d.Name.StartsWith("Behavior:Linux/", StringComparison.Ordinal)).Select(d => $"{stem}: {d.Name}"));
            }

            Assert.Empty(failures);
        }

        /// <summary>
        /// The rule a file stands for: its one detection rule, or, in a file that pairs evidence rules with a
        /// correlation (a burst, a sequence), the correlation: that is what its fixtures must raise or not.
        /// </summary>
        private static SigmaRule RuleOf(string stem)
        {
            List<SigmaRule> rules = Pack.Value.Rules.Where(r => StemOf(RulesDir, r.SourceFile, ".yml") == stem).ToList();
            List<SigmaRule> correlations = rules.Where(r => r.Kind == RuleKind.Correlation).ToList();
            return correlations.Count > 0 ? Assert.Single(correlations) : Assert.Single(rules);
        }

        private static int IndexOf(SigmaRule rule)
        {
            IReadOnlyList<SigmaRule> rules = Pack.Value.Rules;
            for (int i = 0; i < rules.Count; i++)
            {
                if (ReferenceEquals(rules[i], rule))
                {
                    return i;
                }
            }

            throw new InvalidOperationException("rule not in the pack");
        }

        private static List<BehaviorEvent> Events(string fixture)
        {
            var events = new List<BehaviorEvent>();
            var problems = new List<ReplayProblem>();
            var normalizer = new WindowsEventNormalizer();
            using (FileStream stream = File.OpenRead(fixture))
            {
                IRecordReader reader = ReplayInputs.Open(stream, fixture, problems.Add, new Utf8StringCache(), 1 << 20);
                for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                {
                    events.Add(normalizer.Normalize(record));
                }
            }

            Assert.Empty(problems.Select(p => p.ToString()));
            return events;
        }

        [Fact]
        public void Pack_EveryTacticHasAtLeastSixRules()
        {
            var perTactic = Pack.Value.Rules.GroupBy(r => r.Tactic).ToDictionary(g => g.Key, g => g.Count());
            foreach (Tactic tactic in Enum.GetValues(typeof(Tactic)).Cast<Tactic>().Where(t => t != Tactic.Generic))
            {
                Assert.True(perTactic.TryGetValue(tactic, out int n) && n >= 6, $"{tactic} has {n} rules");
            }
        }

        [Fact]
        public void Pack_IdsAndVariantsFollowTheContract()
        {
            foreach (SigmaRule rule in Pack.Value.Rules)
            {
                Assert.True(Guid.TryParse(rule.Id, out _), $"{rule.SourceFile}: id is not a UUID");
                Assert.True(Path.GetFileName(rule.SourceFile).StartsWith(FilePrefix(rule.Tactic) + "_", StringComparison.Ordinal),
                    $"{rule.SourceFile} is not named after its tactic {FilePrefix(rule.Tactic)}");
                Assert.NotEmpty(rule.Techniques);
                Assert.False(rule.Variant.StartsWith("R", StringComparison.Ordinal) && rule.Variant.Length == 9 && rule.Variant == RuleCompiler.DeriveVariant(rule.Id),
                    $"{rule.SourceFile}: no behaviorblocking.variant");
            }
        }

        [Fact]
        public void DetectionsDoc_ListsEveryVariantOfThePack()
        {
            string doc = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "detections.md"));
            foreach (SigmaRule rule in Pack.Value.Rules)
            {
                Assert.True(doc.Contains("| `" + rule.Variant + "` |", StringComparison.Ordinal),
                    $"docs/detections.md lacks {rule.Variant} ({Path.GetFileName(rule.SourceFile)}); run python3 tools/docs/detections.py");
            }
        }

        [Fact]
        public void Fixtures_EachBelongsToARule()
        {
            var stems = new HashSet<string>(Stems(), StringComparer.Ordinal);
            foreach (string fixture in Directory.EnumerateFiles(FixturesDir, "*", SearchOption.AllDirectories))
            {
                string name = StemOf(FixturesDir, fixture, string.Empty);
                string stem = name;
                foreach (string kind in new[] { ".match.jsonl", ".variant.jsonl", ".benign.jsonl" })
                {
                    if (name.EndsWith(kind, StringComparison.Ordinal))
                    {
                        stem = name[..^kind.Length];
                        break;
                    }
                }

                Assert.True(stems.Contains(stem), $"fixture {name} has no rule module/rules/{stem}.yml");
            }
        }

        [Theory]
        [MemberData(nameof(RuleFiles))]
        public void Rule_MatchesItsMatchAndVariantFixturesAndNotItsBenignOne(string stem)
        {
            SigmaRule rule = RuleOf(stem);
            string match = Path.Combine(FixturesDir, stem + ".match.jsonl");
            string variant = Path.Combine(FixturesDir, stem + ".variant.jsonl");
            string benign = Path.Combine(FixturesDir, stem + ".benign.jsonl");
            Assert.True(File.Exists(match), $"missing {match}");
            Assert.True(File.Exists(variant), $"missing {variant} (the same behavior spelled differently from the match fixture)");
            Assert.True(File.Exists(benign), $"missing {benign}");

            Assert.True(MatchCount(rule, match) > 0, $"{stem} does not match its match fixture");
            Assert.True(MatchCount(rule, variant) > 0, $"{stem} does not match its variant fixture");
            Assert.Equal(0, MatchCount(rule, benign));

            // A variant is another spelling of the behavior: no event of it may repeat one of the match fixture.
            var matchLines = new HashSet<string>(File.ReadLines(match).Select(l => l.Trim()).Where(l => l.Length > 0), StringComparer.Ordinal);
            string[] repeated = File.ReadLines(variant).Select(l => l.Trim()).Where(matchLines.Contains).ToArray();
            Assert.True(repeated.Length == 0, $"{stem}: {repeated.Length} event(s) of the variant fixture repeat the match fixture");
        }

        private static long MatchCount(SigmaRule rule, string fixture)
        {
            var detector = new RuleDetector(Pack.Value);
            var pipeline = new BehaviorPipeline(new IDetector[] { detector }, _ => { });
            var problems = new List<ReplayProblem>();
            var normalizer = new WindowsEventNormalizer();
            using (FileStream stream = File.OpenRead(fixture))
            {
                IRecordReader reader = ReplayInputs.Open(stream, fixture, problems.Add, new Utf8StringCache(), 1 << 20);
                for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                {
                    pipeline.Process(normalizer.Normalize(record));
                }
            }

            Assert.Empty(problems.Select(p => p.ToString()));
            pipeline.EndRecording();
            return detector.Statistics().Single(s => s.Rule.Id == rule.Id).Matches;
        }

        private static string FilePrefix(Tactic tactic) => tactic switch
        {
            Tactic.InitialAccess => "initial_access",
            Tactic.PrivilegeEscalation => "privilege_escalation",
            Tactic.DefenseEvasion => "defense_evasion",
            Tactic.CredentialAccess => "credential_access",
            Tactic.LateralMovement => "lateral_movement",
            Tactic.CommandAndControl => "command_and_control",
            _ => tactic.ToString().ToLowerInvariant(),
        };
    }
}
