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

        /// <summary>Returns the current string or property-name token, shared when it was seen before.</summary>
        public string Get(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxCachedBytes)
            {
                return reader.GetString()!;
            }

            ReadOnlySpan<byte> utf8 = reader.ValueSpan;
            uint hash = 2166136261;
            for (int i = 0; i < utf8.Length; i++)
            {
                hash = (hash ^ utf8[i]) * 16777619;
            }

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

            string value = reader.GetString()!;
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

        private struct Entry
        {
            public byte[]? Bytes;
            public uint Hash;
            public string? Value;
        }
    }
}
