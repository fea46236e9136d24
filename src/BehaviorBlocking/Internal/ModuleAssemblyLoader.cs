using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>
    /// Resolves the module's managed dependencies from the module folder on both editions
    /// (Windows PowerShell 5.1 has no AssemblyLoadContext), so they never clash with copies the
    /// host or other modules loaded from elsewhere.
    /// </summary>
    public sealed class ModuleAssemblyLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string s_moduleDirectory = Path.GetDirectoryName(typeof(ModuleAssemblyLoader).Assembly.Location) ?? string.Empty;

        // Builds of a dependency for .NET 8 and later (faster where the netstandard2.0 build is
        // scalar), taken before the module folder's netstandard2.0 copy when the host runs on .NET 8+.
        // Windows PowerShell 5.1 (.NET Framework, Environment.Version 4.x) never looks there.
        private static readonly string? s_modernDirectory = Environment.Version.Major >= 8 ? Path.Combine(s_moduleDirectory, "net8.0") : null;

        /// <summary>Registers the resolve hook when the module is imported.</summary>
        public void OnImport()
        {
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;

            // PowerShell 7 resolves a binary module's dependencies from the module folder itself, before
            // this hook is asked, so the net8.0 builds are loaded here, ahead of the first use: the
            // runtime then binds every reference by that name to the copy already loaded.
            if (s_modernDirectory is not null && Directory.Exists(s_modernDirectory))
            {
                foreach (string path in Directory.GetFiles(s_modernDirectory, "*.dll"))
                {
                    Assembly.LoadFrom(path);
                }
            }
        }

        /// <summary>Removes the hook when the module is removed.</summary>
        /// <remarks>Every monitor the module started is stopped first: what was queued is processed and stored.</remarks>
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            StopMonitors();
            AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
        }

        // Separate, so the registry (and the engine it references) is only loaded when the module is removed,
        // after the resolve hook has made the engine's assemblies reachable.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void StopMonitors() => MonitorRegistry.StopAll();

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name);
            if (name.Name is null)
            {
                return null;
            }

            if (s_modernDirectory is not null)
            {
                string modern = Path.Combine(s_modernDirectory, name.Name + ".dll");
                if (File.Exists(modern))
                {
                    return Assembly.LoadFrom(modern);
                }
            }

            string candidate = Path.Combine(s_moduleDirectory, name.Name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
