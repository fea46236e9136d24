using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// Which process holds a socket: socket inode → pid, learned by reading every <c>/proc/PID/fd/*</c> link
    /// (<c>socket:[INODE]</c>). The map is rebuilt only when a socket with an unknown inode appears (or its
    /// cached owner has gone), and at most once per <see cref="BeginCycle"/>, so a poll costs at most one
    /// sweep of the system's descriptors. A socket several processes hold (inherited across fork) belongs
    /// to the oldest of them, the one that made it. Not thread-safe.
    /// </summary>
    internal sealed class SocketOwnerMap
    {
        private const string SocketPrefix = "socket:[";
        private readonly byte[] _link = new byte[64];
        private Dictionary<ulong, Owner> _owners = new Dictionary<ulong, Owner>();
        private bool _sweptThisCycle;

        /// <summary>Full sweeps of /proc/*/fd made.</summary>
        internal long Sweeps { get; private set; }

        /// <summary>Descriptor links read by all sweeps.</summary>
        internal long LinksRead { get; private set; }

        /// <summary>Allows one more sweep (called once per poll).</summary>
        internal void BeginCycle() => _sweptThisCycle = false;

        /// <summary>The pid holding socket <paramref name="inode"/>, or null when no readable process holds it.</summary>
        internal int? OwnerOf(ulong inode)
        {
            if (inode == 0)
            {
                return null;
            }

            if (_owners.TryGetValue(inode, out Owner owner) && StillRuns(owner))
            {
                return owner.Pid;
            }

            if (_sweptThisCycle)
            {
                return null;
            }

            Sweep();
            return _owners.TryGetValue(inode, out owner) ? owner.Pid : (int?)null;
        }

        /// <summary>Parses <c>socket:[N]</c>; 0 for any other link text.</summary>
        internal static ulong ParseSocketLink(byte[] text, int length)
        {
            if (length <= SocketPrefix.Length + 1 || text[length - 1] != (byte)']')
            {
                return 0;
            }

            for (int i = 0; i < SocketPrefix.Length; i++)
            {
                if (text[i] != (byte)SocketPrefix[i])
                {
                    return 0;
                }
            }

            ulong inode = 0;
            for (int i = SocketPrefix.Length; i < length - 1; i++)
            {
                byte c = text[i];
                if (c < (byte)'0' || c > (byte)'9' || inode > (ulong.MaxValue / 10) - 1)
                {
                    return 0;
                }

                inode = (inode * 10) + (ulong)(c - '0');
            }

            return inode;
        }

        private static bool StillRuns(Owner owner) => ProcFs.ReadStat(owner.Pid) is ProcStat stat && stat.StartTicks == owner.StartTicks && !stat.HasExited;

        private void Sweep()
        {
            _sweptThisCycle = true;
            Sweeps++;
            var owners = new Dictionary<ulong, Owner>(Math.Max(16, _owners.Count));
            foreach (int pid in ProcFs.ListProcessIds())
            {
                if (!(ProcFs.ReadStat(pid) is ProcStat stat) || stat.IsKernelThread || stat.HasExited)
                {
                    continue;
                }

                string folder = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/fd";
                IEnumerable<string> descriptors;
                try
                {
                    descriptors = Directory.EnumerateFileSystemEntries(folder);
                    foreach (string descriptor in descriptors)
                    {
                        long length = Libc.ReadLink(descriptor, _link, _link.Length);
                        LinksRead++;
                        if (length <= 0 || length >= _link.Length)
                        {
                            continue;
                        }

                        ulong inode = ParseSocketLink(_link, (int)length);
                        if (inode == 0)
                        {
                            continue;
                        }

                        var candidate = new Owner(pid, stat.StartTicks);
                        if (!owners.TryGetValue(inode, out Owner held) || candidate.StartTicks < held.StartTicks
                            || (candidate.StartTicks == held.StartTicks && pid < held.Pid))
                        {
                            owners[inode] = candidate;
                        }
                    }
                }
                catch (IOException)
                {
                    // The process exited during the sweep.
                }
                catch (UnauthorizedAccessException)
                {
                    // Another user's process, and this sensor is not root.
                }
            }

            _owners = owners;
        }

        private readonly struct Owner
        {
            internal Owner(int pid, ulong startTicks)
            {
                Pid = pid;
                StartTicks = startTicks;
            }

            internal int Pid { get; }

            internal ulong StartTicks { get; }
        }
    }
}
