using System;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>A fact that needs Unix file-system features (mkfifo, symbolic links without privileges); skipped, saying so, elsewhere.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class UnixFactAttribute : FactAttribute
    {
        public UnixFactAttribute()
        {
            if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            {
                Skip = "needs FIFOs and unprivileged symbolic links (Linux or macOS)";
            }
        }
    }
}
