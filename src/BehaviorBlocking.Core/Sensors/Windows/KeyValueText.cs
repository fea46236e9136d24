using System;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Reads <c>Key=value</c>, <c>Key = value</c> and <c>Key:&lt;tab&gt;value</c> lines out of the
    /// rendered text blocks PowerShell and the event log embed in events (PowerShell context
    /// information, classic engine details, rendered messages). A key only counts at the start
    /// of a line (after indentation), so the same words inside a command line do not match.
    /// </summary>
    internal static class KeyValueText
    {
        /// <summary>
        /// Returns the index where the value of <paramref name="key"/> starts, or -1 when no line
        /// starts with the key followed by <paramref name="separator"/>.
        /// </summary>
        public static int FindValueStart(string text, string key, char separator, int startIndex = 0)
        {
            int position = startIndex;
            while (position < text.Length)
            {
                int found = text.IndexOf(key, position, StringComparison.Ordinal);
                if (found < 0)
                {
                    return -1;
                }

                position = found + 1;
                if (!IsLineStart(text, found))
                {
                    continue;
                }

                int cursor = found + key.Length;
                while (cursor < text.Length && text[cursor] == ' ')
                {
                    cursor++;
                }

                if (cursor >= text.Length || text[cursor] != separator)
                {
                    continue;
                }

                cursor++;
                while (cursor < text.Length && (text[cursor] == ' ' || text[cursor] == '\t'))
                {
                    cursor++;
                }

                return cursor;
            }

            return -1;
        }

        /// <summary>The rest of the line from <paramref name="start"/>, trimmed at the end; null when empty.</summary>
        public static string? LineAt(string text, int start)
        {
            if (start < 0 || start >= text.Length)
            {
                return null;
            }

            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }

            while (end > start && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            return end > start ? text.Substring(start, end - start) : null;
        }

        /// <summary>The value of the first line that starts with <paramref name="key"/>, or null.</summary>
        public static string? Find(string? text, string key, char separator)
        {
            if (text is null)
            {
                return null;
            }

            return LineAt(text, FindValueStart(text, key, separator));
        }

        /// <summary>The text after the first line that starts with <paramref name="header"/> (at or after <paramref name="startIndex"/>), trimmed; null when absent or empty.</summary>
        public static string? After(string text, string header, int startIndex)
        {
            int position = startIndex;
            while (position < text.Length)
            {
                int found = text.IndexOf(header, position, StringComparison.Ordinal);
                if (found < 0)
                {
                    return null;
                }

                position = found + 1;
                if (!IsLineStart(text, found))
                {
                    continue;
                }

                int lineEnd = text.IndexOf('\n', found);
                return lineEnd < 0 ? null : Trimmed(text, lineEnd + 1, text.Length);
            }

            return null;
        }

        /// <summary>The slice [start, end) with surrounding white space removed; null when nothing is left.</summary>
        public static string? Trimmed(string text, int start, int end)
        {
            while (start < end && char.IsWhiteSpace(text[start]))
            {
                start++;
            }

            while (end > start && char.IsWhiteSpace(text[end - 1]))
            {
                end--;
            }

            return end > start ? text.Substring(start, end - start) : null;
        }

        private static bool IsLineStart(string text, int index)
        {
            for (int i = index - 1; i >= 0; i--)
            {
                char c = text[i];
                if (c == '\n')
                {
                    return true;
                }

                if (c != ' ' && c != '\t' && c != '\r')
                {
                    return false;
                }
            }

            return true;
        }
    }
}
