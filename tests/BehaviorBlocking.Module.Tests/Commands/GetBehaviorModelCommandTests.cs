using System.IO;
using System.Management.Automation;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class GetBehaviorModelCommandTests
    {
        [Fact]
        public void GetBehaviorModel_NothingInstalled_DescribesTheBuiltInModelThatLoads()
        {
            using var session = new ModuleSession();
            BehaviorModelInfo model = Assert.Single(session.Invoke<BehaviorModelInfo>("Get-BehaviorModel"));
            Assert.Equal(ModelSource.BuiltIn, model.Source);
            Assert.True(model.Loads, model.LoadError);
            Assert.Null(model.LoadErrorId);
            Assert.Equal(64, model.Sha256!.Length);
            Assert.Equal(model.ManifestSha256, model.Sha256);
            Assert.Equal(model.Features.Length, model.FeatureCount);
            Assert.NotEmpty(model.Classes);
            Assert.False(string.IsNullOrEmpty(model.Version));
            Assert.NotNull(model.RuntimeVersion);
        }

        [Fact]
        public void GetBehaviorModel_CorruptFileByPipeline_ReportsWhyItDoesNotLoad()
        {
            using var session = new ModuleSession();
            string corrupt = ModelCopies.Corrupt(Path.Combine(session.Home, "candidates"));
            BehaviorModelInfo model = Assert.Single(session.Invoke<BehaviorModelInfo>("Get-Item $p | Get-BehaviorModel", ("p", corrupt)));
            Assert.Equal(ModelSource.File, model.Source);
            Assert.False(model.Loads);
            Assert.Equal(ErrorIds.ModelInvalid, model.LoadErrorId);
            Assert.Contains("SHA-256", model.LoadError);
            Assert.NotEqual(model.ManifestSha256, model.Sha256);
            Assert.Empty(session.Errors);
        }

        [Fact]
        public void GetBehaviorModel_MissingPath_WritesModelNotFoundAndGoesOn()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "candidates"));
            string missing = Path.Combine(session.Home, "missing.onnx");
            var models = session.Invoke<BehaviorModelInfo>("Get-BehaviorModel -Path $m, $g", ("m", missing), ("g", good));
            Assert.True(Assert.Single(models).Loads);
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("ModelNotFound,BehaviorBlocking.Commands.GetBehaviorModelCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(missing, error.TargetObject);
        }
    }
}
