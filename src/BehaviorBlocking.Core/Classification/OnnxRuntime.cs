using System;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// ONNX Runtime (the <c>Microsoft.ML.OnnxRuntime</c> package) for this process: locates its native
    /// library beside the Core assembly, creates the one ORT environment every model session shares, and
    /// turns a runtime that cannot load into <see cref="UnavailableErrorId"/>. ORT cannot be unloaded;
    /// what is loaded stays for the life of the process.
    /// </summary>
    public static class OnnxRuntime
    {
        /// <summary>Error id when the native ONNX Runtime library cannot be found or loaded.</summary>
        public const string UnavailableErrorId = Engine.ErrorIds.ModelRuntimeUnavailable;

        private static readonly object s_gate = new object();
        private static string? s_version;

        /// <summary>The folder the native library is loaded from: <c>runtimes/&lt;rid&gt;/native</c> beside the Core assembly.</summary>
        public static string NativeDirectory => OnnxRuntimeLocator.Library.NativeDirectory;

        /// <summary>ONNX Runtime's own version string, such as <c>1.31.1</c>; loads the runtime.</summary>
        /// <exception cref="BehaviorBlockingException"><c>ModelRuntimeUnavailable</c> when the native library cannot be loaded.</exception>
        public static string Version => EnsureAvailable();

        /// <summary>
        /// Full path of the native library in use, or null when the host's own probing found it (a
        /// resolver of another component, or the program's deps.json); loads the runtime.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>ModelRuntimeUnavailable</c> when the native library cannot be loaded.</exception>
        public static string? LibraryPath
        {
            get
            {
                EnsureAvailable();
                return OnnxRuntimeLocator.Library.LoadedPath;
            }
        }

        /// <summary>
        /// Loads the runtime unless it is loaded: installs the native-library location, then creates the
        /// ORT environment (errors only in ORT's log).
        /// </summary>
        /// <returns>ONNX Runtime's version string.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelRuntimeUnavailable</c> naming the folder probed and the loader's reason.</exception>
        public static string EnsureAvailable()
        {
            lock (s_gate)
            {
                if (s_version != null)
                {
                    return s_version;
                }

                OnnxRuntimeLocator.Library.Install();
                try
                {
                    s_version = CreateEnvironment().GetVersionString();
                    return s_version;
                }
                catch (Exception ex) when (IsLoadFailure(ex))
                {
                    throw Unavailable(ex);
                }
            }
        }

        /// <summary>
        /// Creates a session for a model held in memory. The bytes are not kept.
        /// </summary>
        /// <param name="model">The ONNX model file's content.</param>
        /// <param name="name">How errors name the model (usually its file name).</param>
        /// <returns>A model ready to <see cref="OnnxModel.Run"/>; dispose it when done.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when ORT refuses the model or it is not a supported classifier; <c>ModelRuntimeUnavailable</c> when ORT cannot load.</exception>
        public static OnnxModel LoadModel(byte[] model, string name) => LoadModel(model, name, OnnxModel.DefaultRunTimeout);

        /// <summary>
        /// Creates a session for a model held in memory, whose runs are stopped (and fail) after <paramref name="runTimeout"/>.
        /// The bytes are not kept.
        /// </summary>
        /// <param name="model">The ONNX model file's content.</param>
        /// <param name="name">How errors name the model (usually its file name).</param>
        /// <param name="runTimeout">How long one run may take (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: no limit).</param>
        /// <returns>A model ready to <see cref="OnnxModel.Run"/>; dispose it when done.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when ORT refuses the model or it is not a supported classifier; <c>ModelRuntimeUnavailable</c> when ORT cannot load.</exception>
        public static OnnxModel LoadModel(byte[] model, string name, TimeSpan runTimeout)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model));
            }

            if (name is null)
            {
                throw new ArgumentNullException(nameof(name));
            }

            EnsureAvailable();
            return new OnnxModel(model, name, runTimeout);
        }

        /// <summary>Whether an exception means the native runtime is missing, unloadable or incompatible.</summary>
        internal static bool IsLoadFailure(Exception ex) =>
            ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is BadImageFormatException
            || ex is TypeInitializationException || ex is OnnxRuntimeException;

        /// <summary>The <c>ModelRuntimeUnavailable</c> error for a load failure: the folder probed and the innermost reason.</summary>
        internal static BehaviorBlockingException Unavailable(Exception ex) => OnnxRuntimeLocator.Library.LoadFailure(UnavailableErrorId, ex);

        private static OrtEnv CreateEnvironment()
        {
            if (OrtEnv.IsCreated)
            {
                return OrtEnv.Instance();
            }

            var options = new EnvironmentCreationOptions
            {
                logId = "BehaviorBlocking",
                logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            return OrtEnv.CreateInstanceWithOptions(ref options);
        }
    }
}
