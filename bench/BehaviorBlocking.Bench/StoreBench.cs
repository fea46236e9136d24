using System;
using System.Diagnostics;
using System.IO;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Cost of writing detections (one transaction each, as a scan writes them so that a detection is
    /// stored before it is shown; and in batches, for reference) and of reading them back.
    /// </summary>
    internal static class StoreBench
    {
        private const int Batch = 100;

        public static void Run(BenchContext context)
        {
            string dir = Path.Combine(Path.GetTempPath(), "behaviorblocking-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                LatencyHistogram single = context.Latency("store.upsert (1 detection a transaction, as a scan writes)");
                LatencyHistogram upsert = context.Latency($"store.upsert ({Batch} detections a transaction)");
                LatencyHistogram query = context.Latency("store.query (last 100, with evidence)");
                int total = Math.Max(Batch, context.Options.StoreDetections);
                var start = new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
                using (DetectionStore store = DetectionStore.Open(Path.Combine(dir, "bench.db")))
                {
                    var one = new Detection[1];
                    var clock = Stopwatch.StartNew();
                    for (int written = 0; written < total; written++)
                    {
                        one[0] = Make(written, start);
                        long t0 = Stopwatch.GetTimestamp();
                        store.Upsert(one);
                        single.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    }

                    clock.Stop();
                    context.StoreSecondsPerDetection = clock.Elapsed.TotalSeconds / total;
                    context.Report.Ratios["store.detections-per-second"] = Math.Round(total / clock.Elapsed.TotalSeconds);

                    var batch = new Detection[Batch];
                    clock.Restart();
                    for (int written = 0; written < total; written += Batch)
                    {
                        for (int i = 0; i < Batch; i++)
                        {
                            batch[i] = Make(total + written + i, start);
                        }

                        long t0 = Stopwatch.GetTimestamp();
                        store.Upsert(batch);
                        upsert.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    }

                    clock.Stop();
                    context.Report.Ratios["store.detections-per-second-batched"] = Math.Round(total / clock.Elapsed.TotalSeconds);
                    for (int i = 0; i < 50; i++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        store.Query(new DetectionQuery { Last = 100 });
                        query.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    }
                }
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        private static Detection Make(int n, DateTimeOffset start)
        {
            DateTimeOffset time = start.AddSeconds(n);
            var tactic = (Tactic)(n % 13);
            return new Detection
            {
                Name = DetectionName.Format(DetectionPlatform.Win32, tactic, "Bench", VerdictSource.Rule),
                Tactic = tactic,
                Techniques = new[] { "T1059.001", "T1105" },
                Score = 0.8,
                Severity = Severity.High,
                Host = "WS0" + (n % 5) + ".example.local",
                ProcessGuid = "{6a910b9d-0000-5ee0-0000-" + n.ToString("x12", System.Globalization.CultureInfo.InvariantCulture) + "}",
                ProcessId = 1000 + (n % 5000),
                Image = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                CommandLine = "powershell -nop -w hidden -enc SQBFAFgA",
                ParentImage = @"C:\Windows\System32\cmd.exe",
                User = @"EXAMPLE\alice",
                FirstSeen = time,
                LastSeen = time.AddSeconds(3),
                Evidence = new[]
                {
                    new Evidence("rule", "execution_encoded_powershell", "Encoded PowerShell command line", time),
                    new Evidence("event", "Sysmon/1#" + n, "process start", time),
                    new Evidence("rule", "command_and_control_download", "Download cradle", time.AddSeconds(2)),
                },
                RuleSetVersion = "bench",
            };
        }
    }
}
