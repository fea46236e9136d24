using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Tests.Verdicts;
using BehaviorBlocking.Verdicts;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>A replay scan under a Block policy reports, per detection, what would have been done, and does nothing.</summary>
    public sealed class WhatIfResponderTests : IDisposable
    {
        private static readonly string SampleDir = Path.Combine(AppContext.BaseDirectory, "data", "samples");
        private static readonly Regex s_wouldKillTree = new Regex(@"^would kill tree PID \d+ \([^)]+\), \d+ process(es)?$");
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly ITestOutputHelper _output;

        public WhatIfResponderTests(ITestOutputHelper output) => _output = output;

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        private static DelegatePolicy BlockEverything() =>
            new DelegatePolicy(_ => new PolicyDecision(ResponseAction.KillTree, false, "block mode") { Quarantine = true, BlockHash = true, Remediate = true });

        [Fact]
        public void Scan_SampleUnderABlockPolicy_ReportsPerDetectionTheStepsItWouldHaveTaken()
        {
            // The engine's own responder would act; a scan must not use it.
            var processes = new TableController().Add(7044, 1).Add(7212, 7044).Add(7580, 7212);
            var live = new ActiveResponder(new ResponseComponents { Processes = processes, Machine = new MachineIdentity(new[] { "FIN-WS07.contoso.local" }) });
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { Policy = BlockEverything(), Responder = live });
            string store = _temp.Combine("s.db");
            var observer = new Observer();

            ScanResult result = ScanService.Run(engine, new ScanRequest { Paths = new[] { SampleDir }, StorePath = store }, observer);

            Assert.Empty(processes.Calls);
            Assert.Equal(0, result.Verdicts.ResponderFailures);
            Dictionary<Guid, Detection> final = observer.Detections.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Last());
            Assert.True(final.Count >= 3, "the sample gives several detections");
            foreach (Detection detection in final.Values)
            {
                _output.WriteLine(detection.Name + ": " + string.Join(" | ", detection.Actions.Select(a => a.Kind + " " + a.Target + ": " + a.Detail)));
                Assert.Equal(DetectionAction.Audited, detection.Action);
                Assert.NotEmpty(detection.Actions);
                Assert.All(detection.Actions, a => Assert.Equal(StepOutcome.WhatIf, a.Outcome));
                Assert.All(detection.Actions, a => Assert.StartsWith("would ", a.Detail, StringComparison.Ordinal));
                Assert.Equal(ResponseKind.KillTree, detection.Actions[0].Kind);
                if (detection.Image is not null)
                {
                    Assert.Matches(s_wouldKillTree, detection.Actions[0].Detail);
                    Assert.Contains(detection.Actions, a => a.Kind == ResponseKind.Quarantine && a.Target == detection.Image && a.Detail == "would quarantine " + detection.Image);
                    Assert.Contains(detection.Actions, a => a.Kind == ResponseKind.BlockHash);
                }
                else
                {
                    Assert.Equal("would not kill: the verdict names no process", detection.Actions[0].Detail);
                }

                // Each kind once per target, however often the verdict was raised again.
                Assert.Equal(detection.Actions.Count, detection.Actions.Select(a => (a.Kind, a.Target)).Distinct().Count());
            }

            Detection persistence = final.Values.Single(d => d.Name.StartsWith("Behavior:Win32/Persistence.RunKey", StringComparison.Ordinal));
            Assert.Equal("would quarantine " + @"C:\Users\m.keller\AppData\Local\Temp\svcupd.exe", persistence.Actions.Single(a => a.Kind == ResponseKind.Quarantine).Detail);

            // The record carries the steps in its JSON form and in the store.
            foreach (Detection detection in final.Values)
            {
                Detection parsed = DetectionJson.Parse(DetectionJson.Serialize(detection));
                DetectionFixtures.AssertSame(detection, parsed);
            }

            using DetectionStore opened = DetectionStore.OpenReadOnly(store);
            foreach (Detection detection in final.Values)
            {
                DetectionFixtures.AssertSame(detection, opened.Get(detection.Id)!);
            }
        }

        [Fact]
        public void Scan_WithFileGuardRails_ReportsTheFilesTheyWouldRefuse()
        {
            var guards = new SetGuardRails();
            guards.Files.Add(@"C:\Windows\System32\cmd.exe");
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { UseModel = false, Policy = BlockEverything() });
            var observer = new Observer();

            ScanService.Run(engine, new ScanRequest { Paths = new[] { SampleDir }, FileGuardRails = guards }, observer);

            Detection cmd = observer.Detections.Last(d => d.Image == @"C:\Windows\System32\cmd.exe");
            Assert.Equal(@"would not quarantine C:\Windows\System32\cmd.exe: the guard rails refuse it (C:\Windows\System32\cmd.exe is guarded)",
                cmd.Actions.Single(a => a.Kind == ResponseKind.Quarantine).Detail);
            Assert.StartsWith("would not block the hash of", cmd.Actions.Single(a => a.Kind == ResponseKind.BlockHash).Detail, StringComparison.Ordinal);
            Assert.All(cmd.Actions, a => Assert.Equal(StepOutcome.WhatIf, a.Outcome));
        }

        [Fact]
        public void Scan_SampleUnderTheDefaultPolicy_HasNoSteps()
        {
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { UseModel = false });
            var observer = new Observer();

            ScanService.Run(engine, new ScanRequest { Paths = new[] { SampleDir } }, observer);

            Assert.NotEmpty(observer.Detections);
            Assert.All(observer.Detections, d => Assert.Empty(d.Actions));
            Assert.All(observer.Detections, d => Assert.Equal(DetectionAction.Audited, d.Action));
        }

        [Fact]
        public void Scan_ExcludingPolicy_IsExcludedWithoutSteps()
        {
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions
            {
                UseModel = false,
                Policy = new DelegatePolicy(_ => new PolicyDecision(ResponseAction.KillTree, true, "excluded: lab host")),
            });
            var observer = new Observer();

            ScanService.Run(engine, new ScanRequest { Paths = new[] { SampleDir } }, observer);

            Assert.All(observer.Detections, d => Assert.Equal(DetectionAction.Excluded, d.Action));
            Assert.All(observer.Detections, d => Assert.Empty(d.Actions));
        }

        private sealed class Observer : IScanObserver
        {
            public List<Detection> Detections { get; } = new List<Detection>();

            public void OnDetection(Detection detection) => Detections.Add(detection);

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem)
            {
            }

            public void OnProgress(ScanProgress progress)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error) => throw error;
        }
    }
}
