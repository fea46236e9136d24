using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Who a process is, for the actor fields of an event: guid, image and user.</summary>
    internal sealed class LinuxActor
    {
        internal LinuxActor(int pid, ulong startTicks, Guid guid, string? image, string? user)
        {
            ProcessId = pid;
            StartTicks = startTicks;
            Guid = guid;
            Image = image;
            User = user;
        }

        internal int ProcessId { get; }

        internal ulong StartTicks { get; }

        internal Guid Guid { get; }

        internal string? Image { get; }

        internal string? User { get; }
    }

    /// <summary>
    /// Actor lookups for fanotify events, cached per process id and start time (a reused pid is another
    /// process): one read of <c>/proc/PID/stat</c> per lookup, the image (<c>readlink /proc/PID/exe</c>)
    /// and the user (effective uid from <c>/proc/PID/status</c>, named from <c>/etc/passwd</c>) once per
    /// process. Not thread-safe: each sensor thread has its own.
    /// </summary>
    internal sealed class LinuxActors
    {
        private const int Capacity = 4096;
        private readonly Dictionary<int, LinuxActor> _actors = new Dictionary<int, LinuxActor>();
        private readonly byte[] _link = new byte[4096];
        private Dictionary<uint, string>? _users;

        /// <summary>The actor for <paramref name="pid"/>, or null when the process has gone.</summary>
        internal LinuxActor? Lookup(int pid)
        {
            if (pid <= 0 || !(ProcFs.ReadStat(pid) is ProcStat stat))
            {
                return null;
            }

            if (_actors.TryGetValue(pid, out LinuxActor? known) && known.StartTicks == stat.StartTicks)
            {
                return known;
            }

            string pidText = pid.ToString(CultureInfo.InvariantCulture);
            string? image = ReadLink("/proc/" + pidText + "/exe");
            string? user = UserOf(pidText);
            var actor = new LinuxActor(pid, stat.StartTicks, LinuxProcessGuid.For(pid, stat.StartTicks), image, user);
            if (_actors.Count >= Capacity)
            {
                _actors.Clear();
            }

            _actors[pid] = actor;
            return actor;
        }

        /// <summary><c>readlink</c> of <paramref name="path"/> as text, or null.</summary>
        internal string? ReadLink(string path)
        {
            long length = Libc.ReadLink(path, _link, _link.Length);
            return length <= 0 ? null : Encoding.UTF8.GetString(_link, 0, (int)length);
        }

        private string? UserOf(string pidText)
        {
            string? status;
            try
            {
                status = File.ReadAllText("/proc/" + pidText + "/status");
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }

            int at = status.IndexOf("\nUid:", StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }

            string[] parts = status.Substring(at + 5, Math.Min(80, status.Length - at - 5)).Split(new[] { '\t', ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            {
                return null;
            }

            _users ??= ReadUsers();
            return _users.TryGetValue(uid, out string? name) ? name : uid.ToString(CultureInfo.InvariantCulture);
        }

        private static Dictionary<uint, string> ReadUsers()
        {
            var users = new Dictionary<uint, string>();
            try
            {
                foreach (string line in File.ReadAllLines("/etc/passwd"))
                {
                    string[] fields = line.Split(':');
                    if (fields.Length > 2 && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) && !users.ContainsKey(uid))
                    {
                        users[uid] = fields[0];
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return users;
        }
    }

    /// <summary>One line of <c>/proc/self/mountinfo</c>: where a filesystem is mounted, its type and device.</summary>
    internal readonly struct LinuxMount
    {
        internal LinuxMount(string mountPoint, string fileSystemType, string device)
        {
            MountPoint = mountPoint;
            FileSystemType = fileSystemType;
            Device = device;
        }

        internal string MountPoint { get; }

        internal string FileSystemType { get; }

        /// <summary><c>major:minor</c>: one per superblock, so bind mounts of one filesystem share it.</summary>
        internal string Device { get; }
    }

    /// <summary>The mount table, and which filesystems are "real" (hold files people and programs write).</summary>
    internal static class LinuxMounts
    {
        private static readonly HashSet<string> s_pseudo = new HashSet<string>(StringComparer.Ordinal)
        {
            "proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "mqueue", "debugfs", "tracefs", "securityfs",
            "pstore", "bpf", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc", "efivarfs", "nsfs",
            "rpc_pipefs", "selinuxfs", "ramfs", "fuse.gvfsd-fuse", "fuse.portal", "overlay",
        };

        /// <summary>Parses mountinfo text; malformed lines are skipped.</summary>
        internal static List<LinuxMount> Parse(string text)
        {
            var mounts = new List<LinuxMount>();
            foreach (string line in text.Split('\n'))
            {
                string[] fields = line.Split(' ');
                int dash = Array.IndexOf(fields, "-");
                if (fields.Length < 7 || dash < 6 || dash + 1 >= fields.Length)
                {
                    continue;
                }

                mounts.Add(new LinuxMount(Unescape(fields[4]), fields[dash + 1], fields[2]));
            }

            return mounts;
        }

        /// <summary>
        /// One mount point per real filesystem of this mount namespace: pseudo filesystems (proc, sysfs,
        /// cgroup, devpts, devtmpfs, …) and anything mounted under /proc or /sys are left out; of several
        /// mounts of one filesystem the first listed is kept (a filesystem mark covers them all).
        /// </summary>
        internal static List<LinuxMount> RealFileSystems(IEnumerable<LinuxMount> mounts)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var real = new List<LinuxMount>();
            foreach (LinuxMount mount in mounts)
            {
                if (s_pseudo.Contains(mount.FileSystemType)
                    || mount.MountPoint.StartsWith("/proc/", StringComparison.Ordinal) || mount.MountPoint == "/proc"
                    || mount.MountPoint.StartsWith("/sys/", StringComparison.Ordinal) || mount.MountPoint == "/sys"
                    || !seen.Add(mount.Device))
                {
                    continue;
                }

                real.Add(mount);
            }

            return real;
        }

        /// <summary>The real filesystems mounted now.</summary>
        internal static List<LinuxMount> RealFileSystems() => RealFileSystems(Parse(File.ReadAllText("/proc/self/mountinfo")));

        // mountinfo escapes space, tab, newline and backslash as \ooo.
        private static string Unescape(string value)
        {
            if (value.IndexOf('\\') < 0)
            {
                return value;
            }

            var text = new StringBuilder(value.Length);
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] == '\\' && i + 3 < value.Length
                    && IsOctal(value[i + 1]) && IsOctal(value[i + 2]) && IsOctal(value[i + 3]))
                {
                    text.Append((char)(((value[i + 1] - '0') * 64) + ((value[i + 2] - '0') * 8) + (value[i + 3] - '0')));
                    i += 3;
                }
                else
                {
                    text.Append(value[i]);
                }
            }

            return text.ToString();
        }

        private static bool IsOctal(char c) => c >= '0' && c <= '7';
    }
}
