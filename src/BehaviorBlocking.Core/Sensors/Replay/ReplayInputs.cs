using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
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
        /// <summary>The path that means standard input (a file named <c>-</c> is <c>./-</c>).</summary>
        public const string StandardInput = "-";

        /// <summary>Directories deeper than this below a named directory are not entered (a guard where links cannot be identified).</summary>
        public const int MaxDirectoryDepth = 64;

        private static readonly string[] s_jsonExtensions = { ".jsonl", ".ndjson" };
        private static readonly string[] s_xmlExtensions = { ".xml" };

        /// <summary>
        /// Expands files and directories (recursively, in ordinal path order) into input files. In a
        /// directory only regular <c>.jsonl</c>, <c>.ndjson</c> and <c>.xml</c> files (optionally <c>.gz</c>)
        /// are taken; a file named explicitly is read whatever its extension or type (a FIFO, a device,
        /// <c>-</c> for standard input). Links are followed, but each real directory is walked once and
        /// each real file read once, however often it is reached (a link loop, <c>ln -s . self</c>, the same
        /// file named twice or both directly and through a link). Paths that do not exist are reported and skipped.
        /// </summary>
        public static IReadOnlyList<string> Expand(IEnumerable<string> paths, Action<ReplayProblem> report)
        {
            if (paths is null)
            {
                throw new ArgumentNullException(nameof(paths));
            }

            var files = new List<string>();
            var seenFiles = new HashSet<FileId>();
            var seenPaths = new HashSet<string>(StringComparer.Ordinal);
            var seenDirectories = new HashSet<FileId>();
            bool standardInput = false;
            foreach (string path in paths)
            {
                if (path == StandardInput)
                {
                    if (!standardInput)
                    {
                        standardInput = true;
                        files.Add(path);
                    }

                    continue;
                }

                if (File.Exists(path) && !(FileIdentity.Available && !FileIdentity.TryGet(path, out _, out _) && IsBrokenLink(path)))
                {
                    if (FirstTime(path, seenFiles, seenPaths))
                    {
                        files.Add(path);
                    }
                }
                else if (Directory.Exists(path))
                {
                    var found = new List<string>();
                    Walk(path, 0, found, seenFiles, seenPaths, seenDirectories, report);
                    found.Sort(StringComparer.Ordinal);
                    files.AddRange(found);
                }
                else
                {
                    report(new ReplayProblem(path, 0, ReplayProblem.InputNotFoundErrorId, IsBrokenLink(path) ? "a symbolic link to nothing" : "no such file or directory"));
                }
            }

            return files;
        }

        private static void Walk(string directory, int depth, List<string> found, HashSet<FileId> seenFiles, HashSet<string> seenPaths,
            HashSet<FileId> seenDirectories, Action<ReplayProblem> report)
        {
            if (FileIdentity.TryGet(directory, out FileId id, out _))
            {
                if (!seenDirectories.Add(id))
                {
                    // A link loop, or a second way into a directory already walked.
                    return;
                }
            }
            else if (!seenPaths.Add(Path.GetFullPath(directory) + Path.DirectorySeparatorChar))
            {
                return;
            }

            if (depth > MaxDirectoryDepth)
            {
                report(new ReplayProblem(directory, 0, ReplayProblem.InputUnreadableErrorId,
                    "directory is nested deeper than " + MaxDirectoryDepth + " levels below the named one; not entered"));
                return;
            }

            var entries = new List<FileSystemInfo>();
            try
            {
                entries.AddRange(new DirectoryInfo(directory).EnumerateFileSystemInfos());
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                report(new ReplayProblem(directory, 0, ReplayProblem.InputUnreadableErrorId, "cannot list the directory: " + ex.Message));
                return;
            }

            entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (FileSystemInfo entry in entries)
            {
                string path = Path.Combine(directory, entry.Name);
                bool isLink = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
                if (entry is DirectoryInfo)
                {
                    // Without file identities a link could lead back up: such links are not followed.
                    if (!isLink || FileIdentity.Available)
                    {
                        Walk(path, depth + 1, found, seenFiles, seenPaths, seenDirectories, report);
                    }

                    continue;
                }

                if (FormatFromName(path) == ReplayFormat.Detect)
                {
                    continue;
                }

                if (FileIdentity.TryGet(path, out _, out FileKind kind) && kind != FileKind.Regular)
                {
                    // A FIFO or device below a directory could block the scan forever; name it to read it.
                    continue;
                }

                if (FirstTime(path, seenFiles, seenPaths))
                {
                    found.Add(path);
                }
            }
        }

        // True the first time a file is met; by identity where the platform gives one, else by full path.
        private static bool FirstTime(string path, HashSet<FileId> seenFiles, HashSet<string> seenPaths) =>
            FileIdentity.TryGet(path, out FileId id, out _) ? seenFiles.Add(id) : seenPaths.Add(Path.GetFullPath(path));

        private static bool IsBrokenLink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return false;
            }
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
        /// name) and picks the reader by name or, failing that, by the content. Reads forward only, so
        /// pipes, FIFOs and standard input work like files.
        /// </summary>
        internal static IRecordReader Open(Stream raw, string file, Action<ReplayProblem> report, Utf8StringCache strings, int maxRecordBytes)
        {
            Stream content = OpenContent(raw, file, report, out ReplayFormat format);
            if (format != ReplayFormat.EventXml)
            {
                return new JsonLinesRecordReader(content, file, report, strings, maxRecordBytes);
            }

            PeekableStream peekable = content as PeekableStream ?? new PeekableStream(content);
            return new EventXmlRecordReader(peekable, file, report, maxRecordBytes, EncodingFromByteOrderMark(peekable));
        }

        /// <summary>
        /// The decompressed content of an input and its format (by name, else by content: a UTF-16 byte
        /// order mark or <c>&lt;</c> as the first non-blank byte means event XML, anything else JSON Lines).
        /// A gzip member whose CRC-32 does not match its trailer is reported as <c>InputCorrupt</c> and
        /// reading goes on; other gzip damage throws <see cref="InvalidDataException"/> from a read.
        /// </summary>
        internal static Stream OpenContent(Stream raw, string file, Action<ReplayProblem> report, out ReplayFormat format)
        {
            PeekableStream input = raw as PeekableStream ?? new PeekableStream(raw);
            Stream content = input;
            if (input.Peek(2) == 2 && input.Head[0] == 0x1F && input.Head[1] == 0x8B)
            {
                content = new GzipMemberStream(input, message => report(new ReplayProblem(file, 0, ReplayProblem.InputCorruptErrorId, message)));
            }

            format = file == StandardInput ? ReplayFormat.Detect : FormatFromName(file);
            if (format == ReplayFormat.Detect)
            {
                var peekable = content as PeekableStream ?? new PeekableStream(content);
                format = peekable.LooksLikeXml() ? ReplayFormat.EventXml : ReplayFormat.JsonLines;
                content = peekable;
            }

            return content;
        }

        private static Encoding EncodingFromByteOrderMark(PeekableStream content)
        {
            int got = content.Peek(2);
            byte[] head = content.Head;
            if (got == 2 && head[0] == 0xFF && head[1] == 0xFE)
            {
                return Encoding.Unicode;
            }

            return got == 2 && head[0] == 0xFE && head[1] == 0xFF ? Encoding.BigEndianUnicode : Encoding.UTF8;
        }

        /// <summary>A read-only, forward-only wrapper over another stream, which it owns.</summary>
        internal abstract class ForwardOnlyStream : Stream
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
        /// A stream that can look at its first bytes without consuming them and without seeking (a pipe
        /// delivers them in pieces, so it reads until it has them), and counts the bytes read through it.
        /// </summary>
        internal sealed class PeekableStream : ForwardOnlyStream
        {
            private const int MaxPeek = 4096;
            private readonly byte[] _head = new byte[MaxPeek];
            private int _headLength;
            private int _headPosition;
            private bool _headEnded;

            public PeekableStream(Stream inner)
                : base(inner)
            {
            }

            /// <summary>The bytes peeked so far (the first <see cref="Peek"/> result of them are valid).</summary>
            public byte[] Head => _head;

            /// <summary>Bytes read from the inner stream.</summary>
            public long BytesRead { get; private set; }

            /// <summary>Makes the first <paramref name="count"/> bytes (at most 4096) available in <see cref="Head"/>; returns how many there are.</summary>
            public int Peek(int count)
            {
                count = Math.Min(count, MaxPeek);
                while (_headLength < count && !_headEnded && _headPosition == 0)
                {
                    int n = Inner.Read(_head, _headLength, MaxPeek - _headLength);
                    if (n == 0)
                    {
                        _headEnded = true;
                    }

                    _headLength += n;
                    BytesRead += n;
                }

                return Math.Min(count, _headLength);
            }

            /// <summary>True when the content is event XML: a UTF-16 byte order mark, or <c>&lt;</c> as the first byte after blanks (and a UTF-8 BOM).</summary>
            public bool LooksLikeXml()
            {
                if (Peek(2) == 2 && ((_head[0] == 0xFF && _head[1] == 0xFE) || (_head[0] == 0xFE && _head[1] == 0xFF)))
                {
                    return true;
                }

                for (int i = 0; i < MaxPeek && Peek(i + 1) > i; i++)
                {
                    byte b = _head[i];
                    if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n' && b != 0xEF && b != 0xBB && b != 0xBF)
                    {
                        return b == (byte)'<';
                    }
                }

                return false;
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

                int read = Inner.Read(buffer, offset, count);
                BytesRead += read;
                return read;
            }
        }
    }
}
