using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class GetBehaviorDetectionCommandTests
    {
        /// <summary>Replays the shipped sample through the engine into the session's default store; returns what was stored.</summary>
        internal static Detection[] FillStore()
        {
            string sample = Path.Combine(ModuleSession.SamplesPath, "intrusion-office-macro.jsonl");
            using (BehaviorEngine engine = BehaviorEngine.Create())
            {
                ScanResult result = ScanService.Run(engine, new ScanRequest { Paths = new[] { sample }, StorePath = ProductHome.DefaultStorePath }, new QuietObserver());
                Assert.True(result.StoredDetections > 0);
            }

            return DetectionQueries.Run(new DetectionQuery()).ToArray();
        }

        [Fact]
        public void GetBehaviorDetection_NoStore_WritesNothingAndNoError()
        {
            using var session = new ModuleSession();
            Assert.Empty(session.Invoke("Get-BehaviorDetection"));
            Assert.Empty(session.Errors);
            Assert.False(File.Exists(ProductHome.DefaultStorePath));
        }

        [Fact]
        public void GetBehaviorDetection_NoParameters_WritesEveryStoredDetectionOldestFirst()
        {
            using var session = new ModuleSession();
            Detection[] stored = FillStore();
            var found = session.Invoke<Detection>("Get-BehaviorDetection");
            Assert.Equal(stored.Select(d => d.Id), found.Select(d => d.Id));
            Assert.Equal(found.OrderBy(d => d.LastSeen).Select(d => d.Id), found.Select(d => d.Id));
            Assert.Empty(session.Errors);
        }

        [Fact]
        public void GetBehaviorDetection_Filters_ApplyTogether()
        {
            using var session = new ModuleSession();
            Detection[] stored = FillStore();
            Detection first = stored[0];
            string pattern = first.Name.Substring(0, 10) + "*";
            var found = session.Invoke<Detection>("Get-BehaviorDetection -Name $p -Host $h -Tactic $t -Severity $s -Action $a -ProcessId $procid",
                ("p", pattern.ToLowerInvariant()), ("h", first.Host.ToUpperInvariant()), ("t", first.Tactic), ("s", first.Severity), ("a", first.Action), ("procid", first.ProcessId));
            Assert.Contains(found, d => d.Id == first.Id);
            Assert.All(found, d => Assert.True(d.Severity >= first.Severity && d.ProcessId == first.ProcessId && d.Tactic == first.Tactic));
            Assert.Empty(session.Invoke("Get-BehaviorDetection -Until $u", ("u", stored.Min(d => d.LastSeen).UtcDateTime.AddSeconds(-1))));
            Assert.Single(session.Invoke("Get-BehaviorDetection -Last 1"));
        }

        [Fact]
        public void GetBehaviorDetection_UnknownId_WritesDetectionNotFoundForItAndTheKnownOne()
        {
            using var session = new ModuleSession();
            Detection known = FillStore()[0];
            Guid missing = Guid.NewGuid();
            var found = session.Invoke<Detection>("Get-BehaviorDetection -Id $k, $m", ("k", known.Id), ("m", missing));
            Assert.Equal(known.Id, Assert.Single(found).Id);
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("DetectionNotFound,BehaviorBlocking.Commands.GetBehaviorDetectionCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(missing, error.TargetObject);
        }

        [Fact]
        public void GetBehaviorDetection_IdByPropertyNameFromDeserializedObjects_GetsEach()
        {
            using var session = new ModuleSession();
            Detection[] stored = FillStore();
            var found = session.Invoke<Detection>(
                "[System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize(@(Get-BehaviorDetection))) | Get-BehaviorDetection");
            Assert.Equal(stored.Select(d => d.Id), found.Select(d => d.Id));
        }

        [Fact]
        public void GetBehaviorDetection_NameCompleter_OffersStoredNames()
        {
            using var session = new ModuleSession();
            Detection first = FillStore()[0];
            var completions = session.Invoke<CommandCompletion>("TabExpansion2 -inputScript $s -cursorColumn $s.Length",
                ("s", "Get-BehaviorDetection -Name " + first.Name.Substring(0, 12)));
            Assert.Contains(Assert.Single(completions).CompletionMatches, c => c.ListItemText == first.Name);
        }

        private sealed class QuietObserver : IScanObserver
        {
            public void OnDetection(Detection detection)
            {
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem)
            {
            }

            public void OnProgress(ScanProgress progress)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
            }
        }
    }
}
