using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Classification;

namespace BehaviorBlocking.Engine
{
    /// <summary>Where a model comes from, as the engine sees it.</summary>
    public enum ModelSource
    {
        /// <summary>The model shipped with the engine (<see cref="EngineLocations.BuiltInModelPath"/>).</summary>
        BuiltIn,

        /// <summary>The model installed in the product folder (<see cref="EngineLocations.InstalledModelPath"/>).</summary>
        Installed,

        /// <summary>Any other model file.</summary>
        File,
    }

    /// <summary>How one check of a model verification ended.</summary>
    public enum ModelCheckOutcome
    {
        /// <summary>The check passed.</summary>
        Passed,

        /// <summary>The check failed; its message says why.</summary>
        Failed,

        /// <summary>The check did not run because an earlier one failed.</summary>
        Skipped,
    }

    /// <summary>A classifier model: what its manifest says and whether the engine can load it on this machine.</summary>
    public sealed class BehaviorModelInfo
    {
        internal BehaviorModelInfo(string path, string manifestPath, ModelSource source, ModelManifest? manifest, string? sha256, bool loads, string? loadErrorId, string? loadError, string? runtimeVersion)
        {
            Path = path;
            ManifestPath = manifestPath;
            Source = source;
            Version = manifest?.Version;
            ManifestSha256 = manifest?.Sha256;
            Sha256 = sha256;
            FeatureSchemaVersion = manifest?.FeatureSchema ?? 0;
            FeatureCount = manifest?.Features.Count ?? 0;
            Features = manifest?.Features.ToArray() ?? Array.Empty<string>();
            Classes = manifest?.Classes.ToArray() ?? Array.Empty<string>();
            Loads = loads;
            LoadErrorId = loadErrorId;
            LoadError = loadError;
            RuntimeVersion = runtimeVersion;
        }

        /// <summary>The model file (<c>.onnx</c>).</summary>
        public string Path { get; }

        /// <summary>Its manifest (<c>.json</c>).</summary>
        public string ManifestPath { get; }

        /// <summary>Built-in, installed, or another file.</summary>
        public ModelSource Source { get; }

        /// <summary>The manifest's version; null when the manifest cannot be read.</summary>
        public string? Version { get; }

        /// <summary>Lower-case hex SHA-256 of the model file; null when it cannot be read.</summary>
        public string? Sha256 { get; }

        /// <summary>The SHA-256 the manifest names; null when the manifest cannot be read.</summary>
        public string? ManifestSha256 { get; }

        /// <summary>The feature schema version the model was trained on.</summary>
        public int FeatureSchemaVersion { get; }

        /// <summary>How many features the model takes.</summary>
        public int FeatureCount { get; }

        /// <summary>The feature names, in input order.</summary>
        public string[] Features { get; }

        /// <summary>The class names, in output order.</summary>
        public string[] Classes { get; }

        /// <summary>Whether the engine loads it here (manifest, hash, schema, ONNX Runtime, probe rows).</summary>
        public bool Loads { get; }

        /// <summary>The error id of the failed load; null when it loads.</summary>
        public string? LoadErrorId { get; }

        /// <summary>Why it does not load; null when it loads.</summary>
        public string? LoadError { get; }

        /// <summary>The ONNX Runtime version that loaded it; null when the runtime is not available.</summary>
        public string? RuntimeVersion { get; }
    }

    /// <summary>One check of a model verification.</summary>
    public sealed class ModelCheck
    {
        internal ModelCheck(string name, ModelCheckOutcome outcome, string message, string? errorId, FailureKind kind = FailureKind.InvalidData)
        {
            Kind = kind;
            Name = name;
            Outcome = outcome;
            Message = message;
            ErrorId = errorId;
        }

        /// <summary>What was checked: File, Manifest, Sha256, Load, Probe.</summary>
        public string Name { get; }

        /// <summary>How the check ended.</summary>
        public ModelCheckOutcome Outcome { get; }

        /// <summary>What was found.</summary>
        public string Message { get; }

        /// <summary>The engine's error id when the check failed; otherwise null.</summary>
        public string? ErrorId { get; }

        internal FailureKind Kind { get; }
    }

