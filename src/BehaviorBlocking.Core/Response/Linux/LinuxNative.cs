using System;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;
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

        private const int ORdOnly = 0;
        private const int OCloExec = 0x80000;

        /// <summary>kill(2): 0, or -1 with the errno set.</summary>
        internal static int Kill(int pid, int signal) => Libc.kill(pid, signal);

        /// <summary>close(2): 0, or -1 with the errno set.</summary>
        internal static int Close(int fd) => Libc.close(fd);

        /// <summary>Clock ticks a second, the unit of the start time in /proc/&lt;pid&gt;/stat.</summary>
        internal static long ClockTicksPerSecond()
        {
            long ticks = Libc.sysconf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }

        /// <summary>Opens a pidfd for <paramref name="pid"/>; errno (ESRCH, ENOSYS, ...) when it cannot.</summary>
        internal static PidFd? OpenPidFd(int pid, out int errno)
        {
            long fd = Libc.syscall(SysPidfdOpen, pid, 0);
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
                long rc = Libc.syscall(SysPidfdSendSignal, fd.DangerousGetHandle().ToInt64(), signal, 0, 0);
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
            int fd = Libc.open(path, ORdOnly | OCloExec);
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
                return Libc.read(fd, buffer, (UIntPtr)buffer.Length).ToInt64();
            }

            // read(2) into the middle of a managed array: read into a scratch array and copy.
            var scratch = new byte[buffer.Length - offset];
            long n = Libc.read(fd, scratch, (UIntPtr)scratch.Length).ToInt64();
            if (n > 0)
            {
                Buffer.BlockCopy(scratch, 0, buffer, offset, (int)n);
            }

            return n;
        }

        /// <summary>The canonical path of an existing file (symbolic links and <c>..</c> resolved), or null.</summary>
        internal static string? CanonicalPath(string path)
        {
            IntPtr resolved = Libc.realpath(path, IntPtr.Zero);
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
                Libc.free(resolved);
            }
        }

        /// <summary>The target of a symbolic link (such as /proc/&lt;pid&gt;/exe), or null.</summary>
        internal static string? LinkTarget(string path)
        {
            var buffer = new byte[4096];
            long length = Libc.ReadLink(path, buffer, buffer.Length);
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
