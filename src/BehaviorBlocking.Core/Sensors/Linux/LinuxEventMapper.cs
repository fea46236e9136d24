using System;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// Maps Linux telemetry (<see cref="LinuxEvents.Channel"/> and <see cref="LinuxEvents.SysmonForLinuxChannel"/>):
    /// Sysmon's ids through the Sysmon mapping, plus the product's own rename and denied-execution events.
    /// </summary>
    internal static class LinuxEventMapper
    {
        public static bool IsLinuxChannel(string channel) =>
            string.Equals(channel, LinuxEvents.Channel, StringComparison.OrdinalIgnoreCase)
            || string.Equals(channel, LinuxEvents.SysmonForLinuxChannel, StringComparison.OrdinalIgnoreCase);

        public static void Map(EventRecord record, ref EventDraft draft)
        {
            switch (record.EventId)
            {
                case LinuxEvents.FileRename:
                    draft.Kind = EventKind.FileRename;
                    SysmonEventMapper.ReadActor(record, ref draft);
                    // As for every rename: the object is the old name, TargetName the new one.
                    draft.TargetPath = EventFieldParser.Name(record.GetField(LinuxEvents.SourceFilename));
                    draft.TargetName = EventFieldParser.Name(record.GetField(LinuxEvents.TargetFilename));
                    break;

                case LinuxEvents.ExecutionDenied:
                    draft.Kind = EventKind.ExecutionDenied;
                    SysmonEventMapper.ReadActor(record, ref draft);
                    draft.TargetPath = EventFieldParser.Name(record.GetField(LinuxEvents.TargetFilename));
                    draft.Hashes = EventFieldParser.Name(record.GetField(LinuxEvents.Hashes));
                    draft.Details = EventFieldParser.Text(record.GetField(LinuxEvents.State));
                    break;

                default:
                    SysmonEventMapper.Map(record, ref draft);
                    break;
            }
        }
    }
}
