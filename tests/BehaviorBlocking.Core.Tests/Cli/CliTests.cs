using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Pipeline;

namespace BehaviorBlocking.Tests.Cli
{
    public sealed class CliTests : IDisposable
    {
        private static readonly string SampleDir = Path.Combine(AppContext.BaseDirectory, "data", "samples");
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-cli-" + Guid.NewGuid().ToString("N"));

        public CliTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static (int Exit, string Out, string Err) Run(params string[] args) => RunWith(Array.Empty<IDetector>, args);

        private static (int Exit, string Out, string Err) RunWith(Func<IReadOnlyList<IDetector>> detectors, params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr, detectors);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [Fact]
        public void Scan_Sample_ExitsZeroAndWritesStore()
        {
            string store = Path.Combine(_dir, "s.db");

            var (exit, output, err) = Run("scan", SampleDir, "--store", store, "--stats");

            Assert.Equal(0, exit);
            Assert.Contains("31 events", output);
            Assert.Contains("ProcessStart", err);
            Assert.Contains("processes", err);
            Assert.True(File.Exists(store));
        }

        [Fact]
        public void Scan_JsonlWithDetections_StdoutCarriesOnlyRecordsAndStoreHasThem()
        {
            string store = Path.Combine(_dir, "s.db");

            var (exit, output, err) = RunWith(() => new IDetector[] { new ImageWatchDetector("cmd.exe") }, "scan", SampleDir, "--format", "jsonl", "--store", store, "--stats", "--no-builtin-rules", "--no-model");

            Assert.Equal(0, exit);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Detection record = DetectionJson.Parse(Assert.Single(lines));
            Assert.Equal("Behavior:Win32/Execution.Watch!rule", record.Name);
            Assert.Equal(@"C:\Windows\System32\cmd.exe", record.Image);
            Assert.EndsWith("intrusion-office-macro.jsonl", record.SourceFile);
            Assert.Contains("scan statistics", err);
            using DetectionStore opened = DetectionStore.Open(store);
            Assert.Equal(record.Id, Assert.Single(opened.Query(new DetectionQuery())).Id);
        }

        [Fact]
        public void Scan_NothingReadable_ExitsOne()
        {
            var (exit, output, err) = Run("scan", Path.Combine(_dir, "missing.jsonl"), "--no-store", "--format", "jsonl");

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains("InputNotFound", err);
        }

        [Fact]
        public void Scan_SomeInputsBad_ExitsZeroAndReportsWhere()
        {
            string bad = Path.Combine(_dir, "bad.jsonl");
            File.WriteAllText(bad, "{\"EventID\": 1, \"Channel\": \"c\", \"TimeCreated\": \"2024-01-01T00:00:00Z\"}\nnot json\n");

            var (exit, _, err) = Run("scan", bad, Path.Combine(_dir, "missing"), "--no-store");

            Assert.Equal(0, exit);
            Assert.Contains(bad + ":2: RecordMalformed", err);
        }

        [Fact]
        public void Scan_StoreUnusable_ExitsOneNamingTheFile()
        {
            string notADb = Path.Combine(_dir, "junk.db");
            File.WriteAllText(notADb, new string('x', 4096));

            var (exit, _, err) = Run("scan", SampleDir, "--store", notADb);

            Assert.Equal(1, exit);
            Assert.Contains("StoreCorrupt", err);
        }

        [Theory]
        [InlineData("scan")]
        [InlineData("scan", "x", "--store", "a.db", "--no-store")]
        [InlineData("scan", "x", "--format", "xml")]
        [InlineData("frobnicate")]
        [InlineData("detections", "--last", "0")]
        [InlineData("detections", "--tactic", "Lurking")]
        public void Run_UsageErrors_ExitTwo(params string[] args)
        {
            var (exit, output, err) = Run(args);

            Assert.Equal(2, exit);
            Assert.Equal(string.Empty, output);
            Assert.NotEqual(string.Empty, err);
        }

