using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Threading;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// SHA-256 of executables, cached by what identifies a file's content without reading it: device, inode,
    /// size and modification time (nanoseconds). A file rewritten in place gets a new mtime, so a cached hash
    /// is never served for changed content; a file replaced by rename is another inode. Thread-safe: the
    /// process sensor and the exec guard share one cache. Files larger than the limit are not hashed (null),
    /// so a huge binary can never stall a sensor; callers count that.
    /// </summary>
    public sealed class ExecutableHashCache
    {
        private const int ReadOnly = 0;
        private const int CloseOnExec = 0x80000;
        private const uint Mask = Libc.StatxType | Libc.StatxIno | 0x200 /* STATX_SIZE */ | 0x40 /* STATX_MTIME */;

        private readonly object _gate = new object();
        private readonly Dictionary<FileKey, string> _hashes;
        private readonly int _capacity;
        private long _hits;
        private long _misses;
        private long _tooLarge;
        private long _failures;

        /// <summary>Creates a cache of at most <paramref name="capacity"/> hashes that hashes files up to <paramref name="maxBytes"/>.</summary>
        public ExecutableHashCache(int capacity = 8192, long maxBytes = 128L * 1024 * 1024)
        {
            if (capacity < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(capacity));
            }

            _capacity = capacity;
            MaxBytes = maxBytes;
            _hashes = new Dictionary<FileKey, string>(Math.Min(capacity, 1024));
        }

        /// <summary>Largest file hashed.</summary>
        public long MaxBytes { get; }

        /// <summary>Lookups answered from the cache.</summary>
        public long Hits => Interlocked.Read(ref _hits);

        /// <summary>Lookups that read the file.</summary>
        public long Misses => Interlocked.Read(ref _misses);

        /// <summary>Files not hashed because they were larger than <see cref="MaxBytes"/>.</summary>
        public long TooLarge => Interlocked.Read(ref _tooLarge);

        /// <summary>Files that could not be opened, examined or read.</summary>
        public long Failures => Interlocked.Read(ref _failures);

        /// <summary>Hashes held.</summary>
        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _hashes.Count;
                }
            }
        }

        /// <summary>The SHA-256 (64 upper-case hex digits) of the regular file at <paramref name="path"/>, or null when it cannot be read or is too large.</summary>
        public string? Sha256OfPath(string path)
        {
            if (string.IsNullOrEmpty(path))
            {
                return null;
            }

            int fd = Libc.open(path, ReadOnly | CloseOnExec);
            if (fd < 0)
            {
                Interlocked.Increment(ref _failures);
                return null;
            }

            try
            {
                return Sha256OfDescriptor(fd);
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>
        /// The SHA-256 of the regular file open as <paramref name="fd"/> (a fanotify event's descriptor, which
        /// raises no events of its own). Reads from the current offset of a fresh descriptor; the caller keeps
        /// ownership of <paramref name="fd"/>.
        /// </summary>
        public string? Sha256OfDescriptor(int fd)
        {
            if (!Libc.Statx(fd, string.Empty, Libc.AtEmptyPath, Mask, out StatxFacts facts) || facts.TypeBits != 0x8000)
            {
                Interlocked.Increment(ref _failures);
                return null;
            }

            var key = new FileKey(facts.Device, facts.Inode, facts.Length, facts.Modified.UtcTicks);
            lock (_gate)
            {
                if (_hashes.TryGetValue(key, out string? cached))
                {
                    _hits++;
                    return cached;
                }
            }

            if ((long)facts.Length > MaxBytes)
            {
                Interlocked.Increment(ref _tooLarge);
                return null;
            }

            Interlocked.Increment(ref _misses);
            string? hash = Hash(fd);
            if (hash is null)
            {
                Interlocked.Increment(ref _failures);
                return null;
            }

            lock (_gate)
            {
                if (_hashes.Count >= _capacity)
                {
                    // Whole-cache reset: simple, bounded, and a refill costs one read per live executable.
                    _hashes.Clear();
                }

                _hashes[key] = hash;
            }

            return hash;
        }

        private static string? Hash(int fd)
        {
            byte[] buffer = new byte[64 * 1024];
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                while (true)
                {
                    long read = Libc.read(fd, buffer, (UIntPtr)buffer.Length).ToInt64();
                    if (read < 0)
                    {
                        if (Libc.Errno() == 4 /* EINTR */)
                        {
                            continue;
                        }

                        return null;
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    sha.AppendData(buffer, 0, (int)read);
                }

                return HexText.Upper(sha.GetHashAndReset());
            }
        }

        private readonly struct FileKey : IEquatable<FileKey>
        {
            private readonly ulong _device;
            private readonly ulong _inode;
            private readonly ulong _length;
            private readonly long _modified;

            public FileKey(ulong device, ulong inode, ulong length, long modified)
            {
                _device = device;
                _inode = inode;
                _length = length;
                _modified = modified;
            }

            public bool Equals(FileKey other) => _device == other._device && _inode == other._inode && _length == other._length && _modified == other._modified;

            public override bool Equals(object? obj) => obj is FileKey other && Equals(other);

            public override int GetHashCode() => unchecked((int)(_inode * 31 + _device) ^ (int)_length ^ (int)_modified);
        }
    }
}
