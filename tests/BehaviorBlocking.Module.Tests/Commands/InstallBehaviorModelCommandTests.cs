using System.IO;
using System.Management.Automation;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class InstallBehaviorModelCommandTests
    {
        [Fact]
        public void InstallBehaviorModel_GoodModelPassThru_InstallsItAndDescribesTheInstalledModel()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "candidates"));
            BehaviorModelInfo installed = Assert.Single(session.Invoke<BehaviorModelInfo>("Install-BehaviorModel $p -PassThru", ("p", good)));
            Assert.Equal(ModelSource.Installed, installed.Source);
            Assert.True(installed.Loads, installed.LoadError);
            Assert.True(File.Exists(Path.Combine(session.Home, "models", "behavior.json")));
            Assert.Equal(ModelSource.Installed, Assert.Single(session.Invoke<BehaviorModelInfo>("Get-BehaviorModel")).Source);
        }

        [Fact]
        public void InstallBehaviorModel_NoPassThru_WritesNothing()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "candidates"));
            Assert.Empty(session.Invoke("Get-Item $p | Install-BehaviorModel", ("p", good)));
            Assert.True(File.Exists(Path.Combine(session.Home, "models", "behavior.json")));
        }

        [Fact]
        public void InstallBehaviorModel_WhatIf_ChangesNothing()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "candidates"));
            Assert.Empty(session.Invoke("Install-BehaviorModel $p -WhatIf -PassThru", ("p", good)));
            Assert.False(Directory.Exists(Path.Combine(session.Home, "models")));
        }

        [Fact]
        public void InstallBehaviorModel_CorruptModel_IsModelInvalidAndInstallsNothing()
        {
            using var session = new ModuleSession();
            string corrupt = ModelCopies.Corrupt(Path.Combine(session.Home, "candidates"));
            Assert.Empty(session.Invoke("Install-BehaviorModel $p -PassThru", ("p", corrupt)));
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("ModelInvalid,BehaviorBlocking.Commands.InstallBehaviorModelCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Equal(corrupt, error.TargetObject);
            Assert.Contains("Sha256", error.Exception.Message);
            Assert.False(Directory.Exists(Path.Combine(session.Home, "models")));
        }
    }
}