        [Theory]
        [InlineData("--last: 'abc' is not a whole number from 1 to 2147483647.", "detections", "--last", "abc")]
        [InlineData("--last: '999999999999' is not a whole number from 1 to 2147483647.", "detections", "--last", "999999999999")]
        [InlineData("--last: '-1' is not a whole number from 1 to 2147483647.", "detections", "--last", "-1")]
        [InlineData("--since: the age '9999999999d' reaches back before the year 1", "detections", "--since", "9999999999d")]
        [InlineData("--until: the age '99999999999999999999999w' reaches back before the year 1", "detections", "--until", "99999999999999999999999w")]
        [InlineData("--since: 'yesterday' is neither an ISO 8601 time nor an age", "detections", "--since", "yesterday")]
        [InlineData("unknown option '--no-such-option' for 'scan'", "scan", "--no-such-option")]
        [InlineData("unknown option '--frob' for 'scan'", "scan", "x", "--frob")]
        [InlineData("unknown option '-z' for 'detections'", "detections", "-z")]
        [InlineData("--host needs a value, not the option-like '--frob'.", "detections", "--host", "--frob")]
        [InlineData("--store needs a value, not the option-like '--no-store'.", "scan", "x", "--store", "--no-store")]
        [InlineData("Option '--store' expects a single argument but 2 were provided.", "scan", "x", "--store", "a.db", "--store", "b.db")]
        [InlineData("--repeat: '0' is not a whole number from 1 to 2147483647.", "bench", "--repeat", "0")]
        [InlineData("--repeat: 'many' is not a whole number from 1 to 2147483647.", "bench", "--repeat", "many")]
        [InlineData("unknown option '--frob' for 'info'", "model", "info", "--frob")]
        public void Run_BadOptionOrValue_ExitsTwoWithOneMessageNamingIt(string message, params string[] args)
        {
            var (exit, output, err) = Run(args);

            Assert.Equal(2, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains("behaviorblock: " + message, err);
            Assert.DoesNotContain("   at ", err);
            Assert.EndsWith("Run 'behaviorblock --help' for usage.", err.TrimEnd());
        }

        [Fact]
        public void Features_OutIsADirectory_ExitsTwoNamingIt()
        {
            var (exit, _, err) = Run("features", "--corpus", SampleDir, "--out", _dir);

            Assert.Equal(2, exit);
            Assert.Contains($"--out: '{_dir}' is a directory; name the file to write.", err);
        }

        [Fact]
        public void Features_OutUnderAFile_ExitsOneWithOneLineNamingThePath()
        {
            string corpus = Path.Combine(_dir, "corpus");
            Directory.CreateDirectory(corpus);
            File.Copy(Path.Combine(SampleDir, "intrusion-office-macro.jsonl"), Path.Combine(corpus, "a.jsonl"));
            File.WriteAllText(Path.Combine(corpus, "labels.csv"), "file,tactic,technique,benign\n");
            string blocker = Path.Combine(_dir, "blocker");
            File.WriteAllText(blocker, "a file, not a folder");

            var (exit, _, err) = Run("features", "--corpus", corpus, "--out", Path.Combine(blocker, "features.csv"), "--no-builtin-rules");

            Assert.Equal(1, exit);
            string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(blocker, StringComparison.Ordinal));
            Assert.StartsWith("behaviorblock: ", line);
            Assert.DoesNotContain("   at ", err);
            Assert.DoesNotContain("internal error", err);
        }

        [Fact]
        public void Scan_WordsAfterDoubleDashAndALoneDash_AreTakenForPaths()
        {
            var (exit, _, err) = Run("scan", "--no-store", "--", "--weird.jsonl");

            Assert.Equal(1, exit);
            Assert.Contains("--weird.jsonl: InputNotFound", err);
            Assert.DoesNotContain("unknown option", err);

            // The store (a directory here) fails before anything is read, so standard input is never touched.
            var (dashExit, _, dashErr) = Run("scan", "-", "--store", _dir);
            Assert.Equal(1, dashExit);
            Assert.Contains("StorePathIsDirectory", dashErr);
            Assert.DoesNotContain("unknown option", dashErr);
        }

        [Fact]
        public void Run_UnexpectedException_ExitsOneWithOneEscapedLineAndNoStackTrace()
        {
            var (exit, output, err) = RunWith(() => throw new InvalidOperationException("boom\n   at Fake.Frame()"), "scan", SampleDir, "--no-store");

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.Equal("behaviorblock: internal error (System.InvalidOperationException): boom\\n   at Fake.Frame()", err.TrimEnd());
        }

        [Fact]
        public void Detections_StorePathIsADirectory_ExitsOneSayingSo()
        {
            var (exit, _, err) = Run("detections", "--store", _dir);

            Assert.Equal(1, exit);
            Assert.Contains($"behaviorblock: StorePathIsDirectory: The store path '{_dir}' is a directory", err);
        }

        [Fact]
        public void Detections_UserVersionLowered_ExitsOneWithStoreSchemaMismatch()
        {
            string store = Path.Combine(_dir, "s.db");
            DetectionStore.Open(store).Dispose();
            BehaviorBlocking.Tests.TestSupport.SqliteFile.Execute(store, "PRAGMA user_version = 2;");

            var (exit, _, err) = Run("detections", "--store", store);

            Assert.Equal(1, exit);
            Assert.Contains($"behaviorblock: StoreSchemaMismatch: The store '{store}' says it has schema version 2 (PRAGMA user_version) but its tables are those of schema version {DetectionStore.CurrentSchemaVersion}", err);
            Assert.DoesNotContain("SqliteException", err);
        }

