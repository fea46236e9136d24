using System;
using System.Runtime.InteropServices;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Response
{
    /// <summary>Chooses the remediator of the platform the engine runs on.</summary>
    public static class Remediators
    {
        /// <summary>
        /// The <see cref="WindowsRemediator"/> on Windows, the <see cref="LinuxRemediator"/> elsewhere (on a
        /// platform that is neither, it reports every step as not supported). Artifacts of the other platform's
        /// kinds come back as <see cref="StepOutcome.NotSupported"/> steps.
        /// </summary>
        /// <param name="store">Where backups are written before anything is removed.</param>
        /// <param name="guardRails">Asked about every file before it is removed or rewritten; null asks nothing.</param>
        /// <param name="root">Linux only: the folder artifact paths are under (null: <c>/</c>).</param>
        public static BackedUpRemediator ForThisPlatform(RemediationStore store, IGuardRails? guardRails, string? root = null)
        {
            if (store is null)
            {
                throw new ArgumentNullException(nameof(store));
            }

            return RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? new WindowsRemediator(store, guardRails)
                : (BackedUpRemediator)new LinuxRemediator(store, guardRails, root);
        }
    }
}
