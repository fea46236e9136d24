using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Replay
{
    /// <summary>Expanding paths over real links, loops and FIFOs.</summary>
    public sealed class ReplayInputsTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-inputs-" + Guid.NewGuid().ToString("N"));

        public ReplayInputsTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Write(string relative)
        {
            string path = Path.Combine(_dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "{\"EventID\":1}\n");
            return path;
        }

        private static IReadOnlyList<string> Expand(params string[] paths)
        {
            var problems = new List<ReplayProblem>();
            IReadOnlyList<string> files = ReplayInputs.Expand(paths, problems.Add);
            Assert.Empty(problems);
            return files;
        }

        internal static void MakeFifo(string path)
        {
            using Process mkfifo = Process.Start(new ProcessStartInfo("mkfifo", new[] { path }) { UseShellExecute = false })!;
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        [UnixFact]
        public void Expand_DirectoryLinkLoop_WalksEachDirectoryOnceAndEnds()
        {
            // The reproduction: mkdir -p L/sub; cp sample L/sub/; ln -s .. L/sub/up never finished.
            string sample = Write(Path.Combine("L", "sub", "sample.jsonl"));
            Directory.CreateSymbolicLink(Path.Combine(_dir, "L", "sub", "up"), "..");

            Assert.Equal(new[] { sample }, Expand(Path.Combine(_dir, "L")));
        }

        [UnixFact]
        public void Expand_LinkToItself_ReadsTheFileOnce()
        {
            // The reproduction: ln -s . self read the same file 41 times.
            string sample = Write(Path.Combine("D", "sample.jsonl"));
            Directory.CreateSymbolicLink(Path.Combine(_dir, "D", "self"), ".");

            Assert.Equal(new[] { sample }, Expand(Path.Combine(_dir, "D")));
        }

        [UnixFact]
        public void Expand_SameFileNamedTwiceThroughLinksOrHardLinks_IsReadOnce()
        {
            string sample = Write(Path.Combine("A", "a.jsonl"));
            string other = Write(Path.Combine("B", "b.jsonl"));
            string fileLink = Path.Combine(_dir, "B", "link.jsonl");
            File.CreateSymbolicLink(fileLink, sample);
            Directory.CreateSymbolicLink(Path.Combine(_dir, "B", "toA"), Path.Combine(_dir, "A"));
            string hard = Path.Combine(_dir, "hard.jsonl");
            using (Process ln = Process.Start(new ProcessStartInfo("ln", new[] { sample, hard }) { UseShellExecute = false })!)
            {
                ln.WaitForExit();
            }

            IReadOnlyList<string> files = Expand(sample, sample, fileLink, Path.Combine(_dir, "B"), Path.Combine(_dir, "A"), hard,
                Path.Combine(_dir, "A", ".", "a.jsonl"));

            Assert.Equal(new[] { sample, other }, files);
        }

        [UnixFact]
        public void Expand_FifoBelowADirectoryIsSkippedButANamedFifoAndStandardInputAreTaken()
        {
            string sample = Write(Path.Combine("F", "a.jsonl"));
            string fifo = Path.Combine(_dir, "F", "pipe.jsonl");
            MakeFifo(fifo);

            IReadOnlyList<string> files = Expand(Path.Combine(_dir, "F"), fifo, ReplayInputs.StandardInput, ReplayInputs.StandardInput);

            Assert.Equal(new[] { sample, fifo, "-" }, files);
        }

        [UnixFact]
        public void Expand_BrokenLinkNamedOnTheCommandLine_IsReportedNotFound()
        {
            string link = Path.Combine(_dir, "dangling.jsonl");
            File.CreateSymbolicLink(link, Path.Combine(_dir, "nothing-here"));
            var problems = new List<ReplayProblem>();

            IReadOnlyList<string> files = ReplayInputs.Expand(new[] { link }, problems.Add);

            Assert.Empty(files);
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("InputNotFound", problem.ErrorId);
            Assert.Contains("symbolic link", problem.Message);
        }
    }
}
