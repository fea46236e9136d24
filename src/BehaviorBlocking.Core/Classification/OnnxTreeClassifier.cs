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
    /// An installed manifest also names its model file (<c>"model"</c>), so replacing the manifest alone
    /// switches to the new model (see <see cref="Engine.ModelInstaller"/>).
    /// </summary>
    public sealed class ModelManifest
    {
        /// <summary>Largest manifest read (1 MiB; a manifest of the engine's schema is ~3 KB).</summary>
        public const int MaxBytes = 1 << 20;

        private ModelManifest(string version, int featureSchema, IReadOnlyList<string> features, IReadOnlyList<string> classes, IReadOnlyList<float> benignMedians, string sha256, string? modelFile)
        {
            Version = version;
            FeatureSchema = featureSchema;
            Features = features;
            Classes = classes;
            BenignMedians = benignMedians;
            Sha256 = sha256;
            ModelFile = modelFile;
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

        /// <summary>
        /// The model's file name in the manifest's folder (key <c>model</c>), or null: then the model is the
        /// manifest's own name with <c>.onnx</c>.
        /// </summary>
        public string? ModelFile { get; }

        /// <summary>The manifest path of a model path (<c>x.onnx</c> → <c>x.json</c>).</summary>
        public static string PathFor(string modelPath) => Path.ChangeExtension(modelPath, ".json");

        /// <summary>The model file a manifest at <paramref name="manifestPath"/> describes.</summary>
        public string ModelPathBeside(string manifestPath) =>
            ModelFile is null ? Path.ChangeExtension(manifestPath, ".onnx") : Path.Combine(Path.GetDirectoryName(manifestPath) ?? string.Empty, ModelFile);

        /// <summary>Reads and checks a manifest; <see cref="OnnxModel.InvalidErrorId"/> when it is not one.</summary>
        public static ModelManifest Read(string path) => Parse(ReadLimited(path, MaxBytes, "model manifest"), path);

        /// <summary>Checks a manifest's content (<paramref name="path"/> names it in errors).</summary>
        internal static ModelManifest Parse(byte[] json, string path)
        {
            ModelManifest manifest;
            try
            {
                using JsonDocument document = JsonDocument.Parse(json);
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

                string? modelFile = root.TryGetProperty("model", out JsonElement model) ? model.GetString() : null;
                manifest = new ModelManifest(root.GetProperty("version").GetString() ?? string.Empty, root.GetProperty("featureSchema").GetInt32(),
                    features, classes, medians, (root.GetProperty("sha256").GetString() ?? string.Empty).ToLowerInvariant(), modelFile);
            }
            catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException || ex is FormatException)
            {
                throw Invalid(path, ex.Message, ex);
            }

            string? problem = manifest.Problem();
            if (problem is not null)
            {
                throw Invalid(path, problem, null);
            }

            return manifest;
        }

        /// <summary>Reads at most <paramref name="limit"/> bytes of a file; a longer file (or a device that never ends) is refused.</summary>
        internal static byte[] ReadLimited(string path, int limit, string what)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
                if (stream.CanSeek && stream.Length > limit)
                {
                    throw TooLarge(path, limit, what);
                }

                var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (buffer.Length + read > limit)
                    {
                        // A file that grew while read, or a device that never ends.
                        throw TooLarge(path, limit, what);
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData,
                    $"the {what} '{path}' cannot be read: it does not exist", ex) { Target = path };
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData,
                    $"the {what} '{path}' cannot be read: {ex.Message}", ex) { Target = path };
            }
        }

        private static BehaviorBlockingException TooLarge(string path, int limit, string what) =>
            new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData,
                $"the {what} '{path}' is larger than the limit of {limit / (1 << 20)} MiB") { Target = path };

        private string? Problem()
        {
            if (Version.Length == 0)
            {
                return "its version is empty";
            }

            if (Sha256.Length != 64 || !IsHex(Sha256))
            {
                return "its sha256 is not 64 hexadecimal digits";
            }

            if (Classes.Count == 0)
            {
                return "it names no classes";
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string name in Classes)
            {
                if (name.Length == 0 || !seen.Add(name))
                {
                    return name.Length == 0 ? "it has a class without a name" : $"it names the class '{name}' twice";
                }
            }

            for (int i = 0; i < BenignMedians.Count; i++)
            {
                if (float.IsNaN(BenignMedians[i]) || float.IsInfinity(BenignMedians[i]))
                {
                    return $"its benign median {i} is not a finite number";
                }
            }

            if (ModelFile is not null && (ModelFile.Length == 0 || ModelFile != Path.GetFileName(ModelFile) || ModelFile == "." || ModelFile == ".."
                || ModelFile.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || ModelFile.IndexOfAny(new[] { '/', '\\' }) >= 0))
            {
                return $"its model '{ModelFile}' is not a file name (a manifest names a file in its own folder)";
            }

            return null;
        }

        private static bool IsHex(string text)
        {
            foreach (char c in text)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return true;
        }

        private static BehaviorBlockingException Invalid(string path, string why, Exception? inner) =>
            new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData, $"the model manifest '{path}' is not valid: {why}", inner) { Target = path };
    }

    /// <summary>The process-tree classifier: an ONNX model run by ONNX Runtime, checked against its manifest.</summary>
    public sealed class OnnxTreeClassifier : ITreeClassifier, IDisposable
    {
        /// <summary>Error id when there is no model file at the path given.</summary>
        public const string NotFoundErrorId = Engine.ErrorIds.ModelNotFound;

        /// <summary>Largest model file loaded (128 MiB; the shipped model is ~250 KB, and ORT holds a model several times over in memory).</summary>
        public const int MaxModelBytes = 128 << 20;

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

        /// <summary>The manifest the model was checked against.</summary>
        public ModelManifest Manifest => _manifest;

        /// <summary>
        /// Loads a model with its manifest into ONNX Runtime, refusing a model whose hash, feature schema,
        /// features or shape do not match. <paramref name="path"/> is the <c>.onnx</c> file (its manifest
        /// <c>.json</c> beside it) or the manifest itself (the model it names, else its name with <c>.onnx</c>).
        /// </summary>
        /// <param name="path">The <c>.onnx</c> model file or its <c>.json</c> manifest.</param>
        /// <returns>The classifier; dispose it to release its session.</returns>
        /// <exception cref="BehaviorBlockingException">
        /// <c>ModelNotFound</c> (NotFound) when the file does not exist; <c>ModelInvalid</c> (InvalidData)
        /// when it, or its manifest, is refused; <c>ModelRuntimeUnavailable</c> (Unavailable) when ONNX
        /// Runtime's native library cannot be loaded.
        /// </exception>
        public static OnnxTreeClassifier Load(string path) => Load(path, OnnxModel.DefaultRunTimeout);

        /// <summary>Loads a model as <see cref="Load(string)"/> does, with runs stopped (and failing) after <paramref name="runTimeout"/>.</summary>
        /// <param name="path">The <c>.onnx</c> model file or its <c>.json</c> manifest.</param>
        /// <param name="runTimeout">How long one run may take (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: no limit).</param>
        /// <returns>The classifier; dispose it to release its session.</returns>
        /// <exception cref="BehaviorBlockingException">As <see cref="Load(string)"/>.</exception>
        public static OnnxTreeClassifier Load(string path, TimeSpan runTimeout)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            if (!File.Exists(path))
            {
                throw new BehaviorBlockingException(NotFoundErrorId, FailureKind.NotFound, $"no model at '{path}'") { Target = path };
            }

            bool byManifest = string.Equals(System.IO.Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase);
            string manifestPath = byManifest ? path : ModelManifest.PathFor(path);
            ModelManifest manifest = ModelManifest.Read(manifestPath);
            string modelPath = byManifest ? manifest.ModelPathBeside(manifestPath) : path;
            return Load(manifest, ModelManifest.ReadLimited(modelPath, MaxModelBytes, "model"), modelPath, runTimeout);
        }

        /// <summary>Checks a model held in memory against its manifest and loads it; <paramref name="modelPath"/> names it.</summary>
        internal static OnnxTreeClassifier Load(ModelManifest manifest, byte[] bytes, string modelPath, TimeSpan runTimeout)
        {
            if (bytes.Length > MaxModelBytes)
            {
                throw Invalid(modelPath, $"it is larger than the limit of {MaxModelBytes >> 20} MiB", null);
            }

            string hash = Sha256Of(bytes);
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

            OnnxModel model = OnnxRuntime.LoadModel(bytes, System.IO.Path.GetFileName(modelPath), runTimeout);
            if (model.FeatureCount != manifest.Features.Count || (model.ClassCount >= 0 && model.ClassCount != manifest.Classes.Count))
            {
                model.Dispose();
                throw Invalid(modelPath, $"it takes {model.FeatureCount} features and gives {model.ClassCount} classes; its manifest says {manifest.Features.Count} and {manifest.Classes.Count}", null);
            }

            return new OnnxTreeClassifier(model, manifest, modelPath);
        }

        /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
        internal static string Sha256Of(byte[] bytes)
        {
            using SHA256 sha = SHA256.Create();
            return BitConverter.ToString(sha.ComputeHash(bytes)).Replace("-", string.Empty).ToLowerInvariant();
        }

        /// <inheritdoc />
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when the run fails, passes its time limit, or gives other than one probability per class of the manifest.</exception>
        public void Predict(float[] features, float[] probabilities)
        {
            if (_model.ClassCount >= 0)
            {
                // The output is bound to [1, classes]: ORT fails a run whose output has another shape.
                _model.RunOne(features, probabilities);
                return;
            }

            ClassifierOutput output = _model.Run(features, 1);
            if (output.ClassCount != _manifest.Classes.Count)
            {
                throw Invalid(Path, $"a run gave {output.ClassCount} probabilities; its manifest names {_manifest.Classes.Count} classes", null);
            }

            output.CopyProbabilities(0, probabilities);
        }

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
