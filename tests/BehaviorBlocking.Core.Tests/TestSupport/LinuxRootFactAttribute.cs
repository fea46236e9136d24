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
                Skip = "needs Linux (real processes are signalled through /proc and pidfds)";
            }
            else if (geteuid() != 0)
            {
                Skip = $"needs root (real processes are signalled and every /proc entry read); running as uid {geteuid()}";
            }
        }

        [DllImport("libc")]
        private static extern uint geteuid();
    }
}
