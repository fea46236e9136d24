using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Maps <c>Microsoft-Windows-PowerShell/Operational</c> and classic <c>Windows PowerShell</c>
    /// events. Both carry the hosting command line inside rendered text blocks rather than in
    /// fields of their own, in several shapes depending on how the event was collected:
    /// named fields (ContextInfo, Payload, ScriptBlockText), unnamed <c>Data_1..n</c> values,
    /// or a single rendered <c>Message</c>. See docs/events.md.
    /// </summary>
    internal static class PowerShellEventMapper
    {
        public const string OperationalChannel = "Microsoft-Windows-PowerShell/Operational";
        public const string ClassicChannel = "Windows PowerShell";

        private const string DataPrefix = "Data_";
        private const string ClassicHostKey = "HostApplication";

        public static void MapOperational(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case 4104:
                    draft.Kind = EventKind.ScriptBlock;
                    MapScriptBlock(record, ref draft);
                    break;

                case 4103:
                    draft.Kind = EventKind.PowerShellPipeline;
                    MapModuleLogging(record, ref draft);
                    break;

                case 40961: // console starting up
                case 40962: // console ready for input
                    draft.Kind = EventKind.PowerShellEngine;
                    break;

                default:
                    draft.Kind = EventKind.Other;
                    break;
            }
        }

        public static void MapClassic(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case 400: // engine started
                case 403: // engine stopped
                case 600: // provider started
                    draft.Kind = EventKind.PowerShellEngine;
                    MapClassicEvent(record, ref draft, isPipeline: false);
                    break;

                case 800:
                    draft.Kind = EventKind.PowerShellPipeline;
                    MapClassicEvent(record, ref draft, isPipeline: true);
                    break;

                default:
                    draft.Kind = EventKind.Other;
                    break;
            }
        }

        private static void MapScriptBlock(EventRecord record, ref EventDraft draft)
        {
            // The ETW sensor adds the process that ran the block (recorded logs have no such fields).
            if (record.GetField("ProcessId") is not null)
            {
                SysmonEventMapper.ReadActor(record, ref draft);
            }

            string? text = record.GetField("ScriptBlockText");
            if (text is not null)
            {
                draft.Details = EventFieldParser.Text(text);
                draft.TargetName = EventFieldParser.Name(record.GetField("ScriptBlockId"));
                draft.TargetPath = EventFieldParser.Name(record.GetField("Path"));
                return;
            }

            // Message-only form:
            // "Creating Scriptblock text (1 of 1):\r\n<text>\r\n\r\nScriptBlock ID: <id>\r\nPath: <path>"
            string? message = record.GetField("Message");
            if (message is null)
            {
                return;
            }

            int idStart = message.LastIndexOf("ScriptBlock ID:", StringComparison.Ordinal);
            int textStart = message.IndexOf('\n');
            if (textStart < 0)
            {
                return;
            }

            int textEnd = idStart > textStart ? idStart : message.Length;
            draft.Details = KeyValueText.Trimmed(message, textStart + 1, textEnd);
            if (idStart > textStart)
            {
                draft.TargetName = KeyValueText.LineAt(message, SkipBlanks(message, idStart + "ScriptBlock ID:".Length));
                draft.TargetPath = KeyValueText.LineAt(message, KeyValueText.FindValueStart(message, "Path", ':', idStart));
            }
        }

        private static void MapModuleLogging(EventRecord record, ref EventDraft draft)
        {
            string? context = record.GetField("ContextInfo");
            string? payload = record.GetField("Payload");
            if (context is null && payload is null)
            {
                // Message-only form: the payload, then "Context:" and the context block, then "User Data:".
                string? message = record.GetField("Message");
                if (message is null)
                {
                    return;
                }

                int contextHeader = FindContextHeader(message);
                if (contextHeader >= 0)
                {
                    payload = KeyValueText.Trimmed(message, 0, contextHeader);
                    context = message.Substring(contextHeader);
                }
                else
                {
                    payload = message;
                }
            }

            draft.Details = EventFieldParser.Text(payload);
            if (context is not null)
            {
                draft.CommandLine = KeyValueText.Find(context, "Host Application", '=');
                draft.User = EventFieldParser.Name(KeyValueText.Find(context, "User", '='));
                draft.TargetName = KeyValueText.Find(context, "Command Name", '=');
                draft.TargetPath = KeyValueText.Find(context, "Script Name", '=');
            }
        }

        private static void MapClassicEvent(EventRecord record, ref EventDraft draft, bool isPipeline)
        {
            // One pass over the fields: the Data_n value holding the HostApplication line is the
            // context block; for 800 the highest-numbered Data_n after it is the pipeline detail.
            // Neither position nor field order is trusted: some readers drop an empty first value
            // and shift the rest, and some collectors store the values out of order.
            string? context = null;
            int contextIndex = -1;
            int hostStart = -1;
            string? last = null;
            int lastIndex = -1;
            string? message = null;
            IReadOnlyList<KeyValuePair<string, string>> fields = record.Fields;
            for (int i = 0; i < fields.Count; i++)
            {
                KeyValuePair<string, string> field = fields[i];
                int index = DataIndex(field.Key);
                if (index >= 0)
                {
                    if (field.Value is null)
                    {
                        continue;
                    }

                    if (index > lastIndex)
                    {
                        lastIndex = index;
                        last = field.Value;
                    }

                    if (context is null)
                    {
                        int start = KeyValueText.FindValueStart(field.Value, ClassicHostKey, '=');
                        if (start >= 0)
                        {
                            context = field.Value;
                            contextIndex = index;
                            hostStart = start;
                        }
                    }
                }
                else if (string.Equals(field.Key, "Message", StringComparison.OrdinalIgnoreCase))
                {
                    message = field.Value;
                }
            }

            string? detail = context is not null && lastIndex > contextIndex ? last : null;
            if (context is null && message is not null)
            {
                // Message-only form: the same key=value block, and for 800 a "Details:" section after it.
                int start = KeyValueText.FindValueStart(message, ClassicHostKey, '=');
                if (start >= 0)
                {
                    context = message;
                    hostStart = start;
                    if (isPipeline)
                    {
                        detail = KeyValueText.After(message, "Details:", start);
                    }
                }
            }

            if (context is null)
            {
                return;
            }

            draft.CommandLine = KeyValueText.LineAt(context, hostStart);
            if (isPipeline)
            {
                draft.Details = EventFieldParser.Text(detail);
                draft.User = EventFieldParser.Name(KeyValueText.Find(context, "UserId", '='));
                draft.TargetPath = KeyValueText.Find(context, "ScriptName", '=');
            }
            else if (record.EventId == 600)
            {
                draft.TargetName = KeyValueText.Find(context, "ProviderName", '=');
                draft.Details = KeyValueText.Find(context, "NewProviderState", '=');
            }
            else
            {
                draft.Details = KeyValueText.Find(context, "NewEngineState", '=');
            }
        }

        // The last line that is exactly "Context:" (the payload itself may mention the word).
        private static int FindContextHeader(string message)
        {
            int position = message.Length;
            while (position > 0)
            {
                int found = message.LastIndexOf("Context:", position - 1, StringComparison.Ordinal);
                if (found < 0)
                {
                    return -1;
                }

                bool atLineStart = found == 0 || message[found - 1] == '\n';
                int after = found + "Context:".Length;
                bool atLineEnd = after == message.Length || message[after] == '\r' || message[after] == '\n';
                if (atLineStart && atLineEnd)
                {
                    return found;
                }

                position = found;
            }

            return -1;
        }

        // The n of a "Data_n" key, or -1 for any other key.
        private static int DataIndex(string key)
        {
            if (key.Length <= DataPrefix.Length || key.Length > DataPrefix.Length + 6
                || string.Compare(key, 0, DataPrefix, 0, DataPrefix.Length, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return -1;
            }

            int index = 0;
            for (int i = DataPrefix.Length; i < key.Length; i++)
            {
                char c = key[i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                index = (index * 10) + (c - '0');
            }

            return index;
        }

        private static int SkipBlanks(string text, int index)
        {
            while (index < text.Length && (text[index] == ' ' || text[index] == '\t'))
            {
                index++;
            }

            return index;
        }
    }
}
