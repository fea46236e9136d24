using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace BehaviorBlocking.Response.Windows
{
    /// <summary>One row of a Toolhelp process snapshot.</summary>
    internal readonly struct WindowsProcessEntry
    {
        internal WindowsProcessEntry(int processId, int parentId, string name)
        {
            ProcessId = processId;
            ParentId = parentId;
            Name = name;
        }

        /// <summary>Process id.</summary>
        internal int ProcessId { get; }

        /// <summary>The id the parent had when this process started (that pid may name another process now).</summary>
        internal int ParentId { get; }

        /// <summary>Executable file name.</summary>
        internal string Name { get; }
    }

    /// <summary>Reads processes through Win32. Only called on Windows; compile-checked elsewhere.</summary>
    internal static class WindowsProcesses
    {
        /// <summary>Opens a process; the Win32 error when it cannot (5 access denied, 87 no such process).</summary>
        internal static SafeKernelHandle? Open(int pid, uint access, out int error)
        {
            SafeKernelHandle handle = WindowsNative.OpenProcess(access, false, pid);
            if (handle.IsInvalid)
            {
                error = Marshal.GetLastWin32Error();
                handle.Dispose();
                return null;
            }

            error = 0;
            return handle;
        }

        /// <summary>Creation time (FILETIME ticks, UTC) of an open process, or null.</summary>
        internal static long? CreationTime(SafeKernelHandle process) =>
            WindowsNative.GetProcessTimes(process, out long created, out _, out _, out _) ? created : (long?)null;

        /// <summary>Creation time of a process by id, or null when it cannot be opened.</summary>
        internal static long? CreationTime(int pid)
        {
            using (SafeKernelHandle? handle = Open(pid, WindowsNative.ProcessQueryLimitedInformation, out _))
            {
                return handle is null ? null : CreationTime(handle);
            }
        }

        /// <summary>True while the process has not exited.</summary>
        internal static bool IsRunning(SafeKernelHandle process) =>
            WindowsNative.GetExitCodeProcess(process, out uint code) && code == WindowsNative.StillActive
            && WindowsNative.WaitForSingleObject(process, 0) != WindowsNative.WaitObject0;

        /// <summary>Full image path of an open process, or null.</summary>
        internal static string? ImagePath(SafeKernelHandle process)
        {
            var buffer = new StringBuilder(1024);
            int size = buffer.Capacity;
            return WindowsNative.QueryFullProcessImageName(process, 0, buffer, ref size) ? buffer.ToString(0, size) : null;
        }

        /// <summary>Full image path of a process by id, or null.</summary>
        internal static string? ImagePath(int pid)
        {
            using (SafeKernelHandle? handle = Open(pid, WindowsNative.ProcessQueryLimitedInformation, out _))
            {
                return handle is null ? null : ImagePath(handle);
            }
        }

        /// <summary>True when the process is marked critical (ending it bug-checks the machine).</summary>
        internal static bool IsCriticalProcess(int pid)
        {
            using (SafeKernelHandle? handle = Open(pid, WindowsNative.ProcessQueryInformation, out _))
            {
                if (handle is null)
                {
                    return false;
                }

                return WindowsNative.NtQueryInformationProcess(handle, WindowsNative.ProcessBreakOnTermination, out int critical, sizeof(int), out _) == 0 && critical != 0;
            }
        }

        /// <summary>Every process now (id, parent id at its start, file name).</summary>
        internal static List<WindowsProcessEntry> Snapshot()
        {
            var entries = new List<WindowsProcessEntry>();
            using (SafeKernelHandle snapshot = WindowsNative.CreateToolhelp32Snapshot(WindowsNative.Th32csSnapProcess, 0))
            {
                if (snapshot.IsInvalid)
                {
                    return entries;
                }

                var entry = new WindowsNative.ProcessEntry32 { Size = (uint)Marshal.SizeOf(typeof(WindowsNative.ProcessEntry32)) };
                bool more = WindowsNative.Process32First(snapshot, ref entry);
                while (more)
                {
                    entries.Add(new WindowsProcessEntry((int)entry.ProcessId, (int)entry.ParentProcessId, entry.ExeFile ?? string.Empty));
                    more = WindowsNative.Process32Next(snapshot, ref entry);
                }
            }

            return entries;
        }

        /// <summary>The file name a snapshot gives a process, or null when it is not listed.</summary>
        internal static string? SnapshotName(int pid)
        {
            foreach (WindowsProcessEntry entry in Snapshot())
            {
                if (entry.ProcessId == pid)
                {
                    return entry.Name;
                }
            }

            return null;
        }

        /// <summary>
        /// The ancestors of a process with their creation times. A parent id is only followed to a
        /// process created before the child: Windows keeps a dead parent's id in the child's entry,
        /// and that id may name a newer, unrelated process.
        /// </summary>
        internal static Dictionary<int, long> Ancestors(int pid)
        {
            var ancestors = new Dictionary<int, long>();
            var parents = new Dictionary<int, int>();
            foreach (WindowsProcessEntry entry in Snapshot())
            {
                parents[entry.ProcessId] = entry.ParentId;
            }

            long? childCreated = CreationTime(pid);
            int current = pid;
            while (parents.TryGetValue(current, out int parent) && parent > 0 && parent != current && !ancestors.ContainsKey(parent))
            {
                long? created = CreationTime(parent);
                if (created is null || (childCreated is long c && created.Value > c))
                {
                    break;
                }

                ancestors[parent] = created.Value;
                childCreated = created;
                current = parent;
            }

            return ancestors;
        }

        /// <summary>The final path of an existing file or folder (links, case, short names resolved), or null.</summary>
        internal static string? FinalPath(string path)
        {
            using (SafeKernelHandle file = WindowsNative.CreateFile(path, WindowsNative.FileReadAttributes, WindowsNative.FileShareAll, IntPtr.Zero,
                WindowsNative.OpenExisting, WindowsNative.FileFlagBackupSemantics, IntPtr.Zero))
            {
                if (file.IsInvalid)
                {
                    return null;
                }

                var buffer = new StringBuilder(1024);
                int length = WindowsNative.GetFinalPathNameByHandle(file, buffer, buffer.Capacity, 0);
                if (length <= 0 || length >= buffer.Capacity)
                {
                    return null;
                }

                string final = buffer.ToString(0, length);
                if (final.StartsWith(@"\\?\UNC\", StringComparison.OrdinalIgnoreCase))
                {
                    return @"\\" + final.Substring(8);
                }

                return final.StartsWith(@"\\?\", StringComparison.Ordinal) ? final.Substring(4) : final;
            }
        }
    }
}
