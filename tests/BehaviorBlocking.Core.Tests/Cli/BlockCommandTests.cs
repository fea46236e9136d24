using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Response;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary><c>behaviorblock block</c> over in-test components: targets, defaults, what-if, recording and exit codes.</summary>
    public sealed class BlockCommandTests : IDisposable
    {
        private const string Host = "ws01.example.local";
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly SetGuardRails _guards = new SetGuardRails();
        private readonly TableController _processes;
        private readonly FolderQuarantine _quarantine;
        private readonly MemoryIndicators _indicators = new MemoryIndicators();
        private readonly SetRemediator _remediator = new SetRemediator();
        private readonly string _store;
        private readonly string _file;

        public BlockCommandTests()
        {
            _processes = new TableController(_guards).Add(4242, 1).Add(4243, 4242);
            _quarantine = new FolderQuarantine(_temp.Combine("vault"));
            _store = _temp.Combine("store.db");
            _file = _temp.Combine("payload.bin");
            File.WriteAllText(_file, "payload");
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        private (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var components = new ResponseComponents
            {
                Processes = _processes,
                GuardRails = _guards,
                Quarantine = _quarantine,
                Indicators = _indicators,
                Remediator = _remediator,
                Machine = new MachineIdentity(new[] { "WS01" }),
            };
            int exit = Program.Run(args.Concat(new[] { "--store", _store }).ToArray(), stdout, stderr, Array.Empty<IDetector>, _ => components);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        private static List<ResponseStep> Steps(string jsonl) =>
            jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => DetectionJson.Parse("{\"id\":\"" + Guid.NewGuid() + "\",\"name\":\"n\",\"actions\":[" + line + "]}").Actions.Single())
                .ToList();

        private List<ActionRecord> Recorded()
        {
            using ActionLog log = ActionLog.OpenReadOnly(_store);
            return log.List().ToList();
        }

        private Detection StoreDetection(string host = Host, int? pid = 4242, string? image = "/opt/payload", params Evidence[] evidence)
        {
            var detection = new Detection
            {
                Id = Guid.NewGuid(),
                Name = "Behavior:Linux/Persistence.Cron!rule",
                Platform = DetectionPlatform.Linux,
                Tactic = Tactic.Persistence,
                Host = host,
                ProcessId = pid,
                Image = image,
                FirstSeen = DateTimeOffset.UtcNow,
                LastSeen = DateTimeOffset.UtcNow,
                Evidence = evidence,
            };
            using DetectionStore store = DetectionStore.Open(_store);
            store.Upsert(new[] { detection });
            return detection;
        }

        [Fact]
        public void Pid_Default_KillsTheTreeAndRecordsAManualStep()
        {
            var (exit, output, _) = Run("block", "--pid", "4242", "--format", "jsonl");

            Assert.Equal(0, exit);
            ResponseStep step = Assert.Single(Steps(output));
            Assert.Equal((ResponseKind.KillTree, StepOutcome.Done), (step.Kind, step.Outcome));
            Assert.StartsWith("manual:", step.Actor, StringComparison.Ordinal);
            Assert.False(_processes.IsAlive(4242) || _processes.IsAlive(4243));
            ActionRecord record = Assert.Single(Recorded());
            Assert.Null(record.DetectionId);
            Assert.Equal(step.Actor, record.Step.Actor);
        }

        [Fact]
        public void Pid_Guarded_IsRefusedExitsOneAndSendsNothing()
        {
            _guards.Processes.Add(4242);

            var (exit, output, err) = Run("block", "--pid", "4242", "--action", "KillProcess");

            Assert.Equal(1, exit);
            Assert.Contains("Refused", output, StringComparison.Ordinal);
            Assert.Contains("PID 4242 is guarded", output, StringComparison.Ordinal);
            Assert.Contains("not every step was done", err, StringComparison.Ordinal);
            Assert.Empty(_processes.Calls);
            Assert.True(_processes.IsAlive(4242));
            Assert.Equal(StepOutcome.Refused, Assert.Single(Recorded()).Step.Outcome);
        }

        [Fact]
        public void Pid_Suspend_SuspendsTheTree()
        {
            var (exit, _, _) = Run("block", "--pid", "4242", "--action", "Suspend");

            Assert.Equal(0, exit);
            Assert.Equal(new[] { 4242, 4243 }, _processes.Suspended.OrderBy(p => p));
        }

        [Fact]
        public void Path_Default_QuarantinesTheFile()
        {
            string sha = FolderQuarantine.Sha256(_file);

            var (exit, output, _) = Run("block", "--path", _file, "--format", "jsonl");

            Assert.Equal(0, exit);
            ResponseStep step = Assert.Single(Steps(output));
            Assert.Equal((ResponseKind.Quarantine, StepOutcome.Done, _file), (step.Kind, step.Outcome, step.Target));
            Assert.False(File.Exists(_file));
            QuarantineEntry entry = Assert.Single(_quarantine.List());
            Assert.Equal(sha, entry.Sha256);
            Assert.Equal(entry.Id.ToString("D"), step.Reference);
        }

        [Fact]
        public void Path_BlockHash_BlocksTheFilesHashAndLeavesIt()
        {
            var (exit, _, _) = Run("block", "--path", _file, "--action", "BlockHash", "--comment", "seen on ws02");

            Assert.Equal(0, exit);
            Indicator indicator = Assert.Single(_indicators.Added);
            Assert.Equal(FolderQuarantine.Sha256(_file), indicator.Value);
            Assert.Equal(IndicatorSource.Manual, indicator.Source);
            Assert.Equal("seen on ws02", indicator.Comment);
            Assert.True(File.Exists(_file));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Path_GuardedFile_NeitherQuarantinedNorItsHashBlocked(bool whatIf)
        {
            _guards.Files.Add(_file);
            string[] common = { "block", "--path", _file, "--format", "jsonl" };

            var (quarantineExit, quarantined, _) = Run(whatIf ? common.Append("--what-if").ToArray() : common);
            var (hashExit, hashed, _) = Run(common.Concat(new[] { "--action", "BlockHash" }).Concat(whatIf ? new[] { "--what-if" } : Array.Empty<string>()).ToArray());

            Assert.Equal((1, 1), (quarantineExit, hashExit));
            Assert.Equal(StepOutcome.Refused, Assert.Single(Steps(quarantined)).Outcome);
            Assert.Equal(StepOutcome.Refused, Assert.Single(Steps(hashed)).Outcome);
            Assert.True(File.Exists(_file));
            Assert.Empty(_indicators.Added);
        }

        [Fact]
        public void Path_Missing_IsAlreadyGone()
        {
            var (exit, output, _) = Run("block", "--path", _temp.Combine("nothing-here"));

            Assert.Equal(0, exit);
            Assert.Contains("AlreadyGone", output, StringComparison.Ordinal);
        }

        [Fact]
        public void Sha256_Default_BlocksTheHashUpperCase()
        {
            string sha = new string('a', 64);

            var (exit, output, _) = Run("block", "--sha256", sha);

            Assert.Equal(0, exit);
            Assert.Equal(sha.ToUpperInvariant(), Assert.Single(_indicators.Added).Value);
            Assert.Contains("recorded in", output, StringComparison.Ordinal);
        }

        [Fact]
        public void WhatIf_ChangesNothingAndRecordsNothing()
        {
            var (pidExit, pidOut, _) = Run("block", "--pid", "4242", "--what-if");
            var (pathExit, pathOut, _) = Run("block", "--path", _file, "--what-if", "--format", "jsonl");
            var (shaExit, _, _) = Run("block", "--sha256", new string('b', 64), "--what-if");

            Assert.Equal((0, 0, 0), (pidExit, pathExit, shaExit));
            Assert.Contains("would kill tree PID 4242", pidOut, StringComparison.Ordinal);
            Assert.Contains("what-if: nothing was changed", pidOut, StringComparison.Ordinal);
            Assert.Equal("would quarantine " + _file, Assert.Single(Steps(pathOut)).Detail);
            Assert.Empty(_processes.Calls);
            Assert.True(File.Exists(_file));
            Assert.Empty(_indicators.Added);
            Assert.False(File.Exists(_store));
        }

        [Fact]
        public void WhatIf_GuardedPid_SaysItWouldBeRefused()
        {
            _guards.Processes.Add(4242);

            var (exit, output, _) = Run("block", "--pid", "4242", "--what-if");

            Assert.Equal(1, exit);
            Assert.Contains("Refused", output, StringComparison.Ordinal);
            Assert.Empty(_processes.Calls);
        }

        [Fact]
        public void Detection_KillTree_ActsOnItsProcessAndRecordsWithTheDetection()
        {
            Detection detection = StoreDetection();

            var (exit, _, _) = Run("block", "--detection", detection.Id.ToString(), "--action", "KillTree");
            var (listed, records, _) = Run("detections", "--format", "jsonl");
            var (_, table, _) = Run("detections");

            Assert.Equal(0, exit);
            Assert.Equal(4242, Assert.Single(_processes.Calls).Target.ProcessId);
            Assert.Equal(detection.Id, Assert.Single(Recorded()).DetectionId);
            Assert.Equal(0, listed);
            Detection shown = DetectionJson.Parse(records.Trim());
            ResponseStep step = Assert.Single(shown.Actions);
            Assert.Equal((ResponseKind.KillTree, StepOutcome.Done), (step.Kind, step.Outcome));
            Assert.StartsWith("manual:", step.Actor, StringComparison.Ordinal);
            Assert.Contains("KillTree:Done", table, StringComparison.Ordinal);
        }

        [Fact]
        public void Detection_Remediate_RemovesEveryArtifactOfItsEvidence()
        {
            var cron = new PersistenceArtifact(PersistenceKind.CronEntry, "/etc/cron.d/p", "* * * * * root /opt/payload");
            var unit = new PersistenceArtifact(PersistenceKind.SystemdUnit, "/etc/systemd/system/p.service");
            _remediator.Present.Add("CronEntry:/etc/cron.d/p");
            _remediator.Present.Add("SystemdUnit:/etc/systemd/system/p.service");
            Detection detection = StoreDetection(evidence: new[] { new Evidence("rule", "r", "cron write", null), cron.ToEvidence(null), unit.ToEvidence(null) });

            var (exit, output, _) = Run("block", "--detection", detection.Id.ToString(), "--action", "Remediate", "--format", "jsonl");

            Assert.Equal(0, exit);
            Assert.Equal(new[] { cron.ToString(), unit.ToString() }, Steps(output).Select(s => s.Target));
            Assert.Empty(_remediator.Present);
            Assert.All(_remediator.List(), r => Assert.Equal(detection.Id, r.DetectionId));
        }

        [Fact]
        public void Detection_OfAnotherHost_IsNotSupportedAndExitsOne()
        {
            Detection detection = StoreDetection(host: "ws02.example.local");

            var (exit, output, _) = Run("block", "--detection", detection.Id.ToString(), "--action", "KillProcess");

            Assert.Equal(1, exit);
            Assert.Contains("NotSupported", output, StringComparison.Ordinal);
            Assert.Empty(_processes.Calls);
        }

        [Fact]
        public void Detection_NoActionUnderAnAuditPolicy_IsAUsageError()
        {
            Detection detection = StoreDetection();

            var (exit, _, err) = Run("block", "--detection", detection.Id.ToString());

            Assert.Equal(2, exit);
            Assert.Contains("--action", err, StringComparison.Ordinal);
            Assert.Empty(_processes.Calls);
        }

        [Fact]
        public void Detection_Unknown_ExitsOneNamingTheError()
        {
            StoreDetection();

            var (exit, _, err) = Run("block", "--detection", Guid.NewGuid().ToString(), "--action", "KillTree");

            Assert.Equal(1, exit);
            Assert.Contains("DetectionNotFound", err, StringComparison.Ordinal);
        }

        [UnixFact]
        public void Detection_WhoseProcessIdNowRunsAnotherImage_IsRefused()
        {
            // This test process stands in for a process that got the detection's pid after the detection's process was gone.
            int self = Environment.ProcessId;
            _processes.Add(self, 1);
            Detection detection = StoreDetection(pid: self, image: "/opt/long-gone/payload");

            var (exit, output, _) = Run("block", "--detection", detection.Id.ToString(), "--action", "KillProcess", "--format", "jsonl");

            Assert.Equal(1, exit);
            ResponseStep step = Assert.Single(Steps(output));
            Assert.Equal(StepOutcome.Refused, step.Outcome);
            Assert.Contains("the id was reused", step.Detail, StringComparison.Ordinal);
            Assert.Empty(_processes.Calls);
        }

        [Theory]
        [InlineData("block")]
        [InlineData("block", "--pid", "1", "--path", "/x")]
        [InlineData("block", "--pid", "0")]
        [InlineData("block", "--pid", "5", "--action", "Quarantine")]
        [InlineData("block", "--path", "/x", "--action", "KillTree")]
        [InlineData("block", "--sha256", "abc")]
        [InlineData("block", "--sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "--action", "Remediate")]
        [InlineData("block", "--pid", "5", "--action", "Restore")]
        [InlineData("block", "--pid", "5", "--action", "Nuke")]
        [InlineData("block", "--detection", "not-a-uuid")]
        public void Usage_Invalid_ExitsTwoAndActsOnNothing(params string[] args)
        {
            var (exit, output, _) = Run(args);

            Assert.Equal(2, exit);
            Assert.Equal(string.Empty, output);
            Assert.Empty(_processes.Calls);
            Assert.False(File.Exists(_store));
        }
    }
}
