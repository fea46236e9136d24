using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    public sealed class RuleDetectorTests : IDisposable
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private RuleTestKit Rules() => _kit
            .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution, attack.t1059.001", "EncodedPs"))
            .Write("hidden.yml", RuleTestKit.Rule("hidden", "category: process_creation", "  sel:\n    CommandLine|contains: 'hidden'\n  condition: sel", "medium", "attack.execution", "HiddenWin"))
            .Write("run.yml", RuleTestKit.Rule("run", "category: registry_set", "  sel:\n    TargetObject|contains: '\\CurrentVersion\\Run\\'\n  condition: sel", "high", "attack.persistence, attack.t1547.001", "RunKey"))
            .Write("info.yml", RuleTestKit.Rule("info", "category: process_creation", "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel", "informational", "attack.discovery", "Whoami"))
            .Write("logon.yml", RuleTestKit.Rule("logon", "service: security", "  sel:\n    EventID: 4625\n  condition: sel", "low", "attack.credential_access", "LogonFail"));

        private BehaviorEvent RunKey(double seconds, int pid) => _kit.Event(Sysmon, 13, seconds, ("EventType", "SetValue"),
            ("ProcessGuid", "{00000000-0000-0000-0000-" + pid.ToString("D12") + "}"), ("ProcessId", pid.ToString()), ("Image", @"C:\x\implant.exe"),
            ("TargetObject", @"HKU\S-1-5-21\Software\Microsoft\Windows\CurrentVersion\Run\Updater"), ("Details", @"C:\x\implant.exe"));

        [Fact]
        public void Verdict_SignalsInOneTree_OneDetectionPerTacticGrowingWithEvidence()
        {
            var detections = RuleTestKit.Run(Rules().Load(),
                _kit.ProcessStart(1, 100, @"C:\Office\winword.exe", "winword.exe doc.docm", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"),
                _kit.ProcessStart(2, 200, @"C:\x\powershell.exe", "powershell -enc AAAA", parentPid: 100, parentImage: @"C:\Office\winword.exe"),
                _kit.ProcessStart(3, 300, @"C:\x\powershell.exe", "powershell -w hidden -enc BBBB", parentPid: 200, parentImage: @"C:\x\powershell.exe"),
                _kit.ProcessStart(4, 301, @"C:\x\powershell.exe", "powershell -w hidden -enc CCCC", parentPid: 200, parentImage: @"C:\x\powershell.exe"),
                RunKey(5, 300));

            Assert.Equal(2, detections.Count);
            Detection execution = detections.Single(d => d.Tactic == Tactic.Execution);
            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", execution.Name);
            Assert.Equal(0.75, execution.Score, 3);
            Assert.Equal(Severity.High, execution.Severity);
            Assert.Equal(new[] { "T1059.001" }, execution.Techniques);
            Assert.Equal(new[] { "enc", "hidden" }, execution.Evidence.Where(e => e.Kind == "rule").Select(e => e.Id));
            Assert.Contains("(3 matches)", execution.Evidence.First(e => e.Id == "enc").Description);
            Assert.Equal(RuleTestKit.T0.AddSeconds(2), execution.FirstSeen);
            Assert.Equal(RuleTestKit.T0.AddSeconds(4), execution.LastSeen);
            Assert.Equal(200, execution.ProcessId);
            Assert.Equal(DetectionAction.Audited, execution.Action);
            Assert.NotNull(execution.RuleSetVersion);
            Detection persistence = detections.Single(d => d.Tactic == Tactic.Persistence);
            Assert.Equal("Behavior:Win32/Persistence.RunKey!rule", persistence.Name);
            Assert.Equal(300, persistence.ProcessId);
            Assert.Equal(Severity.High, persistence.Severity);
        }

        [Fact]
        public void Verdict_SeparateTrees_SeparateDetections()
        {
            var detections = RuleTestKit.Run(Rules().Load(),
                _kit.ProcessStart(1, 200, @"C:\x\powershell.exe", "powershell -enc AAAA", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"),
                _kit.ProcessStart(2, 201, @"C:\x\powershell.exe", "powershell -enc AAAA", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"));

            Assert.Equal(2, detections.Count);
            Assert.NotEqual(detections[0].Id, detections[1].Id);
        }

        [Fact]
        public void Verdict_InformationalAlone_RaisesNothing()
        {
            var detections = RuleTestKit.Run(Rules().Load(), _kit.ProcessStart(1, 200, @"C:\Windows\System32\whoami.exe", "whoami"));

            Assert.Empty(detections);
        }

        [Fact]
        public void Verdict_EventsWithoutProcess_AggregateByHostUntilRecordingEnd()
        {
            var detections = RuleTestKit.Run(Rules().Load(),
                _kit.Event("Security", 4625, 1, ("TargetUserName", "admin"), ("LogonType", "3")),
                _kit.Event("Security", 4625, 2, ("TargetUserName", "admin"), ("LogonType", "3")),
                _kit.Event("Security", 4625, 3, ("TargetUserName", "root"), ("LogonType", "3")));

            Detection d = Assert.Single(detections);
            Assert.Equal("Behavior:Win32/CredentialAccess.LogonFail!rule", d.Name);
            Assert.Equal(RuleTestKit.T0.AddSeconds(3), d.LastSeen);
            Assert.Null(d.ProcessId);
            Assert.Equal("WS01.example.local", d.Host);
        }

        [Fact]
        public void Correlation_EventCount_FiresAtThresholdWithinTimespanAndSuppressesBaseRule()
        {
            RuleSet rules = _kit
                .Write("base.yml", RuleTestKit.Rule("fail", "service: security", "  sel:\n    EventID: 4625\n  condition: sel", "low", "attack.credential_access", "LogonFail"))
                .Write("corr.yml", "title: Many failed logons\nid: brute\nlevel: high\ntags:\n  - attack.credential_access\n  - attack.t1110\n" +
                    "correlation:\n  type: event_count\n  rules:\n    - fail\n  group-by:\n    - TargetUserName\n  timespan: 1m\n  condition:\n    gte: 3\n" +
                    "behaviorblocking:\n  variant: BruteForce\n")
                .Load();
            Assert.Empty(rules.Skipped);
            BehaviorEvent Fail(double s, string user) => _kit.Event("Security", 4625, s, ("TargetUserName", user), ("LogonType", "3"));

            var slow = RuleTestKit.Run(rules, Fail(0, "admin"), Fail(40, "admin"), Fail(80, "admin"), Fail(81, "bob"));
            var fast = RuleTestKit.Run(rules, Fail(0, "admin"), Fail(10, "bob"), Fail(20, "admin"), Fail(30, "admin"));

            Assert.Empty(slow);
            Detection d = Assert.Single(fast);
            Assert.Equal("Behavior:Win32/CredentialAccess.BruteForce!rule", d.Name);
            Assert.Equal(new[] { "T1110" }, d.Techniques);
        }

        [Fact]
        public void Correlation_ValueCount_CountsDistinctValues()
        {
            RuleSet rules = _kit
                .Write("base.yml", RuleTestKit.Rule("share", "service: security", "  sel:\n    EventID: 5140\n  condition: sel", "informational", "attack.discovery", "Share"))
                .Write("corr.yml", "title: Many shares\nid: sweep\nlevel: medium\ntags:\n  - attack.discovery\n" +
                    "correlation:\n  type: value_count\n  rules: share\n  group-by:\n    - IpAddress\n  timespan: 5m\n  condition:\n    field: ShareName\n    gt: 2\n")
                .Load();
            BehaviorEvent Share(double s, string name) => _kit.Event("Security", 5140, s, ("IpAddress", "10.0.0.9"), ("ShareName", name));

            Assert.Empty(RuleTestKit.Run(rules, Share(1, @"\\*\C$"), Share(2, @"\\*\C$"), Share(3, @"\\*\ADMIN$")));
            Detection d = Assert.Single(RuleTestKit.Run(rules, Share(1, @"\\*\C$"), Share(2, @"\\*\IPC$"), Share(3, @"\\*\ADMIN$")));
            Assert.Equal(Tactic.Discovery, d.Tactic);
        }

        [Theory]
        [InlineData("temporal", new[] { 1.0, 2.0 }, true)]
        [InlineData("temporal", new[] { 2.0, 1.0 }, true)]
        [InlineData("temporal_ordered", new[] { 2.0, 1.0 }, false)]
        [InlineData("temporal_ordered", new[] { 1.0, 2.0 }, true)]
        [InlineData("temporal", new[] { 1.0, 200.0 }, false)]
        public void Correlation_Temporal_NeedsAllRulesInTimespanInOrderWhenOrdered(string type, double[] times, bool fires)
        {
            RuleSet rules = _kit
                .Write("a.yml", RuleTestKit.Rule("dl", "category: network_connection", "  sel:\n    DestinationPort: 80\n  condition: sel", "informational", "attack.command_and_control", "Dl"))
                .Write("b.yml", RuleTestKit.Rule("ex", "category: file_event", "  sel:\n    TargetFilename|endswith: '.exe'\n  condition: sel", "informational", "attack.command_and_control", "Ex"))
                .Write("c.yml", $"title: Download then drop\nid: chain\nlevel: high\ntags:\n  - attack.command_and_control\ncorrelation:\n  type: {type}\n  rules:\n    - dl\n    - ex\n  timespan: 1m\n")
                .Load();
            Assert.Empty(rules.Skipped);
            BehaviorEvent net = _kit.Event(Sysmon, 3, times[0], ("ProcessGuid", "{p-7}"), ("ProcessId", "7"), ("Image", @"C:\x\a.exe"), ("DestinationIp", "192.0.2.1"), ("DestinationPort", "80"));
            BehaviorEvent file = _kit.Event(Sysmon, 11, times[1], ("ProcessGuid", "{p-7}"), ("ProcessId", "7"), ("Image", @"C:\x\a.exe"), ("TargetFilename", @"C:\x\b.exe"));
            BehaviorEvent[] ordered = times[0] <= times[1] ? new[] { net, file } : new[] { file, net };

            var detections = RuleTestKit.Run(rules, ordered);

            Assert.Equal(fires, detections.Any(d => d.Name == "Behavior:Win32/CommandAndControl.Dl!rule" || d.Evidence.Any(e => e.Id == "chain")));
        }

        [Fact]
        public void Correlation_UnknownReference_IsSkippedWithReason()
        {
            RuleSet rules = _kit.Write("c.yml", "title: x\nid: c\ncorrelation:\n  type: temporal\n  rules: [nothere]\n  timespan: 1m\n").Load();

            Assert.Contains("'nothere', which is not loaded", Assert.Single(rules.Skipped).Reason);
        }

        [Fact]
        public void Correlation_ValueCountOverManyValues_FiresFromTheThresholdAndForgetsExpiredValues()
        {
            RuleSet rules = _kit
                .Write("base.yml", RuleTestKit.Rule("share", "service: security", "  sel:\n    EventID: 5140\n  condition: sel", "informational", "attack.discovery", "Share"))
                .Write("corr.yml", "title: Many shares\nid: sweep\nlevel: medium\ntags:\n  - attack.discovery\n" +
                    "correlation:\n  type: value_count\n  rules: share\n  group-by:\n    - IpAddress\n  timespan: 5m\n  condition:\n    field: ShareName\n    gt: 2000\n")
                .Load();
            var detector = new RuleDetector(rules);
            var pipeline = new BehaviorPipeline(new IDetector[] { detector }, _ => { });

            // Each match used to walk every value of the window: 2,500 values, over 3 million steps.
            for (int i = 0; i < 2500; i++)
            {
                pipeline.Process(_kit.Event("Security", 5140, i * 0.1, ("IpAddress", "10.0.0.9"), ("ShareName", "share" + i)));
            }

            long Fires() => detector.Statistics().Single(s => s.Rule.Id == "sweep").Matches;
            Assert.Equal(500, Fires());
            pipeline.Process(_kit.Event("Security", 5140, 600, ("IpAddress", "10.0.0.9"), ("ShareName", "late")));
            Assert.Equal(500, Fires());
        }

        [Fact]
        public void Correlation_RuleNamedTwice_CountsOnceAndTooManyNamesAreRefused()
        {
            _kit.Write("a.yml", RuleTestKit.Rule("dl", "category: network_connection", "  sel:\n    DestinationPort: 80\n  condition: sel", "informational", "attack.command_and_control", "Dl"))
                .Write("b.yml", RuleTestKit.Rule("ex", "category: file_event", "  sel:\n    TargetFilename|endswith: '.exe'\n  condition: sel", "informational", "attack.command_and_control", "Ex"))
                .Write("c.yml", "title: Twice\nid: twice\nlevel: high\ncorrelation:\n  type: temporal\n  rules: [dl, dl, ex]\n  timespan: 1m\n")
                .Write("d.yml", "title: Many\nid: many\ncorrelation:\n  type: temporal\n  rules: [" + string.Join(", ", Enumerable.Repeat("dl", RuleLimits.MaxCorrelationRules + 1)) + "]\n  timespan: 1m\n");
            RuleSet rules = _kit.Load();

            Assert.Equal($"the correlation names {RuleLimits.MaxCorrelationRules + 1} rules; at most {RuleLimits.MaxCorrelationRules} are allowed", Assert.Single(rules.Skipped).Reason);
            BehaviorEvent net = _kit.Event(Sysmon, 3, 1, ("ProcessGuid", "{p-7}"), ("ProcessId", "7"), ("Image", @"C:\x\a.exe"), ("DestinationIp", "192.0.2.1"), ("DestinationPort", "80"));
            BehaviorEvent file = _kit.Event(Sysmon, 11, 2, ("ProcessGuid", "{p-7}"), ("ProcessId", "7"), ("Image", @"C:\x\a.exe"), ("TargetFilename", @"C:\x\b.exe"));
            Assert.Contains(RuleTestKit.Run(rules, net, file), d => d.Evidence.Any(e => e.Id == "twice"));
        }

        /// <summary>A catastrophic regex rule, loaded (and so evaluated) before a plain rule that matches the same event.</summary>
        private RuleSet TimeoutRules(bool linearFallback) => _kit
            .Write("a_slow.yml", RuleTestKit.Rule("slow", "category: process_creation", "  sel:\n    CommandLine|re: '" + RuleRegexTests.Catastrophic + "'\n  condition: sel", variant: "Slow"))
            .Write("b_fast.yml", RuleTestKit.Rule("fast", "category: process_creation", "  sel:\n    CommandLine|contains: 'aaaa'\n  condition: sel", variant: "Fast"))
            .Load(new RuleLoadOptions { Regexes = new RegexFactory(linearFallback, TimeSpan.FromMilliseconds(RuleLimits.RegexTimeoutMilliseconds)) });

        private static (RuleDetector Detector, BehaviorPipeline Pipeline, List<string> Signals) Pipeline(RuleSet rules)
        {
            var detector = new RuleDetector(rules);
            var signals = new List<string>();
            var pipeline = new BehaviorPipeline(new IDetector[] { detector, new SignalRecorder(signals) }, _ => { });
            return (detector, pipeline, signals);
        }

        [Fact]
        public void OnEvent_RegexTimeoutWithoutLinearEngine_CostsOnlyThatRuleAndIsCountedPerRule()
        {
            var (detector, pipeline, signals) = Pipeline(TimeoutRules(linearFallback: false));

            pipeline.Process(_kit.ProcessStart(1, 100, @"C:\x\a.exe", RuleRegexTests.CatastrophicValue));

            // The plain rule evaluated after the slow one still fires on the same event.
            Assert.Equal(new[] { "fast" }, signals);
            Dictionary<string, RuleStatistics> stats = detector.Statistics().ToDictionary(s => s.Rule.Id);
            Assert.Equal((1L, 0L, 1L, false), (stats["slow"].Evaluations, stats["slow"].Matches, stats["slow"].Timeouts, stats["slow"].Disabled));
            Assert.Equal((1L, 0L), (stats["fast"].Matches, stats["fast"].Timeouts));
            DetectorHealth health = pipeline.DetectorHealth().Single(h => h.Name == "rules");
            Assert.Equal(1, health.Failures);
            Assert.StartsWith("rule 'Rule slow' (slow, ", health.FirstError);
            Assert.Contains("a_slow.yml): regular expression on 'CommandLine|re' ran past 250 ms; the rule did not match that event", health.FirstError);
        }

        [Fact]
        public void OnEvent_RegexThatKeepsTimingOut_DisablesItsRuleAfterTheBudgetAndSaysSo()
        {
            var (detector, pipeline, signals) = Pipeline(TimeoutRules(linearFallback: false));

            for (int i = 0; i < RuleLimits.MaxRegexTimeoutsPerRule + 2; i++)
            {
                pipeline.Process(_kit.ProcessStart(1 + i, 100 + i, @"C:\x\a.exe", RuleRegexTests.CatastrophicValue));
            }

            Assert.Equal(Enumerable.Repeat("fast", RuleLimits.MaxRegexTimeoutsPerRule + 2), signals);
            RuleStatistics slow = detector.Statistics().Single(s => s.Rule.Id == "slow");
            Assert.Equal(RuleLimits.MaxRegexTimeoutsPerRule, slow.Evaluations);
            Assert.Equal(RuleLimits.MaxRegexTimeoutsPerRule, slow.Timeouts);
            Assert.True(slow.Disabled);
            RuleHealth health = detector.Health();
            Assert.Equal(((long)RuleLimits.MaxRegexTimeoutsPerRule, 1), (health.RegexTimeouts, health.RulesTimedOut));
            Assert.Equal("slow", Assert.Single(health.Disabled).Id);
        }

        [Fact]
        public void OnEvent_RegexTimeoutWithLinearEngine_SwitchesAndStillJudgesTheEvent()
        {
            Assert.True(RegexFactory.RuntimeHasLinearEngine, "the test runtime (.NET 10) has NonBacktracking");
            var (detector, pipeline, signals) = Pipeline(TimeoutRules(linearFallback: true));

            pipeline.Process(_kit.ProcessStart(1, 100, @"C:\x\a.exe", RuleRegexTests.CatastrophicValue));
            pipeline.Process(_kit.ProcessStart(2, 101, @"C:\x\a.exe", RuleRegexTests.CatastrophicValue));

            // Both rules fire on both events; only the first event paid a timeout.
            Assert.Equal(new[] { "slow", "fast", "slow", "fast" }, signals);
            RuleStatistics slow = detector.Statistics().Single(s => s.Rule.Id == "slow");
            Assert.Equal((2L, 2L, 1L, false), (slow.Evaluations, slow.Matches, slow.Timeouts, slow.Disabled));
            Assert.Contains("it now runs on the linear-time engine", detector.Health().FirstTimeout);
        }

        /// <summary>Records, in order, the ids of the rules that signalled.</summary>
        private sealed class SignalRecorder : IDetector, ISignalObserver
        {
            private readonly List<string> _signals;

            public SignalRecorder(List<string> signals) => _signals = signals;

            public string Name => "recorder";

            public string? Version => null;

            public void OnEvent(BehaviorEvent behaviorEvent, BehaviorBlocking.Graph.ProcessNode? process, ISignalSink sink)
            {
            }

            public void OnTreeClosed(BehaviorBlocking.Graph.ProcessTree tree)
            {
            }

            public void OnTreesMerged(BehaviorBlocking.Graph.ProcessTree from, BehaviorBlocking.Graph.ProcessTree into)
            {
            }

            public void OnRecordingEnd()
            {
            }

            public void OnSignal(in DetectionSignal signal) => _signals.Add(signal.Source.Id);
        }
    }
}
