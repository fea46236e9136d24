using System;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// The native SQLite library (<c>e_sqlite3</c>) as the module ships it: SQLitePCLRaw is made to load
    /// it from <c>runtimes/&lt;rid&gt;/native/</c> beside the Core assembly (see <see cref="ModuleNativeLibrary"/>),
    /// then it is loaded. Runs once, before the first connection.
    /// </summary>
    /// <remarks>
    /// SQLitePCLRaw 3 has a single way to the native library: <c>SQLitePCLRaw.provider.e_sqlite3</c>
    /// declares every function with <c>[DllImport("e_sqlite3")]</c> (no loader or library-path setting of
    /// its own), and <c>Batteries_V2.Init</c> selects that provider, whose first call binds the import.
    /// </remarks>
    internal static class SqliteNativeLocator
    {
        /// <summary>The library name SQLitePCLRaw's provider imports (<c>[DllImport("e_sqlite3")]</c> in 3.0).</summary>
        public const string ImportName = "e_sqlite3";

        private static readonly object s_gate = new object();
        private static volatile bool s_loaded;

        /// <summary>The library and how it is found in this process.</summary>
        public static ModuleNativeLibrary Library { get; } = new ModuleNativeLibrary(
            "SQLite (e_sqlite3)", ImportName, "e_sqlite3.dll", "libe_sqlite3.dylib", "libe_sqlite3.so",
            () => typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly);

        /// <summary>The library file this mechanism loaded, or null (not loaded yet, or found by the host's probing); read by the module's Pester suite.</summary>
        public static string? LoadedPath => Library.LoadedPath;

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

                Library.Install();
                try
                {
                    // Selects the e_sqlite3 provider; its first native call (sqlite3_libversion_number) binds the import.
                    SQLitePCL.Batteries_V2.Init();
                }
                catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException || ex is BadImageFormatException
                    || ex is TypeInitializationException)
                {
                    throw Library.LoadFailure(DetectionStore.UnavailableErrorId, ex);
                }

                s_loaded = true;
            }
        }
    }
}
