using System;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Verdicts
{
    /// <summary>The policy decides, the responder acts, and the detection record says what came of it, whatever either does.</summary>
    public sealed class VerdictResponseTests : IDisposable
    {
        private const string Word = @"C:\Office\WINWORD.EXE";
        private const string PowerShell = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private VerdictRecorder Run(VerdictOptions? options)
        {
            RuleSet rules = _kit
                .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"))
                .Write("hidden.yml", RuleTestKit.Rule("hidden", "category: process_creation", "  sel:\n    CommandLine|contains: 'hidden'\n  condition: sel", "medium", "attack.execution", "HiddenWin"))
                .Load();
            var run = new VerdictRecorder(new IDetector[] { new RuleDetector(rules) }, options);
            run.Feed(
                _kit.Start(1, 100, Word, "WINWORD.EXE doc.docm", 10, SysmonEvents.Explorer),
                _kit.Start(2, 200, PowerShell, "powershell -enc AAAA", 100, Word));
            return run;
        }

        [Fact]
        public void Respond_DefaultOptions_RecordsAudited()
        {
            VerdictRecorder run = Run(null).End();

            VerdictEvent raised = Assert.Single(run.Events);
            Assert.Equal(ResponseAction.None, raised.Decision.Action);
            Assert.False(raised.Decision.Excluded);
            Assert.False(raised.Decision.RequiresResponse);
            Assert.Equal(DetectionAction.Audited, raised.Response.Action);
            Assert.Empty(raised.Response.Steps);
            Assert.Equal(DetectionAction.Audited, raised.Detection.Action);
            Assert.Equal(DetectionAction.Audited, Assert.Single(run.Detections).Action);
            Assert.Equal(0, run.Verdicts.Health.PolicyFailures);
            Assert.Equal(0, run.Verdicts.Health.ResponderFailures);
            Assert.Null(run.Verdicts.Health.FirstError);
        }

        [Theory]
        [InlineData(ResponseAction.KillTree)]
        [InlineData(ResponseAction.KillProcess)]
        [InlineData(ResponseAction.Suspend)]
        public void Respond_PolicyAsksForActionWithRecordOnlyResponder_RecordsBlockFailed(ResponseAction action)
        {
            DelegatePolicy policy = DelegatePolicy.Always(action);

            VerdictRecorder run = Run(new VerdictOptions { Policy = policy }).End();

            VerdictEvent raised = Assert.Single(run.Events);
            Assert.Same(raised.Verdict, Assert.Single(policy.Asked));
            Assert.NotNull(policy.Asked[0].Tree);
            Assert.Equal(action, raised.Decision.Action);
            Assert.Equal(DetectionAction.BlockFailed, raised.Response.Action);
            ResponseStep step = Assert.Single(raised.Response.Steps);
            Assert.Equal(ResponseStep.KindOf(action), step.Kind);
            Assert.Equal("PID 100 (winword.exe)", step.Target);
            Assert.False(step.Succeeded);
            Assert.False(string.IsNullOrEmpty(step.Error));
            Assert.Equal(DetectionAction.BlockFailed, raised.Detection.Action);
            Assert.Equal(DetectionAction.Audited, raised.Verdict.Detection.Action);
            Assert.Equal(DetectionAction.BlockFailed, Assert.Single(run.Detections).Action);
        }

        [Fact]
        public void Respond_FailedBlockThenAuditedStrengthening_KeepsBlockFailed()
        {
            int calls = 0;
            var policy = new DelegatePolicy(_ => ++calls == 1
                ? new PolicyDecision(ResponseAction.KillTree, false, "first")
                : new PolicyDecision(ResponseAction.None, false, "later"));
            VerdictRecorder run = Run(new VerdictOptions { Policy = policy });

            run.Feed(_kit.Start(3, 300, PowerShell, "powershell -w hidden", 200, PowerShell)).End();

            Assert.Equal(new[] { VerdictChange.Raised, VerdictChange.Strengthened }, run.Events.Select(e => e.Change));
            Assert.Equal(DetectionAction.Audited, run.Events[1].Response.Action);
            Assert.Equal(DetectionAction.BlockFailed, run.Events[1].Detection.Action);
            Assert.Equal(DetectionAction.BlockFailed, Assert.Single(run.Detections).Action);
        }

        [Fact]
        public void Respond_ExcludedDecision_RecordsExcluded()
        {
            var policy = new DelegatePolicy(_ => new PolicyDecision(ResponseAction.KillTree, excluded: true, "exclusion: build server"));

            VerdictRecorder run = Run(new VerdictOptions { Policy = policy }).End();

            VerdictEvent raised = Assert.Single(run.Events);
            Assert.False(raised.Decision.RequiresResponse);
            Assert.Equal(DetectionAction.Excluded, raised.Response.Action);
            Assert.Empty(raised.Response.Steps);
            Assert.Equal(DetectionAction.Excluded, Assert.Single(run.Detections).Action);
        }

        [Fact]
        public void Respond_PolicyThrows_RecordsAuditedAndCountsFailure()
        {
            var responder = new CountingResponder();

            VerdictRecorder run = Run(new VerdictOptions { Policy = new ThrowingPolicy(), Responder = responder });
            run.Feed(_kit.Start(3, 300, PowerShell, "powershell -w hidden", 200, PowerShell)).End();

            Assert.Equal(2, run.Events.Count);
            Assert.All(run.Events, e => Assert.Equal(DetectionAction.Audited, e.Detection.Action));
            Assert.All(run.Events, e => Assert.Equal(ResponseAction.None, e.Decision.Action));
            Assert.Contains("policy broke", run.Events[0].Decision.Reason);
            Assert.Equal(2, responder.Calls);
            Assert.Equal(DetectionAction.Audited, Assert.Single(run.Detections).Action);
            VerdictHealth health = run.Verdicts.Health;
            Assert.Equal(2, health.PolicyFailures);
            Assert.Equal(0, health.ResponderFailures);
            Assert.Equal("policy: InvalidOperationException: policy broke", health.FirstError);
        }

        [Theory]
        [InlineData(ResponseAction.KillTree, false, DetectionAction.BlockFailed)]
        [InlineData(ResponseAction.None, false, DetectionAction.Audited)]
        [InlineData(ResponseAction.KillTree, true, DetectionAction.Excluded)]
        public void Respond_ResponderThrows_RecordsWhatTheDecisionImpliesAndCountsFailure(ResponseAction action, bool excluded, DetectionAction expected)
        {
            var responder = new ThrowingResponder();
            var policy = new DelegatePolicy(_ => new PolicyDecision(action, excluded, "test"));

            VerdictRecorder run = Run(new VerdictOptions { Policy = policy, Responder = responder }).End();

            VerdictEvent raised = Assert.Single(run.Events);
            Assert.Equal(1, responder.Calls);
            Assert.Equal(expected, raised.Response.Action);
            Assert.Equal(expected, raised.Detection.Action);
            Assert.Equal(expected, Assert.Single(run.Detections).Action);
            VerdictHealth health = run.Verdicts.Health;
            Assert.Equal(1, health.ResponderFailures);
            Assert.Equal(0, health.PolicyFailures);
            Assert.Equal("responder: InvalidOperationException: responder broke", health.FirstError);
        }

        [Fact]
        public void Respond_ResponderSaysBlocked_RecordsBlocked()
        {
            var responder = new CountingResponder(DetectionAction.Blocked);

            VerdictRecorder run = Run(new VerdictOptions { Policy = DelegatePolicy.Always(ResponseAction.KillTree), Responder = responder }).End();

            Assert.Equal(DetectionAction.Blocked, Assert.Single(run.Events).Detection.Action);
            Assert.Equal(DetectionAction.Blocked, Assert.Single(run.Detections).Action);
            Assert.Equal(100, responder.Roots.Single());
        }

        private sealed class CountingResponder : IResponder
        {
            private readonly DetectionAction _action;

            public CountingResponder(DetectionAction action = DetectionAction.Audited) => _action = action;

            public int Calls { get; private set; }

            public System.Collections.Generic.List<int> Roots { get; } = new System.Collections.Generic.List<int>();

            public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
            {
                Calls++;
                if (verdict.Tree is not null)
                {
                    Roots.Add(verdict.Tree.Root.ProcessId);
                }

                return new ResponseResult(_action);
            }
        }
    }
}
