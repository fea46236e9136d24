using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class ModelAndRuleCommandTests
    {
        private static readonly string s_builtInModel = Path.Combine(AppContext.BaseDirectory, "models", "behavior.onnx");
        private static readonly string s_rules = Path.Combine(AppContext.BaseDirectory, "rules");
        private static readonly string s_fixtures = Path.Combine(AppContext.BaseDirectory, "data", "rules");

        [Fact]
        public void GetBehaviorModel_NoModelInstalled_ReportsTheBuiltInModelValid()
        {
            using var session = new ModuleSession();
            BehaviorModel model = Assert.Single(session.Invoke<BehaviorModel>("Get-BehaviorModel"));
            Assert.Equal(ModelOrigin.BuiltIn, model.Origin);
            Assert.True(model.Valid, model.Problem);
            Assert.False(string.IsNullOrEmpty(model.Version));
            Assert.Equal(64, model.Sha256!.Length);
            Assert.NotEmpty(model.Classes);
        }

        [Fact]
        public void TestBehaviorModel_CorruptModel_IsInvalidWithTheReasonNotAnError()
        {
            using var session = new ModuleSession();
            string dir = Path.Combine(session.Home, "candidate");
            Directory.CreateDirectory(dir);
            File.Copy(Path.ChangeExtension(s_builtInModel, ".json"), Path.Combine(dir, "behavior.json"));
            byte[] bytes = File.ReadAllBytes(s_builtInModel);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(Path.Combine(dir, "behavior.onnx"), bytes);
            BehaviorModel model = Assert.Single(session.Invoke<BehaviorModel>("Test-BehaviorModel -Path $p", ("p", Path.Combine(dir, "behavior.onnx"))));
            Assert.False(model.Valid);
            Assert.Equal("ModelInvalid", model.ErrorId);
            Assert.Equal(ModelOrigin.File, model.Origin);
            Assert.Empty(session.Errors);
            Assert.Equal(new object[] { false, true }, session.Invoke("Test-BehaviorModel $bad -Quiet; Test-BehaviorModel $good -Quiet",
                ("bad", Path.Combine(dir, "behavior.onnx")), ("good", s_builtInModel)).Select(o => o.BaseObject));
        }

        [Fact]
        public void InstallBehaviorModel_ValidModel_BecomesTheInstalledOne_WhatIfChangesNothing()
        {
            using var session = new ModuleSession();
            string models = Path.Combine(session.Home, "models");
            session.Invoke("Install-BehaviorModel -Path $p -WhatIf", ("p", s_builtInModel));
            Assert.False(Directory.Exists(models) && Directory.EnumerateFileSystemEntries(models).Any());
            BehaviorModel installed = Assert.Single(session.Invoke<BehaviorModel>("Install-BehaviorModel -Path $p -PassThru -Confirm:$false", ("p", s_builtInModel)));
            Assert.Equal(ModelOrigin.Installed, installed.Origin);
            Assert.True(installed.Valid);
            Assert.Equal(ModelOrigin.Installed, session.Invoke<BehaviorModel>("Get-BehaviorModel")[0].Origin);
        }

        [Fact]
        public void InstallBehaviorModel_CorruptModel_IsModelInvalidAndNothingIsInstalled()
        {
            using var session = new ModuleSession();
            string dir = Path.Combine(session.Home, "bad");
            Directory.CreateDirectory(dir);
            File.Copy(Path.ChangeExtension(s_builtInModel, ".json"), Path.Combine(dir, "behavior.json"));
            File.WriteAllBytes(Path.Combine(dir, "behavior.onnx"), new byte[] { 1, 2, 3 });
            session.Invoke("Install-BehaviorModel -Path $p -Confirm:$false", ("p", Path.Combine(dir, "behavior.onnx")));
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("ModelInvalid,BehaviorBlocking.Commands.InstallBehaviorModelCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Equal(ModelOrigin.BuiltIn, session.Invoke<BehaviorModel>("Get-BehaviorModel")[0].Origin);
        }

        [Fact]
        public void TestBehaviorRule_WithFixtures_MatchFiresAndBenignStaysSilent()
        {
            using var session = new ModuleSession();
            string rule = Directory.GetFiles(s_rules, "collection_browser_data_copied.yml", SearchOption.AllDirectories).Single();
            RuleCheck match = Assert.Single(session.Invoke<RuleCheck>("Test-BehaviorRule $r -RecordPath $f", ("r", rule), ("f", Path.Combine(s_fixtures, "collection_browser_data_copied.match.jsonl"))));
            Assert.True(match.Loaded);
            Assert.True(match.Matches > 0);
            RuleCheck benign = Assert.Single(session.Invoke<RuleCheck>("Test-BehaviorRule $r -RecordPath $f", ("r", rule), ("f", Path.Combine(s_fixtures, "collection_browser_data_copied.benign.jsonl"))));
            Assert.Equal(0, benign.Matches);
            Assert.Equal(new object[] { true }, session.Invoke("Test-BehaviorRule $r -RecordPath $f -Quiet", ("r", rule), ("f", Path.Combine(s_fixtures, "collection_browser_data_copied.match.jsonl"))).Select(o => o.BaseObject));
        }

        [Fact]
        public void TestBehaviorRule_FolderWithABadRule_ReportsItSkippedWithTheReason_AndQuietIsFalse()
        {
            using var session = new ModuleSession();
            string dir = Path.Combine(session.Home, "rules");
            Directory.CreateDirectory(dir);
            File.Copy(Directory.GetFiles(s_rules, "*.yml", SearchOption.AllDirectories).First(), Path.Combine(dir, "good.yml"));
            File.WriteAllText(Path.Combine(dir, "bad.yml"), "title: [unclosed\n");
            var checks = session.Invoke<RuleCheck>("Get-ChildItem $d -Filter *.yml | Test-BehaviorRule", ("d", dir));
            Assert.Equal(2, checks.Count);
            RuleCheck bad = checks.Single(c => c.File.EndsWith("bad.yml", StringComparison.Ordinal));
            Assert.False(bad.Loaded);
            Assert.False(string.IsNullOrEmpty(bad.Reason));
            Assert.Null(bad.Matches);
            Assert.Equal(new object[] { false }, session.Invoke("Test-BehaviorRule $d -Quiet", ("d", dir)).Select(o => o.BaseObject));
        }
    }
}
