using System;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>Decisions of the indicator gate the exec guard asks: block indicators deny unless the mode is Off, allow indicators and no match allow.</summary>
    public sealed class IndicatorExecutionGateTests
    {
        private const string Head = "\"schemaVersion\": 1, \"version\": \"t\", ";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        private static readonly string Sha = new string('A', 64);

        private static IBlockingPolicy Mode(string mode) => PolicyVerdicts.PolicyOf("{" + Head + "\"mode\": \"" + mode + "\"}");

        private static Indicator Make(IndicatorKind kind, string value, IndicatorVerdict verdict, DateTimeOffset? expires = null) =>
            new Indicator(Guid.NewGuid(), kind, value, verdict, IndicatorSource.Manual, Now.AddDays(-1)) { Expires = expires, Comment = "why" };

        private static ExecutionDecision Decide(string mode, ExecutionRequest request, params Indicator[] indicators) =>
            new IndicatorExecutionGate(() => new IndicatorSet(indicators), () => Mode(mode), () => Now).Decide(request);

        private static ExecutionRequest Request(string? path = "/tmp/payload", string? sha = null) => new ExecutionRequest(42, "/usr/bin/bash", path, sha ?? Sha);

        [Theory]
        [InlineData("Block")]
        [InlineData("Audit")]
        public void Decide_BlockedHash_DeniesNamingTheIndicator(string mode)
        {
            Indicator blocked = Make(IndicatorKind.Sha256, Sha, IndicatorVerdict.Block);

            ExecutionDecision decision = Decide(mode, Request(), blocked);

            Assert.True(decision.Deny);
            Assert.Same(blocked, decision.Indicator);
            Assert.Contains(blocked.Id.ToString("D"), decision.Reason);
            Assert.Contains("sha256 " + Sha, decision.Reason);
        }

        [Fact]
        public void Decide_BlockedPath_Denies()
        {
            Assert.True(Decide("Block", Request(sha: new string('B', 64)), Make(IndicatorKind.Path, "/tmp/payload", IndicatorVerdict.Block)).Deny);
        }

        [Fact]
        public void Decide_ModeOff_Allows()
        {
            Assert.False(Decide("Off", Request(), Make(IndicatorKind.Sha256, Sha, IndicatorVerdict.Block)).Deny);
        }

        [Fact]
        public void Decide_AllowIndicator_AllowsInBlockMode()
        {
            Indicator allow = Make(IndicatorKind.Sha256, Sha, IndicatorVerdict.Allow);

            ExecutionDecision decision = Decide("Block", Request(), allow);

            Assert.False(decision.Deny);
            Assert.Same(allow, decision.Indicator);
            Assert.StartsWith("allowed by indicator", decision.Reason);
        }

        [Fact]
        public void Decide_ExpiredBlock_Allows()
        {
            Assert.False(Decide("Block", Request(), Make(IndicatorKind.Sha256, Sha, IndicatorVerdict.Block, Now.AddSeconds(-1))).Deny);
        }

        [Fact]
        public void Decide_UnhashedFile_IsStillJudgedByPath()
        {
            Assert.True(Decide("Block", new ExecutionRequest(42, null, "/tmp/payload", null), Make(IndicatorKind.Path, "/tmp/payload", IndicatorVerdict.Block)).Deny);
            Assert.False(Decide("Block", new ExecutionRequest(42, null, null, null), Make(IndicatorKind.Path, "/tmp/payload", IndicatorVerdict.Block)).Deny);
        }

        [Fact]
        public void Decide_ReadsTheSnapshotsInForceAtEachCall()
        {
            IndicatorSet set = IndicatorSet.Empty;
            var gate = new IndicatorExecutionGate(() => set, () => Mode("Block"), () => Now);
            Assert.False(gate.Decide(Request()).Deny);

            set = new IndicatorSet(new[] { Make(IndicatorKind.Sha256, Sha, IndicatorVerdict.Block) });

            Assert.True(gate.Decide(Request()).Deny);
        }
    }
}
