using System;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>A fact that signals real processes and reads every process's /proc entries: Linux as root, skipped (saying so) elsewhere.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class LinuxRootFactAttribute : FactAttribute
    {
        public LinuxRootFactAttribute()
        {
            if (!OperatingSystem.IsLinux())
            {
                Skip = "needs Linux (real processes, /proc, pidfds, file owners and links)";
            }
            else if (geteuid() != 0)
            {
                Skip = $"needs root (processes are signalled, every /proc entry read, files given other owners); running as uid {geteuid()}";
            }
        }

        [DllImport("libc")]
        private static extern uint geteuid();
    }
}
