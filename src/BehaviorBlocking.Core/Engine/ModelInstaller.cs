using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BehaviorBlocking.Classification;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// Makes a model the one scans use, all or nothing. The model and manifest are read once and
    /// validated from those bytes (manifest, hash, schema, shape, every probe row); the model is
    /// written under a name of its own (<c>behavior-&lt;sha256 prefix&gt;.onnx</c>) beside the installed
    /// manifest, a new manifest naming it is staged and read back, and replacing the manifest
    /// (<see cref="File.Replace(string, string, string)"/>, an atomic rename) is the one commit point.
    /// A reader sees the old manifest with the old model or the new manifest with the new model, never
    /// a mix; a failure at any step before the commit leaves the installed pair as it was.
    /// </summary>
    /// <remarks>
    /// After the commit, model files neither manifest (new or previous) names are removed; the previous
    /// one stays, so a scan that read the old manifest just before the commit still finds its model.
    /// One install at a time per folder (a lock file, <c>.install.lock</c>).
    /// </remarks>
    public static class ModelInstaller
    {
        private const string LockFileName = ".install.lock";

        /// <summary>The steps of an install, in order (a test can fail each one).</summary>
        internal enum Step
        {
            /// <summary>Writing the model to a temporary file in the target folder.</summary>
            StageModel,

            /// <summary>Renaming it to its own name.</summary>
            NameModel,

            /// <summary>Writing the new manifest to a temporary file.</summary>
            StageManifest,

            /// <summary>Reading the staged pair back through the loader.</summary>
            VerifyStaged,

            /// <summary>Replacing the installed manifest: the commit point.</summary>
            Commit,

            /// <summary>Removing model files no manifest names (after the commit; failures are ignored).</summary>
            CleanUp,
        }

        /// <summary>
        /// Validates <paramref name="modelPath"/> (the <c>.onnx</c> file with its manifest beside it, or the
        /// manifest) and installs it as the manifest <paramref name="targetPath"/> (default
        /// <see cref="EngineLocations.InstalledModelPath"/>; an <c>.onnx</c> target means the <c>.json</c> beside it).
        /// </summary>
        /// <returns>The installed manifest's full path (what scans load).</returns>
        /// <exception cref="BehaviorBlockingException">
        /// <c>ModelNotFound</c> or <c>ModelInvalid</c> when the model is missing or refused (nothing at the target is
        /// touched); <c>ModelInstallFailed</c> when the target cannot be written (the installed model is unchanged).
        /// </exception>
        public static string Install(string modelPath, string? targetPath = null) => Install(modelPath, targetPath, null);

        /// <summary>Installs as <see cref="Install(string, string?)"/>; <paramref name="beforeStep"/> runs before each step (tests inject failures there).</summary>
        internal static string Install(string modelPath, string? targetPath, Action<Step>? beforeStep)
        {
            if (modelPath is null)
            {
                throw new ArgumentNullException(nameof(modelPath));
            }

            Source source = Source.Read(modelPath);
            using (BehaviorEngine.Probed(OnnxTreeClassifier.Load(source.Manifest, source.Model, source.ModelPath, OnnxModel.DefaultRunTimeout)))
            {
            }

            string target = targetPath ?? EngineLocations.InstalledModelPath;
            string manifestPath = Path.GetFullPath(string.Equals(Path.GetExtension(target), ".json", StringComparison.OrdinalIgnoreCase) ? target : ModelManifest.PathFor(target));
            string folder = Path.GetDirectoryName(manifestPath)!;
            string stem = Path.GetFileNameWithoutExtension(manifestPath);
            string modelName = stem + "-" + source.Manifest.Sha256.Substring(0, 16) + ".onnx";
            string modelFile = Path.Combine(folder, modelName);
            RefuseFileAsFolder(folder, manifestPath);

            FileStream installLock = Lock(folder, manifestPath);
            string stagedModel = Path.Combine(folder, "." + modelName + "." + Guid.NewGuid().ToString("N") + ".tmp");
            string stagedManifest = Path.Combine(folder, "." + stem + ".json." + Guid.NewGuid().ToString("N") + ".tmp");
            bool modelExisted = File.Exists(modelFile);
            string? previousModel = InstalledModelName(manifestPath);
            try
            {
                try
                {
                    beforeStep?.Invoke(Step.StageModel);
                    WriteDurably(stagedModel, source.Model);

                    beforeStep?.Invoke(Step.NameModel);
                    if (modelExisted && HasHash(modelFile, source.Manifest.Sha256))
                    {
                        // The same model is already there under its name (reinstall): keep that file as it is.
                        File.Delete(stagedModel);
                    }
                    else if (modelExisted)
                    {
                        File.Replace(stagedModel, modelFile, null);
                    }
                    else
                    {
                        File.Move(stagedModel, modelFile);
                    }

                    beforeStep?.Invoke(Step.StageManifest);
                    WriteDurably(stagedManifest, ManifestNaming(source.ManifestJson, modelName, source.ManifestPath));

                    beforeStep?.Invoke(Step.VerifyStaged);
                    // The source pair was loaded and probed above; the staged pair holds the same model bytes,
                    // so reading it back means: the manifest parses, names the model file, and that file
                    // has the manifest's hash (what loading checks first, without a second session and probe run).
                    ModelManifest staged = ModelManifest.Parse(ModelManifest.ReadLimited(stagedManifest, ModelManifest.MaxBytes, "model manifest"), stagedManifest);
                    if (!string.Equals(staged.ModelFile, modelName, StringComparison.Ordinal) || !HasHash(modelFile, staged.Sha256))
                    {
                        throw new IOException("The staged model '" + modelFile + "' and manifest '" + stagedManifest + "' do not read back as they were written.");
                    }

                    beforeStep?.Invoke(Step.Commit);
                    if (File.Exists(manifestPath))
                    {
                        File.Replace(stagedManifest, manifestPath, null);
                    }
                    else
                    {
                        File.Move(stagedManifest, manifestPath);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is BehaviorBlockingException)
                {
                    DeleteQuietly(stagedModel);
                    DeleteQuietly(stagedManifest);
                    if (!modelExisted && !string.Equals(InstalledModelName(manifestPath), modelName, StringComparison.Ordinal))
                    {
                        DeleteQuietly(modelFile);
                    }

                    string why = ex is BehaviorBlockingException b ? "what was written does not read back: " + b.Message : ex.Message;
                    throw new BehaviorBlockingException(ErrorIds.ModelInstallFailed, FailureKind.AccessDenied,
                        $"cannot install the model at '{manifestPath}': {why}; the installed model is unchanged", ex) { Target = manifestPath };
                }

                try
                {
                    beforeStep?.Invoke(Step.CleanUp);
                    CleanUp(folder, stem, modelName, previousModel);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // The new model is installed; a leftover file is removed by the next install.
                }
            }
            finally
            {
                installLock.Dispose();
            }

            return manifestPath;
        }

        /// <summary>A folder on the way to the target that is a file cannot hold models: say so plainly.</summary>
        private static void RefuseFileAsFolder(string folder, string manifestPath)
        {
            for (string? directory = folder; !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
            {
                if (File.Exists(directory))
                {
                    throw new BehaviorBlockingException(ErrorIds.ModelInstallFailed, FailureKind.AccessDenied,
                        $"cannot install the model at '{manifestPath}': '{directory}' is a file, not a folder; move it away or point BEHAVIORBLOCKING_HOME elsewhere") { Target = directory };
                }
            }
        }

        private static FileStream Lock(string folder, string manifestPath)
        {
            try
            {
                Directory.CreateDirectory(folder);
                return new FileStream(Path.Combine(folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new BehaviorBlockingException(ErrorIds.ModelInstallFailed, FailureKind.AccessDenied,
                    $"cannot install the model at '{manifestPath}': {ex.Message} (is another install into '{folder}' running?)", ex) { Target = manifestPath };
            }
        }

        /// <summary>The model file the installed manifest names now, or null when there is none or it cannot be read.</summary>
        private static string? InstalledModelName(string manifestPath)
        {
            try
            {
                return File.Exists(manifestPath) ? Path.GetFileName(ModelManifest.Read(manifestPath).ModelPathBeside(manifestPath)) : null;
            }
            catch (BehaviorBlockingException)
            {
                return null;
            }
        }

        private static bool HasHash(string path, string sha256)
        {
            try
            {
                return string.Equals(OnnxTreeClassifier.Sha256Of(ModelManifest.ReadLimited(path, OnnxTreeClassifier.MaxModelBytes, "model")), sha256, StringComparison.Ordinal);
            }
            catch (BehaviorBlockingException)
            {
                return false;
            }
        }

        /// <summary>The source manifest with <c>model</c> set to the installed model's file name; every other key kept.</summary>
        private static byte[] ManifestNaming(byte[] manifestJson, string modelName, string manifestPath)
        {
            JsonObject manifest;
            try
            {
                manifest = JsonNode.Parse(manifestJson)!.AsObject();
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException)
            {
                throw new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData, $"the model manifest '{manifestPath}' is not valid: {ex.Message}", ex) { Target = manifestPath };
            }

            manifest["model"] = modelName;
            return Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        private static void WriteDurably(string path, byte[] bytes)
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
        }

        /// <summary>Removes model files that neither the new nor the previous manifest names, and temporary files of failed installs.</summary>
        private static void CleanUp(string folder, string stem, string current, string? previous)
        {
            var keep = new HashSet<string>(StringComparer.Ordinal) { current };
            if (previous is not null)
            {
                keep.Add(previous);
            }

            var candidates = new List<string>(Directory.GetFiles(folder, stem + "-*.onnx"));
            candidates.Add(Path.Combine(folder, stem + ".onnx"));
            candidates.AddRange(Directory.GetFiles(folder, "." + stem + "*.tmp"));
            foreach (string file in candidates)
            {
                if (!keep.Contains(Path.GetFileName(file)))
                {
                    DeleteQuietly(file);
                }
            }
        }

        private static void DeleteQuietly(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Best effort: the next install removes it.
            }
        }

        /// <summary>The model and manifest to install, each read once: validation and the copy use the same bytes.</summary>
        private sealed class Source
        {
            private Source(string manifestPath, byte[] manifestJson, ModelManifest manifest, string modelPath, byte[] model)
            {
                ManifestPath = manifestPath;
                ManifestJson = manifestJson;
                Manifest = manifest;
                ModelPath = modelPath;
                Model = model;
            }

            public string ManifestPath { get; }

            public byte[] ManifestJson { get; }

            public ModelManifest Manifest { get; }

            public string ModelPath { get; }

            public byte[] Model { get; }

            public static Source Read(string path)
            {
                if (!File.Exists(path))
                {
                    throw new BehaviorBlockingException(ErrorIds.ModelNotFound, FailureKind.NotFound, $"no model at '{path}'") { Target = path };
                }

                bool byManifest = string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase);
                string manifestPath = byManifest ? path : ModelManifest.PathFor(path);
                byte[] json = ModelManifest.ReadLimited(manifestPath, ModelManifest.MaxBytes, "model manifest");
                ModelManifest manifest = ModelManifest.Parse(json, manifestPath);
                string modelPath = byManifest ? manifest.ModelPathBeside(manifestPath) : path;
                return new Source(manifestPath, json, manifest, modelPath, ModelManifest.ReadLimited(modelPath, OnnxTreeClassifier.MaxModelBytes, "model"));
            }
        }
    }
}
