using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Response;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary><c>remediation list</c> and <c>remediation undo</c> over remediations made in a temp root.</summary>
    public sealed class RemediationCommandTests : IDisposable
    {
        private const string Line = "@reboot /var/tmp/.x/agent";
        private readonly TempDirectory _temp = new TempDirectory();

        public RemediationCommandTests()
        {
            Directory.CreateDirectory(Root);
        }

        private string Root => _temp.Combine("root");

        private string StorePath => _temp.Combine("home", ProductHome.StoreFileName);

        public void Dispose() => _temp.Dispose();

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr, Array.Empty<IDetector>);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        /// <summary>A crontab with the attack's line, remediated; returns the file, its content before, and the remediation id.</summary>
        private (string File, string Before, Guid Id) Remediated(string name)
        {
            string file = Root + "/var/spool/cron/crontabs/" + name;
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            string before = "# crontab of " + name + "\nMAILTO=\"\"\n" + Line + "\n0 2 * * * /usr/bin/backup\n";
            File.WriteAllText(file, before);
            using (RemediationStore store = RemediationStore.Open(StorePath))
            {
                ResponseStep step = new LinuxRemediator(store, null, Root).Remediate(
                    new PersistenceArtifact(PersistenceKind.CronEntry, "/var/spool/cron/crontabs/" + name, Line), Guid.Parse("6a1f3c2e-8b4d-4f0a-9c1e-2d3b4a5c6d7e"), false);
                Assert.Equal(StepOutcome.Done, step.Outcome);
                return (file, before, Guid.Parse(step.Reference!));
            }
        }

        [LinuxRootFact]
        public void List_TableAndJsonl_ShowEveryRemediationWithItsState()
        {
            (_, _, Guid first) = Remediated("alice");
            (_, _, Guid second) = Remediated("bob");
            Assert.Equal(0, Run("remediation", "undo", second.ToString(), "--store", StorePath).Exit);

            var (exit, table, err) = Run("remediation", "list", "--store", StorePath);

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, err);
            string[] lines = table.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            Assert.StartsWith("Id ", lines[0]);
            Assert.Contains(first + " ", lines[2]);
            Assert.Contains(" Removed  CronEntry ", lines[2]);
            Assert.EndsWith("line 3 of '/var/spool/cron/crontabs/alice': " + Line, lines[2]);
            Assert.Contains(second + " ", lines[3]);
            Assert.Contains(" Restored CronEntry ", lines[3]);
            Assert.Equal("2 remediation(s).", lines[4]);

            var (jsonExit, jsonl, _) = Run("remediation", "list", "--format", "jsonl", "--store", StorePath);

            Assert.Equal(0, jsonExit);
            JsonElement[] records = jsonl.TrimEnd().Split('\n').Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
            Assert.Equal(2, records.Length);
            Assert.Equal(first.ToString(), records[0].GetProperty("id").GetString());
            Assert.Equal("6a1f3c2e-8b4d-4f0a-9c1e-2d3b4a5c6d7e", records[0].GetProperty("detectionId").GetString());
            Assert.Equal("CronEntry", records[0].GetProperty("kind").GetString());
            Assert.Equal("/var/spool/cron/crontabs/alice", records[0].GetProperty("location").GetString());
            Assert.Equal(Line, records[0].GetProperty("entry").GetString());
            Assert.Equal("Removed", records[0].GetProperty("state").GetString());
            Assert.Equal(JsonValueKind.Null, records[0].GetProperty("restoredAt").ValueKind);
            Assert.Equal("Restored", records[1].GetProperty("state").GetString());
            Assert.EndsWith("Z", records[1].GetProperty("restoredAt").GetString());
        }

        [LinuxRootFact]
        public void Undo_RestoresTheFileExactlyAndASecondUndoSaysItWasDone()
        {
            (string file, string before, Guid id) = Remediated("alice");
            Assert.DoesNotContain(Line, File.ReadAllText(file));

            var (exit, output, err) = Run("remediation", "undo", id.ToString(), "--store", StorePath);

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, err);
            Assert.Equal("restored " + id + ": CronEntry line 3 of '/var/spool/cron/crontabs/alice': " + Line, output.TrimEnd());
            Assert.Equal(before, File.ReadAllText(file));

            var again = Run("remediation", "undo", id.ToString(), "--store", StorePath);
            Assert.Equal(1, again.Exit);
            Assert.StartsWith("behaviorblock: RemediationAlreadyUndone: Remediation " + id, again.Err);
        }

        [LinuxRootFact]
        public void Undo_Conflict_ExitsOneNamingTheFileAndChangesNothing()
        {
            (string file, _, Guid id) = Remediated("alice");
            File.WriteAllText(file, "# replaced by the admin\n");

            var (exit, output, err) = Run("remediation", "undo", id.ToString(), "--store", StorePath);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.StartsWith("behaviorblock: RemediationUndoConflict: Remediation " + id, err);
            Assert.Contains("'" + file + "' changed after the remediation", err);
            Assert.Equal("# replaced by the admin\n", File.ReadAllText(file));
        }

        [Fact]
        public void Undo_UnknownOrMalformedId_ExitsOneOrTwo()
        {
            using (RemediationStore.Open(StorePath))
            {
            }

            Guid unknown = Guid.NewGuid();
            var (exit, _, err) = Run("remediation", "undo", unknown.ToString(), "--store", StorePath);
            Assert.Equal(1, exit);
            Assert.Equal("behaviorblock: RemediationNotFound: No remediation " + unknown + " is recorded in the store '" + StorePath + "'.", err.TrimEnd());

            var malformed = Run("remediation", "undo", "not-an-id", "--store", StorePath);
            Assert.Equal(2, malformed.Exit);
            Assert.Contains("remediation undo: 'not-an-id' is not an id", malformed.Err);

            Assert.Equal(2, Run("remediation", "undo", "--store", StorePath).Exit);
        }

        [Fact]
        public void Scan_ShippedSample_PersistenceDetectionNamesTheRunValueAndTheTask()
        {
            string sample = Path.Combine(AppContext.BaseDirectory, "data", "samples");

            var (exit, output, _) = Run("scan", sample, "--format", "jsonl", "--no-store");

            Assert.Equal(0, exit);
            Detection runKey = output.TrimEnd().Split('\n').Select(DetectionJson.Parse).Single(d => d.Name.StartsWith("Behavior:Win32/Persistence.RunKey!", StringComparison.Ordinal));
            PersistenceArtifact[] artifacts = PersistenceArtifact.FromEvidence(runKey.Evidence).ToArray();
            Assert.Equal(new[]
            {
                @"RunKey HKU\S-1-5-21-1004336348-1177238915-682003330-1107\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SvcUpdate (C:\Users\m.keller\AppData\Local\Temp\svcupd.exe)",
                @"ScheduledTask \Microsoft\Windows\SvcUpdate (C:\Users\m.keller\AppData\Local\Temp\svcupd.exe)",
            }, artifacts.Select(a => a.ToString()));
        }

        [Fact]
        public void List_NoStore_IsEmptyAndCreatesNoStore()
        {
            // As indicator list and policy history: no store yet is nothing recorded, not an error.
            string none = _temp.Combine("none.db");

            var (exit, output, err) = Run("remediation", "list", "--store", none);
            var (jsonExit, jsonl, jsonErr) = Run("remediation", "list", "--format", "jsonl", "--store", none);

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, err);
            Assert.Equal("0 remediation(s).", output.TrimEnd());
            Assert.Equal(0, jsonExit);
            Assert.Equal(string.Empty, jsonl);
            Assert.Equal(string.Empty, jsonErr);
            Assert.False(File.Exists(none));
        }

        [Fact]
        public void List_EmptyStore_SaysNone()
        {
            using (RemediationStore.Open(StorePath))
            {
            }

            var (exit, output, _) = Run("remediation", "list", "--store", StorePath);

            Assert.Equal(0, exit);
            Assert.Equal("0 remediation(s).", output.TrimEnd());
        }
    }
}
