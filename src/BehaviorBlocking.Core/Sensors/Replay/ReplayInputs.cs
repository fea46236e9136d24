using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>Format of a recorded input.</summary>
    public enum ReplayFormat
    {
        /// <summary>Decided from the content: <c>{</c> means JSON Lines, <c>&lt;</c> event XML.</summary>
        Detect = 0,

        /// <summary>Flat JSON Lines, one event per line.</summary>
        JsonLines,

        /// <summary>Windows event XML elements.</summary>
        EventXml,
    }

    /// <summary>Finds the recorded inputs behind the paths a user gave, and opens them.</summary>
    public static class ReplayInputs
    {
        private static readonly string[] s_jsonExtensions = { ".jsonl", ".ndjson" };
        private static readonly string[] s_xmlExtensions = { ".xml" };

        /// <summary>
        /// Expands files and directories (recursively, in ordinal path order) into input files. In a
        /// directory only <c>.jsonl</c>, <c>.ndjson</c> and <c>.xml</c> files (optionally <c>.gz</c>)
        /// are taken; a file named explicitly is read whatever its extension. Paths that do not exist
        /// are reported and skipped.
        /// </summary>
        public static IReadOnlyList<string> Expand(IEnumerable<string> paths, Action<ReplayProblem> report)
        {
            var files = new List<string>();
            foreach (string path in paths)
            {
                if (File.Exists(path))
                {
                    files.Add(path);
                }
                else if (Directory.Exists(path))
                {
                    var found = new List<string>();
                    try
                    {
                        foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
                        {
                            if (FormatFromName(file) != ReplayFormat.Detect)
                            {
                                found.Add(file);
                            }
                        }
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        report(new ReplayProblem(path, 0, ReplayProblem.InputUnreadableErrorId, "cannot list the directory: " + ex.Message));
                    }

                    found.Sort(StringComparer.Ordinal);
                    files.AddRange(found);
                }
                else
                {
                    report(new ReplayProblem(path, 0, ReplayProblem.InputNotFoundErrorId, "no such file or directory"));
                }
            }

            return files;
        }

        /// <summary>The format a file name implies (after a <c>.gz</c> suffix), or Detect.</summary>
        public static ReplayFormat FormatFromName(string path)
        {
            string name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path.Substring(0, path.Length - 3) : path;
            string extension = Path.GetExtension(name);
            if (Array.Exists(s_jsonExtensions, e => string.Equals(e, extension, StringComparison.OrdinalIgnoreCase)))
            {
                return ReplayFormat.JsonLines;
            }

            return Array.Exists(s_xmlExtensions, e => string.Equals(e, extension, StringComparison.OrdinalIgnoreCase))
                ? ReplayFormat.EventXml
                : ReplayFormat.Detect;
        }

        /// <summary>
        /// Opens one input for reading: decompresses gzip (recognised by its magic bytes, whatever the
        /// name) and picks the reader by name or, failing that, by the first non-blank character.
        /// </summary>
        internal static IRecordReader Open(Stream raw, string file, Action<ReplayProblem> report, Utf8StringCache strings, int maxRecordBytes)
        {
            Stream content = OpenContent(raw, file, out ReplayFormat format);
            return format == ReplayFormat.EventXml
                ? new EventXmlRecordReader(content, file, report, maxRecordBytes)
                : new JsonLinesRecordReader(content, file, report, strings, maxRecordBytes);
        }

        /// <summary>The decompressed content of an input and its format (by name, else by its first non-blank byte).</summary>
        internal static Stream OpenContent(Stream raw, string file, out ReplayFormat format)
        {
            var buffered = new BufferedStream(raw, 64 * 1024);
            Stream content = buffered;
            byte[] magic = new byte[2];
            int got = PeekBytes(buffered, magic);
            if (got == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
            {
                uint? expectedSize = raw.CanSeek ? ReadGzipTrailerSize(buffered) : null;
                content = new BufferedStream(new TrailerCheckedStream(new GZipStream(buffered, CompressionMode.Decompress), expectedSize), 64 * 1024);
            }

            format = FormatFromName(file);
            if (format == ReplayFormat.Detect)
            {
                var peekable = new PeekableStream(content);
                format = peekable.FirstNonBlank() == (byte)'<' ? ReplayFormat.EventXml : ReplayFormat.JsonLines;
                content = peekable;
            }

            return content;
        }

        /// <summary>The gzip trailer's ISIZE: the uncompressed length modulo 2^32 of the last member.</summary>
        private static uint? ReadGzipTrailerSize(BufferedStream stream)
        {
            long start = stream.Position;
            if (stream.Length - start < 18)
            {
                return null;
            }

            stream.Seek(-4, SeekOrigin.End);
            byte[] size = new byte[4];
            int got = 0;
            while (got < 4)
            {
                int n = stream.Read(size, got, 4 - got);
                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            stream.Seek(start, SeekOrigin.Begin);
            return got == 4 ? (uint)(size[0] | (size[1] << 8) | (size[2] << 16) | (size[3] << 24)) : null;
        }

        private static int PeekBytes(BufferedStream stream, byte[] into)
        {
            // BufferedStream over a seekable file: read then seek back.
            int got = 0;
            while (got < into.Length)
            {
                int n = stream.Read(into, got, into.Length - got);
                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            stream.Seek(-got, SeekOrigin.Current);
            return got;
        }

        /// <summary>A read-only, forward-only wrapper over another stream, which it owns.</summary>
        private abstract class ForwardOnlyStream : Stream
        {
            protected ForwardOnlyStream(Stream inner) => Inner = inner;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            protected Stream Inner { get; }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    Inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }

        /// <summary>
        /// Decompressed gzip content that fails at its end when the length does not match the trailer:
        /// the runtime's decompressor ends silently on a truncated file, which would pass a cut recording off as complete.
        /// </summary>
        private sealed class TrailerCheckedStream : ForwardOnlyStream
        {
            private readonly uint? _expectedSize;
            private long _length;

            public TrailerCheckedStream(Stream inner, uint? expectedSize)
                : base(inner)
            {
                _expectedSize = expectedSize;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = Inner.Read(buffer, offset, count);
                _length += n;
                if (n == 0 && count > 0 && _expectedSize.HasValue && (uint)_length != _expectedSize.Value)
                {
                    throw new InvalidDataException(
                        "the gzip data ends after " + _length + " bytes but its trailer records " + _expectedSize.Value + " (truncated or corrupt file)");
                }

                return n;
            }

        }

        /// <summary>A read-only stream that can look at its first bytes without consuming them.</summary>
        private sealed class PeekableStream : ForwardOnlyStream
        {
            private readonly byte[] _head = new byte[4096];
            private int _headLength;
            private int _headPosition;

            public PeekableStream(Stream inner)
                : base(inner)
            {
            }

            public byte FirstNonBlank()
            {
                _headLength = Inner.Read(_head, 0, _head.Length);
                for (int i = 0; i < _headLength; i++)
                {
                    byte b = _head[i];
                    if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n' && b != 0xEF && b != 0xBB && b != 0xBF)
                    {
                        return b;
                    }
                }

                return 0;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_headPosition < _headLength)
                {
                    int n = Math.Min(count, _headLength - _headPosition);
                    Buffer.BlockCopy(_head, _headPosition, buffer, offset, n);
                    _headPosition += n;
                    return n;
                }

                return Inner.Read(buffer, offset, count);
            }

        }
    }
}
