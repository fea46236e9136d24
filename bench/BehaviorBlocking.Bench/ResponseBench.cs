using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Verdict-to-tree-gone latency: a real 10-process tree (a shell, three sub-shells, two sleeps
    /// under each) is started, and the time from the KillTree call until all ten are gone (checked
    /// apart from the controller, in /proc) is recorded, over <see cref="BenchOptions.ResponseRepeats"/>
    /// trees, next to a same-run baseline that sends SIGKILL straight to the ten known pids.
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
            int done = 0;
            int baselineGone = 0;
            var other = new List<string>();

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
            }

            context.Report.Response.Add(Row("kill-tree (freeze, then kill)", histogram, done));
            context.Report.Response.Add(Row("baseline: SIGKILL to known pids", baseline, baselineGone));
            if (other.Count > 0)
            {
                context.Report.Notes.Add($"response: {other.Count} kill-tree runs did not end Done, first: {other[0]}");
            }

            context.Report.Notes.Add("response: time from the call until all " + TreeSize + " processes of a real tree are gone (zombies count as gone), checked in /proc apart from the controller");
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
