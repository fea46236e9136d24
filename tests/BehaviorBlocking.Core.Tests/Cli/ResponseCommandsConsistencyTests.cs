using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary>
    /// The policy and response commands behave alike: every option described in <c>--help</c>, <c>--format table|jsonl</c>
    /// described for what a line holds, ids refused the same way (exit 2, one line), nothing written by a refused id.
    /// </summary>
    public sealed class ResponseCommandsConsistencyTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [Theory]
        [InlineData("policy show")]
        [InlineData("policy set")]
        [InlineData("policy validate")]
        [InlineData("policy history")]
        [InlineData("block")]
        [InlineData("quarantine list")]
        [InlineData("quarantine add")]
        [InlineData("quarantine restore")]
        [InlineData("indicator list")]
        [InlineData("indicator add")]
        [InlineData("indicator remove")]
        [InlineData("indicator import")]
        [InlineData("remediation list")]
        [InlineData("remediation undo")]
        public void Help_DescribesEveryOptionAndArgument(string command)
        {
            var (exit, output, err) = Run(command.Split(' ').Concat(new[] { "--help" }).ToArray());

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, err);
            string[] lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            int options = Array.IndexOf(lines, "Options:");
            Assert.True(options > 0, output);

            // Every option and argument line has a description after its name (no bare "--x <x>").
            int arguments = Array.IndexOf(lines, "Arguments:");
            string[] entries = lines.Skip(arguments > 0 ? arguments : options).Where(l => Regex.IsMatch(l, @"^  \S")).ToArray();
            Assert.NotEmpty(entries);
            foreach (string entry in entries)
            {
                Assert.Matches(new Regex(@"^  \S.*\S\s{2,}\S"), entry);
            }

            string? format = entries.FirstOrDefault(l => l.TrimStart().StartsWith("--format ", StringComparison.Ordinal));
            if (format is not null)
            {
                Assert.Contains("--format <table|jsonl>", format, StringComparison.Ordinal);
                Assert.Equal(command.StartsWith("detections", StringComparison.Ordinal), format.Contains("detection record", StringComparison.Ordinal));
            }
        }

        [Fact]
        public void BlockHelp_ListsOnlyTheSixStepsItTakes()
        {
            var (_, output, _) = Run("block", "--help");

            string action = output.Split('\n').Single(l => l.TrimStart().StartsWith("--action ", StringComparison.Ordinal));
            Assert.Contains("<KillTree|KillProcess|Suspend|Quarantine|BlockHash|Remediate>", action, StringComparison.Ordinal);
            Assert.DoesNotContain("Resume", action, StringComparison.Ordinal);
            Assert.DoesNotContain("UndoRemediation", action, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("--format: 'xml' is not one of table, jsonl.", "indicator", "list", "--format", "xml")]
        [InlineData("--format: 'xml' is not one of table, jsonl.", "detections", "--format", "xml")]
        [InlineData("--format: 'xml' is not one of table, jsonl.", "policy", "show", "--format", "xml")]
        [InlineData("--action: 'Nuke' is not one of KillTree, KillProcess, Suspend, Quarantine, BlockHash, Remediate.", "block", "--pid", "5", "--action", "Nuke")]
        [InlineData("--verdict: 'maybe' is not one of allow, block.", "indicator", "add", "--sha256", "AA", "--verdict", "maybe")]
        [InlineData("--pid: 'abc' is not a whole number.", "block", "--pid", "abc")]
        public void BadOptionValue_IsOneLineNamingTheOptionAndWhatItTakes(string expected, params string[] args)
        {
            // The line is refused while it is parsed: nothing runs, so no store or folder is touched.
            var (exit, output, err) = Run(args);

            Assert.Equal(Program.ExitUsage, exit);
            Assert.Equal(string.Empty, output);
            string[] lines = err.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            Assert.Equal(new[] { "behaviorblock: " + expected, "Run 'behaviorblock --help' for usage." }, lines);
            Assert.DoesNotContain("BehaviorBlocking.", err, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("block --detection", "block", "--detection")]
        [InlineData("quarantine restore", "quarantine", "restore")]
        [InlineData("indicator remove", "indicator", "remove")]
        [InlineData("remediation undo", "remediation", "undo")]
        public void MalformedId_IsOneUsageLineNamingTheCommand_AndWritesNothing(string named, string command, string sub)
        {
            string store = _temp.Combine("store.db");
            string vault = _temp.Combine("vault");
            string[] args = command == "quarantine"
                ? new[] { command, sub, "not-an-id", "--quarantine", vault }
                : new[] { command, sub, "not-an-id", "--store", store };

            var (exit, output, err) = Run(args);

            Assert.Equal(Program.ExitUsage, exit);
            Assert.Equal(string.Empty, output);
            Assert.Equal($"behaviorblock: {named}: 'not-an-id' is not an id (a uuid such as 3f2b6c1e-0000-4000-8000-000000000000).", err.TrimEnd());
            Assert.False(File.Exists(store), "a refused id creates no store");
        }
    }
}