    /// <summary>The result of verifying a model file and its manifest the way the engine checks what it loads.</summary>
    public sealed class ModelVerification
    {
        internal ModelVerification(string path, string? version, IReadOnlyList<ModelCheck> checks)
        {
            Path = path;
            Version = version;
            Checks = checks.ToArray();
            Passed = Checks.All(check => check.Outcome == ModelCheckOutcome.Passed);
        }

        /// <summary>The model file or manifest verified.</summary>
        public string Path { get; }

        /// <summary>The manifest's version; null when it cannot be read.</summary>
        public string? Version { get; }

        /// <summary>Whether every check passed.</summary>
        public bool Passed { get; }

        /// <summary>The checks in the order they ran.</summary>
        public ModelCheck[] Checks { get; }

        /// <summary>The first failed check; null when all passed.</summary>
        public ModelCheck? FirstFailure => Checks.FirstOrDefault(check => check.Outcome == ModelCheckOutcome.Failed);

        /// <summary>Throws the first failed check as the engine's error (ModelNotFound, ModelInvalid, ModelRuntimeUnavailable), saying <paramref name="consequence"/>.</summary>
        /// <param name="consequence">What the failure means for the caller, e.g. "nothing was installed".</param>
        /// <exception cref="BehaviorBlockingException">When a check failed; the target is <see cref="Path"/>.</exception>
        public void ThrowIfFailed(string consequence)
        {
            ModelCheck? failure = FirstFailure;
            if (failure is not null)
            {
                throw new BehaviorBlockingException(failure.ErrorId ?? ErrorIds.ModelInvalid, failure.Kind,
                    $"the model '{Path}' failed its {failure.Name} check: {failure.Message}; {consequence}") { Target = Path };
            }
        }
    }

    /// <summary>Describes and verifies classifier models through the engine's own load path (<see cref="BehaviorEngine.LoadModel"/>).</summary>
    public static class ModelInspector
    {
        /// <summary>The check names, in the order <see cref="Verify"/> runs them.</summary>
        public static IReadOnlyList<string> CheckNames { get; } = new[] { "File", "Manifest", "Sha256", "Load", "Probe" };

        /// <summary>Describes <paramref name="path"/> (the <c>.onnx</c> or its manifest; null: the model a scan would load).</summary>
        /// <exception cref="BehaviorBlockingException"><c>ModelNotFound</c> when the file does not exist.</exception>
        public static BehaviorModelInfo Describe(string? path = null)
        {
            string full = System.IO.Path.GetFullPath(path ?? EngineLocations.DefaultModelPath);
            if (!File.Exists(full))
            {
                throw new BehaviorBlockingException(ErrorIds.ModelNotFound, FailureKind.NotFound, $"no model at '{full}'") { Target = full };
            }

            ModelManifest? manifest = null;
            string manifestPath = IsManifest(full) ? full : ModelManifest.PathFor(full);
            string modelPath = full;
            try
            {
                manifest = ModelManifest.Read(manifestPath);
                modelPath = IsManifest(full) ? manifest.ModelPathBeside(manifestPath) : full;
            }
            catch (BehaviorBlockingException)
            {
                // The load below reports why.
            }

            string? sha256 = null;
            try
            {
                if (manifest is null && IsManifest(full))
                {
                    // No readable manifest to name the model file: there is no model file to hash.
                    throw new BehaviorBlockingException(ErrorIds.ModelInvalid, FailureKind.InvalidData, "no model file named");
                }

                sha256 = OnnxTreeClassifier.Sha256Of(ModelManifest.ReadLimited(modelPath, OnnxTreeClassifier.MaxModelBytes, "model"));
            }
            catch (BehaviorBlockingException)
            {
                // Unreadable or too large: the load below reports it.
            }

            bool loads = false;
            string? errorId = null;
            string? error = null;
            string? runtime = null;
            try
            {
                using (BehaviorEngine.LoadModel(full))
                {
                    loads = true;
                }

                runtime = OnnxRuntime.Version;
            }
            catch (BehaviorBlockingException ex)
            {
                errorId = ex.ErrorId;
                error = ex.Message;
            }

            return new BehaviorModelInfo(modelPath, manifestPath, SourceOf(full, manifestPath), manifest, sha256, loads, errorId, error, runtime);
        }

