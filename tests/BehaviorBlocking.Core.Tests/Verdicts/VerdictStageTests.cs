using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Pipeline;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Verdicts
{
    /// <summary>The verdict stage as the pipeline drives it: raise time, snapshots, order, merges, policy seams, stable ids.</summary>
    public sealed class VerdictStageTests : IDisposable
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static BehaviorEvent Start(int pid, string image, int parentPid, string parentImage, double seconds, string? hashes = null) => new BehaviorEvent
        {
            Kind = EventKind.ProcessStart,
            Host = "WS1",
            Time = T0.AddSeconds(seconds),
            ProcessId = pid,
            ProcessGuid = "{G-" + pid + "}",
            Image = image,
            CommandLine = image + " /run",
            User = @"EXAMPLE\alice",
            ParentProcessId = parentPid,
            ParentProcessGuid = "{G-" + parentPid + "}",
            ParentImage = parentImage,
            Hashes = hashes,
            Channel = Sysmon,
            EventId = 1,
        };

        private static BehaviorEvent Exit(int pid, double seconds) => new BehaviorEvent
        {
            Kind = EventKind.ProcessExit,
            Host = "WS1",
            Time = T0.AddSeconds(seconds),
            ProcessId = pid,
            ProcessGuid = "{G-" + pid + "}",
            Channel = Sysmon,
            EventId = 5,
        };

        private static BehaviorEvent FileWrite(int pid, double seconds, string path) => new BehaviorEvent
        {
            Kind = EventKind.FileCreate,
            Host = "WS1",
            Time = T0.AddSeconds(seconds),
            ProcessId = pid,
            ProcessGuid = "{G-" + pid + "}",
            TargetPath = path,
            Channel = Sysmon,
            EventId = 11,
        };

        /// <summary>Signals every event of the given kind whose image (or target) ends with a text.</summary>
        private sealed class KindDetector : IDetector
        {
            private readonly EventKind _kind;
            private readonly string _suffix;
            private readonly ISignalSource _source;

            public KindDetector(string name, EventKind kind, string suffix, ISignalSource source)
            {
                Name = name;
                _kind = kind;
                _suffix = suffix;
                _source = source;
            }

            public string Name { get; }

            public string? Version => null;

            public List<(ProcessTree From, ProcessTree Into)> Merges { get; } = new List<(ProcessTree, ProcessTree)>();

            public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
            {
                string? text = behaviorEvent.Kind == EventKind.ProcessStart ? behaviorEvent.Image : behaviorEvent.TargetPath;
                if (behaviorEvent.Kind == _kind && text is not null && text.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase))
                {
                    sink.Signal(_source, behaviorEvent, process);
                }
            }

            public void OnTreeClosed(ProcessTree tree)
            {
            }

            public void OnTreesMerged(ProcessTree from, ProcessTree into) => Merges.Add((from, into));

            public void OnRecordingEnd()
            {
            }
        }

        private sealed class FixedPolicy : IBlockingPolicy
        {
            private readonly Func<Verdict, PolicyDecision> _decide;

            public FixedPolicy(Func<Verdict, PolicyDecision> decide) => _decide = decide;

            public PolicyMode Mode => PolicyMode.Block;

            public string Version => "test";

            public List<Verdict> Seen { get; } = new List<Verdict>();

            public PolicyDecision Decide(Verdict verdict)
            {
                Seen.Add(verdict);
                return _decide(verdict);
            }
        }

        private sealed class ThrowingResponder : IResponder
        {
            public ResponseResult Respond(Verdict verdict, PolicyDecision decision) => throw new InvalidOperationException("responder down");
        }

        private static (BehaviorPipeline Pipeline, List<Detection> Detections, List<VerdictEvent> Events) Build(VerdictOptions? options, params IDetector[] detectors)
        {
            var detections = new List<Detection>();
            var events = new List<VerdictEvent>();
            var verdicts = new VerdictEngine(options);
            verdicts.VerdictRaised += events.Add;
            return (new BehaviorPipeline(detectors, verdicts, detections.Add), detections, events);
        }

        [Fact]
        public void Process_SignalCrossesThreshold_RaisesVerdictEventAtOnceWithTreeSnapshot()
        {
            var source = new TestSignalSource("ps", Tactic.Execution, Severity.Medium, "ShellFromOffice");
            var (pipeline, detections, events) = Build(null, new KindDetector("d", EventKind.ProcessStart, "powershell.exe", source));

            pipeline.Process(Start(100, @"C:\Office\WINWORD.EXE", 10, @"C:\Windows\explorer.exe", 0));
            pipeline.Process(Start(200, @"C:\Windows\System32\cmd.exe", 100, @"C:\Office\WINWORD.EXE", 1, hashes: "MD5=00AA,SHA256=abcdef0123"));
            pipeline.Process(Exit(200, 2));
            Assert.Empty(events);
            pipeline.Process(Start(300, @"C:\Windows\System32\powershell.exe", 200, @"C:\Windows\System32\cmd.exe", 1.5));

            // Raised while the event is processed, long before the recording ends.
            VerdictEvent raised = Assert.Single(events);
            Assert.Equal(VerdictChange.Raised, raised.Change);
            Assert.Equal("Behavior:Win32/Execution.ShellFromOffice!rule", raised.Detection.Name);
            Assert.Equal(DetectionAction.Audited, raised.Detection.Action);
            Assert.Equal("audit mode: record only", raised.Decision.Reason);
            ProcessTreeSnapshot tree = Assert.IsType<ProcessTreeSnapshot>(raised.Verdict.Tree);
            Assert.Equal(new[] { 100, 200, 300 }, tree.Processes.Select(p => p.ProcessId));
            Assert.Equal(100, tree.Root.ProcessId);
            Assert.Equal("{G-100}", tree.Processes[1].ParentProcessGuid);
            Assert.Equal(@"C:\Windows\System32\cmd.exe /run", tree.Processes[1].CommandLine);
            Assert.Equal(@"EXAMPLE\alice", tree.Processes[2].User);
            Assert.False(tree.Processes[1].IsAlive);
            Assert.True(tree.Processes[2].IsAlive);
            Assert.Equal(2, tree.AliveCount);
            Assert.Equal("ABCDEF0123", tree.Processes[1].Sha256);
            Assert.Equal(T0.AddSeconds(1), tree.Processes[1].StartTime);
            Assert.Equal(new[] { Tactic.Execution }, raised.Verdict.TreeTactics);
            Assert.Empty(detections);

            pipeline.EndRecording();
            Assert.Equal(raised.Detection.Id, Assert.Single(detections).Id);
        }

        [Fact]
        public void Process_NewSignalStrengthens_KnownSignalInANewProcessImplicatesIt_RepeatOnlyMovesLastSeen()
        {
            var weak = new TestSignalSource("a-weak", Tactic.Execution, Severity.Low, "Weak");
            var strong = new TestSignalSource("b-strong", Tactic.Execution, Severity.High, "Strong");
            var (pipeline, detections, events) = Build(null,
                new KindDetector("d1", EventKind.ProcessStart, "cmd.exe", weak),
                new KindDetector("d2", EventKind.FileCreate, ".ps1", strong));

            pipeline.Process(Start(100, @"C:\x\cmd.exe", 10, @"C:\Windows\explorer.exe", 0));
            pipeline.Process(Start(101, @"C:\x\cmd.exe", 100, @"C:\x\cmd.exe", 1));

            // The known signal in a new process: same score, but the response must reach that process.
            Assert.Equal(new[] { VerdictChange.Raised, VerdictChange.ProcessImplicated }, events.Select(e => e.Change));
            Assert.Equal(events[0].Detection.Score, events[1].Detection.Score);
            Assert.Contains(events[1].Verdict.ImplicatedProcesses, p => p.ProcessId == 101);
            pipeline.Process(Start(101, @"C:\x\cmd.exe", 100, @"C:\x\cmd.exe", 1));
            Assert.Equal(2, events.Count);
            pipeline.Process(FileWrite(101, 2, @"C:\Users\a\run.ps1"));
            pipeline.EndRecording();

            Assert.Equal(new[] { VerdictChange.Raised, VerdictChange.ProcessImplicated, VerdictChange.Strengthened }, events.Select(e => e.Change));
            Assert.True(events[2].Detection.Score > events[0].Detection.Score);
            Assert.Equal("Behavior:Win32/Execution.Strong!rule", events[2].Detection.Name);
            Detection final = Assert.Single(detections);
            Assert.Equal(T0.AddSeconds(2), final.LastSeen);
            Assert.Equal(0.825, final.Score, 3);
        }

        [Fact]
        public void Process_EventWithoutProcess_HostVerdictHasNoTree()
        {
            var source = new TestSignalSource("h", Tactic.CredentialAccess, Severity.High, "HostWide");
            var (pipeline, _, events) = Build(null, new KindDetector("d", EventKind.FileCreate, ".dit", source));

            pipeline.Process(new BehaviorEvent { Kind = EventKind.FileCreate, Host = "DC1", Time = T0, TargetPath = @"C:\ntds.dit", Channel = Sysmon, EventId = 11 });

            Assert.Null(Assert.Single(events).Verdict.Tree);
            Assert.Equal("DC1", events[0].Detection.Host);
        }

        [Fact]
        public void Pipeline_DetectorOrder_DoesNotChangeDetectionsOrVerdictEvents()
        {
            // Two detectors signal the same event at the same level: the variant, evidence order and ids must not follow the listing order.
            BehaviorEvent[] events =
            {
                Start(100, @"C:\x\tool.exe", 10, @"C:\Windows\explorer.exe", 0),
                FileWrite(100, 1, @"C:\x\a.ps1"),
                Start(200, @"C:\x\tool.exe", 100, @"C:\x\tool.exe", 2),
            };

            string Run(bool reversed)
            {
                var detectors = new List<IDetector>
                {
                    new KindDetector("alpha", EventKind.ProcessStart, "tool.exe", new TestSignalSource("alpha-rule", Tactic.Execution, Severity.Medium, "Alpha")),
                    new KindDetector("beta", EventKind.ProcessStart, "tool.exe", new TestSignalSource("beta-rule", Tactic.Execution, Severity.Medium, "Beta")),
                    new KindDetector("gamma", EventKind.FileCreate, ".ps1", new TestSignalSource("gamma-rule", Tactic.Execution, Severity.Low, "Gamma")),
                    new TreeFeatureCollector(),
                };
                if (reversed)
                {
                    detectors.Reverse();
                }

                var (pipeline, detections, raised) = Build(null, detectors.ToArray());
                foreach (BehaviorEvent e in events)
                {
                    pipeline.Process(e);
                }

                pipeline.EndRecording();
                return string.Join("\n", detections.Select(DetectionJson.Serialize)) + "\n--\n" +
                    string.Join("\n", raised.Select(r => r.Change + " " + DetectionJson.Serialize(r.Detection)));
            }

            string forward = Run(reversed: false);
            Assert.Contains("Execution.Alpha", forward);
            Assert.Equal(forward, Run(reversed: true));
        }

        [Fact]
        public void TreesMerged_ProvisionalTreeJoinsItsParent_OneVerdictAndFeaturesOfBothParts()
        {
            var early = new TestSignalSource("drop", Tactic.Execution, Severity.Medium, "Drop");
            var parent = new TestSignalSource("tool", Tactic.Execution, Severity.Low, "Tool");
            var drops = new KindDetector("drops", EventKind.FileCreate, ".exe", early);
            var features = new TreeFeatureCollector();
            var rows = new List<TreeFeatureRow>();
            features.TreeCompleted += rows.Add;
            var (pipeline, detections, events) = Build(null, drops, new KindDetector("starts", EventKind.ProcessStart, "tool.exe", parent), features);

            // The child's activity arrives before any start: it forms a tree of its own.
            pipeline.Process(FileWrite(200, 5, @"C:\Users\a\payload.exe"));
            pipeline.Process(Start(100, @"C:\x\tool.exe", 10, @"C:\Windows\explorer.exe", 1));
            int trees = pipeline.Graph.TreeCount;
            Assert.Equal(2, events.Count);
            Guid childVerdict = events[0].Detection.Id;

            // Its start names the parent: the trees merge, and so do their verdicts and features.
            pipeline.Process(Start(200, @"C:\x\child.exe", 100, @"C:\x\tool.exe", 2));
            Assert.Equal(trees - 1, pipeline.Graph.TreeCount);
            Assert.Equal(1, pipeline.Graph.Statistics.TreesMerged);
            Assert.Single(drops.Merges);
            Assert.Equal(1, features.OpenTrees);
            Assert.Equal(VerdictChange.Merged, events.Last().Change);
            Assert.Equal(new[] { 100, 200 }, events.Last().Verdict.Tree!.Processes.Select(p => p.ProcessId));

            pipeline.EndRecording();
            Detection merged = Assert.Single(detections);
            Assert.NotEqual(childVerdict, merged.Id);
            Assert.Equal(new[] { "drop", "tool" }, merged.Evidence.Where(e => e.Kind == "rule").Select(e => e.Id).OrderBy(x => x, StringComparer.Ordinal));
            Assert.Equal(0.65, merged.Score, 3);
            Assert.Equal(0, pipeline.Verdicts.OpenVerdicts);
            TreeFeatureRow row = Assert.Single(rows);
            // Counts are log-scaled (ln(1 + n)): both starts and the early file write are in the merged tree's row.
            Assert.Equal(Math.Log(3), row.Features[FeatureSchema.IndexOf("n_process_start")], 5);
            Assert.Equal(Math.Log(2), row.Features[FeatureSchema.IndexOf("n_file_create")], 5);
        }

        [Fact]
        public void TreesMerged_CorrelationWindowsOfBothPartsCount()
        {
            RuleSet rules = _kit
                .Write("drop.yml", RuleTestKit.Rule("dropfile", "category: file_event", "  sel:\n    TargetFilename|contains: '\\drop\\'\n  condition: sel", "low", "attack.execution", "DropFile"))
                .Write("burst.yml", "title: Burst of drops\nid: burst\nlevel: high\ntags:\n  - attack.execution\n" +
                    "correlation:\n  type: event_count\n  rules:\n    - dropfile\n  timespan: 5m\n  condition:\n    gte: 3\nbehaviorblocking:\n  variant: DropBurst\n")
                .Load();
            Assert.Empty(rules.Skipped);
            BehaviorEvent Drop(int pid, double s) => _kit.Event(Sysmon, 11, s, ("ProcessGuid", "{00000000-0000-0000-0000-" + pid.ToString("D12") + "}"),
                ("ProcessId", pid.ToString()), ("Image", @"C:\x\tool.exe"), ("TargetFilename", @"C:\drop\f" + s + ".bin"));

            var detections = new List<Detection>();
            var pipeline = new BehaviorPipeline(new IDetector[] { new RuleDetector(rules) }, detections.Add);
            pipeline.Process(Drop(200, 10));
            pipeline.Process(Drop(200, 11));
            pipeline.Process(_kit.ProcessStart(1, 100, @"C:\x\tool.exe", "tool.exe", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"));
            pipeline.Process(_kit.ProcessStart(2, 200, @"C:\x\tool.exe", "tool.exe child", parentPid: 100, parentImage: @"C:\x\tool.exe"));
            Assert.Equal(1, pipeline.Graph.Statistics.TreesMerged);
            pipeline.Process(Drop(100, 12));
            pipeline.EndRecording();

            // Two matches from before the merge and one after: the window moved with the tree.
            Detection d = Assert.Single(detections);
            Assert.Contains(d.Evidence, e => e.Kind == "rule" && e.Id == "burst");
            Assert.Equal("Behavior:Win32/Execution.DropBurst!rule", d.Name);
        }

        [Fact]
        public void Policy_BlockDecision_RecordOnlyResponderRecordsBlockFailedNeverBlocked()
        {
            var policy = new FixedPolicy(_ => new PolicyDecision(ResponseAction.KillTree, false, "test: block"));
            var (pipeline, detections, events) = Build(new VerdictOptions { Policy = policy },
                new KindDetector("d", EventKind.ProcessStart, "evil.exe", new TestSignalSource("e", Tactic.Impact, Severity.Critical, "Evil")));

            pipeline.Process(Start(100, @"C:\x\evil.exe", 10, @"C:\Windows\explorer.exe", 0));
            pipeline.EndRecording();

            Assert.Equal(DetectionAction.BlockFailed, Assert.Single(detections).Action);
            ResponseStep step = Assert.Single(events[0].Response.Steps);
            Assert.False(step.Succeeded);
            Assert.Equal("PID 100 (evil.exe)", step.Target);
            Assert.Same(events[0].Verdict, Assert.Single(policy.Seen));
        }

        [Fact]
        public void Policy_Exclusion_IsRecordedAsExcluded()
        {
            var policy = new FixedPolicy(_ => new PolicyDecision(ResponseAction.KillTree, true, "excluded: admin tool"));
            var (pipeline, detections, _) = Build(new VerdictOptions { Policy = policy },
                new KindDetector("d", EventKind.ProcessStart, "evil.exe", new TestSignalSource("e", Tactic.Impact, Severity.Critical, "Evil")));

            pipeline.Process(Start(100, @"C:\x\evil.exe", 10, @"C:\Windows\explorer.exe", 0));
            pipeline.EndRecording();

            Assert.Equal(DetectionAction.Excluded, Assert.Single(detections).Action);
        }

        [Fact]
        public void Policy_ThrowingPolicyOrResponder_VerdictStillRecordedAndFailureCounted()
        {
            var throwing = new FixedPolicy(_ => throw new InvalidOperationException("policy down"));
            var (pipeline, detections, _) = Build(new VerdictOptions { Policy = throwing },
                new KindDetector("d", EventKind.ProcessStart, "evil.exe", new TestSignalSource("e", Tactic.Impact, Severity.Critical, "Evil")));
            pipeline.Process(Start(100, @"C:\x\evil.exe", 10, @"C:\Windows\explorer.exe", 0));
            pipeline.EndRecording();
            Assert.Equal(DetectionAction.Audited, Assert.Single(detections).Action);
            Assert.Equal(1, pipeline.Verdicts.Health.PolicyFailures);
            Assert.Equal("policy: InvalidOperationException: policy down", pipeline.Verdicts.Health.FirstError);

            var blocking = new FixedPolicy(_ => new PolicyDecision(ResponseAction.KillTree, false, "block"));
            var (second, recorded, _) = Build(new VerdictOptions { Policy = blocking, Responder = new ThrowingResponder() },
                new KindDetector("d", EventKind.ProcessStart, "evil.exe", new TestSignalSource("e", Tactic.Impact, Severity.Critical, "Evil")));
            second.Process(Start(100, @"C:\x\evil.exe", 10, @"C:\Windows\explorer.exe", 0));
            second.EndRecording();
            Assert.Equal(DetectionAction.BlockFailed, Assert.Single(recorded).Action);
            Assert.Equal(1, second.Verdicts.Health.ResponderFailures);
        }

        [Fact]
        public void VerdictIds_SameVerdict_SameNameBasedUuid()
        {
            var graph = new ProcessGraph();
            ProcessNode root = graph.Apply(Start(100, @"C:\x\tool.exe", 10, @"C:\Windows\explorer.exe", 0))!;
            Guid id = VerdictIds.For("WS1", "rec.jsonl", root, Tactic.Execution, T0);

            Assert.Equal(id, VerdictIds.For("ws1", "rec.jsonl", root, Tactic.Execution, T0));
            Assert.NotEqual(id, VerdictIds.For("WS1", "rec.jsonl", root, Tactic.Persistence, T0));
            Assert.NotEqual(id, VerdictIds.For("WS2", "rec.jsonl", root, Tactic.Execution, T0));
            Assert.NotEqual(id, VerdictIds.For("WS1", "other.jsonl", root, Tactic.Execution, T0));
            Assert.NotEqual(id, VerdictIds.For("WS1", "rec.jsonl", root, Tactic.Execution, T0.AddTicks(1)));
            Assert.NotEqual(id, VerdictIds.For("WS1", "rec.jsonl", null, Tactic.Execution, T0));
            Assert.NotEqual(id, VerdictIds.For("WS1", "rec.jsonl", root, Tactic.Execution, T0, salt: 1));
            string text = id.ToString("D");
            Assert.Equal('5', text[14]);
            Assert.Contains(text[19], "89ab");
        }

        [Fact]
        public void ScanService_SameRecordingTwice_UpdatesTheSameStoredDetections()
        {
            using var temp = new TempDirectory();
            string store = System.IO.Path.Combine(temp.FullPath, "s.db");
            string sample = System.IO.Path.Combine(AppContext.BaseDirectory, "data", "samples");
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { UseModel = false });
            var first = new Collecting();
            var second = new Collecting();

            ScanResult one = ScanService.Run(engine, new ScanRequest { Paths = new[] { sample }, StorePath = store }, first);
            long stored;
            using (DetectionStore opened = DetectionStore.Open(store))
            {
                stored = opened.Count();
            }

            ScanResult two = ScanService.Run(engine, new ScanRequest { Paths = new[] { sample }, StorePath = store }, second);

            Assert.True(one.Statistics.Detections > 0);
            Assert.Equal(first.Detections.Select(d => d.Id).OrderBy(x => x), second.Detections.Select(d => d.Id).OrderBy(x => x));
            using DetectionStore reopened = DetectionStore.Open(store);
            Assert.Equal(stored, reopened.Count());
            Assert.Equal(first.Detections.Select(d => d.Id).Distinct().Count(), (int)reopened.Count());
            Assert.NotNull(two.ScanId);
            Assert.True(first.Verdicts > 0);
            Assert.True(first.Progress > 0);
        }

        private sealed class Collecting : IScanObserver
        {
            public List<Detection> Detections { get; } = new List<Detection>();

            public int Verdicts { get; private set; }

            public int Progress { get; private set; }

            public void OnDetection(Detection detection) => Detections.Add(detection);

            public void OnVerdict(VerdictEvent verdictEvent) => Verdicts++;

            public void OnProblem(ReplayProblem problem)
            {
            }

            public void OnProgress(ScanProgress progress) => Progress++;

            public void OnStoreFailure(BehaviorBlockingException error) => throw new InvalidOperationException("the store failed: " + error.Message, error);
        }
    }
}
