using System;
using System.Collections.Generic;
using System.Globalization;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// What changed between two policy documents, one line per JSON-path-level change:
    /// <c>mode: Audit -> Block</c>, <c>tactics.Execution.threshold: (unset) -> 0.7</c>,
    /// <c>exclusions[2] added (image C:\Tools\*.exe: admin tools)</c>. Moved exclusions are not changes.
    /// </summary>
    public static class PolicyChanges
    {
        private const string Unset = "(unset)";

        /// <summary>The changes from <paramref name="previous"/> (the default policy when null) to <paramref name="next"/>, in document order.</summary>
        public static IReadOnlyList<string> Between(PolicyDocument? previous, PolicyDocument next)
        {
            if (next is null)
            {
                throw new ArgumentNullException(nameof(next));
            }

            PolicyDocument old = previous ?? PolicyDocument.Default;
            var changes = new List<string>();
            Value(changes, "version", old.Version, next.Version);
            Value(changes, "mode", old.Mode.ToString(), next.Mode.ToString());
            Settings(changes, "defaults", old.Defaults, next.Defaults);
            Overrides(changes, old.Tactics, next.Tactics);
            Overrides(changes, old.Rules, next.Rules);
            Overrides(changes, old.Detections, next.Detections);
            Exclusions(changes, old.Exclusions, next.Exclusions);
            return changes;
        }

        private static void Value(List<string> changes, string path, string? before, string? after)
        {
            if (!string.Equals(before, after, StringComparison.Ordinal))
            {
                changes.Add(path + ": " + (before ?? Unset) + " -> " + (after ?? Unset));
            }
        }

        private static void Settings(List<string> changes, string path, ResponseSettings before, ResponseSettings after)
        {
            Value(changes, path + ".threshold", Number(before.Threshold), Number(after.Threshold));
            Value(changes, path + ".action", before.Action?.ToString(), after.Action?.ToString());
            Value(changes, path + ".quarantine", Flag(before.Quarantine), Flag(after.Quarantine));
            Value(changes, path + ".blockHash", Flag(before.BlockHash), Flag(after.BlockHash));
            Value(changes, path + ".remediate", Flag(before.Remediate), Flag(after.Remediate));
        }

        private static void Overrides(List<string> changes, IReadOnlyList<PolicyOverride> before, IReadOnlyList<PolicyOverride> after)
        {
            var old = new Dictionary<string, PolicyOverride>(StringComparer.OrdinalIgnoreCase);
            foreach (PolicyOverride entry in before)
            {
                old[entry.Key] = entry;
            }

            foreach (PolicyOverride entry in before)
            {
                if (!Contains(after, entry.Key))
                {
                    changes.Add(entry.Path.Substring(2) + " removed (" + entry.Settings + ")");
                }
            }

            foreach (PolicyOverride entry in after)
            {
                if (old.TryGetValue(entry.Key, out PolicyOverride? previous))
                {
                    Settings(changes, entry.Path.Substring(2), previous.Settings, entry.Settings);
                }
                else
                {
                    changes.Add(entry.Path.Substring(2) + " added (" + entry.Settings + ")");
                }
            }
        }

        private static void Exclusions(List<string> changes, IReadOnlyList<PolicyExclusion> before, IReadOnlyList<PolicyExclusion> after)
        {
            // Same conditions, expiry and justification: the same exclusion wherever it moved.
            var unmatched = new List<PolicyExclusion>(after);
            var removed = new List<PolicyExclusion>();
            foreach (PolicyExclusion exclusion in before)
            {
                int at = unmatched.FindIndex(e => string.Equals(e.ToString(), exclusion.ToString(), StringComparison.Ordinal));
                if (at >= 0)
                {
                    unmatched.RemoveAt(at);
                }
                else
                {
                    removed.Add(exclusion);
                }
            }

            foreach (PolicyExclusion exclusion in removed)
            {
                changes.Add("exclusions[" + exclusion.Index.ToString(CultureInfo.InvariantCulture) + "] removed (" + exclusion + ")");
            }

            foreach (PolicyExclusion exclusion in unmatched)
            {
                changes.Add("exclusions[" + exclusion.Index.ToString(CultureInfo.InvariantCulture) + "] added (" + exclusion + ")");
            }
        }

        private static bool Contains(IReadOnlyList<PolicyOverride> overrides, string key)
        {
            foreach (PolicyOverride entry in overrides)
            {
                if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private static string? Number(double? value) => value.HasValue ? PolicyDocument.Number(value.Value) : null;

        private static string? Flag(bool? value) => value.HasValue ? (value.Value ? "true" : "false") : null;
    }
}
