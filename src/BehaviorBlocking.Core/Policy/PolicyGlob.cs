using System;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// A wildcard pattern of an exclusion: <c>*</c> stands for any run of characters (separators
    /// included), <c>?</c> for exactly one; every other character is itself (a backslash is a path
    /// separator, not an escape). Matching allocates nothing and takes at most pattern × value steps.
    /// </summary>
    public sealed class PolicyGlob
    {
        /// <summary>Longest pattern accepted, in characters.</summary>
        public const int MaxLength = 1024;

        /// <summary>Most <c>*</c> wildcards in one pattern.</summary>
        public const int MaxStars = 16;

        private PolicyGlob(string pattern)
        {
            Pattern = pattern;
        }

        /// <summary>The pattern as written.</summary>
        public string Pattern { get; }

        /// <summary>
        /// Checks a pattern and returns it, or null with the reason: empty, longer than
        /// <see cref="MaxLength"/>, a control character, more than <see cref="MaxStars"/> stars, or
        /// nothing but wildcards (which would match everything).
        /// </summary>
        public static PolicyGlob? TryCreate(string pattern, out string? error)
        {
            error = null;
            if (pattern is null || pattern.Trim().Length == 0)
            {
                error = "the pattern is empty";
                return null;
            }

            if (pattern.Length > MaxLength)
            {
                error = "the pattern is " + pattern.Length + " characters long; at most " + MaxLength + " are allowed";
                return null;
            }

            int stars = 0;
            bool literal = false;
            foreach (char c in pattern)
            {
                if (char.IsControl(c))
                {
                    error = "the pattern holds a control character (U+" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture) + ")";
                    return null;
                }

                if (c == '*')
                {
                    stars++;
                }
                else if (c != '?')
                {
                    literal = true;
                }
            }

            if (stars > MaxStars)
            {
                error = "the pattern has " + stars + " '*' wildcards; at most " + MaxStars + " are allowed";
                return null;
            }

            if (!literal)
            {
                error = "the pattern is only wildcards and would match everything";
                return null;
            }

            return new PolicyGlob(pattern);
        }

        /// <summary>True when <paramref name="value"/> matches the whole pattern.</summary>
        public bool IsMatch(string? value, bool ignoreCase)
        {
            if (value is null)
            {
                return false;
            }

            string p = Pattern;
            int pi = 0;
            int vi = 0;
            int starAt = -1;
            int resumeAt = 0;
            while (vi < value.Length)
            {
                if (pi < p.Length && p[pi] == '*')
                {
                    starAt = pi++;
                    resumeAt = vi;
                }
                else if (pi < p.Length && (p[pi] == '?' || Same(p[pi], value[vi], ignoreCase)))
                {
                    pi++;
                    vi++;
                }
                else if (starAt >= 0)
                {
                    // Let the last star take one more character and try again from there.
                    pi = starAt + 1;
                    vi = ++resumeAt;
                }
                else
                {
                    return false;
                }
            }

            while (pi < p.Length && p[pi] == '*')
            {
                pi++;
            }

            return pi == p.Length;
        }

        /// <inheritdoc />
        public override string ToString() => Pattern;

        private static bool Same(char a, char b, bool ignoreCase) =>
            a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
    }
}
