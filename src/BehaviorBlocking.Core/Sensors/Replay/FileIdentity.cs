using System;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;
using Microsoft.Win32.SafeHandles;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>What a path names once links are followed.</summary>
    internal enum FileKind
    {
        /// <summary>Nothing (or a broken link), or it cannot be examined.</summary>
        Unknown = 0,

        /// <summary>A regular file.</summary>
        Regular,

        /// <summary>A directory.</summary>
        Directory,

        /// <summary>A FIFO, socket or device: read only when named explicitly.</summary>
        Other,
    }

    /// <summary>Which file a path names: device and file number, the same however the file is reached (links, <c>..</c>, hard links).</summary>
    internal readonly struct FileId : IEquatable<FileId>
    {
        public FileId(ulong device, ulong node)
        {
            Device = device;
            Node = node;
        }

        public ulong Device { get; }

        public ulong Node { get; }

        public bool Equals(FileId other) => Device == other.Device && Node == other.Node;

        public override bool Equals(object? obj) => obj is FileId other && Equals(other);

        public override int GetHashCode() => unchecked((int)(Device * 31 + Node) ^ (int)(Node >> 32));
    }

    /// <summary>
    /// Identity of files and directories with links followed: <c>statx</c> on Linux, <c>stat</c> on
    /// macOS (arm64), the volume serial and file index on Windows. netstandard2.0 has no such API, so
    /// each platform's call is made here; where none applies it reports that identity is unavailable
    /// and the caller falls back to paths and does not follow links.
    /// </summary>
    internal static class FileIdentity
    {
        private static readonly Func<string, (bool Ok, FileId Id, FileKind Kind)>? s_get = Select();

        /// <summary>True when this platform gives file identities.</summary>
        public static bool Available => s_get is not null;

        /// <summary>The identity and kind of what <paramref name="path"/> names (links followed); false when it cannot be examined.</summary>
        public static bool TryGet(string path, out FileId id, out FileKind kind)
        {
            id = default;
            kind = FileKind.Unknown;
            if (s_get is null)
            {
                return false;
            }

            try
            {
                (bool ok, FileId found, FileKind foundKind) = s_get(path);
                id = found;
                kind = foundKind;
                return ok;
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
                return false;
            }
        }

        private static Func<string, (bool, FileId, FileKind)>? Select()
        {
            try
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    return Windows.Get;
                }

                if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                {
                    return Linux.Probe() ? Linux.Get : null;
                }

                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX) && RuntimeInformation.OSArchitecture == Architecture.Arm64)
                {
                    return MacOS.Probe() ? MacOS.Get : null;
                }
            }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
            {
            }

            return null;
        }

        private static FileKind KindFromMode(uint mode) => (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            _ => FileKind.Other,
        };

        private static class Linux
        {
            public static bool Probe() => Get("/").Item1;

            public static (bool, FileId, FileKind) Get(string path)
            {
                if (!Libc.Statx(Libc.AtFdCwd, path, 0, Libc.StatxType | Libc.StatxIno, out StatxFacts facts))
                {
                    return (false, default, FileKind.Unknown);
                }

                return (true, new FileId(facts.Device, facts.Inode), KindFromMode((uint)facts.RawMode));
            }
        }

        private static class MacOS
        {
            // struct stat (64-bit inodes, arm64): dev_t st_dev (int32) @0, mode_t st_mode (uint16) @4, ino_t st_ino (uint64) @8; 144 bytes.
            private const int StatSize = 144;

            public static bool Probe() => Get("/").Item1;

            public static (bool, FileId, FileKind) Get(string path)
            {
                byte[] buffer = new byte[StatSize];
                if (stat(path, buffer) != 0)
                {
                    return (false, default, FileKind.Unknown);
                }

                return (true, new FileId(BitConverter.ToUInt32(buffer, 0), BitConverter.ToUInt64(buffer, 8)), KindFromMode(BitConverter.ToUInt16(buffer, 4)));
            }

            [DllImport("libSystem.dylib", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
            private static extern int stat(string path, [Out] byte[] buf);
        }

        private static class Windows
        {
            private const uint FileShareAll = 0x7;
            private const uint OpenExisting = 3;
            private const uint FileFlagBackupSemantics = 0x02000000;
            private const uint FileAttributeDirectory = 0x10;

            public static (bool, FileId, FileKind) Get(string path)
            {
                // No access rights: enough to query identity; backup semantics opens directories; links are followed.
                using SafeFileHandle handle = CreateFileW(path, 0, FileShareAll, IntPtr.Zero, OpenExisting, FileFlagBackupSemantics, IntPtr.Zero);
                if (handle.IsInvalid)
                {
                    return (false, default, FileKind.Unknown);
                }

                // BY_HANDLE_FILE_INFORMATION: attributes @0, volume serial @28, index high @44, index low @48; 52 bytes.
                byte[] info = new byte[52];
                if (!GetFileInformationByHandle(handle, info))
                {
                    return (false, default, FileKind.Unknown);
                }

                uint attributes = BitConverter.ToUInt32(info, 0);
                ulong index = ((ulong)BitConverter.ToUInt32(info, 44) << 32) | BitConverter.ToUInt32(info, 48);
                return (true, new FileId(BitConverter.ToUInt32(info, 28), index), (attributes & FileAttributeDirectory) != 0 ? FileKind.Directory : FileKind.Regular);
            }

            [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            private static extern SafeFileHandle CreateFileW(string lpFileName, uint dwDesiredAccess, uint dwShareMode, IntPtr lpSecurityAttributes,
                uint dwCreationDisposition, uint dwFlagsAndAttributes, IntPtr hTemplateFile);

            [DllImport("kernel32.dll", SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [return: MarshalAs(UnmanagedType.Bool)]
            private static extern bool GetFileInformationByHandle(SafeFileHandle hFile, [Out] byte[] lpFileInformation);
        }
    }
}
