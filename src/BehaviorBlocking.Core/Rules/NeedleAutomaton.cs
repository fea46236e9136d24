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
    internal sealed class NeedleAutomaton
    {
        private const string Punctuation = "\\/.-_ :$%()[]{}\"',;=&|*?@#+!<>~^`\t";
        private static readonly byte[] s_class = BuildClasses(out s_classes);
        private static readonly int s_classes;
        private readonly int[] _next;
        private readonly int[] _outputStart;
        private readonly int[] _outputs;

        /// <summary>Builds the automaton for the given literals; each reports its id.</summary>
        public NeedleAutomaton(IReadOnlyList<KeyValuePair<string, int>> needles)
        {
            int k = s_classes;
            var children = new List<int[]> { NewRow(k) };
            var outputs = new List<List<int>> { new List<int>() };
            foreach (KeyValuePair<string, int> needle in needles)
            {
                int node = 0;
                foreach (char c in needle.Key)
                {
                    int cls = ClassOf(c);
                    if (children[node][cls] < 0)
                    {
                        children[node][cls] = children.Count;
                        children.Add(NewRow(k));
                        outputs.Add(new List<int>());
                    }

                    node = children[node][cls];
                }

                outputs[node].Add(needle.Value);
            }

            // Breadth-first: failure links, then complete the transition table (a DFA) and merge outputs along failures.
            int count = children.Count;
            var fail = new int[count];
            _next = new int[count * k];
            var queue = new Queue<int>();
            for (int cls = 0; cls < k; cls++)
            {
                int child = children[0][cls];
                _next[cls] = child < 0 ? 0 : child;
                if (child > 0)
                {
                    fail[child] = 0;
                    queue.Enqueue(child);
                }
            }

            while (queue.Count > 0)
            {
                int u = queue.Dequeue();
                outputs[u].AddRange(outputs[fail[u]]);
                for (int cls = 0; cls < k; cls++)
                {
                    int v = children[u][cls];
                    if (v < 0)
                    {
                        _next[(u * k) + cls] = _next[(fail[u] * k) + cls];
                    }
                    else
                    {
                        _next[(u * k) + cls] = v;
                        fail[v] = _next[(fail[u] * k) + cls];
                        queue.Enqueue(v);
                    }
                }
            }

            _outputStart = new int[count + 1];
            var flat = new List<int>();
            for (int node = 0; node < count; node++)
            {
                _outputStart[node] = flat.Count;
                flat.AddRange(outputs[node]);
            }

            _outputStart[count] = flat.Count;
            _outputs = flat.ToArray();
        }

        /// <summary>States in the automaton (for sizing figures).</summary>
        public int States => _outputStart.Length - 1;

        /// <summary>Marks <c>found[id] = stamp</c> for every literal that (may) occur in <paramref name="text"/>.</summary>
        public void Scan(string text, int[] found, int stamp)
        {
            int k = s_classes;
            int node = 0;
            int[] next = _next;
            int[] start = _outputStart;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                node = next[(node * k) + (c < 128 ? s_class[c] : k - 1)];
                int from = start[node];
                int to = start[node + 1];
                for (int j = from; j < to; j++)
                {
                    found[_outputs[j]] = stamp;
                }
            }
        }

        private static int ClassOf(char c) => c < 128 ? s_class[c] : s_classes - 1;

        private static int[] NewRow(int k)
        {
            var row = new int[k];
            for (int i = 0; i < k; i++)
            {
                row[i] = -1;
            }

            return row;
        }

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
