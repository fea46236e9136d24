using System;
using System.Diagnostics;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>Cleanup of processes a test started itself.</summary>
    internal static class ChildProcesses
    {
        /// <summary>Kills the process and its descendants if it still runs, waits up to 5 s for it to end, and disposes it.</summary>
        public static void KillAndWait(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }
}
