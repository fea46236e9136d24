using System;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// Maps the ETW sensor's channel (<see cref="WindowsEtwEvents.Channel"/>): Sysmon's ids through the
    /// Sysmon mapping, plus the product's own rename event (as on Linux).
    /// </summary>
    internal static class WindowsEtwEventMapper
    {
        public static bool IsEtwChannel(string channel) => string.Equals(channel, WindowsEtwEvents.Channel, StringComparison.OrdinalIgnoreCase);

        public static void Map(EventRecord record, ref EventDraft draft)
        {
            if (record.EventId == WindowsEtwEvents.FileRename)
            {
                draft.Kind = EventKind.FileRename;
                SysmonEventMapper.ReadActor(record, ref draft);

                // As for every rename: the object is the old name, TargetName the new one.
                draft.TargetPath = EventFieldParser.Name(record.GetField(WindowsEtwEvents.SourceFilename));
                draft.TargetName = EventFieldParser.Name(record.GetField(WindowsEtwEvents.TargetFilename));
                return;
            }

            SysmonEventMapper.Map(record, ref draft);
        }
    }
}
