using System;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// A remediation record as one camelCase JSON object: <c>id</c>, <c>detectionId</c>, <c>time</c>,
    /// <c>kind</c>, <c>location</c>, <c>entry</c>, <c>description</c>, <c>state</c>, <c>restoredAt</c>
    /// (times ISO 8601 UTC; absent values null).
    /// </summary>
    public static class RemediationJson
    {
        private const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

        private static readonly JsonWriterOptions s_options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

        /// <summary>The record as one line of JSON.</summary>
        public static string Serialize(RemediationRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream, s_options))
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", record.Id.ToString("D"));
                    WriteOptional(writer, "detectionId", record.DetectionId?.ToString("D"));
                    writer.WriteString("time", record.Time.UtcDateTime.ToString(TimeFormat, System.Globalization.CultureInfo.InvariantCulture));
                    writer.WriteString("kind", record.Artifact.Kind.ToString());
                    writer.WriteString("location", record.Artifact.Location);
                    WriteOptional(writer, "entry", record.Artifact.Entry);
                    WriteOptional(writer, "description", record.Description);
                    writer.WriteString("state", record.State.ToString());
                    WriteOptional(writer, "restoredAt", record.RestoredAt?.UtcDateTime.ToString(TimeFormat, System.Globalization.CultureInfo.InvariantCulture));
                    writer.WriteEndObject();
                }

                return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
            }
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
    }
}
