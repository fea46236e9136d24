using System;
using System.Collections.Generic;
using System.CommandLine;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock detections</c>: query the detection store (it is only read).</summary>
    internal static class DetectionsCommand
    {
        public static Command Create(CliConsole console)
        {
            Option<DateTimeOffset?> since = CliOptions.Time("--since", "Only detections last seen at or after this time (ISO 8601, or an age: 30m, 24h, 7d, 2w).");
            Option<DateTimeOffset?> until = CliOptions.Time("--until", "Only detections last seen at or before this time (ISO 8601, or an age).");
            var tactic = new Option<Tactic?>("--tactic") { Description = "Only this ATT&CK tactic (InitialAccess ... Impact, Generic)." };
            var host = new Option<string?>("--host") { Description = "Only this device (case-insensitive)." };
            Option<int?> last = CliOptions.Count("--last", "Only the N most recent.");
            Option<OutputFormat> format = CliOptions.Format();
            Option<string?> store = CliOptions.Store();
            var command = new Command("detections", "List detections from the store.") { since, until, tactic, host, last, format, store };
            command.SetAction(parsed =>
            {
                var query = new DetectionQuery
                {
                    Since = parsed.GetValue(since),
                    Until = parsed.GetValue(until),
                    Tactic = parsed.GetValue(tactic),
                    Host = parsed.GetValue(host),
                    Last = parsed.GetValue(last),
                };
                return Run(console, CliOptions.StorePath(parsed.GetValue(store)), query, parsed.GetValue(format));
            });
            return command;
        }

        private static int Run(CliConsole console, string storePath, DetectionQuery query, OutputFormat format)
        {
            IReadOnlyList<Detection> found = DetectionQueries.Run(query, storePath);
            if (format == OutputFormat.Jsonl)
            {
                foreach (Detection detection in found)
                {
                    console.Out.WriteLine(DetectionJson.Serialize(detection));
                }
            }
            else
            {
                DetectionTable.Write(console.Out, found);
                console.Out.WriteLine($"{found.Count} detection(s).");
            }

            return Program.ExitOk;
        }
    }
}
