using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Globalization;
using System.IO;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Verdict-to-tree-gone latency: a real 10-process tree (a shell, three sub-shells, two sleeps
    /// under each) is started, and the time from the KillTree call until all ten are gone (checked
    /// apart from the controller, in /proc) is recorded, over <see cref="BenchOptions.ResponseRepeats"/>
    /// trees, next to a same-run baseline that sends SIGKILL straight to the ten known pids, and the
    /// whole path: an engine run with a Block policy and the active responder over this machine's real
    /// components, from the moment the verdict's event is handed to the run until all ten are gone.
    /// </summary>
    internal static class ResponseBench
    {
        private const int TreeSize = 10;
        private const string Script = "sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & sleep 300 & wait' & wait";

        public static void Run(BenchContext context)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                context.Report.Notes.Add("response: kill-tree latency is measured on Linux only (the Windows controller is compile-checked only); step skipped");
                return;
            }

            var controller = new LinuxProcessController(new GuardRails());
            var histogram = new LatencyHistogram("response.kill-tree");
            var baseline = new LatencyHistogram("response.baseline");
            var wholePath = new LatencyHistogram("response.whole-path");
            int done = 0;
            int baselineGone = 0;
            int wholeDone = 0;
            var other = new List<string>();
            using var whole = new WholePath();

            // Runs alternate with the baseline (SIGKILL straight to the ten pids already known: no
            // freeze, no guard rails, no identity checks), so both see the same machine load.
            for (int i = 0; i < Math.Max(1, context.Options.ResponseRepeats); i++)
            {
                RunOne(tree =>
                {
                    long t0 = Stopwatch.GetTimestamp();
                    ProcessActionResult result = controller.Act(ProcessAction.KillTree, new ProcessIdentity(tree[0].ProcessId));
                    bool gone = WaitGone(tree);
                    histogram.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    if (result.Outcome == StepOutcome.Done && gone)
                    {
                        done++;
                    }
                    else
                    {
                        other.Add(result.Outcome + ": " + result.Detail);
                    }
                });
                RunOne(tree =>
                {
                    long t0 = Stopwatch.GetTimestamp();
                    foreach (ProcStat member in tree)
                    {
                        LinuxNative.Kill(member.ProcessId, LinuxNative.SIGKILL);
                    }

                    bool gone = WaitGone(tree);
                    baseline.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    baselineGone += gone ? 1 : 0;
                });
                RunOne(tree =>
                {
                    // Untimed: the tree's starts go through the run first, as a sensor would have sent them.
                    EngineRun run = whole.Prepare(tree, out BehaviorEvent verdictEvent, out Func<Detection?> last);
                    long t0 = Stopwatch.GetTimestamp();
                    run.Pipeline.Process(verdictEvent);
                    bool gone = WaitGone(tree);
                    wholePath.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    Detection? detection = last();
                    if (gone && detection?.Action == DetectionAction.Blocked)
                    {
                        wholeDone++;
                    }
                    else
                    {
                        other.Add("whole path: " + (detection is null ? "no verdict" : detection.Action + " " + string.Join(", ", detection.Actions.Select(a => a.Kind + ":" + a.Outcome + " " + a.Detail))));
                    }
                });
            }

            context.Report.Response.Add(Row("kill-tree (freeze, then kill)", histogram, done));
            context.Report.Response.Add(Row("baseline: SIGKILL to known pids", baseline, baselineGone));
            context.Report.Response.Add(Row("whole path: verdict event to gone", wholePath, wholeDone));
            if (other.Count > 0)
            {
                context.Report.Notes.Add($"response: {other.Count} kill-tree runs did not end Done, first: {other[0]}");
            }

            context.Report.Notes.Add("response: whole path = an engine run with a Block policy and ActiveResponder over ResponseComponents.ForThisMachine, timed from handing the run the event that raises the verdict (the tree's starts went through the run before)");
            context.Report.Notes.Add("response: time from the call until all " + TreeSize + " processes of a real tree are gone (zombies count as gone), checked in /proc apart from the controller");
        }

        /// <summary>
        /// An engine with one rule (a Sysmon network connection whose host name carries a marker), a Block policy
        /// parsed from a policy document, and the active responder over <see cref="ResponseComponents.ForThisMachine"/>
        /// in a folder of its own; a new run per tree.
        /// </summary>
        private sealed class WholePath : IDisposable
        {
            private const string Marker = "bench-whole-path.invalid";
            private readonly string _folder = Path.Combine(Path.GetTempPath(), "behaviorblocking-bench-" + Guid.NewGuid().ToString("N"));
            private readonly BehaviorEngine _engine;
            private readonly ResponseComponents _components;

            public WholePath()
            {
                Directory.CreateDirectory(Path.Combine(_folder, "rules"));
                File.WriteAllText(Path.Combine(_folder, "rules", "marker.yml"),
                    "title: Bench marker\nid: 7d3f6c1e-0000-4000-8000-00000000b0b0\nstatus: experimental\nlevel: critical\ntags:\n  - attack.command_and_control\n"
                    + "logsource:\n  product: windows\n  category: network_connection\ndetection:\n  sel:\n    DestinationHostname|contains: '" + Marker + "'\n  condition: sel\n");
                string policy = Path.Combine(_folder, "block.json");
                File.WriteAllText(policy, "{ \"schemaVersion\": 1, \"version\": \"bench\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\" } }");
                _engine = BehaviorEngine.Create(new EngineOptions
                {
                    BuiltInRules = false,
                    RuleDirectories = new[] { Path.Combine(_folder, "rules") },
                    UseModel = false,
                    Policy = PolicyFile.Load(policy).ToPolicy(),
                });
                _components = ResponseComponents.ForThisMachine(Path.Combine(_folder, "home"), Path.Combine(_folder, "store.db"));
            }

            /// <summary>A new run that has seen every start of <paramref name="tree"/> (root first); the event that raises the verdict: the root connects to the marker host.</summary>
            public EngineRun Prepare(List<ProcStat> tree, out BehaviorEvent verdictEvent, out Func<Detection?> last)
            {
                Detection? seen = null;
                EngineRun run = _engine.CreateRun(_ => { }, v => seen = v.Detection, responder: new ActiveResponder(_components));
                foreach (ProcStat member in tree)
                {
                    run.Pipeline.Process(Start(member));
                }

                ProcStat root = tree[0];
                verdictEvent = new BehaviorEvent
                {
                    Kind = EventKind.NetworkConnect,
                    Platform = DetectionPlatform.Linux,
                    Time = DateTimeOffset.UtcNow,
                    Host = Environment.MachineName,
                    Channel = "Microsoft-Windows-Sysmon/Operational",
                    Provider = "Microsoft-Windows-Sysmon",
                    EventId = 3,
                    ProcessId = root.ProcessId,
                    Image = "/bin/sh",
                    DestinationHostname = Marker,
                    DestinationIp = "192.0.2.1",
                    DestinationPort = 443,
                    Protocol = "tcp",
                    Initiated = true,
                    Fields = new[]
                    {
                        new KeyValuePair<string, string>("ProcessId", root.ProcessId.ToString(CultureInfo.InvariantCulture)),
                        new KeyValuePair<string, string>("Image", "/bin/sh"),
                        new KeyValuePair<string, string>("DestinationHostname", Marker),
                    },
                };
                last = () => seen;
                return run;
            }

            public void Dispose()
            {
                _components.Dispose();
                _engine.Dispose();
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try
                {
                    Directory.Delete(_folder, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            private static BehaviorEvent Start(ProcStat member)
            {
                string image = member.Comm == "sleep" ? "/usr/bin/sleep" : "/bin/sh";
                string command = member.Comm == "sleep" ? "sleep 300" : "sh -c 'sleep 300 & sleep 300 & wait'";
                return new BehaviorEvent
                {
                    Kind = EventKind.ProcessStart,
                    Platform = DetectionPlatform.Linux,
                    Time = ProcFs.StartTime(member) ?? DateTimeOffset.UtcNow,
                    Host = Environment.MachineName,
                    Channel = "Microsoft-Windows-Sysmon/Operational",
                    Provider = "Microsoft-Windows-Sysmon",
                    EventId = 1,
                    ProcessId = member.ProcessId,
                    Image = image,
                    CommandLine = command,
                    ParentProcessId = member.ParentId,
                    Fields = new[]
                    {
                        new KeyValuePair<string, string>("ProcessId", member.ProcessId.ToString(CultureInfo.InvariantCulture)),
                        new KeyValuePair<string, string>("Image", image),
                        new KeyValuePair<string, string>("CommandLine", command),
                    },
                };
            }
        }

        private static ResponseBenchResult Row(string action, LatencyHistogram histogram, int done)
        {
            LatencyResult latency = histogram.ToResult();
            return new ResponseBenchResult(action, TreeSize, latency.Count,
                Math.Round(latency.P50Us / 1000, 3), Math.Round(latency.P99Us / 1000, 3), Math.Round(latency.MaxUs / 1000, 3), done);
        }

        /// <summary>Starts a tree, hands its members (root first) to <paramref name="kill"/>, and cleans up whatever is left.</summary>
        private static void RunOne(Action<List<ProcStat>> kill)
        {
            using Process root = Start();
            var tree = new List<ProcStat>();
            try
            {
                tree = WaitForTree(root.Id);
                kill(tree);
            }
            finally
            {
                foreach (ProcStat member in tree.Where(IsRunning))
                {
                    LinuxNative.Kill(member.ProcessId, LinuxNative.SIGKILL);
                }

                if (!root.HasExited)
                {
                    root.Kill(entireProcessTree: true);
                }

                root.WaitForExit(5000);
            }
        }

        /// <summary>Waits (at most 10 s) until no process of the tree runs; false when some still do.</summary>
        private static bool WaitGone(List<ProcStat> tree)
        {
            var clock = Stopwatch.StartNew();
            while (tree.Any(IsRunning))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    return false;
                }

                Thread.SpinWait(32);
            }

            return true;
        }

        private static Process Start()
        {
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Script);
            return Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        }

        /// <summary>The root and its descendants once all ten run.</summary>
        private static List<ProcStat> WaitForTree(int rootId)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                List<ProcStat> snapshot = ProcFs.Snapshot();
                ILookup<int, ProcStat> children = snapshot.ToLookup(s => s.ParentId);
                var tree = new List<ProcStat>();
                var queue = new Queue<ProcStat>(snapshot.Where(s => s.ProcessId == rootId));
                while (queue.Count > 0)
                {
                    ProcStat member = queue.Dequeue();
                    tree.Add(member);
                    foreach (ProcStat child in children[member.ProcessId].Where(c => !c.HasExited))
                    {
                        queue.Enqueue(child);
                    }
                }

                // Sleeps are counted once they run sleep itself, not a shell still forking.
                if (tree.Count >= TreeSize && tree.Count(t => t.Comm == "sleep") == 6)
                {
                    return tree;
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"the bench's process tree under PID {rootId} reached {tree.Count} of {TreeSize} processes in 10 s");
                }

                Thread.Sleep(2);
            }
        }

        private static bool IsRunning(ProcStat member) =>
            ProcFs.ReadStat(member.ProcessId) is ProcStat now && now.StartTicks == member.StartTicks && !now.HasExited;
    }
}
