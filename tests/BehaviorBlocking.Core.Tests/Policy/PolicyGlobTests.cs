using System;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Tests.Policy
{
    public sealed class PolicyGlobTests
    {
        private static PolicyGlob Glob(string pattern) => PolicyGlob.TryCreate(pattern, out string? error) ?? throw new InvalidOperationException(error);

        [Theory]
        [InlineData(@"C:\Tools\*.exe", @"C:\Tools\a.exe", true)]
        [InlineData(@"C:\Tools\*.exe", @"C:\Tools\sub\a.exe", true)]
        [InlineData(@"C:\Tools\*.exe", @"C:\Tools\a.exe.txt", false)]
        [InlineData(@"C:\Tools\?.exe", @"C:\Tools\ab.exe", false)]
        [InlineData(@"C:\Tools\??.exe", @"C:\Tools\ab.exe", true)]
        [InlineData("*a*b*c", "xxaxxbxxc", true)]
        [InlineData("*a*b*c", "xxaxxcxxb", false)]
        [InlineData("abc", "abc", true)]
        [InlineData("abc", "abcd", false)]
        [InlineData("abc*", "abc", true)]
        [InlineData("a**", "a", true)]
        public void IsMatch_Patterns_MatchTheWholeValue(string pattern, string value, bool expected)
        {
            Assert.Equal(expected, Glob(pattern).IsMatch(value, ignoreCase: false));
        }

        [Fact]
        public void IsMatch_IgnoreCase_OnlyWhenAsked()
        {
            Assert.True(Glob(@"C:\TOOLS\*").IsMatch(@"c:\tools\x", ignoreCase: true));
            Assert.False(Glob(@"C:\TOOLS\*").IsMatch(@"c:\tools\x", ignoreCase: false));
            Assert.False(Glob("a*").IsMatch(null, ignoreCase: true));
        }

        [Fact]
        public void IsMatch_WorstCaseInput_FinishesWithoutBacktrackingBlowUp()
        {
            PolicyGlob glob = Glob("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");

            Assert.False(glob.IsMatch(new string('a', 100_000), ignoreCase: false));
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("**", "only wildcards")]
        [InlineData("a\tb", "control character")]
        public void TryCreate_BadPatterns_SayWhy(string pattern, string reason)
        {
            Assert.Null(PolicyGlob.TryCreate(pattern, out string? error));
            Assert.Contains(reason, error);
        }

        [Fact]
        public void TryCreate_TooLong_IsRefused()
        {
            Assert.Null(PolicyGlob.TryCreate(new string('a', PolicyGlob.MaxLength + 1), out string? error));
            Assert.Contains("at most 1024", error);
        }
    }
}
