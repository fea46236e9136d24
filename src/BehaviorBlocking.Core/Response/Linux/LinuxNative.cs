using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BehaviorBlocking.Response.Linux
{
    /// <summary>The libc calls the Linux response code makes. Only called on Linux.</summary>
    internal static class LinuxNative
    {
        internal const int SIGKILL = 9;
        internal const int SIGCONT = 18;
        internal const int SIGSTOP = 19;

        internal const int EPERM = 1;
        internal const int ESRCH = 3;
        internal const int EINVAL = 22;
        internal const int ENOSYS = 38;

        // New system calls share one number on every Linux architecture (asm-generic and x86 alike).
        private const long SysPidfdSendSignal = 424;
        private const long SysPidfdOpen = 434;

        private const int ScClkTck = 2;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        internal static extern int Kill(int pid, int signal);

        [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static extern long Syscall(long number, long a1, long a2);

        [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static extern long Syscall(long number, long a1, long a2, long a3, long a4);

        private const int ORdOnly = 0;
        private const int OCloExec = 0x80000;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int Open(string path, int flags);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        private static extern long Read(int fd, byte[] buffer, long count);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static extern int Close(int fd);

        [DllImport("libc", EntryPoint = "sysconf", SetLastError = true)]
        private static extern long Sysconf(int name);

        [DllImport("libc", EntryPoint = "geteuid")]
        internal static extern uint GetEffectiveUserId();

        [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
        private static extern IntPtr RealPath(string path, IntPtr resolved);

        [DllImport("libc", EntryPoint = "free")]
        private static extern void Free(IntPtr pointer);

        [DllImport("libc", EntryPoint = "readlink", SetLastError = true)]
        private static extern long ReadLink(string path, byte[] buffer, long size);

        /// <summary>Clock ticks a second, the unit of the start time in /proc/&lt;pid&gt;/stat.</summary>
        internal static long ClockTicksPerSecond()
        {
            long ticks = Sysconf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }

        /// <summary>Opens a pidfd for <paramref name="pid"/>; errno (ESRCH, ENOSYS, ...) when it cannot.</summary>
        internal static PidFd? OpenPidFd(int pid, out int errno)
        {
            long fd = Syscall(SysPidfdOpen, pid, 0);
            if (fd < 0)
            {
                errno = Marshal.GetLastWin32Error();
                return null;
            }

            errno = 0;
            return new PidFd((int)fd);
        }

        /// <summary>Sends <paramref name="signal"/> through a pidfd: 0, or the errno.</summary>
        internal static int SendSignal(PidFd fd, int signal)
        {
            bool added = false;
            try
            {
                fd.DangerousAddRef(ref added);
                long rc = Syscall(SysPidfdSendSignal, fd.DangerousGetHandle().ToInt64(), signal, 0, 0);
                return rc == 0 ? 0 : Marshal.GetLastWin32Error();
            }
            finally
            {
                if (added)
                {
                    fd.DangerousRelease();
                }
            }
        }

        /// <summary>Sends <paramref name="signal"/> with kill(2): 0, or the errno.</summary>
        internal static int SendSignal(int pid, int signal) => Kill(pid, signal) == 0 ? 0 : Marshal.GetLastWin32Error();

        /// <summary>
        /// Reads a whole (small, /proc) file with open/read/close: a sweep reads every process's stat
        /// line, and FileStream's set-up costs more than the read. Null when it cannot be opened or read.
        /// </summary>
        internal static string? ReadSmallFile(string path, ref byte[] buffer)
        {
            int fd = Open(path, ORdOnly | OCloExec);
            if (fd < 0)
            {
                return null;
            }

            try
            {
                int length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    long n = ReadAt(fd, buffer, length);
                    if (n < 0)
                    {
                        return null;
                    }

                    if (n == 0)
                    {
                        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
                    }

                    length += (int)n;
                }
            }
            finally
            {
                Close(fd);
            }
        }

        private static long ReadAt(int fd, byte[] buffer, int offset)
        {
            if (offset == 0)
            {
                return Read(fd, buffer, buffer.Length);
            }

            // read(2) into the middle of a managed array: read into a scratch array and copy.
            var scratch = new byte[buffer.Length - offset];
            long n = Read(fd, scratch, scratch.Length);
            if (n > 0)
            {
                Buffer.BlockCopy(scratch, 0, buffer, offset, (int)n);
            }

            return n;
        }

        /// <summary>The canonical path of an existing file (symbolic links and <c>..</c> resolved), or null.</summary>
        internal static string? CanonicalPath(string path)
        {
            IntPtr resolved = RealPath(path, IntPtr.Zero);
            if (resolved == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                return Marshal.PtrToStringAnsi(resolved);
            }
            finally
            {
                Free(resolved);
            }
        }

        /// <summary>The target of a symbolic link (such as /proc/&lt;pid&gt;/exe), or null.</summary>
        internal static string? LinkTarget(string path)
        {
            var buffer = new byte[4096];
            long length = ReadLink(path, buffer, buffer.Length);
            if (length <= 0 || length >= buffer.Length)
            {
                return null;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length);
        }
    }

    /// <summary>A pidfd: names one process for as long as it is open, so a signal never reaches a recycled pid.</summary>
    internal sealed class PidFd : SafeHandleMinusOneIsInvalid
    {
        internal PidFd(int fd)
            : base(ownsHandle: true) => SetHandle(new IntPtr(fd));

        protected override bool ReleaseHandle() => LinuxNative.Close(handle.ToInt32()) == 0;
    }
}
