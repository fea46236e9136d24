using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// One fanotify notification group: the descriptor, its marks and, per marked filesystem, a descriptor
    /// to resolve file handles against (<c>open_by_handle_at</c> needs one on the same filesystem). Owns
    /// every descriptor it opened; <see cref="Dispose"/> closes them (closing the group makes the kernel
    /// allow any permission event still unanswered).
    /// </summary>
    internal sealed class FanotifyGroup : IDisposable
    {
        private const int EPERM = 1;
        private const int EAGAIN = 11;
        private const int EINTR = 4;
        private readonly Dictionary<ulong, int> _mountFds = new Dictionary<ulong, int>();
        private readonly List<string> _marked = new List<string>();
        private readonly byte[] _link = new byte[4096];
        private readonly object _respondGate = new object();
        private int _fd;

        private FanotifyGroup(int fd) => _fd = fd;

        /// <summary>The group's descriptor (-1 once disposed).</summary>
        internal int Fd => _fd;

        /// <summary>The paths marked, in order.</summary>
        internal IReadOnlyList<string> Marked => _marked;

        /// <summary>Opens a group; throws the product's fanotify errors.</summary>
        internal static FanotifyGroup Open(uint flags, uint eventFileFlags, string what)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                throw new BehaviorBlockingException(ErrorIds.FanotifyUnavailable, FailureKind.NotSupported, what + " needs Linux (fanotify).");
            }

            int fd = Libc.fanotify_init(flags, eventFileFlags);
            if (fd < 0)
            {
                int errno = Libc.Errno();
                if (errno == EPERM)
                {
                    throw new BehaviorBlockingException(ErrorIds.FanotifyRequiresPrivilege, FailureKind.AccessDenied,
                        what + ": fanotify_init was refused (" + Libc.Describe(errno) + "): it needs root, or CAP_SYS_ADMIN; running as uid "
                        + Libc.geteuid().ToString(CultureInfo.InvariantCulture) + ".");
                }

                throw new BehaviorBlockingException(ErrorIds.FanotifyUnavailable, FailureKind.Unavailable,
                    what + ": fanotify_init(0x" + flags.ToString("X", CultureInfo.InvariantCulture) + ") failed: " + Libc.Describe(errno)
                    + " (the kernel lacks fanotify or a requested feature; 5.17 or later is needed).");
            }

            return new FanotifyGroup(fd);
        }

        /// <summary>Marks the filesystem (or only the mount) holding <paramref name="path"/> for <paramref name="mask"/>; throws the product's errors.</summary>
        internal void Mark(string path, ulong mask, bool fileSystem, bool keepMountFd, string what)
        {
            uint flags = Fanotify.MarkAdd | (fileSystem ? Fanotify.MarkFileSystem : Fanotify.MarkMount);
            if (Libc.fanotify_mark(_fd, flags, mask, Libc.AtFdCwd, path) != 0)
            {
                int errno = Libc.Errno();
                if (errno == EPERM)
                {
                    throw new BehaviorBlockingException(ErrorIds.FanotifyRequiresPrivilege, FailureKind.AccessDenied,
                        what + ": fanotify_mark of " + path + " was refused (" + Libc.Describe(errno) + "): it needs root, or CAP_SYS_ADMIN.") { Target = path };
                }

                throw new BehaviorBlockingException(ErrorIds.FanotifyUnavailable, FailureKind.Unavailable,
                    what + ": fanotify_mark of " + path + " (" + (fileSystem ? "filesystem" : "mount") + ") failed: " + Libc.Describe(errno)
                    + (errno == 18 || errno == 19 || errno == 95 ? " (this filesystem cannot report file handles to fanotify)" : string.Empty) + ".") { Target = path };
            }

            _marked.Add(path);
            if (keepMountFd && Libc.FileSystemId(path, out ulong fsid, out _) && !_mountFds.ContainsKey(fsid))
            {
                // Not O_PATH: open_by_handle_at refuses a mount descriptor opened with it (EBADF).
                int mountFd = Libc.open(path, Fanotify.ReadOnly | Fanotify.OpenDirectory | Fanotify.OpenCloseOnExec);
                if (mountFd >= 0)
                {
                    _mountFds[fsid] = mountFd;
                }
            }
        }

        /// <summary>
        /// Marks the filesystem (or mount) of each of <paramref name="paths"/>, or when null of every real filesystem
        /// mounted now (<see cref="LinuxMounts.RealFileSystems()"/>). A named path that cannot be marked throws; a mounted
        /// filesystem that cannot (overlay without exports, some FUSE) is reported through <paramref name="writer"/> and
        /// skipped, so it never stops the rest. Returns how many are marked.
        /// </summary>
        internal int MarkAll(IReadOnlyList<string>? paths, ulong mask, bool fileSystem, bool keepMountFd, string what, Pipeline.IEventWriter writer)
        {
            if (paths is not null)
            {
                foreach (string path in paths)
                {
                    Mark(path, mask, fileSystem, keepMountFd, what);
                }
            }
            else
            {
                foreach (LinuxMount mount in LinuxMounts.RealFileSystems())
                {
                    try
                    {
                        Mark(mount.MountPoint, mask, fileSystem, keepMountFd, what);
                    }
                    catch (BehaviorBlockingException ex) when (ex.ErrorId == ErrorIds.FanotifyUnavailable)
                    {
                        writer.Problem(new Replay.ReplayProblem(mount.MountPoint, 0, ex.ErrorId, ex.Message));
                    }
                }
            }

            return _marked.Count;
        }

        /// <summary>Waits up to <paramref name="milliseconds"/> for events: true when readable.</summary>
        internal bool Wait(int milliseconds)
        {
            int fd = _fd;
            return fd >= 0 && Libc.PollOne(fd, 0x1 /* POLLIN */, milliseconds, out short revents) > 0 && (revents & 0x1) != 0;
        }

        /// <summary>Reads what is queued (non-blocking group): the byte count, 0 when nothing is queued, -1 on another error (errno kept).</summary>
        internal int Read(byte[] buffer)
        {
            while (true)
            {
                long read = Libc.read(_fd, buffer, (UIntPtr)buffer.Length).ToInt64();
                if (read >= 0)
                {
                    return (int)read;
                }

                int errno = Libc.Errno();
                if (errno == EINTR)
                {
                    continue;
                }

                return errno == EAGAIN ? 0 : -1;
            }
        }

        /// <summary>Answers a permission event; false when the kernel refused the answer (already answered, group closed).</summary>
        internal bool Respond(int eventFd, uint response)
        {
            byte[] answer = new byte[8];
            BitConverter.GetBytes(eventFd).CopyTo(answer, 0);
            BitConverter.GetBytes(response).CopyTo(answer, 4);

            // Under the same lock as Dispose, so an answer is never written to a descriptor number closed and reused meanwhile.
            lock (_respondGate)
            {
                return _fd >= 0 && Libc.write(_fd, answer, (UIntPtr)8).ToInt64() == 8;
            }
        }

        /// <summary>
        /// The path of the directory named by a file handle, with the entry name appended; null when
        /// the filesystem was not marked by this group or the directory is gone.
        /// </summary>
        internal string? Resolve(in FanotifyName entry)
        {
            if (!_mountFds.TryGetValue(entry.FileSystemId, out int mountFd))
            {
                return null;
            }

            int dirFd = Libc.open_by_handle_at(mountFd, entry.Handle, Fanotify.OpenPath | Fanotify.OpenCloseOnExec);
            if (dirFd < 0)
            {
                return null;
            }

            string? directory;
            try
            {
                directory = ReadLink("/proc/self/fd/" + dirFd.ToString(CultureInfo.InvariantCulture));
            }
            finally
            {
                Libc.close(dirFd);
            }

            if (directory is null || directory.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                return null;
            }

            if (entry.Name.Length == 0 || entry.Name == ".")
            {
                return directory;
            }

            return directory == "/" ? "/" + entry.Name : directory + "/" + entry.Name;
        }

        /// <summary><c>readlink</c> as text, or null.</summary>
        internal string? ReadLink(string path)
        {
            long length = Libc.ReadLink(path, _link, _link.Length);
            return length <= 0 ? null : System.Text.Encoding.UTF8.GetString(_link, 0, (int)length);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            lock (_respondGate)
            {
                if (_fd >= 0)
                {
                    Libc.close(_fd);
                    _fd = -1;
                }
            }

            foreach (int mountFd in _mountFds.Values)
            {
                Libc.close(mountFd);
            }

            _mountFds.Clear();
        }
    }
}
