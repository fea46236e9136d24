using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>Turns candidate values into completion results for the word typed so far (prefix match, case-insensitive, quoted when needed).</summary>
    public static class Completions
    {
        /// <summary>The candidates that start with <paramref name="wordToComplete"/> (quotes the user typed are ignored), in the order given.</summary>
        /// <param name="candidates">The values to offer.</param>
        /// <param name="wordToComplete">What the user typed so far.</param>
        /// <param name="tooltip">The tooltip of a value.</param>
        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> candidates, string? wordToComplete, Func<string, string> tooltip)
        {
            if (candidates is null)
            {
                throw new ArgumentNullException(nameof(candidates));
            }

            if (tooltip is null)
            {
                throw new ArgumentNullException(nameof(tooltip));
            }

            string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (string candidate in candidates)
            {
                if (!candidate.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                yield return new CompletionResult(Quote(candidate), candidate, CompletionResultType.ParameterValue, tooltip(candidate));
            }
        }

        /// <summary>The value as it must be typed: single-quoted (quotes doubled) when it holds characters PowerShell would read otherwise.</summary>
        public static string Quote(string value)
        {
            foreach (char c in value ?? string.Empty)
            {
                if (char.IsWhiteSpace(c) || "'\"`$&@(){}[];,|<>#!".IndexOf(c) >= 0)
                {
                    return "'" + value!.Replace("'", "''") + "'";
                }
            }

            return value ?? string.Empty;
        }
    }
}
