using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Builds the <see cref="EventRecord"/>s the fanotify sensors write: Sysmon for Linux's schema on <see cref="LinuxEvents.Channel"/>.</summary>
    internal static class LinuxRecords
    {
        private static readonly string s_computer = Environment.MachineName;
        private static readonly Lazy<int> s_pid = new Lazy<int>(() =>
        {
            using (var self = System.Diagnostics.Process.GetCurrentProcess())
            {
                return self.Id;
            }
        });

        /// <summary>This process's id (netstandard2.0 has no <c>Environment.ProcessId</c>).</summary>
        internal static int CurrentProcessId => s_pid.Value;

        /// <summary>A record of <paramref name="eventId"/> by <paramref name="pid"/> (actor fields from <paramref name="actor"/> when known), then <paramref name="fields"/>.</summary>
        internal static EventRecord Build(int eventId, DateTimeOffset time, int pid, LinuxActor? actor, params KeyValuePair<string, string>[] fields)
        {
            var list = new List<KeyValuePair<string, string>>(5 + fields.Length)
            {
                Field(LinuxEvents.UtcTime, time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
            };
            if (actor is not null)
            {
                list.Add(Field(LinuxEvents.ProcessGuid, "{" + actor.Guid.ToString("D") + "}"));
            }

            list.Add(Field(LinuxEvents.ProcessId, pid.ToString(CultureInfo.InvariantCulture)));
            if (actor?.Image is string image)
            {
                list.Add(Field(LinuxEvents.Image, image));
            }

            if (actor?.User is string user)
            {
                list.Add(Field(LinuxEvents.User, user));
            }

            list.AddRange(fields);
            return new EventRecord
            {
                EventId = eventId,
                Channel = LinuxEvents.Channel,
                Provider = LinuxEvents.Provider,
                Computer = s_computer,
                TimeCreated = time,
                Fields = list,
            };
        }

        internal static KeyValuePair<string, string> Field(string name, string value) => new KeyValuePair<string, string>(name, value);
    }
}
