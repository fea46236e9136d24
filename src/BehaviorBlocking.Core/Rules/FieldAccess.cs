using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Rules
{
    /// <summary>Reads one field of an event for a rule; null when the event has no such field.</summary>
    internal delegate string? FieldReader(BehaviorEvent behaviorEvent);

    /// <summary>
    /// Compiles a rule's field name into a reader once, at load: header fields and the
    /// process-creation names Security 4688 shares with Sysmon 1 read typed properties; every other
    /// name reads the event's own field (a short list scan, no dictionary per event).
    /// </summary>
    internal static class FieldAccess
    {
        private static readonly string[] s_smallNumbers = CreateSmallNumbers();

        /// <summary>
        /// A key naming the value <see cref="Compile"/>'s reader returns: equal keys read the same value
        /// of any event (the process-creation and PowerShell-classic aliases make the logsource matter).
        /// </summary>
        public static string ReaderKey(string field, string? category, string? service)
        {
            string lower = field.ToLowerInvariant();
            if (Logsources.IsProcessCreation(category))
            {
                return "pc:" + lower;
            }

            bool classic = string.Equals(category, "ps_classic_start", StringComparison.OrdinalIgnoreCase)
                || string.Equals(category, "ps_classic_provider_start", StringComparison.OrdinalIgnoreCase)
                || string.Equals(category, "ps_classic_script", StringComparison.OrdinalIgnoreCase)
                || string.Equals(service, "powershell-classic", StringComparison.OrdinalIgnoreCase);
            if (string.Equals(category, "file_access", StringComparison.OrdinalIgnoreCase) || string.Equals(category, "antivirus", StringComparison.OrdinalIgnoreCase))
            {
                return category!.ToLowerInvariant() + ":" + lower;
            }

            return (classic ? "psc:" : "f:") + lower;
        }

        public static FieldReader Compile(string field, string? category, string? service)
        {
            switch (field.ToLowerInvariant())
            {
                case "eventid":
                    return e => Number(e.EventId);
                case "channel":
                    return e => e.Channel;
                case "provider":
                case "provider_name":
                    return e => e.Provider;
                case "computer":
                case "computername":
                case "hostname":
                    return e => e.Host;
                case "commandlinenormalized":
                    return e => e.NormalizedCommandLine;
                case "parentcommandlinenormalized":
                    return e => e.NormalizedParentCommandLine;
            }

            if (Logsources.IsProcessCreation(category))
            {
                switch (field.ToLowerInvariant())
                {
                    case "image":
                        return e => e.Image;
                    case "commandline":
                        return e => e.CommandLine;
                    case "parentimage":
                        return e => e.ParentImage ?? e.GetField("ParentImage");
                    case "parentcommandline":
                        return e => e.ParentCommandLine;
                    case "user":
                        return e => e.User;
                    case "processid":
                        return e => e.ProcessId is int pid ? Number(pid) : null;
                    case "parentprocessid":
                        return e => e.ParentProcessId is int ppid ? Number(ppid) : null;
                    case "processguid":
                        return e => e.ProcessGuid;
                    case "parentprocessguid":
                        return e => e.ParentProcessGuid;
                }
            }

            // file_access is Security 4663 here (object access on files), antivirus the Defender detection events:
            // the names Sigma's rules of those categories use read the fields those events have.
            if (string.Equals(category, "file_access", StringComparison.OrdinalIgnoreCase))
            {
                switch (field.ToLowerInvariant())
                {
                    case "filename":
                    case "targetfilename":
                        return e => e.GetField("ObjectName");
                    case "image":
                        return e => e.GetField("ProcessName");
                }
            }

            if (string.Equals(category, "antivirus", StringComparison.OrdinalIgnoreCase))
            {
                switch (field.ToLowerInvariant())
                {
                    case "signature":
                        return e => e.GetField("Threat Name");
                    case "filename":
                        return e => e.GetField("Path");
                }
            }

            bool classic = string.Equals(category, "ps_classic_start", StringComparison.OrdinalIgnoreCase)
                || string.Equals(category, "ps_classic_provider_start", StringComparison.OrdinalIgnoreCase)
                || string.Equals(category, "ps_classic_script", StringComparison.OrdinalIgnoreCase)
                || string.Equals(service, "powershell-classic", StringComparison.OrdinalIgnoreCase);
            if (classic && string.Equals(field, "HostApplication", StringComparison.OrdinalIgnoreCase))
            {
                return e => e.GetField("HostApplication") ?? e.CommandLine;
            }

            string name = string.Intern(field);
            return e => e.GetField(name);
        }

        /// <summary>Every field value of the event, for keyword rules.</summary>
        public static IEnumerable<string> AllValues(BehaviorEvent e)
        {
            IReadOnlyList<KeyValuePair<string, string>> fields = e.Fields;
            for (int i = 0; i < fields.Count; i++)
            {
                yield return fields[i].Value;
            }
        }

        private static string Number(int value) =>
            value >= 0 && value < s_smallNumbers.Length ? s_smallNumbers[value] : value.ToString(CultureInfo.InvariantCulture);

        private static string[] CreateSmallNumbers()
        {
            var numbers = new string[8192];
            for (int i = 0; i < numbers.Length; i++)
            {
                numbers[i] = i.ToString(CultureInfo.InvariantCulture);
            }

            return numbers;
        }
    }
}
