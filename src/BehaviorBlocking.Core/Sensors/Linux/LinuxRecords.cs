using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Builds the <see cref="EventRecord"/>s the fanotify sensors write: Sysmon for Linux's schema on <see cref="LinuxEvents.Channel"/>.</summary>
    internal static class LinuxRecords
    {
        private static readonly string s_computer = Environment.MachineName;

        /// <summary>A record of <paramref name="eventId"/> by <paramref name="pid"/> (actor fields from <paramref name="actor"/> when known), then <paramref name="fields"/>.</summary>
        internal static EventRecord Build(int eventId, DateTimeOffset time, int pid, LinuxActor? actor, params KeyValuePair<string, string>[] fields)
        {
            var list = new List<KeyValuePair<string, string>>(5 + fields.Length);
            SysmonFields.AddIfKnown(list, LinuxEvents.UtcTime, SysmonFields.UtcTimeText(time));
            if (actor is not null)
            {
                SysmonFields.AddIfKnown(list, LinuxEvents.ProcessGuid, LinuxSensorClock.GuidText(actor.Guid));
            }

            SysmonFields.AddIfKnown(list, LinuxEvents.ProcessId, Text(pid));
            SysmonFields.AddIfKnown(list, LinuxEvents.Image, actor?.Image);
            SysmonFields.AddIfKnown(list, LinuxEvents.User, actor?.User);
            list.AddRange(fields);
            return Record(eventId, time, s_computer, list);
        }

        /// <summary>A record of <paramref name="eventId"/> on <see cref="LinuxEvents.Channel"/> with the given fields, as <paramref name="computer"/> saw it.</summary>
        internal static EventRecord Record(int eventId, DateTimeOffset time, string computer, IReadOnlyList<KeyValuePair<string, string>> fields) => new EventRecord
        {
            EventId = eventId,
            Channel = LinuxEvents.Channel,
            Provider = LinuxEvents.Provider,
            Computer = computer,
            TimeCreated = time,
            Fields = fields,
        };

        internal static KeyValuePair<string, string> Field(string name, string value) => new KeyValuePair<string, string>(name, value);

        /// <summary>A number as field text (invariant culture).</summary>
        internal static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
