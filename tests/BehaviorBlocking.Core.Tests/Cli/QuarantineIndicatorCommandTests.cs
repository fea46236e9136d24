using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary>
    /// <c>quarantine</c> and <c>indicator</c> run in-process against a temporary quarantine folder and store,
    /// named by <c>--quarantine</c> and <c>--store</c> (the product-folder variable is process-wide, so tests
    /// running in parallel do not set it).
    /// </summary>
    public sealed class QuarantineIndicatorCommandTests : IDisposable
    {
        private const string Hash = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";
        private readonly TempDirectory _temp = new TempDirectory();

        private string Vault => _temp.Combine("quarantine");

        private string Store => _temp.Combine("s.db");

        public void Dispose() => _temp.Dispose();

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [Fact]
        public void Quarantine_AddListRestore_RoundTripsThroughTheCommands()
        {
            string file = _temp.Combine("payload.sh");
            File.WriteAllText(file, "#!/bin/sh\necho owned\n");

            var add = Run("quarantine", "add", file, "--reason", "by hand", "--quarantine", Vault);
            Assert.Equal(Program.ExitOk, add.Exit);
            Assert.False(File.Exists(file));

            var list = Run("quarantine", "list", "--format", "jsonl", "--quarantine", Vault);
            Assert.Equal(Program.ExitOk, list.Exit);
            string line = Assert.Single(list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using JsonDocument json = JsonDocument.Parse(line);
            string id = json.RootElement.GetProperty("id").GetString()!;
            Assert.Equal("Held", json.RootElement.GetProperty("state").GetString());
            Assert.Equal(file, json.RootElement.GetProperty("originalPath").GetString());
            Assert.Equal("by hand", json.RootElement.GetProperty("reason").GetString());
            Assert.Contains(id, add.Out);

            var table = Run("quarantine", "list", "--quarantine", Vault);
            Assert.Contains("1 entry (1 held)", table.Out);
            Assert.Contains(file, table.Out);

            var restore = Run("quarantine", "restore", id, "--quarantine", Vault);
            Assert.Equal(Program.ExitOk, restore.Exit);
            Assert.Equal("#!/bin/sh\necho owned\n", File.ReadAllText(file));

            var again = Run("quarantine", "restore", id, "--quarantine", Vault);
            Assert.Equal(Program.ExitFailed, again.Exit);
            Assert.StartsWith("behaviorblock: QuarantineAlreadyRestored: ", again.Err);
        }

        [Fact]
        public void QuarantineAdd_Comment_IsTheEntrysReasonAsWithBlock()
        {
            string file = _temp.Combine("dropper.bin");
            File.WriteAllText(file, "payload");

            var add = Run("quarantine", "add", file, "--comment", "mail attachment", "--quarantine", Vault);

            Assert.Equal(Program.ExitOk, add.Exit);
            var list = Run("quarantine", "list", "--format", "jsonl", "--quarantine", Vault);
            using JsonDocument json = JsonDocument.Parse(list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single());
            Assert.Equal("mail attachment", json.RootElement.GetProperty("reason").GetString());
        }

        [Fact]
        public void Quarantine_ErrorsAndUsage_ExitOneOrTwoWithOneLine()
        {
            var missing = Run("quarantine", "add", _temp.Combine("none"), "--quarantine", Vault);
            Assert.Equal(Program.ExitFailed, missing.Exit);
            Assert.StartsWith("behaviorblock: QuarantineSourceNotFound: ", missing.Err);

            var unknown = Run("quarantine", "restore", Guid.NewGuid().ToString(), "--quarantine", Vault);
            Assert.Equal(Program.ExitFailed, unknown.Exit);
            Assert.StartsWith("behaviorblock: QuarantineEntryNotFound: ", unknown.Err);

            Assert.Equal(Program.ExitUsage, Run("quarantine", "restore", "not-an-id", "--quarantine", Vault).Exit);
            Assert.Equal(Program.ExitUsage, Run("quarantine", "list", "--format", "xml", "--quarantine", Vault).Exit);
            Assert.Equal(Program.ExitUsage, Run("quarantine", "add").Exit);
        }

        [Fact]
        public void Quarantine_RestoreOverExistingFile_ExitsOneAndKeepsIt()
        {
            string file = _temp.Combine("a.bin");
            File.WriteAllText(file, "first");
            Run("quarantine", "add", file, "--quarantine", Vault);
            File.WriteAllText(file, "second");
            string id = JsonDocument.Parse(Run("quarantine", "list", "--format", "jsonl", "--quarantine", Vault).Out).RootElement.GetProperty("id").GetString()!;

            var restore = Run("quarantine", "restore", id, "--quarantine", Vault);

            Assert.Equal(Program.ExitFailed, restore.Exit);
            Assert.StartsWith("behaviorblock: QuarantineRestoreTargetExists: ", restore.Err);
            Assert.Equal("second", File.ReadAllText(file));
        }

        [Fact]
        public void Indicator_AddListRemove_ThroughTheCommands()
        {
            var hash = Run("indicator", "add", "--sha256", Hash, "--verdict", "block", "--comment", "implant", "--store", Store);
            var path = Run("indicator", "add", "--path", "/opt/tool", "--verdict", "allow", "--expires", "2099-01-01T00:00:00Z", "--store", Store);
            Assert.Equal(Program.ExitOk, hash.Exit);
            Assert.Equal(Program.ExitOk, path.Exit);

            var list = Run("indicator", "list", "--format", "jsonl", "--store", Store);
            string[] lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            JsonElement first = JsonDocument.Parse(lines[0]).RootElement;
            Assert.Equal(Hash.ToUpperInvariant(), first.GetProperty("value").GetString());
            Assert.Equal("Block", first.GetProperty("verdict").GetString());
            Assert.Equal("Manual", first.GetProperty("source").GetString());
            Assert.True(first.GetProperty("active").GetBoolean());
            Assert.Equal("2099-01-01T00:00:00.0000000Z", JsonDocument.Parse(lines[1]).RootElement.GetProperty("expires").GetString());

            var table = Run("indicator", "list", "--store", Store);
            Assert.Contains("2 indicator(s).", table.Out);
            Assert.Contains("implant", table.Out);

            var remove = Run("indicator", "remove", first.GetProperty("id").GetString()!, "--store", Store);
            Assert.Equal(Program.ExitOk, remove.Exit);
            Assert.Contains("1 indicator(s).", Run("indicator", "list", "--store", Store).Out);

            var again = Run("indicator", "remove", first.GetProperty("id").GetString()!, "--store", Store);
            Assert.Equal(Program.ExitFailed, again.Exit);
            Assert.StartsWith("behaviorblock: IndicatorNotFound: ", again.Err);
        }

        [Theory]
        [InlineData("indicator", "add", "--verdict", "block")]
        [InlineData("indicator", "add", "--sha256", Hash, "--path", "/a", "--verdict", "block")]
        [InlineData("indicator", "add", "--sha256", "abc", "--verdict", "block")]
        [InlineData("indicator", "add", "--path", "relative", "--verdict", "block")]
        [InlineData("indicator", "add", "--path", "/a", "--verdict", "maybe")]
        [InlineData("indicator", "add", "--path", "/a")]
        [InlineData("indicator", "add", "--path", "/a", "--verdict", "block", "--expires", "soon")]
        [InlineData("indicator", "remove", "nope")]
        public void Indicator_BadCommandLine_ExitsTwo(params string[] args)
        {
            var run = Run(args.Concat(new[] { "--store", Store }).ToArray());

            Assert.Equal(Program.ExitUsage, run.Exit);
            Assert.Equal(string.Empty, run.Out);
            Assert.False(File.Exists(Store));
        }

        [Fact]
        public void Indicator_ExpiryInThePast_ExitsOneWithIndicatorInvalid()
        {
            var run = Run("indicator", "add", "--path", "/a", "--verdict", "block", "--expires", "2001-01-01T00:00:00Z", "--store", Store);

            Assert.Equal(Program.ExitFailed, run.Exit);
            Assert.StartsWith("behaviorblock: IndicatorInvalid: ", run.Err);
            Assert.Contains("not in the future", run.Err);
        }

        [LinuxRootFact]
        public void Indicator_BlockTheShellByHashPathOrFeed_ExitsOneAndWritesNothing()
        {
            string shell = new FileInfo("/bin/sh").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/bin/sh";
            string sha;
            using (var sha256 = System.Security.Cryptography.SHA256.Create())
            using (FileStream stream = File.OpenRead(shell))
            {
                sha = Convert.ToHexString(sha256.ComputeHash(stream));
            }

            string feed = _temp.Combine("feed.jsonl");
            File.WriteAllText(feed, "{\"sha256\":\"" + Hash + "\",\"verdict\":\"block\"}\n{\"sha256\":\"" + sha.ToLowerInvariant() + "\",\"verdict\":\"block\"}\n");

            var byHash = Run("indicator", "add", "--sha256", sha, "--verdict", "block", "--store", Store);
            var byPath = Run("indicator", "add", "--path", "/bin/sh", "--verdict", "block", "--store", Store);
            var byFeed = Run("indicator", "import", feed, "--store", Store);
            var allowed = Run("indicator", "add", "--sha256", sha, "--verdict", "allow", "--store", Store);

            Assert.Equal((Program.ExitFailed, Program.ExitFailed, Program.ExitFailed), (byHash.Exit, byPath.Exit, byFeed.Exit));
            Assert.StartsWith("behaviorblock: IndicatorInvalid: Refused to block: SHA-256 " + sha, byHash.Err);
            Assert.StartsWith("behaviorblock: IndicatorInvalid: Refused to block: '/bin/sh' is ", byPath.Err);
            Assert.StartsWith("behaviorblock: IndicatorFeedInvalid: ", byFeed.Err);
            Assert.Equal(Program.ExitOk, allowed.Exit);
            string listed = Run("indicator", "list", "--format", "jsonl", "--store", Store).Out;
            Assert.Equal("Allow", JsonDocument.Parse(Assert.Single(listed.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement.GetProperty("verdict").GetString());
        }

        [Fact]
        public void Indicator_ListWithoutStore_ShowsNone()
        {
            var run = Run("indicator", "list", "--store", Store);

            Assert.Equal(Program.ExitOk, run.Exit);
            Assert.Contains("0 indicator(s).", run.Out);
            Assert.False(File.Exists(Store));
        }

        [Fact]
        public void Indicator_Import_GoodFeedImportedBadFeedRejectedNamingTheLine()
        {
            string good = _temp.Combine("good.jsonl");
            File.WriteAllText(good, "{\"sha256\":\"" + Hash + "\",\"verdict\":\"block\"}\n{\"path\":\"C:\\\\Tools\\\\x.exe\",\"verdict\":\"allow\"}\n");
            string bad = _temp.Combine("bad.jsonl");
            File.WriteAllText(bad, "{\"path\":\"/b\",\"verdict\":\"block\"}\n{\"path\":\"/c\",\"verdict\":\"block\",\"color\":\"red\"}\n");

            var imported = Run("indicator", "import", good, "--store", Store);
            var rejected = Run("indicator", "import", bad, "--store", Store);

            Assert.Equal(Program.ExitOk, imported.Exit);
            Assert.Contains("imported 2 indicator(s)", imported.Out);
            Assert.Equal(Program.ExitFailed, rejected.Exit);
            Assert.StartsWith("behaviorblock: IndicatorFeedInvalid: The indicator feed '" + bad + "' was rejected, nothing was imported: line 2: unknown key 'color'", rejected.Err);
            string[] lines = Run("indicator", "list", "--format", "jsonl", "--store", Store).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.All(lines, l => Assert.Equal("Feed", JsonDocument.Parse(l).RootElement.GetProperty("source").GetString()));
        }
    }
}
