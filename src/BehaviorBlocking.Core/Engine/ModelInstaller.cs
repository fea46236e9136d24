using System;
using System.IO;
using BehaviorBlocking.Classification;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// Makes a model the one scans use: it is validated first (manifest, hash, schema, one inference),
    /// then copied into the product folder atomically, the model before its manifest, so a half-done
    /// install never pairs a new manifest with an old model (loading checks the pair's hash).
    /// </summary>
    public static class ModelInstaller
    {
        /// <summary>Validates <paramref name="modelPath"/> and installs it at <paramref name="targetPath"/> (default <see cref="EngineLocations.InstalledModelPath"/>); returns where.</summary>
        /// <exception cref="BehaviorBlockingException">The model is missing or invalid (nothing is changed), or the target cannot be written.</exception>
        public static string Install(string modelPath, string? targetPath = null)
        {
            string target = targetPath ?? EngineLocations.InstalledModelPath;
            using (BehaviorEngine.LoadModel(modelPath))
            {
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
                CopyAtomically(modelPath, target);
                CopyAtomically(ModelManifest.PathFor(modelPath), ModelManifest.PathFor(target));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new BehaviorBlockingException(ErrorIds.ModelInstallFailed, FailureKind.AccessDenied,
                    $"cannot install the model at '{target}': {ex.Message}", ex) { Target = target };
            }

            return target;
        }

        private static void CopyAtomically(string source, string target)
        {
            string temporary = target + ".new";
            File.Copy(source, temporary, overwrite: true);
            if (File.Exists(target))
            {
                File.Replace(temporary, target, null);
            }
            else
            {
                File.Move(temporary, target);
            }
        }
    }
}
