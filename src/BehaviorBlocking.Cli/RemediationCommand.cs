using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Text;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock remediation list|undo</c>: the persistence removed by remediation, and putting it back.</summary>
    internal static class RemediationCommand
    {
        private static readonly (string Title, int Width)[] s_columns =
        {
            ("Id", 36), ("Time (UTC)", 19), ("State", 8), ("Kind", 15), ("What was removed", 80),
        };

        public static Command Create(CliConsole console)
        {
            Option<OutputFormat> format = CliOptions.Format();
            format.Description = "Output: 'table' for people, 'jsonl' for one remediation record per line on stdout.";
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
            IReadOnlyList<RemediationRecord> records;
            using (RemediationStore store = RemediationStore.OpenReadOnly(storePath))
            {
                records = store.List();
            }

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
                WriteRow(console, Array.ConvertAll(s_columns, c => c.Title));
                WriteRow(console, Array.ConvertAll(s_columns, c => new string('-', c.Width)));
                foreach (RemediationRecord r in records)
                {
                    WriteRow(console, new[]
                    {
                        r.Id.ToString("D"),
                        r.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        r.State.ToString(),
                        r.Artifact.Kind.ToString(),
                        r.Description ?? r.Artifact.Location,
                    });
                }
            }

            console.Out.WriteLine(records.Count.ToString(CultureInfo.InvariantCulture) + " remediation(s).");
            return Program.ExitOk;
        }

        private static int Undo(CliConsole console, string storePath, string idText)
        {
            if (!Guid.TryParse(idText, out Guid id))
            {
                throw new UsageException("remediation undo: '" + idText + "' is not a remediation id (a uuid, as 'remediation list' shows).");
            }

            using (RemediationStore store = RemediationStore.Open(storePath))
            {
                // Guard rails need not be asked: undo only puts back what a remediation, which asked them, took away.
                RemediationRecord restored = Remediators.ForThisPlatform(store, guardRails: null).Undo(id);
                console.Out.WriteLine("Restored " + restored.Id.ToString("D") + ": " + restored.Artifact.Kind + " " + (restored.Description ?? restored.Artifact.Location));
            }

            return Program.ExitOk;
        }

        private static void WriteRow(CliConsole console, string[] cells)
        {
            var line = new StringBuilder();
            for (int i = 0; i < cells.Length; i++)
            {
                string shown = TerminalText.Escape(cells[i]);
                int width = s_columns[i].Width;
                line.Append(i == cells.Length - 1 ? shown : shown.Length <= width ? shown.PadRight(width) : shown.Substring(0, width - 1) + "…").Append(' ');
            }

            console.Out.WriteLine(line.ToString().TrimEnd());
        }
    }
}
