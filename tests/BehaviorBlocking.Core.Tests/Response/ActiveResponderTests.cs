using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Tests.Verdicts;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>
    /// The live responder over in-test components: winword (100) → cmd (150, a signal) → payload (200, the strongest
    /// signal) → conhost (300, no signal). The kill starts at cmd, the topmost implicated process, and takes its
    /// three processes; winword, which gave no signal, is left alone.
    /// </summary>
    public sealed class ActiveResponderTests : IDisposable
    {
        private const string Word = @"C:\Office\WINWORD.EXE";
        private const string Cmd = @"C:\Windows\System32\cmd.exe";
        private readonly RuleTestKit _kit = new RuleTestKit();
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _payload;
        private readonly SetGuardRails _guards = new SetGuardRails();
        private readonly TableController _processes;
        private readonly FolderQuarantine _quarantine;
        private readonly MemoryIndicators _indicators = new MemoryIndicators();
        private readonly SetRemediator _remediator = new SetRemediator();

        public ActiveResponderTests()
        {
            _payload = _temp.Combine("payload.exe");
            File.WriteAllText(_payload, "MZ not really a program");
            _processes = new TableController(_guards).Add(100, 10).Add(150, 100).Add(200, 150).Add(300, 200);
            _quarantine = new FolderQuarantine(_temp.Combine("vault"));
        }

        public void Dispose()
        {
            _kit.Dispose();
            _temp.Dispose();
        }

        private static readonly PersistenceArtifact s_cron = new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/cron.d/x", "* * * * * root /tmp/p");
        private static readonly PersistenceArtifact s_unit = new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/p.service");

        private ResponseComponents Components(IQuarantine? quarantine = null, string host = SysmonEvents.Host) => new ResponseComponents
        {
            Processes = _processes,
            GuardRails = _guards,
            Quarantine = quarantine ?? _quarantine,
            Indicators = _indicators,
            Remediator = _remediator,
            Machine = new MachineIdentity(new[] { host }),
        };

        /// <summary>The verdict as raised when the payload's signal joined cmd's, with the artifacts in its evidence.</summary>
        private Verdict Verdict(string? payloadHashes = null, bool payloadExited = false)
        {
            RuleSet rules = _kit
                .Write("hidden.yml", RuleTestKit.Rule("hidden", "category: process_creation", "  sel:\n    CommandLine|contains: 'hidden'\n  condition: sel", "medium", "attack.execution", "HiddenWin"))
                .Write("evil.yml", RuleTestKit.Rule("evil", "category: file_event", "  sel:\n    TargetFilename|contains: 'evil'\n  condition: sel", "high", "attack.execution", "EvilFile"))
                .Write("late.yml", RuleTestKit.Rule("late", "category: file_event", "  sel:\n    TargetFilename|contains: 'late'\n  condition: sel", "low", "attack.execution", "LateFile"))
                .Load();
            var verdicts = new List<Verdict>();
            var capture = new CapturingResponder(verdicts);
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(rules) }, new VerdictOptions { Responder = capture });
            run.Feed(
                _kit.Start(1, 100, Word, "WINWORD.EXE doc.docm", 10, SysmonEvents.Explorer),
                _kit.Start(2, 150, Cmd, "cmd /c start /min hidden", 100, Word),
                _kit.Start(3, 200, _payload, "payload.exe", 150, Cmd, payloadHashes),
                _kit.Start(4, 300, @"C:\Windows\System32\conhost.exe", "conhost.exe", 200, _payload));
            run.Feed(_kit.FileCreate(5, 200, _payload, @"C:\Users\alice\evil.ps1"));
            if (payloadExited)
            {
                // The payload and its child exit; cmd's later signal raises the verdict again over a tree where they are gone.
                run.Feed(_kit.Exit(5.5, 300, @"C:\Windows\System32\conhost.exe"), _kit.Exit(5.6, 200, _payload),
                    _kit.FileCreate(6, 150, Cmd, @"C:\Users\alice\late.txt"));
            }

            Verdict last = verdicts.Last();
            return ResponseVerdicts.With(last, moreEvidence: new[] { s_cron.ToEvidence(null), s_unit.ToEvidence(null) });
        }

        [Fact]
        public void Respond_BlockEverything_ActsInOrderAndIsBlocked()
        {
            _remediator.Present.Add("CronEntry:/etc/cron.d/x");
            _remediator.Present.Add("SystemdUnit:/etc/systemd/system/p.service");
            Verdict verdict = Verdict();

            ResponseResult result = new ActiveResponder(Components()).Respond(verdict, ResponseVerdicts.Decide(ResponseAction.KillTree, true, true, true));

            Assert.Equal(new[] { ResponseKind.KillTree, ResponseKind.Quarantine, ResponseKind.BlockHash, ResponseKind.Remediate, ResponseKind.Remediate },
                result.Steps.Select(s => s.Kind));
            Assert.All(result.Steps, s => Assert.Equal(StepOutcome.Done, s.Outcome));
            Assert.Equal(DetectionAction.Blocked, result.Action);
            Assert.Equal("PID 150 (cmd.exe)", result.Steps[0].Target);
            Assert.Contains("3 processes", result.Steps[0].Detail, StringComparison.Ordinal);
            Assert.Equal((ProcessAction.KillTree, 150), (_processes.Calls.Single().Action, _processes.Calls.Single().Target.ProcessId));
            Assert.True(_processes.IsAlive(100));
            Assert.False(_processes.IsAlive(150) || _processes.IsAlive(200) || _processes.IsAlive(300));

            QuarantineEntry held = Assert.Single(_quarantine.List());
            Assert.False(File.Exists(_payload));
            Assert.Equal(held.Id.ToString("D"), result.Steps[1].Reference);
            Indicator blocked = Assert.Single(_indicators.Added);
            Assert.Equal(held.Sha256, blocked.Value);
            Assert.Equal(IndicatorSource.Detection, blocked.Source);
            Assert.Equal(verdict.Detection.Id, blocked.DetectionId);
            Assert.Equal(blocked.Id.ToString("D"), result.Steps[2].Reference);
            Assert.Empty(_remediator.Present);
            Assert.All(result.Steps, s => Assert.Equal(ResponseStep.PolicyActor, s.Actor));
        }

        [Theory]
        [InlineData(StepOutcome.Done, true, DetectionAction.Blocked)]
        [InlineData(StepOutcome.AlreadyGone, true, DetectionAction.Blocked)]
        [InlineData(StepOutcome.Partial, true, DetectionAction.BlockFailed)]
        [InlineData(StepOutcome.AccessDenied, true, DetectionAction.BlockFailed)]
        [InlineData(StepOutcome.Failed, true, DetectionAction.BlockFailed)]
        [InlineData(StepOutcome.Refused, true, DetectionAction.BlockFailed)]
        [InlineData(StepOutcome.Done, false, DetectionAction.BlockFailed)]
        [InlineData(StepOutcome.AlreadyGone, false, DetectionAction.BlockFailed)]
        public void Respond_ProcessOutcomeAndQuarantine_GiveTheDetectionAction(StepOutcome processOutcome, bool quarantineWorks, DetectionAction expected)
        {
            _processes.Answer = (_, _) => new ProcessActionResult(processOutcome, processOutcome == StepOutcome.Done ? null : "forced " + processOutcome);
            IQuarantine quarantine = quarantineWorks ? _quarantine : new ThrowingQuarantine();

            ResponseResult result = new ActiveResponder(Components(quarantine)).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree, quarantine: true));

            Assert.Equal(expected, result.Action);
            Assert.Equal(processOutcome, result.Steps[0].Outcome);
            Assert.Equal(quarantineWorks ? StepOutcome.Done : StepOutcome.Failed, result.Steps[1].Outcome);
        }

        [Fact]
        public void Respond_NothingAsked_IsAuditedWithoutSteps()
        {
            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.None));

            Assert.Equal(DetectionAction.Audited, result.Action);
            Assert.Empty(result.Steps);
            Assert.Empty(_processes.Calls);
        }

        [Fact]
        public void Respond_Excluded_IsExcludedAndTouchesNothing()
        {
            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree, true, true, true, excluded: true));

            Assert.Equal(DetectionAction.Excluded, result.Action);
            Assert.Empty(result.Steps);
            Assert.Empty(_processes.Calls);
            Assert.True(File.Exists(_payload));
        }

        [Theory]
        [InlineData("ws02.example.local")]
        [InlineData("WS02")]
        [InlineData("ws01.other.example")]
        public void Respond_VerdictOfAnotherHost_RecordsNotSupportedAndActsOnNothing(string machine)
        {
            ResponseResult result = new ActiveResponder(Components(host: machine)).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree, true, true, true));

            Assert.Equal(DetectionAction.BlockFailed, result.Action);
            Assert.Equal(5, result.Steps.Count);
            Assert.All(result.Steps, s => Assert.Equal(StepOutcome.NotSupported, s.Outcome));
            Assert.All(result.Steps, s => Assert.Contains("not this machine", s.Detail, StringComparison.Ordinal));
            Assert.Empty(_processes.Calls);
            Assert.True(File.Exists(_payload));
            Assert.Empty(_indicators.Added);
        }

        [Theory]
        [InlineData("WS01")]
        [InlineData("ws01.EXAMPLE.local")]
        [InlineData("ws01.example.local.")]
        public void Respond_ShortOrFullNameOfThisMachine_Acts(string machine)
        {
            ResponseResult result = new ActiveResponder(Components(host: machine)).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree));

            Assert.Equal(DetectionAction.Blocked, result.Action);
            Assert.Single(_processes.Calls);
        }

        [Fact]
        public void Respond_QuarantineThrows_LaterStepsStillRun()
        {
            _remediator.Present.Add("CronEntry:/etc/cron.d/x");

            ResponseResult result = new ActiveResponder(Components(new ThrowingQuarantine())).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree, true, true, true));

            Assert.Equal(new[] { StepOutcome.Done, StepOutcome.Failed, StepOutcome.Done, StepOutcome.Done, StepOutcome.AlreadyGone }, result.Steps.Select(s => s.Outcome));
            Assert.Contains("disk on fire", result.Steps[1].Detail, StringComparison.Ordinal);
            Assert.Equal(FolderQuarantine.Sha256(_payload), Assert.Single(_indicators.Added).Value);
            Assert.Equal(DetectionAction.BlockFailed, result.Action);
        }

        [Fact]
        public void Respond_ControllerThrows_IsAFailedStepAndTheRestRuns()
        {
            _processes.Answer = (_, _) => throw new InvalidOperationException("signal lost");

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree, quarantine: true));

            Assert.Equal(StepOutcome.Failed, result.Steps[0].Outcome);
            Assert.Contains("signal lost", result.Steps[0].Detail, StringComparison.Ordinal);
            Assert.Equal(StepOutcome.Done, result.Steps[1].Outcome);
            Assert.Equal(DetectionAction.BlockFailed, result.Action);
        }

        [Fact]
        public void Respond_ImplicatedParentGuarded_KillsFromTheHighestUnguardedProcess()
        {
            _guards.Processes.Add(150);

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree));

            // cmd is guarded: it is refused (recorded) and the payload's subtree is killed on its own.
            Assert.Equal(new[] { ("PID 150 (cmd.exe)", StepOutcome.Refused), ("PID 200 (payload.exe)", StepOutcome.Done) },
                result.Steps.Select(s => (s.Target, s.Outcome)));
            Assert.True(_processes.IsAlive(150));
            Assert.False(_processes.IsAlive(200) || _processes.IsAlive(300));
            Assert.Equal(DetectionAction.BlockFailed, result.Action);
        }

        [Fact]
        public void Respond_KillProcess_ActsOnTheDetectionsProcessAlone()
        {
            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillProcess));

            ResponseStep step = Assert.Single(result.Steps);
            Assert.Equal(("PID 200 (payload.exe)", StepOutcome.Done), (step.Target, step.Outcome));
            Assert.True(_processes.IsAlive(150) && _processes.IsAlive(300));
            Assert.Equal(DetectionAction.Blocked, result.Action);
        }

        [Fact]
        public void Respond_Suspend_SuspendsTheMaliciousPart()
        {
            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.Suspend));

            Assert.Equal(ResponseKind.Suspend, Assert.Single(result.Steps).Kind);
            Assert.Equal(new[] { 150, 200, 300 }, _processes.Suspended.OrderBy(p => p));
            Assert.Equal(DetectionAction.Blocked, result.Action);
        }

        [Fact]
        public void Respond_ReportedHashAndNoQuarantine_BlocksTheReportedHash()
        {
            const string Sha = "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB";

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict("SHA256=" + Sha.ToLowerInvariant() + ",MD5=00"), ResponseVerdicts.Decide(ResponseAction.None, blockHash: true));

            ResponseStep step = Assert.Single(result.Steps);
            Assert.Equal((ResponseKind.BlockHash, StepOutcome.Done, Sha), (step.Kind, step.Outcome, step.Target));
            Assert.Equal(Sha, Assert.Single(_indicators.Added).Value);
            Assert.True(File.Exists(_payload));
        }

        [Fact]
        public void Respond_ImageNotOnThisMachine_QuarantineIsAlreadyGone()
        {
            File.Delete(_payload);

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.None, quarantine: true, blockHash: true));

            Assert.Equal(StepOutcome.AlreadyGone, result.Steps[0].Outcome);
            Assert.Equal(StepOutcome.Failed, result.Steps[1].Outcome);
            Assert.Contains("no SHA-256 known", result.Steps[1].Detail, StringComparison.Ordinal);
            Assert.Equal(DetectionAction.BlockFailed, result.Action);
        }

        [Fact]
        public void Respond_GuardedImage_QuarantineRefused()
        {
            _guards.Files.Add(_payload);

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.None, quarantine: true));

            Assert.Equal(StepOutcome.Refused, Assert.Single(result.Steps).Outcome);
            Assert.True(File.Exists(_payload));
            Assert.Equal(DetectionAction.BlockFailed, result.Action);
        }

        [Fact]
        public void Respond_TreeKilledButTheSystemImageRefusedForQuarantineAndHashBlock_IsBlocked()
        {
            // A malicious script run by the system shell: the tree dies, the shell itself is not quarantined.
            _guards.Files.Add(_payload);

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict("SHA256=" + new string('d', 64)),
                ResponseVerdicts.Decide(ResponseAction.KillTree, quarantine: true, blockHash: true));

            Assert.Equal(new[] { StepOutcome.Done, StepOutcome.Refused, StepOutcome.Refused }, result.Steps.Select(s => s.Outcome).ToArray());
            Assert.Equal(DetectionAction.Blocked, result.Action);
            Assert.True(File.Exists(_payload));
        }

        [Fact]
        public void Respond_GuardedImage_ItsHashIsNotBlockedEither()
        {
            _guards.Files.Add(_payload);

            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict("SHA256=" + new string('d', 64)), ResponseVerdicts.Decide(ResponseAction.None, blockHash: true));

            Assert.Equal(StepOutcome.Refused, Assert.Single(result.Steps).Outcome);
            Assert.Empty(_indicators.Added);
        }

        [Fact]
        public void Respond_NoComponents_IsNeverBlocked()
        {
            var bare = new ResponseComponents { Machine = new MachineIdentity(new[] { SysmonEvents.Host }) };

            ResponseResult result = new ActiveResponder(bare).Respond(Verdict(), ResponseVerdicts.Decide(ResponseAction.KillTree, true, true, true));

            Assert.Equal(DetectionAction.BlockFailed, result.Action);
            Assert.Equal(new[] { StepOutcome.NotSupported, StepOutcome.NotSupported, StepOutcome.NotSupported, StepOutcome.NotSupported, StepOutcome.NotSupported },
                result.Steps.Select(s => s.Outcome));
            Assert.True(File.Exists(_payload));
        }

        [Fact]
        public void Respond_ProcessExitedBeforeTheVerdict_IsAlreadyGoneWithoutASignal()
        {
            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(payloadExited: true), ResponseVerdicts.Decide(ResponseAction.KillProcess));

            ResponseStep step = Assert.Single(result.Steps);
            Assert.Equal(("PID 200 (payload.exe)", StepOutcome.AlreadyGone), (step.Target, step.Outcome));
            Assert.Empty(_processes.Calls);
            Assert.Equal(DetectionAction.Blocked, result.Action);
        }

        [Fact]
        public void Respond_KillTreeAfterThePayloadExited_KillsWhatIsLeftOfTheMaliciousPart()
        {
            ResponseResult result = new ActiveResponder(Components()).Respond(Verdict(payloadExited: true), ResponseVerdicts.Decide(ResponseAction.KillTree));

            ResponseStep step = Assert.Single(result.Steps);
            Assert.Equal(("PID 150 (cmd.exe)", StepOutcome.Done), (step.Target, step.Outcome));
            Assert.Equal(150, Assert.Single(_processes.Calls).Target.ProcessId);
            Assert.True(_processes.IsAlive(100));
        }

        [Fact]
        public void Respond_StepAlreadySettledByAnEarlierVerdictEvent_IsNotTakenAgain()
        {
            var responder = new ActiveResponder(Components());
            Verdict first = Verdict();
            ResponseResult earlier = responder.Respond(first, ResponseVerdicts.Decide(ResponseAction.KillTree, quarantine: true));
            Verdict later = ResponseVerdicts.With(first, actions: earlier.Steps);

            ResponseResult again = responder.Respond(later, ResponseVerdicts.Decide(ResponseAction.KillTree, quarantine: true, blockHash: true));

            Assert.Equal(ResponseKind.BlockHash, Assert.Single(again.Steps).Kind);
            Assert.Equal(_quarantine.List().Single().Sha256, Assert.Single(_indicators.Added).Value);
            Assert.Single(_processes.Calls);
            Assert.Equal(DetectionAction.Blocked, again.Action);
        }

        [Fact]
        public void WhatIf_ReportedHashOfAProtectedExecutable_SaysTheGuardRailsRefuseIt()
        {
            string tool = _temp.Combine("protected-tool");
            File.WriteAllText(tool, "the protected tool");
            string sha = ResponseExecutor.Sha256Of(tool);

            ResponseResult result = new WhatIfResponder(new GuardRails(new[] { tool }, Array.Empty<string>()))
                .Respond(Verdict("SHA256=" + sha), ResponseVerdicts.Decide(ResponseAction.None, blockHash: true));

            ResponseStep step = Assert.Single(result.Steps);
            Assert.Equal((ResponseKind.BlockHash, StepOutcome.WhatIf), (step.Kind, step.Outcome));
            Assert.StartsWith("would not block SHA-256 " + sha + ": the guard rails refuse it", step.Detail, StringComparison.Ordinal);
        }

        [Fact]
        public void WhatIf_SameVerdict_ReportsTheTargetsTheResponderWouldActOnAndTouchesNothing()
        {
            _guards.Files.Add(_payload);

            ResponseResult result = new WhatIfResponder(_guards).Respond(Verdict(@"SHA256=" + new string('c', 64)), ResponseVerdicts.Decide(ResponseAction.KillTree, true, true, true));

            Assert.Equal(DetectionAction.Audited, result.Action);
            Assert.All(result.Steps, s => Assert.Equal(StepOutcome.WhatIf, s.Outcome));
            Assert.Equal(new[]
            {
                "would kill tree PID 150 (cmd.exe), 3 processes",
                "would not quarantine " + _payload + ": the guard rails refuse it (" + _payload + " is guarded)",
                "would not block the hash of " + _payload + ": the guard rails refuse it (" + _payload + " is guarded)",
                "would remove CronEntry /etc/cron.d/x (* * * * * root /tmp/p)",
                "would remove SystemdUnit /etc/systemd/system/p.service",
            }, result.Steps.Select(s => s.Detail));
            Assert.Empty(_processes.Calls);
            Assert.True(File.Exists(_payload));
            Assert.Empty(_indicators.Added);
        }

        [Fact]
        public void Pipeline_WithActiveResponder_RecordsStepsOnTheDetectionOnce()
        {
            RuleSet rules = _kit
                .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"))
                .Write("hidden.yml", RuleTestKit.Rule("hidden", "category: process_creation", "  sel:\n    CommandLine|contains: 'hidden'\n  condition: sel", "medium", "attack.execution", "HiddenWin"))
                .Load();
            var options = new VerdictOptions { Policy = DelegatePolicy.Always(ResponseAction.KillTree), Responder = new ActiveResponder(Components()) };
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(rules) }, options);

            run.Feed(
                _kit.Start(1, 100, Word, "WINWORD.EXE doc.docm", 10, SysmonEvents.Explorer),
                _kit.Start(2, 150, Cmd, "cmd /c powershell -enc AAAA", 100, Word),
                _kit.Start(3, 200, _payload, "payload -w hidden", 150, Cmd)).End();

            Assert.Equal(2, run.Events.Count);
            Detection final = run.Detections.Last();
            Assert.Equal(DetectionAction.Blocked, final.Action);
            Assert.Equal(new[] { "PID 150 (cmd.exe)" }, final.Actions.Select(a => a.Target));
            Assert.Single(_processes.Calls);
        }

        /// <summary>Keeps every verdict it is given and acts on nothing.</summary>
        private sealed class CapturingResponder : IResponder
        {
            private readonly List<Verdict> _verdicts;

            public CapturingResponder(List<Verdict> verdicts) => _verdicts = verdicts;

            public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
            {
                _verdicts.Add(verdict);
                return new ResponseResult(DetectionAction.Audited);
            }
        }
    }
}
