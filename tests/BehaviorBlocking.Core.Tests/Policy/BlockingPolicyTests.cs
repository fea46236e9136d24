using System;
using System.IO;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;
using static BehaviorBlocking.Tests.Policy.PolicyVerdicts;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>Decisions of the policy snapshot: modes, precedence, thresholds, every exclusion kind with expiry, and indicators.</summary>
    public sealed class BlockingPolicyTests
    {
        private const string Head = "\"schemaVersion\": 1, \"version\": \"t\", ";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        private static BlockingPolicy Block(string rest = "") => PolicyOf("{" + Head + "\"mode\": \"Block\"" + rest + "}");

        private static BlockingPolicy WithExclusion(string exclusion, string mode = "Block") =>
            PolicyOf("{" + Head + "\"mode\": \"" + mode + "\", \"exclusions\": [" + exclusion + "]}");

        [Fact]
        public void Decide_Off_DoesNothingWhateverTheScoreOrIndicator()
        {
            var indicators = new ListIndicatorLookup(new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, Sha, IndicatorVerdict.Block, IndicatorSource.Manual, Now));
            BlockingPolicy policy = PolicyOf("{" + Head + "\"mode\": \"Off\"}", indicators: indicators);

            PolicyDecision decision = policy.Decide(Make(score: 1));

            Assert.False(decision.RequiresResponse);
            Assert.False(decision.Excluded);
            Assert.Contains("Off", decision.Reason);
            Assert.Equal(0, indicators.Calls);
        }

        [Fact]
        public void Decide_AuditAboveThreshold_RecordsOnlyAndSaysWhatBlockWouldDo()
        {
            BlockingPolicy policy = PolicyOf("{" + Head + "\"mode\": \"Audit\", \"tactics\": {\"Execution\": {\"threshold\": 0.7, \"quarantine\": true}}}");

            PolicyDecision decision = policy.Decide(Make(score: 0.75));

            Assert.False(decision.RequiresResponse);
            Assert.Equal(ResponseAction.None, decision.Action);
            Assert.Equal("audit mode: record only; Block would KillTree + quarantine (score at or above threshold 0.7, tactics.Execution)", decision.Reason);
            Assert.NotNull(decision.InBlockMode);
            Assert.Equal(ResponseAction.KillTree, decision.InBlockMode!.Action);
            Assert.True(decision.InBlockMode.Quarantine);
        }

        [Fact]
        public void Decide_AuditBelowThreshold_HasNoBlockModeDecision()
        {
            PolicyDecision decision = PolicyOf("{" + Head + "\"mode\": \"Audit\"}").Decide(Make(score: 0.5));

            Assert.Null(decision.InBlockMode);
            Assert.StartsWith("score below threshold 0.8 (built-in defaults)", decision.Reason);
        }

        [Fact]
        public void Decide_DefaultPolicy_IsAuditWithBuiltInThreshold()
        {
            PolicyDecision decision = BlockingPolicy.Default.Decide(Make(score: 0.8));

            Assert.Equal(PolicyMode.Audit, BlockingPolicy.Default.Mode);
            Assert.False(decision.RequiresResponse);
            Assert.Equal(ResponseAction.KillTree, decision.InBlockMode!.Action);
        }

        [Fact]
        public void Decide_BlockAtThreshold_ActsWithTheDefaults()
        {
            BlockingPolicy policy = Block(", \"defaults\": {\"threshold\": 0.9, \"action\": \"KillTree\", \"quarantine\": true, \"blockHash\": true, \"remediate\": true}");

            PolicyDecision at = policy.Decide(Make(score: 0.9));
            PolicyDecision below = policy.Decide(Make(score: 0.8999));

            Assert.True(at.RequiresResponse);
            Assert.Equal(ResponseAction.KillTree, at.Action);
            Assert.True(at.Quarantine && at.BlockHash && at.Remediate);
            Assert.Equal("block mode: score at or above threshold 0.9 (defaults): KillTree + quarantine + block hash + remediate", at.Reason);
            Assert.False(below.RequiresResponse);
            Assert.Contains("below threshold 0.9", below.Reason);
        }

        [Fact]
        public void Decide_NaNScore_IsNeverAboveAThreshold()
        {
            Assert.False(Block(", \"defaults\": {\"threshold\": 0}").Decide(Make(score: double.NaN)).RequiresResponse);
        }

        [Fact]
        public void Decide_Precedence_DetectionNameOverRuleOverTacticOverDefaults()
        {
            BlockingPolicy policy = Block(", \"defaults\": {\"threshold\": 0.9, \"action\": \"KillTree\"}"
                + ", \"tactics\": {\"Execution\": {\"threshold\": 0.7, \"action\": \"KillProcess\"}}"
                + ", \"rules\": {\"rule-a\": {\"action\": \"Suspend\"}, \"rule-b\": {\"action\": \"None\", \"quarantine\": true}}"
                + ", \"detections\": {\"Behavior:Win32/Execution.Special!ml\": {\"threshold\": 0.5, \"blockHash\": true}}");

            PolicyDecision defaults = policy.Decide(Make(tactic: Tactic.Persistence, score: 0.85));
            PolicyDecision tactic = policy.Decide(Make(score: 0.75));
            PolicyDecision rule = policy.Decide(Make(score: 0.75, rules: new[] { "rule-x", "RULE-A" }));
            PolicyDecision name = policy.Decide(Make(score: 0.6, name: "Behavior:Win32/Execution.Special!ml", rules: new[] { "rule-a" }));

            Assert.False(defaults.RequiresResponse);
            Assert.Equal(ResponseAction.KillProcess, tactic.Action);
            Assert.Equal(ResponseAction.Suspend, rule.Action);
            Assert.Contains("rules['rule-a'] > tactics.Execution > defaults", rule.Reason);

            // Each field from the most specific entry that sets it: threshold from the name, action from the rule.
            Assert.Equal(ResponseAction.Suspend, name.Action);
            Assert.True(name.BlockHash);
            Assert.False(name.Quarantine);
            Assert.Contains("threshold 0.5", name.Reason);
        }

        [Fact]
        public void Decide_FirstRuleWithAnEntryInEvidenceOrder_Decides()
        {
            BlockingPolicy policy = Block(", \"rules\": {\"rule-a\": {\"action\": \"Suspend\"}, \"rule-b\": {\"action\": \"KillProcess\"}}");

            Assert.Equal(ResponseAction.KillProcess, policy.Decide(Make(rules: new[] { "rule-b", "rule-a" })).Action);
            Assert.Equal(ResponseAction.Suspend, policy.Decide(Make(rules: new[] { "rule-a", "rule-b" })).Action);
        }

        [Fact]
        public void Decide_ActionNoneWithoutFlags_RecordsOnly()
        {
            PolicyDecision decision = Block(", \"tactics\": {\"Discovery\": {\"action\": \"None\"}}").Decide(Make(tactic: Tactic.Discovery, score: 1));

            Assert.False(decision.RequiresResponse);
            Assert.Contains("takes no action", decision.Reason);
        }

        [Fact]
        public void SettingsFor_NamesRulesAndTactic_GivesTheEffectiveSettings()
        {
            BlockingPolicy policy = PolicyOf(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "policy", "block.json")));

            ResponseSettings credential = policy.SettingsFor(null, null, Tactic.CredentialAccess);
            ResponseSettings rule = policy.SettingsFor(null, new[] { "b2f1c3d4-0000-4000-8000-00000000c2a1" }, Tactic.Execution);

            Assert.Equal(0.6, credential.Threshold);
            Assert.True(credential.Quarantine);
            Assert.Equal(ResponseAction.KillTree, credential.Action);
            Assert.Equal(ResponseAction.Suspend, rule.Action);
            Assert.Equal(0.7, rule.Threshold);
        }

        [Fact]
        public void Decide_ImageExclusion_ExcludesWithItsJustificationCaseInsensitiveOnWindows()
        {
            BlockingPolicy policy = WithExclusion("{\"image\": \"C:\\\\Tools\\\\*.exe\", \"justification\": \"admin tools\"}");

            PolicyDecision hit = policy.Decide(Make(image: @"c:\tools\sub\Probe.EXE"));
            PolicyDecision miss = policy.Decide(Make(image: @"C:\Users\bob\payload.exe"));

            Assert.True(hit.Excluded);
            Assert.False(hit.RequiresResponse);
            Assert.StartsWith("admin tools (policy exclusion 0: image C:\\Tools\\*.exe)", hit.Reason);
            Assert.False(miss.Excluded);
            Assert.True(miss.RequiresResponse);
        }

        [Fact]
        public void Decide_ImageExclusionOnLinux_IsCaseSensitive()
        {
            BlockingPolicy policy = WithExclusion("{\"image\": \"/opt/tools/*\", \"justification\": \"tools\"}");

            Assert.True(policy.Decide(Make(image: "/opt/tools/scan", platform: DetectionPlatform.Linux)).Excluded);
            Assert.False(policy.Decide(Make(image: "/OPT/tools/scan", platform: DetectionPlatform.Linux)).Excluded);
        }

        [Fact]
        public void Decide_Sha256Exclusion_MatchesTheImplicatedProcessHash()
        {
            BlockingPolicy policy = WithExclusion("{\"sha256\": \"" + Sha.ToLowerInvariant() + "\", \"justification\": \"in-house updater\"}");

            Assert.True(policy.Decide(Make()).Excluded);
            Assert.False(policy.Decide(Make(sha256: "AB" + Sha.Substring(2))).Excluded);
            Assert.False(policy.Decide(Make(sha256: null)).Excluded);
            Assert.False(policy.Decide(Make(withTree: false)).Excluded);
        }

        [Fact]
        public void Decide_SignerExclusion_MatchesOnlyWhereASignerIsKnown()
        {
            const string exclusion = "{\"signer\": \"Contoso*\", \"justification\": \"ours\"}";
            BlockingPolicy noSigner = WithExclusion(exclusion);
            BlockingPolicy withSigner = PolicyOf("{" + Head + "\"mode\": \"Block\", \"exclusions\": [" + exclusion + "]}",
                signer: v => v.Detection.Image!.EndsWith("ours.exe", StringComparison.Ordinal) ? "Contoso Ltd" : "Someone Else");
            BlockingPolicy throwingSigner = PolicyOf("{" + Head + "\"mode\": \"Block\", \"exclusions\": [" + exclusion + "]}",
                signer: _ => throw new InvalidOperationException("no signer service"));

            Assert.False(noSigner.Decide(Make(image: @"C:\ours.exe")).Excluded);
            Assert.True(withSigner.Decide(Make(image: @"C:\ours.exe")).Excluded);
            Assert.False(withSigner.Decide(Make(image: @"C:\theirs.exe")).Excluded);
            Assert.False(throwingSigner.Decide(Make(image: @"C:\ours.exe")).Excluded);
        }

        [Fact]
        public void Decide_CommandLineAndParentImageExclusion_NeedsBothConditions()
        {
            BlockingPolicy policy = WithExclusion("{\"parentImage\": \"*\\\\agent.exe\", \"commandLine\": \"*vssadmin* list shadows*\", \"justification\": \"backup\"}");

            Assert.True(policy.Decide(Make(parentImage: @"C:\Backup\agent.exe", commandLine: "VSSADMIN.exe list shadows /for=C:")).Excluded);
            Assert.False(policy.Decide(Make(parentImage: @"C:\Windows\explorer.exe", commandLine: "vssadmin.exe list shadows")).Excluded);
            Assert.False(policy.Decide(Make(parentImage: @"C:\Backup\agent.exe", commandLine: "vssadmin.exe delete shadows")).Excluded);
        }

        [Fact]
        public void Decide_UserAndHostExclusion_IsCaseInsensitive()
        {
            BlockingPolicy policy = WithExclusion("{\"user\": \"CONTOSO\\\\svc-*\", \"host\": \"build-*\", \"justification\": \"deploy\"}");

            Assert.True(policy.Decide(Make(user: @"contoso\SVC-deploy", host: "BUILD-01", platform: DetectionPlatform.Linux)).Excluded);
            Assert.False(policy.Decide(Make(user: @"contoso\bob", host: "BUILD-01")).Excluded);
            Assert.False(policy.Decide(Make(user: @"contoso\svc-deploy", host: "WS-01")).Excluded);
        }

        [Fact]
        public void Decide_RuleIdExclusion_AppliesOnlyWhenEveryRuleMatches()
        {
            BlockingPolicy policy = WithExclusion("{\"ruleId\": \"whoami_*\", \"justification\": \"noise\"}");

            Assert.True(policy.Decide(Make(rules: new[] { "whoami_a", "WHOAMI_b" })).Excluded);
            Assert.False(policy.Decide(Make(rules: new[] { "whoami_a", "lsass_read" })).Excluded);
            Assert.False(policy.Decide(Make(rules: Array.Empty<string>())).Excluded);
        }

        [Fact]
        public void Decide_DetectionNameExclusion_MatchesTheName()
        {
            BlockingPolicy policy = WithExclusion("{\"detectionName\": \"Behavior:Linux/Discovery.*\", \"justification\": \"drills\"}");

            Assert.True(policy.Decide(Make(tactic: Tactic.Discovery, platform: DetectionPlatform.Linux)).Excluded);
            Assert.False(policy.Decide(Make(tactic: Tactic.Execution, platform: DetectionPlatform.Linux)).Excluded);
        }

        [Fact]
        public void Decide_ExpiredExclusion_IsNotHonoured()
        {
            const string exclusion = "{\"image\": \"*payload.exe\", \"expires\": \"2026-12-01T00:00:00Z\", \"justification\": \"until December\"}";
            BlockingPolicy before = PolicyOf("{" + Head + "\"mode\": \"Block\", \"exclusions\": [" + exclusion + "]}", now: Now.AddTicks(-1));
            BlockingPolicy at = PolicyOf("{" + Head + "\"mode\": \"Block\", \"exclusions\": [" + exclusion + "]}", now: Now);

            Assert.True(before.Decide(Make()).Excluded);
            PolicyDecision expired = at.Decide(Make());
            Assert.False(expired.Excluded);
            Assert.True(expired.RequiresResponse);
        }

        [Fact]
        public void Decide_ClockMovesPastExpiry_TheSameSnapshotStopsExcluding()
        {
            DateTimeOffset now = Now.AddDays(-1);
            PolicyDocument document = PolicyDocument.Parse("{" + Head + "\"mode\": \"Block\", \"exclusions\": [{\"image\": \"*payload.exe\", \"expires\": \"2026-12-01\", \"justification\": \"j\"}]}").Document!;
            var policy = new BlockingPolicy(document, new BlockingPolicyOptions { Clock = () => now });

            Assert.True(policy.Decide(Make()).Excluded);
            now = Now.AddSeconds(1);
            Assert.False(policy.Decide(Make()).Excluded);
        }

        [Fact]
        public void Decide_ExclusionInAuditMode_IsStillExcluded()
        {
            Assert.True(WithExclusion("{\"image\": \"*payload.exe\", \"justification\": \"j\"}", mode: "Audit").Decide(Make()).Excluded);
        }

        [Fact]
        public void Decide_AllowIndicator_OutranksRulesAndExclusions()
        {
            var indicators = new ListIndicatorLookup(new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, Sha, IndicatorVerdict.Allow, IndicatorSource.Manual, Now) { Comment = "vendor tool" });
            BlockingPolicy policy = PolicyOf("{" + Head + "\"mode\": \"Block\", \"defaults\": {\"threshold\": 0}}", indicators: indicators);

            PolicyDecision decision = policy.Decide(Make(score: 1));

            Assert.True(decision.Excluded);
            Assert.False(decision.RequiresResponse);
            Assert.Equal("allowed by indicator sha256 " + Sha + " (Manual: vendor tool)", decision.Reason);
        }

        [Fact]
        public void Decide_BlockIndicator_BlocksInAuditModeBelowThresholdAndOverAnExclusion()
        {
            var indicators = new ListIndicatorLookup(new Indicator(Guid.NewGuid(), IndicatorKind.Path, @"C:\Users\bob\payload.exe", IndicatorVerdict.Block, IndicatorSource.Feed, Now));
            BlockingPolicy policy = PolicyOf("{" + Head + "\"mode\": \"Audit\", \"exclusions\": [{\"image\": \"*payload.exe\", \"justification\": \"j\"}]}", indicators: indicators);

            PolicyDecision decision = policy.Decide(Make(score: 0.1));

            Assert.False(decision.Excluded);
            Assert.Equal(ResponseAction.KillTree, decision.Action);
            Assert.True(decision.BlockHash);
            Assert.StartsWith("blocked by indicator path", decision.Reason);
        }

        [Fact]
        public void Decide_ExpiredIndicator_IsIgnored()
        {
            var indicators = new ListIndicatorLookup(new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, Sha, IndicatorVerdict.Allow, IndicatorSource.Manual, Now.AddDays(-10)) { Expires = Now.AddDays(-1) });

            Assert.False(PolicyOf("{" + Head + "\"mode\": \"Block\"}", indicators: indicators).Decide(Make()).Excluded);
        }

        [Fact]
        public void Decide_ThrowingIndicatorLookup_NeverThrowsAndDoesNothing()
        {
            BlockingPolicy policy = PolicyOf("{" + Head + "\"mode\": \"Block\"}", indicators: new ThrowingLookup());

            PolicyDecision decision = policy.Decide(Make());

            Assert.False(decision.RequiresResponse);
            Assert.Contains("policy error", decision.Reason);
        }

        [Fact]
        public void Decide_NullVerdictAndVerdictWithoutTree_DoNotThrow()
        {
            BlockingPolicy policy = Block();

            Assert.False(policy.Decide(null!).RequiresResponse);
            Assert.True(policy.Decide(Make(withTree: false)).RequiresResponse);
        }

        [Fact]
        public void Decide_SameInputs_ReturnTheSameDecisionObject()
        {
            // The consumer thread must not allocate per verdict on the usual paths.
            BlockingPolicy policy = Block(", \"tactics\": {\"Execution\": {\"threshold\": 0.7}}, \"exclusions\": [{\"image\": \"C:\\\\Tools\\\\*\", \"justification\": \"j\"}]");
            Verdict verdict = Make();

            Assert.Same(policy.Decide(verdict), policy.Decide(verdict));
            Verdict excluded = Make(image: @"C:\Tools\x.exe");
            Assert.Same(policy.Decide(excluded), policy.Decide(excluded));
        }

        [Fact]
        public void Decide_UsualPaths_AllocateNothing()
        {
            BlockingPolicy policy = Block(", \"tactics\": {\"Execution\": {\"threshold\": 0.7}}, \"rules\": {\"rule-a\": {\"action\": \"Suspend\"}}"
                + ", \"exclusions\": [{\"image\": \"C:\\\\Tools\\\\*\", \"expires\": \"2030-01-01\", \"justification\": \"j\"}, {\"ruleId\": \"whoami*\", \"justification\": \"j\"}]");
            Verdict[] verdicts = { Make(rules: new[] { "rule-a" }), Make(score: 0.1), Make(image: @"C:\Tools\x.exe"), Make(rules: new[] { "whoami_a" }) };
            foreach (Verdict verdict in verdicts)
            {
                policy.Decide(verdict);
            }

            // The JIT's tier-up can allocate on this thread while a round runs; an allocation of Decide itself
            // shows in every round, so the quietest of several rounds is what Decide allocates.
            long least = long.MaxValue;
            for (int round = 0; round < 8 && least != 0; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 10_000; i++)
                {
                    policy.Decide(verdicts[i % verdicts.Length]);
                }

                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, least);
        }

        private sealed class ThrowingLookup : IIndicatorLookup
        {
            public System.Collections.Generic.IReadOnlyList<Indicator> All => Array.Empty<Indicator>();

            public Indicator? Match(string? sha256, string? path, DateTimeOffset now) => throw new IOException("indicator store gone");
        }
    }
}
