using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class SetBlockingPolicyCommandTests
    {
        private static string PolicyPath(ModuleSession session) => Path.Combine(session.Home, PolicyFile.FileName);

        private static PolicyChange[] History(ModuleSession session)
        {
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Path.Combine(session.Home, ProductHome.StoreFileName));
            return history.List().ToArray();
        }

        [Fact]
        public void SetBlockingPolicy_TacticSettings_InstallsTheEditAndRecordsOneAuditRow()
        {
            using var session = new ModuleSession();

            var info = session.Invoke<BlockingPolicyInfo>("Set-BlockingPolicy -Tactic Execution -Threshold 0.9 -Action KillProcess -Quarantine -PassThru");

            PolicyOverride execution = Assert.Single(Assert.Single(info).Tactics);
            Assert.Equal("Execution", execution.Key);
            Assert.Equal(0.9, execution.Settings.Threshold);
            Assert.Equal(ResponseAction.KillProcess, execution.Settings.Action);
            Assert.True(execution.Settings.Quarantine);
            PolicyChange row = Assert.Single(History(session));
            Assert.Equal(new[] { "tactics.Execution added (threshold 0.9, action KillProcess, quarantine true)" }, row.Changes);
            Assert.Equal(PolicyFile.Load(PolicyPath(session)).Sha256, row.Sha256);
        }

        [Fact]
        public void SetBlockingPolicy_ModeBlockWithForceAndConfirmFalse_SwitchesWithoutAPrompt()
        {
            using var session = new ModuleSession();

            session.Invoke("Set-BlockingPolicy -Mode Block -Force -Confirm:$false");

            Assert.Equal(PolicyMode.Block, PolicyFile.Load(PolicyPath(session)).Document.Mode);
            Assert.Equal(new[] { "mode: Audit -> Block" }, Assert.Single(History(session)).Changes);
        }

        [Fact]
        public void SetBlockingPolicy_ModeBlockWithoutForceInAHostThatCannotAsk_FailsAndLeavesTheFileByteIdentical()
        {
            using var session = new ModuleSession();
            session.Invoke("Set-BlockingPolicy -Version v1");
            byte[] before = File.ReadAllBytes(PolicyPath(session));

            ErrorRecord error = session.Fails("$ErrorActionPreference = 'Stop'; Set-BlockingPolicy -Mode Block");

            Assert.Equal("PolicyBlockNotConfirmed,BehaviorBlocking.Commands.SetBlockingPolicyCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
            Assert.Equal(PolicyPath(session), error.TargetObject);
            Assert.Equal(before, File.ReadAllBytes(PolicyPath(session)));
            Assert.Single(History(session));
        }

        [Fact]
        public void SetBlockingPolicy_WhatIf_ChangesNothing()
        {
            using var session = new ModuleSession();

            session.Invoke("Set-BlockingPolicy -Mode Block -Force -WhatIf");

            Assert.False(File.Exists(PolicyPath(session)));
            Assert.False(File.Exists(Path.Combine(session.Home, ProductHome.StoreFileName)));
        }

        [Fact]
        public void SetBlockingPolicy_InvalidEditOrFile_IsPolicyFileInvalidAndTheFileStaysByteIdentical()
        {
            using var session = new ModuleSession();
            session.Invoke("Set-BlockingPolicy -Version v1");
            byte[] before = File.ReadAllBytes(PolicyPath(session));
            string bad = Path.Combine(session.Home, "bad.json");
            File.WriteAllText(bad, "{\"schemaVersion\": 1, \"version\": \"v9\", \"mode\": \"Blok\"}");

            ErrorRecord error = session.Fails("$ErrorActionPreference = 'Stop'; Get-Item $bad | Set-BlockingPolicy -Force", ("bad", bad));

            Assert.Equal("PolicyFileInvalid,BehaviorBlocking.Commands.SetBlockingPolicyCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Equal(bad, error.TargetObject);
            Assert.Equal(before, File.ReadAllBytes(PolicyPath(session)));
            Assert.Single(History(session));
        }

        [Fact]
        public void SetBlockingPolicy_PathByPropertyName_InstallsTheFileAsWritten()
        {
            using var session = new ModuleSession();
            string file = Path.Combine(session.Home, "audit.json");
            File.WriteAllText(file, "{\"schemaVersion\": 1, \"version\": \"v7\", \"mode\": \"Off\"}");

            session.Invoke("Get-Item $file | Set-BlockingPolicy", ("file", file));

            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(PolicyPath(session)));
            Assert.Equal("v7", Assert.Single(History(session)).Version);
        }
    }
}
