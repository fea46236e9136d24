using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Detections
{
    /// <summary>
    /// Writes and reads the detection record: one JSON object per detection, camelCase keys in
    /// a fixed order, enums as their names, times as ISO 8601 UTC with seven fractional digits,
    /// and every optional key present (null when absent) so the schema never changes shape.
    /// </summary>
    public static class DetectionJson
    {
        /// <summary>Error id raised when a detection record cannot be read.</summary>
        public const string InvalidRecordErrorId = Engine.ErrorIds.DetectionRecordInvalid;

        // Fixed width, so the text sorts in time order.
        internal const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

        // Relaxed escaping keeps paths and non-ASCII names readable (C:\\Windows, not \u005C).
        private static readonly JsonWriterOptions s_writerOptions = new JsonWriterOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Indented = false,
        };

        private static readonly JsonDocumentOptions s_documentOptions = new JsonDocumentOptions
        {
            AllowTrailingCommas = false,
            CommentHandling = JsonCommentHandling.Disallow,
        };

        /// <summary>Writes one detection as a JSON object to <paramref name="writer"/>.</summary>
        /// <param name="writer">The writer to append the object to.</param>
        /// <param name="detection">The detection to write.</param>
        public static void Write(Utf8JsonWriter writer, Detection detection)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            if (detection is null)
            {
                throw new ArgumentNullException(nameof(detection));
            }

            if (double.IsNaN(detection.Score) || double.IsInfinity(detection.Score))
            {
                throw new ArgumentException("A detection score must be a finite number.", nameof(detection));
            }

            writer.WriteStartObject();
            writer.WriteString("id", detection.Id.ToString("D"));
            writer.WriteString("name", detection.Name);
            writer.WriteString("platform", detection.Platform.ToString());
            writer.WriteString("tactic", detection.Tactic.ToString());
            writer.WriteStartArray("techniques");
            foreach (string technique in detection.Techniques)
            {
                writer.WriteStringValue(technique);
            }

            writer.WriteEndArray();
            writer.WriteNumber("score", detection.Score);
            writer.WriteString("severity", detection.Severity.ToString());
            writer.WriteString("action", detection.Action.ToString());
            writer.WriteString("host", detection.Host);
            WriteOptional(writer, "processGuid", detection.ProcessGuid);
            if (detection.ProcessId.HasValue)
            {
                writer.WriteNumber("processId", detection.ProcessId.Value);
            }
            else
            {
                writer.WriteNull("processId");
            }

            WriteOptional(writer, "image", detection.Image);
            WriteOptional(writer, "commandLine", detection.CommandLine);
            WriteOptional(writer, "parentImage", detection.ParentImage);
            WriteOptional(writer, "user", detection.User);
            writer.WriteString("firstSeen", FormatTime(detection.FirstSeen));
            writer.WriteString("lastSeen", FormatTime(detection.LastSeen));
            WriteOptional(writer, "sourceFile", detection.SourceFile);
            writer.WriteStartArray("evidence");
            foreach (Evidence evidence in detection.Evidence)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", evidence.Kind);
                writer.WriteString("id", evidence.Id);
                writer.WriteString("description", evidence.Description);
                WriteOptional(writer, "time", evidence.Time.HasValue ? FormatTime(evidence.Time.Value) : null);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteOptional(writer, "modelVersion", detection.ModelVersion);
            WriteOptional(writer, "ruleSetVersion", detection.RuleSetVersion);
            writer.WriteStartArray("actions");
            foreach (ResponseStep step in detection.Actions)
            {
                Write(writer, step);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        /// <summary>Writes one response step as the detection record's <c>actions</c> items are written: <c>{kind, target, outcome, detail, reference, time, actor}</c>.</summary>
        /// <param name="writer">The writer to append the object to.</param>
        /// <param name="step">The step to write.</param>
        public static void Write(Utf8JsonWriter writer, ResponseStep step)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            if (step is null)
            {
                throw new ArgumentNullException(nameof(step));
            }

            writer.WriteStartObject();
            writer.WriteString("kind", step.Kind.ToString());
            writer.WriteString("target", step.Target);
            writer.WriteString("outcome", step.Outcome.ToString());
            WriteOptional(writer, "detail", step.Detail);
            WriteOptional(writer, "reference", step.Reference);
            writer.WriteString("time", FormatTime(step.Time));
            writer.WriteString("actor", step.Actor);
            writer.WriteEndObject();
        }

        /// <summary>Returns one response step as a single-line JSON object (what <c>block --format jsonl</c> writes per step).</summary>
        /// <param name="step">The step to serialize.</param>
        public static string Serialize(ResponseStep step)
        {
            if (step is null)
            {
                throw new ArgumentNullException(nameof(step));
            }

            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream, s_writerOptions))
                {
                    Write(writer, step);
                }

                return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            }
        }

        /// <summary>Returns the detection as a single-line JSON object (a JSON Lines record without the newline).</summary>
        /// <param name="detection">The detection to serialize.</param>
        public static string Serialize(Detection detection)
        {
            if (detection is null)
            {
                throw new ArgumentNullException(nameof(detection));
            }

            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream, s_writerOptions))
                {
                    Write(writer, detection);
                }

                return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            }
        }

        /// <summary>
        /// Reads one detection record. Unknown keys are ignored; <c>id</c> and <c>name</c> are
        /// required; any other absent or null key takes its default.
        /// </summary>
        /// <param name="json">One JSON object in the detection record format.</param>
        /// <exception cref="BehaviorBlockingException">
        /// <c>DetectionRecordInvalid</c> (InvalidData) when the text is not JSON, a required key is
        /// missing, or a value has the wrong type or is not a known name; the message names the key.
        /// </exception>
        public static Detection Parse(string json)
        {
            if (json is null)
            {
                throw new ArgumentNullException(nameof(json));
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json, s_documentOptions);
            }
            catch (JsonException ex)
            {
                throw Invalid(json, "The detection record is not valid JSON: " + ex.Message, ex);
            }

            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(json, "The detection record must be a JSON object.");
                }

                var reader = new RecordReader(root, json);
                string idText = reader.RequiredString("id");
                if (!Guid.TryParseExact(idText, "D", out Guid id))
                {
                    throw Invalid(json, "Key 'id' of the detection record is not a uuid: '" + idText + "'.");
                }

                return new Detection
                {
                    Id = id,
                    Name = reader.RequiredString("name"),
                    Platform = reader.Enum<DetectionPlatform>("platform"),
                    Tactic = reader.Enum<Tactic>("tactic"),
                    Techniques = reader.StringArray("techniques"),
                    Score = reader.Double("score"),
                    Severity = reader.Enum<Severity>("severity"),
                    Action = reader.Enum<DetectionAction>("action"),
                    Host = reader.OptionalString("host") ?? string.Empty,
                    ProcessGuid = reader.OptionalString("processGuid"),
                    ProcessId = reader.OptionalInt32("processId"),
                    Image = reader.OptionalString("image"),
                    CommandLine = reader.OptionalString("commandLine"),
                    ParentImage = reader.OptionalString("parentImage"),
                    User = reader.OptionalString("user"),
                    FirstSeen = reader.Time("firstSeen"),
                    LastSeen = reader.Time("lastSeen"),
                    SourceFile = reader.OptionalString("sourceFile"),
                    Evidence = reader.EvidenceList("evidence"),
                    ModelVersion = reader.OptionalString("modelVersion"),
                    RuleSetVersion = reader.OptionalString("ruleSetVersion"),
                    Actions = reader.ActionList("actions"),
                };
            }
        }

        internal static string FormatTime(DateTimeOffset time)
        {
            return time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        }

        internal static bool TryParseTime(string text, out DateTimeOffset time)
        {
            const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
            if (DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, Styles, out time))
            {
                return true;
            }

            // Records written by other tools may carry fewer digits or an explicit offset; accept
            // ISO 8601 shapes only, so a locale-dependent date can never slip through.
            return text.Length >= 20
                && text[4] == '-' && text[7] == '-' && text[10] == 'T'
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, Styles, out time);
        }

        private static void WriteOptional(Utf8JsonWriter writer, string key, string? value)
        {
            if (value is null)
            {
                writer.WriteNull(key);
            }
            else
            {
                writer.WriteString(key, value);
            }
        }

        private static BehaviorBlockingException Invalid(string json, string message, Exception? inner = null)
        {
            return new BehaviorBlockingException(InvalidRecordErrorId, FailureKind.InvalidData, message, inner)
            {
                Target = json,
            };
        }

        /// <summary>Reads typed values from a record object, failing with the offending key's name.</summary>
        private readonly struct RecordReader
        {
            private readonly JsonElement _root;
            private readonly string _json;

            public RecordReader(JsonElement root, string json)
            {
                _root = root;
                _json = json;
            }

            public string RequiredString(string key)
            {
                if (!_root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
                {
                    throw Invalid(_json, "The detection record has no '" + key + "'.");
                }

                string text = String(value, key);
                if (text.Length == 0)
                {
                    throw Invalid(_json, "Key '" + key + "' of the detection record is empty.");
                }

                return text;
            }

            public string? OptionalString(string key)
            {
                return Present(key, out JsonElement value) ? String(value, key) : null;
            }

            public int? OptionalInt32(string key)
            {
                if (!Present(key, out JsonElement value))
                {
                    return null;
                }

                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number))
                {
                    throw WrongType(key, "a 32-bit integer");
                }

                return number;
            }

            public double Double(string key)
            {
                if (!Present(key, out JsonElement value))
                {
                    return 0;
                }

                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number))
                {
                    throw WrongType(key, "a number");
                }

                return number;
            }

            public T Enum<T>(string key)
                where T : struct, Enum => Enum<T>(key, key, required: false);

            public T Enum<T>(string key, string shownKey, bool required)
                where T : struct, Enum
            {
                if (!Present(key, out JsonElement value))
                {
                    if (required)
                    {
                        throw Invalid(_json, "The detection record has no '" + shownKey + "'.");
                    }

                    return default;
                }

                string text = String(value, shownKey);

                // Names only: Enum.TryParse would also accept "3" or "Low, High".
                if (text.Length == 0 || !char.IsLetter(text[0]) || text.IndexOf(',') >= 0
                    || !System.Enum.TryParse(text, ignoreCase: false, out T parsed)
                    || !System.Enum.IsDefined(typeof(T), parsed))
                {
                    throw Invalid(_json, "Key '" + shownKey + "' of the detection record has '" + text + "', which is not a known " + typeof(T).Name + ".");
                }

                return parsed;
            }

            public DateTimeOffset Time(string key)
            {
                if (!Present(key, out JsonElement value))
                {
                    return default;
                }

                return ParseTime(String(value, key), key);
            }

            public IReadOnlyList<string> StringArray(string key)
            {
                if (!Present(key, out JsonElement value))
                {
                    return Array.Empty<string>();
                }

                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw WrongType(key, "an array of strings");
                }

                var values = new List<string>(value.GetArrayLength());
                foreach (JsonElement item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw WrongType(key + "[" + values.Count.ToString(CultureInfo.InvariantCulture) + "]", "a string");
                    }

                    values.Add(item.GetString()!);
                }

                return values;
            }

            public IReadOnlyList<Evidence> EvidenceList(string key)
            {
                if (!Present(key, out JsonElement value))
                {
                    return Array.Empty<Evidence>();
                }

                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw WrongType(key, "an array of objects");
                }

                var items = new List<Evidence>(value.GetArrayLength());
                foreach (JsonElement item in value.EnumerateArray())
                {
                    string prefix = key + "[" + items.Count.ToString(CultureInfo.InvariantCulture) + "]";
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        throw WrongType(prefix, "an object");
                    }

                    var inner = new RecordReader(item, _json);
                    string kind = inner.NestedRequiredString("kind", prefix);
                    string id = inner.NestedRequiredString("id", prefix);
                    string? description = inner.NestedOptionalString("description", prefix);
                    string? time = inner.NestedOptionalString("time", prefix);
                    items.Add(new Evidence(kind, id, description ?? string.Empty, time is null ? null : ParseTime(time, prefix + ".time")));
                }

                return items;
            }

            public IReadOnlyList<ResponseStep> ActionList(string key)
            {
                if (!Present(key, out JsonElement value))
                {
                    return Array.Empty<ResponseStep>();
                }

                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw WrongType(key, "an array of objects");
                }

                var steps = new List<ResponseStep>(value.GetArrayLength());
                foreach (JsonElement item in value.EnumerateArray())
                {
                    string prefix = key + "[" + steps.Count.ToString(CultureInfo.InvariantCulture) + "]";
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        throw WrongType(prefix, "an object");
                    }

                    var inner = new RecordReader(item, _json);
                    ResponseKind kind = inner.Enum<ResponseKind>("kind", prefix + ".kind", required: true);
                    string target = inner.NestedRequiredString("target", prefix);
                    StepOutcome outcome = inner.Enum<StepOutcome>("outcome", prefix + ".outcome", required: true);
                    string? detail = inner.NestedOptionalString("detail", prefix);
                    string? reference = inner.NestedOptionalString("reference", prefix);
                    string time = inner.NestedRequiredString("time", prefix);
                    string? actor = inner.NestedOptionalString("actor", prefix);
                    steps.Add(new ResponseStep(kind, target, outcome, detail, reference, ParseTime(time, prefix + ".time"))
                    {
                        Actor = string.IsNullOrEmpty(actor) ? ResponseStep.PolicyActor : actor!,
                    });
                }

                return steps;
            }

            private string NestedRequiredString(string key, string prefix)
            {
                if (!_root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
                {
                    throw Invalid(_json, "The detection record has no '" + prefix + "." + key + "'.");
                }

                return String(value, prefix + "." + key);
            }

            private string? NestedOptionalString(string key, string prefix)
            {
                return Present(key, out JsonElement value) ? String(value, prefix + "." + key) : null;
            }

            private bool Present(string key, out JsonElement value)
            {
                return _root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;
            }

            private string String(JsonElement value, string key)
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    throw WrongType(key, "a string");
                }

                return value.GetString()!;
            }

            private DateTimeOffset ParseTime(string text, string key)
            {
                if (!TryParseTime(text, out DateTimeOffset time))
                {
                    throw Invalid(_json, "Key '" + key + "' of the detection record is not an ISO 8601 time: '" + text + "'.");
                }

                return time;
            }

            private BehaviorBlockingException WrongType(string key, string expected)
            {
                return Invalid(_json, "Key '" + key + "' of the detection record must be " + expected + ".");
            }
        }
    }
}
