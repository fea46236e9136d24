using System;
using System.Collections.Generic;
using System.Text;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// A compiled Sigma string value: exact, prefix, suffix, substring or a general wildcard
    /// pattern, compared case-insensitively unless cased. Wildcards: <c>*</c> any run, <c>?</c> one
    /// character; <c>\*</c>, <c>\?</c>, <c>\\</c> are literals; any other backslash is literal.
    /// </summary>
    internal sealed class ValuePattern
    {
        private readonly Shape _shape;
        private readonly string _literal;
        private readonly Segment[]? _segments;
        private readonly StringComparison _comparison;

        private ValuePattern(Shape shape, string literal, Segment[]? segments, bool cased)
        {
            _shape = shape;
            _literal = literal;
            _segments = segments;
            _comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        }

        private enum Shape
        {
            Exact,
            Prefix,
            Suffix,
            Contains,
            Any,
            Glob,
        }

        /// <summary>The literal text (no wildcards) when the pattern is exact, prefix, suffix or contains.</summary>
        public string? Literal => _shape == Shape.Glob || _shape == Shape.Any ? null : _literal;

        /// <summary>A text every matching value contains (the longest literal run), or null when there is none.</summary>
        public string? RequiredLiteral
        {
            get
            {
                if (_shape == Shape.Any)
                {
                    return null;
                }

                if (_shape != Shape.Glob)
                {
                    return _literal.Length == 0 ? null : _literal;
                }

                string? longest = null;
                foreach (Segment segment in _segments!)
                {
                    if (segment.Kind == SegmentKind.Text && (longest is null || segment.Text.Length > longest.Length))
                    {
                        longest = segment.Text;
                    }
                }

                return longest;
            }
        }

        /// <summary>Compiles a Sigma value that may carry wildcards and escapes.</summary>
        public static ValuePattern FromSigma(string value, bool cased) => FromSigma(value, cased, leadingWildcard: false, trailingWildcard: false);

        /// <summary>
        /// Compiles a Sigma value and adds wildcards around it as tokens (the contains, startswith and
        /// endswith modifiers), so a value ending in a backslash keeps it literal.
        /// </summary>
        public static ValuePattern FromSigma(string value, bool cased, bool leadingWildcard, bool trailingWildcard)
        {
            var tokens = Tokenize(value);
            if (leadingWildcard)
            {
                tokens.Insert(0, new Token(string.Empty, true, false));
            }

            if (trailingWildcard)
            {
                tokens.Add(new Token(string.Empty, true, false));
            }

            tokens = MergeStars(tokens);
            bool leadingStar = tokens.Count > 0 && tokens[0].IsStar;
            bool trailingStar = tokens.Count > 1 && tokens[tokens.Count - 1].IsStar;
            int wildcards = 0;
            foreach (Token t in tokens)
            {
                if (t.IsStar || t.IsQuestion)
                {
                    wildcards++;
                }
            }

            if (wildcards == 0)
            {
                return new ValuePattern(Shape.Exact, Concat(tokens), null, cased);
            }

            if (tokens.Count == 1 && tokens[0].IsStar)
            {
                return new ValuePattern(Shape.Any, string.Empty, null, cased);
            }

            int inner = wildcards - (leadingStar ? 1 : 0) - (trailingStar ? 1 : 0);
            if (inner == 0 && !HasQuestion(tokens))
            {
                string literal = Concat(tokens);
                Shape shape = leadingStar && trailingStar ? Shape.Contains : leadingStar ? Shape.Suffix : Shape.Prefix;
                return new ValuePattern(shape, literal, null, cased);
            }

            var segments = new List<Segment>();
            var text = new StringBuilder();
            foreach (Token t in tokens)
            {
                if (t.IsStar || t.IsQuestion)
                {
                    if (text.Length > 0)
                    {
                        segments.Add(new Segment(text.ToString(), SegmentKind.Text));
                        text.Clear();
                    }

                    segments.Add(new Segment(string.Empty, t.IsStar ? SegmentKind.Star : SegmentKind.One));
                }
                else
                {
                    text.Append(t.Text);
                }
            }

            if (text.Length > 0)
            {
                segments.Add(new Segment(text.ToString(), SegmentKind.Text));
            }

            return new ValuePattern(Shape.Glob, string.Empty, segments.ToArray(), cased);
        }

        /// <summary>A pattern that matches text containing <paramref name="literal"/> (no wildcard processing).</summary>
        public static ValuePattern ContainsLiteral(string literal, bool cased) => new ValuePattern(Shape.Contains, literal, null, cased);

        /// <summary>Tests a field value.</summary>
        public bool IsMatch(string value)
        {
            switch (_shape)
            {
                case Shape.Exact:
                    return string.Equals(value, _literal, _comparison);
                case Shape.Prefix:
                    return value.StartsWith(_literal, _comparison);
                case Shape.Suffix:
                    return value.EndsWith(_literal, _comparison);
                case Shape.Contains:
                    return value.IndexOf(_literal, _comparison) >= 0;
                case Shape.Any:
                    return true;
                default:
                    return GlobMatch(value);
            }
        }

        /// <summary>Escapes a literal so that <see cref="FromSigma(string, bool)"/> reads it back unchanged.</summary>
        public static string Escape(string literal) => literal.Replace("\\", "\\\\").Replace("*", "\\*").Replace("?", "\\?");

        /// <summary>
        /// Matches the segments left to right, keeping only the last star: on a mismatch that star takes one
        /// more character (up to the next place its following text occurs) and matching resumes after it.
        /// Every run between stars has a fixed length, so the leftmost fit of each run is the one to keep;
        /// the cost is at most value length times segments, with no recursion however many stars a rule has.
        /// </summary>
        private bool GlobMatch(string value)
        {
            Segment[] segments = _segments!;
            int position = 0, segment = 0;
            int star = -1, starPosition = 0;
            while (true)
            {
                if (segment < segments.Length)
                {
                    Segment s = segments[segment];
                    if (s.Kind == SegmentKind.Star)
                    {
                        if (segment == segments.Length - 1)
                        {
                            return true;
                        }

                        star = segment;
                        starPosition = position;
                        segment++;
                        continue;
                    }

                    if (s.Kind == SegmentKind.One ? position < value.Length
                        : position + s.Text.Length <= value.Length && string.Compare(value, position, s.Text, 0, s.Text.Length, _comparison) == 0)
                    {
                        position += s.Kind == SegmentKind.One ? 1 : s.Text.Length;
                        segment++;
                        continue;
                    }
                }
                else if (position == value.Length)
                {
                    return true;
                }

                if (star < 0 || starPosition >= value.Length)
                {
                    return false;
                }

                starPosition++;
                Segment next = segments[star + 1];
                if (next.Kind == SegmentKind.Text)
                {
                    int found = value.IndexOf(next.Text, starPosition, _comparison);
                    if (found < 0)
                    {
                        return false;
                    }

                    starPosition = found;
                }

                position = starPosition;
                segment = star + 1;
            }
        }

        private static List<Token> MergeStars(List<Token> tokens)
        {
            var merged = new List<Token>(tokens.Count);
            foreach (Token t in tokens)
            {
                if (t.IsStar && merged.Count > 0 && merged[merged.Count - 1].IsStar)
                {
                    continue;
                }

                merged.Add(t);
            }

            return merged;
        }

        private static bool HasQuestion(List<Token> tokens)
        {
            foreach (Token t in tokens)
            {
                if (t.IsQuestion)
                {
                    return true;
                }
            }

            return false;
        }

        private static string Concat(List<Token> tokens)
        {
            var text = new StringBuilder();
            foreach (Token t in tokens)
            {
                if (!t.IsStar && !t.IsQuestion)
                {
                    text.Append(t.Text);
                }
            }

            return text.ToString();
        }

        private static List<Token> Tokenize(string value)
        {
            var tokens = new List<Token>();
            var text = new StringBuilder();
            void Flush()
            {
                if (text.Length > 0)
                {
                    tokens.Add(new Token(text.ToString(), false, false));
                    text.Clear();
                }
            }

            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '\\' && i + 1 < value.Length && (value[i + 1] == '*' || value[i + 1] == '?' || value[i + 1] == '\\'))
                {
                    text.Append(value[i + 1]);
                    i++;
                }
                else if (c == '*' || c == '?')
                {
                    Flush();
                    tokens.Add(new Token(string.Empty, c == '*', c == '?'));
                }
                else
                {
                    text.Append(c);
                }
            }

            Flush();
            return tokens;
        }

        private enum SegmentKind
        {
            Text,
            Star,
            One,
        }

        private readonly struct Segment
        {
            public Segment(string text, SegmentKind kind)
            {
                Text = text;
                Kind = kind;
            }

            public string Text { get; }

            public SegmentKind Kind { get; }
        }

        private readonly struct Token
        {
            public Token(string text, bool isStar, bool isQuestion)
            {
                Text = text;
                IsStar = isStar;
                IsQuestion = isQuestion;
            }

            public string Text { get; }

            public bool IsStar { get; }

            public bool IsQuestion { get; }
        }
    }
}
