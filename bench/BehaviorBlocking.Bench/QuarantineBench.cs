using System;
using System.Diagnostics;
using System.IO;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Time to quarantine a 10 MB file (hash, AES-CTR copy, fsync, read-back check, rename, folder fsync,
    /// removal of the original) and to restore it (full hash check, decode, fsync, no-replace rename, entry
    /// rewrite), each repeated, with throughput in MB/s of file content.
    /// </summary>
    internal static class QuarantineBench
    {
        public const int FileBytes = 10 * 1024 * 1024;

        public static void Run(BenchContext context)
        {
            string dir = Path.Combine(Path.GetTempPath(), "behaviorblocking-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                LatencyHistogram add = context.Latency("quarantine.add (10 MB file)");
                LatencyHistogram restore = context.Latency("quarantine.restore (10 MB file)");
                var content = new byte[FileBytes];
                new Random(42).NextBytes(content);
                string file = Path.Combine(dir, "payload.bin");
                var vault = new QuarantineVault(Path.Combine(dir, "quarantine"), null);
                double addSeconds = 0;
                double restoreSeconds = 0;
                int repeats = Math.Max(1, context.Options.QuarantineRepeats);
                for (int i = 0; i < repeats; i++)
                {
                    File.WriteAllBytes(file, content);
                    long t0 = Stopwatch.GetTimestamp();
                    QuarantineEntry entry = vault.Add(file, null, "bench");
                    long t1 = Stopwatch.GetTimestamp();
                    vault.Restore(entry.Id);
                    long t2 = Stopwatch.GetTimestamp();
                    add.RecordTicks(t1 - t0);
                    restore.RecordTicks(t2 - t1);
                    addSeconds += (t1 - t0) / (double)Stopwatch.Frequency;
                    restoreSeconds += (t2 - t1) / (double)Stopwatch.Frequency;
                    File.Delete(file);
                    File.Delete(entry.VaultFile!);
                }

                double megabytes = FileBytes / (1024.0 * 1024.0) * repeats;
                context.Report.Ratios["quarantine.add-MB-per-second"] = Math.Round(megabytes / addSeconds, 1);
                context.Report.Ratios["quarantine.restore-MB-per-second"] = Math.Round(megabytes / restoreSeconds, 1);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
