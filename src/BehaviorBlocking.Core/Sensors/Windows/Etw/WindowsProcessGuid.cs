using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// A process guid for Windows live telemetry, stable for the life of a process and never reused:
    /// derived from the machine and boot, the process id and the process's start time (the kernel
    /// Process/Start event's timestamp, in FILETIME ticks). Every event of the ETW sensor names its
    /// process by it, so the graph joins them on one node.
    /// </summary>
    internal static class WindowsProcessGuid
    {
        /// <summary>The guid of <paramref name="pid"/> started at <paramref name="startFileTime"/> (0: started before the sensor, time unknown).</summary>
        public static Guid For(string bootKey, int pid, long startFileTime)
        {
            string key = "win/" + (bootKey ?? string.Empty) + "/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + startFileTime.ToString(CultureInfo.InvariantCulture);
            byte[] digest;
            using (SHA256 sha = SHA256.Create())
            {
                digest = sha.ComputeHash(Encoding.UTF8.GetBytes(key));
            }

            var bytes = new byte[16];
            Array.Copy(digest, bytes, 16);

            // RFC 4122 layout: version 8 (custom), variant 10.
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes);
        }
    }
}
