using System;
using System.IO;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// Splits a byte stream into lines without decoding them, reusing one buffer, so memory stays
    /// constant whatever the file size. A line longer than the cap is skipped and flagged.
    /// </summary>
    internal sealed class Utf8LineReader
    {
        private readonly Stream _stream;
        private readonly int _maxLineBytes;
        private byte[] _buffer;
        private int _start;
        private int _end;
        private bool _eof;

        public Utf8LineReader(Stream stream, int initialBufferBytes = 64 * 1024, int maxLineBytes = 16 * 1024 * 1024)
        {
            _stream = stream;
            _maxLineBytes = maxLineBytes;
            _buffer = new byte[Math.Min(initialBufferBytes, maxLineBytes)];
        }

        /// <summary>Number of the line last returned (1-based).</summary>
        public long LineNumber { get; private set; }

        /// <summary>
        /// Reads the next line (without CR/LF). The segment is valid until the next call.
        /// <paramref name="tooLong"/> is true when the line exceeded the cap; its content is then empty.
        /// Stream errors (truncated or corrupt compressed input) propagate.
        /// </summary>
        public bool TryReadLine(out ArraySegment<byte> line, out bool tooLong)
        {
            tooLong = false;
            int searchFrom = _start;
            while (true)
            {
                int newline = _end > searchFrom ? Array.IndexOf(_buffer, (byte)'\n', searchFrom, _end - searchFrom) : -1;
                if (newline >= 0)
                {
                    LineNumber++;
                    if (tooLong)
                    {
                        line = default;
                        _start = newline + 1;
                        return true;
                    }

                    int length = newline - _start;
                    if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                    {
                        length--;
                    }

                    line = new ArraySegment<byte>(_buffer, _start, length);
                    _start = newline + 1;
                    return true;
                }

                if (_eof)
                {
                    if (_end > _start || tooLong)
                    {
                        LineNumber++;
                        line = tooLong ? default : new ArraySegment<byte>(_buffer, _start, _end - _start);
                        _start = _end;
                        return true;
                    }

                    line = default;
                    return false;
                }

                // No newline in what is buffered: make room, then read more.
                int pending = _end - _start;
                if (tooLong)
                {
                    _start = 0;
                    _end = 0;
                    pending = 0;
                }
                else if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
                    _start = 0;
                    _end = pending;
                }

                if (_end == _buffer.Length)
                {
                    if (_buffer.Length >= _maxLineBytes)
                    {
                        tooLong = true;
                        _start = 0;
                        _end = 0;
                        pending = 0;
                    }
                    else
                    {
                        Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _maxLineBytes));
                    }
                }

                searchFrom = _start + pending;
                int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                {
                    _eof = true;
                }
                else
                {
                    _end += read;
                }
            }
        }
    }
}
