using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.Json;
using BehaviorBlocking.Features;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// What a model file must be: its manifest (<c>&lt;model&gt;.json</c> beside <c>&lt;model&gt;.onnx</c>),
    /// written by training. Loading checks the model's SHA-256 against it and its feature schema
    /// against the engine's, so a swapped, corrupted or stale model is refused before it scores anything.
    /// </summary>
    public sealed class ModelManifest
    {
        private ModelManifest(string version, int featureSchema, IReadOnlyList<string> features, IReadOnlyList<string> classes, IReadOnlyList<float> benignMedians, string sha256)
        {
            Version = version;
            FeatureSchema = featureSchema;
            Features = features;
            Classes = classes;
            BenignMedians = benignMedians;
            Sha256 = sha256;
        }

        /// <summary>Model version.</summary>
        public string Version { get; }

        /// <summary>Feature schema version it was trained on.</summary>
        public int FeatureSchema { get; }

        /// <summary>Feature names in input order.</summary>
        public IReadOnlyList<string> Features { get; }

        /// <summary>Class names in output order.</summary>
        public IReadOnlyList<string> Classes { get; }

        /// <summary>Per feature, the median over benign training trees.</summary>
        public IReadOnlyList<float> BenignMedians { get; }

        /// <summary>Expected SHA-256 of the model file, lower-case hex.</summary>
        public string Sha256 { get; }

        /// <summary>The manifest path of a model path (<c>x.onnx</c> → <c>x.json</c>).</summary>
        public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, ".json");

        /// <summary>Reads and checks a manifest; <see cref="OnnxModel.InvalidErrorId"/> when it is not one.</summary>
        public static ModelManifest Read(string path)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
                JsonElement root = document.RootElement;
                var features = new List<string>();
                foreach (JsonElement f in root.GetProperty("features").EnumerateArray())
                {
                    features.Add(f.GetString() ?? string.Empty);
                }

                var classes = new List<string>();
                foreach (JsonElement c in root.GetProperty("classes").EnumerateArray())
                {
                    classes.Add(c.GetString() ?? string.Empty);
                }

                var medians = new List<float>();
                if (root.TryGetProperty("benignMedians", out JsonElement m))
                {
                    foreach (JsonElement v in m.EnumerateArray())
                    {
                        medians.Add(v.GetSingle());
                    }
                }

                return new ModelManifest(root.GetProperty("version").GetString() ?? string.Empty, root.GetProperty("featureSchema").GetInt32(),
                    features, classes, medians, (root.GetProperty("sha256").GetString() ?? string.Empty).ToLowerInvariant());
            }
            catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException || ex is FormatException)
            {
                throw new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData,
                    $"the model manifest '{path}' is not valid: {ex.Message}", ex) { Target = path };
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData,
                    $"the model manifest '{path}' cannot be read: {ex.Message}", ex) { Target = path };
            }
        }
    }

    /// <summary>The process-tree classifier: an ONNX model run by ONNX Runtime, checked against its manifest.</summary>
    public sealed class OnnxTreeClassifier : ITreeClassifier, IDisposable
    {
        /// <summary>Error id when there is no model file at the path given.</summary>
        public const string NotFoundErrorId = Engine.ErrorIds.ModelNotFound;

        private readonly OnnxModel _model;
        private readonly ModelManifest _manifest;

        private OnnxTreeClassifier(OnnxModel model, ModelManifest manifest, string path)
        {
            _model = model;
            _manifest = manifest;
            Path = path;
        }

        /// <summary>The model file.</summary>
        public string Path { get; }

        /// <inheritdoc />
        public string Version => _manifest.Version;

        /// <inheritdoc />
        public IReadOnlyList<string> Classes => _manifest.Classes;

        /// <inheritdoc />
        public int FeatureSchemaVersion => _manifest.FeatureSchema;

        /// <inheritdoc />
        public IReadOnlyList<float> BenignMedians => _manifest.BenignMedians;

        /// <summary>The underlying session (inputs, outputs, shape).</summary>
        public OnnxModel Model => _model;

        /// <summary>
        /// Loads <paramref name="modelPath"/> with its manifest (<c>&lt;model&gt;.json</c> beside it) into ONNX
        /// Runtime, refusing a model whose hash, feature schema, features or shape do not match.
        /// </summary>
        /// <param name="modelPath">The <c>.onnx</c> model file.</param>
        /// <returns>The classifier; dispose it to release its session.</returns>
        /// <exception cref="BehaviorBlockingException">
        /// <c>ModelNotFound</c> (NotFound) when the model file does not exist; <c>ModelInvalid</c> (InvalidData)
        /// when it, or its manifest, is refused; <c>ModelRuntimeUnavailable</c> (Unavailable) when ONNX
        /// Runtime's native library cannot be loaded.
        /// </exception>
        public static OnnxTreeClassifier Load(string modelPath)
        {
            if (modelPath is null)
            {
                throw new ArgumentNullException(nameof(modelPath));
            }

            if (!File.Exists(modelPath))
            {
                throw new BehaviorBlockingException(NotFoundErrorId, FailureKind.NotFound, $"no model at '{modelPath}'") { Target = modelPath };
            }

            ModelManifest manifest = ModelManifest.Read(ModelManifest.PathFor(modelPath));
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(modelPath);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Invalid(modelPath, "cannot be read: " + ex.Message, ex);
            }

            string hash;
            using (SHA256 sha = SHA256.Create())
            {
                hash = BitConverter.ToString(sha.ComputeHash(bytes)).Replace("-", string.Empty).ToLowerInvariant();
            }

            if (!string.Equals(hash, manifest.Sha256, StringComparison.Ordinal))
            {
                throw Invalid(modelPath, $"its SHA-256 {hash} is not the {manifest.Sha256} its manifest names (altered or corrupt)", null);
            }

            if (manifest.FeatureSchema != Features.FeatureSchema.Version)
            {
                throw Invalid(modelPath, $"it was trained on feature schema {manifest.FeatureSchema}; this engine computes schema {Features.FeatureSchema.Version}", null);
            }

            if (!SameNames(manifest.Features, Features.FeatureSchema.Names))
            {
                throw Invalid(modelPath, "its feature names differ from the engine's feature schema", null);
            }

            if (manifest.BenignMedians.Count != 0 && manifest.BenignMedians.Count != manifest.Features.Count)
            {
                throw Invalid(modelPath, "its manifest has a benign median count that does not match its features", null);
            }

            OnnxModel model = OnnxRuntime.LoadModel(bytes, System.IO.Path.GetFileName(modelPath));
            if (model.FeatureCount != manifest.Features.Count || (model.ClassCount >= 0 && model.ClassCount != manifest.Classes.Count))
            {
                model.Dispose();
                throw Invalid(modelPath, $"it takes {model.FeatureCount} features and gives {model.ClassCount} classes; its manifest says {manifest.Features.Count} and {manifest.Classes.Count}", null);
            }

            return new OnnxTreeClassifier(model, manifest, modelPath);
        }

        /// <inheritdoc />
        public void Predict(float[] features, float[] probabilities) => _model.RunOne(features, probabilities);

        /// <inheritdoc />
        public void Dispose() => _model.Dispose();

        private static bool SameNames(IReadOnlyList<string> a, IReadOnlyList<string> b)
        {
            if (a.Count != b.Count)
            {
                return false;
            }

            for (int i = 0; i < a.Count; i++)
            {
                if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        private static BehaviorBlockingException Invalid(string path, string why, Exception? inner) =>
            new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData, $"the model '{path}' is refused: {why}", inner) { Target = path };
    }
}
