using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.Rules
{
    public class PrefilterTests
    {
        [Fact]
        public void NeedleAutomaton_FindsEveryLiteralIndexOfFinds()
        {
            var random = new Random(7);
            const string alphabet = "abcAB\\.-_ :x1ü";
            string Word(int max) => new string(Enumerable.Range(0, 1 + random.Next(max)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            for (int round = 0; round < 200; round++)
            {
                string[] needles = Enumerable.Range(0, 1 + random.Next(12)).Select(_ => Word(5)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
                var automaton = new NeedleAutomaton(needles.Select((n, i) => new KeyValuePair<string, int>(n.ToLowerInvariant(), i)).ToList());
                for (int t = 0; t < 20; t++)
                {
                    string text = Word(40);
                    int[] found = new int[needles.Length];
                    automaton.Scan(text, found, stamp: 1);
                    for (int i = 0; i < needles.Length; i++)
                    {
                        if (text.IndexOf(needles[i], StringComparison.OrdinalIgnoreCase) >= 0)
                        {
                            Assert.True(found[i] == 1, $"'{needles[i]}' is in '{text}' but was not reported");
                        }
                    }
                }
            }
        }

        [Fact]
        public void NeedleAutomaton_ReportsOnlyLiteralsPresentForPlainAscii()
        {
            var automaton = new NeedleAutomaton(new[] { new KeyValuePair<string, int>("lsass", 0), new KeyValuePair<string, int>("\\run\\", 1), new KeyValuePair<string, int>("sass.e", 2) });
            int[] found = new int[3];

            automaton.Scan(@"C:\Windows\System32\LSASS.EXE", found, 5);

            Assert.Equal(new[] { 5, 0, 5 }, found);
        }

        [Fact]
        public void Plans_NeverSkipARuleThatMatches_OnEveryPackFixtureEvent()
        {
            string root = TestPaths.RepositoryRoot;
            RuleSet pack = RuleSet.Load(new[] { new RuleSource(Path.Combine(root, "module", "rules"), "builtin") });
            var normalizer = new WindowsEventNormalizer();
            int checkedEvents = 0;
            foreach (string fixture in Directory.EnumerateFiles(Path.Combine(root, "tests", "data", "rules"), "*.jsonl", SearchOption.AllDirectories))
            {
                using FileStream stream = File.OpenRead(fixture);
                IRecordReader reader = ReplayInputs.Open(stream, fixture, _ => { }, new Utf8StringCache(), 1 << 20);
                for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                {
                    BehaviorEvent e = normalizer.Normalize(record);
                    checkedEvents++;
                    CandidateLists lists = pack.Candidates(e);
                    foreach (CandidatePlan? plan in new[] { lists.ById, lists.Any })
                    {
                        if (plan is null)
                        {
                            continue;
                        }

                        int[] found = new int[plan.NeedleCount];
                        plan.Scan(e, found, 1);
                        for (int i = 0; i < plan.Entries.Length; i++)
                        {
                            if (Matches(plan.Entries[i].Rule, e))
                            {
                                Assert.True(plan.MayMatch(i, found, 1), $"{plan.Entries[i].Rule.Rule.Title} matches {Path.GetFileName(fixture)} but its prefilter skipped it");
                            }
                        }
                    }
                }
            }

            Assert.True(checkedEvents > 400);
        }

        // A regex past its wall-clock timeout on a machine under load says nothing about the prefilter: try again.
        private static bool Matches(CompiledRule rule, BehaviorEvent e)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return rule.Condition.IsMatch(e);
                }
                catch (RuleRegexTimeoutException) when (attempt < 5)
                {
                }
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(512)]
        public void NeedleAutomaton_PastTheDenseStates_StillFindsEveryLiteral(int maxDense)
        {
            var random = new Random(13 + maxDense);
            const string alphabet = "abcdefgh\\.-_ 01ü";
            string Word(int length) => new string(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            string[] needles = Enumerable.Range(0, 2000).Select(_ => Word(3 + random.Next(10))).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            var automaton = new NeedleAutomaton(needles.Select((n, i) => new KeyValuePair<string, int>(n.ToLowerInvariant(), i)).ToList(), maxDense);
            Assert.True(automaton.States > 10 * maxDense, $"{automaton.States} states");
            Assert.Equal(maxDense, automaton.DenseStates);

            for (int t = 0; t < 300; t++)
            {
                // Texts made of pieces of needles reach the deep (sparse) states and fall back from them.
                string text = string.Concat(Enumerable.Range(0, 8).Select(_ =>
                {
                    string n = needles[random.Next(needles.Length)];
                    return random.Next(3) == 0 ? n.ToUpperInvariant() : n.Substring(0, 1 + random.Next(n.Length));
                }));
                int[] found = new int[needles.Length + 3];
                automaton.Scan(text, found, stamp: 1, offset: 3);
                for (int i = 0; i < needles.Length; i++)
                {
                    if (text.IndexOf(needles[i], StringComparison.OrdinalIgnoreCase) >= 0)
                    {
                        Assert.True(found[i + 3] == 1, $"'{needles[i]}' is in '{text}' but was not reported");
                    }
                }
            }
        }

        [Fact]
        public void AutomatonCache_SharesOutTheSetsRowBudgetAndAutomataPastItStillWork()
        {
            var cache = new AutomatonCache();
            List<string> Words(int seed)
            {
                var random = new Random(seed);
                return Enumerable.Range(0, 9000).Select(_ => new string(Enumerable.Range(0, 12).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToList();
            }

            NeedleAutomaton first = cache.Get(Words(1));
            NeedleAutomaton second = cache.Get(Words(2));
            NeedleAutomaton third = cache.Get(Words(3));

            Assert.Equal(NeedleAutomaton.MaxDenseStates, first.DenseStates);
            Assert.Equal(AutomatonCache.MaxDenseStates - NeedleAutomaton.MaxDenseStates, second.DenseStates);
            Assert.Equal(0, cache.DenseLeft);
            Assert.Equal(1, third.DenseStates);
            Assert.Same(first, cache.Get(Words(1)));
            int[] found = new int[9000];
            third.Scan(".." + Words(3)[8999].ToUpperInvariant() + "..", found, 7);
            Assert.Equal(7, found[8999]);
            Assert.Equal(1, found.Count(f => f == 7));
        }

        [Fact]
        public void NeedleAutomaton_LongLiteral_LooksForItsFirstCharacters()
        {
            string literal = new string('x', 10_000) + "end";
            var automaton = new NeedleAutomaton(new[] { new KeyValuePair<string, int>(literal, 0) });

            Assert.Equal(NeedleAutomaton.MaxNeedleLength + 1, automaton.States);
            int[] found = new int[1];
            automaton.Scan("..." + literal + "...", found, 1);
            Assert.Equal(1, found[0]);
        }

        [Fact]
        public void Plans_SameRulesOnTwoEvents_ShareOneAutomaton()
        {
            using var kit = new RuleTestKit();
            RuleSet rules = kit
                .Write("a.yml", RuleTestKit.Rule("a", "category: process_creation", "  sel:\n    CommandLine|contains: 'mimikatz'\n  condition: sel"))
                .Write("b.yml", RuleTestKit.Rule("b", "category: process_creation", "  sel:\n    CommandLine|contains: 'procdump'\n  condition: sel"))
                .Load();
            BehaviorEvent sysmon = kit.ProcessStart(1, 100, @"C:\x\a.exe", "a");
            BehaviorEvent security = kit.Event("Security", 4688, 2, ("NewProcessId", "0x10"), ("NewProcessName", @"C:\x\a.exe"), ("CommandLine", "a"));

            CandidatePlan first = rules.Candidates(sysmon).ById!;
            CandidatePlan second = rules.Candidates(security).ById!;

            Assert.NotSame(first, second);
            Assert.Same(Assert.Single(first.Scans).Automaton, Assert.Single(second.Scans).Automaton);
            Assert.Equal(new[] { "a" }, RuleTestKit.Matches(rules, kit.ProcessStart(3, 101, @"C:\x\a.exe", "MIMIKATZ.exe")));
        }
    }
}
