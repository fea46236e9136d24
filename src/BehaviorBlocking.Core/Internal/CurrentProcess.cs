using System;
using System.Diagnostics;

namespace BehaviorBlocking.Internal
{
    /// <summary>Facts about the process the engine runs in.</summary>
    internal static class CurrentProcess
    {
        private static readonly Lazy<int> s_id = new Lazy<int>(() =>
        {
            using (Process self = Process.GetCurrentProcess())
            {
                return self.Id;
            }
        });

        /// <summary>This process's id, read once (netstandard2.0 has no <c>Environment.ProcessId</c>).</summary>
        internal static int Id => s_id.Value;
    }
}
