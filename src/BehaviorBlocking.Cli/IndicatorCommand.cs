using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock indicator list|add|remove|import</c>: the allow/block indicators in the store.</summary>
    internal static class IndicatorCommand
    {
        private static readonly (string, int)[] s_columns =
        {
            ("Id", 36), ("Verdict", 7), ("Kind", 6), ("Source", 9), ("Expires (UTC)", 19), ("Comment", 24), ("Value", 0),
        };

        public static Command Create(CliConsole console)
        {
            var command = new Command("indicator", "List, add, remove and import allow/block indicators (SHA-256 or path).");
            command.Subcommands.Add(List(console));
            command.Subcommands.Add(Add(console));
            command.Subcommands.Add(Remove(console));
            command.Subcommands.Add(Import(console));
            return command;
        }

        /// <summary>The indicator as one camelCase JSON object.</summary>
        internal static string Json(Indicator i, DateTimeOffset now)
        {
            using var memory = new MemoryStream();
            using (var w = new Utf8JsonWriter(memory))
            {
                w.WriteStartObject();
                w.WriteString("id", i.Id.ToString("D"));
                w.WriteString("kind", i.Kind.ToString());
                w.WriteString("value", i.Value);
                w.WriteString("verdict", i.Verdict.ToString());
                w.WriteString("source", i.Source.ToString());
                w.WriteString("created", CliJson.Time(i.Created));
                CliJson.String(w, "expires", i.Expires.HasValue ? CliJson.Time(i.Expires.Value) : null);
                w.WriteBoolean("active", i.IsActive(now));
                CliJson.String(w, "comment", i.Comment);
                CliJson.String(w, "detectionId", i.DetectionId?.ToString("D"));
                CliJson.String(w, "createdBy", i.CreatedBy);
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(memory.ToArray());
        }

        private static Command List(CliConsole console)
        {
            var all = new Option<bool>("--all") { Description = "Also the expired ones." };
            Option<OutputFormat> format = CliOptions.Format("one indicator object per line");
            Option<string?> store = CliOptions.Store();
            var command = new Command("list", "List the indicators in force (with --all, expired ones too), oldest first.") { all, format, store };
            command.SetAction(parsed =>
            {
                string path = CliOptions.StorePath(parsed.GetValue(store));
                DateTimeOffset now = DateTimeOffset.UtcNow;
                IReadOnlyList<Indicator> found = Array.Empty<Indicator>();

                // No store yet is no indicators, not an error.
                if (File.Exists(path))
                {
                    using IndicatorStore opened = IndicatorStore.OpenReadOnly(path);
                    found = opened.List(parsed.GetValue(all));
                }

                if (parsed.GetValue(format) == OutputFormat.Jsonl)
                {
                    foreach (Indicator indicator in found)
                    {
                        console.Out.WriteLine(Json(indicator, now));
                    }

                    return Program.ExitOk;
                }

                if (found.Count > 0)
                {
                    ColumnTable.Write(console.Out, s_columns, found.Select(i => new[]
                    {
                        i.Id.ToString("D"),
                        i.Verdict.ToString(),
                        i.Kind == IndicatorKind.Sha256 ? "sha256" : "path",
                        i.Source.ToString(),
                        i.Expires.HasValue ? i.Expires.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + (i.IsActive(now) ? string.Empty : " (expired)") : "never",
                        i.Comment,
                        i.Value,
                    }));
                }

                console.Out.WriteLine($"{found.Count} indicator(s).");
                return Program.ExitOk;
            });
            return command;
        }

        private static Command Add(CliConsole console)
        {
            var sha256 = new Option<string?>("--sha256") { Description = "The file's SHA-256 (64 hexadecimal digits)." };
            var path = new Option<string?>("--path") { Description = "The file's absolute path (Windows paths compare without regard to case; no wildcards)." };
            var verdict = new Option<IndicatorVerdict>("--verdict") { Description = "allow or block.", Required = true, HelpName = "allow|block" };
            var expires = new Option<DateTimeOffset?>("--expires")
            {
                Description = "When it stops applying (ISO 8601; without a zone, UTC); must be in the future.",
                CustomParser = result =>
                {
                    string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[result.Tokens.Count - 1].Value;
                    if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset when))
                    {
                        return when;
                    }

                    result.AddError($"--expires: '{text}' is not an ISO 8601 time.");
                    return null;
                },
            };
            var comment = new Option<string?>("--comment") { Description = "Why it is added." };
            Option<string?> store = CliOptions.Store();
            var command = new Command("add", "Add an allow or block indicator, or update the one for the same hash or path.") { sha256, path, verdict, expires, comment, store };
            command.Validators.Add(result =>
            {
                bool hasHash = result.GetResult(sha256) is not null;
                bool hasPath = result.GetResult(path) is not null;
                if (hasHash == hasPath)
                {
                    result.AddError("indicator add needs exactly one of --sha256 and --path.");
                }
            });
            command.SetAction(parsed =>
            {
                string? hash = parsed.GetValue(sha256);
                IndicatorKind kind = hash is not null ? IndicatorKind.Sha256 : IndicatorKind.Path;
                string value = hash ?? parsed.GetValue(path)!;
                if (IndicatorValues.Normalize(kind, value, out string? error) is null)
                {
                    throw new UsageException((kind == IndicatorKind.Sha256 ? "--sha256: " : "--path: ") + error + ".");
                }

                Indicator added = IndicatorService.Add(CliOptions.StorePath(parsed.GetValue(store)), new IndicatorDraft(kind, value, parsed.GetValue(verdict), IndicatorSource.Manual)
                {
                    Expires = parsed.GetValue(expires),
                    Comment = parsed.GetValue(comment),
                    CreatedBy = Environment.UserName,
                });
                console.Out.WriteLine($"{added.Verdict.ToString().ToLowerInvariant()} {(added.Kind == IndicatorKind.Sha256 ? "sha256" : "path")} {added.Value}: indicator {added.Id:D}");
                return Program.ExitOk;
            });
            return command;
        }

        private static Command Remove(CliConsole console)
        {
            var id = new Argument<string>("id") { Description = "The indicator's id (from 'indicator list')." };
            Option<string?> store = CliOptions.Store();
            var command = new Command("remove", "Remove an indicator.") { id, store };
            command.SetAction(parsed =>
            {
                Guid indicatorId = CliOptions.ParseId(parsed.GetValue(id)!, "indicator remove");
                Indicator removed = IndicatorService.Remove(CliOptions.StorePath(parsed.GetValue(store)), indicatorId);
                console.Out.WriteLine($"removed {removed.Verdict.ToString().ToLowerInvariant()} {(removed.Kind == IndicatorKind.Sha256 ? "sha256" : "path")} {removed.Value} ({removed.Id:D})");
                return Program.ExitOk;
            });
            return command;
        }

        private static Command Import(CliConsole console)
        {
            var file = new Argument<string>("file") { Description = "A JSON Lines file (one indicator object a line) or a JSON array of them." };
            Option<string?> store = CliOptions.Store();
            var command = new Command("import", "Import an indicator feed, all or nothing: one bad entry rejects the feed, naming its line.") { file, store };
            command.SetAction(parsed =>
            {
                string path = parsed.GetValue(file)!;
                IndicatorImport result = IndicatorService.Import(CliOptions.StorePath(parsed.GetValue(store)), path, DateTimeOffset.UtcNow);
                int kept = result.Kept;
                console.Out.WriteLine($"imported {result.Count} indicator(s) from {path}" + (kept > 0 ? $"; {kept} already set by hand or by a detection were left as they are" : string.Empty) + ".");
                return Program.ExitOk;
            });
            return command;
        }
    }
}
