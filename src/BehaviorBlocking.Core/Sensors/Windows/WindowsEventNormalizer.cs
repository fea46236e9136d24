using System;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Normalizes Windows event log records (Sysmon, Security, System, Task Scheduler and both
    /// PowerShell logs), the product's ETW sensor (<see cref="Etw.WindowsEtwEvents"/>, Sysmon's schema), and Linux telemetry written in Sysmon for Linux's schema (the product's Linux
    /// sensors, Sysmon for Linux recordings; see <see cref="Linux.LinuxEvents"/>), into <see cref="BehaviorEvent"/>s. Stateless and thread-safe; one instance
    /// can serve every reader. The mapping table is documented in docs/events.md.
    /// </summary>
    /// <remarks>
    /// This is on the hot path of replay and live sensing, so it dispatches on the channel and
    /// then on the event id, looks each field up once, and allocates nothing but the event and
    /// the strings it extracts.
    /// </remarks>
    public sealed class WindowsEventNormalizer : IEventNormalizer
    {
        /// <summary>Error id raised when a record carries no usable timestamp.</summary>
        public const string EventTimeMissingErrorId = Engine.ErrorIds.EventTimeMissing;

        /// <inheritdoc />
        public BehaviorEvent Normalize(EventRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            string channel = record.Channel ?? string.Empty;
            var draft = default(EventDraft);
            DateTimeOffset time;
            Detections.DetectionPlatform platform = Detections.DetectionPlatform.Win32;
            if (Linux.LinuxEventMapper.IsLinuxChannel(channel))
            {
                // Linux telemetry is written in Sysmon for Linux's schema, UtcTime included.
                time = EventFieldParser.TryParseSysmonUtcTime(record.GetField("UtcTime"), out DateTimeOffset linuxTime)
                    ? linuxTime
                    : RequireTimeCreated(record);
                Linux.LinuxEventMapper.Map(record, ref draft);
                platform = Detections.DetectionPlatform.Linux;
            }
            else if (Etw.WindowsEtwEventMapper.IsEtwChannel(channel))
            {
                // The ETW sensor writes Sysmon's schema, UtcTime included.
                time = EventFieldParser.TryParseSysmonUtcTime(record.GetField("UtcTime"), out DateTimeOffset etwTime)
                    ? etwTime
                    : RequireTimeCreated(record);
                Etw.WindowsEtwEventMapper.Map(record, ref draft);
            }
            else if (string.Equals(channel, SysmonEventMapper.Channel, StringComparison.OrdinalIgnoreCase))
            {
                // Sysmon's own UtcTime has millisecond precision and is stamped when the action
                // happened; TimeCreated is when the event was written and may be coarser.
                time = EventFieldParser.TryParseSysmonUtcTime(record.GetField("UtcTime"), out DateTimeOffset utcTime)
                    ? utcTime
                    : RequireTimeCreated(record);
                SysmonEventMapper.Map(record, ref draft);
            }
            else
            {
                time = RequireTimeCreated(record);
                if (string.Equals(channel, SecurityEventMapper.SecurityChannel, StringComparison.OrdinalIgnoreCase))
                {
                    SecurityEventMapper.MapSecurity(record, ref draft);
                }
                else if (string.Equals(channel, PowerShellEventMapper.OperationalChannel, StringComparison.OrdinalIgnoreCase))
                {
                    PowerShellEventMapper.MapOperational(record, ref draft);
                }
                else if (string.Equals(channel, PowerShellEventMapper.ClassicChannel, StringComparison.OrdinalIgnoreCase))
                {
                    PowerShellEventMapper.MapClassic(record, ref draft);
                }
                else if (string.Equals(channel, SecurityEventMapper.SystemChannel, StringComparison.OrdinalIgnoreCase))
                {
                    SecurityEventMapper.MapSystem(record, ref draft);
                }
                else if (string.Equals(channel, SecurityEventMapper.TaskSchedulerChannel, StringComparison.OrdinalIgnoreCase))
                {
                    SecurityEventMapper.MapTaskScheduler(record, ref draft);
                }
                else
                {
                    draft.Kind = EventKind.Other;
                }
            }

            return new BehaviorEvent
            {
                Kind = draft.Kind,
                Platform = platform,
                Time = time,
                Host = record.Computer ?? string.Empty,
                Channel = channel,
                Provider = record.Provider ?? string.Empty,
                EventId = record.EventId,
                RecordId = record.RecordId,
                ProcessGuid = draft.ProcessGuid,
                ProcessId = draft.ProcessId,
                Image = draft.Image,
                CommandLine = draft.CommandLine,
                User = draft.User,
                ParentProcessGuid = draft.ParentProcessGuid,
                ParentProcessId = draft.ParentProcessId,
                ParentImage = draft.ParentImage,
                ParentCommandLine = draft.ParentCommandLine,
                TargetProcessGuid = draft.TargetProcessGuid,
                TargetProcessId = draft.TargetProcessId,
                TargetImage = draft.TargetImage,
                TargetPath = draft.TargetPath,
                TargetName = draft.TargetName,
                Details = draft.Details,
                Hashes = draft.Hashes,
                SourceIp = draft.SourceIp,
                SourcePort = draft.SourcePort,
                DestinationIp = draft.DestinationIp,
                DestinationPort = draft.DestinationPort,
                DestinationHostname = draft.DestinationHostname,
                Protocol = draft.Protocol,
                Initiated = draft.Initiated,
                LogonType = draft.LogonType,
                Fields = record.Fields,
                SourceFile = record.SourceFile,
                SourceLine = record.SourceLine,
            };
        }

        private static DateTimeOffset RequireTimeCreated(EventRecord record)
        {
            if (record.TimeCreated is DateTimeOffset created)
            {
                return created.ToUniversalTime();
            }

            string where = record.SourceFile is null
                ? "line " + record.SourceLine.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : record.SourceFile + ":" + record.SourceLine.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string what = record.InvalidTimeCreated is string text
                ? "TimeCreated '" + (text.Length > 64 ? text.Substring(0, 64) + "…" : text) + "' is not a valid time (ISO 8601, offset within ±14:00, UTC years 1–9999)"
                : "TimeCreated is missing";
            throw new BehaviorBlockingException(
                EventTimeMissingErrorId,
                FailureKind.InvalidData,
                $"Event {record.EventId} of channel '{record.Channel}' at {where} has no time: {what} and the event carries no usable time of its own.")
            {
                Target = record,
            };
        }
    }
}
