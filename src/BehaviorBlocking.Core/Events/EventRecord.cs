using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Events
{
    /// <summary>
    /// One raw Windows-style event as a sensor or a recording delivered it: the system
    /// header plus every EventData/UserData value as a string, in source order.
    /// </summary>
    public sealed class EventRecord
    {
        private static readonly KeyValuePair<string, string>[] s_noFields = new KeyValuePair<string, string>[0];

        /// <summary>System/EventID, qualifiers dropped.</summary>
        public int EventId { get; init; }

        /// <summary>System/Channel, e.g. <c>Microsoft-Windows-Sysmon/Operational</c>.</summary>
        public string Channel { get; init; } = string.Empty;

        /// <summary>System/Provider@Name.</summary>
        public string Provider { get; init; } = string.Empty;

        /// <summary>System/Computer.</summary>
        public string Computer { get; init; } = string.Empty;

        /// <summary>System/TimeCreated in UTC, or null when the source did not keep it.</summary>
        public DateTimeOffset? TimeCreated { get; init; }

        /// <summary>The TimeCreated text when the record had one that is not a valid time (so <see cref="TimeCreated"/> is null), for reporting.</summary>
        public string? InvalidTimeCreated { get; init; }

        /// <summary>System/EventRecordID, or null when the collector did not keep it.</summary>
        public long? RecordId { get; init; }

        /// <summary>EventData/UserData values by name, in source order. Names are unique.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = s_noFields;

        /// <summary>The file the record was read from (replay), as given by the caller.</summary>
        public string? SourceFile { get; init; }

        /// <summary>1-based line (JSONL) or line of the element's start (XML) in <see cref="SourceFile"/>.</summary>
        public long SourceLine { get; init; }

        /// <summary>Returns the value of a field by exact (case-insensitive) name, or null.</summary>
        public string? GetField(string name) => FieldList.Find(Fields, name);
    }

    /// <summary>Lookup over the small field lists events carry (tens of entries, so a scan beats hashing).</summary>
    internal static class FieldList
    {
        public static string? Find(IReadOnlyList<KeyValuePair<string, string>> fields, string name)
        {
            for (int i = 0; i < fields.Count; i++)
            {
                KeyValuePair<string, string> field = fields[i];
                if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return field.Value;
                }
            }

            return null;
        }
    }
}
