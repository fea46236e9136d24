using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace BehaviorBlocking.Response
{
    /// <summary>What <c>lstat</c> says about a path (links are not followed).</summary>
    internal enum UnixFileType
    {
        Missing = 0,
        Regular,
        Directory,
        Link,
        Other,
    }

    /// <summary>A path's type, permission bits, owner and link count, without following a final link.</summary>
    internal readonly struct UnixFileStatus
    {
        public UnixFileStatus(UnixFileType type, int mode, uint uid, uint gid, uint links)
        {
            Type = type;
            Mode = mode;
            Uid = uid;
            Gid = gid;
            Links = links;
        }

        public UnixFileType Type { get; }

        /// <summary>Permission bits with set-id and sticky bits (07777).</summary>
        public int Mode { get; }

        public uint Uid { get; }

        public uint Gid { get; }

        public uint Links { get; }
    }

    /// <summary>
    /// The libc calls remediation needs and netstandard2.0 lacks: <c>statx</c> without following links,
    /// <c>readlink</c>, <c>symlink</c>, <c>rename</c>, <c>link</c>, <c>fchmod</c>/<c>fchown</c> on an open
    /// file, and <c>fsync</c> of a folder so a rename or unlink is on disk. Linux only.
    /// </summary>
    internal static class UnixFiles
    {
        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const uint StatxBasic = 0x7FF;
        private const int StatxSize = 256;

        public static UnixFileStatus Status(string path)
        {
            byte[] buffer = new byte[StatxSize];
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasic, buffer) != 0)
            {
                int errno = Marshal.GetLastWin32Error();
                if (errno == 2 || errno == 20)
                {
                    // ENOENT, ENOTDIR: nothing there.
                    return default;
                }

                throw Failure("cannot read the status of", path, errno);
            }

            uint links = BitConverter.ToUInt32(buffer, 16);
            uint uid = BitConverter.ToUInt32(buffer, 20);
            uint gid = BitConverter.ToUInt32(buffer, 24);
            int mode = BitConverter.ToUInt16(buffer, 28);
            UnixFileType type = (mode & 0xF000) switch
            {
                0x8000 => UnixFileType.Regular,
                0x4000 => UnixFileType.Directory,
                0xA000 => UnixFileType.Link,
                _ => UnixFileType.Other,
            };
            return new UnixFileStatus(type, mode & 0xFFF, uid, gid, links);
        }

        public static string ReadLink(string path)
        {
            byte[] buffer = new byte[4097];
            long length = readlink(path, buffer, (UIntPtr)(buffer.Length - 1));
            if (length < 0)
            {
                throw Failure("cannot read the link", path, Marshal.GetLastWin32Error());
            }

            return Encoding.UTF8.GetString(buffer, 0, (int)length);
        }

        public static void Symlink(string target, string path)
        {
            if (symlink(target, path) != 0)
            {
                throw Failure("cannot create the link", path, Marshal.GetLastWin32Error());
            }
        }

        /// <summary>Removes a file or link (never what a link points to), then syncs its folder.</summary>
        public static void Unlink(string path)
        {
            if (unlink(path) != 0)
            {
                throw Failure("cannot remove", path, Marshal.GetLastWin32Error());
            }

            SyncFolder(Path.GetDirectoryName(path)!);
        }

        /// <summary>
        /// Writes <paramref name="content"/> as <paramref name="path"/> with the given mode and owner: into a
        /// new file beside it (created exclusively, so no link is followed), synced, then renamed over the
        /// path (or, with <paramref name="mustNotExist"/>, linked to it, which fails when something is there),
        /// and the folder synced. Readers see the old file or the new one, never a part.
        /// </summary>
        public static void WriteFile(string path, byte[] content, int mode, uint uid, uint gid, bool mustNotExist)
        {
            string folder = Path.GetDirectoryName(path)!;
            string temp = Path.Combine(folder, "." + Path.GetFileName(path) + ".bb-" + Guid.NewGuid().ToString("N"));
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(content, 0, content.Length);
                    int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
                    if (fchown(fd, uid, gid) != 0)
                    {
                        throw Failure("cannot set the owner of", temp, Marshal.GetLastWin32Error());
                    }

                    // After chown, which clears set-id bits.
                    if (fchmod(fd, (uint)mode) != 0)
                    {
                        throw Failure("cannot set the mode of", temp, Marshal.GetLastWin32Error());
                    }

                    stream.Flush(flushToDisk: true);
                }

                if (mustNotExist)
                {
                    if (link(temp, path) != 0)
                    {
                        throw Failure("cannot create", path, Marshal.GetLastWin32Error());
                    }

                    unlink(temp);
                }
                else if (rename(temp, path) != 0)
                {
                    throw Failure("cannot replace", path, Marshal.GetLastWin32Error());
                }

                SyncFolder(folder);
            }
            catch
            {
                unlink(temp);
                throw;
            }
        }

        /// <summary>Creates the missing folders of <paramref name="folder"/> (mode 0755, owner root) and returns those it created.</summary>
        public static List<string> CreateFolders(string folder)
        {
            var created = new List<string>();
            string? current = folder;
            var missing = new Stack<string>();
            while (!string.IsNullOrEmpty(current) && Status(current!).Type == UnixFileType.Missing)
            {
                missing.Push(current!);
                current = Path.GetDirectoryName(current);
            }

            while (missing.Count > 0)
            {
                string next = missing.Pop();
                if (mkdir(next, Convert.ToUInt32("755", 8)) != 0)
                {
                    throw Failure("cannot create the folder", next, Marshal.GetLastWin32Error());
                }

                created.Add(next);
            }

            return created;
        }

        public static void SyncFolder(string folder)
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

        private static IOException Failure(string what, string path, int errno)
        {
            string message = what + " '" + path + "': " + (Marshal.PtrToStringAnsi(strerror(errno)) ?? ("errno " + errno));

            // EPERM, EACCES, EROFS: a refusal, told apart from other failures by its inner exception.
            bool denied = errno == 1 || errno == 13 || errno == 30;
            return denied ? new IOException(message, new UnauthorizedAccessException(message)) : new IOException(message);
        }

        /// <summary>True when an I/O failure was a refusal (EPERM, EACCES, EROFS).</summary>
        public static bool IsDenied(Exception ex) => ex is UnauthorizedAccessException || ex.InnerException is UnauthorizedAccessException;

        private const string Libc = "libc.so.6";

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int statx(int dirfd, string pathname, int flags, uint mask, [Out] byte[] statxbuf);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern long readlink(string path, [Out] byte[] buf, UIntPtr size);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int symlink(string target, string linkpath);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int unlink(string path);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int rename(string oldpath, string newpath);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int link(string oldpath, string newpath);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int mkdir(string path, uint mode);

        [DllImport(Libc, SetLastError = true)]
        private static extern int fchmod(int fd, uint mode);

        [DllImport(Libc, SetLastError = true)]
        private static extern int fchown(int fd, uint owner, uint group);

        [DllImport(Libc, SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int open(string path, int flags);

        [DllImport(Libc, SetLastError = true)]
        private static extern int fsync(int fd);

        [DllImport(Libc, SetLastError = true)]
        private static extern int close(int fd);

        [DllImport(Libc)]
        private static extern IntPtr strerror(int errnum);
    }
}
