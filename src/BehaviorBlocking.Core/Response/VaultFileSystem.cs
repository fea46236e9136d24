using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Sensors.Replay;
using Microsoft.Win32.SafeHandles;

namespace BehaviorBlocking.Response
{
    /// <summary>What the vault knows of a file: from the open handle (sources) or from a stat that does not follow links.</summary>
    internal sealed class VaultFileFacts
    {
        public bool IsRegular { get; init; }

        public bool IsSymbolicLink { get; init; }

        public FileId Id { get; init; }

        public bool HasId { get; init; }

        public long Length { get; init; }

        public long? UserId { get; init; }

        public long? GroupId { get; init; }

        public int? Mode { get; init; }

        public long Links { get; init; }

        public DateTimeOffset? Modified { get; init; }

        public DateTimeOffset? Accessed { get; init; }

        public DateTimeOffset? Changed { get; init; }
    }

    /// <summary>A file-system call failed; <see cref="Errno"/> is the platform's error number (0 when not known).</summary>
    internal sealed class VaultIOException : IOException
    {
        public VaultIOException(string message, int errno)
            : base(message)
        {
            Errno = errno;
        }

        public int Errno { get; }

        public bool NotFound => Errno == 2;

        public bool IsLink => Errno == 40;
    }

    /// <summary>
    /// Every file-system step of the quarantine, one call each, so a test can stop ("crash") between any
    /// two of them and show that the original or the complete copy always survives.
    /// </summary>
    internal interface IVaultFileSystem
    {
        /// <summary>Opens a file to read without following a final symbolic link (O_NOFOLLOW); facts come from the open handle.</summary>
        Stream OpenSource(string path, out VaultFileFacts facts);

        /// <summary>Facts of what the path names, links not followed; null when nothing is there.</summary>
        VaultFileFacts? Examine(string path);

        /// <summary>Creates a new file (fails when the name exists, never follows a link), mode 0600.</summary>
        Stream CreateNew(string path);

        /// <summary>Opens a vault file to read.</summary>
        Stream OpenRead(string path);

        /// <summary>Writes bytes.</summary>
        void Write(Stream stream, byte[] buffer, int count);

        /// <summary>Flushes and fsyncs the file.</summary>
        void Sync(Stream stream);

        /// <summary>Sets owner and permission bits through the open handle (where the platform has them).</summary>
        void SetOwnerAndMode(Stream stream, long? userId, long? groupId, int? mode);

        /// <summary>Renames inside the vault (the target is replaced).</summary>
        void Replace(string from, string to);

        /// <summary>Renames without replacing: false when the target exists.</summary>
        bool MoveNoReplace(string from, string to);

        /// <summary>Fsyncs a directory so renames and removals in it are durable.</summary>
        void SyncDirectory(string directory);

        /// <summary>Removes a file; no error when it is gone.</summary>
        void Delete(string path);

        /// <summary>Removes the name when it (link not followed) is still the file <paramref name="expected"/>; false when it is another one or gone.</summary>
        bool DeleteIfSame(string path, VaultFileFacts expected);

        /// <summary>Names of the entries of a directory.</summary>
        IReadOnlyList<string> List(string directory);

        /// <summary>Creates a directory readable only by its owner (0700), and narrows an existing one to it.</summary>
        void CreatePrivateDirectory(string path);
    }

    /// <summary>
    /// The real file system: libc on Linux (open with O_NOFOLLOW, statx, fchown/fchmod, renameat2 with
    /// RENAME_NOREPLACE, unlinkat in a pinned directory, fsync of directories); elsewhere the managed
    /// file APIs (compile-checked only on Windows: links are refused by their reparse-point attribute,
    /// no owner or mode, no directory fsync, File.Move without overwrite).
    /// </summary>
    internal sealed class VaultFileSystem : IVaultFileSystem
    {
        public static readonly VaultFileSystem Instance = new VaultFileSystem();

        private static readonly bool s_linux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        public Stream OpenSource(string path, out VaultFileFacts facts)
        {
            if (s_linux)
            {
                SafeFileHandle handle = Linux.Open(path, Linux.ORdOnly | Linux.ONoFollow | Linux.ONonBlock | Linux.OCloExec, 0);
                try
                {
                    facts = Linux.StatHandle(handle, path);
                    if (!facts.IsRegular)
                    {
                        handle.Dispose();
                        return Stream.Null;
                    }

                    return new FileStream(handle, FileAccess.Read, 1);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
            }

            VaultFileFacts? found = Examine(path);
            if (found is null)
            {
                throw new VaultIOException("'" + path + "' does not exist", 2);
            }

            facts = found;
            if (!found.IsRegular)
            {
                return Stream.Null;
            }

            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }

        public VaultFileFacts? Examine(string path)
        {
            if (s_linux)
            {
                return Linux.StatPath(path);
            }

            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path))
            {
                return null;
            }

