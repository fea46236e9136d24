using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.Verdicts;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Pipeline
{
    /// <summary>The order detectors are listed in never changes a detection or a verdict event.</summary>
    public sealed class DetectorOrderTests : IDisposable
    {
        private const string Word = @"C:\Office\winword.exe";
        private const string PowerShell = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
        private const string Whoami = @"C:\Windows\System32\whoami.exe";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private RuleSet Rules() => _kit
            .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"))
            .Write("whoami.yml", RuleTestKit.Rule("whoami", "category: process_creation", "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel", "low", "attack.discovery", "Whoami"))
            .Write("run.yml", RuleTestKit.Rule("run", "category: file_event", "  sel:\n    TargetFilename|contains: '\\Startup\\'\n  condition: sel", "high", "attack.persistence", "StartupDrop"))
            .Load();

        // Built once per test: both runs see the very same events (record ids included).
        private BehaviorEvent[] BuildEvents() => new[]
        {
            _kit.Start(1, 100, Word, "winword.exe a.docm", 10, SysmonEvents.Explorer),
            _kit.Start(2, 200, PowerShell, "powershell -enc AAAA", 100, Word),
            _kit.Start(3, 300, PowerShell, "powershell -enc BBBB", 200, PowerShell),
            _kit.Start(4, 400, Whoami, "whoami /all", 300, PowerShell),
            _kit.FileCreate(5, 300, PowerShell, @"C:\Users\a\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\x.lnk"),
            _kit.Start(6, 500, PowerShell, "powershell -enc CCCC", 10, SysmonEvents.Explorer),
            _kit.FailedLogon(7),
        };

        private BehaviorEvent[]? _events;

        private (List<string> Detections, List<string> Verdicts, List<Detection> Raw) Run(bool reversed, bool withModel)
        {
            _events ??= BuildEvents();
            RuleSet rules = Rules();
            var features = new TreeFeatureCollector();
            var watch = new ImageWatchDetector("powershell.exe");
            var detectors = new List<IDetector> { features, new RuleDetector(rules), watch };
            if (reversed)
            {
                detectors.Reverse();
            }

            var options = withModel ? new VerdictOptions { Classifier = new ProcessCountClassifier(starts: 3), Features = features } : new VerdictOptions();
            var run = new VerdictRecorder(detectors, options).Feed(_events).End();
            return (run.Detections.Select(Describe.Detection).ToList(), run.Events.Select(Describe.VerdictEvent).ToList(), run.Detections);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Process_DetectorsInReverseOrder_GiveIdenticalDetectionsAndVerdictEvents(bool withModel)
        {
            var listed = Run(reversed: false, withModel);
            var reversed = Run(reversed: true, withModel);

            Assert.Equal(listed.Detections, reversed.Detections);
            Assert.Equal(listed.Verdicts, reversed.Verdicts);

            // The runs are worth comparing: both detectors' signals meet on the same events.
            Detection execution = listed.Raw.First(d => d.Tactic == Tactic.Execution);
            Assert.Contains(execution.Evidence, e => e.Kind == "rule" && e.Id == "enc");
            Assert.Contains(execution.Evidence, e => e.Kind == "rule" && e.Id == "watch-powershell.exe");
            Assert.Equal(4, listed.Raw.Count);
            if (withModel)
            {
                Assert.EndsWith("!ml", execution.Name, StringComparison.Ordinal);
                Assert.Contains(listed.Raw, d => d.Name.EndsWith("!rule", StringComparison.Ordinal));
            }
        }

        [Fact]
        public void Process_TwoDetectorsSignalSameEvent_StrongestTieGoesToDetectorFirstByName()
        {
            // "image-watch" sorts before "rules": with equal levels its signal is the verdict's strongest, in either order.
            var listed = Run(reversed: false, withModel: false);
            var reversed = Run(reversed: true, withModel: false);

            Detection a = listed.Raw.First(d => d.Tactic == Tactic.Execution);
            Detection b = reversed.Raw.First(d => d.Tactic == Tactic.Execution);
            Assert.Equal("Behavior:Win32/Execution.Watch!rule", a.Name);
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(new[] { "watch-powershell.exe", "enc" }, a.Evidence.Where(e => e.Kind == "rule").Select(e => e.Id));
        }
    }
}
