using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary>
    /// The real <c>behaviorblock</c> process, killed with SIGKILL while it prints detections: the store must
    /// be intact and hold every detection the process printed, and the killed scan must be visible.
    /// </summary>
    public sealed class CliKillTests : IDisposable
    {
        private const int Rounds = 4;
        private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly ITestOutputHelper _output;

        public CliKillTests(ITestOutputHelper output) => _output = output;

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        [Fact]
        public void Scan_KilledAtRandomMoments_StoreIsIntactAndHoldsEveryPrintedDetection()
        {
            string corpus = Corpus(copies: 3);
            int seed = Environment.TickCount;
            var random = new Random(seed);
            _output.WriteLine("seed " + seed);

            for (int round = 0; round < Rounds; round++)
            {
                string store = _temp.Combine("round" + round, "detections.db");
                int killAfter = random.Next(1, 250);
                int extraMilliseconds = random.Next(0, 30);

                (List<string> printed, int exitCode) = ScanAndKill(corpus, store, killAfter, extraMilliseconds);

                _output.WriteLine($"round {round}: killed after {killAfter} lines (+{extraMilliseconds} ms), {printed.Count} printed, exit {exitCode}");
                Assert.True(printed.Count >= killAfter, $"only {printed.Count} lines before the process ended");
                Assert.NotEqual(0, exitCode);
                Assert.Equal("ok", SqliteFile.Scalar(store, "PRAGMA integrity_check;"));
                var stored = new HashSet<string>(SqliteFile.Rows(store, "SELECT id FROM detections;").Select(r => (string)r[0]!), StringComparer.Ordinal);
                string[] missing = printed.Select(line => DetectionJson.Parse(line).Id.ToString("D")).Where(id => !stored.Contains(id)).Distinct().ToArray();
                Assert.True(missing.Length == 0, $"round {round}: {missing.Length} printed detection(s) not in the store, e.g. {missing.FirstOrDefault()}");

                // The killed scan is there, still running, with its inputs.
                using DetectionStore opened = DetectionStore.OpenReadOnly(store);
                ScanRecord scan = Assert.Single(opened.ListScans());
                Assert.Equal(ScanStatus.Running, scan.Status);
                Assert.Null(scan.Finished);
                Assert.Equal(new[] { corpus }, scan.Inputs);
            }
        }

        // Every rule's match fixture (each one detection or more), several times under different folders.
        private string Corpus(int copies)
        {
            string fixtures = Path.Combine(AppContext.BaseDirectory, "data", "rules");
            string corpus = _temp.Combine("corpus");
            for (int copy = 0; copy < copies; copy++)
            {
                string folder = Path.Combine(corpus, "copy" + copy);
                Directory.CreateDirectory(folder);
                foreach (string file in Directory.GetFiles(fixtures, "*.match.jsonl"))
                {
                    File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
                }
            }

            return corpus;
        }

        private (List<string> Printed, int ExitCode) ScanAndKill(string corpus, string store, int killAfter, int extraMilliseconds)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "behaviorblock.dll"), "scan", corpus, "--format", "jsonl", "--store", store })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment[ProductHome.EnvironmentVariable] = _temp.Combine("home");
            using Process process = Process.Start(start)!;
            Task<string> errors = process.StandardError.ReadToEndAsync();
            var printed = new List<string>();
            try
            {
                Task reading = Task.Run(() =>
                {
                    string? line;
                    while (printed.Count < killAfter && (line = process.StandardOutput.ReadLine()) != null)
                    {
                        printed.Add(line);
                    }
                });
                Assert.True(reading.Wait(s_patience), "the scan printed too slowly");
                Thread.Sleep(extraMilliseconds);
            }
            finally
            {
                // SIGKILL: no handler, no finally, no flush runs in the child.
                process.Kill();
            }

            // What the process printed before it died counts too; a line cut by the kill has no end and was never shown whole.
            string rest = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit((int)s_patience.TotalMilliseconds));
            string[] lines = rest.Split('\n');
            printed.AddRange(lines.Take(lines.Length - 1).Where(l => l.Length > 0));
            _output.WriteLine(errors.Result.Trim());
            return (printed, process.ExitCode);
        }
    }
}
