using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// Aho-Corasick automaton that finds, in one pass over a field value, which of many literals
    /// occur in it, ignoring case. Characters are folded into classes (letters case-insensitively,
    /// digits, common punctuation, and one class for everything else), so it may report a literal
    /// that is not there but never misses one that is: it is a prefilter, and the rule still decides.
    /// </summary>
    /// <remarks>
    /// The states nearest the root, where a scan spends nearly all its steps, have a full transition
    /// row (one step per character); states past <see cref="MaxDenseStates"/> (or past what the rule
    /// set's budget has left, <see cref="AutomatonCache"/>) keep only their children and a failure link.
    /// A full row costs ~300 bytes, so a row for every state made 2 MB of rule values cost gigabytes;
    /// now memory grows by ~30 bytes per state, and no state has more than
    /// <see cref="MaxNeedleLength"/> characters above it.
    /// </remarks>
    internal sealed class NeedleAutomaton
    {
        /// <summary>States (in breadth-first order) of one automaton that get a full transition row.</summary>
        public const int MaxDenseStates = 65536;

        /// <summary>Characters of a literal that are looked for; callers pass longer ones cut to this.</summary>
        public const int MaxNeedleLength = 64;

        private const string Punctuation = "\\/.-_ :$%()[]{}\"',;=&|*?@#+!<>~^`\t";
        private static readonly byte[] s_class = BuildClasses(out s_classes);
        private static readonly int s_classes;
        private readonly int _dense;
        private readonly int[] _next;
        private readonly int[] _childStart;
        private readonly byte[] _childClass;
        private readonly int[] _childTarget;
        private readonly int[] _fail;
        private readonly int[] _report;
        private readonly int[] _nextReport;
        private readonly int[] _needleStart;
        private readonly int[] _needles;

        /// <summary>Builds the automaton for the given literals (at most <see cref="MaxNeedleLength"/> characters); each reports its id.</summary>
        public NeedleAutomaton(IReadOnlyList<KeyValuePair<string, int>> needles)
            : this(needles, MaxDenseStates)
        {
        }

        /// <summary>Builds the automaton with full rows for at most <paramref name="maxDense"/> states (at least the root).</summary>
        public NeedleAutomaton(IReadOnlyList<KeyValuePair<string, int>> needles, int maxDense)
        {
            int k = s_classes;

            // The trie, children as linked lists (no row per state while building either).
            var firstChild = new List<int> { -1 };
            var sibling = new List<int> { -1 };
            var classOf = new List<byte> { 0 };
            var ends = new List<List<int>?> { null };
            foreach (KeyValuePair<string, int> needle in needles)
            {
                int node = 0;
                int length = Math.Min(needle.Key.Length, MaxNeedleLength);
                for (int i = 0; i < length; i++)
                {
                    byte cls = (byte)ClassOf(needle.Key[i]);
                    int child = firstChild[node];
                    while (child >= 0 && classOf[child] != cls)
                    {
                        child = sibling[child];
                    }

                    if (child < 0)
                    {
                        child = firstChild.Count;
                        firstChild.Add(-1);
                        sibling.Add(firstChild[node]);
                        classOf.Add(cls);
                        ends.Add(null);
                        firstChild[node] = child;
                    }

                    node = child;
                }

                if (node != 0)
                {
                    (ends[node] ??= new List<int>()).Add(needle.Value);
                }
            }

            // Number the states breadth-first: a failure link then always points to a lower number, so
            // the dense states are the shallowest ones and a row can be completed from its failure's row.
            int count = firstChild.Count;
            var order = new int[count];
            var number = new int[count];
            int head = 0, tail = 1;
            while (head < tail)
            {
                int old = order[head];
                number[old] = head++;
                for (int child = firstChild[old]; child >= 0; child = sibling[child])
                {
                    order[tail++] = child;
                }
            }

            _childStart = new int[count + 1];
            _childClass = new byte[count - 1];
            _childTarget = new int[count - 1];
            _needleStart = new int[count + 1];
            var flatNeedles = new List<int>();
            int slot = 0;
            for (int state = 0; state < count; state++)
            {
                int old = order[state];
                _childStart[state] = slot;
                for (int child = firstChild[old]; child >= 0; child = sibling[child])
                {
                    _childClass[slot] = classOf[child];
                    _childTarget[slot++] = number[child];
                }

                _needleStart[state] = flatNeedles.Count;
                if (ends[old] is List<int> own)
                {
                    flatNeedles.AddRange(own);
                }
            }

            _childStart[count] = slot;
            _needleStart[count] = flatNeedles.Count;
            _needles = flatNeedles.ToArray();

            // Failure links and report chains, breadth-first.
            _fail = new int[count];
            _report = new int[count];
            _nextReport = new int[count];
            _report[0] = -1;
            _nextReport[0] = -1;
            for (int state = 0; state < count; state++)
            {
                for (int j = _childStart[state]; j < _childStart[state + 1]; j++)
                {
                    int child = _childTarget[j];
                    int fail = 0;
                    if (state != 0)
                    {
                        int f = _fail[state];
                        int target;
                        while ((target = Child(f, _childClass[j])) < 0 && f != 0)
                        {
                            f = _fail[f];
                        }

                        fail = target < 0 ? 0 : target;
                    }

                    _fail[child] = fail;
                    _nextReport[child] = _report[fail];
                    _report[child] = _needleStart[child] < _needleStart[child + 1] ? child : _report[fail];
                }
            }

            // Full rows for the shallowest states.
            _dense = Math.Max(1, Math.Min(count, Math.Min(maxDense, MaxDenseStates)));
            _next = new int[_dense * k];
            for (int state = 0; state < _dense; state++)
            {
                if (state != 0)
                {
                    Array.Copy(_next, _fail[state] * k, _next, state * k, k);
                }

                for (int j = _childStart[state]; j < _childStart[state + 1]; j++)
                {
                    _next[(state * k) + _childClass[j]] = _childTarget[j];
                }
            }
        }

        /// <summary>States in the automaton (for sizing figures).</summary>
        public int States => _fail.Length;

        /// <summary>States with a full transition row.</summary>
        public int DenseStates => _dense;

        /// <summary>Marks <c>found[id] = stamp</c> for every literal that (may) occur in <paramref name="text"/>.</summary>
        public void Scan(string text, int[] found, int stamp) => Scan(text, found, stamp, 0);

        /// <summary>Marks <c>found[offset + id] = stamp</c> for every literal that (may) occur in <paramref name="text"/>.</summary>
        public void Scan(string text, int[] found, int stamp, int offset)
        {
            int k = s_classes;
            int node = 0;
            int dense = _dense;
            int[] next = _next;
            int[] report = _report;
            byte[] classes = s_class;
            if (dense == _fail.Length)
            {
                // Every state has a row (every automaton of the built-in pack): one table step per character.
                for (int i = 0; i < text.Length; i++)
                {
                    char c = text[i];
                    node = next[(node * k) + (c < 128 ? classes[c] : k - 1)];
                    if (report[node] >= 0)
                    {
                        Report(node, found, stamp, offset);
                    }
                }

                return;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                int cls = c < 128 ? classes[c] : k - 1;
                node = node < dense ? next[(node * k) + cls] : SparseStep(node, cls);
                if (report[node] >= 0)
                {
                    Report(node, found, stamp, offset);
                }
            }
        }

        private void Report(int node, int[] found, int stamp, int offset)
        {
            for (int r = _report[node]; r >= 0; r = _nextReport[r])
            {
                for (int j = _needleStart[r]; j < _needleStart[r + 1]; j++)
                {
                    found[offset + _needles[j]] = stamp;
                }
            }
        }

        /// <summary>A step from a state without a full row: its child, else the step from its failure (a lower state, so this ends).</summary>
        private int SparseStep(int node, int cls)
        {
            while (true)
            {
                int child = Child(node, cls);
                if (child >= 0)
                {
                    return child;
                }

                node = _fail[node];
                if (node < _dense)
                {
                    return _next[(node * s_classes) + cls];
                }
            }
        }

        private int Child(int node, int cls)
        {
            for (int j = _childStart[node]; j < _childStart[node + 1]; j++)
            {
                if (_childClass[j] == cls)
                {
                    return _childTarget[j];
                }
            }

            return -1;
        }

        private static int ClassOf(char c) => c < 128 ? s_class[c] : s_classes - 1;

        private static byte[] BuildClasses(out int classes)
        {
            var map = new byte[128];
            int next = 0;
            for (char c = 'a'; c <= 'z'; c++, next++)
            {
                map[c] = (byte)next;
                map[char.ToUpperInvariant(c)] = (byte)next;
            }

            for (char c = '0'; c <= '9'; c++, next++)
            {
                map[c] = (byte)next;
            }

            foreach (char c in Punctuation)
            {
                map[c] = (byte)next++;
            }

            int other = next;
            for (int c = 0; c < 128; c++)
            {
                bool assigned = char.IsLetterOrDigit((char)c) || Punctuation.IndexOf((char)c) >= 0;
                if (!assigned)
                {
                    map[c] = (byte)other;
                }
            }

            classes = other + 1;
            return map;
        }
    }
}
