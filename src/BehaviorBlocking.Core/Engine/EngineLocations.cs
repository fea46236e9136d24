using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// Where the engine finds what ships beside it: the built-in rule pack, the built-in model and
    /// native libraries. Everything is resolved from the folder of the Core assembly itself, never
    /// from <see cref="AppContext.BaseDirectory"/>: inside <c>pwsh</c> that is PowerShell's folder,
    /// not the module's.
    /// </summary>
    public static class EngineLocations
    {
        /// <summary>File name of the classifier (its manifest is the same name with <c>.json</c>).</summary>
        public const string ModelFileName = "behavior.onnx";

        /// <summary>Folder of the loaded Core assembly (the module folder, or the CLI's folder).</summary>
        public static string CoreDirectory { get; } = DirectoryOf(typeof(EngineLocations).Assembly);

        /// <summary>The built-in Sigma rule pack: <c>rules/</c> beside the Core assembly.</summary>
        public static string BuiltInRulesDirectory => Path.Combine(CoreDirectory, "rules");

        /// <summary>The built-in classifier: <c>models/behavior.onnx</c> beside the Core assembly.</summary>
        public static string BuiltInModelPath => Path.Combine(CoreDirectory, "models", ModelFileName);

        /// <summary>
        /// Where <c>model install</c> puts a model: the manifest <c>models/behavior.json</c> in the product folder,
        /// which names the model file installed beside it (replacing this one file switches models).
        /// </summary>
        public static string InstalledModelPath => Path.Combine(ProductHome.Resolve(), "models", Path.ChangeExtension(ModelFileName, ".json"));

        /// <summary>The model scans use by default: the installed manifest when present, else the built-in model.</summary>
        public static string DefaultModelPath => File.Exists(InstalledModelPath) ? InstalledModelPath : BuiltInModelPath;

        /// <summary>Folder of native libraries for <paramref name="rid"/>: <c>runtimes/&lt;rid&gt;/native</c> beside the Core assembly.</summary>
        public static string NativeDirectory(string rid) => Path.Combine(CoreDirectory, "runtimes", rid, "native");

        /// <summary>The platform's runtime identifier as the native folders are named (<c>linux-x64</c>, <c>win-arm64</c>, <c>osx-arm64</c>), or null.</summary>
        public static string? CurrentRid()
        {
            string? os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx"
                : null;
            string? architecture = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                _ => null,
            };
            return os is null || architecture is null ? null : os + "-" + architecture;
        }

        /// <summary>The folder an assembly was loaded from; the process's base directory when it has no file (loaded from bytes).</summary>
        internal static string DirectoryOf(Assembly assembly)
        {
            string location = assembly.Location;
            string? directory = string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
            return string.IsNullOrEmpty(directory) ? AppContext.BaseDirectory : directory!;
        }
    }
}
