using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.Verdicts;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Pipeline
{
    /// <summary>
    /// A child whose parent's start arrives late builds a provisional tree; when the parent's start
    /// links it under the real tree the two merge, and every piece of per-tree state moves with them.
    /// </summary>
    /// <remarks>
    /// Word (100, under explorer) starts whoami (110): tree A. Then net (300) arrives naming a parent
    /// cmd (200) not yet seen: a provisional tree B under a built cmd node. Last, cmd's own start
    /// (parent: Word) arrives and B joins A.
    /// </remarks>
    public sealed class TreeMergeTests : IDisposable
    {
        private const string Word = @"C:\Office\winword.exe";
        private const string Cmd = @"C:\Windows\System32\cmd.exe";
        private const string Whoami = @"C:\Windows\System32\whoami.exe";
        private const string Net = @"C:\Windows\System32\net.exe";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private BehaviorEvent WordStart() => _kit.Start(1, 100, Word, "winword.exe report.docm", 10, SysmonEvents.Explorer);

        private BehaviorEvent WhoamiStart() => _kit.Start(2, 110, Whoami, "whoami /all marker", 100, Word);

        private BehaviorEvent NetStart(string commandLine = "net view marker") => _kit.Start(3, 300, Net, commandLine, 200, Cmd);

        // The parent's start, reported a moment before its child's (events arrive out of order).
        private BehaviorEvent CmdStart(int parentPid = 100, string parentImage = Word) => _kit.Start(2.5, 200, Cmd, "cmd.exe /c marker", parentPid, parentImage);

        private RuleSet DiscoveryRules(bool persistence = false)
        {
            _kit.Write("whoami.yml", RuleTestKit.Rule("whoami", "category: process_creation", "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel", "low", "attack.discovery", "Whoami"))
                .Write("net.yml", RuleTestKit.Rule("net", "category: process_creation", "  sel:\n    Image|endswith: '\\net.exe'\n  condition: sel", "low", "attack.discovery", "NetView"));
            if (persistence)
            {
                _kit.Write("adduser.yml", RuleTestKit.Rule("adduser", "category: process_creation", "  sel:\n    CommandLine|contains: ' /add'\n  condition: sel", "medium", "attack.persistence", "AddUser"));
            }

            return _kit.Load();
        }

        [Fact]
        public void Merge_VerdictsOfSameTacticInBothTrees_JoinIntoOneDetection()
        {
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(DiscoveryRules()) });
            run.Feed(WordStart(), WhoamiStart(), NetStart());
            ProcessTree a = run.TreeOf(100);
            ProcessTree b = run.TreeOf(300);
            Assert.NotSame(a, b);
            Assert.Equal(2, run.Verdicts.OpenVerdicts);
            Guid kept = run.Events[0].Detection.Id;
            Guid mergedAway = run.Events[1].Detection.Id;
            Assert.NotEqual(kept, mergedAway);

            run.Feed(CmdStart());

            Assert.True(b.Closed);
            Assert.Same(a, b.MergedInto);
            Assert.Same(a, run.TreeOf(300));
            Assert.Equal(1, run.Verdicts.OpenVerdicts);
            Assert.Equal(new[] { VerdictChange.Raised, VerdictChange.Raised, VerdictChange.Merged }, run.Events.Select(e => e.Change));
            VerdictEvent merged = run.Events[2];
            Assert.Equal(kept, merged.Detection.Id);
            Assert.Equal(0.51, merged.Detection.Score, 3);
            Assert.Equal(new[] { 100, 110, 200, 300 }, merged.Verdict.Tree!.Processes.Select(p => p.ProcessId).OrderBy(p => p));

            run.End();

            Detection d = Assert.Single(run.Detections);
            Assert.Equal(kept, d.Id);
            Assert.DoesNotContain(run.Detections, x => x.Id == mergedAway);
            Assert.Equal(Tactic.Discovery, d.Tactic);
            Assert.Equal(0.51, d.Score, 3);
            Assert.Equal(new[] { "whoami", "net" }, d.Evidence.Where(e => e.Kind == "rule").Select(e => e.Id));
            Assert.Equal(2, d.Evidence.Count(e => e.Kind == "event"));
            Assert.Equal(RuleTestKit.T0.AddSeconds(2), d.FirstSeen);
            Assert.Equal(RuleTestKit.T0.AddSeconds(3), d.LastSeen);
            Assert.Equal(0, run.Verdicts.OpenVerdicts);
        }

        [Fact]
        public void Merge_TacticOnlyInJoiningTree_MovesWithItsIdAndIsEmittedOnce()
        {
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(DiscoveryRules(persistence: true)) });
            run.Feed(WordStart(), WhoamiStart(), NetStart("net user eve /add"));
            Guid persistence = run.Events.Single(e => e.Detection.Tactic == Tactic.Persistence).Detection.Id;

            run.Feed(CmdStart(), _kit.Start(4, 400, Cmd, "cmd.exe /c net user mallory /add", 100, Word)).End();

            Assert.Equal(2, run.Detections.Count);
            Detection moved = run.Detections.Single(d => d.Tactic == Tactic.Persistence);
            Assert.Equal(persistence, moved.Id);
            Assert.Equal(300, moved.ProcessId);
            Assert.Contains("(2 matches)", moved.Evidence.Single(e => e.Id == "adduser").Description);
            Assert.Single(run.Detections, d => d.Tactic == Tactic.Discovery);
        }

        [Theory]
        [InlineData("adduser.yml")]
        [InlineData("zz-adduser.yml")]
        public void Merge_MergedVerdictEvent_ListsTacticsTheJoiningTreeBrought(string persistenceRuleFile)
        {
            // The rule file's name decides whether the joining tree's persistence verdict is older or newer than its discovery verdict.
            RuleSet rules = _kit
                .Write("whoami.yml", RuleTestKit.Rule("whoami", "category: process_creation", "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel", "low", "attack.discovery", "Whoami"))
                .Write("net.yml", RuleTestKit.Rule("net", "category: process_creation", "  sel:\n    Image|endswith: '\\net.exe'\n  condition: sel", "low", "attack.discovery", "NetView"))
                .Write(persistenceRuleFile, RuleTestKit.Rule("adduser", "category: process_creation", "  sel:\n    CommandLine|contains: ' /add'\n  condition: sel", "medium", "attack.persistence", "AddUser"))
                .Load();
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(rules) });

            run.Feed(WordStart(), WhoamiStart(), NetStart("net user eve /add"), CmdStart());

            VerdictEvent merged = run.Events.Single(e => e.Change == VerdictChange.Merged);
            Assert.Equal(Tactic.Discovery, merged.Detection.Tactic);
            Assert.Equal(new[] { Tactic.Persistence, Tactic.Discovery }.OrderBy(t => t), merged.Verdict.TreeTactics.OrderBy(t => t));
        }

        [Fact]
        public void Merge_FeatureRowOfMergedTree_CountsEventsOfBothParts()
        {
            var features = new TreeFeatureCollector();
            var rows = new List<TreeFeatureRow>();
            features.TreeCompleted += rows.Add;
            var run = new VerdictRecorder(new IDetector[] { features, new RuleDetector(DiscoveryRules()) });
            run.Feed(WordStart(), WhoamiStart(), NetStart());
            long a = run.TreeOf(100).Id;
            long b = run.TreeOf(300).Id;
            Assert.Equal(2, features.OpenTrees);

            run.Feed(CmdStart());

            Assert.Equal(1, features.OpenTrees);
            var live = new float[FeatureSchema.Count];
            Assert.True(features.TryFill(run.TreeOf(300), live));
            run.End();
            TreeFeatureRow row = Assert.Single(rows);
            Assert.Equal(a, row.TreeId);
            Assert.NotEqual(b, row.TreeId);
            int starts = FeatureSchema.IndexOf("n_process_start");
            Assert.Equal(Math.Log(1 + 4), row.Features[starts], 4);
            Assert.Equal(row.Features[starts], live[starts]);
            Assert.Equal(new[] { "whoami", "net" }, row.Signals.Select(s => s.Value));
            Assert.Equal(0, features.OpenTrees);
        }

        [Fact]
        public void Merge_FeatureRowOfMergedTree_EqualsTheRowOfTheSameEventsInOrder()
        {
            float[] Row(params BehaviorEvent[] events)
            {
                var features = new TreeFeatureCollector();
                var rows = new List<TreeFeatureRow>();
                features.TreeCompleted += rows.Add;
                new VerdictRecorder(new IDetector[] { features, new RuleDetector(DiscoveryRules()) }).Feed(events).End();
                return Assert.Single(rows).Features;
            }

            float[] merged = Row(WordStart(), WhoamiStart(), NetStart(), CmdStart());
            float[] inOrder = Row(WordStart(), WhoamiStart(), CmdStart(), NetStart());

            foreach (string name in new[] { "n_process_start", "rule_score_discovery", "any_shell" })
            {
                int i = FeatureSchema.IndexOf(name);
                Assert.True(Math.Abs(inOrder[i] - merged[i]) < 1e-5, $"{name}: in order {inOrder[i]}, merged {merged[i]}");
            }
        }

        [Fact]
        public void Merge_CorrelationSplitAcrossTrees_FiresWhenMergedTreeCompletesTheCount()
        {
            RuleSet Rules() => _kit
                .Write("marker.yml", RuleTestKit.Rule("marker", "category: process_creation", "  sel:\n    CommandLine|contains: ' marker'\n  condition: sel", "low", "attack.discovery", "Marker"))
                .Write("burst.yml", "title: Three marked starts\nid: burst\nlevel: high\ntags:\n  - attack.discovery\n" +
                    "correlation:\n  type: event_count\n  rules:\n    - marker\n  timespan: 1m\n  condition:\n    gte: 3\nbehaviorblocking:\n  variant: Burst\n")
                .Load();

            RuleSet rules = Rules();
            Assert.Empty(rules.Skipped);
            var merged = new VerdictRecorder(new IDetector[] { new RuleDetector(rules) }).Feed(WordStart(), WhoamiStart(), NetStart()).Feed(CmdStart()).End();
            // Control: the same three marked starts, but cmd's parent is a launch point, so the trees never merge (2 + 1).
            var apart = new VerdictRecorder(new IDetector[] { new RuleDetector(Rules()) })
                .Feed(WordStart(), WhoamiStart(), NetStart(), CmdStart(10, SysmonEvents.Explorer)).End();

            Detection d = Assert.Single(merged.Detections);
            Assert.Equal("Behavior:Win32/Discovery.Burst!rule", d.Name);
            Assert.Contains(d.Evidence, e => e.Kind == "rule" && e.Id == "burst");
            Assert.Empty(apart.Detections);
        }

        [Fact]
        public void Merge_MergedTreeEvicted_NothingOfEitherTreeRemains()
        {
            var features = new TreeFeatureCollector();
            var rows = new List<TreeFeatureRow>();
            features.TreeCompleted += rows.Add;
            var graphOptions = new ProcessGraphOptions
            {
                SweepInterval = 1,
                IdleTreeRetention = TimeSpan.FromMinutes(1),
                ExitedTreeRetention = TimeSpan.FromMinutes(1),
            };
            var run = new VerdictRecorder(new IDetector[] { features, new RuleDetector(DiscoveryRules()) }, graphOptions: graphOptions);
            run.Feed(WordStart(), WhoamiStart(), NetStart(), CmdStart());
            long merged = run.TreeOf(100).Id;
            Guid kept = run.Events[0].Detection.Id;
            Guid mergedAway = run.Events[1].Detection.Id;
            Assert.Equal(1, run.Verdicts.OpenVerdicts);

            // Ten minutes later an unrelated process acts: the idle merged tree is evicted.
            run.Feed(_kit.FileCreate(600, 900, @"C:\x\other.exe", @"C:\x\out.txt"));

            Assert.Equal(0, run.Verdicts.OpenVerdicts);
            Assert.Equal(1, features.OpenTrees);
            Assert.Equal(merged, Assert.Single(rows).TreeId);
            Assert.Null(run.Pipeline.Graph.FindByGuid(SysmonEvents.Host, SysmonEvents.GuidOf(300)));
            long other = run.TreeOf(900).Id;

            run.End();

            Detection d = Assert.Single(run.Detections);
            Assert.Equal(kept, d.Id);
            Assert.DoesNotContain(run.Detections, x => x.Id == mergedAway);
            Assert.Equal(0, run.Verdicts.OpenVerdicts);
            Assert.Equal(0, features.OpenTrees);
            Assert.Equal(new[] { merged, other }, rows.Select(r => r.TreeId));
        }
    }
}
