using System;
using System.Collections.Generic;
using System.Globalization;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// Names of the product's ETW sessions: <c>BehaviorBlocking-&lt;pid&gt;-&lt;random&gt;</c>, unique per
    /// sensor, so two monitors never share (or stop) one session, and a session left behind by a monitor
    /// that died (ETW sessions outlive their process) is recognised by its owner's pid and stopped.
    /// </summary>
    internal static class EtwSessionNames
    {
        /// <summary>Every session this product starts has a name beginning with this.</summary>
        public const string Prefix = "BehaviorBlocking-";

        /// <summary>A new name for a session owned by <paramref name="processId"/>; <paramref name="random"/> gives 32 random bits.</summary>
        public static string Create(int processId, Random random)
        {
            var bytes = new byte[4];
            random.NextBytes(bytes);
            return Prefix + processId.ToString(CultureInfo.InvariantCulture) + "-" + BitConverter.ToString(bytes).Replace("-", string.Empty).ToLowerInvariant();
        }

        /// <summary>The owning process id of a product session name, or null when the name is not one of ours.</summary>
        public static int? Owner(string name)
        {
            if (name is null || !name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return null;
            }

            int dash = name.IndexOf('-', Prefix.Length);
            if (dash <= Prefix.Length || dash == name.Length - 1)
            {
                return null;
            }

            for (int i = dash + 1; i < name.Length; i++)
            {
                if (!Uri.IsHexDigit(name[i]))
                {
                    return null;
                }
            }

            return int.TryParse(name.Substring(Prefix.Length, dash - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
                ? pid
                : (int?)null;
        }

        /// <summary>
        /// The sessions to stop before starting a new one: ours (by name) whose owning process is not running.
        /// A session whose owner still runs belongs to another monitor and is left alone, and so is every
        /// session of another product.
        /// </summary>
        public static IReadOnlyList<string> SelectStale(IEnumerable<string> activeSessions, int currentProcessId, Func<int, bool> isRunning)
        {
            var stale = new List<string>();
            foreach (string name in activeSessions)
            {
                if (Owner(name) is int owner && owner != currentProcessId && !isRunning(owner))
                {
                    stale.Add(name);
                }
            }

            return stale;
        }
    }
}
