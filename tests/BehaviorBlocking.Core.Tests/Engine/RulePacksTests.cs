using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine
{
    public sealed class RulePacksTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        private string Home => _temp.Combine("home");

        public void Dispose() => _temp.Dispose();

        private string Pack(string folder, params (string Name, string Yaml)[] rules)
        {
            string dir = _temp.Combine(folder);
            foreach ((string name, string yaml) in rules)
            {
                string path = Path.Combine(dir, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, yaml);
            }

            return dir;
        }

        private static string Rule(string id, string image) =>
            RuleTestKit.Rule(id, "category: process_creation", "  sel:\n    Image|endswith: '\\" + image + "'\n  condition: sel", tags: "attack.execution", variant: "Pack");

        [Fact]
        public void Add_AFolder_InstallsItsRulesVersionedByContentAndListsItWithItsOrigin()
        {
            string source = Pack("community", ("a.yml", Rule("7c1d0e2f-0000-4000-8000-000000000001", "a.exe")),
                ("sub/b.yaml", Rule("7c1d0e2f-0000-4000-8000-000000000002", "b.exe")), ("notes.txt", "not a rule"), ("bad.yml", "title: [unclosed"));

            RulePackInfo pack = RulePacks.Add(source, productHome: Home);

            Assert.Equal("community", pack.Name);
            Assert.Equal(2, pack.Rules);
            Assert.Equal(1, pack.Skipped);
            Assert.Equal(3, pack.Files);
            Assert.Equal(source, pack.Origin);
            Assert.Equal(64, pack.Version.Length);
            Assert.True(File.Exists(Path.Combine(pack.Path, "sub", "b.yaml")));
            Assert.False(File.Exists(Path.Combine(pack.Path, "notes.txt")));
            RulePackInfo listed = Assert.Single(RulePacks.List(Home));
            Assert.Equal(pack.Version, listed.Version);
            Assert.Equal(source, listed.Origin);
        }

        [Fact]
        public void Add_SameContentTwice_SameVersion_ChangedContent_NewVersionReplacesTheOld()
        {
            string source = Pack("p", ("a.yml", Rule("7c1d0e2f-0000-4000-8000-000000000003", "a.exe")));
            string first = RulePacks.Add(source, "p", Home).Version;
            Assert.Equal(first, RulePacks.Add(source, "p", Home).Version);

            File.WriteAllText(Path.Combine(source, "c.yml"), Rule("7c1d0e2f-0000-4000-8000-000000000004", "c.exe"));
            RulePackInfo second = RulePacks.Add(source, "p", Home);

            Assert.NotEqual(first, second.Version);
            Assert.Equal(2, second.Rules);
            Assert.Single(RulePacks.List(Home));
            Assert.Empty(Directory.EnumerateDirectories(RulePacks.Directory(Home), ".*"));
        }

        [Fact]
        public void Add_ARuleFileOrAPackWhereNothingLoads_InstallsTheFileAndRefusesTheEmptyPack()
        {
            string file = Path.Combine(Pack("one", ("single.yml", Rule("7c1d0e2f-0000-4000-8000-000000000005", "s.exe"))), "single.yml");
            Assert.Equal("single", RulePacks.Add(file, productHome: Home).Name);

            string broken = Pack("broken", ("x.yml", "title: [unclosed"));
            var ex = Assert.Throws<BehaviorBlockingException>(() => RulePacks.Add(broken, productHome: Home));
            Assert.Equal(ErrorIds.RulePackInvalid, ex.ErrorId);
            Assert.Contains("No rule of", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(RulePacks.List(Home), p => p.Name == "broken");

            Assert.Equal(ErrorIds.RulePackInvalid, Assert.Throws<BehaviorBlockingException>(() => RulePacks.Add(Pack("empty", ("r.txt", "x")), productHome: Home)).ErrorId);
            Assert.Equal(ErrorIds.InputNotFound, Assert.Throws<BehaviorBlockingException>(() => RulePacks.Add(_temp.Combine("missing"), productHome: Home)).ErrorId);
        }

        [Theory]
        [InlineData("builtin")]
        [InlineData("../escape")]
        [InlineData(".hidden")]
        [InlineData("")]
        public void Add_ANameThatIsNotAPackName_IsRefused(string name)
        {
            string source = Pack("n", ("a.yml", Rule("7c1d0e2f-0000-4000-8000-000000000006", "a.exe")));
            var ex = Assert.Throws<BehaviorBlockingException>(() => RulePacks.Add(source, name, Home));
            Assert.Equal(ErrorIds.InvalidArgument, ex.ErrorId);
            Assert.False(Directory.Exists(Path.Combine(_temp.FullPath, "escape")));
        }

        [Fact]
        public void Verified_APackChangedAfterItWasAdded_IsRejectedWithRulePackTamperedAndTheOthersLoad()
        {
            RulePacks.Add(Pack("good", ("a.yml", Rule("7c1d0e2f-0000-4000-8000-000000000007", "a.exe"))), productHome: Home);
            RulePackInfo bad = RulePacks.Add(Pack("bad", ("b.yml", Rule("7c1d0e2f-0000-4000-8000-000000000008", "b.exe"))), productHome: Home);
            File.AppendAllText(Path.Combine(bad.Path, "b.yml"), "\n# changed\n");
            File.WriteAllText(Path.Combine(RulePacks.Directory(Home), "junk.pack.json"), "{ not json");

            var rejected = new List<BehaviorBlockingException>();
            IReadOnlyList<RulePackInfo> verified = RulePacks.Verified(Home, rejected.Add);

            Assert.Equal(new[] { "good" }, verified.Select(p => p.Name));
            Assert.Equal(2, rejected.Count);
            Assert.All(rejected, r => Assert.Equal(ErrorIds.RulePackTampered, r.ErrorId));
            Assert.Contains(rejected, r => r.Message.Contains("'bad' changed", StringComparison.Ordinal));
        }

        [Fact]
        public void Engine_LoadsVerifiedPacksWithTheirOriginAndWarnsOfATamperedOne()
        {
            RulePacks.Add(Pack("good", ("a.yml", Rule("7c1d0e2f-0000-4000-8000-000000000009", "a.exe"))), productHome: Home);
            RulePackInfo bad = RulePacks.Add(Pack("bad", ("b.yml", Rule("7c1d0e2f-0000-4000-8000-00000000000a", "b.exe"))), productHome: Home);
            File.Delete(Path.Combine(bad.Path, "b.yml"));

            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { BuiltInRules = false, UseModel = false, RulePacksHome = Home });

            Assert.Equal(new[] { "pack:good" }, engine.Rules.Rules.Select(r => r.Origin));
            Assert.Contains(engine.Warnings, w => w.ErrorId == ErrorIds.RulePackTampered && w.Message.Contains("'bad'", StringComparison.Ordinal));
            using BehaviorEngine without = BehaviorEngine.Create(new EngineOptions { BuiltInRules = false, UseModel = false });
            Assert.Empty(without.Rules.Rules);
        }

        [Fact]
        public void Remove_DeletesThePackAndAnUnknownNameIsRulePackNotFound()
        {
            RulePackInfo pack = RulePacks.Add(Pack("gone", ("a.yml", Rule("7c1d0e2f-0000-4000-8000-00000000000b", "a.exe"))), productHome: Home);
            Assert.Equal("gone", RulePacks.Remove("gone", Home).Name);
            Assert.Empty(RulePacks.List(Home));
            Assert.False(Directory.Exists(pack.Path));
            Assert.Equal(ErrorIds.RulePackNotFound, Assert.Throws<BehaviorBlockingException>(() => RulePacks.Remove("gone", Home)).ErrorId);
        }
    }
}
