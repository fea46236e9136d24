using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using BehaviorBlocking.Fuzz;
using BehaviorBlocking.Fuzz.Targets;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Fuzz
{
    /// <summary>
    /// Every fuzz target over its seed corpus and over the inputs the fuzzer once found
    /// (tests/fuzz/regressions/TARGET): none may crash, hang or break an invariant. A crash found by
    /// tests/BehaviorBlocking.Fuzz/fuzz.sh becomes a file in that folder once fixed.
    /// </summary>
    public sealed class FuzzCorpusTests : IDisposable
    {
        private static readonly TimeSpan s_inputTimeout = TimeSpan.FromSeconds(30);
        private static readonly FixtureRoot s_root = new FixtureRoot(TestPaths.RepositoryRoot);

        /// <summary>The rule and replay targets write each input to a work folder; leave none behind.</summary>
        public void Dispose() => WorkFiles.Clean();

        public static TheoryData<string> Targets()
        {
            var data = new TheoryData<string>();
            foreach (FuzzTarget target in FuzzTargets.All)
            {
                data.Add(target.Name);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void Seeds_EveryInput_PassesTheTarget(string name)
        {
            FuzzTarget target = FuzzTargets.Find(name)!;
            List<FuzzSeed> seeds = target.Seeds(s_root).ToList();

            Assert.True(seeds.Count >= 5, $"{name} has only {seeds.Count} seeds");
            AssertAllPass(target, seeds.Select(s => (s.Name, s.Content)));
        }

        [Theory]
        [MemberData(nameof(Targets))]
        public void Regressions_EveryFoundInput_PassesTheTarget(string name)
        {
            FuzzTarget target = FuzzTargets.Find(name)!;
            string folder = s_root.Regressions(name);
            var inputs = Directory.Exists(folder)
                ? Directory.GetFiles(folder).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).ToList()
                : new List<string>();

            AssertAllPass(target, inputs.Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))));
        }

        [Fact]
        public void Corpus_FoldersNameRegisteredTargets()
        {
            foreach (string kind in new[] { "regressions", "seeds" })
            {
                string folder = Path.Combine(TestPaths.RepositoryRoot, "tests", "fuzz", kind);
                foreach (string sub in Directory.Exists(folder) ? Directory.GetDirectories(folder) : Array.Empty<string>())
                {
                    Assert.True(FuzzTargets.Find(Path.GetFileName(sub)) is not null, $"tests/fuzz/{kind}/{Path.GetFileName(sub)} names no fuzz target, so nothing runs it");
                }
            }
        }

        [Fact]
        public void Targets_HaveUniqueFolderSafeNamesAndExistingDictionaries()
        {
            Assert.Equal(FuzzTargets.All.Count, FuzzTargets.All.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
            foreach (FuzzTarget target in FuzzTargets.All)
            {
                Assert.Matches("^[a-z][a-z0-9-]*$", target.Name);
                Assert.NotEmpty(target.Dictionaries);
                foreach (string dictionary in target.Dictionaries)
                {
                    Assert.True(File.Exists(s_root.Dictionary(dictionary)), $"{target.Name} names dictionary {dictionary}, which does not exist");
                }
            }
        }

        [Theory]
        [InlineData("jsonl")]
        [InlineData("eventxml")]
        [InlineData("sigma")]
        [InlineData("policy")]
        public void Dictionaries_AreValidAflDictionaries(string name)
        {
            // afl-fuzz refuses to start on a malformed dictionary line, and drops tokens over 128 bytes.
            var entry = new Regex(@"^[A-Za-z0-9_]+=""((?:[^""\\]|\\\\|\\""|\\x[0-9a-fA-F]{2})+)""$");
            string[] lines = File.ReadAllLines(s_root.Dictionary(name));
            int tokens = 0;
            foreach (string line in lines.Where(l => l.Trim().Length > 0 && !l.StartsWith("#", StringComparison.Ordinal)))
            {
                Match m = entry.Match(line);
                Assert.True(m.Success, $"{name}.dict: '{line}' is not name=\"value\" with \\\\, \\\" or \\xNN escapes");
                int length = Regex.Replace(m.Groups[1].Value, @"\\x[0-9a-fA-F]{2}|\\\\|\\""", "#").Length;
                Assert.True(length <= 128, $"{name}.dict: '{line}' is longer than afl's 128-byte token limit");
                tokens++;
            }

            Assert.True(tokens >= 20, $"{name}.dict has only {tokens} tokens");
        }

        [Theory]
        [InlineData("jsonl")]
        [InlineData("eventxml")]
        [InlineData("normalizer")]
        [InlineData("replay")]
        public void Seeds_RecordInputs_AreSmallAndCleanRecordings(string name)
        {
            // A seed the reader half refuses teaches afl little: every record of every seed must read.
            foreach (FuzzSeed seed in FuzzTargets.Find(name)!.Seeds(s_root))
            {
                Assert.True(seed.Content.Length <= SeedCorpus.MaxSeedBytes, $"{name}/{seed.Name} is {seed.Content.Length} bytes");
                var records = ReaderTargets.ReadChecked(seed.Content, seed.Name.EndsWith(".xml", StringComparison.Ordinal) ? "seed.xml" : "seed.input",
                    oneRecordPerLine: false, out List<ReplayProblem> problems);
                Assert.True(records.Count > 0, $"{name}/{seed.Name} has no record");
                Assert.True(problems.Count == 0, $"{name}/{seed.Name}: {string.Join("; ", problems)}");
            }
        }

        [Fact]
        public void Seeds_Rules_LoadWithoutSkipsAndCoverTheRulePacksModifiers()
        {
            using var dir = new TempDirectory();
            List<FuzzSeed> seeds = FuzzTargets.Find("rules")!.Seeds(s_root).ToList();
            var loaded = new List<SigmaRule>();
            foreach (FuzzSeed seed in seeds)
            {
                Assert.True(seed.Content.Length <= SeedCorpus.MaxSeedBytes, $"rules/{seed.Name} is {seed.Content.Length} bytes");
                string file = dir.Combine(seed.Name);
                File.WriteAllBytes(file, seed.Content);
                RuleSet rules = RuleSet.Load(new[] { new RuleSource(file, "seed") });
                if (rules.Skipped.Count > 0 && rules.Skipped.All(i => i.Reason.Contains("which is not loaded", StringComparison.Ordinal)))
                {
                    // A correlation of the pack that counts rules of other files: it loads beside them.
                    RuleSet withPack = RuleSet.Load(new[] { new RuleSource(s_root.RulePack, "builtin") });
                    Assert.DoesNotContain(withPack.Skipped, i => Path.GetFileName(i.File) == seed.Name);
                    loaded.AddRange(rules.Rules);
                    continue;
                }

                Assert.True(rules.Skipped.Count == 0, $"rules/{seed.Name}: {string.Join("; ", rules.Skipped)}");
                Assert.NotEmpty(rules.Rules);
                loaded.AddRange(rules.Rules);
            }

            Assert.Contains(loaded, r => r.Kind == RuleKind.Correlation);
            string corpus = string.Join("\n", seeds.Select(s => Encoding.UTF8.GetString(s.Content)));
            foreach (string file in Directory.GetFiles(s_root.RulePack, "*.yml", SearchOption.AllDirectories))
            {
                foreach (Match m in Regex.Matches(File.ReadAllText(file), @"^[\s-]*[\w.]+((?:\|\w+)+)\s*:", RegexOptions.Multiline))
                {
                    foreach (string modifier in m.Groups[1].Value.Split('|', StringSplitOptions.RemoveEmptyEntries))
                    {
                        Assert.True(corpus.Contains("|" + modifier, StringComparison.Ordinal), $"no rule seed uses the modifier |{modifier} of {Path.GetFileName(file)}");
                    }
                }
            }
        }

        [Fact]
        public void Runner_DocumentedRefusals_PassAndCountAsProblems()
        {
            FuzzTarget jsonl = FuzzTargets.Find("jsonl")!;
            byte[] input = Encoding.UTF8.GetBytes("{not json\n[1]\n{\"Channel\": \"Security\"}\n" + new string('x', ReaderTargets.MaxRecordBytes + 10) + "\n");

            FuzzOutcome outcome = FuzzRunner.Execute(jsonl, input, s_inputTimeout);
            ReaderTargets.ReadChecked(input, "fuzz.jsonl", oneRecordPerLine: true, out List<ReplayProblem> problems);

            Assert.Equal(FuzzVerdict.Passed, outcome.Verdict);
            Assert.Equal(new[] { "RecordMalformed", "RecordMalformed", "RecordMalformed", "RecordTooLarge" }, problems.Select(p => p.ErrorId));
            Assert.Equal(new long[] { 1, 2, 3, 4 }, problems.Select(p => p.Line));
        }

        [Fact]
        public void Runner_UndocumentedException_IsACrashNamingTypeAndFrame()
        {
            var target = new FuzzTarget("throws", "test", input => _ = new Dictionary<string, int>()[Encoding.UTF8.GetString(input)], _ => Array.Empty<FuzzSeed>());

            FuzzOutcome outcome = FuzzRunner.Execute(target, Encoding.UTF8.GetBytes("missing"), s_inputTimeout);

            Assert.Equal(FuzzVerdict.Crashed, outcome.Verdict);
            Assert.IsType<KeyNotFoundException>(outcome.Exception);
            Assert.StartsWith("System.Collections.Generic.KeyNotFoundException: ", outcome.Describe());
            Assert.Contains("(at ", outcome.Describe());
        }

        [Fact]
        public void Runner_BrokenInvariantAndHang_AreFindings()
        {
            var broken = new FuzzTarget("broken", "test", _ => FuzzInvariantException.That(false, "lines go backwards"), _ => Array.Empty<FuzzSeed>());
            using var release = new ManualResetEventSlim();
            var hangs = new FuzzTarget("hangs", "test", _ => release.Wait(), _ => Array.Empty<FuzzSeed>());

            FuzzOutcome invariant = FuzzRunner.Execute(broken, Array.Empty<byte>(), s_inputTimeout);
            FuzzOutcome hang = FuzzRunner.Execute(hangs, Array.Empty<byte>(), TimeSpan.FromMilliseconds(200));
            release.Set();

            Assert.Equal(FuzzVerdict.Crashed, invariant.Verdict);
            Assert.Equal("invariant broken: lines go backwards", invariant.Describe());
            Assert.Equal(FuzzVerdict.Hung, hang.Verdict);
            Assert.StartsWith("still running after ", hang.Describe());
        }

        private static void AssertAllPass(FuzzTarget target, IEnumerable<(string Name, byte[] Content)> inputs)
        {
            var failures = new List<string>();
            foreach ((string name, byte[] content) in inputs)
            {
                FuzzOutcome outcome = FuzzRunner.Execute(target, content, s_inputTimeout);
                if (outcome.Verdict != FuzzVerdict.Passed)
                {
                    failures.Add($"{target.Name}/{name}: {outcome.Describe()}");
                    if (outcome.Verdict == FuzzVerdict.Hung)
                    {
                        break;
                    }
                }
            }

            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
    }
}