            bool link = (info.Attributes & FileAttributes.ReparsePoint) != 0;
            bool regular = !link && (info.Attributes & FileAttributes.Directory) == 0;
            bool hasId = FileIdentity.TryGet(path, out FileId id, out _);
            return new VaultFileFacts
            {
                IsRegular = regular,
                IsSymbolicLink = link,
                Id = id,
                HasId = hasId,
                Length = regular ? info.Length : 0,
                Links = 1,
                Modified = info.LastWriteTimeUtc,
                Accessed = info.LastAccessTimeUtc,
                Changed = info.CreationTimeUtc,
            };
        }

        public Stream CreateNew(string path)
        {
            if (s_linux)
            {
                SafeFileHandle handle = Linux.Open(path, Linux.ORdWr | Linux.OCreat | Linux.OExcl | Linux.ONoFollow | Linux.OCloExec, Convert.ToUInt32("600", 8));
                return new FileStream(handle, FileAccess.ReadWrite, 1);
            }

            return new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1);
        }

        public Stream OpenRead(string path) => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

        public void Write(Stream stream, byte[] buffer, int count) => stream.Write(buffer, 0, count);

        public void Sync(Stream stream)
        {
            if (stream is FileStream file)
            {
                file.Flush(flushToDisk: true);
            }
            else
            {
                stream.Flush();
            }
        }

        public void SetOwnerAndMode(Stream stream, long? userId, long? groupId, int? mode)
        {
            if (!s_linux || !(stream is FileStream file))
            {
                return;
            }

            int fd = (int)file.SafeFileHandle.DangerousGetHandle();
            if (userId.HasValue && groupId.HasValue && Libc.fchown(fd, (uint)userId.Value, (uint)groupId.Value) != 0)
            {
                int errno = Marshal.GetLastWin32Error();

                // Only root may give a file away; a user restoring their own file keeps it as theirs.
                if (errno != 1)
                {
                    throw Linux.Fail("fchown", "the restored file", errno);
                }
            }

            // After fchown, which clears set-user-id and set-group-id bits.
            if (mode.HasValue && Libc.fchmod(fd, (uint)(mode.Value & 0xFFF)) != 0)
            {
                throw Linux.Fail("fchmod", "the restored file", Marshal.GetLastWin32Error());
            }
        }

        public void Replace(string from, string to)
        {
            if (s_linux)
            {
                if (Libc.rename(from, to) != 0)
                {
                    throw Linux.Fail("rename", from, Marshal.GetLastWin32Error());
                }

                return;
            }

            if (File.Exists(to))
            {
                File.Replace(from, to, null);
            }
            else
            {
                File.Move(from, to);
            }
        }

        public bool MoveNoReplace(string from, string to)
        {
            if (s_linux)
            {
                const int AtFdCwd = -100;
                const uint RenameNoReplace = 1;
                if (Libc.renameat2(AtFdCwd, from, AtFdCwd, to, RenameNoReplace) == 0)
                {
                    return true;
                }

                int errno = Marshal.GetLastWin32Error();
                if (errno == 17)
                {
                    return false;
                }

                // A file system without RENAME_NOREPLACE: link(2) also refuses an existing name.
                if (errno == 22 || errno == 38 || errno == 95)
                {
                    if (Libc.link(from, to) != 0)
                    {
                        int linkErrno = Marshal.GetLastWin32Error();
                        if (linkErrno == 17)
                        {
                            return false;
                        }

                        throw Linux.Fail("link", to, linkErrno);
                    }

                    Delete(from);
                    return true;
                }

                throw Linux.Fail("renameat2", to, errno);
            }

            try
            {
                File.Move(from, to);
                return true;
            }
            catch (IOException) when (File.Exists(to) || Directory.Exists(to))
            {
                return false;
            }
        }

        public void SyncDirectory(string directory)
        {
            if (!s_linux)
            {
                // NTFS journals its metadata; there is no directory handle to flush through the managed API.
                return;
            }

            using (SafeFileHandle handle = Linux.Open(directory, Linux.ORdOnly | Linux.ODirectory | Linux.OCloExec, 0))
            {
                if (Libc.fsync((int)handle.DangerousGetHandle()) != 0)
                {
                    throw Linux.Fail("fsync", directory, Marshal.GetLastWin32Error());
                }
            }
        }

        public void Delete(string path)
        {
            if (s_linux)
            {
                if (Libc.unlink(path) != 0)
                {
                    int errno = Marshal.GetLastWin32Error();
                    if (errno != 2)
                    {
                        throw Linux.Fail("unlink", path, errno);
                    }
                }

                return;
            }

            File.Delete(path);
        }

        public bool DeleteIfSame(string path, VaultFileFacts expected)
        {
            string directory = Path.GetDirectoryName(path) ?? throw new ArgumentException("no folder in '" + path + "'", nameof(path));
            string name = Path.GetFileName(path);
            if (s_linux)
            {
                // The folder is pinned by its handle, and the name is judged and removed relative to it, so a
                // folder swapped for a link between the check and the removal cannot redirect the removal.
                using (SafeFileHandle folder = Linux.Open(directory, Linux.ORdOnly | Linux.ODirectory | Linux.OCloExec, 0))
                {
                    int dirfd = (int)folder.DangerousGetHandle();
                    VaultFileFacts? now = Linux.StatAt(dirfd, name, path);
                    if (now is null || !now.IsRegular || !now.Id.Equals(expected.Id))
                    {
                        return false;
                    }

                    if (Libc.unlinkat(dirfd, name, 0) != 0)
                    {
                        int errno = Marshal.GetLastWin32Error();
                        if (errno == 2)
                        {
                            return false;
                        }

                        throw Linux.Fail("unlinkat", path, errno);
                    }

                    return true;
                }
            }

            VaultFileFacts? current = Examine(path);
            if (current is null || !current.IsRegular || (expected.HasId && current.HasId && !current.Id.Equals(expected.Id)))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }

        public IReadOnlyList<string> List(string directory)
        {
            var names = new List<string>();
            foreach (string file in Directory.GetFileSystemEntries(directory))
            {
                names.Add(Path.GetFileName(file));
            }

            names.Sort(StringComparer.Ordinal);
            return names;
        }

        public void CreatePrivateDirectory(string path)
        {
            Directory.CreateDirectory(path);
            if (s_linux && Libc.chmod(path, Convert.ToUInt32("700", 8)) != 0)
            {
                throw Linux.Fail("chmod", path, Marshal.GetLastWin32Error());
            }
        }

        /// <summary>libc calls; flags and struct statx as the kernel defines them (statx has one layout on every architecture).</summary>
        internal static class Linux
        {
            public const int ORdOnly = 0;
            public const int ORdWr = 2;
            public const int OCreat = 0x40;
            public const int OExcl = 0x80;
            public const int ONonBlock = 0x800;
            public const int OCloExec = 0x80000;

            // O_NOFOLLOW and O_DIRECTORY differ on arm and arm64 from x86.
            private static readonly bool s_arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm || RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

            public static int ONoFollow => s_arm ? 0x8000 : 0x20000;

            public static int ODirectory => s_arm ? 0x4000 : 0x10000;

            public static SafeFileHandle Open(string path, int flags, uint mode)
            {
                int fd = Libc.open(path, flags, mode);
                if (fd < 0)
                {
                    throw Fail("open", path, Marshal.GetLastWin32Error());
                }

                return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
            }

            public static VaultFileFacts StatHandle(SafeFileHandle handle, string path)
            {
                if (!Libc.Statx((int)handle.DangerousGetHandle(), string.Empty, Libc.AtEmptyPath, Libc.StatxBasicStats, out StatxFacts facts))
                {
                    throw Fail("statx", path, Libc.Errno());
                }

                return Facts(facts);
            }

            public static VaultFileFacts? StatPath(string path) => StatAt(Libc.AtFdCwd, path, path);

            public static VaultFileFacts? StatAt(int dirfd, string name, string path)
            {
                if (!Libc.Statx(dirfd, name, Libc.AtSymlinkNoFollow, Libc.StatxBasicStats, out StatxFacts facts))
                {
                    int errno = Libc.Errno();
                    if (errno == Libc.ENOENT || errno == Libc.ENOTDIR)
                    {
                        return null;
                    }

                    throw Fail("statx", path, errno);
                }

                return Facts(facts);
            }

            public static VaultIOException Fail(string call, string path, int errno) =>
                new VaultIOException(call + " '" + path + "': " + new Win32Exception(errno).Message + " (errno " + errno + ")", errno);

            private static VaultFileFacts Facts(StatxFacts f) => new VaultFileFacts
            {
                IsRegular = f.TypeBits == 0x8000,
                IsSymbolicLink = f.TypeBits == 0xA000,
                Links = f.Links,
                UserId = f.Uid,
                GroupId = f.Gid,
                Mode = f.Permissions,
                Id = new FileId(f.Device, f.Inode),
                HasId = true,
                Length = (long)f.Length,
                Accessed = f.Accessed,
                Changed = f.Changed,
                Modified = f.Modified,
            };
        }
    }
}
