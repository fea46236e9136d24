using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace BehaviorBlocking.Response.Linux
{
    /// <summary>One process's line of /proc/&lt;pid&gt;/stat, as far as the response code needs it.</summary>
    internal readonly struct ProcStat
    {
        /// <summary>PF_KTHREAD in the flags field: a kernel thread.</summary>
        internal const uint KernelThreadFlag = 0x00200000;

        internal ProcStat(int pid, string comm, char state, int parentId, int sessionId, uint flags, ulong startTicks)
        {
            ProcessId = pid;
            Comm = comm;
            State = state;
            ParentId = parentId;
            SessionId = sessionId;
            Flags = flags;
            StartTicks = startTicks;
        }

        /// <summary>Process id.</summary>
        internal int ProcessId { get; }

        /// <summary>Command name (at most 15 bytes; may hold spaces and parentheses).</summary>
        internal string Comm { get; }

        /// <summary>State letter: R, S, D, T (stopped), t (traced), Z (zombie), X (dead), I (idle kernel thread), ...</summary>
        internal char State { get; }

        /// <summary>Parent process id.</summary>
        internal int ParentId { get; }

        /// <summary>Session id (the pid of the session leader).</summary>
        internal int SessionId { get; }

        /// <summary>Kernel flags (PF_*).</summary>
        internal uint Flags { get; }

        /// <summary>Start time in clock ticks after boot; with the pid it names one process for good.</summary>
        internal ulong StartTicks { get; }

        /// <summary>True for a kernel thread.</summary>
        internal bool IsKernelThread => (Flags & KernelThreadFlag) != 0;

        /// <summary>True when the process no longer runs code: a zombie waiting for its parent, or dead.</summary>
        internal bool HasExited => State == 'Z' || State == 'X' || State == 'x';

        /// <summary>True when stopped by a signal (or by a tracer).</summary>
        internal bool IsStopped => State == 'T' || State == 't';
    }

    /// <summary>Reads /proc. Every read tolerates the process vanishing meanwhile (null, or an empty list).</summary>
    internal static class ProcFs
    {
        [ThreadStatic]
        private static byte[]? t_buffer;

        private static readonly Lazy<long> s_clockTicks = new Lazy<long>(LinuxNative.ClockTicksPerSecond);

        /// <summary>Reads /proc/&lt;pid&gt;/stat; null when there is no such process (or it cannot be read).</summary>
        internal static ProcStat? ReadStat(int pid) => ParseStat(ReadText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat"));

        /// <summary>Reads the stat line of one thread of a process.</summary>
        internal static ProcStat? ReadTaskStat(int pid, string tid) =>
            ParseStat(ReadText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/task/" + tid + "/stat"));

        /// <summary>
        /// Parses a stat line. The command name sits between the first '(' and the LAST ')': it may
        /// itself hold spaces and ')' (a process can name itself anything), so nothing after the
        /// last ')' is ever taken from it.
        /// </summary>
        internal static ProcStat? ParseStat(string? line)
        {
            if (line is null)
            {
                return null;
            }

            int open = line.IndexOf('(');
            int close = line.LastIndexOf(')');
            if (open <= 0 || close < open)
            {
                return null;
            }

            if (!int.TryParse(line.Substring(0, open).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                return null;
            }

            string comm = line.Substring(open + 1, close - open - 1);
            string[] fields = line.Substring(close + 1).Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);

            // fields[0] is stat field 3 (state); field n of proc(5) is fields[n - 3].
            if (fields.Length < 20 || fields[0].Length != 1)
            {
                return null;
            }

            if (!int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int ppid)
                || !int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int session)
                || !uint.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out uint flags)
                || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
            {
                return null;
            }

            return new ProcStat(pid, comm, fields[0][0], ppid, session, flags, start);
        }

        /// <summary>Every process id /proc lists now.</summary>
        internal static List<int> ListProcessIds()
        {
            var pids = new List<int>();
            try
            {
                foreach (string dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return pids;
        }

        /// <summary>The stat of every process now (those that vanish while read are left out).</summary>
        internal static List<ProcStat> Snapshot()
        {
            List<int> pids = ListProcessIds();
            var stats = new List<ProcStat>(pids.Count);
            foreach (int pid in pids)
            {
                if (ReadStat(pid) is ProcStat stat)
                {
                    stats.Add(stat);
                }
            }

            return stats;
        }

        /// <summary>
        /// True when every thread of the process is stopped (or has exited). A group stop reaches
        /// the threads one by one; only when all are stopped can none of them fork.
        /// </summary>
        internal static bool AllThreadsStopped(int pid)
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/task");
            }
            catch (IOException)
            {
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }

            foreach (string task in tasks)
            {
                ProcStat? stat = ReadTaskStat(pid, Path.GetFileName(task));
                if (stat is ProcStat s && !s.IsStopped && !s.HasExited)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Thread-group id of a pid (differs from the pid when the pid names a thread), or null.</summary>
        internal static int? ThreadGroupId(int pid)
        {
            string? status = ReadText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status");
            if (status is null)
            {
                return null;
            }

            foreach (string line in status.Split('\n'))
            {
                if (line.StartsWith("Tgid:", StringComparison.Ordinal)
                    && int.TryParse(line.Substring(5).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int tgid))
                {
                    return tgid;
                }
            }

            return null;
        }

        /// <summary>
        /// The executable of a process as the kernel names it (canonical: links resolved), without the
        /// " (deleted)" mark of a replaced binary; null for kernel threads and unreadable processes.
        /// </summary>
        internal static string? Executable(int pid)
        {
            string? target = LinuxNative.LinkTarget("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/exe");
            const string Deleted = " (deleted)";
            if (target is not null && target.EndsWith(Deleted, StringComparison.Ordinal))
            {
                target = target.Substring(0, target.Length - Deleted.Length);
            }

            return target;
        }

        /// <summary>Boot time (the btime line of /proc/stat), whole seconds since the epoch.</summary>
        internal static long? BootTimeSeconds()
        {
            string? text = ReadText("/proc/stat");
            if (text is null)
            {
                return null;
            }

            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line.Substring(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long btime))
                {
                    return btime;
                }
            }

            return null;
        }

        /// <summary>Clock ticks a second (sysconf(_SC_CLK_TCK)).</summary>
        internal static long ClockTicksPerSecond => s_clockTicks.Value;

        /// <summary>Wall-clock start time of a process: btime + starttime / CLK_TCK, UTC; null when btime cannot be read.</summary>
        internal static DateTimeOffset? StartTime(ProcStat stat)
        {
            long? btime = BootTimeSeconds();
            if (btime is null)
            {
                return null;
            }

            double seconds = (double)stat.StartTicks / ClockTicksPerSecond;
            return DateTimeOffset.FromUnixTimeSeconds(btime.Value).AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        }

        /// <summary>Wall-clock start time of a process, or null when it is gone.</summary>
        internal static DateTimeOffset? StartTime(int pid) => ReadStat(pid) is ProcStat stat ? StartTime(stat) : null;

        private static string? ReadText(string path)
        {
            byte[] buffer = t_buffer ??= new byte[4096];
            string? text = LinuxNative.ReadSmallFile(path, ref buffer);
            t_buffer = buffer;
            return text;
        }
    }
}
