using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class TestBehaviorRuleCommandTests
    {
        private const string Stem = "collection_clipboard_read_script";

        private static string BuiltInRule => Path.Combine(AppContext.BaseDirectory, "rules", Stem + ".yml");

        private static string Fixture(string kind) => Path.Combine(AppContext.BaseDirectory, "data", "rules", Stem + "." + kind + ".jsonl");

        [Fact]
        public void TestBehaviorRule_GoodAndBadFilesByPipeline_OneResultPerFileWithTheReason()
        {
            using var session = new ModuleSession();
            string dir = Path.Combine(session.Home, "rules");
            Directory.CreateDirectory(dir);
            File.Copy(BuiltInRule, Path.Combine(dir, "good.yml"));
            File.WriteAllText(Path.Combine(dir, "bad.yml"), "title: [unclosed\n");
            var results = session.Invoke<RuleTestResult>("Get-ChildItem $d -Filter *.yml | Test-BehaviorRule", ("d", dir));
            Assert.Equal(2, results.Count);
            RuleTestResult bad = Assert.Single(results, r => r.File.EndsWith("bad.yml", StringComparison.Ordinal));
            Assert.Equal(RuleTestStatus.Skipped, bad.Status);
            Assert.False(string.IsNullOrEmpty(bad.Reason));
            RuleTestResult good = Assert.Single(results, r => r.File.EndsWith("good.yml", StringComparison.Ordinal));
            Assert.Equal(RuleTestStatus.Loaded, good.Status);
            Assert.Null(good.Matches);
            Assert.False(string.IsNullOrEmpty(good.RuleId));
        }

        [Fact]
        public void TestBehaviorRule_MatchAndBenignFixtures_CountsMatchesOfOnlyThatRule()
        {
            using var session = new ModuleSession();
            RuleTestResult match = Assert.Single(session.Invoke<RuleTestResult>("Test-BehaviorRule $r -RecordPath $f", ("r", BuiltInRule), ("f", Fixture("match"))));
            Assert.True(match.Matches > 0);
            Assert.Equal(Fixture("match"), match.RecordPath);
            RuleTestResult benign = Assert.Single(session.Invoke<RuleTestResult>("Test-BehaviorRule $r -RecordPath $f", ("r", BuiltInRule), ("f", Fixture("benign"))));
            Assert.Equal(0, benign.Matches);
        }

        [Fact]
        public void TestBehaviorRule_Quiet_TrueWhenAllLoadAndWithARecordingWhenEachRuleMatches()
        {
            using var session = new ModuleSession();
            Assert.True(session.Invoke<bool>("Test-BehaviorRule $r -Quiet", ("r", BuiltInRule)).Single());
            Assert.True(session.Invoke<bool>("Test-BehaviorRule $r -RecordPath $f -Quiet", ("r", BuiltInRule), ("f", Fixture("match"))).Single());
            Assert.False(session.Invoke<bool>("Test-BehaviorRule $r -RecordPath $f -Quiet", ("r", BuiltInRule), ("f", Fixture("benign"))).Single());
            string bad = Path.Combine(session.Home, "bad.yml");
            File.WriteAllText(bad, "title: [unclosed\n");
            Assert.False(session.Invoke<bool>("Test-BehaviorRule $r, $b -Quiet", ("r", BuiltInRule), ("b", bad)).Single());
        }

        [Fact]
        public void TestBehaviorRule_MissingRecording_IsInputNotFound()
        {
            using var session = new ModuleSession();
            string missing = Path.Combine(session.Home, "none.jsonl");
            Assert.Empty(session.Invoke("Test-BehaviorRule $r -RecordPath $m", ("r", BuiltInRule), ("m", missing)));
            var error = Assert.Single(session.Errors);
            Assert.Equal("InputNotFound,BehaviorBlocking.Commands.TestBehaviorRuleCommand", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        }
    }
}