        [Fact]
        public void Detections_ReadOnlyFolder_ListsTheStore()
        {
            string folder = Path.Combine(_dir, "ro");
            string store = Path.Combine(folder, "s.db");
            var (scanExit, _, _) = Run("scan", SampleDir, "--store", store, "--no-model");
            Assert.Equal(0, scanExit);
            using var readOnly = new BehaviorBlocking.Tests.TestSupport.ReadOnlyPaths();
            if (!readOnly.TryMake(store) || !readOnly.TryMake(folder))
            {
                return;
            }

            var (exit, output, err) = Run("detections", "--store", store, "--format", "jsonl");

            Assert.True(exit == 0, err);
            Assert.NotEmpty(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(DetectionJson.Parse));
            Assert.Equal(new[] { "s.db" }, Directory.GetFiles(folder).Select(Path.GetFileName));

            var (writeExit, _, writeErr) = Run("scan", SampleDir, "--store", store, "--no-model");
            Assert.Equal(1, writeExit);
            Assert.Contains("StoreAccessDenied", writeErr);
        }

        [Fact]
        public void Scan_StoreWithDamagedPages_StillPrintsEveryDetectionThenReportsTheStoreOnceAndExitsOne()
        {
            string store = Path.Combine(_dir, "s.db");
            using (DetectionStore seeded = DetectionStore.Open(store))
            {
                seeded.Upsert(Enumerable.Range(0, 200).Select(i => BehaviorBlocking.Tests.TestSupport.DetectionFixtures.At(DateTimeOffset.UnixEpoch.AddMinutes(i))).ToArray());
            }

            BehaviorBlocking.Tests.Store.DetectionStoreTests.DamagePagesAfterTheSchema(store);
            var (expectedExit, expected, _) = Run("scan", SampleDir, "--no-store", "--format", "jsonl", "--no-model");
            Assert.Equal(0, expectedExit);

            var (exit, output, err) = Run("scan", SampleDir, "--store", store, "--format", "jsonl", "--no-model");

            Assert.Equal(1, exit);
            Assert.NotEqual(string.Empty, expected);
            Assert.Equal(expected, output);
            Assert.Single(err.Split('\n'), l => l.Contains("StoreCorrupt", StringComparison.Ordinal));
            int detections = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.Contains($"behaviorblock: {detections} of the {detections} detection(s) reported are not in the store '{store}'", err);
        }

        [Fact]
        public void Scan_TableAndWarnings_EscapeControlAndBidiCharactersFromTheData()
        {
            const string Host = "WS\u001b]0;owned\u0007\u202Egnp.exe\u0000";
            string recording = Path.Combine(_dir, "evil\u001b[31m\u009b.jsonl");
            File.WriteAllText(recording, Start(Host) + "\nnot json\n");

            var (exit, output, err) = RunWith(() => new IDetector[] { new ImageWatchDetector("cmd.exe") }, "scan", recording, "--no-store", "--no-builtin-rules", "--no-model", "--stats");

            Assert.Equal(0, exit);
            Assert.Contains(@"WS\u001B]0;owned\u0007", output);
            Assert.Contains(@"evil\u001B[31m\u009B.jsonl:2: RecordMalformed", err);
            AssertNothingRaw(output);
            AssertNothingRaw(err);
        }

        [Fact]
        public void Scan_Jsonl_EscapesControlAndBidiCharactersAndParsesBackToTheSameValues()
        {
            const string Host = "WS\u001b[2J\u202E\u2066x\u0085\u007f";
            string recording = Path.Combine(_dir, "a.jsonl");
            File.WriteAllText(recording, Start(Host) + "\n");

            var (exit, output, _) = RunWith(() => new IDetector[] { new ImageWatchDetector("cmd.exe") }, "scan", recording, "--no-store", "--no-builtin-rules", "--no-model", "--format", "jsonl");

            Assert.Equal(0, exit);
            AssertNothingRaw(output);
            string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(@"WS\u001B[2J\u202E\u2066x\u0085\u007F", line);
            Assert.Equal(Host, DetectionJson.Parse(line).Host);
        }

        // No character that could drive or reorder a terminal, except the line breaks the CLI writes itself.
        private static void AssertNothingRaw(string text)
        {
            foreach (char c in text.Replace(Environment.NewLine, string.Empty, StringComparison.Ordinal))
            {
                Assert.False(TerminalText.MustEscape(c), $"U+{(int)c:X4} reached the terminal raw");
            }
        }

