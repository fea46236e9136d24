using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Store
{
    /// <summary>
    /// The module's situation, in-process: BehaviorBlocking.Core.dll and the netstandard2.0 builds of
    /// Microsoft.Data.Sqlite and SQLitePCLRaw in a folder of their own with libe_sqlite3 only under
    /// runtimes/&lt;rid&gt;/native/, loaded into an AssemblyLoadContext of their own, in a host whose
    /// deps.json knows nothing of that folder (as inside pwsh). Without the locator the native would come
    /// from the host's probing (this test host's own copy), never from that folder.
    /// </summary>
    public sealed class SqliteNativeLocatorTests : IDisposable
    {
        private static readonly string[] s_sqliteAssemblies =
        {
            "Microsoft.Data.Sqlite.dll", "SQLitePCLRaw.core.dll", "SQLitePCLRaw.provider.e_sqlite3.dll", "SQLitePCLRaw.batteries_v2.dll",
        };

        private readonly TempDirectory _module = new TempDirectory();
        private readonly TempDirectory _data = new TempDirectory();

        public void Dispose()
        {
            _module.Dispose();
            _data.Dispose();
        }

        [Fact]
        public void Open_CoreInAModuleFolder_LoadsTheNativeFromThatFoldersRuntimes()
        {
            string native = LayOutModule(corruptNative: false);
            Assembly core = LoadIsolated();
            Type storeType = core.GetType("BehaviorBlocking.Store.DetectionStore", throwOnError: true)!;
            Type detectionType = core.GetType("BehaviorBlocking.Detections.Detection", throwOnError: true)!;
            var id = Guid.NewGuid();
            object detection = Activator.CreateInstance(detectionType)!;
            detectionType.GetProperty("Id")!.SetValue(detection, id);
            detectionType.GetProperty("Name")!.SetValue(detection, "Behavior:Linux/Generic.A1!rule");
            Array batch = Array.CreateInstance(detectionType, 1);
            batch.SetValue(detection, 0);

            object? read;
            long count;
            using (var store = (IDisposable)Open(storeType, _data.Combine("store.db")))
            {
                storeType.GetMethod("Upsert")!.Invoke(store, new object[] { batch });
                read = storeType.GetMethod("Get")!.Invoke(store, new object[] { id });
                count = (long)storeType.GetMethod("Count")!.Invoke(store, null)!;
            }

            Assert.Equal(1, count);
            Assert.NotNull(read);
            Assert.Equal("Behavior:Linux/Generic.A1!rule", detectionType.GetProperty("Name")!.GetValue(read));
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                Assert.Contains(native, File.ReadAllText("/proc/self/maps"), StringComparison.Ordinal);
            }

            string? loaded = (string?)core.GetType("BehaviorBlocking.Store.SqliteNativeLocator", throwOnError: true)!
                .GetProperty("LoadedPath")!.GetValue(null);
            Assert.Equal(native, loaded);
        }

        [Fact]
        public void Open_ModuleFolderWithABrokenNative_ThrowsStoreUnavailableNamingTheFolder()
        {
            string native = LayOutModule(corruptNative: true);
            Assembly core = LoadIsolated();
            Type storeType = core.GetType("BehaviorBlocking.Store.DetectionStore", throwOnError: true)!;
            string path = _data.Combine("store.db");

            var error = Assert.Throws<TargetInvocationException>(() => Open(storeType, path));

            Exception inner = error.InnerException!;
            string folder = Path.GetDirectoryName(native)!;
            Assert.Equal("BehaviorBlocking.BehaviorBlockingException", inner.GetType().FullName);
            Assert.Equal(DetectionStore.UnavailableErrorId, inner.GetType().GetProperty("ErrorId")!.GetValue(inner));
            Assert.Equal("Unavailable", inner.GetType().GetProperty("Kind")!.GetValue(inner)!.ToString());
            Assert.Equal(folder, inner.GetType().GetProperty("Target")!.GetValue(inner));
            Assert.Contains("'" + folder + "'", inner.Message, StringComparison.Ordinal);
            Assert.Contains("DllNotFoundException", inner.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }

        /// <summary>Lays out the module folder; returns the full path of its native library.</summary>
        private string LayOutModule(bool corruptNative) =>
            ModuleLayout.LayOut(_module, "sqlite-netstandard2.0", s_sqliteAssemblies, SqliteNativeLocator.Library.LibraryFileName, corruptNative);

        private Assembly LoadIsolated()
        {
            var context = new FolderLoadContext(_module.FullPath);
            Assembly core = context.LoadCore();
            Assert.Equal(_module.Combine("SQLitePCLRaw.provider.e_sqlite3.dll"), context.LoadFromAssemblyName(new AssemblyName("SQLitePCLRaw.provider.e_sqlite3")).Location);
            return core;
        }

        private static object Open(Type storeType, string path) =>
            storeType.GetMethod("Open", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null)!.Invoke(null, new object[] { path })!;
    }
}
