using System;
using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// The events a fuzzed rule is evaluated on: the recorded sample (a whole intrusion, Sysmon) and
    /// the events of the first match fixture of every other channel, normalized once per process.
    /// </summary>
    internal static class FixedEvents
    {
        private static readonly Lazy<IReadOnlyList<BehaviorEvent>> s_events = new Lazy<IReadOnlyList<BehaviorEvent>>(() => Load(FixtureRoot.Locate()));

        public static IReadOnlyList<BehaviorEvent> All => s_events.Value;

        internal static IReadOnlyList<BehaviorEvent> Load(FixtureRoot root)
        {
            var files = new List<string>(Directory.GetFiles(root.Samples, "*.jsonl"));
            files.Sort(StringComparer.Ordinal);
            var fixtures = new List<string>(Directory.GetFiles(root.RuleFixtures, "*.match.jsonl"));
            fixtures.Sort(StringComparer.Ordinal);
            var channels = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var normalizer = new WindowsEventNormalizer();
            var events = new List<BehaviorEvent>();
            foreach (string file in files)
            {
                foreach (BehaviorEvent e in Read(file, normalizer))
                {
                    channels.Add(e.Channel);
                    events.Add(e);
                }
            }

            foreach (string fixture in fixtures)
            {
                List<BehaviorEvent> read = Read(fixture, normalizer);
                if (read.Count > 0 && channels.Add(read[0].Channel))
                {
                    events.AddRange(read);
                }
            }

            if (events.Count == 0)
            {
                throw new InvalidOperationException("no fixed events could be read from " + root.Samples + " and " + root.RuleFixtures);
            }

            return events;
        }

        private static List<BehaviorEvent> Read(string file, WindowsEventNormalizer normalizer)
        {
            var events = new List<BehaviorEvent>();
            using FileStream stream = File.OpenRead(file);
            IRecordReader reader = ReplayInputs.Open(stream, file, _ => { }, new Utf8StringCache(), 1 << 20);
            for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
            {
                events.Add(normalizer.Normalize(record));
            }

            return events;
        }
    }
}
