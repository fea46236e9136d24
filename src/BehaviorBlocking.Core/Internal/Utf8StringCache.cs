using System;
using System.Text.Json;

namespace BehaviorBlocking.Internal
{
    /// <summary>
    /// Maps short UTF-8 JSON tokens that repeat on every record (field names, channel and host
    /// names) to one shared string, so parsing a record does not allocate them again.
    /// </summary>
    internal sealed class Utf8StringCache
    {
        private const int MaxCachedBytes = 128;
        private const int Probes = 4;
        private readonly Entry[] _entries;
        private readonly int _mask;

        public Utf8StringCache(int capacityPowerOfTwo = 4096)
        {
            _entries = new Entry[capacityPowerOfTwo];
            _mask = capacityPowerOfTwo - 1;
        }

        /// <summary>
        /// Returns the current string or property-name token, shared when it was seen before.
        /// Invalid UTF-8 or an unpaired surrogate escape throws <see cref="Sensors.Replay.RecordMalformedException"/>.
        /// </summary>
        public string Get(ref Utf8JsonReader reader) => Get(ref reader, out _);

        /// <summary>
        /// Like <see cref="Get(ref Utf8JsonReader)"/>, also giving a hash of ASCII text that ignores case
        /// (equal for names that compare equal ignoring case), for spotting repeated keys cheaply;
        /// 0 for text with non-ASCII characters, whose case rules a byte hash cannot follow.
        /// </summary>
        public string Get(ref Utf8JsonReader reader, out uint caseFoldedHash)
        {
            if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxCachedBytes)
            {
                string text = Sensors.Replay.RecordText.JsonString(ref reader);
                caseFoldedHash = CaseFoldedHash(text);
                return text;
            }

            ReadOnlySpan<byte> utf8 = reader.ValueSpan;
            uint hash = 2166136261;
            int any = 0;
            for (int i = 0; i < utf8.Length; i++)
            {
                // Setting 0x20 folds ASCII letters; other bytes only collide more, and entries compare exactly.
                any |= utf8[i];
                hash = (hash ^ (uint)(utf8[i] | 0x20)) * 16777619;
            }

            caseFoldedHash = any < 0x80 ? hash : 0;

            int slot = (int)hash & _mask;
            for (int probe = 0; probe < Probes; probe++)
            {
                ref Entry entry = ref _entries[(slot + probe) & _mask];
                if (entry.Bytes is null)
                {
                    break;
                }

                if (entry.Hash == hash && utf8.SequenceEqual(entry.Bytes))
                {
                    return entry.Value!;
                }
            }

            string value = Sensors.Replay.RecordText.JsonString(ref reader);
            ref Entry target = ref _entries[(slot + (int)(hash >> 28 & (Probes - 1))) & _mask];
            for (int probe = 0; probe < Probes; probe++)
            {
                ref Entry candidate = ref _entries[(slot + probe) & _mask];
                if (candidate.Bytes is null)
                {
                    target = ref candidate;
                    break;
                }
            }

            target.Bytes = utf8.ToArray();
            target.Hash = hash;
            target.Value = value;
            return value;
        }

        /// <summary>The hash <see cref="Get(ref Utf8JsonReader, out uint)"/> gives, computed over decoded text.</summary>
        public static uint CaseFoldedHash(string text)
        {
            uint hash = 2166136261;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c >= 0x80)
                {
                    return 0;
                }

                hash = (hash ^ (uint)(c | 0x20)) * 16777619;
            }

            return hash;
        }

        private struct Entry
        {
            public byte[]? Bytes;
            public uint Hash;
            public string? Value;
        }
    }
}
