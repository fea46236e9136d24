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
        }

        public string ReaderKey { get; }

        public FieldReader Reader { get; }

        public string[] Literals { get; }

        /// <summary>How selective it is: the shortest literal's length (longer literals occur less often).</summary>
        public int Strength
        {
            get
            {
                int min = int.MaxValue;
                foreach (string literal in Literals)
                {
                    min = Math.Min(min, literal.Length);
                }

                return min;
            }
        }

        /// <summary>Derives the strongest single-field requirement a matcher implies, or null when it implies none.</summary>
        public static Requirement? Of(Matcher matcher)
        {
            switch (matcher)
            {
                case FieldMatcher field:
                    return OfField(field);
                case AndMatcher and:
                    Requirement? best = null;
                    foreach (Matcher part in and.Parts)
                    {
                        Requirement? r = Of(part);
                        if (r is not null && (best is null || r.Strength > best.Strength))
                        {
                            best = r;
                        }
                    }

                    return best;
                case OrMatcher or:
                    // Every alternative must require literals of the same field; the requirement is their union.
                    Requirement? union = null;
                    var literals = new List<string>();
                    foreach (Matcher part in or.Parts)
                    {
                        Requirement? r = Of(part);
                        if (r is null || (union is not null && r.ReaderKey != union.ReaderKey))
                        {
                            return null;
                        }

                        union ??= r;
                        literals.AddRange(r.Literals);
                    }

                    return union is null ? null : new Requirement(union.ReaderKey, union.Reader, literals.ToArray());
                default:
                    return null;
            }
        }

        private static Requirement? OfField(FieldMatcher field)
        {
            if (field.AcceptsMissing || field.Tests.Length == 0)
            {
                return null;
            }

            if (field.All)
            {
                // Every value must match, so any one of them is necessary: take the most selective.
                string[]? best = null;
                foreach (ValueTest test in field.Tests)
                {
                    string[]? literals = LiteralsOf(test);
                    if (literals is not null && (best is null || MinLength(literals) > MinLength(best)))
                    {
                        best = literals;
                    }
                }

                return best is null ? null : new Requirement(field.ReaderKey, field.Reader, best);
            }

            var all = new List<string>();
            foreach (ValueTest test in field.Tests)
            {
                string[]? literals = LiteralsOf(test);
                if (literals is null)
                {
                    return null;
                }

                all.AddRange(literals);
            }

            return new Requirement(field.ReaderKey, field.Reader, all.ToArray());
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
        {
            Id = id;
            Entries = entries.ToArray();
            EntryNeedles = new int[Entries.Length][];
            var groups = new Dictionary<string, (FieldReader Reader, List<KeyValuePair<string, int>> Needles)>(StringComparer.Ordinal);
            var ids = new Dictionary<(string, string), int>();
            for (int i = 0; i < Entries.Length; i++)
            {
                Requirement? requirement = Requirement.Of(Entries[i].Rule.Condition);
                if (requirement is null)
                {
                    continue;
                }

                if (!groups.TryGetValue(requirement.ReaderKey, out var group))
                {
                    group = (requirement.Reader, new List<KeyValuePair<string, int>>());
                    groups[requirement.ReaderKey] = group;
                }

                var needleIds = new List<int>();
                foreach (string literal in requirement.Literals)
                {
                    string folded = literal.ToLowerInvariant();
                    if (!ids.TryGetValue((requirement.ReaderKey, folded), out int needle))
                    {
                        needle = ids.Count;
                        ids[(requirement.ReaderKey, folded)] = needle;
                        group.Needles.Add(new KeyValuePair<string, int>(folded, needle));
                    }

                    if (!needleIds.Contains(needle))
                    {
                        needleIds.Add(needle);
                    }
                }

                EntryNeedles[i] = needleIds.ToArray();
            }

            var scans = new List<FieldScan>();
            foreach (var group in groups.Values)
            {
                scans.Add(new FieldScan(group.Reader, new NeedleAutomaton(group.Needles)));
            }

            Scans = scans.ToArray();
            NeedleCount = ids.Count;
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
                string? value = scan.Reader(e);
                if (value is not null)
                {
                    scan.Automaton.Scan(value, found, stamp);
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
        public FieldScan(FieldReader reader, NeedleAutomaton automaton)
        {
            Reader = reader;
            Automaton = automaton;
        }

        public FieldReader Reader { get; }

        public NeedleAutomaton Automaton { get; }
    }
}
