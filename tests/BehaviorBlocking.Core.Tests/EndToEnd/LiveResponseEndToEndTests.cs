using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Verdicts;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.EndToEnd
{
    /// <summary>
    /// The live path without a sensor: an engine run with a Block policy parsed from JSON and the active responder
    /// over this machine's real components, fed ProcessStart telemetry of a real /bin/sh tree (its real pids, start
    /// times, images and command lines). The tree is killed, the detection says Blocked and the store has the steps.
    /// </summary>
    public sealed class LiveResponseEndToEndTests : IDisposable
    {
        private const string SysmonChannel = "Microsoft-Windows-Sysmon/Operational";
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RuleTestKit _rules = new RuleTestKit();
        private readonly string _marker = "bbe2e" + Guid.NewGuid().ToString("N").Substring(0, 12);
        private readonly string _store;

        public LiveResponseEndToEndTests()
        {
            _store = _temp.Combine("store.db");
            _rules.Write("marker.yml", RuleTestKit.Rule("e2e-" + _marker, "category: process_creation",
                "  sel:\n    CommandLine|contains: '" + _marker + "'\n  condition: sel", "critical", "attack.execution", "EndToEnd"));

            // A weaker rule the guarded parent's own command line fires: it is implicated, so the plan must refuse it.
            _rules.Write("parent.yml", RuleTestKit.Rule("e2e-parent-" + _marker, "category: process_creation",
                "  sel:\n    CommandLine|contains: 'parent" + _marker.Substring(5) + "'\n  condition: sel", "medium", "attack.execution", "EndToEnd"));
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _rules.Dispose();
            _temp.Dispose();
        }

        /// <summary>A Block policy from a real policy document: kill the tree at any score.</summary>
        internal static BlockingPolicy BlockPolicy(TempDirectory temp)
        {
            string file = temp.Combine("block.json");
            File.WriteAllText(file, "{ \"schemaVersion\": 1, \"version\": \"e2e-1\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\" } }");
            return PolicyFile.Load(file).ToPolicy();
        }

        /// <summary>Root, two children that are subshells, and grandchildren under them: 7 processes, each line carries the marker in the shell's own command line.</summary>
        internal static SpawnedTree StartTree(string marker, out List<int> pids)
        {
            SpawnedTree tree = SpawnedTree.Start("sleep 300 & (sleep 300 & sleep 300 & wait) & (sleep 300 & wait) & wait # " + marker);
            try
            {
                pids = tree.WaitForAtLeast(7);
                return tree;
            }
            catch
            {
                tree.Dispose();
                throw;
            }
        }

        /// <summary>A Sysmon-style ProcessStart for a real process of this machine: its pid, parent, start time, image and command line.</summary>
        internal static BehaviorEvent StartEvent(int pid, string? commandLine = null)
        {
            ProcStat stat = ProcFs.ReadStat(pid) ?? throw new InvalidOperationException("PID " + pid + " is gone");
            DateTimeOffset start = ProcFs.StartTime(stat) ?? throw new InvalidOperationException("no start time for PID " + pid);
            string image = ProcFs.Executable(pid) ?? "/bin/sh";
            string command = commandLine ?? CommandLine(pid);
            string parentImage = ProcFs.Executable(stat.ParentId) ?? "?";
            string parentCommand = CommandLine(stat.ParentId);
            var fields = new List<KeyValuePair<string, string>>
            {
                new("ProcessId", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("Image", image),
                new("CommandLine", command),
                new("ParentProcessId", stat.ParentId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("ParentImage", parentImage),
                new("ParentCommandLine", parentCommand),
            };
            return new BehaviorEvent
            {
                Kind = EventKind.ProcessStart,
                Platform = DetectionPlatform.Linux,
                Time = start,
                Host = Environment.MachineName,
                Channel = SysmonChannel,
                Provider = "Microsoft-Windows-Sysmon",
                EventId = 1,
                ProcessId = pid,
                Image = image,
                CommandLine = command,
                User = "root",
                ParentProcessId = stat.ParentId,
                ParentImage = parentImage,
                ParentCommandLine = parentCommand,
                Fields = fields,
            };
        }

        /// <summary>The tree's processes, parents before children.</summary>
        internal static List<int> ParentsFirst(int root, IEnumerable<int> pids)
        {
            var left = new HashSet<int>(pids);
            var ordered = new List<int>();
            var queue = new Queue<int>();
            queue.Enqueue(root);
            left.Remove(root);
            while (queue.Count > 0)
            {
                int pid = queue.Dequeue();
                ordered.Add(pid);
                foreach (int child in left.Where(p => ProcFs.ReadStat(p)?.ParentId == pid).ToList())
                {
                    left.Remove(child);
                    queue.Enqueue(child);
                }
            }

            return ordered;
        }

        internal static bool AllGone(SpawnedTree tree, int timeoutMs = 5000)
        {
            var clock = Stopwatch.StartNew();
            while (tree.Running().Count > 0)
            {
                if (clock.ElapsedMilliseconds > timeoutMs)
                {
                    return false;
                }

                Thread.Sleep(5);
            }

            return true;
        }

        private static string CommandLine(int pid)
        {
            try
            {
                return File.ReadAllText("/proc/" + pid + "/cmdline").TrimEnd('\0').Replace('\0', ' ');
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }

        private (EngineRun Run, List<VerdictEvent> Verdicts, ResponseComponents Components, BehaviorEngine Engine) LiveRun()
        {
            BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions
            {
                BuiltInRules = false,
                RuleDirectories = new[] { _rules.Folder },
                UseModel = false,
                Policy = BlockPolicy(_temp),
            });
            var components = ResponseComponents.ForThisMachine(_temp.Combine("home"), _store);
            var verdicts = new List<VerdictEvent>();
            EngineRun run = engine.CreateRun(detection =>
            {
                // What a monitor does with a final detection: store it, with its steps.
                using DetectionStore store = DetectionStore.Open(_store);
                store.Upsert(new[] { detection });
            }, verdicts.Add, responder: new ActiveResponder(components));
            return (run, verdicts, components, engine);
        }

        [LinuxRootFact]
        public void LiveRun_BlockPolicy_KillsTheRealTreeAndRecordsTheSteps()
        {
            using SpawnedTree tree = StartTree(_marker, out List<int> pids);
            var (run, verdicts, components, engine) = LiveRun();
            using (engine)
            using (components)
            {
                foreach (int pid in ParentsFirst(tree.RootId, pids))
                {
                    run.Pipeline.Process(StartEvent(pid));
                }

                Assert.True(AllGone(tree), "the real tree was killed: left " + string.Join(",", tree.Running()));
                VerdictEvent last = verdicts.Last();
                Assert.Equal(DetectionAction.Blocked, last.Detection.Action);
                ResponseStep kill = Assert.Single(last.Detection.Actions, s => s.Kind == ResponseKind.KillTree);
                Assert.Equal(StepOutcome.Done, kill.Outcome);
                Assert.Contains("PID " + tree.RootId, kill.Target, StringComparison.Ordinal);
                Assert.Contains("7 processes", kill.Detail ?? string.Empty, StringComparison.Ordinal);

                run.Pipeline.EndRecording();
                run.Pipeline.Flush();
            }

            using DetectionStore stored = DetectionStore.OpenReadOnly(_store);
            Detection detection = Assert.Single(stored.Query(new DetectionQuery()));
            Assert.Equal(DetectionAction.Blocked, detection.Action);
            Assert.Contains(detection.Actions, s => s.Kind == ResponseKind.KillTree && s.Outcome == StepOutcome.Done && s.Actor == ResponseStep.PolicyActor);
            using ActionLog log = ActionLog.OpenReadOnly(_store);
            Assert.Contains(log.List(detection.Id), r => r.Step.Kind == ResponseKind.KillTree && r.Step.Outcome == StepOutcome.Done);
        }

        [LinuxRootFact]
        public void LiveRun_StoreCannotBeOpened_OnlyTheHashStepFails_TheKillAndQuarantineAreDone()
        {
            // The store is not a database: the block-hash step needs it and fails with the reason; the kill and the quarantine do not.
            File.WriteAllText(_store, "this is not an SQLite database, and it is long enough to have a header page of its own........");
            string image = _temp.Combine("payload-" + _marker);
            SpawnedTree.CopyExecutable("/bin/sleep", image);
            string policyFile = _temp.Combine("full.json");
            File.WriteAllText(policyFile, "{ \"schemaVersion\": 1, \"version\": \"e2e-2\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\", \"quarantine\": true, \"blockHash\": true } }");
            using SpawnedTree tree = SpawnedTree.StartExecutable(image, "300");
            tree.WaitForAtLeast(1);
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions
            {
                BuiltInRules = false,
                RuleDirectories = new[] { _rules.Folder },
                UseModel = false,
                Policy = PolicyFile.Load(policyFile).ToPolicy(),
            });
            using ResponseComponents components = ResponseComponents.ForThisMachine(_temp.Combine("home"), _store);
            var verdicts = new List<VerdictEvent>();
            EngineRun run = engine.CreateRun(_ => { }, verdicts.Add, responder: new ActiveResponder(components));

            run.Pipeline.Process(StartEvent(tree.RootId, image + " 300 " + _marker));

            Assert.True(AllGone(tree));
            Detection detection = verdicts.Last().Detection;
            Assert.Equal(DetectionAction.BlockFailed, detection.Action);
            Assert.Equal(StepOutcome.Done, Assert.Single(detection.Actions, a => a.Kind == ResponseKind.KillTree).Outcome);
            ResponseStep quarantine = Assert.Single(detection.Actions, a => a.Kind == ResponseKind.Quarantine);
            Assert.Equal(StepOutcome.Done, quarantine.Outcome);
            Assert.False(File.Exists(image));
            ResponseStep hash = Assert.Single(detection.Actions, a => a.Kind == ResponseKind.BlockHash);
            Assert.Equal(StepOutcome.Failed, hash.Outcome);
            Assert.Contains("Store", hash.Detail ?? string.Empty, StringComparison.Ordinal);
            Assert.Contains(_store, hash.Detail ?? string.Empty, StringComparison.Ordinal);
        }

        [LinuxRootFact]
        public void LiveRun_GuardedParentIsImplicated_RunnerSurvivesTreeGoesAndTheRecordSaysRefused()
        {
            using SpawnedTree tree = StartTree(_marker, out List<int> pids);
            int self = Environment.ProcessId;
            var (run, verdicts, components, engine) = LiveRun();
            using (engine)
            using (components)
            {
                // The test runner itself is in the telemetry as the tree's parent, with the marker: implicated, and guarded.
                run.Pipeline.Process(StartEvent(self, "dotnet testhost parent" + _marker.Substring(5)));
                foreach (int pid in ParentsFirst(tree.RootId, pids))
                {
                    run.Pipeline.Process(StartEvent(pid));
                }

                Assert.True(AllGone(tree), "the tree below the guarded runner was killed; verdict events: " + string.Join(" | ",
                    verdicts.Select(v => v.Change + " " + v.Detection.Score + " " + v.Decision.Reason + ": " + string.Join(", ", v.Response.Steps.Select(st => st.Kind + ":" + st.Outcome + " " + st.Target + " " + st.Detail)))));
                Assert.NotNull(ProcFs.ReadStat(self));
                Detection detection = verdicts.Last().Detection;
                Assert.Equal(DetectionAction.BlockFailed, detection.Action);
                Assert.Contains(detection.Actions, s => s.Kind == ResponseKind.KillTree && s.Outcome == StepOutcome.Refused && s.Target.Contains("PID " + self, StringComparison.Ordinal));
                Assert.Contains(detection.Actions, s => s.Kind == ResponseKind.KillTree && s.Outcome == StepOutcome.Done && s.Target.Contains("PID " + tree.RootId, StringComparison.Ordinal));
                run.Pipeline.EndRecording();
                run.Pipeline.Flush();
            }

            using ActionLog log = ActionLog.OpenReadOnly(_store);
            Assert.Contains(log.List(), r => r.Step.Kind == ResponseKind.KillTree && r.Step.Outcome == StepOutcome.Refused);
        }
    }
}
