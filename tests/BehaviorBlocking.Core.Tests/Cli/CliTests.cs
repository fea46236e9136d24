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
        public void Scan_NoStore_DoesNotCreateOne()
        {
            string home = Path.Combine(_dir, "home");
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, home);
            try
            {
                var (exit, _, _) = Run("scan", SampleDir, "--no-store");

                Assert.Equal(0, exit);
                Assert.False(File.Exists(Path.Combine(home, ProductHome.StoreFileName)));
            }
            finally
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, null);
            }
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
        public void Detections_BadTime_ExitsTwo()
        {
            string store = Path.Combine(_dir, "s.db");
            DetectionStore.Open(store).Dispose();

            var (exit, _, err) = Run("detections", "--store", store, "--since", "yesterday");

            Assert.Equal(2, exit);
            Assert.Contains("--since", err);
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
