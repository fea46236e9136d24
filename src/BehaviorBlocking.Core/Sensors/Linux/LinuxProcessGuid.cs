using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// A process guid for Linux, stable for the life of a process and never reused: derived from the
    /// kernel's boot id, the process id and the process's start time in clock ticks since boot
    /// (<c>/proc/PID/stat</c> field 22). Every Linux sensor (process, file, network, exec guard) names
    /// a process by it, so their events join on one node of the graph.
    /// </summary>
    public static class LinuxProcessGuid
    {
        private static readonly Lazy<string> s_bootId = new Lazy<string>(ReadBootId);

        /// <summary>This boot's id (<c>/proc/sys/kernel/random/boot_id</c>), or empty when it cannot be read.</summary>
        public static string BootId => s_bootId.Value;

        /// <summary>The guid of process <paramref name="pid"/> started <paramref name="startTicks"/> clock ticks after boot.</summary>
        public static Guid For(int pid, ulong startTicks) => For(BootId, pid, startTicks);

        /// <summary>The guid for an explicit boot id (tests, recordings of another boot).</summary>
        public static Guid For(string bootId, int pid, ulong startTicks)
        {
            string key = (bootId ?? string.Empty) + "/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + startTicks.ToString(CultureInfo.InvariantCulture);
            byte[] digest;
            using (SHA256 sha = SHA256.Create())
            {
                digest = sha.ComputeHash(Encoding.ASCII.GetBytes(key));
            }

            var bytes = new byte[16];
            Array.Copy(digest, bytes, 16);

            // RFC 4122 layout: version 8 (custom), variant 10.
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes);
        }

        /// <summary>The guid of a running process, or null when it has gone.</summary>
        public static Guid? ForRunning(int pid) =>
            Response.Linux.ProcFs.ReadStat(pid) is Response.Linux.ProcStat stat ? For(pid, stat.StartTicks) : (Guid?)null;

        private static string ReadBootId()
        {
            try
            {
                return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            }
            catch (IOException)
            {
                return string.Empty;
            }
            catch (UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }
    }
}
