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
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.Rules
{
    /// <summary>The built-in pack: every rule loads, has both fixtures, matches its match fixture and not its benign one.</summary>
    public class RulePackTests
    {
        private static readonly string RulesDir = Path.Combine(TestPaths.RepositoryRoot, "module", "rules");
        private static readonly string FixturesDir = Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "rules");
        private static readonly Lazy<RuleSet> Pack = new Lazy<RuleSet>(() => RuleSet.Load(new[] { new RuleSource(RulesDir, "builtin") }));

        public static IEnumerable<object[]> RuleFiles() =>
            Directory.EnumerateFiles(RulesDir, "*.yml").Select(f => new object[] { Path.GetFileNameWithoutExtension(f) }).OrderBy(o => (string)o[0], StringComparer.Ordinal);

        [Fact]
        public void Pack_LoadsEveryRuleWithoutSkips()
        {
            Assert.Empty(Pack.Value.Skipped.Select(s => s.ToString()));
            Assert.True(Pack.Value.Rules.Count >= 100, $"the pack has {Pack.Value.Rules.Count} rules");
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
                Assert.StartsWith(FilePrefix(rule.Tactic) + "_", Path.GetFileName(rule.SourceFile), StringComparison.Ordinal);
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
            var stems = new HashSet<string>(Directory.EnumerateFiles(RulesDir, "*.yml").Select(Path.GetFileNameWithoutExtension)!, StringComparer.Ordinal);
            foreach (string fixture in Directory.EnumerateFiles(FixturesDir))
            {
                string name = Path.GetFileName(fixture);
                string stem = name.EndsWith(".match.jsonl", StringComparison.Ordinal) ? name[..^".match.jsonl".Length]
                    : name.EndsWith(".benign.jsonl", StringComparison.Ordinal) ? name[..^".benign.jsonl".Length] : name;
                Assert.True(stems.Contains(stem), $"fixture {name} has no rule module/rules/{stem}.yml");
            }
        }

        [Theory]
        [MemberData(nameof(RuleFiles))]
        public void Rule_MatchesItsMatchFixtureAndNotItsBenignOne(string stem)
        {
            SigmaRule rule = Assert.Single(Pack.Value.Rules, r => Path.GetFileNameWithoutExtension(r.SourceFile) == stem);
            string match = Path.Combine(FixturesDir, stem + ".match.jsonl");
            string benign = Path.Combine(FixturesDir, stem + ".benign.jsonl");
            Assert.True(File.Exists(match), $"missing {match}");
            Assert.True(File.Exists(benign), $"missing {benign}");

            Assert.True(MatchCount(rule, match) > 0, $"{stem} does not match its match fixture");
            Assert.Equal(0, MatchCount(rule, benign));
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
