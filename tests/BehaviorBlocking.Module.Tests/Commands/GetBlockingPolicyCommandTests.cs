using System.IO;
using System.Management.Automation;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class GetBlockingPolicyCommandTests
    {
        [Fact]
        public void GetBlockingPolicy_NoPolicyFile_IsTheDefaultAuditPolicy()
        {
            using var session = new ModuleSession();

            BlockingPolicyInfo info = Assert.Single(session.Invoke<BlockingPolicyInfo>("Get-BlockingPolicy"));

            Assert.True(info.IsDefault);
            Assert.Equal(PolicyMode.Audit, info.Mode);
            Assert.Equal(Path.Combine(session.Home, PolicyFile.FileName), info.Path);
            Assert.Equal(ResponseAction.KillTree, info.Defaults.Action);
        }

        [Fact]
        public void GetBlockingPolicy_PolicyFile_CarriesItsHashModeAndExclusions()
        {
            using var session = new ModuleSession();
            string path = Path.Combine(session.Home, PolicyFile.FileName);
            File.WriteAllText(path, "{\"schemaVersion\": 1, \"version\": \"v3\", \"mode\": \"Block\", \"exclusions\": [{\"image\": \"/opt/x\", \"justification\": \"x\"}]}");

            BlockingPolicyInfo info = Assert.Single(session.Invoke<BlockingPolicyInfo>("Get-BlockingPolicy"));

            Assert.False(info.IsDefault);
            Assert.Equal(PolicyFile.Load(path).Sha256, info.Sha256);
            Assert.Equal("v3", info.Version);
            Assert.Equal(PolicyMode.Block, info.Mode);
            Assert.Equal("image /opt/x", Assert.Single(info.Exclusions).Condition);
        }

        [Fact]
        public void GetBlockingPolicy_InvalidPolicyInForce_IsATerminatingPolicyFileInvalid()
        {
            using var session = new ModuleSession();
            File.WriteAllText(Path.Combine(session.Home, PolicyFile.FileName), "{ not json");

            ErrorRecord error = session.Fails("$ErrorActionPreference = 'Stop'; Get-BlockingPolicy");

            Assert.Equal("PolicyFileInvalid,BehaviorBlocking.Commands.GetBlockingPolicyCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        }
    }
}
