using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Response
{
    /// <summary>Settings of a <see cref="QuarantineVault"/>.</summary>
    public sealed class QuarantineOptions
    {
        /// <summary>Largest file the vault takes (default 512 MiB); a larger one is refused with <c>QuarantineFileTooLarge</c>.</summary>
        public long MaxFileBytes { get; init; } = QuarantineVault.DefaultMaxFileBytes;
    }

    /// <summary>
    /// The quarantine folder (<c>&lt;product folder&gt;/quarantine</c>, 0700 on Linux): one self-describing
    /// file <c>&lt;id&gt;.bbq</c> per entry (header, then the content under an AES-256-CTR key stream, see
    /// docs), which is the only record of the entry. At every moment of a quarantine or a restore either the
    /// original or the complete copy exists: the copy is written to a temporary name, synced and checked,
    /// renamed into place and the folder synced before the original is removed; leftovers of an interrupted
    /// run are resolved when the vault is opened (<see cref="Recovered"/>).
    /// </summary>
    /// <remarks>
    /// Thread-safe; processes sharing a folder take turns through an exclusive lock on its <c>.lock</c> file.
    /// Guard rails (<see cref="IGuardRails.RefuseFile"/>) are asked before a file is touched; symbolic links
    /// are never followed, and the original is removed only while its name still names the very file that
    /// was copied (same device and inode, checked relative to a pinned handle of its folder).
    /// </remarks>
    public sealed class QuarantineVault : IQuarantine
    {
        /// <summary>The folder's name inside the product folder.</summary>
        public const string FolderName = "quarantine";

        /// <summary>Default size limit: 512 MiB.</summary>
        public const long DefaultMaxFileBytes = 512L * 1024 * 1024;

        private const string TempSuffix = ".tmp";
        private const string RestoringSuffix = ".restoring";
        private const string LockName = ".lock";
        private static readonly TimeSpan s_lockWait = TimeSpan.FromSeconds(30);

        private readonly IVaultFileSystem _fs;
        private readonly IGuardRails? _guardRails;
        private readonly Func<DateTimeOffset> _clock;
        private readonly long _maxFileBytes;
        private readonly object _gate = new object();
        private readonly List<string> _recovered = new List<string>();

        /// <summary>Opens (creating when missing) the vault in <paramref name="folder"/> and resolves what an interrupted run left.</summary>
        /// <param name="folder">The quarantine folder.</param>
        /// <param name="guardRails">Asked before any file is quarantined or restored; null only where the caller checked already.</param>
        /// <param name="options">Limits; defaults when null.</param>
        public QuarantineVault(string folder, IGuardRails? guardRails, QuarantineOptions? options = null)
            : this(folder, guardRails, options, VaultFileSystem.Instance, null)
        {
        }

        internal QuarantineVault(string folder, IGuardRails? guardRails, QuarantineOptions? options, IVaultFileSystem fileSystem, Func<DateTimeOffset>? clock)
        {
            if (string.IsNullOrWhiteSpace(folder))
            {
                throw new ArgumentException("A quarantine folder is required.", nameof(folder));
            }

            Folder = Path.GetFullPath(folder);
            _guardRails = guardRails;
            _fs = fileSystem;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _maxFileBytes = (options ?? new QuarantineOptions()).MaxFileBytes;
            Guard(Folder, () =>
            {
                _fs.CreatePrivateDirectory(Folder);
                using (Lock())
                {
                    Recover();
                }
            });
        }

        /// <summary>The default folder: <c>quarantine</c> in <see cref="ProductHome.Resolve()"/>.</summary>
        public static string DefaultFolder => Path.Combine(ProductHome.Resolve(), FolderName);

        /// <summary>Full path of the quarantine folder.</summary>
        public string Folder { get; }

        /// <summary>What opening the vault did about an interrupted run (one sentence each), oldest first.</summary>
        public IReadOnlyList<string> Recovered
        {
            get
            {
                lock (_gate)
                {
                    return _recovered.ToArray();
                }
            }
        }

        /// <summary>Opens the vault in the product folder.</summary>
        public static QuarantineVault Open(IGuardRails? guardRails, QuarantineOptions? options = null) => new QuarantineVault(DefaultFolder, guardRails, options);

        /// <inheritdoc />
        public QuarantineEntry Add(string path, Guid? detectionId, string reason)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("A path to quarantine is required.", nameof(path));
            }

            string full = RealFolder(Path.GetFullPath(path));
            lock (_gate)
            {
                return Guard(full, () =>
                {
                    using (Lock())
                    {
                        return AddLocked(full, detectionId, reason);
                    }
                });
            }
        }

        /// <inheritdoc />
        public QuarantineEntry Restore(Guid id)
        {
            lock (_gate)
            {
                string entryPath = EntryPath(id);
                return Guard(entryPath, () =>
                {
                    using (Lock())
                    {
                        return RestoreLocked(id, entryPath);
                    }
                });
            }
        }

        /// <inheritdoc />
        /// <remarks>Reads every entry's header (not its content); an entry whose header cannot be read is listed as <see cref="QuarantineState.Broken"/> with the reason.</remarks>
        public IReadOnlyList<QuarantineEntry> List()
        {
            return Guard(Folder, () =>
            {
                var entries = new List<QuarantineEntry>();
                foreach (string name in _fs.List(Folder))
                {
                    if (!name.EndsWith(QuarantineFile.Extension, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    string file = Path.Combine(Folder, name);
                    entries.Add(ReadEntry(file, name));
                }

                entries.Sort((a, b) =>
                {
                    int byTime = a.QuarantinedAt.CompareTo(b.QuarantinedAt);
                    return byTime != 0 ? byTime : a.Id.CompareTo(b.Id);
                });
                return entries;
            });
        }

        /// <summary>The entry with this id, or null when there is none.</summary>
        public QuarantineEntry? Get(Guid id)
        {
            string file = EntryPath(id);
            return Guard(file, () => File.Exists(file) ? ReadEntry(file, Path.GetFileName(file)) : null);
        }

        private QuarantineEntry AddLocked(string full, Guid? detectionId, string reason)
        {
            string? refusal = _guardRails?.RefuseFile(full);
            if (refusal is not null)
            {
                throw Error(ErrorIds.QuarantineRefused, FailureKind.AccessDenied, "Refused to quarantine '" + full + "': " + refusal + ". The file was left in place.", full);
            }

            if (IsInside(full, Folder))
            {
                throw Error(ErrorIds.QuarantineRefused, FailureKind.AccessDenied, "Refused to quarantine '" + full + "': it is inside the quarantine folder '" + Folder + "'.", full);
            }

            Stream source;
            VaultFileFacts facts;
            try
            {
                source = _fs.OpenSource(full, out facts);
            }
            catch (VaultIOException ex) when (ex.NotFound || ex.Errno == 20)
            {
                throw Error(ErrorIds.QuarantineSourceNotFound, FailureKind.NotFound, "Cannot quarantine '" + full + "': it does not exist.", full, ex);
            }
            catch (VaultIOException ex) when (ex.IsLink)
            {
                throw NotRegular(full, "is a symbolic link; links are never followed (quarantine the file it points to by that file's own path)");
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw Error(ErrorIds.QuarantineSourceNotFound, FailureKind.NotFound, "Cannot quarantine '" + full + "': it does not exist.", full, ex);
            }

            using (source)
            {
                if (!facts.IsRegular)
                {
                    throw NotRegular(full, facts.IsSymbolicLink ? "is a symbolic link; links are never followed" : "is not a regular file (a directory, device, FIFO or socket)");
                }

                // Another name of the same file (a hard link to /etc/shadow, or the payload's second name)
                // is that file: the guard rails judged only this name, and removing it leaves the content in place.
                if (facts.Links > 1)
                {
                    throw Error(ErrorIds.QuarantineRefused, FailureKind.AccessDenied, "Refused to quarantine '" + full + "': it has "
                        + facts.Links.ToString(CultureInfo.InvariantCulture) + " hard links; the file would stay under its other names. The file was left in place.", full);
                }

                if (facts.Length > _maxFileBytes)
                {
                    throw Error(ErrorIds.QuarantineFileTooLarge, FailureKind.InvalidData,
                        "Cannot quarantine '" + full + "': it has " + facts.Length.ToString(CultureInfo.InvariantCulture) + " bytes, more than the limit of "
                        + _maxFileBytes.ToString(CultureInfo.InvariantCulture) + ". The file was left in place.", full);
                }

                byte[] buffer = new byte[QuarantineFile.ChunkBytes];
                (string sha256, long length) = HashStream(source, buffer);
                if (length != facts.Length)
                {
                    throw Changed(full, "its size changed while it was read");
                }

                source.Position = 0;
                VaultHeader header = NewHeader(full, sha256, facts, detectionId, reason);
                string final = EntryPath(header.Id);
                string temp = final + TempSuffix;
                bool renamed = false;
                try
                {
                    // Step 1: the copy under a temporary name, hashed again as it is written.
                    using (Stream output = _fs.CreateNew(temp))
                    {
                        byte[] head = QuarantineFile.Encode(header);
                        _fs.Write(output, head, head.Length);
                        using (SHA256 sha = SHA256.Create())
                        using (var ctr = new QuarantineFile.CtrTransform(header.Key, header.Counter))
                        {
                            long copied = 0;
                            int n;
                            while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
                            {
                                copied += n;
                                if (copied > header.Length)
                                {
                                    throw Changed(full, "it grew while it was copied");
                                }

                                sha.TransformBlock(buffer, 0, n, null, 0);
                                ctr.Apply(buffer, n);
                                _fs.Write(output, buffer, n);
                            }

                            sha.TransformFinalBlock(buffer, 0, 0);
                            if (copied != header.Length || QuarantineFile.Hex(sha.Hash!) != header.Sha256)
                            {
                                throw Changed(full, "its content changed while it was copied");
                            }
                        }

                        // Step 2: durable before it gets its final name.
                        _fs.Sync(output);
                    }

                    // Step 3: what was written reads back as the file that was examined.
                    try
                    {
                        CheckEntry(temp, header.Sha256, header.Length);
                    }
                    catch (InvalidDataException ex)
                    {
                        throw Error(ErrorIds.QuarantineUnavailable, FailureKind.Unavailable,
                            "Did not quarantine '" + full + "': the copy written to '" + temp + "' does not read back (" + ex.Message + "); the original was left in place.", full, ex);
                    }

                    // Step 4: the complete copy gets its final name, durably.
                    _fs.Replace(temp, final);
                    renamed = true;
                    _fs.SyncDirectory(Folder);
                }
                catch (Exception) when (!renamed)
                {
                    TryDelete(temp);
                    throw;
                }

                // Step 5: only now the original goes, and only while its name still names the file that was copied.
                if (!_fs.DeleteIfSame(full, facts))
                {
                    throw Changed(full, "the path names another file than the one copied (it was replaced or moved meanwhile); it was left in place, and entry "
                        + header.Id.ToString("D") + " holds the complete copy of the file that was examined");
                }

                _fs.SyncDirectory(Path.GetDirectoryName(full)!);
                return header.ToEntry(final);
            }
        }

        private QuarantineEntry RestoreLocked(Guid id, string entryPath)
        {
            if (!File.Exists(entryPath))
            {
                throw Error(ErrorIds.QuarantineEntryNotFound, FailureKind.NotFound, "No quarantine entry " + id.ToString("D") + " in '" + Folder + "'.", id.ToString("D"));
            }

            VaultHeader header = ReadHeader(entryPath, id);
            if (header.Restored)
            {
                throw Error(ErrorIds.QuarantineAlreadyRestored, FailureKind.InvalidData,
                    "Quarantine entry " + id.ToString("D") + " was already restored to '" + header.OriginalPath + "'.", id.ToString("D"));
            }

            string target = header.OriginalPath;
            string? refusal = _guardRails?.RefuseFile(target);
            if (refusal is not null)
            {
                throw Error(ErrorIds.QuarantineRefused, FailureKind.AccessDenied, "Refused to restore entry " + id.ToString("D") + " to '" + target + "': " + refusal + ".", target);
            }

            if (_fs.Examine(target) is not null)
            {
                throw TargetExists(id, target);
            }

            // The folder was recorded with its links resolved: if it resolves elsewhere now, a link was
            // planted on the way (/tmp/d swapped for a link to /etc/profile.d) and the file would land there.
            string folder = Path.GetDirectoryName(target)!;
            string realFolder = Path.GetDirectoryName(RealFolder(target))!;
            if (!string.Equals(realFolder, folder, StringComparison.Ordinal))
            {
                throw Error(ErrorIds.QuarantineRefused, FailureKind.AccessDenied, "Refused to restore entry " + id.ToString("D") + " to '" + target
                    + "': its folder '" + folder + "' now resolves to '" + realFolder + "' (a link on the way); nothing was written.", target);
            }

            if (!Directory.Exists(folder))
            {
                throw Error(ErrorIds.QuarantineUnavailable, FailureKind.Unavailable,
                    "Cannot restore entry " + id.ToString("D") + " to '" + target + "': its folder '" + folder + "' does not exist (it is not created on restore).", target);
            }

            // The whole content is checked before anything is written.
            try
            {
                CheckEntry(entryPath, header.Sha256, header.Length);
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(id, entryPath, ex.Message + "; nothing was written");
            }

            // A marker says a restore is under way, so a crash from here on is finished or undone on open.
            string marker = MarkerPath(id);
            using (Stream m = _fs.CreateNew(marker))
            {
                _fs.Sync(m);
            }

            _fs.SyncDirectory(Folder);
            string temp = RestoreTemp(header);
            bool placed = false;
            try
            {
                using (Stream output = _fs.CreateNew(temp))
                {
                    using (Stream input = _fs.OpenRead(entryPath))
                    {
                        QuarantineFile.Decode(input);
                        string written = CopyOut(input, output, header);
                        if (written != header.Sha256)
                        {
                            throw Corrupt(id, entryPath, "its content changed while it was restored; the partial file was removed");
                        }
                    }

                    _fs.SetOwnerAndMode(output, header.UserId, header.GroupId, header.Mode);
                    _fs.Sync(output);
                }

                if (!_fs.MoveNoReplace(temp, target))
                {
                    throw TargetExists(id, target);
                }

                placed = true;
                _fs.SyncDirectory(folder);
            }
            catch (Exception) when (!placed)
            {
                TryDelete(temp);
                TryDelete(marker);
                throw;
            }

            VaultHeader restored = MarkRestored(header, entryPath);
            _fs.Delete(marker);
            _fs.SyncDirectory(Folder);
            return restored.ToEntry(entryPath);
        }

        // Recovery, under the lock: every state an interrupted quarantine or restore can leave resolves to
        // "the original or the complete copy exists" and no leftovers (see docs, state machine).
        private void Recover()
        {
            IReadOnlyList<string> names = _fs.List(Folder);
            var restoring = new HashSet<Guid>();
            foreach (string name in names)
            {
                string file = Path.Combine(Folder, name);
                if (name.EndsWith(TempSuffix, StringComparison.Ordinal))
                {
                    _fs.Delete(file);
                    _recovered.Add("removed the unfinished file '" + name + "' of an interrupted run (the original was not touched before it was complete)");
                }
                else if (name.EndsWith(RestoringSuffix, StringComparison.Ordinal) && Guid.TryParseExact(name.Substring(0, name.Length - RestoringSuffix.Length), "D", out Guid id))
                {
                    restoring.Add(id);
                }
            }

            foreach (Guid id in restoring)
            {
                RecoverRestore(id);
            }

            foreach (string name in names)
            {
                if (!name.EndsWith(QuarantineFile.Extension, StringComparison.Ordinal)
                    || !Guid.TryParseExact(name.Substring(0, name.Length - QuarantineFile.Extension.Length), "D", out Guid id)
                    || restoring.Contains(id))
                {
                    continue;
                }

                RecoverQuarantine(Path.Combine(Folder, name), id);
            }

            if (_recovered.Count > 0)
            {
                _fs.SyncDirectory(Folder);
            }
        }

        // A complete entry whose original is still there (interrupted between rename and removal): finish,
        // but only when the original is provably the file copied (same device, inode, size and SHA-256)
        // and the copy checks out. Anything else at that path is another file: both are kept.
        private void RecoverQuarantine(string entryPath, Guid id)
        {
            VaultHeader header;
            try
            {
                header = ReadHeader(entryPath, id);
            }
            catch (BehaviorBlockingException)
            {
                return;
            }

            if (header.Restored)
            {
                return;
            }

            VaultFileFacts? facts = _fs.Examine(header.OriginalPath);
            if (facts is null || !facts.IsRegular || !facts.HasId || !facts.Id.Equals(new FileId(header.Device, header.Inode)) || facts.Length != header.Length)
            {
                return;
            }

            try
            {
                CheckEntry(entryPath, header.Sha256, header.Length);
            }
            catch (InvalidDataException)
            {
                return;
            }

            if (HashOf(header.OriginalPath) != header.Sha256)
            {
                return;
            }

            if (_fs.DeleteIfSame(header.OriginalPath, facts))
            {
                _fs.SyncDirectory(Path.GetDirectoryName(header.OriginalPath)!);
                _recovered.Add("finished the interrupted quarantine of '" + header.OriginalPath + "': removed the original, whose complete copy is entry " + id.ToString("D"));
            }
        }

        // A restore that was under way: finished when the restored file is in place with the right content,
        // otherwise undone (its temporary file removed); the entry keeps its content either way until marked.
        private void RecoverRestore(Guid id)
        {
            string entryPath = EntryPath(id);
            string marker = MarkerPath(id);
            VaultHeader? header = null;
            try
            {
                header = ReadHeader(entryPath, id);
            }
            catch (BehaviorBlockingException)
            {
            }

            if (header is not null && !header.Restored)
            {
                string temp = RestoreTemp(header);
                if (_fs.Examine(temp) is not null)
                {
                    _fs.Delete(temp);
                    _fs.SyncDirectory(Path.GetDirectoryName(temp)!);
                    _recovered.Add("removed the unfinished restore file '" + temp + "' of entry " + id.ToString("D") + " (the entry still holds the file)");
                }

                VaultFileFacts? facts = _fs.Examine(header.OriginalPath);
                if (facts is not null && facts.IsRegular && facts.Length == header.Length && HashOf(header.OriginalPath) == header.Sha256)
                {
                    MarkRestored(header, entryPath);
                    _recovered.Add("finished the interrupted restore of entry " + id.ToString("D") + " to '" + header.OriginalPath + "'");
                }
            }

            _fs.Delete(marker);
        }

        private VaultHeader MarkRestored(VaultHeader header, string entryPath)
        {
            header.Restored = true;
            header.RestoredAt = _clock().ToUniversalTime();
            string temp = entryPath + TempSuffix;
            TryDelete(temp);
            using (Stream output = _fs.CreateNew(temp))
            {
                byte[] head = QuarantineFile.Encode(header);
                _fs.Write(output, head, head.Length);
                _fs.Sync(output);
            }

            _fs.Replace(temp, entryPath);
            _fs.SyncDirectory(Folder);
            return header;
        }

        private string CopyOut(Stream input, Stream output, VaultHeader header)
        {
            byte[] buffer = new byte[QuarantineFile.ChunkBytes];
            using (SHA256 sha = SHA256.Create())
            using (var ctr = new QuarantineFile.CtrTransform(header.Key, header.Counter))
            {
                long left = header.Length;
                while (left > 0)
                {
                    int n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                    if (n == 0)
                    {
                        break;
                    }

                    left -= n;
                    ctr.Apply(buffer, n);
                    sha.TransformBlock(buffer, 0, n, null, 0);
                    _fs.Write(output, buffer, n);
                }

                sha.TransformFinalBlock(buffer, 0, 0);
                return left == 0 ? QuarantineFile.Hex(sha.Hash!) : string.Empty;
            }
        }

        // Decodes the content of an entry file and checks its length and SHA-256; InvalidDataException says what is wrong.
        private void CheckEntry(string entryPath, string sha256, long length)
        {
            using (Stream input = _fs.OpenRead(entryPath))
            {
                VaultHeader header = QuarantineFile.Decode(input);
                if (header.Sha256 != sha256 || header.Length != length)
                {
                    throw new InvalidDataException("its header names another file than expected");
                }

                byte[] buffer = new byte[QuarantineFile.ChunkBytes];
                using (SHA256 sha = SHA256.Create())
                using (var ctr = new QuarantineFile.CtrTransform(header.Key, header.Counter))
                {
                    long seen = 0;
                    int n;
                    while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        seen += n;
                        if (seen > length)
                        {
                            throw new InvalidDataException("its content is longer than the " + length.ToString(CultureInfo.InvariantCulture) + " bytes its header names");
                        }

                        ctr.Apply(buffer, n);
                        sha.TransformBlock(buffer, 0, n, null, 0);
                    }

                    sha.TransformFinalBlock(buffer, 0, 0);
                    if (seen != length)
                    {
                        throw new InvalidDataException("its content has " + seen.ToString(CultureInfo.InvariantCulture) + " bytes, not the " + length.ToString(CultureInfo.InvariantCulture) + " its header names");
                    }

                    string actual = QuarantineFile.Hex(sha.Hash!);
                    if (actual != sha256)
                    {
                        throw new InvalidDataException("its content has SHA-256 " + actual + ", not " + sha256);
                    }
                }
            }
        }

        private QuarantineEntry ReadEntry(string file, string name)
        {
            string idText = name.Substring(0, name.Length - QuarantineFile.Extension.Length);
            Guid.TryParseExact(idText, "D", out Guid id);
            try
            {
                return ReadHeader(file, id).ToEntry(file);
            }
            catch (BehaviorBlockingException ex)
            {
                DateTimeOffset written = File.GetLastWriteTimeUtc(file);
                return new QuarantineEntry(id, string.Empty, string.Empty, 0, written) { VaultFile = file, Problem = ex.Message };
            }
        }

        private VaultHeader ReadHeader(string entryPath, Guid id)
        {
            VaultHeader header;
            try
            {
                using (Stream input = _fs.OpenRead(entryPath))
                {
                    header = QuarantineFile.Decode(input);
                }
            }
            catch (InvalidDataException ex)
            {
                throw Corrupt(id, entryPath, ex.Message);
            }

            if (header.Id != id)
            {
                throw Corrupt(id, entryPath, "its header names entry " + header.Id.ToString("D"));
            }

            return header;
        }

        private VaultHeader NewHeader(string full, string sha256, VaultFileFacts facts, Guid? detectionId, string reason)
        {
            var header = new VaultHeader
            {
                Id = Guid.NewGuid(),
                OriginalPath = full,
                Sha256 = sha256,
                Length = facts.Length,
                Owner = facts.UserId.HasValue ? facts.UserId.Value.ToString(CultureInfo.InvariantCulture) : null,
                UserId = facts.UserId,
                GroupId = facts.GroupId,
                Mode = facts.Mode,
                Device = facts.Id.Device,
                Inode = facts.Id.Node,
                Links = facts.Links,
                Modified = facts.Modified,
                Accessed = facts.Accessed,
                Changed = facts.Changed,
                QuarantinedAt = _clock().ToUniversalTime(),
                DetectionId = detectionId,
                Reason = reason,
            };
            using (RandomNumberGenerator random = RandomNumberGenerator.Create())
            {
                random.GetBytes(header.Key);

                // Random upper half, zero lower half: the 64-bit block counter never wraps within a file.
                var nonce = new byte[8];
                random.GetBytes(nonce);
                Buffer.BlockCopy(nonce, 0, header.Counter, 0, 8);
            }

            return header;
        }

        private (string Sha256, long Length) HashStream(Stream stream, byte[] buffer)
        {
            using (SHA256 sha = SHA256.Create())
            {
                long total = 0;
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                    if (total > _maxFileBytes)
                    {
                        break;
                    }

                    sha.TransformBlock(buffer, 0, n, null, 0);
                }

                sha.TransformFinalBlock(buffer, 0, 0);
                return (QuarantineFile.Hex(sha.Hash!), total);
            }
        }

        private string HashOf(string path)
        {
            using (Stream stream = _fs.OpenSource(path, out VaultFileFacts facts))
            {
                return facts.IsRegular ? HashStream(stream, new byte[QuarantineFile.ChunkBytes]).Sha256 : string.Empty;
            }
        }

        private IDisposable Lock()
        {
            string path = Path.Combine(Folder, LockName);
            DateTime deadline = DateTime.UtcNow + s_lockWait;
            while (true)
            {
                try
                {
                    // FileShare.None takes an exclusive advisory lock (flock) on Unix.
                    return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
                }
                catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
                {
                    Thread.Sleep(20);
                }
            }
        }

        private void TryDelete(string path)
        {
            try
            {
                _fs.Delete(path);
            }
            catch (Exception)
            {
                // Best effort: a leftover temporary file is removed when the vault is next opened.
            }
        }

        private string EntryPath(Guid id) => Path.Combine(Folder, id.ToString("D") + QuarantineFile.Extension);

        private string MarkerPath(Guid id) => Path.Combine(Folder, id.ToString("D") + RestoringSuffix);

        /// <summary>On Linux, the path with the links of its folder resolved (the last part as written); elsewhere, or when the folder does not exist, the path itself.</summary>
        private static string RealFolder(string full)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return full;
            }

            string? folder = Path.GetDirectoryName(full);
            string name = Path.GetFileName(full);
            if (folder is null || name.Length == 0 || !(Linux.LinuxNative.CanonicalPath(folder) is string real))
            {
                return full;
            }

            return real == "/" ? "/" + name : real + "/" + name;
        }

        private static string RestoreTemp(VaultHeader header) =>
            Path.Combine(Path.GetDirectoryName(header.OriginalPath)!, "." + Path.GetFileName(header.OriginalPath) + "." + header.Id.ToString("N") + ".bbq-restore");

        private static bool IsInside(string path, string folder)
        {
            StringComparison comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            string prefix = folder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? folder : folder + Path.DirectorySeparatorChar;
            return path.StartsWith(prefix, comparison) || string.Equals(path, folder, comparison);
        }

        private T Guard<T>(string target, Func<T> action)
        {
            try
            {
                return action();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Error(ErrorIds.QuarantineUnavailable, FailureKind.Unavailable, "The quarantine in '" + Folder + "' failed on '" + target + "': " + ex.Message, target, ex);
            }
        }

        private void Guard(string target, Action action) => Guard(target, () =>
        {
            action();
            return 0;
        });

        private static BehaviorBlockingException Error(string id, FailureKind kind, string message, string target, Exception? inner = null) =>
            new BehaviorBlockingException(id, kind, message, inner) { Target = target };

        private static BehaviorBlockingException NotRegular(string full, string what) =>
            Error(ErrorIds.QuarantineSourceNotRegularFile, FailureKind.InvalidData, "Cannot quarantine '" + full + "': it " + what + ".", full);

        private static BehaviorBlockingException Changed(string full, string what) =>
            Error(ErrorIds.QuarantineSourceChanged, FailureKind.InvalidData, "Did not quarantine '" + full + "': " + what + ".", full);

        private static BehaviorBlockingException TargetExists(Guid id, string target) =>
            Error(ErrorIds.QuarantineRestoreTargetExists, FailureKind.InvalidData,
                "Cannot restore entry " + id.ToString("D") + ": '" + target + "' exists, and restore never overwrites; move it away and restore again.", target);

        private static BehaviorBlockingException Corrupt(Guid id, string entryPath, string what) =>
            Error(ErrorIds.QuarantineEntryCorrupt, FailureKind.InvalidData, "Quarantine entry " + id.ToString("D") + " ('" + entryPath + "') is corrupt: " + what + ".", entryPath);
    }
}
