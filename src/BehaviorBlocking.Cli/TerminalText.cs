using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace BehaviorBlocking.Cli
{
    /// <summary>
    /// Text from recordings, rules and file names made safe for a terminal: control characters and
    /// bidirectional overrides are written as escapes, so data can neither drive the terminal (ESC
    /// sequences, NUL, C1 controls) nor reorder what is shown (U+202E and friends).
    /// </summary>
    /// <remarks>
    /// Escaped: C0 controls U+0000–U+001F (tab, line feed and carriage return as <c>\t \n \r</c>),
    /// DEL and C1 controls U+007F–U+009F, the bidirectional marks, embeddings, overrides and isolates
    /// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators
    /// U+2028 and U+2029, each as <c>\uXXXX</c>. The escapes are also JSON's, so a JSON line stays
    /// valid JSON with the same value; a backslash is kept as it is (paths are full of them).
    /// </remarks>
    internal static class TerminalText
    {
        /// <summary>True for a character that must not reach a terminal as it is.</summary>
        public static bool MustEscape(char c) =>
            c < '\u0020'
            || (c >= '\u007F' && c <= '\u009F')
            || c == '\u061C'
            || c == '\u200E' || c == '\u200F'
            || (c >= '\u2028' && c <= '\u202E')
            || (c >= '\u2066' && c <= '\u2069');

        /// <summary>The text with every character <see cref="MustEscape"/> names written as an escape; the same string when there is none.</summary>
        public static string Escape(string? text)
        {
            if (text is null)
            {
                return string.Empty;
            }

            int first = 0;
            while (first < text.Length && !MustEscape(text[first]))
            {
                first++;
            }

            if (first == text.Length)
            {
                return text;
            }

            var escaped = new StringBuilder(text.Length + 16);
            escaped.Append(text, 0, first);
            for (int i = first; i < text.Length; i++)
            {
                Append(escaped, text[i]);
            }

            return escaped.ToString();
        }

        private static void Append(StringBuilder escaped, char c)
        {
            if (!MustEscape(c))
            {
                escaped.Append(c);
                return;
            }

            switch (c)
            {
                case '\t':
                    escaped.Append("\\t");
                    break;
                case '\n':
                    escaped.Append("\\n");
                    break;
                case '\r':
                    escaped.Append("\\r");
                    break;
                default:
                    escaped.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    /// <summary>
    /// A writer that passes text through <see cref="TerminalText.Escape"/>: the one way the CLI writes to
    /// stdout and stderr. Only the line breaks it writes itself (<see cref="WriteLine()"/>) reach the terminal raw.
    /// </summary>
    internal sealed class TerminalWriter : TextWriter
    {
        private readonly TextWriter _inner;

        public TerminalWriter(TextWriter inner)
            : base(inner.FormatProvider)
        {
            _inner = inner;
        }

        public override Encoding Encoding => _inner.Encoding;

        public override string NewLine
        {
            get => _inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine accepts null (it means the default); so does the inner writer.
            set => _inner.NewLine = value;
#pragma warning restore CS8765
        }

        public override void Write(char value)
        {
            if (TerminalText.MustEscape(value))
            {
                _inner.Write(TerminalText.Escape(value.ToString()));
            }
            else
            {
                _inner.Write(value);
            }
        }

        public override void Write(string? value) => _inner.Write(TerminalText.Escape(value));

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void Write(ReadOnlySpan<char> buffer) => Write(buffer.ToString());

        public override void WriteLine() => _inner.WriteLine();

        public override void WriteLine(string? value) => _inner.WriteLine(TerminalText.Escape(value));

        public override void WriteLine(char[] buffer, int index, int count) => WriteLine(new string(buffer, index, count));

        public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(buffer.ToString());

        public override void Flush() => _inner.Flush();
    }
}
