using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>Policy files: loading, validating, installing atomically with the audit trail, and refusing what is invalid.</summary>
    public sealed class PolicyFileTests : IDisposable
    {
        private const string Audit = "{\"schemaVersion\": 1, \"version\": \"v1\", \"mode\": \"Audit\"}";
        private const string Block = "{\n  \"schemaVersion\": 1,\n  \"version\": \"v2\",\n  \"mode\": \"Block\",\n  \"tactics\": {\"Execution\": {\"threshold\": 0.7}},\n"
            + "  \"exclusions\": [{\"image\": \"C:\\\\Tools\\\\*.exe\", \"justification\": \"admin tools\"}]\n}";

        private static readonly PolicyActor Admin = new PolicyActor(@"CONTOSO\admin", "MGMT-01");
        private static readonly DateTimeOffset When = new DateTimeOffset(2026, 12, 2, 3, 4, 5, TimeSpan.Zero);
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string Target => _temp.Combine("home", PolicyFile.FileName);

        private string Store => _temp.Combine("home", "store.db");

        private string Write(string name, string text)
        {
            string path = _temp.Combine(name);
            File.WriteAllText(path, text);
            return path;
        }

        private PolicySetResult Set(string file, DateTimeOffset? at = null) => PolicyFile.Set(file, Target, Store, Admin, at ?? When);

        [Fact]
        public void Load_MissingFile_IsPolicyFileNotFound()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => PolicyFile.Load(_temp.Combine("none.json")));

            Assert.Equal("PolicyFileNotFound", ex.ErrorId);
            Assert.Equal(FailureKind.NotFound, ex.Kind);
            Assert.Contains(_temp.Combine("none.json"), ex.Message);
        }

        [Fact]
        public void Load_Directory_IsPolicyFileUnreadable()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => PolicyFile.Load(_temp.FullPath));

            Assert.Equal("PolicyFileUnreadable", ex.ErrorId);
        }

        [Fact]
        public void Load_FileOverTheSizeLimit_IsRefusedWithoutReadingIt()
        {
            string path = _temp.Combine("big.json");
            using (var stream = File.Create(path))
            {
                stream.SetLength(PolicyDocument.MaxBytes + 1);
            }

            var ex = Assert.Throws<PolicyInvalidException>(() => PolicyFile.Load(path));

            Assert.Equal("PolicyFileInvalid", ex.ErrorId);
            Assert.Contains(path + ":1:1: $: the file is 1,048,577 bytes; the limit is 1,048,576 bytes (1 MiB)", ex.Message);
        }

        [Fact]
        public void Load_ValidFile_CarriesPathHashAndText()
        {
            string path = Write("p.json", Block);

            LoadedPolicy loaded = PolicyFile.Load(path);

            Assert.Equal(path, loaded.Path);
            Assert.Equal(Block, loaded.Text);
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), loaded.Sha256);
            Assert.Equal(loaded.Sha256, loaded.ToPolicy().Sha256);
        }

        [Fact]
        public void LoadInForce_NoFile_IsTheDefaultAuditPolicy()
        {
            LoadedPolicy loaded = PolicyFile.LoadInForce(Target);

            Assert.True(loaded.IsDefault);
            Assert.Equal(PolicyMode.Audit, loaded.Document.Mode);
            Assert.Null(loaded.Sha256);
        }

        [Fact]
        public void Validate_InvalidFile_ListsEveryProblemAndThrowsNothing()
        {
            PolicyValidation validation = PolicyFile.Validate(Write("bad.json", "{\"schemaVersion\": 1, \"version\": \"v\", \"mode\": \"x\", \"defaults\": {\"threshold\": 7}}"), When);

            Assert.False(validation.IsValid);
            Assert.Equal(new[] { "$.mode", "$.defaults.threshold" }, validation.Errors.Select(e => e.Path));
        }

        [Fact]
        public void Set_FirstPolicy_InstallsItAndRecordsOneRowWithChangesFromTheDefault()
        {
            string file = Write("block.json", Block);

            PolicySetResult result = Set(file);

            Assert.Equal(Block, File.ReadAllText(Target));
            Assert.Equal(1, result.Change.Sequence);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            PolicyChange row = Assert.Single(history.List());
            Assert.Equal(When, row.Time);
            Assert.Equal(@"CONTOSO\admin", row.User);
            Assert.Equal("MGMT-01", row.Host);
            Assert.Equal("v2", row.Version);
            Assert.Equal(PolicyFile.Load(Target).Sha256, row.Sha256);
            Assert.Null(row.PreviousSha256);
            Assert.Equal(Block, row.Document);
            Assert.Equal(new[]
            {
                "version: default -> v2",
                "mode: Audit -> Block",
                "tactics.Execution added (threshold 0.7)",
                @"exclusions[0] added (image C:\Tools\*.exe: admin tools)",
            }, row.Changes);
        }

        [Fact]
        public void SetBytes_ValidDocument_InstallsTheBytesAndRecordsThemLikeAFile()
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(Block);

            PolicySetResult result = PolicyFile.Set(bytes, "edit", Target, Store, Admin, When);

            Assert.Equal(bytes, File.ReadAllBytes(Target));
            Assert.Equal(PolicyMode.Block, result.Document.Mode);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            Assert.Equal(Block, Assert.Single(history.List()).Document);
        }

        [Fact]
        public void SetBytes_InvalidDocument_IsRefusedNamingTheSourceAndWritesNothing()
        {
            var ex = Assert.Throws<PolicyInvalidException>(() => PolicyFile.Set(System.Text.Encoding.UTF8.GetBytes("{\"mode\": 1}"), "edit", Target, Store, Admin, When));

            Assert.StartsWith("edit:1:", ex.Message);
            Assert.False(File.Exists(Target));
            Assert.False(File.Exists(Store));
        }

        [Fact]
        public void Set_SecondPolicy_RecordsThePreviousHashAndWhatChanged()
        {
            PolicySetResult first = Set(Write("block.json", Block));
            string changed = Block.Replace("\"v2\"", "\"v3\"").Replace("0.7", "0.75").Replace("\"Block\"", "\"Audit\"")
                .Replace("\"justification\": \"admin tools\"}]", "\"justification\": \"admin tools\"}, {\"user\": \"*\\\\svc-*\", \"justification\": \"service accounts\"}]");

            PolicySetResult second = Set(Write("next.json", changed), When.AddHours(1));

            Assert.Equal(2, second.Change.Sequence);
            Assert.Equal(first.Change.Sha256, second.Change.PreviousSha256);
            Assert.Equal(new[]
            {
                "version: v2 -> v3",
                "mode: Block -> Audit",
                "tactics.Execution.threshold: 0.7 -> 0.75",
                @"exclusions[1] added (user *\svc-*: service accounts)",
            }, second.Change.Changes);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            Assert.Equal(new long[] { 1, 2 }, history.List().Select(c => c.Sequence));
            Assert.Equal(2, Assert.Single(history.List(last: 1)).Sequence);
        }

        [Fact]
        public void Set_RemovedEntries_AreListed()
        {
            Set(Write("block.json", Block));

            PolicySetResult result = Set(Write("audit.json", Audit));

            Assert.Equal(new[]
            {
                "version: v2 -> v1",
                "mode: Block -> Audit",
                "tactics.Execution removed (threshold 0.7)",
                @"exclusions[0] removed (image C:\Tools\*.exe: admin tools)",
            }, result.Change.Changes);
        }

        [Fact]
        public void Set_SameFileAgain_RecordsARowWithNoChanges()
        {
            string file = Write("block.json", Block);
            Set(file);

            PolicySetResult again = Set(file);

            Assert.Empty(again.Change.Changes);
            Assert.Equal(again.Change.Sha256, again.Change.PreviousSha256);
        }

        [Theory]
        [InlineData("{\"schemaVersion\": 1, \"version\": \"v9\", \"mode\": \"Blok\"}", "1:47: $.mode")]
        [InlineData("{\"schemaVersion\": 1, \"version\": \"v9\", \"mode\": \"Block\"", "1:54: $: not valid JSON")]
        [InlineData("", "1:1: $: the policy is empty")]
        public void Set_CorruptOrInvalidFile_IsRefusedAndTheOldPolicyStaysInForceUnrecorded(string text, string where)
        {
            Set(Write("block.json", Block));
            string bad = Write("bad.json", text);

            var ex = Assert.Throws<PolicyInvalidException>(() => Set(bad));

            Assert.StartsWith(bad + ":" + where, ex.Message);
            Assert.Equal(Block, File.ReadAllText(Target));
            Assert.Equal("v2", PolicyFile.LoadInForce(Target).Document.Version);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            Assert.Single(history.List());
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Target)!, "*.tmp"));
        }

        [Fact]
        public void Set_TargetIsADirectory_FailsWithoutRecordingAndLeavesNoTemporaryFile()
        {
            Directory.CreateDirectory(Target);

            var ex = Assert.Throws<BehaviorBlockingException>(() => Set(Write("block.json", Block)));

            Assert.Equal("PolicyInstallFailed", ex.ErrorId);
            Assert.Contains("the policy in force is unchanged", ex.Message);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            Assert.Empty(history.List());
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Target)!, "*.tmp"));
        }

        [Fact]
        public void Set_StoreCannotBeOpened_ChangesNothing()
        {
            Set(Write("block.json", Block));
            string notAStore = Write("not-a-store.db", "this is not a SQLite database, and it is long enough to be read as one");

            var ex = Assert.Throws<BehaviorBlockingException>(() => PolicyFile.Set(Write("audit.json", Audit), Target, notAStore, Admin, When));

            Assert.StartsWith("Store", ex.ErrorId);
            Assert.Equal(Block, File.ReadAllText(Target));
        }

        [Fact]
        public void Set_OverACorruptPolicyInForce_ReplacesItAndCountsChangesFromTheDefault()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
            File.WriteAllText(Target, "{ garbage");

            PolicySetResult result = Set(Write("audit.json", Audit));

            // The unreadable file's hash is kept for the record; its changes are counted from the default policy.
            Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("{ garbage"))), result.Change.PreviousSha256);
            Assert.Equal(new[] { "version: default -> v1" }, result.Change.Changes);
            Assert.Equal(Audit, File.ReadAllText(Target));
        }

        [Fact]
        public void Set_ConcurrentInstallsThroughOneStore_FormAnUnbrokenChainOfHashes()
        {
            string a = Write("a.json", Audit);
            string b = Write("b.json", Block);
            Set(a);
            var threads = new[] { a, b }.Select(file => new System.Threading.Thread(() =>
            {
                for (int i = 0; i < 10; i++)
                {
                    Set(file);
                }
            })).ToArray();

            foreach (System.Threading.Thread thread in threads)
            {
                thread.Start();
            }

            foreach (System.Threading.Thread thread in threads)
            {
                thread.Join();
            }

            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            var rows = history.List();
            Assert.Equal(21, rows.Count);
            for (int i = 1; i < rows.Count; i++)
            {
                Assert.Equal(rows[i - 1].Sha256, rows[i].PreviousSha256);
            }

            Assert.Equal(rows[rows.Count - 1].Sha256, PolicyFile.Load(Target).Sha256);
        }

        [Fact]
        public void WriteAtomically_ReplacesTheWholeFile()
        {
            string path = _temp.Combine("atomic.json");
            File.WriteAllText(path, new string('x', 10_000));

            PolicyFile.WriteAtomically(path, new byte[] { (byte)'{', (byte)'}' });

            Assert.Equal("{}", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(_temp.FullPath));
        }

        [Fact]
        public void History_ChangeListThatIsNotJson_IsStoreCorrupt()
        {
            Set(Write("block.json", Block));
            SqliteFile.Execute(Store, "UPDATE policy_changes SET changes = 'not json';");
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);

            var ex = Assert.Throws<BehaviorBlockingException>(() => history.List());

            Assert.Equal("StoreCorrupt", ex.ErrorId);
            Assert.Contains("policy change 1", ex.Message);
        }
    }
}
