using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// Reads flat JSON Lines recordings: one Windows event per line, system keys
    /// (EventID, Channel, Provider, Computer, TimeCreated, EventRecordID) plus every EventData value.
    /// </summary>
    /// <remarks>
    /// A key repeated in one record (compared ignoring case, as field lookups compare) keeps its first
    /// value; the record is still read and the repeat is reported as <c>RecordDuplicateKey</c>. First
    /// wins because every recording writes the system keys first: text smuggled into a later value
    /// (a collector that does not escape quotes) cannot re-declare EventID, Channel or TimeCreated,
    /// nor any field written before it; and it matches the event XML reader and field lookup.
    /// </remarks>
    internal sealed class JsonLinesRecordReader : IRecordReader
    {
        private static readonly JsonReaderOptions s_options = new JsonReaderOptions { MaxDepth = 16 };
        private readonly Utf8LineReader _lines;
        private readonly string _file;
        private readonly Action<ReplayProblem> _report;
        private readonly Utf8StringCache _strings;
        private readonly RecordKeySet _keys = new RecordKeySet();
        private bool _done;

        public JsonLinesRecordReader(Stream stream, string file, Action<ReplayProblem> report, Utf8StringCache strings, int maxRecordBytes)
        {
            _lines = new Utf8LineReader(stream, maxLineBytes: maxRecordBytes);
            _file = file;
            _report = report;
            _strings = strings;
        }

        public EventRecord? Next()
        {
            while (!_done)
            {
                ArraySegment<byte> line;
                bool tooLong;
                try
                {
                    if (!_lines.TryReadLine(out line, out tooLong))
                    {
                        _done = true;
                        return null;
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is InvalidDataException)
                {
                    _done = true;
                    _report(new ReplayProblem(_file, _lines.LineNumber + 1, ReplayProblem.InputTruncatedErrorId,
                        "the input ends early or is corrupt (" + ex.Message + "); records before this line were kept"));
                    return null;
                }

                if (tooLong)
                {
                    _report(new ReplayProblem(_file, _lines.LineNumber, ReplayProblem.RecordTooLargeErrorId, "line is longer than the record size limit; skipped"));
                    continue;
                }

                if (IsBlank(line))
                {
                    continue;
                }

                EventRecord? record = Parse(line, _lines.LineNumber, out string? error);
                if (record is not null)
                {
                    return record;
                }

                _report(new ReplayProblem(_file, _lines.LineNumber, ReplayProblem.RecordMalformedErrorId, error!));
            }

            return null;
        }

        private static bool IsBlank(ArraySegment<byte> line)
        {
            for (int i = line.Offset; i < line.Offset + line.Count; i++)
            {
                byte b = line.Array![i];
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != 0xEF && b != 0xBB && b != 0xBF)
                {
                    return false;
                }
            }

            return true;
        }

        private EventRecord? Parse(ArraySegment<byte> segment, long lineNumber, out string? error)
        {
            ReadOnlySpan<byte> line = segment.AsSpan();
            if (line.Length >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF)
            {
                line = line.Slice(3);
            }

            try
            {
                var reader = new Utf8JsonReader(line, isFinalBlock: true, new JsonReaderState(s_options));
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    error = "a record must be a JSON object";
                    return null;
                }

                int? eventId = null;
                string channel = string.Empty, provider = string.Empty, computer = string.Empty;
                string? timeText = null;
                long? recordId = null;
                bool eventIdValid = true;
                var fields = new List<KeyValuePair<string, string>>(24);
                string? firstRepeated = null;
                int repeats = 0;
                _keys.Clear();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = _strings.Get(ref reader, out uint nameHash);
                    reader.Read();
                    if (!_keys.Add(name, nameHash))
                    {
                        // First wins (see the remarks on the class): the repeat is skipped, counted and reported.
                        firstRepeated ??= name;
                        repeats++;
                        reader.Skip();
                        continue;
                    }

                    switch (name)
                    {
                        case "EventID":
                            eventId = ReadInt(ref reader);
                            eventIdValid = eventId is not null || reader.TokenType == JsonTokenType.Null;
                            continue;
                        case "Channel":
                            channel = ReadShared(ref reader) ?? string.Empty;
                            continue;
                        case "Provider":
                            provider = ReadShared(ref reader) ?? string.Empty;
                            continue;
                        case "Computer":
                            computer = ReadShared(ref reader) ?? string.Empty;
                            continue;
                        case "TimeCreated":
                            timeText = ReadText(ref reader, line);
                            continue;
                        case "EventRecordID":
                            recordId = ReadLong(ref reader);
                            continue;
                    }

                    string? value = ReadText(ref reader, line);
                    if (value is not null)
                    {
                        fields.Add(new KeyValuePair<string, string>(name, value));
                    }
                }

                if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                {
                    error = "unexpected content after the record";
                    return null;
                }

                if (!eventIdValid)
                {
                    error = "EventID is not a whole number in the range of a 32-bit integer";
                    return null;
                }

                if (eventId is null)
                {
                    error = "the record has no EventID";
                    return null;
                }

                if (repeats > 0)
                {
                    _report(new ReplayProblem(_file, lineNumber, ReplayProblem.RecordDuplicateKeyErrorId,
                        "key '" + firstRepeated + "' appears more than once" + (repeats > 1 ? " (" + repeats + " repeated keys)" : string.Empty)
                        + "; the first value of each key was kept"));
                }

                error = null;
                bool timeValid = IsoTime.TryParse(timeText, out DateTimeOffset time);
                return new EventRecord
                {
                    EventId = eventId.Value,
                    Channel = channel,
                    Provider = provider,
                    Computer = computer,
                    TimeCreated = timeValid ? time : null,
                    InvalidTimeCreated = timeValid ? null : timeText,
                    RecordId = recordId,
                    Fields = fields,
                    SourceFile = _file,
                    SourceLine = lineNumber,
                };
            }
            catch (JsonException ex)
            {
                error = "invalid JSON: " + Trim(ex.Message);
                return null;
            }
            catch (RecordMalformedException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        private static string Trim(string message)
        {
            // The reader appends "LineNumber: 0 | BytePositionInLine: n."; only the position is useful here.
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            int position = message.IndexOf("BytePositionInLine:", StringComparison.Ordinal);
            if (cut > 0 && position > 0)
            {
                return message.Substring(0, cut) + " (byte " + message.Substring(position + 19).Trim().TrimEnd('.') + ")";
            }

            return message;
        }

        private string? ReadShared(ref Utf8JsonReader reader)
        {
            return reader.TokenType == JsonTokenType.String ? _strings.Get(ref reader) : reader.TokenType == JsonTokenType.Null ? null : Raw(ref reader);
        }

        private static int? ReadInt(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n))
            {
                return n;
            }

            if (reader.TokenType == JsonTokenType.String && int.TryParse(RecordText.JsonString(ref reader), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out n))
            {
                return n;
            }

            return null;
        }

        private static long? ReadLong(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long n))
            {
                return n;
            }

            if (reader.TokenType == JsonTokenType.String && long.TryParse(RecordText.JsonString(ref reader), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out n))
            {
                return n;
            }

            return null;
        }

        private static string? ReadText(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return RecordText.JsonString(ref reader);
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.True:
                    return "true";
                case JsonTokenType.False:
                    return "false";
                case JsonTokenType.Number:
                    return Raw(ref reader);
                default:
                    // Nested objects or arrays are kept as their JSON text.
                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    int end = (int)reader.BytesConsumed;
                    return RecordText.Utf8(line.Slice(start, end - start));
            }
        }

        // Number tokens: the reader has checked they are ASCII digits, signs, dots and exponents.
        private static string Raw(ref Utf8JsonReader reader) => Encoding.ASCII.GetString(reader.ValueSpan.ToArray());
    }
}
