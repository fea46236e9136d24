using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using BehaviorBlocking.Internal;

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
        public static UnixFileStatus Status(string path)
        {
            if (!Libc.Statx(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, Libc.StatxBasicStats, out StatxFacts facts))
            {
                int errno = Libc.Errno();
                if (errno == Libc.ENOENT || errno == Libc.ENOTDIR)
                {
                    // ENOENT, ENOTDIR: nothing there.
                    return default;
                }

                throw Failure("cannot read the status of", path, errno);
            }

            UnixFileType type = facts.TypeBits switch
            {
                0x8000 => UnixFileType.Regular,
                0x4000 => UnixFileType.Directory,
                0xA000 => UnixFileType.Link,
                _ => UnixFileType.Other,
            };
            return new UnixFileStatus(type, facts.Permissions, facts.Uid, facts.Gid, facts.Links);
        }

        public static string ReadLink(string path)
        {
            byte[] buffer = new byte[4097];
            long length = Libc.ReadLink(path, buffer, buffer.Length - 1);
            if (length < 0)
            {
                throw Failure("cannot read the link", path, Libc.Errno());
            }

            return Encoding.UTF8.GetString(buffer, 0, (int)length);
        }

        public static void Symlink(string target, string path)
        {
            if (Libc.symlink(target, path) != 0)
            {
                throw Failure("cannot create the link", path, Libc.Errno());
            }
        }

        /// <summary>Removes a file or link (never what a link points to), then syncs its folder.</summary>
        public static void Unlink(string path)
        {
            if (Libc.unlink(path) != 0)
            {
                throw Failure("cannot remove", path, Libc.Errno());
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
                    if (Libc.fchown(fd, uid, gid) != 0)
                    {
                        throw Failure("cannot set the owner of", temp, Libc.Errno());
                    }

                    // After chown, which clears set-id bits.
                    if (Libc.fchmod(fd, (uint)mode) != 0)
                    {
                        throw Failure("cannot set the mode of", temp, Libc.Errno());
                    }

                    stream.Flush(flushToDisk: true);
                }

                if (mustNotExist)
                {
                    if (Libc.link(temp, path) != 0)
                    {
                        throw Failure("cannot create", path, Libc.Errno());
                    }

                    Libc.unlink(temp);
                }
                else if (Libc.rename(temp, path) != 0)
                {
                    throw Failure("cannot replace", path, Libc.Errno());
                }

                SyncFolder(folder);
            }
            catch
            {
                Libc.unlink(temp);
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
                if (Libc.mkdir(next, Convert.ToUInt32("755", 8)) != 0)
                {
                    throw Failure("cannot create the folder", next, Libc.Errno());
                }

                created.Add(next);
            }

            return created;
        }

        public static void SyncFolder(string folder) => Libc.SyncFolder(folder);

        private static IOException Failure(string what, string path, int errno)
        {
            string message = what + " '" + path + "': " + Libc.Describe(errno);

            // EPERM, EACCES, EROFS: a refusal, told apart from other failures by its inner exception.
            bool denied = errno == 1 || errno == 13 || errno == 30;
            return denied ? new IOException(message, new UnauthorizedAccessException(message)) : new IOException(message);
        }

        /// <summary>True when an I/O failure was a refusal (EPERM, EACCES, EROFS).</summary>
        public static bool IsDenied(Exception ex) => ex is UnauthorizedAccessException || ex.InnerException is UnauthorizedAccessException;
    }
}
