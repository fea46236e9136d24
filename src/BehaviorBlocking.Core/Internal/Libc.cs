using System;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Internal
{
    /// <summary>What <c>statx</c> filled in: the fields of the kernel's <c>struct statx</c> the product reads.</summary>
    internal readonly struct StatxFacts
    {
        // struct statx has the same layout on every Linux architecture: 256 bytes.
        internal const int Size = 256;

        private StatxFacts(byte[] b)
        {
            Links = BitConverter.ToUInt32(b, 16);
            Uid = BitConverter.ToUInt32(b, 20);
            Gid = BitConverter.ToUInt32(b, 24);
            RawMode = BitConverter.ToUInt16(b, 28);
            Inode = BitConverter.ToUInt64(b, 32);
            Length = BitConverter.ToUInt64(b, 40);
            Accessed = Time(b, 64);
            Changed = Time(b, 96);
            Modified = Time(b, 112);
            Device = ((ulong)BitConverter.ToUInt32(b, 136) << 32) | BitConverter.ToUInt32(b, 140);
        }

        public uint Links { get; }

        public uint Uid { get; }

        public uint Gid { get; }

        /// <summary><c>stx_mode</c>: the file type bits (0xF000) and the permission bits (0xFFF).</summary>
        public int RawMode { get; }

        /// <summary>The file type bits of <see cref="RawMode"/> (0x8000 regular, 0x4000 folder, 0xA000 link).</summary>
        public int TypeBits => RawMode & 0xF000;

        /// <summary>Permission bits with set-id and sticky bits (07777).</summary>
        public int Permissions => RawMode & 0xFFF;

        public ulong Inode { get; }

        public ulong Length { get; }

        public DateTimeOffset Accessed { get; }

        public DateTimeOffset Changed { get; }

        public DateTimeOffset Modified { get; }

        /// <summary>The device (major in the high 32 bits, minor in the low).</summary>
        public ulong Device { get; }

        internal static StatxFacts From(byte[] buffer) => new StatxFacts(buffer);

        private static DateTimeOffset Time(byte[] b, int offset)
        {
            long seconds = BitConverter.ToInt64(b, offset);
            uint nanoseconds = BitConverter.ToUInt32(b, offset + 8);
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
        }
    }

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary><c>struct timespec</c> on 64-bit Linux (the product's Linux targets are x64 and arm64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>
    /// The one home of the product's libc P/Invoke declarations (Linux; <c>geteuid</c> also on macOS) and the
    /// helpers several places share: errno, <c>statx</c> into <see cref="StatxFacts"/>, <c>fsync</c> of a folder.
    /// Callers keep their own error messages; nothing here throws a product error.
    /// </summary>
    internal static class Libc
    {
        // The runtime maps "libc" to the platform's C library (libc.so.6 on glibc Linux, libSystem on macOS).
        private const string Name = "libc";

        internal const int ENOENT = 2;
        internal const int ENOTDIR = 20;
        internal const int EPERM = 1;
        internal const int EINTR = 4;
        internal const int EAGAIN = 11;
        internal const int EACCES = 13;
        internal const int ENOBUFS = 105;
        internal const int EEXIST = 17;
        internal const int ESRCH = 3;

        internal const int AfNetlink = 16;
        internal const int SockDgram = 2;
        internal const int SockRaw = 3;

        /// <summary><c>NETLINK_AUDIT</c>: the kernel's audit subsystem (status, rules, and records to the registered audit daemon).</summary>
        internal const int NetlinkAudit = 9;
        internal const int SockCloexec = 0x80000;
        internal const int MsgDontWait = 0x40;
        internal const int SolSocket = 1;
        internal const int SoRcvBuf = 8;
        internal const int SoRcvBufForce = 33;
        internal const int PollIn = 0x1;
        internal const int ClockRealtime = 0;
        internal const int ClockMonotonic = 1;
        internal const int ClockThreadCpuTime = 3;
        internal const int ClockBoottime = 7;

        internal const int AtFdCwd = -100;
        internal const int AtSymlinkNoFollow = 0x100;
        internal const int AtEmptyPath = 0x1000;

        internal const uint StatxType = 0x1;
        internal const uint StatxIno = 0x100;
        internal const uint StatxBasicStats = 0x7FF;

        /// <summary>The errno of the last libc call declared with <c>SetLastError</c>.</summary>
        internal static int Errno() => Marshal.GetLastWin32Error();

        /// <summary><c>statx</c>; false (errno in <see cref="Errno"/>) when it fails.</summary>
        internal static bool Statx(int dirfd, string path, int flags, uint mask, out StatxFacts facts)
        {
            byte[] buffer = new byte[StatxFacts.Size];
            if (statx(dirfd, path, flags, mask, buffer) != 0)
            {
                facts = default;
                return false;
            }

            facts = StatxFacts.From(buffer);
            return true;
        }

        /// <summary>
        /// Flushes a folder's entries to disk (open read-only, <c>fsync</c>, close) so a rename or unlink in it
        /// survives power loss. Best effort: a folder that cannot be opened is left as it is.
        /// </summary>
        internal static void SyncFolder(string folder)
        {
            int fd = open(folder, 0);
            if (fd < 0)
            {
                return;
            }

            try
            {
                fsync(fd);
            }
            finally
            {
                close(fd);
            }
        }

        /// <summary><c>readlink</c> into <paramref name="buffer"/> (at most <paramref name="size"/> bytes): the length, or -1.</summary>
        internal static long ReadLink(string path, byte[] buffer, int size) => readlink(path, buffer, (UIntPtr)size).ToInt64();

        /// <summary>libc's text for an errno, or "errno N".</summary>
        internal static string Describe(int errno) => Marshal.PtrToStringAnsi(strerror(errno)) ?? ("errno " + errno);

#pragma warning disable SA1300, IDE1006 // libc's own names
        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int open(string pathname, int flags);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int open(string pathname, int flags, uint mode);

        [DllImport(Name, SetLastError = true)]
        internal static extern IntPtr read(int fd, [Out] byte[] buf, UIntPtr count);

        [DllImport(Name, SetLastError = true)]
        internal static extern int close(int fd);

        [DllImport(Name, SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int statx(int dirfd, string pathname, int flags, uint mask, [Out] byte[] statxbuf);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern IntPtr readlink(string path, [Out] byte[] buf, UIntPtr size);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int symlink(string target, string linkpath);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int unlink(string pathname);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int unlinkat(int dirfd, string pathname, int flags);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int rename(string oldpath, string newpath);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int link(string oldpath, string newpath);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int mkdir(string pathname, uint mode);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int chmod(string pathname, uint mode);

        [DllImport(Name, SetLastError = true)]
        internal static extern int fchmod(int fd, uint mode);

        [DllImport(Name, SetLastError = true)]
        internal static extern int fchown(int fd, uint owner, uint group);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern IntPtr realpath(string path, IntPtr resolved);

        [DllImport(Name)]
        internal static extern void free(IntPtr pointer);

        [DllImport(Name)]
        private static extern IntPtr strerror(int errnum);

        [DllImport(Name)]
        internal static extern uint geteuid();

        [DllImport(Name, SetLastError = true)]
        internal static extern int kill(int pid, int signal);

        [DllImport(Name, SetLastError = true)]
        internal static extern long sysconf(int name);

        [DllImport(Name, SetLastError = true)]
        internal static extern long syscall(long number, long a1, long a2);

        [DllImport(Name, SetLastError = true)]
        internal static extern long syscall(long number, long a1, long a2, long a3, long a4);

        [DllImport(Name, SetLastError = true)]
        internal static extern IntPtr write(int fd, byte[] buf, UIntPtr count);

        [DllImport(Name, SetLastError = true)]
        internal static extern int fanotify_init(uint flags, uint eventFileFlags);

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        internal static extern int fanotify_mark(int fanotifyFd, uint flags, ulong mask, int dirfd, string? pathname);

        /// <summary><c>poll</c> on one descriptor for <paramref name="events"/>: 1 when ready (<paramref name="revents"/> set), 0 on timeout, -1 on error.</summary>
        internal static int PollOne(int fd, short events, int timeoutMilliseconds, out short revents)
        {
            var entries = new[] { new PollFd { Fd = fd, Events = events } };
            int result = poll(entries, (UIntPtr)1, timeoutMilliseconds);
            revents = entries[0].ReturnedEvents;
            return result;
        }

        [DllImport(Name, SetLastError = true)]
        internal static extern int open_by_handle_at(int mountFd, byte[] handle, int flags);

        /// <summary><c>statfs</c>: the filesystem id (<c>f_fsid</c>, 8 bytes) and type magic of the filesystem holding <paramref name="path"/>; false (errno set) on failure.</summary>
        internal static bool FileSystemId(string path, out ulong fsid, out long type)
        {
            // struct statfs on 64-bit Linux: seven 8-byte fields, then f_fsid (two ints) at offset 56; 120 bytes in all.
            byte[] buffer = new byte[128];
            if (statfs(path, buffer) != 0)
            {
                fsid = 0;
                type = 0;
                return false;
            }

            type = BitConverter.ToInt64(buffer, 0);
            fsid = BitConverter.ToUInt64(buffer, 56);
            return true;
        }

        [DllImport(Name, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int statfs(string path, [Out] byte[] buf);


        // Sockets (netlink: the process connector and sock_diag), poll and clocks.
        [DllImport(Name, SetLastError = true)]
        internal static extern int socket(int domain, int type, int protocol);

        [DllImport(Name, SetLastError = true)]
        internal static extern int bind(int sockfd, byte[] addr, uint addrlen);

        [DllImport(Name, SetLastError = true)]
        internal static extern IntPtr sendto(int sockfd, byte[] buf, UIntPtr len, int flags, byte[]? destAddr, uint addrlen);

        [DllImport(Name, SetLastError = true)]
        internal static extern IntPtr recvfrom(int sockfd, [Out] byte[] buf, UIntPtr len, int flags, [Out] byte[] srcAddr, ref uint addrlen);

        [DllImport(Name, SetLastError = true)]
        internal static extern IntPtr recv(int sockfd, [Out] byte[] buf, UIntPtr len, int flags);

        [DllImport(Name, SetLastError = true)]
        internal static extern int setsockopt(int sockfd, int level, int optname, ref int optval, uint optlen);

        [DllImport(Name, SetLastError = true)]
        internal static extern int getsockopt(int sockfd, int level, int optname, out int optval, ref uint optlen);

        [DllImport(Name, SetLastError = true)]
        internal static extern int poll([In, Out] PollFd[] fds, UIntPtr nfds, int timeout);

        [DllImport(Name, SetLastError = true)]
        internal static extern int clock_gettime(int clockid, out Timespec tp);
#pragma warning restore SA1300, IDE1006
    }
}