        private static string Start(string host) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["EventID"] = 1,
            ["Channel"] = "Microsoft-Windows-Sysmon/Operational",
            ["Provider"] = "Microsoft-Windows-Sysmon",
            ["Computer"] = host,
            ["TimeCreated"] = "2025-05-14T09:12:00.000Z",
            ["EventRecordID"] = 1,
            ["ProcessGuid"] = "{00000000-0000-0000-0000-000000000002}",
            ["ProcessId"] = "2",
            ["Image"] = @"C:\Windows\System32\cmd.exe",
            ["CommandLine"] = "cmd.exe /c \u001b[5m",
            ["ParentProcessGuid"] = "{00000000-0000-0000-0000-000000000001}",
            ["ParentProcessId"] = "1",
            ["ParentImage"] = @"C:\Windows\explorer.exe",
        });

        [Fact]
        public void Rules_ValidateBrokenDirectory_ListsEverySkipAndExitsOne()
        {
            string rules = Path.Combine(_dir, "rules");
            Directory.CreateDirectory(rules);
            File.WriteAllText(Path.Combine(rules, "ok.yml"), "title: ok\nid: ok-1\nlevel: low\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n");
            File.WriteAllText(Path.Combine(rules, "mod.yml"), "title: m\nid: m-1\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    Image|fuzzy: x\n  condition: sel\n");
            File.WriteAllText(Path.Combine(rules, "bad.yml"), "title: [\n");

            var (exit, output, _) = Run("rules", "validate", rules);

            Assert.Equal(1, exit);
            Assert.Contains("mod.yml (m-1): modifier 'fuzzy'", output);
            Assert.Contains("bad.yml:2: invalid YAML", output);
            Assert.EndsWith("1 loaded, 2 skipped", output.TrimEnd());
        }

        [Fact]
        public void Rules_ListBuiltInPack_LoadsEverything()
        {
            var (exit, output, _) = Run("rules", "list");

            Assert.Equal(0, exit);
            Assert.Matches(@"\d{3} loaded, 0 skipped", output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        }

        [Fact]
        public void Scan_ExtraRuleDirectory_AddsItsDetections()
        {
            string rules = Path.Combine(_dir, "rules");
            Directory.CreateDirectory(rules);
            File.WriteAllText(Path.Combine(rules, "schtasks.yml"), "title: schtasks seen\nid: st-1\nlevel: high\ntags: [attack.persistence]\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\schtasks.exe'\n  condition: sel\nbehaviorblocking:\n  variant: LocalTask\n");

            var (exit, output, _) = Run("scan", SampleDir, "--no-store", "--no-builtin-rules", "--rules", rules, "--format", "jsonl", "--no-model");

            Assert.Equal(0, exit);
            Detection d = DetectionJson.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            Assert.Equal("Behavior:Win32/Persistence.LocalTask!rule", d.Name);
        }


        [Fact]
        public void Detections_MissingStore_ExitsOne()
        {
            var (exit, _, err) = Run("detections", "--store", Path.Combine(_dir, "none.db"));

            Assert.Equal(1, exit);
            Assert.Contains("StoreNotFound", err);
        }

        [Fact]
        public void Detections_Filters_SelectFromStore()
        {
            string store = Path.Combine(_dir, "s.db");
            DateTimeOffset now = DateTimeOffset.UtcNow;
            Detection Make(Tactic tactic, string host, double hoursAgo) => new Detection
            {
                Name = DetectionName.Format(DetectionPlatform.Win32, tactic, "Test", VerdictSource.Rule),
                Tactic = tactic,
                Host = host,
                Score = 0.7,
                Severity = Severity.High,
                Image = @"C:\x\tool.exe",
                ProcessId = 42,
                FirstSeen = now.AddHours(-hoursAgo),
                LastSeen = now.AddHours(-hoursAgo),
            };
            var old = Make(Tactic.Persistence, "WS1", 48);
            var recent = Make(Tactic.Persistence, "WS2", 1);
            var other = Make(Tactic.Discovery, "WS1", 2);
            using (DetectionStore s = DetectionStore.Open(store))
            {
                s.Upsert(new[] { old, recent, other });
            }

            Guid[] Ids(params string[] args) => Run(args.Concat(new[] { "--store", store, "--format", "jsonl" }).ToArray()).Out
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => DetectionJson.Parse(l).Id).ToArray();

            Assert.Equal(new[] { old.Id, other.Id, recent.Id }, Ids("detections"));
            Assert.Equal(new[] { other.Id, recent.Id }, Ids("detections", "--since", "24h"));
            Assert.Equal(new[] { old.Id, recent.Id }, Ids("detections", "--tactic", "Persistence"));
            Assert.Equal(new[] { old.Id, other.Id }, Ids("detections", "--host", "ws1"));
            Assert.Equal(new[] { recent.Id }, Ids("detections", "--last", "1"));
            var (exit, table, _) = Run("detections", "--store", store);
            Assert.Equal(0, exit);
            Assert.Contains("Behavior:Win32/Discovery.Test!rule", table);
            Assert.Contains("tool.exe (42)", table);
            Assert.Contains("3 detection(s).", table);
        }
    }
}
