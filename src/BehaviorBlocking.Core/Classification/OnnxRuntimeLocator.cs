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
    }
}
