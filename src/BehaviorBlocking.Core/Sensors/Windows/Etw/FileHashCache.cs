using System;
using System.IO;
using System.Security.Cryptography;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// SHA-256 of executables by path, cached by path, length and last-write time (a rewritten file is
    /// hashed again), bounded. Files larger than <see cref="MaxBytes"/> and files that cannot be opened get
    /// no hash. Runs on the sensor's consumer thread, never in the ETW callback.
    /// </summary>
    internal sealed class FileHashCache
    {
        private readonly BoundedMap<string, Entry> _entries;

        public FileHashCache(int capacity = 8192, long maxBytes = 128L * 1024 * 1024)
        {
            _entries = new BoundedMap<string, Entry>(capacity);
            MaxBytes = maxBytes;
        }

        /// <summary>Largest file hashed.</summary>
        public long MaxBytes { get; }

        /// <summary>Files that could not be read.</summary>
        public long Failures { get; private set; }

        /// <summary>The SHA-256 (64 upper-case hex digits) of <paramref name="path"/>, or null.</summary>
        public string? Sha256(string path)
        {
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists || info.Length > MaxBytes)
                {
                    return null;
                }

                string key = path.ToUpperInvariant();
                if (_entries.TryGetValue(key, out Entry cached) && cached.Length == info.Length && cached.Modified == info.LastWriteTimeUtc.Ticks)
                {
                    return cached.Hash;
                }

                string hash;
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920))
                using (SHA256 sha = SHA256.Create())
                {
                    hash = HexText.Upper(sha.ComputeHash(stream));
                }

                _entries.Set(key, new Entry(info.Length, info.LastWriteTimeUtc.Ticks, hash));
                return hash;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                Failures++;
                return null;
            }
        }

        private readonly struct Entry
        {
            public Entry(long length, long modified, string hash)
            {
                Length = length;
                Modified = modified;
                Hash = hash;
            }

            public long Length { get; }

            public long Modified { get; }

            public string Hash { get; }
        }
    }
}
