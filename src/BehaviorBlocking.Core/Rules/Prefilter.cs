using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// A necessary condition of a rule: the value read by one field reader contains one of these
    /// literals (ignoring case). A rule whose literals are all absent from an event cannot match it.
    /// </summary>
    internal sealed class Requirement
    {
        public Requirement(string readerKey, FieldReader reader, string[] literals)
        {
            ReaderKey = readerKey;
            Reader = reader;
            Literals = literals;
            int min = int.MaxValue;
            foreach (string literal in literals)
            {
                min = Math.Min(min, literal.Length);
            }

            Strength = min;
        }

        public string ReaderKey { get; }

        public FieldReader Reader { get; }

        public string[] Literals { get; }

        /// <summary>How selective it is: the shortest literal's length (longer literals occur less often).</summary>
        public int Strength { get; }

        /// <summary>Reader key of the requirement "some field of the event contains one of the literals" (keyword rules).</summary>
        public const string AnyFieldKey = "*any-field*";

        /// <summary>Derives the strongest single-field requirement a matcher implies, or null when it implies none.</summary>
        public static Requirement? Of(Matcher matcher)
        {
            Requirement? best = null;
            foreach (Requirement r in All(matcher).Values)
            {
                if (best is null || r.Strength > best.Strength)
                {
                    best = r;
                }
            }

            return best;
        }

        /// <summary>
        /// Every requirement a matcher implies, at most one per field: a conjunction implies those of all
        /// its parts (the strongest per field); a disjunction only those on fields every alternative
        /// constrains, with the literals of all alternatives.
        /// </summary>
        private static Dictionary<string, Requirement> All(Matcher matcher)
        {
            var result = new Dictionary<string, Requirement>(StringComparer.Ordinal);
            switch (matcher)
            {
                case FieldMatcher field:
                    Requirement? single = OfField(field);
                    if (single is not null)
                    {
                        result[single.ReaderKey] = single;
                    }

                    break;
                case KeywordMatcher keywords:
                    string[]? literals = keywords.All ? Strongest(keywords.Tests) : AllLiterals(keywords.Tests);
                    if (literals is not null)
                    {
                        result[AnyFieldKey] = new Requirement(AnyFieldKey, _ => null, literals);
                    }

                    break;
                case AndMatcher and:
                    foreach (Matcher part in and.Parts)
                    {
                        foreach (Requirement r in All(part).Values)
                        {
                            if (!result.TryGetValue(r.ReaderKey, out Requirement? existing) || r.Strength > existing.Strength)
                            {
                                result[r.ReaderKey] = r;
                            }
                        }
                    }

                    break;
                case OrMatcher or:
                    // The literals of each field every alternative constrains, gathered once (not re-copied per alternative).
                    Dictionary<string, (FieldReader Reader, List<string> Literals)>? common = null;
                    foreach (Matcher part in or.Parts)
                    {
                        Dictionary<string, Requirement> these = All(part);
                        if (common is null)
                        {
                            common = new Dictionary<string, (FieldReader, List<string>)>(StringComparer.Ordinal);
                            foreach (KeyValuePair<string, Requirement> entry in these)
                            {
                                common[entry.Key] = (entry.Value.Reader, new List<string>(entry.Value.Literals));
                            }

                            continue;
                        }

                        List<string>? dropped = null;
                        foreach (KeyValuePair<string, (FieldReader Reader, List<string> Literals)> entry in common)
                        {
                            if (these.TryGetValue(entry.Key, out Requirement? other))
                            {
                                entry.Value.Literals.AddRange(other.Literals);
                            }
                            else
                            {
                                (dropped ??= new List<string>()).Add(entry.Key);
                            }
                        }

                        if (dropped is not null)
                        {
                            foreach (string key in dropped)
                            {
                                common.Remove(key);
                            }
                        }

                        if (common.Count == 0)
                        {
                            break;
                        }
                    }

                    if (common is not null)
                    {
                        foreach (KeyValuePair<string, (FieldReader Reader, List<string> Literals)> entry in common)
                        {
                            result[entry.Key] = new Requirement(entry.Key, entry.Value.Reader, entry.Value.Literals.ToArray());
                        }
                    }

                    break;
            }

            return result;
        }

        /// <summary>Event ids a matcher requires (an EventID field with plain values on every path), or null.</summary>
        public static int[]? EventIdsOf(Matcher matcher)
        {
            switch (matcher)
            {
                case FieldMatcher field when string.Equals(field.Field, "EventID", StringComparison.OrdinalIgnoreCase) && !field.AcceptsMissing && !field.All:
                    var ids = new List<int>();
                    foreach (ValueTest test in field.Tests)
                    {
                        if (test is not PatternTest pattern || pattern.Pattern.Literal is not string literal || !pattern.Pattern.IsMatch(literal)
                            || !int.TryParse(literal, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id)
                            || pattern.Pattern.IsMatch(literal + "0") || pattern.Pattern.IsMatch("0" + literal))
                        {
                            return null;
                        }

                        ids.Add(id);
                    }

                    return ids.Count == 0 ? null : ids.ToArray();
                case AndMatcher and:
                    foreach (Matcher part in and.Parts)
                    {
                        int[]? found = EventIdsOf(part);
                        if (found is not null)
                        {
                            return found;
                        }
                    }

                    return null;
                case OrMatcher or:
                    var union = new List<int>();
                    foreach (Matcher part in or.Parts)
                    {
                        int[]? found = EventIdsOf(part);
                        if (found is null)
                        {
                            return null;
                        }

                        union.AddRange(found);
                    }

                    return union.Count == 0 ? null : union.ToArray();
                default:
                    return null;
            }
        }

        private static string[]? Strongest(ValueTest[] tests)
        {
            string[]? best = null;
            foreach (ValueTest test in tests)
            {
                string[]? literals = LiteralsOf(test);
                if (literals is not null && (best is null || MinLength(literals) > MinLength(best)))
                {
                    best = literals;
                }
            }

            return best;
        }

        private static string[]? AllLiterals(ValueTest[] tests)
        {
            var all = new List<string>();
            foreach (ValueTest test in tests)
            {
                string[]? literals = LiteralsOf(test);
                if (literals is null)
                {
                    return null;
                }

                all.AddRange(literals);
            }

            return all.Count == 0 ? null : all.ToArray();
        }

        private static Requirement? OfField(FieldMatcher field)
        {
            if (field.AcceptsMissing || field.Tests.Length == 0)
            {
                return null;
            }

            // With 'all' every value must match, so any one of them is necessary: take the most selective.
            string[]? literals = field.All ? Strongest(field.Tests) : AllLiterals(field.Tests);
            return literals is null ? null : new Requirement(field.ReaderKey, field.Reader, literals);
        }

        private static string[]? LiteralsOf(ValueTest test)
        {
            switch (test)
            {
                case PatternTest pattern:
                    string? literal = pattern.Pattern.RequiredLiteral;
                    return literal is not null && literal.Length >= 2 ? new[] { literal } : null;
                case AnyOfTest any:
                    var forms = new List<string>();
                    foreach (ValueTest form in any.Forms)
                    {
                        string[]? literals = LiteralsOf(form);
                        if (literals is null)
                        {
                            return null;
                        }

                        forms.AddRange(literals);
                    }

                    return forms.ToArray();
                default:
                    return null;
            }
        }

        private static int MinLength(string[] literals)
        {
            int min = int.MaxValue;
            foreach (string literal in literals)
            {
                min = Math.Min(min, literal.Length);
            }

            return min;
        }
    }

    /// <summary>
    /// The rules that may match events of one (channel, event id) or one channel, with their literal
    /// prefilters: one automaton per field, run once per event, tells which rules can be skipped.
    /// </summary>
    internal sealed class CandidatePlan
    {
        public CandidatePlan(int id, List<RuleEntry> entries)
            : this(id, entries, new AutomatonCache())
        {
        }

        /// <summary>
        /// Builds the plan. Needle ids are numbered per field group (the group's offset plus its own
        /// number), so plans whose group holds the same literals (Sysmon 1 and Security 4688 carry the
        /// same process-creation rules) share one automaton from <paramref name="automata"/>.
        /// </summary>
        public CandidatePlan(int id, List<RuleEntry> entries, AutomatonCache automata)
        {
            Id = id;
            Entries = entries.ToArray();
            EntryNeedles = new int[Entries.Length][];
            var groups = new Dictionary<string, NeedleGroup>(StringComparer.Ordinal);
            var groupOrder = new List<NeedleGroup>();
            var entryGroup = new NeedleGroup?[Entries.Length];
            for (int i = 0; i < Entries.Length; i++)
            {
                Requirement? requirement = Entries[i].Rule.Requirement;
                if (requirement is null)
                {
                    continue;
                }

                if (!groups.TryGetValue(requirement.ReaderKey, out NeedleGroup? group))
                {
                    group = new NeedleGroup(requirement.ReaderKey, requirement.Reader);
                    groups[requirement.ReaderKey] = group;
                    groupOrder.Add(group);
                }

                var needleIds = new List<int>();
                foreach (string literal in requirement.Literals)
                {
                    // A value containing the literal contains its start: long literals are looked for by their first characters.
                    string folded = (literal.Length > NeedleAutomaton.MaxNeedleLength ? literal.Substring(0, NeedleAutomaton.MaxNeedleLength) : literal).ToLowerInvariant();
                    if (!group.Ids.TryGetValue(folded, out int needle))
                    {
                        needle = group.Needles.Count;
                        group.Ids[folded] = needle;
                        group.Needles.Add(folded);
                        group.LastEntry.Add(-1);
                    }

                    // Once per entry, however many of its literals share the needle (a list lookup here was quadratic).
                    if (group.LastEntry[needle] != i)
                    {
                        group.LastEntry[needle] = i;
                        needleIds.Add(needle);
                    }
                }

                EntryNeedles[i] = needleIds.ToArray();
                entryGroup[i] = group;
            }

            var scans = new FieldScan[groupOrder.Count];
            int offset = 0;
            for (int g = 0; g < groupOrder.Count; g++)
            {
                NeedleGroup group = groupOrder[g];
                group.Offset = offset;
                scans[g] = new FieldScan(group.Reader, automata.Get(group.Needles), group.ReaderKey == Requirement.AnyFieldKey, offset);
                offset += group.Needles.Count;
            }

            for (int i = 0; i < Entries.Length; i++)
            {
                if (entryGroup[i] is NeedleGroup group)
                {
                    int[] needles = EntryNeedles[i]!;
                    for (int j = 0; j < needles.Length; j++)
                    {
                        needles[j] += group.Offset;
                    }
                }
            }

            Scans = scans;
            NeedleCount = offset;
        }

        /// <summary>Unique within the rule set, so a detector can keep per-plan scratch space.</summary>
        public int Id { get; }

        public RuleEntry[] Entries { get; }

        /// <summary>Per entry: the needle ids one of which must be found, or null when the rule is always evaluated.</summary>
        public int[]?[] EntryNeedles { get; }

        public FieldScan[] Scans { get; }

        public int NeedleCount { get; }

        /// <summary>Runs the automata over the event; afterwards <c>found[id] == stamp</c> for (maybe) present needles.</summary>
        public void Scan(BehaviorEvent e, int[] found, int stamp)
        {
            foreach (FieldScan scan in Scans)
            {
                if (scan.AllFields)
                {
                    IReadOnlyList<KeyValuePair<string, string>> fields = e.Fields;
                    for (int i = 0; i < fields.Count; i++)
                    {
                        scan.Automaton.Scan(fields[i].Value, found, stamp, scan.Offset);
                    }

                    continue;
                }

                string? value = scan.Reader(e);
                if (value is not null)
                {
                    scan.Automaton.Scan(value, found, stamp, scan.Offset);
                }
            }
        }

        /// <summary>True when the entry must be evaluated: it has no prefilter, or one of its needles was found.</summary>
        public bool MayMatch(int entry, int[] found, int stamp)
        {
            int[]? needles = EntryNeedles[entry];
            if (needles is null)
            {
                return true;
            }

            foreach (int needle in needles)
            {
                if (found[needle] == stamp)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One field's automaton within a plan.</summary>
    internal readonly struct FieldScan
    {
        public FieldScan(FieldReader reader, NeedleAutomaton automaton, bool allFields, int offset)
        {
            Reader = reader;
            Automaton = automaton;
            AllFields = allFields;
            Offset = offset;
        }

        /// <summary>The plan's id of the automaton's needle 0.</summary>
        public int Offset { get; }

        /// <summary>Scan every field value of the event (keyword rules), not one field.</summary>
        public bool AllFields { get; }

        public FieldReader Reader { get; }

        public NeedleAutomaton Automaton { get; }
    }

    /// <summary>The literals of one field within a plan, numbered from 0 in the order the plan's rules bring them.</summary>
    internal sealed class NeedleGroup
    {
        public NeedleGroup(string readerKey, FieldReader reader)
        {
            ReaderKey = readerKey;
            Reader = reader;
        }

        public string ReaderKey { get; }

        public FieldReader Reader { get; }

        public List<string> Needles { get; } = new List<string>();

        public Dictionary<string, int> Ids { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

        /// <summary>Per needle, the last entry that listed it.</summary>
        public List<int> LastEntry { get; } = new List<int>();

        public int Offset { get; set; }
    }

    /// <summary>
    /// Automata of one rule set by their literal lists, so equal lists share one automaton; and the set's
    /// budget of full transition rows, <see cref="MaxDenseStates"/> (~37 MB), shared out as automata are built.
    /// </summary>
    internal sealed class AutomatonCache
    {
        /// <summary>Full rows of all the automata of a rule set together.</summary>
        public const int MaxDenseStates = 131072;

        private readonly Dictionary<long, List<(string[] Needles, NeedleAutomaton Automaton)>> _byHash = new Dictionary<long, List<(string[], NeedleAutomaton)>>();
        private int _denseLeft = MaxDenseStates;

        /// <summary>Full rows the set's automata have left to share.</summary>
        public int DenseLeft => _denseLeft;

        public NeedleAutomaton Get(List<string> needles)
        {
            long hash = needles.Count;
            foreach (string needle in needles)
            {
                hash = (hash * 1_000_003) ^ StableHash(needle);
            }

            if (!_byHash.TryGetValue(hash, out List<(string[] Needles, NeedleAutomaton Automaton)>? bucket))
            {
                bucket = new List<(string[], NeedleAutomaton)>();
                _byHash[hash] = bucket;
            }

            foreach ((string[] known, NeedleAutomaton automaton) in bucket)
            {
                if (SameNeedles(known, needles))
                {
                    return automaton;
                }
            }

            var list = new List<KeyValuePair<string, int>>(needles.Count);
            for (int i = 0; i < needles.Count; i++)
            {
                list.Add(new KeyValuePair<string, int>(needles[i], i));
            }

            var built = new NeedleAutomaton(list, _denseLeft);
            _denseLeft = Math.Max(0, _denseLeft - built.DenseStates);
            bucket.Add((needles.ToArray(), built));
            return built;
        }

        private static bool SameNeedles(string[] known, List<string> needles)
        {
            if (known.Length != needles.Count)
            {
                return false;
            }

            for (int i = 0; i < known.Length; i++)
            {
                if (!string.Equals(known[i], needles[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        private static long StableHash(string text)
        {
            long hash = 1469598103934665603;
            foreach (char c in text)
            {
                hash = (hash ^ c) * 1099511628211;
            }

            return hash;
        }
    }
}
