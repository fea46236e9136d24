using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Engine;
using Microsoft.ML.OnnxRuntime;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// Makes the ONNX Runtime managed assembly (Microsoft.ML.OnnxRuntime) load its native library from
    /// <c>&lt;folder of BehaviorBlocking.Core.dll&gt;/runtimes/&lt;rid&gt;/native/</c>. Inside PowerShell
    /// nothing else would: the module's natives are in no deps.json, and the default probing looks in
    /// PowerShell's folder and the module's root only. Installed once, before the first ORT call.
    /// </summary>
    /// <remarks>
    /// On .NET Core 3+ (PowerShell 7, the CLI) a DllImport resolver is registered for the ORT assembly
    /// through <c>NativeLibrary.SetDllImportResolver</c>, reached by reflection because Core targets
    /// netstandard2.0; ORT's own resolver (net8.0 build) is switched off first so the two do not
    /// compete. On .NET Framework (Windows PowerShell 5.1) the library is loaded by full path with
    /// <c>LoadLibraryEx</c>, and ORT's <c>DllImport("onnxruntime")</c> then binds to the loaded module.
    /// When the folder has no library, the host's own probing decides (deps.json, the assembly's folder).
    /// </remarks>
    internal static class OnnxRuntimeLocator
    {
        /// <summary>The library name ORT's managed assembly imports (<c>[DllImport("onnxruntime")]</c> in 1.31).</summary>
        public const string ImportName = "onnxruntime";

        private static readonly object s_gate = new object();
        private static bool s_installed;
        private static Func<string, IntPtr>? s_loadByPath;
        private static string? s_loadedPath;
        private static string? s_preloadError;

        /// <summary>How the native library is found in this process.</summary>
        public static OnnxRuntimeLocation Mechanism { get; private set; } = OnnxRuntimeLocation.None;

        /// <summary>The folder probed: <c>runtimes/&lt;rid&gt;/native</c> beside the Core assembly.</summary>
        public static string NativeDirectory => EngineLocations.NativeDirectory(CurrentRid() ?? "unsupported");

        /// <summary>File name of the native library on this platform, as the ORT package ships it.</summary>
        public static string LibraryFileName =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "onnxruntime.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libonnxruntime.dylib"
            : "libonnxruntime.so";

        /// <summary>Full path of the library in <see cref="NativeDirectory"/>.</summary>
        public static string LibraryPath => Path.Combine(NativeDirectory, LibraryFileName);

        /// <summary>The library file this mechanism loaded, or null (not loaded yet, or found by the host's probing).</summary>
        public static string? LoadedPath => Volatile.Read(ref s_loadedPath);

        /// <summary>Why the .NET Framework preload failed, or null.</summary>
        public static string? PreloadError => Volatile.Read(ref s_preloadError);

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

        /// <summary>Installs the mechanism; later calls do nothing. Call before any ORT type is used.</summary>
        public static void Install()
        {
            lock (s_gate)
            {
                if (s_installed)
                {
                    return;
                }

                s_installed = true;
                Type? nativeLibrary = NativeLibraryType();
                if (nativeLibrary != null)
                {
                    InstallResolver(nativeLibrary);
                }
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    Preload();
                }
            }
        }

        /// <summary>System.Runtime.InteropServices.NativeLibrary when the runtime has it (.NET Core 3.0 and later).</summary>
        private static Type? NativeLibraryType() =>
            typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", throwOnError: false);

        private static void InstallResolver(Type nativeLibrary)
        {
            Type? resolverType = nativeLibrary.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", throwOnError: false);
            MethodInfo? load = nativeLibrary.GetMethod("Load", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
            MethodInfo? setResolver = resolverType is null ? null
                : nativeLibrary.GetMethod("SetDllImportResolver", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(Assembly), resolverType }, null);
            MethodInfo resolve = typeof(OnnxRuntimeLocator).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static)!;
            if (resolverType is null || load is null || setResolver is null)
            {
                return;
            }

            s_loadByPath = (Func<string, IntPtr>)Delegate.CreateDelegate(typeof(Func<string, IntPtr>), load);
            Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);

            // ORT's net8.0 build registers its own resolver in a static constructor unless told not to;
            // only one resolver per assembly is allowed.
            OrtEnv.DisableDllImportResolver = true;
            try
            {
                setResolver.Invoke(null, new object[] { typeof(OrtEnv).Assembly, resolver });
                Mechanism = OnnxRuntimeLocation.Resolver;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
            {
                // Another component of the process registered one first: its resolver decides.
                Mechanism = OnnxRuntimeLocation.Host;
            }
        }

        /// <summary>The DllImport resolver: ORT's library from <see cref="NativeDirectory"/>, when it is there.</summary>
        private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (!string.Equals(libraryName, ImportName, StringComparison.OrdinalIgnoreCase))
            {
                return IntPtr.Zero;
            }

            string path = LibraryPath;
            if (!File.Exists(path))
            {
                return IntPtr.Zero;
            }

            // NativeLibrary.Load throws DllNotFoundException with the loader's reason; it reaches the caller
            // through ORT's static constructor, and OnnxRuntime reports it as ModelRuntimeUnavailable.
            IntPtr handle = s_loadByPath!(path);
            Volatile.Write(ref s_loadedPath, path);
            return handle;
        }

        private static void Preload()
        {
            Mechanism = OnnxRuntimeLocation.Preload;
            string path = LibraryPath;
            if (!File.Exists(path))
            {
                return;
            }

            IntPtr module = NativeLibraryLoader.LoadWindows(path, out string error);
            if (module == IntPtr.Zero)
            {
                Volatile.Write(ref s_preloadError, path + ": " + error);
                return;
            }

            Volatile.Write(ref s_loadedPath, path);
        }
    }

    /// <summary>How ONNX Runtime's native library is located in this process.</summary>
    internal enum OnnxRuntimeLocation
    {
        /// <summary>Nothing installed yet.</summary>
        None,

        /// <summary>A DllImport resolver registered for the ORT assembly (.NET Core 3+).</summary>
        Resolver,

        /// <summary>Loaded by full path before ORT's first DllImport (.NET Framework).</summary>
        Preload,

        /// <summary>Another resolver of the process was there first.</summary>
        Host,
    }
}
