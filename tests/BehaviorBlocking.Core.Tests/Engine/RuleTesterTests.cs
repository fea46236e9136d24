using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>Rule testing loads only the rules named and counts each one's matches on a recording.</summary>
    public sealed class RuleTesterTests : IDisposable
    {
        private const string Stem = "collection_clipboard_read_script";
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private static string Rule => Path.Combine(TestPaths.RepositoryRoot, "module", "rules", Stem + ".yml");

        private static string Fixture(string kind) => Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "rules", Stem + "." + kind + ".jsonl");

        [Fact]
        public void Test_NoRecording_LoadedAndSkippedWithoutMatches()
        {
            string bad = _temp.Combine("bad.yml");
            File.WriteAllText(bad, "title: [unclosed\n");

            var results = RuleTester.Test(new[] { Rule, bad });

            Assert.Equal(2, results.Count);
            Assert.Equal(RuleTestStatus.Skipped, Assert.Single(results, r => r.File == bad).Status);
            RuleTestResult loaded = Assert.Single(results, r => r.Status == RuleTestStatus.Loaded);
            Assert.Null(loaded.Matches);
            Assert.Null(loaded.RecordPath);
        }

        [Fact]
        public void Test_MatchAndBenignFixtures_CountsMatches()
        {
            Assert.True(RuleTester.Test(new[] { Rule }, Fixture("match")).Single().Matches > 0);
            Assert.Equal(0, RuleTester.Test(new[] { Rule }, Fixture("benign")).Single().Matches);
        }

        [Fact]
        public void Test_MissingRecording_ThrowsInputNotFound()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => RuleTester.Test(new[] { Rule }, _temp.Combine("none.jsonl")));
            Assert.Equal(ErrorIds.InputNotFound, ex.ErrorId);
        }

        [Fact]
        public void Test_MalformedRecord_IsReportedAndSkipped()
        {
            string recording = _temp.Combine("mixed.jsonl");
            File.WriteAllText(recording, "{ not json\n" + File.ReadAllText(Fixture("match")));
            int problems = 0;

            var result = RuleTester.Test(new[] { Rule }, recording, _ => problems++).Single();

            Assert.Equal(1, problems);
            Assert.True(result.Matches > 0);
        }
    }
}
