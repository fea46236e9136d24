using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>Describing and verifying a model go through the engine's loader and report failures as data.</summary>
    public sealed class ModelInspectorTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Verify_GoodModel_PassesEveryCheckInOrder()
        {
            string good = OnnxTestModels.WriteWithManifest(_temp.Combine("good"), OnnxTestModels.GoodStump(0.8f), "good-1");

            ModelVerification result = ModelInspector.Verify(good);

            Assert.True(result.Passed);
            Assert.Equal("good-1", result.Version);
            Assert.Equal(ModelInspector.CheckNames, result.Checks.Select(c => c.Name));
            Assert.All(result.Checks, c => Assert.Equal(ModelCheckOutcome.Passed, c.Outcome));
        }

        [Fact]
        public void Verify_MissingFile_FailsTheFileCheckWithModelNotFound()
        {
            ModelVerification result = ModelInspector.Verify(_temp.Combine("none.onnx"));

            Assert.False(result.Passed);
            Assert.Equal("File", result.FirstFailure!.Name);
            Assert.Equal(ErrorIds.ModelNotFound, result.FirstFailure.ErrorId);
            Assert.All(result.Checks.Skip(1), c => Assert.Equal(ModelCheckOutcome.Skipped, c.Outcome));
            var ex = Assert.Throws<BehaviorBlockingException>(() => result.ThrowIfFailed("nothing was installed"));
            Assert.Equal(FailureKind.NotFound, ex.Kind);
            Assert.EndsWith("nothing was installed", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Verify_ModelFailingProbes_FailsTheProbeCheckOnly()
        {
            int processes = FeatureSchema.IndexOf("processes");
            byte[] model = OnnxTestModels.Stump(FeatureSchema.Count, processes, 0.5f, OnnxTestModels.Weights("Benign", 0.9f), OnnxTestModels.Weights("Execution", float.NaN));
            string bad = OnnxTestModels.WriteWithManifest(_temp.Combine("nan"), model, "nan-1");

            ModelVerification result = ModelInspector.Verify(bad);

            Assert.Equal("Probe", result.FirstFailure!.Name);
            Assert.Equal(ErrorIds.ModelInvalid, result.FirstFailure.ErrorId);
            Assert.Contains("probe row", result.FirstFailure.Message);
            Assert.Equal(4, result.Checks.Count(c => c.Outcome == ModelCheckOutcome.Passed));
        }

        [Fact]
        public void Verify_FeatureSchemaMismatch_FailsTheLoadCheck()
        {
            string bad = OnnxTestModels.WriteWithManifest(_temp.Combine("schema"), OnnxTestModels.GoodStump(0.8f), "schema-1", m => m["featureSchema"] = 999);

            ModelVerification result = ModelInspector.Verify(bad);

            Assert.Equal("Load", result.FirstFailure!.Name);
            Assert.Contains("feature schema 999", result.FirstFailure.Message);
        }

        [Fact]
        public void Describe_AlteredModel_SaysItDoesNotLoadAndWhy()
        {
            string good = OnnxTestModels.WriteWithManifest(_temp.Combine("altered"), OnnxTestModels.GoodStump(0.8f), "altered-1");
            File.AppendAllText(good, "x");

            BehaviorModelInfo info = ModelInspector.Describe(good);

            Assert.Equal(ModelSource.File, info.Source);
            Assert.False(info.Loads);
            Assert.Equal(ErrorIds.ModelInvalid, info.LoadErrorId);
            Assert.Equal("altered-1", info.Version);
            Assert.NotEqual(info.ManifestSha256, info.Sha256);
            Assert.Equal(FeatureSchema.Count, info.FeatureCount);
        }

        [Fact]
        public void Describe_ByManifest_NamesTheModelFileItDescribes()
        {
            string good = OnnxTestModels.WriteWithManifest(_temp.Combine("bymanifest"), OnnxTestModels.GoodStump(0.8f), "m-1");

            BehaviorModelInfo info = ModelInspector.Describe(Path.ChangeExtension(good, ".json"));

            Assert.True(info.Loads, info.LoadError);
            Assert.Equal(Path.GetFullPath(good), info.Path);
            Assert.Equal(info.ManifestSha256, info.Sha256);
        }

        [Fact]
        public void Describe_UnreadableManifestByItsPath_HasNoHashAndSaysWhy()
        {
            string good = OnnxTestModels.WriteWithManifest(_temp.Combine("broken"), OnnxTestModels.GoodStump(0.8f), "b-1");
            string manifest = Path.ChangeExtension(good, ".json");
            File.WriteAllText(manifest, "{ not json");

            BehaviorModelInfo info = ModelInspector.Describe(manifest);

            Assert.False(info.Loads);
            Assert.Null(info.Sha256);
            Assert.Null(info.Version);
            Assert.Equal(ErrorIds.ModelInvalid, info.LoadErrorId);
        }

        [Fact]
        public void Describe_Missing_ThrowsModelNotFound()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInspector.Describe(_temp.Combine("none.onnx")));
            Assert.Equal(ErrorIds.ModelNotFound, ex.ErrorId);
        }
    }
}
