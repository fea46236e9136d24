using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// ONNX Runtime's native library, loaded by full path, with the process-wide objects every model
    /// session shares (environment, CPU memory description). Loaded once per library path and kept
    /// for the life of the process; ORT does not support unloading.
    /// </summary>
    public sealed class OnnxRuntime
    {
        /// <summary>Error id when the native ONNX Runtime library cannot be found or loaded.</summary>
        public const string UnavailableErrorId = Engine.ErrorIds.ModelRuntimeUnavailable;

        private const int LoggingLevelError = 3;
        private const int OrtDeviceAllocator = 0;
        private const int OrtMemTypeDefault = 0;

        // The native library is process-wide by nature; this only avoids binding it twice.
        private static readonly object s_gate = new object();
        private static readonly Dictionary<string, OnnxRuntime> s_loaded = new Dictionary<string, OnnxRuntime>(StringComparer.Ordinal);

        private OnnxRuntime(string libraryPath, string version, OrtApiTable api, IntPtr environment, IntPtr cpuMemory, IntPtr allocator)
        {
            LibraryPath = libraryPath;
            Version = version;
            Api = api;
            Environment = environment;
            CpuMemory = cpuMemory;
            Allocator = allocator;
        }

        /// <summary>Full path of the native library that was loaded.</summary>
        public string LibraryPath { get; }

        /// <summary>ONNX Runtime's own version string, such as <c>1.30.0</c>.</summary>
        public string Version { get; }

        internal OrtApiTable Api { get; }

        internal IntPtr Environment { get; }

        internal IntPtr CpuMemory { get; }

        internal IntPtr Allocator { get; }

        /// <summary>
        /// Loads ONNX Runtime. With <paramref name="libraryPath"/> (a library file or a folder holding
        /// it) only that place is tried; otherwise <c>runtimes/&lt;rid&gt;/native/</c> beside this
        /// assembly, then the assembly's folder.
        /// </summary>
        /// <param name="libraryPath">The native library or its folder; null for the default places.</param>
        /// <returns>The loaded runtime; the same instance for the same library path.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelRuntimeUnavailable</c> naming every path tried and why each failed.</exception>
        public static OnnxRuntime Load(string? libraryPath = null)
        {
            IReadOnlyList<string> candidates = CandidatePaths(libraryPath, AssemblyDirectory());
            var tried = new StringBuilder();
            lock (s_gate)
            {
                foreach (string candidate in candidates)
                {
                    if (s_loaded.TryGetValue(candidate, out OnnxRuntime? loaded))
                    {
                        return loaded;
                    }

                    if (!File.Exists(candidate))
                    {
                        tried.Append(System.Environment.NewLine).Append("  ").Append(candidate).Append(": not found");
                        continue;
                    }

                    OnnxRuntime? runtime = TryLoad(candidate, out string error);
                    if (runtime != null)
                    {
                        s_loaded[candidate] = runtime;
                        return runtime;
                    }

                    tried.Append(System.Environment.NewLine).Append("  ").Append(candidate).Append(": ").Append(error);
                }
            }

            string where = candidates.Count == 0 ? " (no candidate path for this platform)" : tried.ToString();
            throw new BehaviorBlockingException(
                UnavailableErrorId,
                FailureKind.Unavailable,
                "The ONNX Runtime native library could not be loaded. Paths tried:" + where)
            {
                Target = libraryPath,
            };
        }

        /// <summary>
        /// Creates a session for a model held in memory. The bytes are not kept.
        /// </summary>
        /// <param name="model">The ONNX model file's content.</param>
        /// <param name="name">How errors name the model (usually its file name).</param>
        /// <returns>A model ready to <see cref="OnnxModel.Run"/>; dispose it when done.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when ORT refuses the model or it is not a supported classifier.</exception>
        public OnnxModel LoadModel(byte[] model, string name)
        {
            if (model is null)
            {
                throw new ArgumentNullException(nameof(model));
            }

            if (name is null)
            {
                throw new ArgumentNullException(nameof(name));
            }

            return new OnnxModel(this, model, name);
        }

        /// <summary>The platform's runtime identifier as the native folders are named (<c>linux-x64</c>, <c>win-arm64</c>, <c>osx-arm64</c>), or null.</summary>
        internal static string? CurrentRid()
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

        /// <summary>Every full path <see cref="Load"/> tries, in order.</summary>
        internal static IReadOnlyList<string> CandidatePaths(string? libraryPath, string assemblyDirectory)
        {
            var paths = new List<string>();
            if (!string.IsNullOrEmpty(libraryPath))
            {
                string full = Path.GetFullPath(libraryPath);
                if (Directory.Exists(full))
                {
                    AddLibraryFiles(paths, full);
                }
                else
                {
                    paths.Add(full);
                }

                return paths;
            }

            string? rid = CurrentRid();
            if (rid != null)
            {
                AddLibraryFiles(paths, Path.Combine(assemblyDirectory, "runtimes", rid, "native"));
            }

            AddLibraryFiles(paths, assemblyDirectory);
            return paths;
        }

        private static void AddLibraryFiles(List<string> paths, string folder)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                paths.Add(Path.Combine(folder, "onnxruntime.dll"));
            }
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                // The npm package names the macOS library after its full version (libonnxruntime.1.30.0.dylib).
                paths.Add(Path.Combine(folder, "libonnxruntime.dylib"));
                if (Directory.Exists(folder))
                {
                    string[] versioned = Directory.GetFiles(folder, "libonnxruntime.*.dylib");
                    Array.Sort(versioned, StringComparer.Ordinal);
                    paths.AddRange(versioned);
                }
            }
            else
            {
                paths.Add(Path.Combine(folder, "libonnxruntime.so.1"));
                paths.Add(Path.Combine(folder, "libonnxruntime.so"));
            }
        }

        private static string AssemblyDirectory()
        {
            string location = typeof(OnnxRuntime).Assembly.Location;
            string? directory = string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
            return string.IsNullOrEmpty(directory) ? AppContext.BaseDirectory : directory!;
        }

        private static OnnxRuntime? TryLoad(string path, out string error)
        {
            IntPtr library = NativeLibraryLoader.Load(path, out error);
            if (library == IntPtr.Zero)
            {
                return null;
            }

            OrtApiTable? api = OrtApiTable.Bind(library, out string version, out error);
            if (api is null)
            {
                return null;
            }

            // Environment, CPU memory description and default allocator live as long as the process.
            error = api.TakeError(api.CreateEnv(LoggingLevelError, Utf8.NulTerminated("BehaviorBlocking"), out IntPtr environment)) ?? string.Empty;
            if (error.Length > 0)
            {
                return null;
            }

            error = api.TakeError(api.CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, out IntPtr cpuMemory)) ?? string.Empty;
            if (error.Length > 0)
            {
                api.ReleaseEnv(environment);
                return null;
            }

            error = api.TakeError(api.GetAllocatorWithDefaultOptions(out IntPtr allocator)) ?? string.Empty;
            if (error.Length > 0)
            {
                api.ReleaseMemoryInfo(cpuMemory);
                api.ReleaseEnv(environment);
                return null;
            }

            return new OnnxRuntime(path, version, api, environment, cpuMemory, allocator);
        }
    }
}
