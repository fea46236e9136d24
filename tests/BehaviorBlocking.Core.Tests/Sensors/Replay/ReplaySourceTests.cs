using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;

namespace BehaviorBlocking.Tests.Sensors.Replay
{
    /// <summary>Standard input as a recording, through the real <c>behaviorblock</c> process (a test host's own stdin cannot be replaced).</summary>
    public sealed class ReplaySourceTests : IDisposable
    {
        private static readonly string Sample = Path.Combine(AppContext.BaseDirectory, "data", "samples", "intrusion-office-macro.jsonl");
        private readonly string _home = Path.Combine(Path.GetTempPath(), "bb-stdin-" + Guid.NewGuid().ToString("N"));

        public ReplaySourceTests() => Directory.CreateDirectory(_home);

        public void Dispose() => Directory.Delete(_home, recursive: true);

        private (int Exit, string Out, string Err) Scan(byte[] input, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "behaviorblock.dll"));
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["BEHAVIORBLOCKING_HOME"] = _home;
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            process.StandardInput.BaseStream.Write(input, 0, input.Length);
            process.StandardInput.Close();
            Assert.True(process.WaitForExit(120_000), "behaviorblock did not finish");
            return (process.ExitCode, output.Result, error.Result);
        }

        [Fact]
        public void Run_StandardInputPlainOrGzip_IsReadWithItsFormatFromTheContent()
        {
            byte[] plain = File.ReadAllBytes(Sample);
            var gz = new MemoryStream();
            using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(plain, 0, plain.Length);
            }

            var (exit, output, error) = Scan(plain, "scan", "-", "--no-store", "--format", "jsonl", "--stats");
            var (gzExit, gzOutput, _) = Scan(gz.ToArray(), "scan", "-", "--no-store", "--format", "jsonl");

            Assert.Equal(0, exit);
            Assert.Equal(9, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains("\"sourceFile\":\"-\"", output);
            Assert.Contains("events         31", error);
            Assert.Equal(0, gzExit);
            Assert.Equal(9, gzOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith('{')));
        }

        [Fact]
        public void Run_EmptyStandardInputAfterAFile_IsNotAnError()
        {
            var (exit, output, _) = Scan(Array.Empty<byte>(), "scan", Sample, "-", "--no-store", "--format", "jsonl");

            Assert.Equal(0, exit);
            Assert.Equal(9, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }
}
