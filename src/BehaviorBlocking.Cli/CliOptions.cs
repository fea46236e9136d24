using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary>Output formats of commands that list detections.</summary>
    internal enum OutputFormat
    {
        Table,
        Jsonl,
    }

    /// <summary>
    /// Options shared by several commands, and the one parser of every count, time and output-file
    /// value: each is checked while the command line is parsed, so a value out of range is a usage
    /// error (exit code 2) that names the option, never an exception later.
    /// </summary>
    internal static class CliOptions
    {
        private static readonly Regex s_relative = new Regex(@"^(?<n>[0-9]+)(?<unit>[smhdw])$", RegexOptions.CultureInvariant);

        public static Option<OutputFormat> Format(string lines = "one detection record per line") => new Option<OutputFormat>("--format")
        {
            Description = "Output: 'table' for people, 'jsonl' for " + lines + " on stdout.",
            DefaultValueFactory = _ => OutputFormat.Table,
            HelpName = "table|jsonl",
        };

        public static Option<string?> Store() => new Option<string?>("--store")
        {
            Description = "Detection store (SQLite file). Default: behaviorblocking.db in the product folder (BEHAVIORBLOCKING_HOME overrides).",
        };

        public static string StorePath(string? given) => given ?? ProductHome.DefaultStorePath;

        /// <summary>A whole number from <paramref name="minimum"/> to <see cref="int.MaxValue"/>.</summary>
        public static Option<int?> Count(string name, string description, int minimum = 1) => new Option<int?>(name)
        {
            Description = description,
            CustomParser = result => TryParseCount(Value(result), name, minimum, out int value, out string? error) ? value : Failed<int?>(result, error),
        };

        /// <summary>An ISO 8601 time or an age such as 30m, 24h, 7d, 2w (counted back from the moment of parsing).</summary>
        public static Option<DateTimeOffset?> Time(string name, string description) => new Option<DateTimeOffset?>(name)
        {
            Description = description,
            CustomParser = result => TryParseTime(Value(result), name, DateTimeOffset.UtcNow, out DateTimeOffset value, out string? error) ? value : Failed<DateTimeOffset?>(result, error),
        };

        /// <summary>A file the command writes: not empty, and not an existing directory.</summary>
        public static Option<string> OutputFile(string name, string description, bool required)
        {
            var option = new Option<string>(name) { Description = description, Required = required };
            option.Validators.Add(result =>
            {
                string text = Value(result);
                if (string.IsNullOrWhiteSpace(text))
                {
                    result.AddError($"{name} needs a file name.");
                }
                else if (Directory.Exists(text))
                {
                    result.AddError($"{name}: '{text}' is a directory; name the file to write.");
                }
            });
            return option;
        }

        /// <summary>An entry or indicator id; anything else is a usage error naming the command.</summary>
        public static Guid ParseId(string text, string command)
        {
            if (Guid.TryParse(text, out Guid id))
            {
                return id;
            }

            throw new UsageException($"{command}: '{text}' is not an id (a uuid such as 3f2b6c1e-0000-4000-8000-000000000000).");
        }

        /// <summary>Parses a count; the error names the option and the range.</summary>
        internal static bool TryParseCount(string text, string option, int minimum, out int value, out string? error)
        {
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= minimum)
            {
                error = null;
                return true;
            }

            error = string.Format(CultureInfo.InvariantCulture, "{0}: '{1}' is not a whole number from {2} to {3}.", option, text, minimum, int.MaxValue);
            return false;
        }

        /// <summary>Parses an ISO 8601 time or an age counted back from <paramref name="now"/>; the error names the option.</summary>
        internal static bool TryParseTime(string text, string option, DateTimeOffset now, out DateTimeOffset value, out string? error)
        {
            error = null;
            Match relative = s_relative.Match(text.Trim());
            if (relative.Success)
            {
                long unitTicks = relative.Groups["unit"].Value switch
                {
                    "s" => TimeSpan.TicksPerSecond,
                    "m" => TimeSpan.TicksPerMinute,
                    "h" => TimeSpan.TicksPerHour,
                    "d" => TimeSpan.TicksPerDay,
                    _ => 7 * TimeSpan.TicksPerDay,
                };

                // The oldest age that still names a time: back to 0001-01-01.
                long reachable = (now.UtcDateTime - DateTime.MinValue).Ticks / unitTicks;
                if (!long.TryParse(relative.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > reachable)
                {
                    value = default;
                    error = string.Format(CultureInfo.InvariantCulture, "{0}: the age '{1}' reaches back before the year 1 (at most {2}{3}).", option, text, reachable, relative.Groups["unit"].Value);
                    return false;
                }

                value = new DateTimeOffset(now.UtcDateTime.AddTicks(-n * unitTicks), TimeSpan.Zero);
                return true;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
            {
                return true;
            }

            error = $"{option}: '{text}' is neither an ISO 8601 time nor an age like 30m, 24h, 7d, 2w.";
            return false;
        }

        private static string Value(SymbolResult result) => result.Tokens.Count == 0 ? string.Empty : result.Tokens[result.Tokens.Count - 1].Value;

        private static T Failed<T>(ArgumentResult result, string? error)
        {
            result.AddError(error ?? "invalid value.");
            return default!;
        }
    }
}
