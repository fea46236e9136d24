using System;
using System.CommandLine;
using System.Globalization;
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

    /// <summary>Options shared by several commands, and parsing of their values.</summary>
    internal static class CliOptions
    {
        private static readonly Regex s_relative = new Regex(@"^(?<n>\d+)(?<unit>[smhdw])$", RegexOptions.CultureInvariant);

        public static Option<OutputFormat> Format() => new Option<OutputFormat>("--format")
        {
            Description = "Output: 'table' for people, 'jsonl' for one detection record per line on stdout.",
            DefaultValueFactory = _ => OutputFormat.Table,
        };

        public static Option<string?> Store() => new Option<string?>("--store")
        {
            Description = "Detection store (SQLite file). Default: behaviorblocking.db in the product folder (BEHAVIORBLOCKING_HOME overrides).",
        };

        public static string StorePath(string? given) => given ?? ProductHome.DefaultStorePath;

        /// <summary>Parses an ISO 8601 time or an age such as 30m, 24h, 7d, 2w (counted back from now).</summary>
        public static DateTimeOffset? ParseTime(string? text, string option, DateTimeOffset now)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            Match relative = s_relative.Match(text!.Trim());
            if (relative.Success)
            {
                double n = double.Parse(relative.Groups["n"].Value, CultureInfo.InvariantCulture);
                TimeSpan span = relative.Groups["unit"].Value switch
                {
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    "d" => TimeSpan.FromDays(n),
                    _ => TimeSpan.FromDays(7 * n),
                };
                return now - span;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value))
            {
                return value;
            }

            throw new UsageException($"{option}: '{text}' is neither an ISO 8601 time nor an age like 30m, 24h, 7d.");
        }
    }
}
