using System;
using System.Linq;
using System.Text.RegularExpressions;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    public class ValuePatternTests
    {
        [Theory]
        [InlineData("cmd.exe", "CMD.EXE", true)]
        [InlineData("cmd.exe", "cmd.exe2", false)]
        [InlineData("*\\cmd.exe", "C:\\Windows\\System32\\cmd.exe", true)]
        [InlineData("C:\\Windows\\\\*", "c:\\windows\\x", true)]
        [InlineData("C:\\Windows\\*", "c:\\windows*", true)]
        [InlineData("C:\\Windows\\*", "c:\\windows\\x", false)]
        [InlineData("*mimi*", "xxMimiKatz", true)]
        [InlineData("*a*b*c", "xxaYYbZZc", true)]
        [InlineData("*a*b*c", "xxaYYbZZcd", false)]
        [InlineData("a?c", "abc", true)]
        [InlineData("a?c", "ac", false)]
        [InlineData("100\\*", "100*", true)]
        [InlineData("100\\*", "1000", false)]
        [InlineData("what\\?", "what?", true)]
        [InlineData("\\\\server\\share", "\\server\\share", true)]
        [InlineData("C:\\Temp\\", "c:\\temp\\", true)]
        [InlineData("*", "", true)]
        [InlineData("", "", true)]
        [InlineData("", "x", false)]
        public void IsMatch_SigmaWildcardsAndEscapes(string pattern, string value, bool expected)
        {
            Assert.Equal(expected, ValuePattern.FromSigma(pattern, cased: false).IsMatch(value));
        }

        [Theory]
        [InlineData("\\Run\\", "HKU\\x\\Run\\Updater", true)]
        [InlineData("\\Run\\", "HKU\\x\\Run*", false)]
        [InlineData("a*", "xa-b", true)]
        public void FromSigma_WildcardsAddedByModifiers_KeepTrailingBackslashLiteral(string value, string text, bool expected)
        {
            Assert.Equal(expected, ValuePattern.FromSigma(value, cased: false, leadingWildcard: true, trailingWildcard: true).IsMatch(text));
        }

        [Fact]
        public void IsMatch_Cased_ComparesExactly()
        {
            Assert.False(ValuePattern.FromSigma("*Mimi*", cased: true).IsMatch("mimikatz"));
            Assert.True(ValuePattern.FromSigma("*Mimi*", cased: true).IsMatch("xMimi"));
        }

        [Fact]
        public void Escape_RoundTripsLiteralWildcards()
        {
            Assert.True(ValuePattern.FromSigma(ValuePattern.Escape("a*b?\\c"), cased: false).IsMatch("a*b?\\c"));
            Assert.False(ValuePattern.FromSigma(ValuePattern.Escape("a*b"), cased: false).IsMatch("axxb"));
        }

        [Fact]
        public void IsMatch_Glob_AgreesWithARegexOnRandomPatterns()
        {
            var random = new Random(5);
            for (int round = 0; round < 5000; round++)
            {
                string pattern = new string(Enumerable.Range(0, random.Next(9)).Select(_ => "abA*?"[random.Next(5)]).ToArray());
                string value = new string(Enumerable.Range(0, random.Next(10)).Select(_ => "abB"[random.Next(3)]).ToArray());
                string regex = "^" + string.Concat(pattern.Select(c => c == '*' ? ".*" : c == '?' ? "." : Regex.Escape(c.ToString()))) + "$";
                bool expected = Regex.IsMatch(value, regex, RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);

                Assert.True(expected == ValuePattern.FromSigma(pattern, cased: false).IsMatch(value), $"'{pattern}' on '{value}'");
            }
        }

        [Fact]
        public void IsMatch_HundredThousandStars_NoRecursionAndNoExponentialSearch()
        {
            // Was one recursion per star (a stack overflow), and a search that tried every split of the value among the stars.
            string stars = string.Concat(Enumerable.Repeat("*a", 100_000)) + "*b";
            string value = new string('a', 200_000);

            bool matched = RuleTestKit.Within(60, () => ValuePattern.FromSigma(stars, cased: false).IsMatch(value));
            bool few = RuleTestKit.Within(60, () => ValuePattern.FromSigma("*a*a*a*a*a*a*a*a*a*a*a*a*b", cased: false).IsMatch(new string('a', 5000)));

            Assert.False(matched);
            Assert.False(few);
            Assert.True(ValuePattern.FromSigma(stars, cased: false).IsMatch(value + "b"));
        }
    }
}
