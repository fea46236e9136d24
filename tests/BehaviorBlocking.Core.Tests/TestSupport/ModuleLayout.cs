using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>A module-like folder: the Core assembly, the netstandard2.0 assemblies the module ships, and one native under runtimes/&lt;rid&gt;/native.</summary>
    internal static class ModuleLayout
    {
        /// <summary>
        /// Copies Core and <paramref name="assemblies"/> (from <paramref name="assemblyFolder"/> of the test output) into
        /// <paramref name="module"/>, and the native <paramref name="nativeFileName"/> (or, when <paramref name="corruptNative"/>,
        /// a file that is no library) under runtimes/&lt;rid&gt;/native; returns the native's full path.
        /// </summary>
        public static string LayOut(TempDirectory module, string assemblyFolder, IEnumerable<string> assemblies, string nativeFileName, bool corruptNative)
        {
            string rid = EngineLocations.CurrentRid()!;
            string output = AppContext.BaseDirectory;
            File.Copy(Path.Combine(output, "BehaviorBlocking.Core.dll"), module.Combine("BehaviorBlocking.Core.dll"));
            foreach (string assembly in assemblies)
            {
                File.Copy(Path.Combine(output, assemblyFolder, assembly), module.Combine(assembly));
            }

            string nativeDirectory = module.Combine("runtimes", rid, "native");
            Directory.CreateDirectory(nativeDirectory);
            string native = Path.Combine(nativeDirectory, nativeFileName);
            if (corruptNative)
            {
                File.WriteAllText(native, "not a shared library");
            }
            else
            {
                File.Copy(Path.Combine(output, "runtimes", rid, "native", nativeFileName), native);
            }

            return native;
        }
    }

    /// <summary>Loads the assemblies of one folder from there, like a module folder inside another host; everything else comes from the test host.</summary>
    internal sealed class FolderLoadContext : AssemblyLoadContext
    {
        private readonly string _folder;

        public FolderLoadContext(string folder, bool isCollectible = false)
            : base("module-layout-" + Guid.NewGuid().ToString("N"), isCollectible)
        {
            _folder = folder;
        }

        /// <summary>The folder's copy of BehaviorBlocking.Core.</summary>
        public Assembly LoadCore() => LoadFromAssemblyPath(Path.Combine(_folder, "BehaviorBlocking.Core.dll"));

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string candidate = Path.Combine(_folder, assemblyName.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }
}
