using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.EndToEnd;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Verdicts;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BehaviorBlocking.Tests.Engine
{
    public sealed class MonitorSessionTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RuleTestKit _rules = new RuleTestKit();
        private readonly string _marker = "bbmon" + Guid.NewGuid().ToString("N").Substring(0, 12);
        private readonly string _home;
        private readonly string _store;

        public MonitorSessionTests()
        {
            _home = _temp.Combine("home");
            Directory.CreateDirectory(_home);
            _store = _temp.Combine("store.db");
            _rules.Write("marker.yml", RuleTestKit.Rule("mon-" + _marker, "category: process_creation",
                "  sel:\n    CommandLine|contains: '" + _marker + "'\n  condition: sel", "critical", "attack.execution", "Monitor"));
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _rules.Dispose();
            _temp.Dispose();
        }

        private BehaviorEngine Engine(Func<IReadOnlyList<IDetector>>? extra = null) => BehaviorEngine.Create(new EngineOptions
        {
            BuiltInRules = false,
            RuleDirectories = new[] { _rules.Folder },
            UseModel = false,
            ExtraDetectors = extra,
        });

        private MonitorRequest Request(params IEventSource[] sources) => new MonitorRequest
        {
            Sources = sources,
            ProductHome = _home,
            StorePath = _store,
            StatsInterval = TimeSpan.FromMilliseconds(200),
            PolicyPollInterval = TimeSpan.FromMilliseconds(100),
        };

        private void WritePolicy(string mode, string version) => File.WriteAllText(Path.Combine(_home, PolicyFile.FileName), MonitorTestKit.Policy(mode, version));

        [Fact]
        public void Flood_QueueFull_DropsAreCountedPerSource_AndTheSourceNeverBlocks()
        {
            using var gate = new ManualResetEventSlim(false);
            var held = new GateDetector(gate);
            var flood = new FloodSource(20_000, i => MonitorTestKit.Exit(100_000 + i));
            using BehaviorEngine engine = Engine(() => new IDetector[] { held });
            var observer = new CollectingObserver();
            MonitorRequest request = Request(flood);
            request = new MonitorRequest
            {
                Sources = request.Sources, ProductHome = _home, StorePath = null, StatsInterval = request.StatsInterval,
                Pump = new LivePumpOptions { BatchSize = 64, QueuedBatches = 4 },
            };
            using MonitorSession session = MonitorService.Start(engine, request, observer);

            // The consumer is held on its first event; a source that blocked on the full queue would never finish writing.
            bool finished = flood.Done.Wait(20_000);
            MonitorHealth during = session.Health();
            gate.Set();
            Assert.True(finished, "the source finished writing every event while the consumer was held");
            Assert.True(during.DroppedEvents > 0, "events were dropped while the queue was full");

            MonitorHealth final = session.Stop();
            Assert.Equal(MonitorState.Stopped, final.State);
            MonitorSourceHealth source = Assert.Single(final.Sources);
            Assert.Equal("flood", source.Name);
            Assert.Equal(20_000, source.Events);
            Assert.Equal(final.DroppedEvents, source.DroppedEvents);
            Assert.Equal(final.DroppedBatches, source.DroppedBatches);
            Assert.True(source.DroppedBatches > 0);

            // Every event is either consumed or dropped, none twice, none lost otherwise.
            Assert.Equal(20_000, final.Events + final.DroppedEvents);
            Assert.Equal(final.Events, Interlocked.Read(ref held.Seen));
            Assert.Equal(0, final.QueueDepth);
            Assert.Contains(source.Counters, c => c.Name == "written" && c.Value == 20_000);
        }

        [Fact]
        public void SourceFails_ItIsReportedFailed_AndTheOtherSourceGoesOn()
        {
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(new FailingSource(), push), observer);

            Assert.True(MonitorTestKit.Eventually(() => session.Health().Sources.Any(s => s.State == LiveSourceState.Failed)));
            long before = session.Health().Events;
            push.Push(MonitorTestKit.Start(4242, _marker));
            Assert.True(MonitorTestKit.Eventually(() => observer.Detections().Count > 0), "the other source's event was still detected");

            MonitorHealth health = session.Stop();
            MonitorSourceHealth failed = Assert.Single(health.Sources, s => s.Name == "failing");
            Assert.Equal(LiveSourceState.Failed, failed.State);
            Assert.Contains("the test sensor broke", failed.LastError, StringComparison.Ordinal);
            Assert.Equal(10, failed.Events);
            Assert.Equal(LiveSourceState.Stopped, Assert.Single(health.Sources, s => s.Name == "push").State);
            Assert.True(health.Events > before);
            Assert.Contains(observer.Problems(), p => p.ErrorId == ErrorIds.MonitorSourceFailed && p.Where == "failing");
            Assert.Contains(health.LastErrors, p => p.ErrorId == ErrorIds.MonitorSourceFailed);
        }

        [Fact]
        public void PolicyFileChangesWhileRunning_TheNextVerdictIsDecidedInTheNewMode()
        {
            WritePolicy("Audit", "mon-audit-1");
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(push), observer);
            Assert.Equal(PolicyMode.Audit, session.Policy().Mode);

            push.Push(MonitorTestKit.Start(5001, _marker));
            Assert.True(MonitorTestKit.Eventually(() => observer.Verdicts().Count == 1));
            VerdictEvent audited = observer.Verdicts()[0];
            Assert.Equal(ResponseAction.None, audited.Decision.Action);
            Assert.NotNull(audited.Decision.InBlockMode);

            WritePolicy("Block", "mon-block-22");
            Assert.True(MonitorTestKit.Eventually(() => session.Policy().Mode == PolicyMode.Block), "the watcher put the new policy in force");
            push.Push(MonitorTestKit.Start(5002, _marker));
            Assert.True(MonitorTestKit.Eventually(() => observer.Verdicts().Count == 2));
            VerdictEvent blocked = observer.Verdicts()[1];
            Assert.Equal(ResponseAction.KillTree, blocked.Decision.Action);

            // Another host's process is never acted on: the step is recorded as not supported.
            Assert.All(blocked.Response.Steps, s => Assert.Equal(StepOutcome.NotSupported, s.Outcome));
            MonitorHealth health = session.Stop();
            Assert.Equal("mon-block-22", health.PolicyVersion);
            Assert.True(health.PolicyReloads >= 1);
            Assert.Contains(health.Actions, a => a.Kind == ResponseKind.KillTree && a.Outcome == StepOutcome.NotSupported && a.Count == 1);
        }

        [Fact]
        public void PolicyFileBecomesInvalid_ThePolicyInForceStays_AndTheProblemIsReported()
        {
            WritePolicy("Block", "mon-good");
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(new PushSource()), observer);
            File.WriteAllText(Path.Combine(_home, PolicyFile.FileName), "{ \"schemaVersion\": 1, \"mode\": ");
            Assert.True(MonitorTestKit.Eventually(() => observer.Problems().Any(p => p.Where == "policy" && p.ErrorId == ErrorIds.PolicyFileInvalid)));
            Assert.Equal("mon-good", session.Policy().Version);
            Assert.Equal(PolicyMode.Block, session.Policy().Mode);
        }

        [Fact]
        public void ModeOverride_AppliesOverThePolicyFile_AndSurvivesAReload()
        {
            WritePolicy("Block", "mon-file");
            using BehaviorEngine engine = Engine();
            var request = new MonitorRequest { Sources = new[] { new PushSource() }, ProductHome = _home, StorePath = null, Mode = PolicyMode.Audit };
            using MonitorSession session = MonitorService.Start(engine, request, new CollectingObserver());
            Assert.Equal(PolicyMode.Audit, session.Policy().Mode);
            WritePolicy("Block", "mon-file-2");
            Assert.Null(session.ReloadPolicy());
            Assert.Equal("mon-file-2", session.Policy().Version);
            Assert.Equal(PolicyMode.Audit, session.Health().Mode);
            Assert.Equal(PolicyMode.Audit, session.Health().ModeOverride);
        }

        [Fact]
        public void OwnActivity_EventsOfTheMonitorProcessAndItsThreads_AreIgnoredAndCounted()
        {
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(push), observer);
            int self = Environment.ProcessId;
            int thread = OperatingSystem.IsLinux()
                ? Directory.GetDirectories("/proc/self/task").Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture)).First(t => t != self)
                : self;
            push.Push(MonitorTestKit.Start(self, _marker, Environment.MachineName));
            push.Push(MonitorTestKit.Start(thread, _marker, Environment.MachineName));
            push.Push(MonitorTestKit.Start(6001, _marker));
            Assert.True(MonitorTestKit.Eventually(() => session.Health().Events == 3));
            MonitorHealth health = session.Stop();

            Assert.Equal(2, health.SelfEventsIgnored);
            VerdictEvent only = Assert.Single(observer.Verdicts());
            Assert.Equal(6001, only.Detection.ProcessId);
        }

        [Fact]
        public void Detection_IsInTheStoreBeforeTheObserverSeesIt_AndTheRunIsRecorded()
        {
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            var storedFirst = new List<bool>();
            var hookErrors = new List<string>();
            observer.OnDetectionHook = detection =>
            {
                // A second reader of a store being written can meet a lock (SQLite's busy timeout is 5 s, and a
                // loaded machine can go past it); like any reader it tries again. What is checked is that the row
                // is there when the read succeeds.
                for (int attempt = 1; ; attempt++)
                {
                    try
                    {
                        using DetectionStore store = DetectionStore.OpenReadOnly(_store);
                        storedFirst.Add(store.Get(detection.Id) is not null);
                        return;
                    }
                    catch (Exception ex) when (attempt < 3)
                    {
                        hookErrors.Add(ex.GetType().Name + ": " + ex.Message);
                    }
                }
            };
            MonitorSession session = MonitorService.Start(engine, Request(push), observer);
            long? runId;
            using (session)
            {
                push.Push(MonitorTestKit.Start(7001, _marker));
                push.Push(MonitorTestKit.Start(7002, _marker));
                bool both = MonitorTestKit.Eventually(() => observer.Detections().Select(d => d.Id).Distinct().Count() == 2, 40_000);
                Assert.True(both, "detections seen: " + observer.Detections().Count + "; reading the store from the observer: "
                    + string.Join(" | ", hookErrors) + "; monitor problems: " + string.Join(" | ", session.Health().LastErrors.Select(p => p.Message)));
                runId = session.RunId;
                MonitorHealth health = session.Stop();
                Assert.Equal(health.Detections, health.DetectionsStored);
            }

            Assert.NotEmpty(storedFirst);
            Assert.All(storedFirst, Assert.True);
            Assert.NotEqual(Environment.CurrentManagedThreadId, observer.ConsumerThread);
            using DetectionStore stored = DetectionStore.OpenReadOnly(_store);
            ScanRecord run = Assert.Single(stored.ListScans(), s => s.Id == runId);
            Assert.Equal(ScanStatus.Completed, run.Status);
            Assert.Equal(new[] { "monitor:push" }, run.Inputs);
            Assert.Equal(2, run.Events);
            Assert.NotNull(run.Finished);
            Assert.Equal(2, stored.Query(new DetectionQuery()).Count);
        }

        [Fact]
        public void Stop_DrainsWhatWasQueued_BeforeClosingTheRun()
        {
            using var gate = new ManualResetEventSlim(false);
            var held = new GateDetector(gate);
            var flood = new FloodSource(3_000, i => MonitorTestKit.Exit(200_000 + i));
            using BehaviorEngine engine = Engine(() => new IDetector[] { held });
            var request = new MonitorRequest
            {
                Sources = new[] { flood }, ProductHome = _home, StorePath = null,
                Pump = new LivePumpOptions { BatchSize = 100, QueuedBatches = 64 },
            };
            using MonitorSession session = MonitorService.Start(engine, request, new CollectingObserver());
            Assert.True(flood.Done.Wait(20_000));
            Assert.True(session.Health().QueueDepth > 0, "events wait in the queue when Stop is asked");
            var stopper = new Thread(() => session.Stop());
            stopper.Start();
            Assert.True(MonitorTestKit.Eventually(() => session.StopRequested));
            gate.Set();
            stopper.Join();

            MonitorHealth health = session.Health();
            Assert.Equal(MonitorState.Stopped, health.State);
            Assert.Equal(0, health.DroppedEvents);
            Assert.Equal(3_000, health.Events);
            Assert.Equal(3_000, Interlocked.Read(ref held.Seen));
            Assert.Equal(0, health.QueueDepth);
        }

        [Fact]
        public void Duration_TheSessionEndsOnItsOwn_AndReportsFinalHealth()
        {
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            var request = new MonitorRequest { Sources = new[] { new PushSource() }, ProductHome = _home, StorePath = _store, Duration = TimeSpan.FromMilliseconds(300) };
            using MonitorSession session = MonitorService.Start(engine, request, observer);
            Assert.True(session.WaitForEnd(TimeSpan.FromSeconds(15)));
            Assert.Equal(MonitorState.Stopped, session.State);
            Assert.Equal(MonitorState.Stopped, observer.HealthReports().Last().State);
        }

        [Fact]
        public void Health_EveryStatsInterval_AndAnytimeFromAnotherThread_TellsTheEnginesState()
        {
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(push), observer);
            for (int i = 0; i < 5; i++)
            {
                push.Push(MonitorTestKit.Exit(8000 + i));
            }

            Assert.True(MonitorTestKit.Eventually(() => observer.HealthReports().Count(h => h.Events == 5) >= 2), "health came every interval");
            MonitorHealth health = session.Health();
            Assert.Equal(MonitorState.Running, health.State);
            Assert.Equal(1, health.RuleCount);
            Assert.Equal(engine.Rules.Version, health.RuleSetVersion);
            Assert.Equal("none", health.ModelVersion);
            Assert.Equal(PolicyMode.Audit, health.Mode);
            Assert.Null(health.ModeOverride);
            Assert.Equal(0, health.Detections);
            Assert.True(health.Uptime > TimeSpan.Zero);
            Assert.Equal(LiveSourceState.Running, Assert.Single(health.Sources).State);
            string json = health.ToJson();
            using var document = System.Text.Json.JsonDocument.Parse(json);
            Assert.Equal(5, document.RootElement.GetProperty("events").GetInt64());
            Assert.Equal("Audit", document.RootElement.GetProperty("mode").GetString());
            Assert.Contains("5 events", health.ToLine(), StringComparison.Ordinal);
        }

        [Fact]
        public void QuietTelemetry_TheGraphIsSweptByWallClock_AndExitedTreesAreEvicted()
        {
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var request = new MonitorRequest
            {
                Sources = new[] { push }, ProductHome = _home, StorePath = null, SweepInterval = TimeSpan.FromMilliseconds(200),
                Graph = new ProcessGraphOptions { ExitedTreeRetention = TimeSpan.FromMilliseconds(300) },
            };
            using MonitorSession session = MonitorService.Start(engine, request, new CollectingObserver());
            push.Push(MonitorTestKit.Start(9001, "nothing-to-see"));
            push.Push(MonitorTestKit.Exit(9001));
            Assert.True(MonitorTestKit.Eventually(() => session.Health().Events == 2));

            // No further event comes: only the wall-clock sweep can close the exited tree.
            Assert.True(MonitorTestKit.Eventually(() => session.Health().Trees == 0 && session.Health().Processes == 0), "the exited tree was evicted");
        }

        [Fact]
        public void IndicatorTableChanges_TheNewIndicatorIsInForce_ForTheGuardAndTheKillOnStartDetector()
        {
            string hash = new string('A', 64);
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(push), observer);
            Assert.Null(session.Indicators().Match(hash, null, DateTimeOffset.UtcNow));
            using (IndicatorStore indicators = IndicatorStore.Open(_store))
            {
                indicators.Add(new IndicatorDraft(IndicatorKind.Sha256, hash, IndicatorVerdict.Block, IndicatorSource.Manual) { Comment = "test" });
            }

            Assert.True(MonitorTestKit.Eventually(() => session.Indicators().Match(hash, null, DateTimeOffset.UtcNow) is not null));
            BehaviorEvent start = MonitorTestKit.Start(9101, "no-rule-matches");
            push.Push(new BehaviorEvent
            {
                Kind = start.Kind, Platform = start.Platform, Time = start.Time, Host = start.Host, Channel = start.Channel, EventId = 1,
                ProcessGuid = start.ProcessGuid, ProcessId = start.ProcessId, Image = start.Image, CommandLine = start.CommandLine,
                Hashes = "SHA256=" + hash, Fields = start.Fields,
            });
            Assert.True(MonitorTestKit.Eventually(() => observer.Verdicts().Count == 1), "kill on start raised a verdict for the blocked hash");
            Assert.Contains(observer.Verdicts()[0].Detection.Evidence, e => e.Kind == "indicator");
            Assert.Equal(1, session.Health().Indicators);
        }

        [Fact]
        public void ResponderBlocksAHash_ItIsInForceAtOnce()
        {
            var indicators = new MonitorIndicators(IndicatorSet.Empty);
            string hash = new string('B', 64);
            using IndicatorStore store = IndicatorStore.Open(_store);
            var sink = new InForceIndicatorSink(store, indicators);
            Func<IIndicatorLookup> inForce = () => indicators.Current;

            Indicator added = sink.Block(hash, IndicatorSource.Detection, Guid.NewGuid(), "test", "policy");

            Assert.Equal(added.Id, inForce().Match(hash, null, DateTimeOffset.UtcNow)?.Id);
            Assert.Single(store.List());
            Assert.False(indicators.Replace(store.Snapshot()), "the store's table now says the same: no second swap");
        }

        [Fact]
        public void Reload_RulesChangedOnDisk_TheNextEventIsMatchedAgainstTheNewRules()
        {
            var push = new PushSource();
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, Request(push), observer);
            string second = "bbmon2" + Guid.NewGuid().ToString("N").Substring(0, 10);
            _rules.Write("second.yml", RuleTestKit.Rule("mon2-" + second, "category: process_creation",
                "  sel:\n    CommandLine|contains: '" + second + "'\n  condition: sel", "high", "attack.execution", "Monitor"));
            EngineReload reload = session.Reload();
            Assert.True(reload.Snapshot.Swapped);
            Assert.Equal(2, session.Health().RuleCount);
            push.Push(MonitorTestKit.Start(9201, second));
            Assert.True(MonitorTestKit.Eventually(() => observer.Verdicts().Count == 1));
        }

        [Fact]
        public void Start_PolicyInForceInvalid_FailsWithItsError_AndNothingRuns()
        {
            File.WriteAllText(Path.Combine(_home, PolicyFile.FileName), "not json");
            using BehaviorEngine engine = Engine();
            var ex = Assert.Throws<PolicyInvalidException>(() => MonitorService.Start(engine, Request(new PushSource()), new CollectingObserver()));
            Assert.Equal(ErrorIds.PolicyFileInvalid, ex.ErrorId);
        }

        [Fact]
        public void LiveSensors_Linux_AreTheFourSensorsAsRoot_OrFailNamingThePrivilege()
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            if (BehaviorBlocking.Internal.Libc.geteuid() != 0)
            {
                var ex = Assert.Throws<BehaviorBlockingException>(() => LiveSensors.Create(new LiveSensorOptions(), () => IndicatorSet.Empty, () => AuditPolicy.Instance));
                Assert.Equal(ErrorIds.MonitorRequiresElevation, ex.ErrorId);
                Assert.Contains("root", ex.Message, StringComparison.Ordinal);
                return;
            }

            // Built, not run: nothing is opened before a source's Run.
            IReadOnlyList<IEventSource> sources = LiveSensors.Create(new LiveSensorOptions(), () => IndicatorSet.Empty, () => AuditPolicy.Instance);
            Assert.Equal(new[] { "fanotify-exec", "linux-process", "fanotify-files", "linux-network" }, sources.Select(s => s.Name).ToArray());
            Assert.All(sources, s => Assert.True(s.IsLive));
            Assert.Equal(new[] { "linux-process" }, LiveSensors.Create(new LiveSensorOptions { Files = false, Network = false, ExecGuard = false },
                () => IndicatorSet.Empty, () => AuditPolicy.Instance).Select(s => s.Name).ToArray());
            var none = Assert.Throws<BehaviorBlockingException>(() => LiveSensors.Create(
                new LiveSensorOptions { Processes = false, Files = false, Network = false, ExecGuard = false }, () => IndicatorSet.Empty, () => AuditPolicy.Instance));
            Assert.Equal(ErrorIds.MonitorNoSensor, none.ErrorId);
            foreach (IEventSource source in sources)
            {
                (source as IDisposable)?.Dispose();
            }
        }

        [LinuxRootFact]
        public void BlockMode_SyntheticStartsOfARealTree_TheTreeReallyDies()
        {
            WritePolicy("Audit", "mon-e2e");
            using SpawnedTree tree = LiveResponseEndToEndTests.StartTree(_marker, out List<int> pids);
            var push = new PushSource("synthetic");
            using BehaviorEngine engine = Engine();
            var observer = new CollectingObserver();
            MonitorRequest baseRequest = Request(push);
            var request = new MonitorRequest
            {
                Sources = baseRequest.Sources, ProductHome = _home, StorePath = _store, Mode = PolicyMode.Block, StatsInterval = baseRequest.StatsInterval,
            };
            using MonitorSession session = MonitorService.Start(engine, request, observer);
            foreach (int pid in LiveResponseEndToEndTests.ParentsFirst(tree.RootId, pids))
            {
                push.Push(LiveResponseEndToEndTests.StartEvent(pid));
            }

            Assert.True(LiveResponseEndToEndTests.AllGone(tree, 15_000), "the real tree was killed: left " + string.Join(",", tree.Running()));
            MonitorHealth health = session.Stop();
            Assert.Contains(observer.Verdicts(), v => v.Detection.Action == DetectionAction.Blocked
                && v.Detection.Actions.Any(a => a.Kind == ResponseKind.KillTree && a.Outcome == StepOutcome.Done));
            Assert.Contains(health.Actions, a => a.Kind == ResponseKind.KillTree && a.Outcome == StepOutcome.Done && a.Count == 1);
            Assert.Equal(PolicyMode.Block, health.Mode);
            using DetectionStore stored = DetectionStore.OpenReadOnly(_store);
            Assert.Contains(stored.Query(new DetectionQuery()), d => d.Action == DetectionAction.Blocked);
        }
    }
}
