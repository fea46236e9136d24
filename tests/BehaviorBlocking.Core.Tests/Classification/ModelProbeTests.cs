using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.Engine;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Classification
{
    /// <summary>Validation runs a model on probe rows and refuses outputs that are not probabilities, naming what failed.</summary>
    public sealed class ModelProbeTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string Write(string name, byte[] model) => OnnxTestModels.WriteWithManifest(_temp.Combine(name), model, "test-" + name);

        private static byte[] StumpOn(string feature, float[] high) =>
            OnnxTestModels.Stump(FeatureSchema.Count, FeatureSchema.IndexOf(feature), 0.5f, OnnxTestModels.Weights("Benign", 0.9f), high);

        [Fact]
        public void LoadModel_TreeEnsembleWithNaNLeafWeights_IsRefusedNamingTheProbeRowClassAndValue()
        {
            // The reproduction: the all-zero row answers well, every real tree (log1p(processes) > 0.5) gets NaN.
            string path = Write("nan", StumpOn("processes", OnnxTestModels.Weights("Execution", float.NaN)));
            using (OnnxTreeClassifier unprobed = OnnxTreeClassifier.Load(path))
            {
                var zeros = new float[unprobed.Classes.Count];
                unprobed.Predict(new float[FeatureSchema.Count], zeros);
                Assert.Equal(0.9f, zeros[0]);
            }

            var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path));

            Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
            Assert.Equal(FailureKind.InvalidData, ex.Kind);
            Assert.Equal(path, ex.Target);
            Assert.Contains(path, ex.Message);
            Assert.Contains("probe row 'all ones'", ex.Message);
            Assert.Contains("class 'Benign' the probability NaN", ex.Message);
        }

        [Fact]
        public void LoadModel_ProbabilitiesAboveOne_IsRefused()
        {
            string path = Write("above-one", StumpOn("processes", OnnxTestModels.Weights("Execution", 5f)));

            var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path));

            Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
            Assert.Contains("class 'Execution' the probability 5;", ex.Message);
        }

        [Fact]
        public void LoadModel_NegativeProbability_IsRefused()
        {
            string path = Write("negative", StumpOn("processes", OnnxTestModels.Weights("Execution", -0.25f)));

            var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path));

            Assert.Contains("the probability -0.25;", ex.Message);
        }

        [Fact]
        public void LoadModel_BadOutputOnlyWhenARareFeatureIsHigh_IsRefused()
        {
            // lsass_access is 0 in the benign medians and the all-ones row goes low (1 <= 1.5): the zero row alone never saw it.
            byte[] model = OnnxTestModels.Stump(FeatureSchema.Count, FeatureSchema.IndexOf("lsass_access"), 1.5f,
                OnnxTestModels.Weights("Benign", 0.9f), OnnxTestModels.Weights("CredentialAccess", float.PositiveInfinity));
            string path = Write("rare", model);

            var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path));

            Assert.Contains("probe row 'all 1000000'", ex.Message);
            Assert.Contains("class 'CredentialAccess' the probability Infinity", ex.Message);
        }

        [Fact]
        public void LoadModel_RunPastItsTimeLimit_IsRefusedAsTimedOut()
        {
            string path = Write("looping", OnnxTestModels.Looping(FeatureSchema.Count, OnnxTestModels.ShippedClasses.Count));

            var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path, TimeSpan.FromMilliseconds(20)));

            Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
            // A row at 10^6 loops 10^6 times, far past 20 ms; which row is first to pass depends on the machine.
            Assert.Contains("on the probe row '", ex.Message);
            Assert.Contains("took longer than its limit of 0.02 s", ex.Message);
        }

        [Fact]
        public void LoadModel_FreeClassDimensionGivingFewerClassesThanTheManifest_IsRefused()
        {
            int classes = OnnxTestModels.ShippedClasses.Count;
            string path = Write("free-classes", OnnxTestModels.Looping(FeatureSchema.Count, classes - 1, declareClassCount: false));
            using (OnnxTreeClassifier unprobed = OnnxTreeClassifier.Load(path))
            {
                Assert.Equal(-1, unprobed.Model.ClassCount);
            }

            var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path));

            Assert.Contains($"a run gave {classes - 1} probabilities; its manifest names {classes} classes", ex.Message);
            Assert.Contains("probe row 'all zeros'", ex.Message);
        }

        [Fact]
        public void Check_ShippedModel_PassesEveryProbeRow()
        {
            using OnnxTreeClassifier classifier = OnnxTreeClassifier.Load(BehaviorEngineTests.ShippedModel);

            int rows = ModelProbe.Check(classifier, classifier.Path);

            Assert.Equal(4 + 1 + FeatureSchema.Count + ModelProbe.RandomRows, rows);
        }

        [Fact]
        public void Rows_FixedSeed_AreTheSameEveryTimeAndFinite()
        {
            var medians = new float[FeatureSchema.Count];
            Assert.Contains(ModelProbe.Rows(FeatureSchema.Count, medians), r => r.Key == "'lsass_access = 1000000, the rest at the benign medians'"
                && r.Value[FeatureSchema.IndexOf("lsass_access")] == ModelProbe.Extreme && r.Value.Count(v => v != 0) == 1);
            List<float[]> first = ModelProbe.Rows(FeatureSchema.Count, medians).Select(r => r.Value).ToList();
            List<float[]> second = ModelProbe.Rows(FeatureSchema.Count, medians).Select(r => r.Value).ToList();

            Assert.Equal(first.Count, second.Count);
            for (int i = 0; i < first.Count; i++)
            {
                Assert.Equal(first[i], second[i]);
                Assert.All(first[i], v => Assert.True(float.IsFinite(v)));
            }

            Assert.Contains(first, r => r.Any(v => v > 8 && v < ModelProbe.Extreme));
        }

        [Fact]
        public void Check_ClassifierThatLeavesAClassUnwritten_IsRefused()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelProbe.Check(new PartialClassifier(), "partial"));

            Assert.Contains("probe row 'all zeros'", ex.Message);
            Assert.Contains("class 'Generic' the probability NaN", ex.Message);
        }

        [Fact]
        public void Check_ClassifierThatThrowsAnything_IsRefusedNamingTheRow()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelProbe.Check(new PartialClassifier { Throw = true }, "thrower"));

            Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
            Assert.Contains("'thrower' is refused: on the probe row 'all zeros' its run failed: broken", ex.Message);
        }

        [Fact]
        public void ReadManifest_NaNMedianOrDuplicateClassOrModelOutsideItsFolder_IsRefused()
        {
            byte[] model = OnnxTestModels.GoodStump(0.8f);
            foreach ((Action<System.Text.Json.Nodes.JsonObject> edit, string message) in new (Action<System.Text.Json.Nodes.JsonObject>, string)[]
            {
                (m => m["benignMedians"]![3] = "NaN", "not valid"),
                (m => m["benignMedians"]![3] = 1e39, "not valid"),
                (m => m["classes"]![1] = "Benign", "the class 'Benign' twice"),
                (m => m["model"] = "../elsewhere.onnx", "is not a file name"),
                (m => m["sha256"] = "abc", "64 hexadecimal digits"),
            })
            {
                string path = OnnxTestModels.WriteWithManifest(_temp.Combine("manifest-" + Guid.NewGuid().ToString("N")), model, "edited", edit);

                var ex = Assert.Throws<BehaviorBlockingException>(() => BehaviorEngine.LoadModel(path));

                Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
                Assert.Contains(message, ex.Message);
                Assert.Contains(ModelManifest.PathFor(path), ex.Message);
            }
        }

        [Fact]
        public void Load_ModelLargerThanTheLimit_IsRefused()
        {
            string path = _temp.Combine("huge", EngineLocations.ModelFileName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var stream = new FileStream(path, FileMode.CreateNew))
            {
                stream.SetLength(OnnxTreeClassifier.MaxModelBytes + 1L);
            }

            File.Copy(ModelManifest.PathFor(BehaviorEngineTests.ShippedModel), ModelManifest.PathFor(path));

            var ex = Assert.Throws<BehaviorBlockingException>(() => OnnxTreeClassifier.Load(path));

            Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
            Assert.Contains("larger than the limit of 128 MiB", ex.Message);
        }

        /// <summary>Writes every class but the last, or throws something that is not a BehaviorBlockingException.</summary>
        private sealed class PartialClassifier : ITreeClassifier
        {
            public bool Throw { get; init; }

            public string Version => "partial-1";

            public IReadOnlyList<string> Classes { get; } = new[] { "Benign", "Execution", "Generic" };

            public int FeatureSchemaVersion => FeatureSchema.Version;

            public IReadOnlyList<float> BenignMedians { get; } = Array.Empty<float>();

            public void Predict(float[] features, float[] probabilities)
            {
                if (Throw)
                {
                    throw new InvalidOperationException("broken");
                }

                probabilities[0] = 0.5f;
                probabilities[1] = 0.5f;
            }
        }
    }
}
