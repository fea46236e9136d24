using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// Reads Windows event XML as <c>wevtutil qe /f:xml</c> and <c>Get-WinEvent | ForEach-Object ToXml()</c>
    /// write it: a sequence of <c>&lt;Event&gt;</c> elements, with or without an enclosing root and
    /// newlines. Each element is parsed on its own, so one broken element costs only itself.
    /// </summary>
    internal sealed class EventXmlRecordReader : IRecordReader
    {
        private const int BlockChars = 64 * 1024;
        private static readonly string[] s_systemKeys = { "EventID", "Channel", "Provider", "Computer", "TimeCreated", "EventRecordID" };
        private readonly TextReader _text;
        private readonly string _file;
        private readonly Action<ReplayProblem> _report;
        private readonly int _maxElementChars;
        private readonly char[] _block = new char[BlockChars];
        private string _pending = string.Empty;
        private int _position;
        private long _line = 1;
        private bool _eof;
        private bool _skippingOversized;

        public EventXmlRecordReader(Stream stream, string file, Action<ReplayProblem> report, int maxRecordBytes)
        {
            _text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: BlockChars);
            _file = file;
            _report = report;
            _maxElementChars = maxRecordBytes;
        }

        public EventRecord? Next()
        {
            while (true)
            {
                int start = FindStartTag(_pending, _position);
                if (start >= 0)
                {
                    int close = _pending.IndexOf("</Event>", start, StringComparison.Ordinal);
                    if (close >= 0)
                    {
                        int end = close + "</Event>".Length;
                        long line = _line + CountNewlines(_pending, _position, start);
                        string element = _pending.Substring(start, end - start);
                        _line = line + CountNewlines(_pending, start, end);
                        _position = end;
                        if (_skippingOversized)
                        {
                            _skippingOversized = false;
                            continue;
                        }

                        EventRecord? record = Parse(element, line, out string? error);
                        if (record is not null)
                        {
                            return record;
                        }

                        _report(new ReplayProblem(_file, line, ReplayProblem.RecordMalformedErrorId, error!));
                        continue;
                    }

                    if (_pending.Length - start > _maxElementChars)
                    {
                        long line = _line + CountNewlines(_pending, _position, start);
                        _report(new ReplayProblem(_file, line, ReplayProblem.RecordTooLargeErrorId, "<Event> element is larger than the record size limit; skipped"));
                        _line = line + CountNewlines(_pending, start, _pending.Length);
                        _pending = string.Empty;
                        _position = 0;
                        _skippingOversized = true;
                    }
                }
                else if (_pending.Length - _position > 16)
                {
                    // Nothing starts here: drop what was scanned, keeping a tail that may hold a split start tag.
                    int keep = _pending.Length - 16;
                    _line += CountNewlines(_pending, _position, keep);
                    _position = keep;
                }

                if (_eof)
                {
                    if (start >= 0 && !_skippingOversized)
                    {
                        long line = _line + CountNewlines(_pending, _position, start);
                        _report(new ReplayProblem(_file, line, ReplayProblem.RecordMalformedErrorId, "<Event> element is not closed before the end of the input"));
                    }

                    return null;
                }

                int read;
                try
                {
                    read = _text.Read(_block, 0, _block.Length);
                }
                catch (Exception ex) when (ex is IOException || ex is InvalidDataException)
                {
                    _eof = true;
                    _report(new ReplayProblem(_file, _line, ReplayProblem.InputTruncatedErrorId,
                        "the input ends early or is corrupt (" + ex.Message + "); records before this line were kept"));
                    return null;
                }

                if (read == 0)
                {
                    _eof = true;
                    continue;
                }

                _pending = _pending.Substring(_position) + new string(_block, 0, read);
                _position = 0;
            }
        }

        private static int FindStartTag(string text, int from)
        {
            while (true)
            {
                int at = text.IndexOf("<Event", from, StringComparison.Ordinal);
                if (at < 0 || at + 6 >= text.Length)
                {
                    return -1;
                }

                char next = text[at + 6];
                if (next == '>' || next == ' ' || next == '\t' || next == '\r' || next == '\n' || next == '/')
                {
                    return at;
                }

                from = at + 6;
            }
        }

        private static long CountNewlines(string text, int from, int to)
        {
            long count = 0;
            for (int i = from; i < to; i++)
            {
                if (text[i] == '\n')
                {
                    count++;
                }
            }

            return count;
        }

        private EventRecord? Parse(string element, long line, out string? error)
        {
            XElement root;
            try
            {
                root = XElement.Parse(element, LoadOptions.None);
            }
            catch (XmlException ex)
            {
                error = "invalid event XML: " + ex.Message;
                return null;
            }

            int? eventId = null;
            string channel = string.Empty, provider = string.Empty, computer = string.Empty;
            DateTimeOffset? time = null;
            long? recordId = null;
            var fields = new List<KeyValuePair<string, string>>(24);
            string? message = null;
            foreach (XElement section in root.Elements())
            {
                switch (section.Name.LocalName)
                {
                    case "System":
                        foreach (XElement item in section.Elements())
                        {
                            switch (item.Name.LocalName)
                            {
                                case "EventID":
                                    if (int.TryParse(item.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
                                    {
                                        eventId = id;
                                    }

                                    break;
                                case "Provider":
                                    provider = (string?)item.Attribute("Name") ?? string.Empty;
                                    break;
                                case "Channel":
                                    channel = item.Value.Trim();
                                    break;
                                case "Computer":
                                    computer = item.Value.Trim();
                                    break;
                                case "TimeCreated":
                                    if (IsoTime.TryParse((string?)item.Attribute("SystemTime"), out DateTimeOffset t))
                                    {
                                        time = t;
                                    }

                                    break;
                                case "EventRecordID":
                                    if (long.TryParse(item.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long rid))
                                    {
                                        recordId = rid;
                                    }

                                    break;
                            }
                        }

                        break;
                    case "EventData":
                        int unnamed = 0;
                        foreach (XElement data in section.Elements())
                        {
                            string local = data.Name.LocalName;
                            if (local == "Data")
                            {
                                string? name = (string?)data.Attribute("Name");
                                Add(fields, string.IsNullOrEmpty(name) ? "Data_" + (++unnamed).ToString(CultureInfo.InvariantCulture) : name!, data.Value, "EventData_");
                            }
                            else if (local == "Binary")
                            {
                                Add(fields, "Binary", data.Value, "EventData_");
                            }
                        }

                        break;
                    case "UserData":
                        foreach (XElement leaf in section.Descendants())
                        {
                            if (!leaf.HasElements)
                            {
                                Add(fields, leaf.Name.LocalName, leaf.Value, "UserData_");
                            }
                        }

                        break;
                    case "RenderingInfo":
                        message = section.Element(section.Name.Namespace + "Message")?.Value;
                        break;
                }
            }

            if (eventId is null)
            {
                error = "the event has no System/EventID";
                return null;
            }

            if (fields.Count == 0 && !string.IsNullOrEmpty(message))
            {
                fields.Add(new KeyValuePair<string, string>("Message", message!));
            }

            error = null;
            return new EventRecord
            {
                EventId = eventId.Value,
                Channel = channel,
                Provider = provider,
                Computer = computer,
                TimeCreated = time,
                RecordId = recordId,
                Fields = fields,
                SourceFile = _file,
                SourceLine = line,
            };
        }

        private static void Add(List<KeyValuePair<string, string>> fields, string name, string value, string collisionPrefix)
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
                    return;
                }
            }

            fields.Add(new KeyValuePair<string, string>(name, value));
        }
    }
}
