using System;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Verdicts
{
    /// <summary>Verdict events go out while the crossing event is processed, with a copy of the tree at that moment.</summary>
    public sealed class VerdictEngineTests : IDisposable
    {
        private const string Word = @"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE";
        private const string Cmd = @"C:\Windows\System32\cmd.exe";
        private const string PowerShell = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
        private const string Sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private RuleSet Rules() => _kit
            .Write("shell.yml", RuleTestKit.Rule("shell", "category: process_creation", "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel", "low", "attack.execution", "Shell"))
            .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "low", "attack.execution", "EncodedPs"))
            .Write("hidden.yml", RuleTestKit.Rule("hidden", "category: process_creation", "  sel:\n    CommandLine|contains: 'hidden'\n  condition: sel", "medium", "attack.execution", "HiddenWin"))
            .Write("logon.yml", RuleTestKit.Rule("logon", "service: security", "  sel:\n    EventID: 4625\n  condition: sel", "low", "attack.credential_access", "LogonFail"))
            .Load();

        // Word (100) starts cmd (150, exits) and powershell (200); the second distinct low signal crosses 0.5.
        private BehaviorEvent[] Attack() => new[]
        {
            _kit.Start(1, 100, Word, "WINWORD.EXE /n invoice.docm", 10, SysmonEvents.Explorer),
            _kit.Start(2, 150, Cmd, "cmd.exe /c echo x", 100, Word),
            _kit.Exit(3, 150, Cmd),
            _kit.Start(4, 200, PowerShell, "powershell -enc AAAA", 100, Word, hashes: "SHA1=AAAA,MD5=BBBB,SHA256=" + Sha256 + ",IMPHASH=CCCC", user: @"EXAMPLE\bob"),
            _kit.Start(5, 201, PowerShell, "powershell -w hidden -c x", 200, PowerShell),
            _kit.Start(6, 202, PowerShell, "powershell -enc BBBB", 200, PowerShell),
        };

        private VerdictRecorder Recorder() => new VerdictRecorder(new IDetector[] { new RuleDetector(Rules()) }, new VerdictOptions { RaiseThreshold = 0.5 });

        [Fact]
        public void Process_EventCrossingThreshold_RaisesVerdictDuringThatEvent()
        {
            VerdictRecorder run = Recorder();
            BehaviorEvent[] events = Attack();

            run.Feed(events.Take(3).ToArray());
            Assert.Empty(run.Events);
            run.Feed(events[3]);

            VerdictEvent raised = Assert.Single(run.Events);
            Assert.Equal(4, run.RaisedDuringEvent[0]);
            Assert.Equal(0, run.EmittedBeforeEvent[0]);
            Assert.Empty(run.Detections);
            Assert.Equal(VerdictChange.Raised, raised.Change);
            Assert.Equal(VerdictChange.Raised, raised.Verdict.Change);
            Assert.Equal("Behavior:Win32/Execution.Shell!rule", raised.Detection.Name);
            Assert.Equal(Tactic.Execution, raised.Detection.Tactic);
            Assert.Equal(0.51, raised.Detection.Score, 3);
            Assert.Equal(Severity.Medium, raised.Detection.Severity);
            Assert.Equal(new[] { "shell", "enc" }, raised.Detection.Evidence.Where(e => e.Kind == "rule").Select(e => e.Id));
            Assert.Equal(new[] { Tactic.Execution }, raised.Verdict.TreeTactics);
            Assert.Equal(1, run.Verdicts.Health.Raised);
            Assert.Equal(1, run.Verdicts.Health.Events);
        }

        [Fact]
        public void Process_CrossingEvent_SnapshotListsEveryProcessOfTheTree()
        {
            VerdictRecorder run = Recorder();
            BehaviorEvent[] events = Attack();

            run.Feed(events.Take(4).ToArray());

            ProcessTreeSnapshot tree = Assert.IsType<ProcessTreeSnapshot>(Assert.Single(run.Events).Verdict.Tree);
            Assert.Equal(run.TreeOf(100).Id, tree.TreeId);
            Assert.Equal(SysmonEvents.Host, tree.Host);
            Assert.Equal(RuleTestKit.T0.AddSeconds(4), tree.TakenAt);
            Assert.Equal(new[] { 100, 150, 200 }, tree.Processes.Select(p => p.ProcessId));
            Assert.Equal(100, tree.Root.ProcessId);
            Assert.Equal(2, tree.AliveCount);

            ProcessSnapshot word = tree.Processes[0];
            Assert.Equal(SysmonEvents.GuidOf(100), word.ProcessGuid);
            Assert.Equal(10, word.ParentProcessId);
            Assert.Equal(SysmonEvents.GuidOf(10), word.ParentProcessGuid);
            Assert.Equal(Word, word.Image);
            Assert.Equal("WINWORD.EXE /n invoice.docm", word.CommandLine);
            Assert.Equal(@"EXAMPLE\alice", word.User);
            Assert.Equal(RuleTestKit.T0.AddSeconds(1), word.StartTime);
            Assert.True(word.StartObserved);
            Assert.True(word.IsAlive);
            Assert.Null(word.Sha256);

            ProcessSnapshot cmd = tree.Processes[1];
            Assert.Equal(100, cmd.ParentProcessId);
            Assert.Equal(SysmonEvents.GuidOf(100), cmd.ParentProcessGuid);
            Assert.Equal("cmd.exe /c echo x", cmd.CommandLine);
            Assert.False(cmd.IsAlive);
            Assert.Equal(RuleTestKit.T0.AddSeconds(3), cmd.ExitTime);

            ProcessSnapshot ps = tree.Processes[2];
            Assert.Equal(SysmonEvents.GuidOf(200), ps.ProcessGuid);
            Assert.Equal(100, ps.ParentProcessId);
            Assert.Equal(PowerShell, ps.Image);
            Assert.Equal("powershell -enc AAAA", ps.CommandLine);
            Assert.Equal(@"EXAMPLE\bob", ps.User);
            Assert.Equal(RuleTestKit.T0.AddSeconds(4), ps.StartTime);
            Assert.True(ps.IsAlive);
            Assert.Equal(Sha256.ToUpperInvariant(), ps.Sha256);
            Assert.Equal("PID 200 (powershell.exe)", ps.ToString());
        }

        [Fact]
        public void Process_Snapshot_IsACopyThatLaterEventsDoNotChange()
        {
            VerdictRecorder run = Recorder();
            BehaviorEvent[] events = Attack();
            run.Feed(events.Take(4).ToArray());
            ProcessTreeSnapshot tree = run.Events[0].Verdict.Tree!;

            run.Feed(_kit.Exit(4.5, 200, PowerShell)).Feed(events.Skip(4).ToArray()).End();

            Assert.Equal(3, tree.Processes.Count);
            Assert.True(tree.Processes[2].IsAlive);
            Assert.Null(tree.Processes[2].ExitTime);
        }

        [Fact]
        public void Process_SignalOfNewRule_StrengthensWithHigherScore()
        {
            VerdictRecorder run = Recorder();

            run.Feed(Attack().Take(5).ToArray());

            Assert.Equal(new[] { VerdictChange.Raised, VerdictChange.Strengthened }, run.Events.Select(e => e.Change));
            VerdictEvent strengthened = run.Events[1];
            Assert.Equal(5, run.RaisedDuringEvent[1]);
            Assert.Equal(run.Events[0].Detection.Id, strengthened.Detection.Id);
            Assert.True(strengthened.Detection.Score > run.Events[0].Detection.Score);
            Assert.Equal(0.755, strengthened.Detection.Score, 3);
            Assert.Equal(Severity.High, strengthened.Detection.Severity);
            Assert.Equal("Behavior:Win32/Execution.HiddenWin!rule", strengthened.Detection.Name);
            Assert.Equal(new[] { 100, 150, 200, 201 }, strengthened.Verdict.Tree!.Processes.Select(p => p.ProcessId));
            Assert.Equal(1, run.Verdicts.Health.Raised);
            Assert.Equal(2, run.Verdicts.Health.Events);
        }

        [Fact]
        public void Process_RepeatOfKnownRule_InANewProcessImplicatesIt_TheRecordGrows()
        {
            VerdictRecorder run = Recorder();

            run.Feed(Attack()).End();

            // "-enc" again, in PID 202: no new score, but a process the response must reach.
            Assert.Equal(new[] { VerdictChange.Raised, VerdictChange.Strengthened, VerdictChange.ProcessImplicated }, run.Events.Select(e => e.Change));
            Assert.Equal(run.Events[1].Detection.Score, run.Events[2].Detection.Score);
            Detection final = Assert.Single(run.Detections);
            Assert.Equal(run.Events[0].Detection.Id, final.Id);
            Assert.Equal(0.755, final.Score, 3);
            Assert.Equal(RuleTestKit.T0.AddSeconds(6), final.LastSeen);
            Assert.Contains("(2 matches)", final.Evidence.Single(e => e.Id == "enc").Description);
            Assert.Equal(0, run.Verdicts.OpenVerdicts);
        }

        [Fact]
        public void Process_BelowThreshold_RaisesNothingAndEmitsNothing()
        {
            VerdictRecorder run = Recorder();

            run.Feed(Attack().Take(3).ToArray()).End();

            Assert.Empty(run.Events);
            Assert.Empty(run.Detections);
            Assert.Equal(0, run.Verdicts.Health.Raised);
        }

        [Fact]
        public void Process_EventWithoutProcess_HostVerdictHasNoTree()
        {
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(Rules()) });

            run.Feed(_kit.FailedLogon(1)).End();

            VerdictEvent raised = Assert.Single(run.Events);
            Assert.Equal(VerdictChange.Raised, raised.Change);
            Assert.Null(raised.Verdict.Tree);
            Assert.Equal(new[] { Tactic.CredentialAccess }, raised.Verdict.TreeTactics);
            Assert.Equal("Behavior:Win32/CredentialAccess.LogonFail!rule", raised.Detection.Name);
            Assert.Equal(SysmonEvents.Host, raised.Detection.Host);
            Assert.Equal(raised.Detection.Id, Assert.Single(run.Detections).Id);
        }

        [Fact]
        public void Process_TwoTacticsOnOneTree_VerdictListsBothTacticsOfTheTree()
        {
            RuleSet rules = _kit
                .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"))
                .Write("whoami.yml", RuleTestKit.Rule("whoami", "category: process_creation", "  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel", "medium", "attack.discovery", "Whoami"))
                .Load();
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(rules) });

            run.Feed(
                _kit.Start(1, 100, Word, "WINWORD.EXE", 10, SysmonEvents.Explorer),
                _kit.Start(2, 200, PowerShell, "powershell -enc AAAA", 100, Word),
                _kit.Start(3, 300, @"C:\Windows\System32\whoami.exe", "whoami /all", 200, PowerShell)).End();

            Assert.Equal(new[] { Tactic.Execution }, run.Events[0].Verdict.TreeTactics);
            Assert.Equal(new[] { Tactic.Execution, Tactic.Discovery }, run.Events[1].Verdict.TreeTactics);
            Assert.Equal(2, run.Detections.Count);
            Assert.NotEqual(run.Detections[0].Id, run.Detections[1].Id);
        }
    }
}
