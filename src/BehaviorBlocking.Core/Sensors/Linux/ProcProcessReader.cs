using System;
using System.Globalization;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// Reads what the Linux sensors tell about a process from /proc: command line, working folder, real uid.
    /// Every read tolerates the process vanishing (null). Not thread-safe: one instance per sensor thread.
    /// </summary>
    internal sealed class ProcProcessReader
    {
        private byte[] _buffer = new byte[4096];

        /// <summary>Arguments of <paramref name="pid"/>, NUL-separated in /proc, joined by spaces; null when unreadable, empty for a zombie or kernel thread.</summary>
        internal string? CommandLine(int pid)
        {
            string? raw = LinuxNative.ReadSmallFile(Path(pid, "cmdline"), ref _buffer);
            return raw is null ? null : JoinArguments(raw);
        }

        /// <summary>The working folder of <paramref name="pid"/>, or null.</summary>
        internal static string? CurrentDirectory(int pid) => LinuxNative.LinkTarget(Path(pid, "cwd"));

        /// <summary>The real uid of <paramref name="pid"/> (the first number of the <c>Uid:</c> line of status), or null.</summary>
        internal uint? RealUid(int pid) => ParseRealUid(LinuxNative.ReadSmallFile(Path(pid, "status"), ref _buffer));

        /// <summary>Joins NUL-separated arguments with spaces, without the trailing NUL.</summary>
        internal static string JoinArguments(string raw)
        {
            int end = raw.Length;
            while (end > 0 && raw[end - 1] == '\0')
            {
                end--;
            }

            return raw.Substring(0, end).Replace('\0', ' ');
        }

        /// <summary>The real uid from a status file's text, or null.</summary>
        internal static uint? ParseRealUid(string? status)
        {
            if (status is null)
            {
                return null;
            }

            int at = 0;
            if (!status.StartsWith("Uid:", StringComparison.Ordinal))
            {
                int line = status.IndexOf("\nUid:", StringComparison.Ordinal);
                if (line < 0)
                {
                    return null;
                }

                at = line + 1;
            }

            int i = at + 4;
            while (i < status.Length && (status[i] == '\t' || status[i] == ' '))
            {
                i++;
            }

            int start = i;
            while (i < status.Length && status[i] >= '0' && status[i] <= '9')
            {
                i++;
            }

            return uint.TryParse(status.Substring(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) ? uid : (uint?)null;
        }

        private static string Path(int pid, string leaf) => "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + leaf;
    }
}
