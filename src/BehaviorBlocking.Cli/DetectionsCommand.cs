using System;
using System.Collections.Generic;
using System.CommandLine;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock detections</c>: query the detection store.</summary>
    internal static class DetectionsCommand
    {
        public static Command Create(CliConsole console)
        {
            var since = new Option<string?>("--since") { Description = "Only detections last seen at or after this time (ISO 8601, or an age: 30m, 24h, 7d)." };
            var until = new Option<string?>("--until") { Description = "Only detections last seen at or before this time (ISO 8601, or an age)." };
            var tactic = new Option<Tactic?>("--tactic") { Description = "Only this ATT&CK tactic (InitialAccess ... Impact, Generic)." };
            var host = new Option<string?>("--host") { Description = "Only this device (case-insensitive)." };
            var last = new Option<int?>("--last") { Description = "Only the N most recent." };
            Option<OutputFormat> format = CliOptions.Format();
            Option<string?> store = CliOptions.Store();
            var command = new Command("detections", "List detections from the store.") { since, until, tactic, host, last, format, store };
            command.Validators.Add(result =>
            {
                if (result.GetValue(last) is int n && n < 1)
                {
                    result.AddError("--last must be 1 or more.");
                }
            });
            command.SetAction(parsed =>
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                var query = new DetectionQuery
                {
                    Since = CliOptions.ParseTime(parsed.GetValue(since), "--since", now),
                    Until = CliOptions.ParseTime(parsed.GetValue(until), "--until", now),
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
            IReadOnlyList<Detection> found;
            try
            {
                found = DetectionQueries.Run(query, storePath);
            }
            catch (BehaviorBlockingException ex)
            {
                console.Fail(ex);
                return Program.ExitNoInput;
            }

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
