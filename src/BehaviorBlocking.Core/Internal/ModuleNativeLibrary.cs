using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Internal
{
    /// <summary>How a native library of the module is located in this process.</summary>
    internal enum NativeLibraryMechanism
    {
        /// <summary>Nothing installed yet.</summary>
        None,

        /// <summary>A DllImport resolver registered for the importing assembly (.NET Core 3+).</summary>
        Resolver,

        /// <summary>Loaded by full path before the first DllImport (.NET Framework).</summary>
        Preload,

        /// <summary>Another resolver of the process was there first, or nothing could be installed: the host's probing decides.</summary>
        Host,
    }

    /// <summary>
    /// One native library the module ships under <c>&lt;folder of BehaviorBlocking.Core.dll&gt;/runtimes/&lt;rid&gt;/native/</c>,
    /// and the way an assembly that imports it (<c>[DllImport(ImportName)]</c>) is made to load that file.
    /// Inside PowerShell nothing else would: the module's natives are in no deps.json, and the default
    /// probing looks in PowerShell's folder and the module's root only.
    /// </summary>
    /// <remarks>
    /// On .NET Core 3+ (PowerShell 7, the CLI) a DllImport resolver is registered for the importing
    /// assembly through <c>NativeLibrary.SetDllImportResolver</c>, reached by reflection because Core
    /// targets netstandard2.0. On .NET Framework (Windows PowerShell 5.1) the library is loaded by full
    /// path with <c>LoadLibraryEx</c>, and the import then binds to the loaded module. When the folder has
    /// no library, the host's own probing decides (deps.json, the assembly's folder).
    /// </remarks>
    internal sealed class ModuleNativeLibrary
    {
        private readonly object _gate = new object();
        private readonly string _windowsFile;
        private readonly string _macFile;
        private readonly string _linuxFile;
        private readonly Func<Assembly> _importingAssembly;
        private readonly Action? _beforeResolver;
        private bool _installed;
        private Func<string, IntPtr>? _loadByPath;
        private string? _loadedPath;
        private string? _preloadError;

        /// <summary>Describes a library; <paramref name="beforeResolver"/> runs just before a resolver is registered (to switch off a competing one).</summary>
        public ModuleNativeLibrary(string displayName, string importName, string windowsFile, string macFile, string linuxFile,
            Func<Assembly> importingAssembly, Action? beforeResolver = null)
        {
            DisplayName = displayName;
            ImportName = importName;
            _windowsFile = windowsFile;
            _macFile = macFile;
            _linuxFile = linuxFile;
            _importingAssembly = importingAssembly;
            _beforeResolver = beforeResolver;
        }

        /// <summary>How error messages name the library (<c>ONNX Runtime</c>, <c>SQLite (e_sqlite3)</c>).</summary>
        public string DisplayName { get; }

        /// <summary>The library name the importing assembly declares in its DllImports.</summary>
        public string ImportName { get; }

        /// <summary>How the library is found in this process.</summary>
        public NativeLibraryMechanism Mechanism { get; private set; } = NativeLibraryMechanism.None;

        /// <summary>The folder probed: <c>runtimes/&lt;rid&gt;/native</c> beside the Core assembly.</summary>
        public string NativeDirectory => EngineLocations.NativeDirectory(EngineLocations.CurrentRid() ?? "unsupported");

        /// <summary>File name of the library on this platform, as its package ships it.</summary>
        public string LibraryFileName =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? _windowsFile
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? _macFile
            : _linuxFile;

        /// <summary>Full path of the library in <see cref="NativeDirectory"/>.</summary>
        public string LibraryPath => Path.Combine(NativeDirectory, LibraryFileName);

        /// <summary>The library file this mechanism loaded, or null (not loaded yet, or found by the host's probing).</summary>
        public string? LoadedPath => Volatile.Read(ref _loadedPath);

        /// <summary>Why the .NET Framework preload failed, or null.</summary>
        public string? PreloadError => Volatile.Read(ref _preloadError);

        /// <summary>Installs the mechanism; later calls do nothing. Call before the importing assembly's first native call.</summary>
        public void Install()
        {
            lock (_gate)
            {
                if (_installed)
                {
                    return;
                }

                _installed = true;
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
        }

        /// <summary>
        /// The error for a failure to load the library: <paramref name="errorId"/> (Unavailable), naming the
        /// folder probed, the preload's failure if any, and the innermost reason.
        /// </summary>
        public BehaviorBlockingException LoadFailure(string errorId, Exception ex)
        {
            Exception reason = ex;
            while ((reason is TypeInitializationException || reason is TargetInvocationException) && reason.InnerException != null)
            {
                reason = reason.InnerException;
            }

            string folder = NativeDirectory;
            string preload = PreloadError is string error ? " Loading it by full path failed: " + error + "." : string.Empty;
            return new BehaviorBlockingException(
                errorId,
                FailureKind.Unavailable,
                $"The {DisplayName} native library could not be loaded (looked for {LibraryFileName} in '{folder}', "
                + $"then where the host probes).{preload} {reason.GetType().Name}: {reason.Message}",
                ex)
            {
                Target = folder,
            };
        }

        private void InstallResolver(Type nativeLibrary)
        {
            Type? resolverType = nativeLibrary.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", throwOnError: false);
            MethodInfo? load = nativeLibrary.GetMethod("Load", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
            MethodInfo? setResolver = resolverType is null ? null
                : nativeLibrary.GetMethod("SetDllImportResolver", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(Assembly), resolverType }, null);
            if (resolverType is null || load is null || setResolver is null)
            {
                Mechanism = NativeLibraryMechanism.Host;
                return;
            }

            _loadByPath = (Func<string, IntPtr>)Delegate.CreateDelegate(typeof(Func<string, IntPtr>), load);
            MethodInfo resolve = typeof(ModuleNativeLibrary).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Instance)!;
            Delegate resolver = Delegate.CreateDelegate(resolverType, this, resolve);
            _beforeResolver?.Invoke();
            try
            {
                setResolver.Invoke(null, new object[] { _importingAssembly(), resolver });
                Mechanism = NativeLibraryMechanism.Resolver;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
            {
                // Another component of the process registered one first (one per assembly): its resolver decides.
                Mechanism = NativeLibraryMechanism.Host;
            }
        }

        /// <summary>The DllImport resolver: the library from <see cref="NativeDirectory"/>, when it is there.</summary>
        private IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
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

            // NativeLibrary.Load throws DllNotFoundException with the loader's reason; the caller reports it through LoadFailure.
            IntPtr handle = _loadByPath!(path);
            Volatile.Write(ref _loadedPath, path);
            return handle;
        }

        private void Preload()
        {
            Mechanism = NativeLibraryMechanism.Preload;
            string path = LibraryPath;
            if (!File.Exists(path))
            {
                return;
            }

            IntPtr module = NativeLibraryLoader.LoadWindows(path, out string error);
            if (module == IntPtr.Zero)
            {
                Volatile.Write(ref _preloadError, path + ": " + error);
                return;
            }

            Volatile.Write(ref _loadedPath, path);
        }
    }
}
