using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// Reads a policy document with <see cref="Utf8JsonReader"/>, strictly: unknown keys, duplicate
    /// keys, wrong types, bad enum values, thresholds outside 0–1, bad patterns and hashes are each an
    /// error with the line, column and JSON path of the value. Comments are allowed; trailing commas
    /// are not. It goes on after an error in a value, so one run names every problem (up to
    /// <see cref="MaxErrors"/>); a syntax error ends it.
    /// </summary>
    internal sealed class PolicyParser
    {
        /// <summary>Most errors reported for one document.</summary>
        public const int MaxErrors = 50;

        private const int MaxKeyLength = 512;
        private const int MaxVersionLength = 200;
        private const int MaxJustificationLength = 2000;

        private static readonly string[] s_topKeys = { "schemaVersion", "version", "mode", "defaults", "tactics", "rules", "detections", "exclusions" };
        private static readonly string[] s_settingKeys = { "threshold", "action", "quarantine", "blockHash", "remediate" };
        private static readonly string[] s_exclusionKeys = { "image", "sha256", "signer", "commandLine", "parentImage", "user", "host", "ruleId", "detectionName", "expires", "justification" };
        private static readonly string[] s_timeFormats =
        {
            "yyyy'-'MM'-'dd",
            "yyyy'-'MM'-'dd'T'HH':'mm",
            "yyyy'-'MM'-'dd'T'HH':'mmK",
            "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
            "yyyy'-'MM'-'dd'T'HH':'mm':'ssK",
            "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF",
            "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFK",
        };

        private readonly byte[] _utf8;
        private readonly int _start;
        private readonly List<PolicyProblem> _errors = new List<PolicyProblem>();

        private PolicyParser(byte[] utf8)
        {
            _utf8 = utf8;
            _start = utf8.Length >= 3 && utf8[0] == 0xEF && utf8[1] == 0xBB && utf8[2] == 0xBF ? 3 : 0;
        }

        public static PolicyParseResult Parse(byte[] utf8)
        {
            var parser = new PolicyParser(utf8);
            if (utf8.Length > PolicyDocument.MaxBytes)
            {
                parser.Error(0, "$", "the policy is " + utf8.Length.ToString("N0", CultureInfo.InvariantCulture) + " bytes; the limit is "
                    + PolicyDocument.MaxBytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes (1 MiB)");
                return new PolicyParseResult(null, parser._errors);
            }

            if (IsBlank(utf8, parser._start))
            {
                parser._errors.Add(new PolicyProblem(new PolicyProblemPosition(1, 1), "$", "the policy is empty; it must be a JSON object"));
                return new PolicyParseResult(null, parser._errors);
            }

            PolicyDocument? document = null;
            try
            {
                document = parser.ReadDocument();
            }
            catch (JsonException ex)
            {
                // Syntax: the reader knows the line and the byte in the line (both from 0).
                long line = (ex.LineNumber ?? 0) + 1;
                long column = parser.ColumnOf(line, ex.BytePositionInLine ?? 0);
                parser._errors.Add(new PolicyProblem(new PolicyProblemPosition(line, column), "$", "not valid JSON: " + SyntaxMessage(ex.Message)));
            }
            catch (InvalidOperationException ex)
            {
                // GetString on text that is not valid UTF-8; the position was recorded before the call.
                parser._errors.Add(new PolicyProblem(parser._lastPosition, parser._lastPath, "not valid UTF-8 text: " + ex.Message));
            }
            catch (TooManyErrorsException)
            {
            }

            return parser._errors.Count == 0 && document is not null
                ? new PolicyParseResult(document, Array.Empty<PolicyProblem>())
                : new PolicyParseResult(null, parser._errors);
        }

        private PolicyProblemPosition _lastPosition = new PolicyProblemPosition(1, 1);
        private string _lastPath = "$";

        private PolicyDocument? ReadDocument()
        {
            var reader = new Utf8JsonReader(new ReadOnlySpan<byte>(_utf8, _start, _utf8.Length - _start),
                new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 16 });
            if (!reader.Read())
            {
                Error(0, "$", "the policy is empty; it must be a JSON object");
                return null;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Error(Offset(ref reader), "$", "the policy must be a JSON object, not " + Describe(reader.TokenType));
                return null;
            }

            long objectStart = Offset(ref reader);
            int? schemaVersion = null;
            string? version = null;
            PolicyMode mode = PolicyMode.Audit;
            ResponseSettings defaults = new ResponseSettings();
            var tactics = new List<PolicyOverride>();
            var rules = new List<PolicyOverride>();
            var detections = new List<PolicyOverride>();
            var exclusions = new List<PolicyExclusion>();
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long keyAt = Offset(ref reader);
                string key = Text(ref reader, keyAt, "$");
                string path = "$." + key;
                reader.Read();
                if (!FirstTime(seen, key, keyAt, path))
                {
                    reader.Skip();
                    continue;
                }

                switch (key)
                {
                    case "schemaVersion":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int sv))
                        {
                            Error(Offset(ref reader), path, "expected the whole number " + PolicyDocument.CurrentSchemaVersion + ", found " + Describe(reader.TokenType));
                            reader.Skip();
                        }
                        else if (sv != PolicyDocument.CurrentSchemaVersion)
                        {
                            Error(Offset(ref reader), path, "schema version " + sv.ToString(CultureInfo.InvariantCulture) + " is not supported; this version reads schema version " + PolicyDocument.CurrentSchemaVersion);
                        }
                        else
                        {
                            schemaVersion = sv;
                        }

                        break;
                    case "version":
                        version = BoundedString(ref reader, path, MaxVersionLength);
                        break;
                    case "mode":
                        mode = EnumValue(ref reader, path, PolicyMode.Audit);
                        break;
                    case "defaults":
                        defaults = Settings(ref reader, path, allowEmpty: true) ?? defaults;
                        break;
                    case "tactics":
                        Overrides(ref reader, path, PolicyScope.Tactic, tactics);
                        break;
                    case "rules":
                        Overrides(ref reader, path, PolicyScope.Rule, rules);
                        break;
                    case "detections":
                        Overrides(ref reader, path, PolicyScope.Detection, detections);
                        break;
                    case "exclusions":
                        Exclusions(ref reader, path, exclusions);
                        break;
                    default:
                        Error(keyAt, path, UnknownKey(key, s_topKeys));
                        reader.Skip();
                        break;
                }
            }

            // Anything after the closing brace is a syntax error the reader reports.
            if (reader.Read())
            {
                Error(Offset(ref reader), "$", "unexpected " + Describe(reader.TokenType) + " after the policy object");
            }

            if (!seen.ContainsKey("schemaVersion"))
            {
                Error(objectStart, "$", "'schemaVersion' is required (the number " + PolicyDocument.CurrentSchemaVersion + ")");
            }

            if (!seen.ContainsKey("version"))
            {
                Error(objectStart, "$", "'version' is required (the administrator's version string of this policy)");
            }

            if (_errors.Count > 0 || schemaVersion is null || version is null)
            {
                return null;
            }

            return new PolicyDocument(version, mode, defaults, tactics, rules, detections, exclusions);
        }

        private void Overrides(ref Utf8JsonReader reader, string path, PolicyScope scope, List<PolicyOverride> into)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Error(Offset(ref reader), path, "expected an object of " + (scope == PolicyScope.Tactic ? "tactic names" : scope == PolicyScope.Rule ? "rule ids" : "detection names") + ", found " + Describe(reader.TokenType));
                reader.Skip();
                return;
            }

            var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long keyAt = Offset(ref reader);
                string key = Text(ref reader, keyAt, path);
                string entryPath = PolicyDocument.OverridePath(scope, key);
                reader.Read();
                if (!FirstTime(seen, key, keyAt, entryPath))
                {
                    reader.Skip();
                    continue;
                }

                string? keyError = scope == PolicyScope.Tactic
                    ? (PolicyDocument.IsTacticName(key) ? null : "'" + key + "' is not a tactic; use one of " + string.Join(", ", Enum.GetNames(typeof(Tactic))))
                    : CheckName(key, scope == PolicyScope.Rule ? "rule id" : "detection name");
                if (keyError is not null)
                {
                    Error(keyAt, entryPath, keyError);
                    reader.Skip();
                    continue;
                }

                ResponseSettings? settings = Settings(ref reader, entryPath, allowEmpty: false);
                if (settings is not null)
                {
                    into.Add(new PolicyOverride(scope, key, settings));
                }
            }
        }

        private ResponseSettings? Settings(ref Utf8JsonReader reader, string path, bool allowEmpty)
        {
            long objectAt = Offset(ref reader);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Error(objectAt, path, "expected an object with " + string.Join(", ", s_settingKeys) + ", found " + Describe(reader.TokenType));
                reader.Skip();
                return null;
            }

            double? threshold = null;
            ResponseAction? action = null;
            bool? quarantine = null;
            bool? blockHash = null;
            bool? remediate = null;
            bool failed = false;
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long keyAt = Offset(ref reader);
                string key = Text(ref reader, keyAt, path);
                string keyPath = path + "." + key;
                reader.Read();
                if (!FirstTime(seen, key, keyAt, keyPath))
                {
                    failed = true;
                    reader.Skip();
                    continue;
                }

                int before = _errors.Count;
                switch (key)
                {
                    case "threshold":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double t))
                        {
                            Error(Offset(ref reader), keyPath, "expected a number from 0 to 1, found " + Describe(reader.TokenType));
                            reader.Skip();
                        }
                        else if (!(t >= 0 && t <= 1))
                        {
                            Error(Offset(ref reader), keyPath, "the threshold " + PolicyDocument.Number(t) + " is out of range; it is a verdict score from 0 to 1");
                        }
                        else
                        {
                            threshold = t;
                        }

                        break;
                    case "action":
                        action = EnumValue<ResponseAction>(ref reader, keyPath, default);
                        break;
                    case "quarantine":
                        quarantine = Boolean(ref reader, keyPath);
                        break;
                    case "blockHash":
                        blockHash = Boolean(ref reader, keyPath);
                        break;
                    case "remediate":
                        remediate = Boolean(ref reader, keyPath);
                        break;
                    default:
                        Error(keyAt, keyPath, UnknownKey(key, s_settingKeys));
                        reader.Skip();
                        break;
                }

                failed |= _errors.Count > before;
            }

            var settings = new ResponseSettings { Threshold = threshold, Action = action, Quarantine = quarantine, BlockHash = blockHash, Remediate = remediate };
            if (!failed && !allowEmpty && settings.IsEmpty)
            {
                Error(objectAt, path, "the entry sets nothing; give at least one of " + string.Join(", ", s_settingKeys));
                return null;
            }

            return failed ? null : settings;
        }

        private void Exclusions(ref Utf8JsonReader reader, string path, List<PolicyExclusion> into)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Error(Offset(ref reader), path, "expected an array of exclusion objects, found " + Describe(reader.TokenType));
                reader.Skip();
                return;
            }

            int index = 0;
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                PolicyExclusion? exclusion = Exclusion(ref reader, path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", index);
                if (exclusion is not null)
                {
                    into.Add(exclusion);
                }

                index++;
            }
        }

        private PolicyExclusion? Exclusion(ref Utf8JsonReader reader, string path, int index)
        {
            long objectAt = Offset(ref reader);
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Error(objectAt, path, "expected an exclusion object, found " + Describe(reader.TokenType));
                reader.Skip();
                return null;
            }

            var conditions = new List<ExclusionCondition>();
            DateTimeOffset? expires = null;
            string? justification = null;
            bool failed = false;
            var seen = new Dictionary<string, long>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long keyAt = Offset(ref reader);
                string key = Text(ref reader, keyAt, path);
                string keyPath = path + "." + key;
                reader.Read();
                if (!FirstTime(seen, key, keyAt, keyPath))
                {
                    failed = true;
                    reader.Skip();
                    continue;
                }

                int before = _errors.Count;
                ExclusionField? field = FieldOf(key);
                if (field.HasValue)
                {
                    long valueAt = Offset(ref reader);
                    string? value = BoundedString(ref reader, keyPath, PolicyGlob.MaxLength);
                    if (value is not null)
                    {
                        ExclusionCondition? condition = Condition(field.Value, value, valueAt, keyPath);
                        if (condition is not null)
                        {
                            conditions.Add(condition);
                        }
                    }
                }
                else if (key == "expires")
                {
                    long valueAt = Offset(ref reader);
                    string? text = BoundedString(ref reader, keyPath, 64);
                    if (text is not null)
                    {
                        if (DateTimeOffset.TryParseExact(text, s_timeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time))
                        {
                            expires = time;
                        }
                        else
                        {
                            Error(valueAt, keyPath, "'" + text + "' is not an ISO 8601 date or time (2027-01-31, 2027-01-31T18:00:00Z, 2027-01-31T18:00:00+01:00)");
                        }
                    }
                }
                else if (key == "justification")
                {
                    justification = BoundedString(ref reader, keyPath, MaxJustificationLength);
                }
                else
                {
                    Error(keyAt, keyPath, UnknownKey(key, s_exclusionKeys));
                    reader.Skip();
                }

                failed |= _errors.Count > before;
            }

            if (failed)
            {
                return null;
            }

            if (conditions.Count == 0)
            {
                Error(objectAt, path, "the exclusion has no condition; give at least one of " + string.Join(", ", s_exclusionKeys, 0, 9));
                return null;
            }

            if (justification is null)
            {
                Error(objectAt, path, "'justification' is required: say why this exclusion exists");
                return null;
            }

            return new PolicyExclusion(index, conditions, expires, justification, PositionOf(objectAt));
        }

        private ExclusionCondition? Condition(ExclusionField field, string value, long at, string path)
        {
            if (field == ExclusionField.Sha256)
            {
                if (value.Length != 64 || !IsHex(value))
                {
                    Error(at, path, "'" + value + "' is not a SHA-256 (64 hexadecimal digits)");
                    return null;
                }

                return new ExclusionCondition(field, value.ToUpperInvariant(), null);
            }

            PolicyGlob? glob = PolicyGlob.TryCreate(value, out string? error);
            if (glob is null)
            {
                Error(at, path, "'" + value + "' is not a usable pattern: " + error);
                return null;
            }

            return new ExclusionCondition(field, value, glob);
        }

        private static ExclusionField? FieldOf(string key) => key switch
        {
            "image" => ExclusionField.Image,
            "sha256" => ExclusionField.Sha256,
            "signer" => ExclusionField.Signer,
            "commandLine" => ExclusionField.CommandLine,
            "parentImage" => ExclusionField.ParentImage,
            "user" => ExclusionField.User,
            "host" => ExclusionField.Host,
            "ruleId" => ExclusionField.RuleId,
            "detectionName" => ExclusionField.DetectionName,
            _ => null,
        };

        private T EnumValue<T>(ref Utf8JsonReader reader, string path, T fallback)
            where T : struct
        {
            long at = Offset(ref reader);
            string allowed = string.Join(", ", Enum.GetNames(typeof(T)));
            if (reader.TokenType != JsonTokenType.String)
            {
                Error(at, path, "expected one of " + allowed + ", found " + Describe(reader.TokenType));
                reader.Skip();
                return fallback;
            }

            string text = Text(ref reader, at, path);
            foreach (string name in Enum.GetNames(typeof(T)))
            {
                if (string.Equals(name, text, StringComparison.Ordinal))
                {
                    return (T)Enum.Parse(typeof(T), name);
                }
            }

            Error(at, path, "'" + text + "' is not one of " + allowed);
            return fallback;
        }

        private bool? Boolean(ref Utf8JsonReader reader, string path)
        {
            if (reader.TokenType == JsonTokenType.True || reader.TokenType == JsonTokenType.False)
            {
                return reader.TokenType == JsonTokenType.True;
            }

            Error(Offset(ref reader), path, "expected true or false, found " + Describe(reader.TokenType));
            reader.Skip();
            return null;
        }

        private string? BoundedString(ref Utf8JsonReader reader, string path, int maxLength)
        {
            long at = Offset(ref reader);
            if (reader.TokenType != JsonTokenType.String)
            {
                Error(at, path, "expected a string, found " + Describe(reader.TokenType));
                reader.Skip();
                return null;
            }

            string text = Text(ref reader, at, path);
            string? error = text.Trim().Length == 0 ? "the value is empty"
                : text.Length > maxLength ? "the value is " + text.Length.ToString(CultureInfo.InvariantCulture) + " characters long; at most " + maxLength.ToString(CultureInfo.InvariantCulture) + " are allowed"
                : HasControl(text) ? "the value holds a control character"
                : null;
            if (error is not null)
            {
                Error(at, path, error);
                return null;
            }

            return text;
        }

        private static string? CheckName(string key, string what)
        {
            if (key.Trim().Length == 0)
            {
                return "the " + what + " is empty";
            }

            if (key.Length > MaxKeyLength)
            {
                return "the " + what + " is " + key.Length.ToString(CultureInfo.InvariantCulture) + " characters long; at most " + MaxKeyLength.ToString(CultureInfo.InvariantCulture) + " are allowed";
            }

            return HasControl(key) ? "the " + what + " holds a control character" : null;
        }

        private bool FirstTime(Dictionary<string, long> seen, string key, long at, string path)
        {
            if (seen.TryGetValue(key, out long first))
            {
                PolicyProblemPosition firstAt = PositionOf(first);
                Error(at, path, "the key '" + key + "' appears more than once (first at line " + firstAt.Line.ToString(CultureInfo.InvariantCulture)
                    + ", column " + firstAt.Column.ToString(CultureInfo.InvariantCulture) + ")");
                return false;
            }

            seen.Add(key, at);
            return true;
        }

        private JsonTokenType Next(ref Utf8JsonReader reader)
        {
            // The reader throws JsonException on a syntax error; a document that ends inside an object is one.
            if (!reader.Read())
            {
                throw new JsonException("the document ends before the object or array is closed", null, LineOf(_utf8.Length), null);
            }

            return reader.TokenType;
        }

        private string Text(ref Utf8JsonReader reader, long at, string path)
        {
            _lastPosition = PositionOf(at);
            _lastPath = path;
            return reader.GetString() ?? string.Empty;
        }

        private long Offset(ref Utf8JsonReader reader) => reader.TokenStartIndex + _start;

        private void Error(long offset, string path, string message)
        {
            _errors.Add(new PolicyProblem(PositionOf(offset), path, message));
            if (_errors.Count >= MaxErrors)
            {
                throw new TooManyErrorsException();
            }
        }

        /// <summary>Line and character column (from 1) of a byte offset.</summary>
        private PolicyProblemPosition PositionOf(long offset)
        {
            long line = 1;
            long lineStart = _start;
            long end = Math.Min(offset, _utf8.Length);
            for (long i = _start; i < end; i++)
            {
                if (_utf8[i] == (byte)'\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            return new PolicyProblemPosition(line, Characters(lineStart, end) + 1);
        }

        private long LineOf(long offset) => PositionOf(offset).Line - 1;

        /// <summary>Character column (from 1) of a byte position in a line (both from 0, as JsonException gives them).</summary>
        private long ColumnOf(long line, long bytePosition)
        {
            long current = 1;
            long lineStart = _start;
            for (long i = _start; i < _utf8.Length && current < line; i++)
            {
                if (_utf8[i] == (byte)'\n')
                {
                    current++;
                    lineStart = i + 1;
                }
            }

            return Characters(lineStart, Math.Min(lineStart + bytePosition, _utf8.Length)) + 1;
        }

        private long Characters(long from, long to)
        {
            long count = 0;
            for (long i = from; i < to; i++)
            {
                // Count every byte that is not a UTF-8 continuation byte.
                if ((_utf8[i] & 0xC0) != 0x80)
                {
                    count++;
                }
            }

            return count;
        }

        private static string UnknownKey(string key, string[] known)
        {
            foreach (string candidate in known)
            {
                if (string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase))
                {
                    return "unknown key '" + key + "' (keys are case-sensitive: did you mean '" + candidate + "'?)";
                }
            }

            return "unknown key '" + key + "'; the keys here are " + string.Join(", ", known);
        }

        private static string Describe(JsonTokenType type) => type switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => "null",
            _ => type.ToString(),
        };

        private static string SyntaxMessage(string message)
        {
            // The reader's message ends with its own (0-based) position; the problem carries the 1-based one.
            int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return (at > 0 ? message.Substring(0, at) : message).Trim();
        }

        private static bool IsBlank(byte[] utf8, int start)
        {
            for (int i = start; i < utf8.Length; i++)
            {
                byte b = utf8[i];
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n')
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsHex(string value)
        {
            foreach (char c in value)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool HasControl(string value)
        {
            foreach (char c in value)
            {
                if (char.IsControl(c))
                {
                    return true;
                }
            }

            return false;
        }

        private sealed class TooManyErrorsException : Exception
        {
        }
    }
}
