using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// Makes SQLitePCLRaw load the native SQLite library (<c>e_sqlite3</c>) from
    /// <c>&lt;folder of BehaviorBlocking.Core.dll&gt;/runtimes/&lt;rid&gt;/native/</c>, then loads it. Inside
    /// PowerShell nothing else would: the module's natives are in no deps.json, and the default probing
    /// looks in PowerShell's folder and the module's root only. Runs once, before the first connection.
    /// </summary>
    /// <remarks>
    /// SQLitePCLRaw 3 has a single way to the native library: <c>SQLitePCLRaw.provider.e_sqlite3</c>
    /// declares every function with <c>[DllImport("e_sqlite3")]</c> (no loader or library-path setting of
    /// its own), and <c>Batteries_V2.Init</c> selects that provider, whose first call binds the import.
    /// On .NET Core 3+ (PowerShell 7, the CLI) a DllImport resolver is registered for the provider's
    /// assembly through <c>NativeLibrary.SetDllImportResolver</c>, reached by reflection because Core
    /// targets netstandard2.0. On .NET Framework (Windows PowerShell 5.1) the library is loaded by full
    /// path with <c>LoadLibraryEx</c>, and the provider's import then binds to the loaded module. When
    /// the folder has no library, the host's own probing decides (deps.json, the assembly's folder).
    /// </remarks>
    internal static class SqliteNativeLocator
    {
        /// <summary>The library name SQLitePCLRaw's provider imports (<c>[DllImport("e_sqlite3")]</c> in 3.0).</summary>
        public const string ImportName = "e_sqlite3";

        private static readonly object s_gate = new object();
        private static volatile bool s_loaded;
        private static bool s_installed;
        private static Func<string, IntPtr>? s_loadByPath;
        private static string? s_loadedPath;
        private static string? s_preloadError;

        /// <summary>The folder probed: <c>runtimes/&lt;rid&gt;/native</c> beside the Core assembly.</summary>
        public static string NativeDirectory => EngineLocations.NativeDirectory(OnnxRuntimeLocator.CurrentRid() ?? "unsupported");

        /// <summary>File name of the native library on this platform, as the SourceGear.sqlite3 package ships it.</summary>
        public static string LibraryFileName =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "e_sqlite3.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libe_sqlite3.dylib"
            : "libe_sqlite3.so";

        /// <summary>Full path of the library in <see cref="NativeDirectory"/>.</summary>
        public static string LibraryPath => Path.Combine(NativeDirectory, LibraryFileName);

        /// <summary>The library file this mechanism loaded, or null (not loaded yet, or found by the host's probing).</summary>
        public static string? LoadedPath => Volatile.Read(ref s_loadedPath);

        /// <summary>
        /// Installs the location, then loads the library and selects SQLitePCLRaw's provider; later calls
        /// return at once. A failed load is tried again on the next call.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>StoreUnavailable</c> naming the folder probed and the loader's reason.</exception>
        public static void EnsureLoaded()
        {
            if (s_loaded)
            {
                return;
            }

            lock (s_gate)
            {
                if (s_loaded)
                {
                    return;
                }

                Install();
                try
                {
                    // Selects the e_sqlite3 provider; its first native call (sqlite3_libversion_number) binds the import.
                    SQLitePCL.Batteries_V2.Init();
                }
                catch (Exception ex) when (IsLoadFailure(ex))
                {
                    throw Unavailable(ex);
                }

                s_loaded = true;
            }
        }

        /// <summary>Installs the mechanism; later calls do nothing.</summary>
        private static void Install()
        {
            if (s_installed)
            {
                return;
            }

            s_installed = true;
            Type? nativeLibrary = typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", throwOnError: false);
            if (nativeLibrary != null)
            {
                InstallResolver(nativeLibrary);
            }
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                Preload();
            }
        }

        private static void InstallResolver(Type nativeLibrary)
        {
            Type? resolverType = nativeLibrary.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", throwOnError: false);
            MethodInfo? load = nativeLibrary.GetMethod("Load", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
            MethodInfo? setResolver = resolverType is null ? null
                : nativeLibrary.GetMethod("SetDllImportResolver", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(Assembly), resolverType }, null);
            if (resolverType is null || load is null || setResolver is null)
            {
                return;
            }

            s_loadByPath = (Func<string, IntPtr>)Delegate.CreateDelegate(typeof(Func<string, IntPtr>), load);
            MethodInfo resolve = typeof(SqliteNativeLocator).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static)!;
            Delegate resolver = Delegate.CreateDelegate(resolverType, resolve);
            try
            {
                setResolver.Invoke(null, new object[] { typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, resolver });
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
            {
                // Another component of the process registered one for the provider first: its resolver decides.
            }
        }

        /// <summary>The DllImport resolver: SQLite's library from <see cref="NativeDirectory"/>, when it is there.</summary>
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

            // NativeLibrary.Load throws DllNotFoundException with the loader's reason; EnsureLoaded reports it.
            IntPtr handle = s_loadByPath!(path);
            Volatile.Write(ref s_loadedPath, path);
            return handle;
        }

        private static void Preload()
        {
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

        private static bool IsLoadFailure(Exception ex) =>
            ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is BadImageFormatException
            || ex is TypeInitializationException;

        /// <summary>The <c>StoreUnavailable</c> error for a load failure: the folder probed and the innermost reason.</summary>
        private static BehaviorBlockingException Unavailable(Exception ex)
        {
            Exception reason = ex;
            while ((reason is TypeInitializationException || reason is TargetInvocationException) && reason.InnerException != null)
            {
                reason = reason.InnerException;
            }

            string folder = NativeDirectory;
            string preload = Volatile.Read(ref s_preloadError) is string error ? " Loading it by full path failed: " + error + "." : string.Empty;
            return new BehaviorBlockingException(
                DetectionStore.UnavailableErrorId,
                FailureKind.Unavailable,
                $"The SQLite native library (e_sqlite3) could not be loaded (looked for {LibraryFileName} in '{folder}', "
                + $"then where the host probes).{preload} {reason.GetType().Name}: {reason.Message}",
                ex)
            {
                Target = folder,
            };
        }
    }
}
