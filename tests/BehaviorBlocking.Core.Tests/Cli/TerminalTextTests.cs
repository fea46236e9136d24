using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Cli;

namespace BehaviorBlocking.Tests.Cli
{
    public sealed class TerminalTextTests
    {
        [Theory]
        [InlineData("plain C:\\Users\\jürgen\\☃.exe", "plain C:\\Users\\jürgen\\☃.exe")]
        [InlineData("a\u001b[31mb", "a\\u001B[31mb")]
        [InlineData("nul\u0000 bel\u0007 del\u007f", "nul\\u0000 bel\\u0007 del\\u007F")]
        [InlineData("c1 \u0085 \u009b2J", "c1 \\u0085 \\u009B2J")]
        [InlineData("tab\tlf\ncr\r", "tab\\tlf\\ncr\\r")]
        [InlineData("gnp.\u202Eexe \u202A\u202B\u202C\u202D", "gnp.\\u202Eexe \\u202A\\u202B\\u202C\\u202D")]
        [InlineData("\u2066iso\u2069 \u2067\u2068 \u200E\u200F\u061C", "\\u2066iso\\u2069 \\u2067\\u2068 \\u200E\\u200F\\u061C")]
        [InlineData("line\u2028para\u2029", "line\\u2028para\\u2029")]
        public void Escape_ControlAndBidiCharacters_BecomeVisibleEscapes(string text, string expected)
        {
            string escaped = TerminalText.Escape(text);

            Assert.Equal(expected, escaped);
            Assert.Equal(escaped, TerminalText.Escape(escaped));
            Assert.DoesNotContain(escaped, TerminalText.MustEscape);
        }

        [Fact]
        public void MustEscape_EveryCharacter_OnlyControlsBidiAndSeparators()
        {
            int[] escaped = Enumerable.Range(0, 0x10000).Where(c => TerminalText.MustEscape((char)c)).ToArray();

            int[] expected = Enumerable.Range(0, 0x20)
                .Concat(Enumerable.Range(0x7F, 0x21))
                .Concat(new[] { 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069 })
                .ToArray();
            Assert.Equal(expected, escaped);
        }

        [Fact]
        public void Escape_Clean_ReturnsTheSameString()
        {
            const string Clean = "Behavior:Win32/Execution.EncodedPs!ml";

            Assert.Same(Clean, TerminalText.Escape(Clean));
            Assert.Equal(string.Empty, TerminalText.Escape(null));
        }

        [Fact]
        public void TerminalWriter_EveryWritePath_EscapesButKeepsItsOwnLineBreaks()
        {
            var inner = new StringWriter { NewLine = "\n" };
            var writer = new TerminalWriter(inner);

            writer.Write('\u001b');
            writer.Write("x\u202E");
            writer.Write(new[] { 'a', '\u0007', 'b' }, 0, 3);
            writer.Write("s\u0000".AsSpan());
            writer.WriteLine();
            writer.WriteLine("one\ntwo");
            writer.WriteLine("{0}\u001b{1}", 1, "\u0085");
            writer.WriteLine((object)"obj\r");
            writer.WriteLine('\t');
            writer.Flush();

            Assert.Equal("\\u001Bx\\u202Ea\\u0007bs\\u0000\none\\ntwo\n1\\u001B\\u0085\nobj\\r\n\\t\n", inner.ToString());
        }
    }
}
