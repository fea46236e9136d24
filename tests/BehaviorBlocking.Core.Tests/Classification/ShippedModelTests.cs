using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Features;

namespace BehaviorBlocking.Tests.Classification
{
    /// <summary>The model that ships in module/models, through the real ONNX Runtime.</summary>
    public sealed class ShippedModelTests : IDisposable
    {
        private static readonly string ModelPath = Path.Combine(TestPaths.RepositoryRoot, "module", "models", "behavior.onnx");
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-model-" + Guid.NewGuid().ToString("N"));

        public ShippedModelTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        [Fact]
        public void Load_ShippedModel_MatchesTheEngineSchema()
        {
            using OnnxTreeClassifier classifier = OnnxTreeClassifier.Load(ModelPath);

            Assert.Equal(FeatureSchema.Version, classifier.FeatureSchemaVersion);
            Assert.Equal(FeatureSchema.Count, classifier.Model.FeatureCount);
            Assert.Equal("Benign", classifier.Classes[0]);
            Assert.Equal(FeatureSchema.Count, classifier.BenignMedians.Count);
            Assert.StartsWith("1.", classifier.Version, StringComparison.Ordinal);
        }

        [Fact]
        public void Predict_ReferenceRows_GiveTheProbabilitiesRecordedAtTraining()
        {
            using OnnxTreeClassifier classifier = OnnxTreeClassifier.Load(ModelPath);
            using JsonDocument reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "models", "behavior.reference.json")));
            Assert.Equal(classifier.Classes, reference.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
            int rows = 0;
            foreach (JsonElement row in reference.RootElement.GetProperty("rows").EnumerateArray())
            {
                float[] features = row.GetProperty("features").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                float[] expected = row.GetProperty("probabilities").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                var actual = new float[classifier.Classes.Count];

                classifier.Predict(features, actual);

                for (int k = 0; k < expected.Length; k++)
                {
                    Assert.True(Math.Abs(expected[k] - actual[k]) < 1e-4, $"{row.GetProperty("class").GetString()} class {classifier.Classes[k]}: expected {expected[k]}, got {actual[k]}");
                }

                rows++;
            }

            Assert.True(rows >= 8);
        }

        [Fact]
        public void Load_ModelAlteredAfterTraining_IsRefusedByItsHash()
        {
            string copy = Path.Combine(_dir, "behavior.onnx");
            byte[] bytes = File.ReadAllBytes(ModelPath);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(copy, bytes);
            File.Copy(ModelManifest.PathFor(ModelPath), ModelManifest.PathFor(copy));

            var ex = Assert.Throws<BehaviorBlockingException>(() => OnnxTreeClassifier.Load(copy));

            Assert.Equal("ModelInvalid", ex.ErrorId);
            Assert.Contains("SHA-256", ex.Message);
            Assert.Contains(copy, ex.Message);
        }

        [Theory]
        [InlineData("\"featureSchema\": 1", "\"featureSchema\": 999", "feature schema 999")]
        [InlineData("\"processes\"", "\"procs\"", "feature names differ")]
        [InlineData("{", "[", "not valid")]
        public void Load_ManifestThatDoesNotFit_IsRefused(string find, string replace, string message)
        {
            string copy = Path.Combine(_dir, "behavior.onnx");
            File.Copy(ModelPath, copy);
            string manifest = File.ReadAllText(ModelManifest.PathFor(ModelPath));
            Assert.Contains(find, manifest);
            File.WriteAllText(ModelManifest.PathFor(copy), ReplaceFirst(manifest, find, replace));

            var ex = Assert.Throws<BehaviorBlockingException>(() => OnnxTreeClassifier.Load(copy));

            Assert.Equal("ModelInvalid", ex.ErrorId);
            Assert.Contains(message, ex.Message);
        }

        [Fact]
        public void Load_MissingManifest_IsRefused()
        {
            string copy = Path.Combine(_dir, "behavior.onnx");
            File.Copy(ModelPath, copy);

            var ex = Assert.Throws<BehaviorBlockingException>(() => OnnxTreeClassifier.Load(copy));

            Assert.Equal("ModelInvalid", ex.ErrorId);
            Assert.Contains("behavior.json", ex.Message);
        }

        [Fact]
        public void Load_NoModelFile_ThrowsModelNotFound()
        {
            string missing = Path.Combine(_dir, "behavior.onnx");

            var ex = Assert.Throws<BehaviorBlockingException>(() => OnnxTreeClassifier.Load(missing));

            Assert.Equal(OnnxTreeClassifier.NotFoundErrorId, ex.ErrorId);
            Assert.Equal(FailureKind.NotFound, ex.Kind);
            Assert.Contains(missing, ex.Message);
        }

        private static string ReplaceFirst(string text, string find, string replace)
        {
            int at = text.IndexOf(find, StringComparison.Ordinal);
            return text.Substring(0, at) + replace + text.Substring(at + find.Length);
        }
    }
}
