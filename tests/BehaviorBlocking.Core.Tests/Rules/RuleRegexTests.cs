using System;
using System.Text.RegularExpressions;
using BehaviorBlocking.Events;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    public class RuleRegexTests
    {
        /// <summary>Backtracks exponentially on a long run of 'a' that does not end the value; linear-time engines find 'evil' at once.</summary>
        internal const string Catastrophic = "(a+)+$|evil";

        internal static readonly string CatastrophicValue = new string('a', 5000) + "b evil";

        private static RegexFactory Factory(bool linear) => new RegexFactory(linear, TimeSpan.FromMilliseconds(RuleLimits.RegexTimeoutMilliseconds));

        [Fact]
        public void RuntimeHasLinearEngine_DetectedFromTheRuntime()
        {
            // NonBacktracking came with .NET 7; .NET Framework (Windows PowerShell 5.1) does not have it.
            Assert.Equal(Environment.Version.Major >= 7, RegexFactory.RuntimeHasLinearEngine);
            Assert.Equal(RegexFactory.RuntimeHasLinearEngine, Factory(linear: true).LinearFallback);
            Assert.False(Factory(linear: false).LinearFallback);
        }

        [Fact]
        public void Test_TimeoutWithLinearFallback_SwitchesOnceAndThenMatchesInLinearTime()
        {
            RegexTest test = Factory(linear: true).Create(Catastrophic, RegexOptions.CultureInvariant, "CommandLine|re");
            BehaviorEvent e = new BehaviorEvent();

            var timeout = Assert.Throws<RuleRegexTimeoutException>(() => test.Test(CatastrophicValue, e));

            Assert.True(timeout.Recovered);
            Assert.Equal($"regular expression on 'CommandLine|re' ran past {RuleLimits.RegexTimeoutMilliseconds} ms", timeout.Message);
            Assert.True(test.IsLinear);
            Assert.True(test.Test(CatastrophicValue, e));
            Assert.False(test.Test(new string('a', 5000) + "b", e));
        }

        [Fact]
        public void Test_TimeoutWithoutLinearFallback_TimesOutEveryTime()
        {
            RegexTest test = Factory(linear: false).Create(Catastrophic, RegexOptions.CultureInvariant, "CommandLine|re");
            BehaviorEvent e = new BehaviorEvent();

            Assert.False(Assert.Throws<RuleRegexTimeoutException>(() => test.Test(CatastrophicValue, e)).Recovered);
            Assert.False(Assert.Throws<RuleRegexTimeoutException>(() => test.Test(CatastrophicValue, e)).Recovered);
            Assert.False(test.IsLinear);
            Assert.True(test.Test("x evil", e));
        }

        [Fact]
        public void Test_PatternTheLinearEngineRefuses_StaysOnBacktrackingAndIsNotRecovered()
        {
            // A lookahead: NonBacktracking does not support it.
            RegexTest test = Factory(linear: true).Create("(?=a)(a+)+$", RegexOptions.CultureInvariant, "CommandLine|re");

            RuleRegexTimeoutException timeout = Assert.Throws<RuleRegexTimeoutException>(() => test.Test(new string('a', 5000) + "b", new BehaviorEvent()));

            Assert.False(timeout.Recovered);
            Assert.False(test.IsLinear);
        }

        [Theory]
        [InlineData("abc", 0)]
        [InlineData("(a(b)(c(d)))", 3)]
        [InlineData(@"\(\(\(", 0)]
        [InlineData("[(((]", 0)]
        [InlineData("[]((]", 0)]
        [InlineData(@"[^]\](](x)", 1)]
        [InlineData("(?:a|(?<n>b))", 2)]
        public void GroupDepth_CountsNestedGroupsOutsideEscapesAndClasses(string pattern, int depth)
        {
            Assert.Equal(depth, RegexFactory.GroupDepth(pattern));
        }

        [Fact]
        public void Create_GroupsNestedPastTheLimit_Refused()
        {
            RegexFactory factory = Factory(linear: true);
            string ok = new string('(', RuleLimits.MaxRegexGroupDepth) + "a" + new string(')', RuleLimits.MaxRegexGroupDepth);
            Assert.True(factory.Create(ok, RegexOptions.None, "f").Test("a", new BehaviorEvent()));

            string deep = new string('(', 20_000) + "a" + new string(')', 20_000);
            var refused = Assert.Throws<RuleUnsupportedException>(() => factory.Create(deep, RegexOptions.None, "CommandLine|re"));

            Assert.Equal($"regular expression on 'CommandLine|re' nests groups 20000 deep; at most {RuleLimits.MaxRegexGroupDepth} are allowed", refused.Message);
        }

        [Fact]
        public void Create_CompiledBudget_LaterRegexesAreInterpretedAndStillMatch()
        {
            RegexFactory factory = Factory(linear: true);
            RegexTest? last = null;
            for (int i = 0; i < RuleLimits.MaxCompiledRegexes + 20; i++)
            {
                last = factory.Create("^v" + i + "$", RegexOptions.None, "f");
            }

            Assert.Equal(RuleLimits.MaxCompiledRegexes, factory.Compiled);
            Assert.True(last!.Test("v" + (RuleLimits.MaxCompiledRegexes + 19), new BehaviorEvent()));
        }

        [Fact]
        public void Create_InvalidPattern_RefusedWithTheField()
        {
            var refused = Assert.Throws<RuleUnsupportedException>(() => Factory(linear: true).Create("(unclosed", RegexOptions.None, "CommandLine|re"));

            Assert.StartsWith("regular expression on 'CommandLine|re' does not compile:", refused.Message);
        }
    }
}
