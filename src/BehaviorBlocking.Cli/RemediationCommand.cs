using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock remediation list|undo</c>: the persistence removed by remediation, and putting it back.</summary>
    internal static class RemediationCommand
    {
        private static readonly (string Title, int Width)[] s_columns =
        {
            ("Id", 36), ("Time (UTC)", 19), ("State", 8), ("Kind", 15), ("What was removed", 0),
        };

        public static Command Create(CliConsole console)
        {
            Option<OutputFormat> format = CliOptions.Format("one remediation record per line");
            Option<string?> listStore = CliOptions.Store();
            var list = new Command("list", "List remediations (oldest first) and whether they were undone.") { format, listStore };
            list.SetAction(parsed => List(console, CliOptions.StorePath(parsed.GetValue(listStore)), parsed.GetValue(format)));

            var id = new Argument<string>("id") { Description = "The remediation's id (from 'remediation list', or the reference of the Remediate step)." };
            Option<string?> undoStore = CliOptions.Store();
            var undo = new Command("undo", "Put back what a remediation removed, exactly as it was; refused when it was changed since.") { id, undoStore };
            undo.SetAction(parsed => Undo(console, CliOptions.StorePath(parsed.GetValue(undoStore)), parsed.GetValue(id)!));

            return new Command("remediation", "Remediations of persistence: list them, undo one.") { list, undo };
        }

        private static int List(CliConsole console, string storePath, OutputFormat format)
        {
            // No store yet is no remediations, not an error (as for indicators and the policy history).
            IReadOnlyList<RemediationRecord> records = RemediationService.List(storePath);

            if (format == OutputFormat.Jsonl)
            {
                foreach (RemediationRecord record in records)
                {
                    console.Out.WriteLine(RemediationJson.Serialize(record));
                }

                return Program.ExitOk;
            }

            if (records.Count > 0)
            {
                ColumnTable.Write(console.Out, s_columns, records.Select(r => new[]
                {
                    r.Id.ToString("D"),
                    r.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    r.State.ToString(),
                    r.Artifact.Kind.ToString(),
                    r.Description ?? r.Artifact.Location,
                }));
            }

            console.Out.WriteLine(records.Count.ToString(CultureInfo.InvariantCulture) + " remediation(s).");
            return Program.ExitOk;
        }

        private static int Undo(CliConsole console, string storePath, string idText)
        {
            Guid id = CliOptions.ParseId(idText, "remediation undo");

            RemediationRecord restored = RemediationService.Undo(storePath, id);
            console.Out.WriteLine("restored " + restored.Id.ToString("D") + ": " + restored.Artifact.Kind + " " + (restored.Description ?? restored.Artifact.Location));

            return Program.ExitOk;
        }
    }
}
