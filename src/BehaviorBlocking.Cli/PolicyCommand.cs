using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary>Output formats of <c>policy show</c>.</summary>
    internal enum PolicyShowFormat
    {
        Table,
        Jsonl,
        Json,
    }

    /// <summary>
    /// <c>behaviorblock policy show|set|validate|history</c>: the policy in force (<c>policy.json</c> in the
    /// product folder), installing a new one (validated first, written atomically, recorded in the
    /// store's audit trail) and reading that trail.
    /// </summary>
    internal static class PolicyCommand
    {
        private static readonly JsonWriterOptions s_compact = new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static Command Create(CliConsole console)
        {
            var command = new Command("policy", "Show, check, install and audit the blocking policy (docs/policy.md).");
            command.Subcommands.Add(Show(console));
            command.Subcommands.Add(Set(console));
            command.Subcommands.Add(Validate(console));
            command.Subcommands.Add(History(console));
            return command;
        }

        /// <summary>The policy in force, else the default Audit policy (no product folder; a policy in force that cannot be used is a warning naming <paramref name="who"/>).</summary>
        internal static BlockingPolicy InForce(CliConsole console, string who)
        {
            BlockingPolicy policy = ScanPolicy.InForceOrDefault(out BehaviorBlockingException? problem);
            if (problem is not null)
            {
                console.Error.WriteLine($"behaviorblock: warning: {problem.ErrorId}: {problem.Message} {who} the default Audit policy.");
            }

            return policy;
        }

        private static Command Show(CliConsole console)
        {
            var format = new Option<PolicyShowFormat>("--format")
            {
                Description = "Output: 'table' for people, 'jsonl' for one JSON object on one line on stdout (path, isDefault, sha256 and the policy); 'json' is the same.",
                DefaultValueFactory = _ => PolicyShowFormat.Table,
                HelpName = "table|jsonl",
            };
            var command = new Command("show", "Show the policy in force and where it came from.") { format };
            command.SetAction(parsed =>
            {
                string path = PolicyFile.DefaultPath;
                LoadedPolicy loaded = PolicyFile.LoadInForce(path);
                if (parsed.GetValue(format) != PolicyShowFormat.Table)
                {
                    console.Out.WriteLine(ShowJson(loaded, path));
                }
                else
                {
                    ShowTable(console.Out, loaded, path, DateTimeOffset.UtcNow);
                }

                return Program.ExitOk;
            });
            return command;
        }

        private static Command Set(CliConsole console)
        {
            var file = new Argument<string>("file") { Description = "The policy document (JSON) to validate and install." };
            Option<string?> store = CliOptions.Store();
            var command = new Command("set", "Validate a policy file, make it the policy in force (atomically) and record the change in the store's audit trail.") { file, store };
            command.SetAction(parsed =>
            {
                // An invalid file ends here with PolicyFileInvalid (exit 1): nothing is written or recorded.
                PolicySetResult result = PolicyFile.Set(parsed.GetValue(file)!, storePath: CliOptions.StorePath(parsed.GetValue(store)));
                PolicyChange change = result.Change;
                console.Out.WriteLine($"installed {result.Path} (version {change.Version}, mode {result.Document.Mode}, sha256 {change.Sha256})");
                if (change.Changes.Count == 0)
                {
                    console.Out.WriteLine("  no changes");
                }

                foreach (string line in change.Changes)
                {
                    console.Out.WriteLine("  " + line);
                }

                foreach (PolicyProblem warning in result.Document.Warnings(DateTimeOffset.UtcNow))
                {
                    console.Error.WriteLine("behaviorblock: warning: " + warning.Format(result.Path));
                }

                return Program.ExitOk;
            });
            return command;
        }

        private static Command Validate(CliConsole console)
        {
            var file = new Argument<string>("file") { Description = "The policy document (JSON) to check." };
            var command = new Command("validate", "Check a policy file: exit 0 when valid (warnings about expired exclusions on stderr), 1 with FILE:LINE:COLUMN and the reason of every problem.") { file };
            command.SetAction(parsed =>
            {
                PolicyValidation validation = PolicyFile.Validate(parsed.GetValue(file)!, DateTimeOffset.UtcNow);
                if (!validation.IsValid)
                {
                    foreach (PolicyProblem problem in validation.Errors)
                    {
                        console.Error.WriteLine($"behaviorblock: {ErrorIds.PolicyFileInvalid}: {problem.Format(validation.Path)}");
                    }

                    console.Error.WriteLine($"behaviorblock: {validation.Errors.Count} problem(s); the policy is invalid.");
                    return Program.ExitFailed;
                }

                foreach (PolicyProblem warning in validation.Warnings)
                {
                    console.Error.WriteLine("behaviorblock: warning: " + warning.Format(validation.Path));
                }

                PolicyDocument document = validation.Document!;
                console.Out.WriteLine($"valid: {validation.Path} (version {document.Version}, mode {document.Mode}, {document.Exclusions.Count} exclusion(s))");
                return Program.ExitOk;
            });
            return command;
        }

        private static Command History(CliConsole console)
        {
            Option<int?> last = CliOptions.Count("--last", "Only the N most recent changes.");
            var format = new Option<OutputFormat>("--format")
            {
                Description = "Output: 'table' for people, 'jsonl' for one change record per line on stdout.",
                DefaultValueFactory = _ => OutputFormat.Table,
                HelpName = "table|jsonl",
            };
            Option<string?> store = CliOptions.Store();
            var command = new Command("history", "List the policy changes recorded in the store: when, who, version, hashes and what changed.") { last, format, store };
            command.SetAction(parsed =>
            {
                string storePath = CliOptions.StorePath(parsed.GetValue(store));
                IReadOnlyList<PolicyChange> changes;
                if (!File.Exists(storePath) && !Directory.Exists(storePath))
                {
                    // No store yet: no policy was ever set through it.
                    changes = Array.Empty<PolicyChange>();
                }
                else
                {
                    using PolicyHistory history = PolicyHistory.OpenReadOnly(storePath);
                    changes = history.List(parsed.GetValue(last));
                }

                if (parsed.GetValue(format) == OutputFormat.Jsonl)
                {
                    foreach (PolicyChange change in changes)
                    {
                        console.Out.WriteLine(ChangeJson(change));
                    }
                }
                else
                {
                    HistoryTable(console.Out, changes);
                }

                return Program.ExitOk;
            });
            return command;
        }

        private static string ShowJson(LoadedPolicy loaded, string path)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, s_compact))
            {
                writer.WriteStartObject();
                writer.WriteString("path", path);
                writer.WriteBoolean("isDefault", loaded.IsDefault);
                if (loaded.Sha256 is null)
                {
                    writer.WriteNull("sha256");
                }
                else
                {
                    writer.WriteString("sha256", loaded.Sha256);
                }

                writer.WritePropertyName("policy");
                loaded.Document.WriteTo(writer);
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        private static void ShowTable(TextWriter output, LoadedPolicy loaded, string path, DateTimeOffset now)
        {
            PolicyDocument document = loaded.Document;
            output.WriteLine(loaded.IsDefault ? $"source       default Audit policy (no policy file at {path})" : $"source       {loaded.Path}");
            if (loaded.Sha256 is not null)
            {
                output.WriteLine($"sha256       {loaded.Sha256}");
            }

            output.WriteLine($"version      {document.Version}");
            output.WriteLine($"mode         {document.Mode}");
            output.WriteLine($"defaults     {BlockingPolicyInfo.From(loaded, path, now).Defaults}");
            foreach (PolicyOverride entry in Overrides(document))
            {
                output.WriteLine($"{entry.Path.Substring(2)}  {entry.Settings}");
            }

            foreach (PolicyExclusion exclusion in document.Exclusions)
            {
                string state = exclusion.IsActive(now) ? string.Empty : " [expired, ignored]";
                output.WriteLine($"exclusions[{exclusion.Index.ToString(CultureInfo.InvariantCulture)}]  {exclusion}{state}");
            }
        }

        private static IEnumerable<PolicyOverride> Overrides(PolicyDocument document)
        {
            foreach (PolicyOverride entry in document.Tactics)
            {
                yield return entry;
            }

            foreach (PolicyOverride entry in document.Rules)
            {
                yield return entry;
            }

            foreach (PolicyOverride entry in document.Detections)
            {
                yield return entry;
            }
        }

        private static void HistoryTable(TextWriter output, IReadOnlyList<PolicyChange> changes)
        {
            if (changes.Count > 0)
            {
                output.WriteLine($"{"Seq",-5} {"Time (UTC)",-19} {"User@Host",-32} {"Version",-20} {"SHA-256",-12} Changes");
                output.WriteLine($"{new string('-', 5)} {new string('-', 19)} {new string('-', 32)} {new string('-', 20)} {new string('-', 12)} -------");
            }

            foreach (PolicyChange change in changes)
            {
                string who = change.User + "@" + change.Host;
                output.WriteLine($"{change.Sequence.ToString(CultureInfo.InvariantCulture),-5} {change.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-19} "
                    + $"{Cut(who, 32),-32} {Cut(change.Version, 20),-20} {change.Sha256.Substring(0, Math.Min(12, change.Sha256.Length)),-12} {change.Changes.Count.ToString(CultureInfo.InvariantCulture)}");
                foreach (string line in change.Changes)
                {
                    output.WriteLine("      " + line);
                }
            }

            output.WriteLine($"{changes.Count} policy change(s).");
        }

        private static string ChangeJson(PolicyChange change)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, s_compact))
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", change.Sequence);
                writer.WriteString("time", change.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                writer.WriteString("user", change.User);
                writer.WriteString("host", change.Host);
                writer.WriteString("version", change.Version);
                writer.WriteString("sha256", change.Sha256);
                if (change.PreviousSha256 is null)
                {
                    writer.WriteNull("previousSha256");
                }
                else
                {
                    writer.WriteString("previousSha256", change.PreviousSha256);
                }

                writer.WriteStartArray("changes");
                foreach (string line in change.Changes)
                {
                    writer.WriteStringValue(line);
                }

                writer.WriteEndArray();
                writer.WriteString("document", change.Document);
                writer.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        private static string Cut(string text, int width) => text.Length <= width ? text : text.Substring(0, width - 1) + "…";
    }
}
