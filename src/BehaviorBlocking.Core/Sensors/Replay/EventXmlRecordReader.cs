using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// Reads Windows event XML as <c>wevtutil qe /f:xml</c> and <c>Get-WinEvent | ForEach-Object ToXml()</c>
    /// write it: a sequence of <c>&lt;Event&gt;</c> elements, with or without an enclosing root and
    /// newlines, in UTF-8 or UTF-16. Each element is parsed on its own, so one broken element costs only itself.
    /// </summary>
    /// <remarks>
    /// Each element is read with an <see cref="XmlReader"/> that prohibits DTDs and resolves nothing, so
    /// no external entity is fetched and no entity is expanded (only the five predefined ones and
    /// character references exist); elements nest at most <see cref="MaxDepth"/> deep. Bytes that are not
    /// valid in the input's encoding become U+FFFF, which XML forbids, so the element holding them is
    /// malformed. A System element or an EventData name given twice keeps its first value and is
    /// reported as <c>RecordDuplicateKey</c> (as in JSON Lines); repeated UserData leaves keep the first
    /// silently, since UserData is a tree flattened to its leaf names and repeats are ordinary there.
    /// </remarks>
    internal sealed class EventXmlRecordReader : IRecordReader
    {
        /// <summary>Deepest element nesting inside an event (the Event element is depth 0).</summary>
        public const int MaxDepth = 64;

        private const int BlockChars = 64 * 1024;
        private const string CloseTag = "</Event>";
        private static readonly string[] s_systemKeys = { "EventID", "Channel", "Provider", "Computer", "TimeCreated", "EventRecordID" };
        private static readonly XmlReaderSettings s_settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreWhitespace = true,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CheckCharacters = true,
            ConformanceLevel = ConformanceLevel.Document,
            MaxCharactersFromEntities = 1024,
            CloseInput = false,
        };

        private readonly TextReader _text;
        private readonly string _file;
        private readonly Action<ReplayProblem> _report;
        private readonly int _maxElementChars;
        private readonly CharSegmentReader _segment = new CharSegmentReader();
        private char[] _buffer = new char[BlockChars];
        private int _start;
        private int _end;
        private int _closeSearchFrom = -1;
        private long _line = 1;
        private bool _eof;
        private bool _skippingOversized;

        public EventXmlRecordReader(Stream stream, string file, Action<ReplayProblem> report, int maxRecordBytes, Encoding encoding)
        {
            _text = new StreamReader(stream, RecordText.ForEventXml(encoding), detectEncodingFromByteOrderMarks: false, bufferSize: BlockChars);
            _file = file;
            _report = report;
            _maxElementChars = maxRecordBytes;
        }

        public EventRecord? Next()
        {
            while (true)
            {
                if (_skippingOversized)
                {
                    int close = IndexOf(CloseTag, _start);
                    if (close >= 0)
                    {
                        Advance(close + CloseTag.Length);
                        _skippingOversized = false;
                        continue;
                    }

                    Advance(Math.Max(_start, _end - CloseTag.Length));
                }
                else
                {
                    int start = FindStartTag(_start);
                    if (start >= 0)
                    {
                        Advance(start);
                        int close = IndexOf(CloseTag, Math.Max(_closeSearchFrom, _start + 6));
                        if (close >= 0)
                        {
                            long line = _line;
                            int end = close + CloseTag.Length;
                            EventRecord? record = Parse(_start, end - _start, line, out string? error);
                            Advance(end);
                            _closeSearchFrom = -1;
                            if (record is not null)
                            {
                                return record;
                            }

                            _report(new ReplayProblem(_file, line, ReplayProblem.RecordMalformedErrorId, error!));
                            continue;
                        }

                        _closeSearchFrom = Math.Max(_start + 6, _end - CloseTag.Length);
                        if (_end - _start > _maxElementChars)
                        {
                            _report(new ReplayProblem(_file, _line, ReplayProblem.RecordTooLargeErrorId, "<Event> element is larger than the record size limit; skipped"));
                            _skippingOversized = true;
                            _closeSearchFrom = -1;
                            Advance(_end - CloseTag.Length);
                        }
                    }
                    else
                    {
                        // Nothing starts here: drop what was scanned, keeping a tail that may hold a split start tag.
                        Advance(Math.Max(_start, _end - 7));
                    }
                }

                if (_eof)
                {
                    if (!_skippingOversized && FindStartTag(_start) is int open && open >= 0)
                    {
                        Advance(open);
                        _report(new ReplayProblem(_file, _line, ReplayProblem.RecordMalformedErrorId, "<Event> element is not closed before the end of the input"));
                    }

                    return null;
                }

                if (!Fill())
                {
                    return null;
                }
            }
        }

        // Moves the scan position forward, counting the lines passed.
        private void Advance(int to)
        {
            for (int i = _start; i < to; i++)
            {
                if (_buffer[i] == '\n')
                {
                    _line++;
                }
            }

            _start = to;
        }

        private bool Fill()
        {
            int pending = _end - _start;
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, pending);
                if (_closeSearchFrom >= 0)
                {
                    _closeSearchFrom -= _start;
                }

                _start = 0;
                _end = pending;
            }

            if (_end + BlockChars > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + BlockChars));
            }

            int read;
            try
            {
                read = _text.Read(_buffer, _end, BlockChars);
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidDataException)
            {
                _eof = true;
                _report(new ReplayProblem(_file, _line, ReplayProblem.InputTruncatedErrorId,
                    "the input ends early or is corrupt (" + ex.Message + "); records before this line were kept"));
                return false;
            }

            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
            return true;
        }

        private int IndexOf(string value, int from)
        {
            if (from >= _end)
            {
                return -1;
            }

            int at = new ReadOnlySpan<char>(_buffer, from, _end - from).IndexOf(value.AsSpan(), StringComparison.Ordinal);
            return at < 0 ? -1 : from + at;
        }

        private int FindStartTag(int from)
        {
            while (true)
            {
                int at = IndexOf("<Event", from);
                if (at < 0 || at + 6 >= _end)
                {
                    return -1;
                }

                char next = _buffer[at + 6];
                if (next == '>' || next == ' ' || next == '\t' || next == '\r' || next == '\n' || next == '/')
                {
                    return at;
                }

                from = at + 6;
            }
        }

        private EventRecord? Parse(int start, int length, long line, out string? error)
        {
            var record = new Draft();
            try
            {
                _segment.Reset(_buffer, start, length);
                using (XmlReader reader = XmlReader.Create(_segment, s_settings))
                {
                    reader.MoveToContent();
                    ReadEvent(reader, ref record);
                }
            }
            catch (XmlException ex)
            {
                error = Array.IndexOf(_buffer, RecordText.XmlInvalidByteMarker, start, length) >= 0
                    ? "the <Event> element holds bytes that are not valid in the file's encoding"
                    : "invalid event XML: " + ex.Message;
                return null;
            }
            catch (RecordMalformedException ex)
            {
                error = ex.Message;
                return null;
            }

            if (record.EventId is null)
            {
                error = "the event has no System/EventID";
                return null;
            }

            if (record.Fields.Count == 0 && !string.IsNullOrEmpty(record.Message))
            {
                record.Fields.Add(new KeyValuePair<string, string>("Message", record.Message!));
            }

            if (record.Repeats > 0)
            {
                _report(new ReplayProblem(_file, line, ReplayProblem.RecordDuplicateKeyErrorId,
                    "'" + record.FirstRepeated + "' appears more than once" + (record.Repeats > 1 ? " (" + record.Repeats + " repeats)" : string.Empty)
                    + "; the first value of each was kept"));
            }

            error = null;
            return new EventRecord
            {
                EventId = record.EventId.Value,
                Channel = record.Channel ?? string.Empty,
                Provider = record.Provider ?? string.Empty,
                Computer = record.Computer ?? string.Empty,
                TimeCreated = record.Time,
                InvalidTimeCreated = record.InvalidTime,
                RecordId = record.RecordId,
                Fields = record.Fields,
                SourceFile = _file,
                SourceLine = line,
            };
        }

        private static void ReadEvent(XmlReader reader, ref Draft record)
        {
            if (reader.NodeType != XmlNodeType.Element || reader.IsEmptyElement)
            {
                return;
            }

            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement && !reader.EOF)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "System":
                        ReadChildren(reader, ref record, ReadSystemItem);
                        break;
                    case "EventData":
                        ReadChildren(reader, ref record, ReadEventDataItem);
                        break;
                    case "UserData":
                        ReadChildren(reader, ref record, ReadUserDataItem);
                        break;
                    case "RenderingInfo":
                        ReadChildren(reader, ref record, ReadRenderingItem);
                        break;
                    default:
                        SkipElement(reader);
                        break;
                }
            }
        }

        private delegate void ItemReader(XmlReader reader, ref Draft record);

        // Reader on a section's start tag: calls the item reader on each child element, ends after the section.
        private static void ReadChildren(XmlReader reader, ref Draft record, ItemReader item)
        {
            CheckDepth(reader);
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return;
            }

            int depth = reader.Depth;
            reader.Read();
            while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) && !reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    item(reader, ref record);
                }
                else
                {
                    reader.Read();
                }
            }

            reader.Read();
        }

        private static void ReadSystemItem(XmlReader reader, ref Draft record)
        {
            string name = reader.LocalName;
            switch (name)
            {
                case "Provider":
                    string? providerName = reader.GetAttribute("Name");
                    SkipElement(reader);
                    if (record.First(ref record.SeenProvider, name))
                    {
                        record.Provider = providerName ?? string.Empty;
                    }

                    return;
                case "TimeCreated":
                    string? systemTime = reader.GetAttribute("SystemTime");
                    SkipElement(reader);
                    if (record.First(ref record.SeenTime, name))
                    {
                        if (IsoTime.TryParse(systemTime, out DateTimeOffset t))
                        {
                            record.Time = t;
                        }
                        else
                        {
                            record.InvalidTime = systemTime;
                        }
                    }

                    return;
            }

            string value = ReadText(reader).Trim();
            switch (name)
            {
                case "EventID":
                    if (record.First(ref record.SeenEventId, name) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
                    {
                        record.EventId = id;
                    }

                    break;
                case "Channel":
                    if (record.First(ref record.SeenChannel, name))
                    {
                        record.Channel = value;
                    }

                    break;
                case "Computer":
                    if (record.First(ref record.SeenComputer, name))
                    {
                        record.Computer = value;
                    }

                    break;
                case "EventRecordID":
                    if (record.First(ref record.SeenRecordId, name) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long rid))
                    {
                        record.RecordId = rid;
                    }

                    break;
            }
        }

        private static void ReadEventDataItem(XmlReader reader, ref Draft record)
        {
            string local = reader.LocalName;
            if (local == "Data")
            {
                string? name = reader.GetAttribute("Name");
                string value = ReadText(reader);
                if (string.IsNullOrEmpty(name))
                {
                    name = "Data_" + (++record.Unnamed).ToString(CultureInfo.InvariantCulture);
                }

                if (!Add(record.Fields, name!, value, "EventData_"))
                {
                    record.Repeated(name!);
                }
            }
            else if (local == "Binary")
            {
                if (!Add(record.Fields, "Binary", ReadText(reader), "EventData_"))
                {
                    record.Repeated("Binary");
                }
            }
            else
            {
                SkipElement(reader);
            }
        }

        // Every leaf element below UserData becomes a field named after it, in document order.
        private static void ReadUserDataItem(XmlReader reader, ref Draft record)
        {
            CheckDepth(reader);
            string name = reader.LocalName;
            if (reader.IsEmptyElement)
            {
                reader.Read();
                Add(record.Fields, name, string.Empty, "UserData_");
                return;
            }

            int depth = reader.Depth;
            bool leaf = true;
            StringBuilder? text = null;
            string? single = null;
            reader.Read();
            while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) && !reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    leaf = false;
                    ReadUserDataItem(reader, ref record);
                    continue;
                }

                if (IsText(reader.NodeType))
                {
                    Append(ref single, ref text, reader.Value);
                }

                reader.Read();
            }

            reader.Read();
            if (leaf)
            {
                Add(record.Fields, name, text?.ToString() ?? single ?? string.Empty, "UserData_");
            }
        }

        private static void ReadRenderingItem(XmlReader reader, ref Draft record)
        {
            if (reader.LocalName == "Message" && record.Message is null)
            {
                record.Message = ReadText(reader);
            }
            else
            {
                SkipElement(reader);
            }
        }

        // Reader on a start tag: the text of the element and everything in it (as XElement.Value), ending after the element.
        private static string ReadText(XmlReader reader)
        {
            CheckDepth(reader);
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return string.Empty;
            }

            int depth = reader.Depth;
            StringBuilder? text = null;
            string? single = null;
            reader.Read();
            while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) && !reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    CheckDepth(reader);
                }
                else if (IsText(reader.NodeType))
                {
                    Append(ref single, ref text, reader.Value);
                }

                reader.Read();
            }

            reader.Read();
            return text?.ToString() ?? single ?? string.Empty;
        }

        private static void SkipElement(XmlReader reader)
        {
            CheckDepth(reader);
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return;
            }

            int depth = reader.Depth;
            reader.Read();
            while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) && !reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    CheckDepth(reader);
                }

                reader.Read();
            }

            reader.Read();
        }

        private static bool IsText(XmlNodeType type) => type == XmlNodeType.Text || type == XmlNodeType.CDATA || type == XmlNodeType.SignificantWhitespace;

        private static void Append(ref string? single, ref StringBuilder? text, string value)
        {
            if (text is not null)
            {
                text.Append(value);
            }
            else if (single is null)
            {
                single = value;
            }
            else
            {
                text = new StringBuilder(single).Append(value);
            }
        }

        private static void CheckDepth(XmlReader reader)
        {
            if (reader.Depth > MaxDepth)
            {
                throw new RecordMalformedException("the <Event> element nests deeper than " + MaxDepth + " levels");
            }
        }

        private static bool Add(List<KeyValuePair<string, string>> fields, string name, string value, string collisionPrefix)
        {
            // Same convention as the JSON Lines recordings: a data name that collides with a system key is prefixed.
            if (Array.IndexOf(s_systemKeys, name) >= 0)
            {
                name = collisionPrefix + name;
            }

            for (int i = 0; i < fields.Count; i++)
            {
                if (string.Equals(fields[i].Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }

            fields.Add(new KeyValuePair<string, string>(name, value));
            return true;
        }

        /// <summary>What one event's XML gave so far.</summary>
        private struct Draft
        {
            public int? EventId;
            public string? Channel;
            public string? Provider;
            public string? Computer;
            public DateTimeOffset? Time;
            public string? InvalidTime;
            public long? RecordId;
            public string? Message;
            public int Unnamed;
            public int Repeats;
            public string? FirstRepeated;
            public bool SeenEventId;
            public bool SeenChannel;
            public bool SeenProvider;
            public bool SeenComputer;
            public bool SeenTime;
            public bool SeenRecordId;
            private List<KeyValuePair<string, string>>? _fields;

            public List<KeyValuePair<string, string>> Fields => _fields ??= new List<KeyValuePair<string, string>>(24);

            // True the first time a System element is met; a repeat is counted and ignored.
            public bool First(ref bool seen, string name)
            {
                if (!seen)
                {
                    seen = true;
                    return true;
                }

                Repeated(name);
                return false;
            }

            public void Repeated(string name)
            {
                FirstRepeated ??= name;
                Repeats++;
            }
        }

        /// <summary>A <see cref="TextReader"/> over part of a char array, so each element is parsed without copying it into a string.</summary>
        private sealed class CharSegmentReader : TextReader
        {
            private char[] _chars = Array.Empty<char>();
            private int _position;
            private int _end;

            public void Reset(char[] chars, int start, int length)
            {
                _chars = chars;
                _position = start;
                _end = start + length;
            }

            public override int Peek() => _position < _end ? _chars[_position] : -1;

            public override int Read() => _position < _end ? _chars[_position++] : -1;

            public override int Read(char[] buffer, int index, int count)
            {
                int n = Math.Min(count, _end - _position);
                Array.Copy(_chars, _position, buffer, index, n);
                _position += n;
                return n;
            }
        }
    }
}
