using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock quarantine list|restore ID|add PATH</c>: the quarantine folder, which is the record of its entries.</summary>
    internal static class QuarantineCommand
    {
        private static readonly (string, int)[] s_columns =
        {
            ("Id", 36), ("Quarantined (UTC)", 19), ("State", 8), ("Bytes", 10), ("SHA-256", 16), ("Original path", 0),
        };

        public static Command Create(CliConsole console)
        {
            var command = new Command("quarantine", "List, restore and add quarantined files (the product folder's quarantine/).");
            command.Subcommands.Add(List(console));
            command.Subcommands.Add(Restore(console));
            command.Subcommands.Add(Add(console));
            return command;
        }

        /// <summary>The entry as one camelCase JSON object.</summary>
        internal static string Json(QuarantineEntry e)
        {
            using var memory = new MemoryStream();
            using (var w = new Utf8JsonWriter(memory))
            {
                w.WriteStartObject();
                w.WriteString("id", e.Id.ToString("D"));
                w.WriteString("state", e.State.ToString());
                w.WriteString("originalPath", e.OriginalPath);
                w.WriteString("sha256", e.Sha256);
                w.WriteNumber("length", e.Length);
                w.WriteString("quarantinedAt", CliJson.Time(e.QuarantinedAt));
                CliJson.String(w, "restoredAt", e.RestoredAt.HasValue ? CliJson.Time(e.RestoredAt.Value) : null);
                CliJson.String(w, "owner", e.Owner);
                CliJson.Number(w, "userId", e.UserId);
                CliJson.Number(w, "groupId", e.GroupId);
                CliJson.String(w, "mode", e.Mode.HasValue ? Convert.ToString(e.Mode.Value, 8).PadLeft(4, '0') : null);
                CliJson.String(w, "modified", e.Modified.HasValue ? CliJson.Time(e.Modified.Value) : null);
                CliJson.String(w, "detectionId", e.DetectionId?.ToString("D"));
                CliJson.String(w, "reason", e.Reason);
                CliJson.String(w, "vaultFile", e.VaultFile);
                CliJson.String(w, "problem", e.Problem);
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(memory.ToArray());
        }

        private static Command List(CliConsole console)
        {
            Option<OutputFormat> format = CliOptions.Format("one entry object per line");
            Option<string?> folder = FolderOption();
            var command = new Command("list", "List every entry, held, restored and broken, oldest first.") { format, folder };
            command.SetAction(parsed =>
            {
                QuarantineVault vault = Open(console, parsed.GetValue(folder));
                IReadOnlyList<QuarantineEntry> entries = vault.List();
                if (parsed.GetValue(format) == OutputFormat.Jsonl)
                {
                    foreach (QuarantineEntry entry in entries)
                    {
                        console.Out.WriteLine(Json(entry));
                    }

                    return Program.ExitOk;
                }

                if (entries.Count > 0)
                {
                    ColumnTable.Write(console.Out, s_columns, entries.Select(e => new[]
                    {
                        e.Id.ToString("D"),
                        e.QuarantinedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        e.State.ToString(),
                        e.State == QuarantineState.Broken ? string.Empty : e.Length.ToString(CultureInfo.InvariantCulture),
                        e.Sha256.Length > 16 ? e.Sha256.Substring(0, 15) + "…" : e.Sha256,
                        e.State == QuarantineState.Broken ? e.Problem : e.OriginalPath,
                    }));
                }

                console.Out.WriteLine($"{entries.Count} entr{(entries.Count == 1 ? "y" : "ies")} ({entries.Count(e => e.State == QuarantineState.Held)} held) in {vault.Folder}.");
                return Program.ExitOk;
            });
            return command;
        }

        private static Command Restore(CliConsole console)
        {
            var id = new Argument<string>("id") { Description = "The entry's id (from 'quarantine list')." };
            Option<string?> folder = FolderOption();
            var command = new Command("restore", "Put a file back where it was, after checking its SHA-256; never overwrites an existing file.") { id, folder };
            command.SetAction(parsed =>
            {
                Guid entryId = CliOptions.ParseId(parsed.GetValue(id)!, "quarantine restore");
                QuarantineEntry restored = Open(console, parsed.GetValue(folder)).Restore(entryId);
                console.Out.WriteLine($"restored {restored.OriginalPath} (SHA-256 {restored.Sha256}, {restored.Length.ToString(CultureInfo.InvariantCulture)} bytes)");
                return Program.ExitOk;
            });
            return command;
        }

        private static Command Add(CliConsole console)
        {
            var path = new Argument<string>("path") { Description = "The file to quarantine (a symbolic link is refused, never followed)." };
            // --comment as in block and indicator add; --reason is the same option.
            var reason = new Option<string?>("--comment", "--reason") { Description = "Why it is quarantined (kept in the entry as its reason; --reason is the same)." };
            Option<string?> folder = FolderOption();
            var command = new Command("add", "Quarantine a file by hand: copied into the quarantine, checked, then removed from where it was.") { path, reason, folder };
            command.SetAction(parsed =>
            {
                QuarantineEntry entry = Open(console, parsed.GetValue(folder)).Add(parsed.GetValue(path)!, null, parsed.GetValue(reason) ?? "quarantined by hand");
                console.Out.WriteLine($"quarantined {entry.OriginalPath} as {entry.Id:D} (SHA-256 {entry.Sha256}, {entry.Length.ToString(CultureInfo.InvariantCulture)} bytes)");
                return Program.ExitOk;
            });
            return command;
        }

        private static Option<string?> FolderOption() => new Option<string?>("--quarantine")
        {
            Description = "The quarantine folder. Default: quarantine/ in the product folder (BEHAVIORBLOCKING_HOME overrides).",
        };

        private static QuarantineVault Open(CliConsole console, string? folder)
        {
            var vault = new QuarantineVault(folder ?? QuarantineVault.DefaultFolder, console.GuardRails());
            foreach (string recovered in vault.Recovered)
            {
                console.Error.WriteLine("behaviorblock: quarantine: " + recovered);
            }

            return vault;
        }
    }

    /// <summary>Writing the JSON lines of the response commands: times as ISO 8601 UTC, nulls written out.</summary>
    internal static class CliJson
    {
        public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        public static void String(Utf8JsonWriter w, string name, string? value)
        {
            if (value is null)
            {
                w.WriteNull(name);
            }
            else
            {
                w.WriteString(name, value);
            }
        }

        public static void Number(Utf8JsonWriter w, string name, long? value)
        {
            if (value.HasValue)
            {
                w.WriteNumber(name, value.Value);
            }
            else
            {
                w.WriteNull(name);
            }
        }
    }
}
