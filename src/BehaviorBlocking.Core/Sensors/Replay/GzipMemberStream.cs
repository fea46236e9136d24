using System;
using System.IO;
using System.IO.Compression;
using System.IO.Hashing;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// The decompressed content of gzip data read forward only (files, pipes, standard input): every
    /// member in turn (<c>cat a.gz b.gz</c> is valid gzip), each checked as it ends. The runtime's
    /// decompressor ends silently on cut input and, on .NET Framework, stops after the first member, so the
    /// member framing is done here: the header is parsed, the body inflated by <see cref="DeflateStream"/>,
    /// and the trailer found and checked (size and CRC-32). A cut member (even inside its header or trailer), a size that does not match the
    /// trailer, or bytes after the last member that are not gzip throw <see cref="InvalidDataException"/>
    /// at that point, after everything before it was delivered.
    /// </summary>
    /// <remarks>
    /// The CRC-32 of each member is computed over the decompressed bytes as they are handed to the
    /// reader, in the reader's own buffer (no second pass, no copy), by <see cref="Crc32"/> (vectorized
    /// on .NET 8 and later). A member whose CRC differs from its trailer is well framed (its size matched
    /// and the input ends, or the next member starts, right after its trailer), so it is reported through
    /// the callback, with its number and offset, and reading goes on with the next member: its records
    /// were already delivered (and may be altered), and the members after it are intact as far as their
    /// own checks tell.
    /// </remarks>
    internal sealed class GzipMemberStream : ReplayInputs.ForwardOnlyStream
    {
        private readonly Input _input;
        private readonly Action<string> _corruptMember;
        private readonly Crc32 _crc = new Crc32();
        private DeflateStream? _body;
        private uint _memberSize;
        private long _memberStart;
        private long _bodyStart;
        private bool _ended;

        /// <summary>Reads <paramref name="compressed"/>; <paramref name="corruptMember"/> is told, in words, of each member whose CRC-32 does not match its trailer.</summary>
        public GzipMemberStream(Stream compressed, Action<string> corruptMember)
            : base(compressed)
        {
            _input = new Input(compressed);
            _corruptMember = corruptMember ?? throw new ArgumentNullException(nameof(corruptMember));
        }

        /// <summary>Members read completely so far.</summary>
        public int Members { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (!_ended && count > 0)
            {
                if (_body is null)
                {
                    _memberStart = _input.Offset;
                    ReadHeader();
                    _bodyStart = _input.Offset;
                    _body = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
                    _memberSize = 0;
                    _crc.Reset();
                }

                int n = _body.Read(buffer, offset, count);
                if (n > 0)
                {
                    _memberSize += (uint)n;
                    _crc.Append(new ReadOnlySpan<byte>(buffer, offset, n));
                    return n;
                }

                _body.Dispose();
                _body = null;
                EndMember();
            }

            return 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _body?.Dispose();
            }

            base.Dispose(disposing);
        }

        private void ReadHeader()
        {
            // RFC 1952: ID1 ID2 CM FLG MTIME(4) XFL OS, then the optional fields FLG announces.
            if (Next() != 0x1F || Next() != 0x8B)
            {
                throw Corrupt("a gzip member does not start with the gzip signature");
            }

            if (Next() != 8)
            {
                throw Corrupt("a gzip member uses a compression method other than deflate");
            }

            int flags = Next();
            if ((flags & 0xE0) != 0)
            {
                throw Corrupt("a gzip member header has reserved flags set");
            }

            for (int i = 0; i < 6; i++)
            {
                Next();
            }

            if ((flags & 0x04) != 0)
            {
                int extra = Next() | (Next() << 8);
                for (int i = 0; i < extra; i++)
                {
                    Next();
                }
            }

            if ((flags & 0x08) != 0)
            {
                while (Next() != 0)
                {
                }
            }

            if ((flags & 0x10) != 0)
            {
                while (Next() != 0)
                {
                }
            }

            if ((flags & 0x02) != 0)
            {
                Next();
                Next();
            }
        }

        private int Next()
        {
            int b = _input.ReadByte();
            if (b < 0)
            {
                throw Corrupt("the gzip data ends inside a member header (truncated file)");
            }

            return b;
        }

        private void EndMember()
        {
            // The deflate body ended at a byte the decompressor consumed: at most its bit buffer (8 bytes)
            // before the last slice it was given, and after the body's start. The trailer (CRC-32, ISIZE)
            // follows there, then the end of the input or the next member. A position whose size and CRC
            // both match is taken; failing that, the first whose size matches and that is followed by the
            // end or a member is the trailer of a member whose data was altered.
            long from = Math.Max(_bodyStart + 1, _input.LastSliceStart - 16);
            long to = _input.Offset;
            _input.Retain(from, to + 8 + 2);
            uint crc = _crc.GetCurrentHashAsUInt32();
            bool sizeMatched = false;
            long altered = -1;
            for (long q = from; q <= to && _input.Has(q, 8); q++)
            {
                if (_input.UInt32At(q + 4) != _memberSize)
                {
                    continue;
                }

                sizeMatched = true;
                if (!IsMemberEnd(q + 8))
                {
                    continue;
                }

                if (_input.UInt32At(q) == crc)
                {
                    Advance(q + 8);
                    return;
                }

                if (altered < 0)
                {
                    altered = q;
                }
            }

            if (altered >= 0)
            {
                uint stored = _input.UInt32At(altered);
                Advance(altered + 8);
                _corruptMember("gzip member " + Members + " (from byte " + _memberStart + ") fails its CRC-32 check (its trailer says "
                    + stored.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ", its decompressed data gives "
                    + crc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)
                    + "): its records were read and scanned but may be altered" + (_ended ? string.Empty : "; reading went on with the next member"));
                return;
            }

            throw Corrupt(sizeMatched
                ? "bytes after the end of gzip member " + (Members + 1) + " are not gzip data"
                : "the gzip data ends inside member " + (Members + 1) + ", or its size does not match its trailer (truncated or corrupt file)");
        }

        // True when the input ends at `after`, or the next member's signature starts there.
        private bool IsMemberEnd(long after) =>
            (!_input.Has(after, 1) && _input.AtEnd)
            || (_input.Has(after, 2) && _input.ByteAt(after) == 0x1F && _input.ByteAt(after + 1) == 0x8B);

        private void Advance(long after)
        {
            Members++;
            _input.Offset = after;
            _ended = !_input.Has(after, 1) && _input.AtEnd;
        }

        private static InvalidDataException Corrupt(string message) => new InvalidDataException(message);

        /// <summary>
        /// The compressed bytes, handed to the decompressor in slices from one buffer that keeps the most
        /// recent ones, so the reading position can be set back to the end of a member's trailer.
        /// Positions are offsets from the start of the input.
        /// </summary>
        private sealed class Input : ReplayInputs.ForwardOnlyStream
        {
            private const int Chunk = 64 * 1024;
            private const int Kept = 64;
            private byte[] _buffer = new byte[Kept + Chunk];
            private long _base;
            private int _next;
            private int _end;
            private bool _atEnd;

            public Input(Stream inner)
                : base(inner)
            {
            }

            /// <summary>Offset of the next byte to hand out; may be set back within what is kept.</summary>
            public long Offset
            {
                get => _base + _next;
                set => _next = checked((int)(value - _base));
            }

            /// <summary>Offset where the last slice given to a reader started.</summary>
            public long LastSliceStart { get; private set; }

            /// <summary>True when the inner stream has ended.</summary>
            public bool AtEnd => _atEnd;

            public bool Has(long offset, int count) => offset >= _base && offset + count <= _base + _end;

            public byte ByteAt(long offset) => _buffer[offset - _base];

            public uint UInt32At(long offset)
            {
                int i = (int)(offset - _base);
                return (uint)(_buffer[i] | (_buffer[i + 1] << 8) | (_buffer[i + 2] << 16) | (_buffer[i + 3] << 24));
            }

            public override int ReadByte()
            {
                if (_next == _end && !Fill())
                {
                    return -1;
                }

                return _buffer[_next++];
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_next == _end && !Fill())
                {
                    return 0;
                }

                int n = Math.Min(count, _end - _next);
                System.Buffer.BlockCopy(_buffer, _next, buffer, offset, n);
                LastSliceStart = _base + _next;
                _next += n;
                return n;
            }

            /// <summary>Keeps the bytes from <paramref name="from"/> on (as far as they are still kept) and reads until <paramref name="until"/> is buffered or the input ends.</summary>
            public void Retain(long from, long until)
            {
                int shift = (int)Math.Max(0, Math.Min(from - _base, _end));
                if (shift > 0)
                {
                    System.Buffer.BlockCopy(_buffer, shift, _buffer, 0, _end - shift);
                    _base += shift;
                    _end -= shift;
                    _next -= shift;
                }

                long need = until - _base;
                if (need > _buffer.Length)
                {
                    Array.Resize(ref _buffer, (int)need);
                }

                while (_end < need && !_atEnd)
                {
                    int n = Inner.Read(_buffer, _end, _buffer.Length - _end);
                    _atEnd = n == 0;
                    _end += n;
                }
            }

            private bool Fill()
            {
                if (_atEnd)
                {
                    return false;
                }

                // Keep the tail of what was handed out: a member may end inside it.
                int keep = Math.Min(Kept, _end);
                System.Buffer.BlockCopy(_buffer, _end - keep, _buffer, 0, keep);
                _base += _end - keep;
                _next = keep;
                _end = keep;
                int n = Inner.Read(_buffer, _end, _buffer.Length - _end);
                _atEnd = n == 0;
                _end += n;
                return n > 0;
            }
        }
    }
}
