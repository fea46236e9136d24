using System;
using System.Collections.Generic;
using System.IO;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// How the service manager starts <c>behaviorblock</c>: the apphost executable alone, or the <c>dotnet</c> host
    /// followed by <c>behaviorblock.dll</c> when the product runs through the shared host.
    /// </summary>
    public sealed class ServiceLauncher
    {
        private ServiceLauncher(string executable, IReadOnlyList<string> leadingArguments)
        {
            Executable = executable;
            LeadingArguments = leadingArguments;
        }

        /// <summary>The absolute path of the program to start.</summary>
        public string Executable { get; }

        /// <summary>Arguments before the command (the assembly path when <see cref="Executable"/> is the dotnet host).</summary>
        public IReadOnlyList<string> LeadingArguments { get; }

        /// <summary>
        /// Resolves the launcher. <paramref name="overridePath"/> (<c>--exec</c>) wins: an executable, or a <c>.dll</c>
        /// run by the dotnet host of this process (or <c>DOTNET_HOST_PATH</c>). Otherwise the running process: its
        /// apphost (<paramref name="processPath"/>), or, when that is the dotnet host, the host and
        /// <paramref name="entryAssemblyPath"/>. Every path must exist and be absolute.
        /// </summary>
        public static ServiceLauncher Resolve(string? overridePath, string? processPath, string? entryAssemblyPath, string? dotnetHostPath = null)
        {
            if (!string.IsNullOrEmpty(overridePath))
            {
                string given = Existing(overridePath!, "--exec");
                if (!given.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                {
                    return new ServiceLauncher(given, Array.Empty<string>());
                }

                string? host = IsDotnetHost(processPath) ? processPath : dotnetHostPath;
                if (string.IsNullOrEmpty(host))
                {
                    throw NotFound(given, $"--exec names an assembly ('{given}') but no dotnet host is known to run it; give the apphost executable, or set DOTNET_HOST_PATH.");
                }

                return new ServiceLauncher(Existing(host!, "the dotnet host"), new[] { given });
            }

            if (string.IsNullOrEmpty(processPath))
            {
                throw NotFound(string.Empty, "The running executable cannot be determined; give --exec with the installed behaviorblock executable.");
            }

            if (!IsDotnetHost(processPath))
            {
                return new ServiceLauncher(Existing(processPath!, "the running executable"), Array.Empty<string>());
            }

            if (string.IsNullOrEmpty(entryAssemblyPath) || !entryAssemblyPath!.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                throw NotFound(entryAssemblyPath ?? string.Empty, "behaviorblock runs through the dotnet host but its assembly cannot be determined; give --exec.");
            }

            return new ServiceLauncher(Existing(processPath!, "the dotnet host"), new[] { Existing(entryAssemblyPath, "the behaviorblock assembly") });
        }

        private static bool IsDotnetHost(string? path) =>
            !string.IsNullOrEmpty(path) && string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase);

        private static string Existing(string path, string what)
        {
            if (!Path.IsPathRooted(path))
            {
                throw NotFound(path, $"{what} must be an absolute path, not '{path}' (the service manager starts it from no particular folder).");
            }

            if (!File.Exists(path))
            {
                throw NotFound(path, $"{what} '{path}' does not exist or is not a file.");
            }

            return path;
        }

        private static BehaviorBlockingException NotFound(string path, string message) =>
            new BehaviorBlockingException(ErrorIds.ServiceExecutableNotFound, FailureKind.NotFound, message) { Target = path };
    }
}
