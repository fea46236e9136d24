using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>The record of the policy in force: effective defaults, overrides, exclusions with their state, warnings.</summary>
    public sealed class BlockingPolicyInfoTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void InForce_NoFile_IsTheDefaultAuditPolicyWithBuiltInDefaults()
        {
            string path = _temp.Combine(PolicyFile.FileName);

            BlockingPolicyInfo info = BlockingPolicyInfo.InForce(path);

            Assert.True(info.IsDefault);
            Assert.Null(info.Sha256);
            Assert.Equal(path, info.Path);
            Assert.Equal(PolicyMode.Audit, info.Mode);
            Assert.Equal(ResponseSettings.BuiltInThreshold, info.Defaults.Threshold);
            Assert.Equal(ResponseAction.KillTree, info.Defaults.Action);
            Assert.Empty(info.Exclusions);
        }

        [Fact]
        public void InForce_FileWithExpiredExclusion_MarksItInactiveAndWarns()
        {
            string path = _temp.Combine(PolicyFile.FileName);
            File.WriteAllText(path, "{\"schemaVersion\": 1, \"version\": \"v1\", \"mode\": \"Block\", \"defaults\": {\"threshold\": 0.6},"
                + " \"tactics\": {\"Execution\": {\"action\": \"None\"}},"
                + " \"exclusions\": [{\"image\": \"/a/*\", \"user\": \"svc\", \"expires\": \"2020-01-01T00:00:00Z\", \"justification\": \"old\"}, {\"image\": \"/b\", \"justification\": \"new\"}]}");

            BlockingPolicyInfo info = BlockingPolicyInfo.InForce(path, new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));

            Assert.False(info.IsDefault);
            Assert.Equal(64, info.Sha256!.Length);
            Assert.Equal(0.6, info.Defaults.Threshold);
            Assert.Equal(ResponseAction.KillTree, info.Defaults.Action);
            Assert.Equal("Execution", Assert.Single(info.Tactics).Key);
            Assert.Equal(new[] { false, true }, info.Exclusions.Select(e => e.Active));
            Assert.Equal("image /a/* and user svc", info.Exclusions[0].Condition);
            Assert.Contains(info.Warnings, w => w.Path == "$.exclusions[0]");
        }
    }
}
