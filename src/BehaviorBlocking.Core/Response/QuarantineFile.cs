using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Response
{
    /// <summary>The header of one quarantine entry: everything needed to list, check and restore it.</summary>
    internal sealed class VaultHeader
    {
        public Guid Id { get; set; }

        public bool Restored { get; set; }

        public DateTimeOffset? RestoredAt { get; set; }

        public string OriginalPath { get; set; } = string.Empty;

        public string Sha256 { get; set; } = string.Empty;

        public long Length { get; set; }

        public string? Owner { get; set; }

        public long? UserId { get; set; }

        public long? GroupId { get; set; }

        public int? Mode { get; set; }

        public ulong Device { get; set; }

        public ulong Inode { get; set; }

        public long Links { get; set; }

        public DateTimeOffset? Modified { get; set; }

        public DateTimeOffset? Accessed { get; set; }

        public DateTimeOffset? Changed { get; set; }

        public DateTimeOffset QuarantinedAt { get; set; }

        public Guid? DetectionId { get; set; }

        public string? Reason { get; set; }

        public byte[] Key { get; set; } = new byte[QuarantineFile.KeyBytes];

        public byte[] Counter { get; set; } = new byte[16];

        public QuarantineEntry ToEntry(string vaultFile) => new QuarantineEntry(Id, OriginalPath, Sha256, Length, QuarantinedAt)
        {
            Owner = Owner,
            UserId = UserId,
            GroupId = GroupId,
            Mode = Mode,
            DetectionId = DetectionId,
            Reason = Reason,
            RestoredAt = Restored ? RestoredAt ?? QuarantinedAt : (DateTimeOffset?)null,
            Modified = Modified,
            VaultFile = vaultFile,
        };
    }

    /// <summary>
    /// The entry file format (<c>&lt;id&gt;.bbq</c>), version 1:
    /// magic <c>BBQVAULT</c> (8 bytes), format version (uint16 LE), reserved (uint16, 0), header length
    /// (uint32 LE, at most 64 KiB), the header as UTF-8 JSON, the SHA-256 of everything before it (32 bytes),
    /// then the content: the original bytes XORed with an AES-256-CTR key stream whose random key and
    /// initial counter are in the header. A restored entry keeps its header with <c>state: restored</c>
    /// and no content.
    /// </summary>
    /// <remarks>
    /// The transform is not secrecy (the key is beside the data): it makes the stored bytes look random,
    /// so no signature scanner, loader or interpreter recognises anything of the original (a keyed stream,
    /// unlike a fixed-byte XOR, leaves no pattern of the original's structure either), and the file cannot
    /// run. AES is in netstandard2.0 and uses the CPU's AES instructions.
    /// </remarks>
    internal static class QuarantineFile
    {
        public const int FormatVersion = 1;
        public const int KeyBytes = 32;
        public const int MaxHeaderBytes = 64 * 1024;
        public const int ChunkBytes = 64 * 1024;
        public const string Extension = ".bbq";
        public const string Cipher = "AES-256-CTR";
        private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("BBQVAULT");

        /// <summary>The header bytes (magic to header checksum) of <paramref name="header"/>.</summary>
        public static byte[] Encode(VaultHeader header)
        {
            byte[] json = Json(header);
            var buffer = new byte[16 + json.Length + 32];
            Buffer.BlockCopy(s_magic, 0, buffer, 0, 8);
            buffer[8] = FormatVersion & 0xFF;
            buffer[9] = 0;
            WriteUInt32(buffer, 12, (uint)json.Length);
            Buffer.BlockCopy(json, 0, buffer, 16, json.Length);
            using (SHA256 sha = SHA256.Create())
            {
                byte[] check = sha.ComputeHash(buffer, 0, 16 + json.Length);
                Buffer.BlockCopy(check, 0, buffer, 16 + json.Length, 32);
            }

            return buffer;
        }

        /// <summary>Reads and checks the header; the stream is left at the content. Throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
        public static VaultHeader Decode(Stream stream)
        {
            var prefix = new byte[16];
            ReadExactly(stream, prefix, 16, "the header prefix");
            for (int i = 0; i < 8; i++)
            {
                if (prefix[i] != s_magic[i])
                {
                    throw new InvalidDataException("it does not start with the quarantine magic 'BBQVAULT'");
                }
            }

            int version = prefix[8] | (prefix[9] << 8);
            if (version != FormatVersion)
            {
                throw new InvalidDataException("it has format version " + version.ToString(CultureInfo.InvariantCulture) + "; this version reads " + FormatVersion.ToString(CultureInfo.InvariantCulture));
            }

            uint length = BitConverter.ToUInt32(prefix, 12);
            if (length == 0 || length > MaxHeaderBytes)
            {
                throw new InvalidDataException("its header length " + length.ToString(CultureInfo.InvariantCulture) + " is outside 1 to " + MaxHeaderBytes.ToString(CultureInfo.InvariantCulture));
            }

            var all = new byte[16 + length + 32];
            Buffer.BlockCopy(prefix, 0, all, 0, 16);
            ReadExactly(stream, all, (int)length + 32, "the header", 16);
            using (SHA256 sha = SHA256.Create())
            {
                byte[] check = sha.ComputeHash(all, 0, 16 + (int)length);
                for (int i = 0; i < 32; i++)
                {
                    if (check[i] != all[16 + length + i])
                    {
                        throw new InvalidDataException("its header checksum does not match (the header was changed or damaged)");
                    }
                }
            }

            try
            {
                return Parse(new ReadOnlyMemory<byte>(all, 16, (int)length));
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException || ex is OverflowException)
            {
                throw new InvalidDataException("its header is not a valid entry header: " + ex.Message);
            }
        }

        /// <summary>AES-256-CTR key stream XOR, applied in order over the content.</summary>
        internal sealed class CtrTransform : IDisposable
        {
            private readonly Aes _aes;
            private readonly ICryptoTransform _ecb;
            private readonly byte[] _counter;
            private byte[] _blocks = new byte[ChunkBytes];
            private byte[] _stream = new byte[ChunkBytes];

            public CtrTransform(byte[] key, byte[] initialCounter)
            {
                _aes = Aes.Create();
                _aes.Mode = CipherMode.ECB;
                _aes.Padding = PaddingMode.None;
                _aes.Key = key;
                _ecb = _aes.CreateEncryptor();
                _counter = (byte[])initialCounter.Clone();
            }

            /// <summary>XORs the next <paramref name="count"/> bytes of the key stream into <paramref name="buffer"/>.</summary>
            public void Apply(byte[] buffer, int count)
            {
                int blocks = (count + 15) / 16;
                if (_blocks.Length < blocks * 16)
                {
                    _blocks = new byte[blocks * 16];
                    _stream = new byte[blocks * 16];
                }

                for (int b = 0; b < blocks; b++)
                {
                    Buffer.BlockCopy(_counter, 0, _blocks, b * 16, 16);
                    Increment(_counter);
                }

                _ecb.TransformBlock(_blocks, 0, blocks * 16, _stream, 0);
                for (int i = 0; i < count; i++)
                {
                    buffer[i] ^= _stream[i];
                }
            }

            public void Dispose()
            {
                _ecb.Dispose();
                _aes.Dispose();
            }

            private static void Increment(byte[] counter)
            {
                for (int i = 15; i >= 0; i--)
                {
                    if (++counter[i] != 0)
                    {
                        break;
                    }
                }
            }
        }

        public static string Hex(byte[] hash) => HexText.Upper(hash);

        private static byte[] Json(VaultHeader h)
        {
            using (var memory = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(memory))
                {
                    w.WriteStartObject();
                    w.WriteNumber("format", FormatVersion);
                    w.WriteString("id", h.Id.ToString("D"));
                    w.WriteString("state", h.Restored ? "restored" : "held");
                    Time(w, "restoredAt", h.RestoredAt);
                    w.WriteString("originalPath", h.OriginalPath);
                    w.WriteString("sha256", h.Sha256);
                    w.WriteNumber("length", h.Length);
                    w.WriteBoolean("contentKept", !h.Restored);
                    if (h.Owner is null) { w.WriteNull("owner"); } else { w.WriteString("owner", h.Owner); }
                    Number(w, "uid", h.UserId);
                    Number(w, "gid", h.GroupId);
                    Number(w, "mode", h.Mode);
                    w.WriteNumber("device", h.Device);
                    w.WriteNumber("inode", h.Inode);
                    w.WriteNumber("links", h.Links);
                    Time(w, "modified", h.Modified);
                    Time(w, "accessed", h.Accessed);
                    Time(w, "changed", h.Changed);
                    Time(w, "quarantinedAt", h.QuarantinedAt);
                    if (h.DetectionId is null) { w.WriteNull("detectionId"); } else { w.WriteString("detectionId", h.DetectionId.Value.ToString("D")); }
                    if (h.Reason is null) { w.WriteNull("reason"); } else { w.WriteString("reason", h.Reason); }
                    w.WriteString("cipher", Cipher);
                    w.WriteString("key", Convert.ToBase64String(h.Key));
                    w.WriteString("counter", Convert.ToBase64String(h.Counter));
                    w.WriteEndObject();
                }

                return memory.ToArray();
            }
        }

        private static VaultHeader Parse(ReadOnlyMemory<byte> json)
        {
            using (JsonDocument document = JsonDocument.Parse(json))
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("not an object");
                }

                if (Required(root, "format").GetInt32() != FormatVersion || Required(root, "cipher").GetString() != Cipher)
                {
                    throw new FormatException("format or cipher is not " + FormatVersion.ToString(CultureInfo.InvariantCulture) + " / " + Cipher);
                }

                string state = Required(root, "state").GetString() ?? string.Empty;
                if (state != "held" && state != "restored")
                {
                    throw new FormatException("state '" + state + "' is neither held nor restored");
                }

                var header = new VaultHeader
                {
                    Id = Guid.ParseExact(Required(root, "id").GetString() ?? string.Empty, "D"),
                    Restored = state == "restored",
                    RestoredAt = OptionalTime(root, "restoredAt"),
                    OriginalPath = Required(root, "originalPath").GetString() ?? throw new FormatException("originalPath is null"),
                    Sha256 = Required(root, "sha256").GetString() ?? throw new FormatException("sha256 is null"),
                    Length = Required(root, "length").GetInt64(),
                    Owner = OptionalString(root, "owner"),
                    UserId = OptionalLong(root, "uid"),
                    GroupId = OptionalLong(root, "gid"),
                    Mode = (int?)OptionalLong(root, "mode"),
                    Device = Required(root, "device").GetUInt64(),
                    Inode = Required(root, "inode").GetUInt64(),
                    Links = Required(root, "links").GetInt64(),
                    Modified = OptionalTime(root, "modified"),
                    Accessed = OptionalTime(root, "accessed"),
                    Changed = OptionalTime(root, "changed"),
                    QuarantinedAt = OptionalTime(root, "quarantinedAt") ?? throw new FormatException("quarantinedAt is null"),
                    DetectionId = OptionalString(root, "detectionId") is string d ? Guid.ParseExact(d, "D") : (Guid?)null,
                    Reason = OptionalString(root, "reason"),
                    Key = Convert.FromBase64String(Required(root, "key").GetString() ?? string.Empty),
                    Counter = Convert.FromBase64String(Required(root, "counter").GetString() ?? string.Empty),
                };
                if (header.Key.Length != KeyBytes || header.Counter.Length != 16 || header.Length < 0 || header.Sha256.Length != 64 || header.OriginalPath.Length == 0)
                {
                    throw new FormatException("key, counter, length, sha256 or originalPath is out of range");
                }

                return header;
            }
        }

        private static JsonElement Required(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement value) ? value : throw new FormatException("'" + name + "' is missing");

        private static string? OptionalString(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v.GetString() : null;

        private static long? OptionalLong(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v.GetInt64() : (long?)null;

        private static DateTimeOffset? OptionalTime(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null
                ? DateTimeOffset.Parse(v.GetString() ?? string.Empty, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
                : (DateTimeOffset?)null;

        private static void Number(Utf8JsonWriter w, string name, long? value)
        {
            if (value.HasValue) { w.WriteNumber(name, value.Value); } else { w.WriteNull(name); }
        }

        private static void Time(Utf8JsonWriter w, string name, DateTimeOffset? value)
        {
            if (value.HasValue) { w.WriteString(name, value.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)); } else { w.WriteNull(name); }
        }

        private static void WriteUInt32(byte[] buffer, int offset, uint value)
        {
            buffer[offset] = (byte)value;
            buffer[offset + 1] = (byte)(value >> 8);
            buffer[offset + 2] = (byte)(value >> 16);
            buffer[offset + 3] = (byte)(value >> 24);
        }

        private static void ReadExactly(Stream stream, byte[] buffer, int count, string what, int offset = 0)
        {
            int read = 0;
            while (read < count)
            {
                int n = stream.Read(buffer, offset + read, count - read);
                if (n == 0)
                {
                    throw new InvalidDataException("it ends inside " + what);
                }

                read += n;
            }
        }
    }
}
