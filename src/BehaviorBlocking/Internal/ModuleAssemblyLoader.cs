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

        /// <summary>Registers the resolve hook when the module is imported.</summary>
        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += Resolve;

        /// <summary>Removes the hook when the module is removed.</summary>
        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name);
            if (name.Name is null)
            {
                return null;
            }

            string candidate = Path.Combine(s_moduleDirectory, name.Name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
    }
}
