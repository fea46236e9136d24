using System;
using System.Globalization;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// What an indicator value must be, and how indicators compare values: a SHA-256 is 64 hex digits
    /// (stored upper-case); a path is absolute (<c>/…</c> on Unix, <c>C:\…</c> or <c>\\server\share\…</c>
    /// on Windows), compared exactly, Windows paths without regard to case. No globs: an indicator names
    /// one artifact (patterns are the policy's exclusions).
    /// </summary>
    public static class IndicatorValues
    {
        /// <summary>Longest path an indicator may name.</summary>
        public const int MaxPathLength = 4096;

        /// <summary>Longest comment.</summary>
        public const int MaxCommentLength = 1024;

        /// <summary>Longest creator (account or feed name).</summary>
        public const int MaxCreatedByLength = 256;

        /// <summary>The value as stored (a hash upper-cased, a path as given), or null with <paramref name="error"/> saying why it is refused.</summary>
        public static string? Normalize(IndicatorKind kind, string? value, out string? error)
        {
            error = null;
            if (value is null || value.Length == 0)
            {
                error = kind == IndicatorKind.Sha256 ? "the SHA-256 is empty" : "the path is empty";
                return null;
            }

            if (kind == IndicatorKind.Sha256)
            {
                if (value.Length != 64 || !IsHex(value))
                {
                    error = "'" + Shorten(value) + "' is not a SHA-256 (64 hexadecimal digits)";
                    return null;
                }

                return value.ToUpperInvariant();
            }

            if (value.Length > MaxPathLength)
            {
                error = "the path has " + value.Length.ToString(CultureInfo.InvariantCulture) + " characters, more than " + MaxPathLength.ToString(CultureInfo.InvariantCulture);
                return null;
            }

            foreach (char c in value)
            {
                if (char.IsControl(c))
                {
                    error = "the path '" + Shorten(value) + "' holds a control character";
                    return null;
                }
            }

            if (!IsAbsolute(value))
            {
                error = "'" + Shorten(value) + "' is not an absolute path (/..., C:\\... or \\\\server\\share\\...)";
                return null;
            }

            return value;
        }

        /// <summary>True for a Windows path (drive letter or UNC), which indicators compare without regard to case.</summary>
        public static bool IsWindowsPath(string path) =>
            (path.Length >= 3 && IsLetter(path[0]) && path[1] == ':' && (path[2] == '\\' || path[2] == '/'))
            || (path.Length >= 3 && path[0] == '\\' && path[1] == '\\' && path[2] != '\\');

        /// <summary>The key two values of one kind are the same artifact under: upper-case hex, a Windows path lower-cased, a Unix path as is.</summary>
        public static string MatchKey(IndicatorKind kind, string normalized) =>
            kind == IndicatorKind.Sha256 ? normalized.ToUpperInvariant() : IsWindowsPath(normalized) ? normalized.ToLowerInvariant() : normalized;

        /// <summary>Reads the 64 hex digits at <paramref name="start"/> into four 64-bit words, without allocating; false when they are not hex.</summary>
        internal static bool TryParseSha256(string text, int start, out Sha256Key key)
        {
            key = default;
            if (start < 0 || text.Length - start < 64)
            {
                return false;
            }

            ulong a = 0, b = 0, c = 0, d = 0;
            for (int i = 0; i < 64; i++)
            {
                int v = HexValue(text[start + i]);
                if (v < 0)
                {
                    return false;
                }

                switch (i >> 4)
                {
                    case 0: a = (a << 4) | (uint)v; break;
                    case 1: b = (b << 4) | (uint)v; break;
                    case 2: c = (c << 4) | (uint)v; break;
                    default: d = (d << 4) | (uint)v; break;
                }
            }

            key = new Sha256Key(a, b, c, d);
            return true;
        }

        /// <summary>
        /// Where the SHA-256 is in a hash field: the value itself (64 hex digits), or the <c>SHA256=</c> item of
        /// Sysmon's <c>ALG=HEX,…</c> form; -1 when there is none.
        /// </summary>
        internal static int FindSha256(string hashes)
        {
            if (hashes.Length == 64)
            {
                return 0;
            }

            int at = 0;
            while (at < hashes.Length)
            {
                int found = hashes.IndexOf("SHA256=", at, StringComparison.OrdinalIgnoreCase);
                if (found < 0)
                {
                    return -1;
                }

                if (found == 0 || hashes[found - 1] == ',' || hashes[found - 1] == ' ')
                {
                    return found + 7;
                }

                at = found + 7;
            }

            return -1;
        }

        private static bool IsAbsolute(string path) => path[0] == '/' || IsWindowsPath(path);

        private static bool IsLetter(char c) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

        private static bool IsHex(string value)
        {
            foreach (char c in value)
            {
                if (HexValue(c) < 0)
                {
                    return false;
                }
            }

            return true;
        }

        private static int HexValue(char c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        private static string Shorten(string value) => value.Length <= 80 ? value : value.Substring(0, 77) + "...";
    }

    /// <summary>A SHA-256 as four words: a dictionary key that needs no string.</summary>
    internal readonly struct Sha256Key : IEquatable<Sha256Key>
    {
        private readonly ulong _a;
        private readonly ulong _b;
        private readonly ulong _c;
        private readonly ulong _d;

        public Sha256Key(ulong a, ulong b, ulong c, ulong d)
        {
            _a = a;
            _b = b;
            _c = c;
            _d = d;
        }

        public bool Equals(Sha256Key other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

        public override bool Equals(object? obj) => obj is Sha256Key other && Equals(other);

        // The words of a hash are uniformly distributed already.
        public override int GetHashCode() => unchecked((int)_a ^ (int)(_a >> 32) ^ (int)_d);
    }
}
