using BehaviorBlocking.Internal;
using Microsoft.ML.OnnxRuntime;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// ONNX Runtime's native library as the module ships it: the ORT managed assembly
    /// (Microsoft.ML.OnnxRuntime) is made to load it from <c>runtimes/&lt;rid&gt;/native/</c> beside the
    /// Core assembly (see <see cref="ModuleNativeLibrary"/>). Installed once, before the first ORT call.
    /// ORT's own resolver (its net8.0 build registers one in a static constructor) is switched off first:
    /// only one resolver per assembly is allowed.
    /// </summary>
    internal static class OnnxRuntimeLocator
    {
        /// <summary>The library name ORT's managed assembly imports (<c>[DllImport("onnxruntime")]</c> in 1.31).</summary>
        public const string ImportName = "onnxruntime";

        /// <summary>The library and how it is found in this process.</summary>
        public static ModuleNativeLibrary Library { get; } = new ModuleNativeLibrary(
            "ONNX Runtime", ImportName, "onnxruntime.dll", "libonnxruntime.dylib", "libonnxruntime.so",
            () => typeof(OrtEnv).Assembly,
            () => OrtEnv.DisableDllImportResolver = true);

        /// <summary>How the native library is found in this process.</summary>
        public static NativeLibraryMechanism Mechanism => Library.Mechanism;

        /// <summary>The folder probed: <c>runtimes/&lt;rid&gt;/native</c> beside the Core assembly.</summary>
        public static string NativeDirectory => Library.NativeDirectory;

        /// <summary>File name of the native library on this platform, as the ORT package ships it.</summary>
        public static string LibraryFileName => Library.LibraryFileName;

        /// <summary>Full path of the library in <see cref="NativeDirectory"/>.</summary>
        public static string LibraryPath => Library.LibraryPath;

        /// <summary>The library file this mechanism loaded, or null (not loaded yet, or found by the host's probing).</summary>
        public static string? LoadedPath => Library.LoadedPath;

        /// <summary>Why the .NET Framework preload failed, or null.</summary>
        public static string? PreloadError => Library.PreloadError;

        /// <summary>Installs the mechanism; later calls do nothing. Call before any ORT type is used.</summary>
        public static void Install() => Library.Install();
    }
}
