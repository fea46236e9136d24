using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Policy
{
    /// <summary>An indicator feed was rejected: <see cref="File"/> and <see cref="Line"/> name the first bad entry.</summary>
    [Serializable]
    public sealed class IndicatorFeedException : BehaviorBlockingException
    {
        /// <summary>Creates the error.</summary>
        public IndicatorFeedException(string file, long line, string reason)
            : base(ErrorIds.IndicatorFeedInvalid, FailureKind.InvalidData,
                "The indicator feed '" + file + "' was rejected, nothing was imported: " + (line > 0 ? "line " + line.ToString(CultureInfo.InvariantCulture) + ": " : string.Empty) + reason + ".")
        {
            File = file;
            Line = line;
            Reason = reason;
            Target = file;
        }

        /// <summary>The feed file.</summary>
        public string File { get; }

        /// <summary>Line of the bad entry (1-based); 0 when the problem is the file as a whole.</summary>
        public long Line { get; }

        /// <summary>What is wrong.</summary>
        public string Reason { get; }
    }

    /// <summary>
    /// Reads an indicator feed strictly: JSON Lines (one object a line; blank lines allowed) or one JSON array
    /// of objects. Each object has exactly one of <c>sha256</c> or <c>path</c>, a <c>verdict</c>
    /// (<c>allow</c>|<c>block</c>), and optionally <c>expires</c> (ISO 8601 with a zone, in the future) and
    /// <c>comment</c>; any other key, a repeated key, a value of another type, an invalid value, the same
    /// artifact twice, more than <see cref="MaxEntries"/> entries or more than <see cref="MaxBytes"/> bytes
    /// rejects the whole feed, naming the line.
    /// </summary>
    public static class IndicatorFeed
    {
        /// <summary>Largest feed file: 16 MiB.</summary>
        public const long MaxBytes = 16L * 1024 * 1024;

        /// <summary>Most entries in one feed.</summary>
        public const int MaxEntries = 100_000;

        private static readonly JsonReaderOptions s_options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 3 };

        /// <summary>Reads the feed file at <paramref name="path"/>.</summary>
        /// <exception cref="IndicatorFeedException">The feed is rejected (also when it cannot be read).</exception>
        public static IReadOnlyList<IndicatorDraft> Read(string path, DateTimeOffset now)
        {
            byte[] content;
            try
            {
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
                {
                    if (stream.Length > MaxBytes)
                    {
                        throw new IndicatorFeedException(path, 0, "it has " + stream.Length.ToString(CultureInfo.InvariantCulture) + " bytes, more than the limit of " + MaxBytes.ToString(CultureInfo.InvariantCulture));
                    }

                    content = new byte[stream.Length];
                    int read = 0;
                    while (read < content.Length)
                    {
                        int n = stream.Read(content, read, content.Length - read);
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }

                    if (read != content.Length || stream.ReadByte() >= 0)
                    {
                        throw new IndicatorFeedException(path, 0, "it changed while it was read");
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new IndicatorFeedException(path, 0, "it cannot be read: " + ex.Message);
            }

            return Parse(content, path, now);
        }

        /// <summary>Parses feed bytes; <paramref name="file"/> names the feed in errors and in each indicator's creator (<c>feed:NAME</c>).</summary>
        /// <exception cref="IndicatorFeedException">The feed is rejected.</exception>
        public static IReadOnlyList<IndicatorDraft> Parse(byte[] content, string file, DateTimeOffset now)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            if (content.LongLength > MaxBytes)
            {
                throw new IndicatorFeedException(file, 0, "it has more than " + MaxBytes.ToString(CultureInfo.InvariantCulture) + " bytes");
            }

            int start = content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF ? 3 : 0;
            int first = start;
            while (first < content.Length && IsSpace(content[first]))
            {
                first++;
            }

            string createdBy = "feed:" + Path.GetFileName(file);
            if (createdBy.Length > IndicatorValues.MaxCreatedByLength)
            {
                createdBy = createdBy.Substring(0, IndicatorValues.MaxCreatedByLength);
            }

            var entries = new List<(IndicatorDraft Draft, long Line)>();
            if (first < content.Length && content[first] == (byte)'[')
            {
                ParseArray(content, start, file, now, createdBy, entries);
            }
            else
            {
                ParseLines(content, start, file, now, createdBy, entries);
            }

            if (entries.Count == 0)
            {
                throw new IndicatorFeedException(file, 0, "it holds no indicators");
            }

            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            var drafts = new List<IndicatorDraft>(entries.Count);
            foreach ((IndicatorDraft draft, long line) in entries)
            {
                string key = ((int)draft.Kind).ToString(CultureInfo.InvariantCulture) + ":" + IndicatorValues.MatchKey(draft.Kind, draft.Value);
                if (seen.TryGetValue(key, out long earlier))
                {
                    throw new IndicatorFeedException(file, line, "the same " + (draft.Kind == IndicatorKind.Sha256 ? "SHA-256" : "path") + " as line " + earlier.ToString(CultureInfo.InvariantCulture));
                }

                seen.Add(key, line);
                drafts.Add(draft);
            }

            return drafts;
        }

        private static void ParseLines(byte[] content, int start, string file, DateTimeOffset now, string createdBy, List<(IndicatorDraft, long)> entries)
        {
            long line = 0;
            int at = start;
            while (at <= content.Length)
            {
                int end = Array.IndexOf(content, (byte)'\n', at);
                if (end < 0)
                {
                    end = content.Length;
                }

                line++;
                int length = end - at;
                if (length > 0 && content[at + length - 1] == (byte)'\r')
                {
                    length--;
                }

                if (!IsBlank(content, at, length))
                {
                    var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(content, at, length), s_options);
                    try
                    {
                        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                        {
                            throw new IndicatorFeedException(file, line, "not a JSON object");
                        }

                        Add(entries, ParseEntry(ref reader, file, line, now, createdBy), line, file);
                        if (reader.Read())
                        {
                            throw new IndicatorFeedException(file, line, "text after the object (one object a line)");
                        }
                    }
                    catch (JsonException ex)
                    {
                        throw new IndicatorFeedException(file, line, "not valid JSON (" + FirstSentence(ex.Message) + ")");
                    }
                }

                at = end + 1;
            }
        }

        private static void ParseArray(byte[] content, int start, string file, DateTimeOffset now, string createdBy, List<(IndicatorDraft, long)> entries)
        {
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(content, start, content.Length - start), s_options);
            var newlines = new List<long>();
            for (int i = start; i < content.Length; i++)
            {
                if (content[i] == (byte)'\n')
                {
                    newlines.Add(i - start);
                }
            }

            long line = 1;
            try
            {
                reader.Read();
                while (true)
                {
                    if (!reader.Read())
                    {
                        throw new IndicatorFeedException(file, LineAt(newlines, reader.BytesConsumed), "the array is not closed");
                    }

                    line = LineAt(newlines, reader.TokenStartIndex);
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        break;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new IndicatorFeedException(file, line, "an array item is not an object");
                    }

                    Add(entries, ParseEntry(ref reader, file, line, now, createdBy), line, file);
                }

                if (reader.Read())
                {
                    throw new IndicatorFeedException(file, LineAt(newlines, reader.TokenStartIndex), "text after the array");
                }
            }
            catch (JsonException ex)
            {
                long at = ex.LineNumber.HasValue ? ex.LineNumber.Value + 1 : line;
                throw new IndicatorFeedException(file, at, "not valid JSON (" + FirstSentence(ex.Message) + ")");
            }
        }

        private static void Add(List<(IndicatorDraft, long)> entries, IndicatorDraft draft, long line, string file)
        {
            if (entries.Count >= MaxEntries)
            {
                throw new IndicatorFeedException(file, line, "more than " + MaxEntries.ToString(CultureInfo.InvariantCulture) + " entries");
            }

            entries.Add((draft, line));
        }

        // The reader is on the object's start; leaves it on the object's end.
        private static IndicatorDraft ParseEntry(ref Utf8JsonReader reader, string file, long line, DateTimeOffset now, string createdBy)
        {
            string? sha256 = null, path = null, verdict = null, expires = null, comment = null;
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = Text(ref reader, file, line, "a key");
                if (!keys.Add(name))
                {
                    throw new IndicatorFeedException(file, line, "the key '" + name + "' is repeated");
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new IndicatorFeedException(file, line, "'" + Shorten(name) + "' must be a string, not " + reader.TokenType.ToString().ToLowerInvariant());
                }

                string value = Text(ref reader, file, line, "'" + Shorten(name) + "'");
                switch (name)
                {
                    case "sha256": sha256 = value; break;
                    case "path": path = value; break;
                    case "verdict": verdict = value; break;
                    case "expires": expires = value; break;
                    case "comment": comment = value; break;
                    default:
                        throw new IndicatorFeedException(file, line, "unknown key '" + Shorten(name) + "' (sha256, path, verdict, expires, comment)");
                }
            }

            if ((sha256 is null) == (path is null))
            {
                throw new IndicatorFeedException(file, line, "an entry needs exactly one of 'sha256' and 'path'");
            }

            IndicatorVerdict parsedVerdict = verdict switch
            {
                "allow" => IndicatorVerdict.Allow,
                "block" => IndicatorVerdict.Block,
                null => throw new IndicatorFeedException(file, line, "'verdict' is missing (allow or block)"),
                _ => throw new IndicatorFeedException(file, line, "'verdict' is '" + Shorten(verdict) + "', not allow or block"),
            };

            DateTimeOffset? parsedExpires = null;
            if (expires is not null)
            {
                if (!DateTimeOffset.TryParseExact(expires, new[] { "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK" }, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out DateTimeOffset when)
                    || !(expires.EndsWith("Z", StringComparison.Ordinal) || expires.LastIndexOf('+') > 10 || expires.LastIndexOf('-') > 10))
                {
                    throw new IndicatorFeedException(file, line, "'expires' is '" + Shorten(expires) + "', not an ISO 8601 time with a zone (2027-01-31T00:00:00Z)");
                }

                parsedExpires = when;
            }

            IndicatorKind kind = sha256 is not null ? IndicatorKind.Sha256 : IndicatorKind.Path;
            var draft = new IndicatorDraft(kind, sha256 ?? path!, parsedVerdict, IndicatorSource.Feed)
            {
                Expires = parsedExpires,
                Comment = comment,
                CreatedBy = createdBy,
            };
            string? normalized = draft.Validate(now, out string? error);
            if (normalized is null)
            {
                throw new IndicatorFeedException(file, line, error!);
            }

            return new IndicatorDraft(kind, normalized, parsedVerdict, IndicatorSource.Feed)
            {
                Expires = parsedExpires,
                Comment = comment,
                CreatedBy = createdBy,
            };
        }

        private static string Text(ref Utf8JsonReader reader, string file, long line, string what)
        {
            try
            {
                return reader.GetString() ?? string.Empty;
            }
            catch (InvalidOperationException)
            {
                throw new IndicatorFeedException(file, line, what + " is not valid UTF-8 text");
            }
        }

        // 1 + the newlines before the offset.
        private static long LineAt(List<long> newlines, long offset)
        {
            int index = newlines.BinarySearch(offset);
            return 1 + (index >= 0 ? index : ~index);
        }

        private static bool IsBlank(byte[] content, int at, int length)
        {
            for (int i = at; i < at + length; i++)
            {
                if (!IsSpace(content[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsSpace(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';

        private static string FirstSentence(string message)
        {
            int end = message.IndexOf(". ", StringComparison.Ordinal);
            return end > 0 ? message.Substring(0, end) : message.TrimEnd('.');
        }

        private static string Shorten(string value) => value.Length <= 60 ? value : value.Substring(0, 57) + "...";
    }
}
