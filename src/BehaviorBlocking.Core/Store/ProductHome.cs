using System;
using System.IO;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// The folder everything the product writes goes to (store, quarantine, policy,
    /// indicators) unless a parameter says otherwise.
    /// </summary>
    public static class ProductHome
    {
        /// <summary>Environment variable that overrides the folder (tests and side-by-side installs use it).</summary>
        public const string EnvironmentVariable = "BEHAVIORBLOCKING_HOME";

        /// <summary>File name of the detection store inside the folder.</summary>
        public const string StoreFileName = "behaviorblocking.db";

        /// <summary>Error id when no product folder can be determined (no home or application-data folder).</summary>
        public const string UnavailableErrorId = Engine.ErrorIds.ProductHomeUnavailable;

        private const string FolderName = "BehaviorBlocking";
        private const string LinuxSystemFolder = "/var/lib/behaviorblocking";

        /// <summary>Full path of the detection store in the product folder.</summary>
        public static string DefaultStorePath => Path.Combine(Resolve(), StoreFileName);

        /// <summary>
        /// Returns the product folder: <c>BEHAVIORBLOCKING_HOME</c> when set; otherwise
        /// <c>%ProgramData%\BehaviorBlocking</c> on Windows, <c>/var/lib/behaviorblocking</c> on
        /// Linux and macOS when running as root, else the user's local application-data folder.
        /// The folder is not created.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>ProductHomeUnavailable</c> when no folder can be determined.</exception>
        public static string Resolve()
        {
            bool isWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            return Resolve(
                Environment.GetEnvironmentVariable,
                isWindows,
                !isWindows && IsEffectiveRoot(),
                folder => Environment.GetFolderPath(folder, Environment.SpecialFolderOption.DoNotVerify));
        }

        /// <summary>Resolution with every outside input supplied, so each branch can be tested anywhere.</summary>
        internal static string Resolve(
            Func<string, string?> getEnvironmentVariable,
            bool isWindows,
            bool isElevatedUnix,
            Func<Environment.SpecialFolder, string> getFolderPath)
        {
            string? overridden = getEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(overridden))
            {
                return Path.GetFullPath(overridden!.Trim());
            }

            if (isWindows)
            {
                return Under(getFolderPath(Environment.SpecialFolder.CommonApplicationData), "%ProgramData%");
            }

            if (isElevatedUnix)
            {
                return LinuxSystemFolder;
            }

            return Under(getFolderPath(Environment.SpecialFolder.LocalApplicationData), "the local application-data folder");
        }

        private static string Under(string root, string what)
        {
            if (string.IsNullOrEmpty(root))
            {
                throw new BehaviorBlockingException(
                    UnavailableErrorId,
                    FailureKind.Unavailable,
                    "Cannot determine " + what + " for the product folder; set " + EnvironmentVariable + " to choose one.");
            }

            return Path.Combine(root, FolderName);
        }

        private static bool IsEffectiveRoot()
        {
            try
            {
                return Libc.geteuid() == 0;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
        }
    }
}