        /// <summary>
        /// Verifies <paramref name="path"/> step by step: the file exists, the manifest parses, the model's SHA-256 is
        /// the manifest's, ONNX Runtime loads it with the engine's schema and shape checks, and every probe row scores.
        /// A failed step is a failed check with the engine's reason; the steps after it are skipped. Never throws for a bad model.
        /// </summary>
        public static ModelVerification Verify(string path)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            string full = System.IO.Path.GetFullPath(path);
            var checks = new List<ModelCheck>();
            ModelManifest? manifest = null;
            string modelPath = full;
            string manifestPath = IsManifest(full) ? full : ModelManifest.PathFor(full);
            OnnxTreeClassifier? classifier = null;
            try
            {
                Run(checks, "File", () =>
                {
                    if (!File.Exists(full))
                    {
                        throw new BehaviorBlockingException(ErrorIds.ModelNotFound, FailureKind.NotFound, $"no model at '{full}'") { Target = full };
                    }

                    return "found '" + full + "'";
                });
                Run(checks, "Manifest", () =>
                {
                    manifest = ModelManifest.Read(manifestPath);
                    modelPath = IsManifest(full) ? manifest.ModelPathBeside(manifestPath) : full;
                    return $"version {manifest.Version}, feature schema {manifest.FeatureSchema}, {manifest.Features.Count} features, classes {string.Join(", ", manifest.Classes)}";
                });
                Run(checks, "Sha256", () =>
                {
                    string hash = OnnxTreeClassifier.Sha256Of(ModelManifest.ReadLimited(modelPath, OnnxTreeClassifier.MaxModelBytes, "model"));
                    if (!string.Equals(hash, manifest!.Sha256, StringComparison.Ordinal))
                    {
                        throw new BehaviorBlockingException(ErrorIds.ModelInvalid, FailureKind.InvalidData,
                            $"the model '{modelPath}' has SHA-256 {hash}, not the {manifest.Sha256} its manifest names (altered or corrupt)") { Target = modelPath };
                    }

                    return hash;
                });
                Run(checks, "Load", () =>
                {
                    classifier = OnnxTreeClassifier.Load(full, OnnxModel.DefaultRunTimeout);
                    return $"ONNX Runtime {OnnxRuntime.Version} loaded it: {classifier.Model.FeatureCount} inputs, schema {classifier.FeatureSchemaVersion}";
                });
                Run(checks, "Probe", () =>
                {
                    int rows = ModelProbe.Check(classifier!, classifier!.Path);
                    return $"{rows} probe rows (seed {ModelProbe.Seed}) each gave probabilities in [0, 1]";
                });
            }
            finally
            {
                classifier?.Dispose();
            }

            return new ModelVerification(full, manifest?.Version, checks);
        }

        private static void Run(List<ModelCheck> checks, string name, Func<string> check)
        {
            if (checks.Any(c => c.Outcome != ModelCheckOutcome.Passed))
            {
                checks.Add(new ModelCheck(name, ModelCheckOutcome.Skipped, "not run: an earlier check failed", null));
                return;
            }

            try
            {
                checks.Add(new ModelCheck(name, ModelCheckOutcome.Passed, check(), null));
            }
            catch (BehaviorBlockingException ex)
            {
                checks.Add(new ModelCheck(name, ModelCheckOutcome.Failed, ex.Message, ex.ErrorId, ex.Kind));
            }
        }

        private static bool IsManifest(string path) => string.Equals(System.IO.Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase);

        private static ModelSource SourceOf(string path, string manifestPath)
        {
            StringComparison comparison = System.IO.Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (string.Equals(manifestPath, System.IO.Path.GetFullPath(EngineLocations.InstalledModelPath), comparison))
            {
                return ModelSource.Installed;
            }

            string builtIn = System.IO.Path.GetFullPath(EngineLocations.BuiltInModelPath);
            return string.Equals(path, builtIn, comparison) || string.Equals(manifestPath, ModelManifest.PathFor(builtIn), comparison) ? ModelSource.BuiltIn : ModelSource.File;
        }
    }
}
