using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.Verdicts;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>Rules, model and policy as one snapshot, swapped atomically while a run goes on; a failed reload keeps the old one.</summary>
    public sealed class EngineSnapshotTests : IDisposable
    {
        private readonly RuleTestKit _alpha = new RuleTestKit();
        private readonly RuleTestKit _beta = new RuleTestKit();
        private readonly RuleSet _alphaRules;
        private readonly RuleSet _betaRules;

        public EngineSnapshotTests()
        {
            // Both rule sets match the same events; the variant in the detection's name says which one did.
            _alphaRules = _alpha.Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "AlphaVariant")).Load();
            _betaRules = _beta.Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "BetaVariant")).Load();
        }

        public void Dispose()
        {
            _alpha.Dispose();
            _beta.Dispose();
        }

        private BehaviorEngine Engine(IBlockingPolicy policy) => BehaviorEngine.Create(new EngineOptions
        {
            BuiltInRules = false,
            RuleDirectories = new[] { _alpha.Folder },
            UseModel = false,
            Policy = policy,
        });

        private BehaviorEvent Tree(int i) => _alpha.Start(i, 1000 + (2 * i), @"C:\x\powershell.exe", "powershell -enc " + i, 10_000 + i, @"C:\Office\winword.exe");

        [Fact]
        public void Swap_PolicyDuringARun_DecidesLaterVerdictsOnly()
        {
            var first = new TaggedPolicy("first");
            var second = new TaggedPolicy("second");
            using BehaviorEngine engine = Engine(first);
            var events = new List<VerdictEvent>();
            EngineRun run = engine.CreateRun(_ => { }, events.Add);

            run.Pipeline.Process(Tree(1));
            EngineSnapshot old = engine.Swap(engine.Snapshot.WithPolicy(second));
            run.Pipeline.Process(Tree(2));

            Assert.Same(first, old.Policy);
            Assert.Equal(new[] { "first", "second" }, events.Select(e => e.Decision.Reason));
            Assert.Same(second, run.Verdicts.Policy);
            Assert.Equal(2, engine.Snapshot.Generation);
        }

        [Fact]
        public void Swap_RulesDuringARun_MatchLaterEventsWithTheNewRules()
        {
            using BehaviorEngine engine = Engine(new TaggedPolicy("p"));
            var events = new List<VerdictEvent>();
            EngineRun run = engine.CreateRun(_ => { }, events.Add);
            RuleDetector before = run.RuleDetector!;

            run.Pipeline.Process(Tree(1));
            engine.Swap(engine.Snapshot.WithRules(_betaRules));
            run.Pipeline.Process(Tree(2));

            Assert.Equal(new[] { "AlphaVariant", "BetaVariant" }, events.Select(e => e.Detection.Name.Split('.', '!')[1]));
            Assert.NotSame(before, run.RuleDetector);
            Assert.Same(_betaRules, run.RuleDetector!.Rules);
            Assert.Same(_betaRules, engine.Rules);
        }

        [Fact]
        public void Swap_WhileEventsFlow_EveryEventSeesOneWholeSnapshot()
        {
            // Snapshot A pairs the alpha rules with policy "AlphaVariant", B the beta rules with "BetaVariant": a torn
            // read (rules of one, policy of the other) would decide a verdict named after the other variant.
            var alphaPolicy = new TaggedPolicy("AlphaVariant");
            var betaPolicy = new TaggedPolicy("BetaVariant");
            using BehaviorEngine engine = Engine(alphaPolicy);
            EngineSnapshot a = engine.Snapshot;
            EngineSnapshot b = a.WithRules(_betaRules).WithPolicy(betaPolicy);
            var events = new List<VerdictEvent>();
            EngineRun run = engine.CreateRun(_ => { }, events.Add);
            using var stop = new CancellationTokenSource();
            long swaps = 0;
            var swapper = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    engine.Swap((Interlocked.Increment(ref swaps) & 1) == 0 ? a : b);
                }
            }) { IsBackground = true, Name = "snapshot swapper" };
            swapper.Start();
            try
            {
                for (int i = 1; i <= 3000; i++)
                {
                    run.Pipeline.Process(Tree(i));
                }
            }
            finally
            {
                stop.Cancel();
                swapper.Join();
            }

            Assert.Equal(3000, events.Count);
            Assert.True(swaps > 10, "the swapper ran while events flowed");
            Assert.All(events, e => Assert.Equal(e.Decision.Reason, e.Detection.Name.Split('.', '!')[1]));
            Assert.Contains(events, e => e.Decision.Reason == "AlphaVariant");
            Assert.Contains(events, e => e.Decision.Reason == "BetaVariant");
        }

        [Fact]
        public async Task ReloadPolicyAsync_LoaderThrows_KeepsThePolicyInForce()
        {
            var first = new TaggedPolicy("first");
            using BehaviorEngine engine = Engine(first);
            EngineSnapshot before = engine.Snapshot;

            SnapshotReload reload = await engine.ReloadPolicyAsync(() => throw new FormatException("line 3: not a mode"));

            Assert.False(reload.Swapped);
            Assert.IsType<FormatException>(reload.Error);
            Assert.Same(before, engine.Snapshot);
            Assert.Same(before, reload.InForce);
            Assert.Same(first, engine.Snapshot.Policy);
        }

        [Fact]
        public async Task ReloadAsync_BuildsOffTheCallingThreadAndSwaps()
        {
            using BehaviorEngine engine = Engine(new TaggedPolicy("first"));
            int caller = Environment.CurrentManagedThreadId;
            int builder = caller;
            var second = new TaggedPolicy("second");

            SnapshotReload reload = await engine.ReloadAsync(current =>
            {
                builder = Environment.CurrentManagedThreadId;
                return current.WithPolicy(second);
            });

            Assert.True(reload.Swapped);
            Assert.NotEqual(caller, builder);
            Assert.Same(second, engine.Snapshot.Policy);
            Assert.Same(reload.InForce, engine.Snapshot);
        }

        [Fact]
        public async Task ReloadAsync_ManyAtOnce_LosesNoChange()
        {
            using BehaviorEngine engine = Engine(new TaggedPolicy("0"));
            long start = engine.Snapshot.Generation;

            SnapshotReload[] reloads = await Task.WhenAll(Enumerable.Range(1, 16).Select(i =>
                engine.ReloadAsync(current =>
                {
                    return current.WithPolicy(new TaggedPolicy(i.ToString()));
                })));

            Assert.All(reloads, r => Assert.True(r.Swapped));
            Assert.Equal(start + 16, engine.Snapshot.Generation);
        }

        /// <summary>A policy that audits and says which one it is in its reason.</summary>
        private sealed class TaggedPolicy : IBlockingPolicy
        {
            private readonly PolicyDecision _decision;

            public TaggedPolicy(string tag)
            {
                Version = tag;
                _decision = new PolicyDecision(ResponseAction.None, false, tag);
            }

            public PolicyMode Mode => PolicyMode.Audit;

            public string Version { get; }

            public PolicyDecision Decide(Verdict verdict) => _decision;
        }
    }
}
