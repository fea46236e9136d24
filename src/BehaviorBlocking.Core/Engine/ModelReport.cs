using System;
using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Features;

namespace BehaviorBlocking.Engine
{
    /// <summary>Where a model comes from.</summary>
    public enum ModelOrigin
    {
        /// <summary>The model shipped with the product (beside the engine).</summary>
        BuiltIn = 0,

        /// <summary>The model installed into the product folder (<c>Install-BehaviorModel</c>, <c>behaviorblock model install</c>).</summary>
        Installed,

        /// <summary>A model file named by the caller.</summary>
        File,
    }

    /// <summary>
    /// A classifier model as the engine sees it: what it is (version, features, classes, hash) and whether it loads and
    /// passes the engine's checks on this machine (manifest, SHA-256, feature schema, shapes, probe rows), and if not why.
    /// </summary>
    public sealed class BehaviorModel
    {
        internal BehaviorModel(string path, ModelOrigin origin)
        {
            Path = path;
            Origin = origin;
        }

        /// <summary>The model (.onnx) or manifest path it was read from.</summary>
        public string Path { get; }

        /// <summary>Built-in, installed or a given file.</summary>
        public ModelOrigin Origin { get; }

        /// <summary>The model's version (from its manifest), when the manifest could be read.</summary>
        public string? Version { get; internal set; }

        /// <summary>The SHA-256 of the ONNX file its manifest names, when the manifest could be read.</summary>
        public string? Sha256 { get; internal set; }

        /// <summary>The feature schema version it was trained on.</summary>
        public int? FeatureSchemaVersion { get; internal set; }

        /// <summary>How many features it reads per process tree.</summary>
        public int? FeatureCount { get; internal set; }

        /// <summary>The classes it scores (tactics and benign).</summary>
        public IReadOnlyList<string> Classes { get; internal set; } = Array.Empty<string>();

        /// <summary>True when it loads and passes every check: the engine would classify with it.</summary>
        public bool Valid { get; internal set; }

        /// <summary>The error id of the first check it failed (ModelNotFound, ModelInvalid, ModelRuntimeUnavailable); null when valid.</summary>
        public string? ErrorId { get; internal set; }

        /// <summary>Why it fails; null when valid.</summary>
        public string? Problem { get; internal set; }

        /// <summary>The ONNX Runtime version that loaded it, when it loaded.</summary>
        public string? RuntimeVersion { get; internal set; }
    }

    /// <summary>Reports on models the way the engine loads them; the cmdlets and <c>behaviorblock model</c> share it.</summary>
    public static class ModelReport
    {
        /// <summary>
        /// Loads and checks the model at <paramref name="path"/> (default: the one a scan would use, the installed model
        /// or else the built-in one). Never throws for a bad model: the failure is in the result.
        /// </summary>
        public static BehaviorModel Inspect(string? path = null)
        {
            string target = System.IO.Path.GetFullPath(path ?? EngineLocations.DefaultModelPath);
            var report = new BehaviorModel(target, OriginOf(target));
            try
            {
                using (OnnxTreeClassifier classifier = BehaviorEngine.LoadModel(target))
                {
                    report.Version = classifier.Version;
                    report.Sha256 = classifier.Manifest.Sha256;
                    report.FeatureSchemaVersion = classifier.FeatureSchemaVersion;
                    report.FeatureCount = FeatureSchema.Count;
                    report.Classes = classifier.Classes;
                    report.RuntimeVersion = OnnxRuntime.Version;
                    report.Valid = true;
                }
            }
            catch (BehaviorBlockingException ex)
            {
                report.ErrorId = ex.ErrorId;
                report.Problem = ex.Message;
                DescribeFromManifest(report, target);
            }

            return report;
        }

        private static void DescribeFromManifest(BehaviorModel report, string target)
        {
            // What the manifest says, even when the model is refused: an admin sees which model failed.
            string manifest = string.Equals(System.IO.Path.GetExtension(target), ".json", StringComparison.OrdinalIgnoreCase) ? target : ModelManifest.PathFor(target);
            try
            {
                ModelManifest read = ModelManifest.Read(manifest);
                report.Version = read.Version;
                report.Sha256 = read.Sha256;
                report.FeatureSchemaVersion = read.FeatureSchema;
                report.FeatureCount = read.Features.Count;
                report.Classes = read.Classes;
            }
            catch (BehaviorBlockingException)
            {
                // The manifest itself is what failed; the problem already says so.
            }
            catch (IOException)
            {
                // Unreadable manifest: likewise.
            }
        }

        private static ModelOrigin OriginOf(string target)
        {
            string Same(string p) => System.IO.Path.ChangeExtension(System.IO.Path.GetFullPath(p), null);
            StringComparison comparison = System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (string.Equals(Same(target), Same(EngineLocations.BuiltInModelPath), comparison))
            {
                return ModelOrigin.BuiltIn;
            }

            return string.Equals(System.IO.Path.GetDirectoryName(target), System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(EngineLocations.InstalledModelPath)), comparison)
                ? ModelOrigin.Installed : ModelOrigin.File;
        }
    }
}
