using System;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Module.Tests.TestSupport
{
    /// <summary>A fact that runs this machine's live sensors: Linux as root, skipped (saying so) elsewhere.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class LinuxRootFactAttribute : FactAttribute
    {
        public LinuxRootFactAttribute()
        {
            if (!OperatingSystem.IsLinux())
            {
                Skip = "needs Linux: the live sensors of other platforms are not available here";
            }
            else if (geteuid() != 0)
            {
                Skip = $"needs root (the process connector, fanotify and audit); running as uid {geteuid()}";
            }
        }

        [DllImport("libc")]
        private static extern uint geteuid();
    }
}
