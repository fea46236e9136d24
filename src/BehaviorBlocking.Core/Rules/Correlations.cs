using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Rules
{
    /// <summary>Kinds of Sigma correlation.</summary>
    internal enum CorrelationType
    {
        EventCount,
        ValueCount,
        Temporal,
        TemporalOrdered,
    }

    /// <summary>A compiled Sigma correlation rule.</summary>
    internal sealed class CompiledCorrelation
    {
        private static readonly Regex s_timespan = new Regex(@"^(?<n>\d+)(?<unit>[smhdwMy])$", RegexOptions.CultureInvariant);

        private CompiledCorrelation(SigmaRule rule, CorrelationType type, CompiledRule[] rules, FieldReader[] groupBy, TimeSpan timespan,
            string? op, double threshold, FieldReader? valueField)
        {
            Rule = rule;
            Type = type;
            Rules = rules;
            GroupBy = groupBy;
            Timespan = timespan;
            Operator = op;
            Threshold = threshold;
            ValueField = valueField;
        }

        public SigmaRule Rule { get; }

        /// <summary>Position in its rule set (per-correlation counters are arrays indexed by it).</summary>
        public int Ordinal { get; set; }

        public CorrelationType Type { get; }

        public CompiledRule[] Rules { get; }

        public FieldReader[] GroupBy { get; }

        public TimeSpan Timespan { get; }

        public string? Operator { get; }

        public double Threshold { get; }

        public FieldReader? ValueField { get; }

        public static CompiledCorrelation Compile(YamlMap document, SigmaRule rule, List<CompiledRule> detectionRules)
        {
            YamlMap correlation = document.GetMap("correlation") ?? throw new RuleUnsupportedException("correlation is not a mapping");
            CorrelationType type = (correlation.GetString("type") ?? string.Empty).ToLowerInvariant() switch
            {
                "event_count" => CorrelationType.EventCount,
                "value_count" => CorrelationType.ValueCount,
                "temporal" => CorrelationType.Temporal,
                "temporal_ordered" => CorrelationType.TemporalOrdered,
                var other => throw new RuleUnsupportedException($"correlation type '{other}' is not supported"),
            };

            List<string> references = correlation.GetStrings("rules");
            if (references.Count == 0)
            {
                throw new RuleUnsupportedException("the correlation names no rules");
            }

            // Each group of a temporal correlation keeps a time per rule: the list is bounded, and a rule named twice counts once.
            if (references.Count > RuleLimits.MaxCorrelationRules)
            {
                throw new RuleUnsupportedException(string.Format(CultureInfo.InvariantCulture,
                    "the correlation names {0:N0} rules; at most {1:N0} are allowed", references.Count, RuleLimits.MaxCorrelationRules));
            }

            var rules = new List<CompiledRule>(references.Count);
            foreach (string reference in references)
            {
                CompiledRule found = detectionRules.Find(r => string.Equals(r.Rule.Id, reference, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(r.Rule.Name, reference, StringComparison.Ordinal))
                    ?? throw new RuleUnsupportedException($"the correlation refers to rule '{RuleCompiler.Shorten(reference)}', which is not loaded");
                if (!rules.Contains(found))
                {
                    rules.Add(found);
                }
            }

            string? category = rules[0].Rule.Category;
            List<string> groupByNames = correlation.GetStrings("group-by");
            var groupBy = new FieldReader[groupByNames.Count];
            for (int i = 0; i < groupBy.Length; i++)
            {
                groupBy[i] = FieldAccess.Compile(groupByNames[i], category, rules[0].Rule.Service);
            }

            string timespanText = correlation.GetString("timespan") ?? correlation.GetString("timeframe")
                ?? throw new RuleUnsupportedException("the correlation has no timespan");
            TimeSpan timespan = ParseTimespan(timespanText);
            string? op = null;
            double threshold = 0;
            FieldReader? valueField = null;
            if (type == CorrelationType.EventCount || type == CorrelationType.ValueCount)
            {
                YamlMap condition = correlation.GetMap("condition") ?? throw new RuleUnsupportedException("the correlation has no condition");
                foreach (KeyValuePair<string, object?> entry in condition.Entries)
                {
                    switch (entry.Key)
                    {
                        case "gt":
                        case "gte":
                        case "lt":
                        case "lte":
                        case "eq":
                            op = entry.Key;
                            if (entry.Value is not string n || !double.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out threshold))
                            {
                                throw new RuleUnsupportedException($"correlation condition '{entry.Key}' needs a number");
                            }

                            break;
                        case "field":
                            valueField = entry.Value is string f ? FieldAccess.Compile(f, category, rules[0].Rule.Service) : null;
                            break;
                        default:
                            throw new RuleUnsupportedException($"correlation condition '{entry.Key}' is not supported");
                    }
                }

                if (op is null)
                {
                    throw new RuleUnsupportedException("the correlation condition has no comparison");
                }

                if (type == CorrelationType.ValueCount && valueField is null)
                {
                    throw new RuleUnsupportedException("a value_count correlation needs condition.field");
                }
            }

            var compiled = new CompiledCorrelation(rule, type, rules.ToArray(), groupBy, timespan, op, threshold, valueField);
            bool generate = string.Equals(correlation.GetString("generate") ?? document.GetString("generate"), "true", StringComparison.OrdinalIgnoreCase);
            foreach (CompiledRule referenced in rules)
            {
                referenced.Correlations.Add(compiled);
                referenced.Suppressed |= !generate;
            }

            return compiled;
        }

        /// <summary>
        /// Matches (event_count) or values (value_count) a group needs to keep: beyond the threshold plus one,
        /// every comparison has the same answer, so older ones can go; never more than <see cref="RuleLimits.MaxCorrelationWindow"/>.
        /// </summary>
        public int WindowCap => Threshold >= RuleLimits.MaxCorrelationWindow ? RuleLimits.MaxCorrelationWindow : Math.Max(1, (int)Math.Ceiling(Threshold) + 1);

        public bool Satisfied(double value) => Operator switch
        {
            "gt" => value > Threshold,
            "gte" => value >= Threshold,
            "lt" => value < Threshold,
            "lte" => value <= Threshold,
            _ => Math.Abs(value - Threshold) < 1e-9,
        };

        private static TimeSpan ParseTimespan(string text)
        {
            Match m = s_timespan.Match(text.Trim());
            if (!m.Success)
            {
                throw new RuleUnsupportedException($"timespan '{text}' is not like 30s, 5m, 1h, 2d");
            }

            double n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            return m.Groups["unit"].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                "w" => TimeSpan.FromDays(7 * n),
                "M" => TimeSpan.FromDays(30 * n),
                _ => TimeSpan.FromDays(365 * n),
            };
        }
    }

    /// <summary>
    /// Running state of correlations: per correlation and group (the process tree, or the host for
    /// events without a process, plus the group-by values), the recent matches inside the timespan.
    /// Owned by the pipeline's consumer thread; released when the tree closes.
    /// </summary>
    internal sealed class CorrelationState
    {
        private const int MaxGroups = 100_000;
        private readonly Dictionary<string, Group> _groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        private readonly Dictionary<ProcessTree, List<string>> _keysByTree = new Dictionary<ProcessTree, List<string>>();

        /// <summary>Counts a match of <paramref name="matched"/>; returns the correlations it completes.</summary>
        public void OnMatch(CompiledRule matched, BehaviorEvent e, ProcessNode? node, List<CompiledCorrelation> fired)
        {
            foreach (CompiledCorrelation correlation in matched.Correlations)
            {
                string key = Key(correlation, e, node);
                if (!_groups.TryGetValue(key, out Group? group))
                {
                    if (_groups.Count >= MaxGroups)
                    {
                        // A flood of distinct groups must not grow memory without bound.
                        _groups.Clear();
                        _keysByTree.Clear();
                    }

                    group = new Group(correlation);
                    _groups[key] = group;
                    if (node is not null)
                    {
                        if (!_keysByTree.TryGetValue(node.Tree, out List<string>? keys))
                        {
                            keys = new List<string>();
                            _keysByTree[node.Tree] = keys;
                        }

                        keys.Add(key);
                    }
                }

                if (Update(correlation, group, matched, e))
                {
                    fired.Add(correlation);
                }
            }
        }

        public void OnTreeClosed(ProcessTree tree)
        {
            if (_keysByTree.TryGetValue(tree, out List<string>? keys))
            {
                foreach (string key in keys)
                {
                    _groups.Remove(key);
                }

                _keysByTree.Remove(tree);
            }
        }

        /// <summary>
        /// Tree <paramref name="from"/> joined <paramref name="into"/>: windows kept per tree move to the
        /// new tree (merged with its own windows of the same correlation); group-by windows only change owner.
        /// </summary>
        public void OnTreesMerged(ProcessTree from, ProcessTree into)
        {
            if (!_keysByTree.TryGetValue(from, out List<string>? keys))
            {
                return;
            }

            _keysByTree.Remove(from);
            if (!_keysByTree.TryGetValue(into, out List<string>? intoKeys))
            {
                intoKeys = new List<string>();
                _keysByTree[into] = intoKeys;
            }

            string fromSuffix = TreeKey(from);
            string intoSuffix = TreeKey(into);
            foreach (string key in keys)
            {
                if (!key.EndsWith(fromSuffix, StringComparison.Ordinal) || !_groups.TryGetValue(key, out Group? group))
                {
                    intoKeys.Add(key);
                    continue;
                }

                string moved = key.Substring(0, key.Length - fromSuffix.Length) + intoSuffix;
                _groups.Remove(key);
                if (_groups.TryGetValue(moved, out Group? existing))
                {
                    existing.Absorb(group);
                }
                else
                {
                    _groups[moved] = group;
                    intoKeys.Add(moved);
                }
            }
        }

        public void Clear()
        {
            _groups.Clear();
            _keysByTree.Clear();
        }

        private static bool Update(CompiledCorrelation c, Group group, CompiledRule matched, BehaviorEvent e)
        {
            DateTimeOffset now = e.Time;
            DateTimeOffset horizon = now - c.Timespan;
            switch (c.Type)
            {
                case CorrelationType.EventCount:
                    group.Times.Enqueue(now);
                    while (group.Times.Count > 0 && (group.Times.Peek() < horizon || group.Times.Count > c.WindowCap))
                    {
                        group.Times.Dequeue();
                    }

                    return c.Satisfied(group.Times.Count);
                case CorrelationType.ValueCount:
                    string? value = c.ValueField!(e);
                    if (value is not null)
                    {
                        group.Values.Set(value, now);
                    }

                    group.Values.Expire(horizon, c.WindowCap);
                    return c.Satisfied(group.Values.Count);
                default:
                    int index = Array.IndexOf(c.Rules, matched);
                    group.Last![index] = now;
                    for (int i = 0; i < group.Last.Length; i++)
                    {
                        if (group.Last[i] is not DateTimeOffset seen || seen < horizon)
                        {
                            return false;
                        }

                        if (c.Type == CorrelationType.TemporalOrdered && i > 0 && seen < group.Last[i - 1]!.Value)
                        {
                            return false;
                        }
                    }

                    return true;
            }
        }

        private static string Key(CompiledCorrelation c, BehaviorEvent e, ProcessNode? node)
        {
            var key = new StringBuilder(c.Rule.Id).Append('\u001f');
            if (c.GroupBy.Length == 0)
            {
                // No group-by: correlate within the process tree (or the host, for events without a process).
                key.Append(node is null ? "host:" + e.Host : TreeKey(node.Tree));
            }
            else
            {
                key.Append(e.Host);
                foreach (FieldReader reader in c.GroupBy)
                {
                    key.Append('\u001f').Append(reader(e));
                }
            }

            return key.ToString();
        }

        private static string TreeKey(ProcessTree tree) => "tree:" + tree.Id.ToString(CultureInfo.InvariantCulture);

        private sealed class Group
        {
            public Group(CompiledCorrelation correlation)
            {
                bool temporal = correlation.Type == CorrelationType.Temporal || correlation.Type == CorrelationType.TemporalOrdered;
                Last = temporal ? new DateTimeOffset?[correlation.Rules.Length] : null;
            }

            /// <summary>Takes in another group's window of the same correlation (match times in order, latest values, latest per rule).</summary>
            public void Absorb(Group other)
            {
                if (other.Times.Count > 0)
                {
                    var times = new List<DateTimeOffset>(Times.Count + other.Times.Count);
                    times.AddRange(Times);
                    times.AddRange(other.Times);
                    times.Sort();
                    Times.Clear();
                    foreach (DateTimeOffset time in times)
                    {
                        Times.Enqueue(time);
                    }
                }

                Values.Absorb(other.Values);
                for (int i = 0; Last is not null && other.Last is not null && i < Last.Length && i < other.Last.Length; i++)
                {
                    if (other.Last[i] is DateTimeOffset time && !(Last[i] >= time))
                    {
                        Last[i] = time;
                    }
                }
            }

            public Queue<DateTimeOffset> Times { get; } = new Queue<DateTimeOffset>();

            public ValueWindow Values { get; } = new ValueWindow();

            /// <summary>Temporal correlations: when each rule last matched.</summary>
            public DateTimeOffset?[]? Last { get; }
        }
    }

    /// <summary>
    /// The distinct values of a value_count group with the time each was last seen, oldest first, so
    /// expiring them costs per expired value (scanning every value on every match was quadratic).
    /// </summary>
    internal sealed class ValueWindow
    {
        private readonly Dictionary<string, (DateTimeOffset Time, long Sequence)> _latest = new Dictionary<string, (DateTimeOffset, long)>(StringComparer.OrdinalIgnoreCase);
        private readonly SortedSet<(DateTimeOffset Time, long Sequence, string Value)> _byTime = new SortedSet<(DateTimeOffset, long, string)>(Comparer<(DateTimeOffset Time, long Sequence, string Value)>.Create(
            (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Sequence.CompareTo(b.Sequence)));

        private long _sequence;

        public int Count => _latest.Count;

        /// <summary>The value was seen at <paramref name="time"/> (the latest report wins, as before, even when older).</summary>
        public void Set(string value, DateTimeOffset time)
        {
            if (_latest.TryGetValue(value, out (DateTimeOffset Time, long Sequence) old))
            {
                _byTime.Remove((old.Time, old.Sequence, value));
            }

            long sequence = ++_sequence;
            _latest[value] = (time, sequence);
            _byTime.Add((time, sequence, value));
        }

        /// <summary>Drops values last seen before <paramref name="horizon"/>, then the oldest beyond <paramref name="cap"/>.</summary>
        public void Expire(DateTimeOffset horizon, int cap)
        {
            while (_byTime.Count > 0 && (_byTime.Min.Time < horizon || _byTime.Count > cap))
            {
                (DateTimeOffset Time, long Sequence, string Value) oldest = _byTime.Min;
                _byTime.Remove(oldest);
                _latest.Remove(oldest.Value);
            }
        }

        /// <summary>Takes in another window's values, keeping the later time of a value in both.</summary>
        public void Absorb(ValueWindow other)
        {
            foreach (KeyValuePair<string, (DateTimeOffset Time, long Sequence)> entry in other._latest)
            {
                if (!_latest.TryGetValue(entry.Key, out (DateTimeOffset Time, long Sequence) seen) || seen.Time < entry.Value.Time)
                {
                    Set(entry.Key, entry.Value.Time);
                }
            }
        }
    }
}
