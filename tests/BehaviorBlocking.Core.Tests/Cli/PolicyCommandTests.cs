using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary><c>behaviorblock policy show|set|validate|history</c> and <c>scan --policy</c>, in-process against a temporary product folder.</summary>
    [Collection(ProductHomeCollection.Name)]
    public sealed class PolicyCommandTests : IDisposable
    {
        private static readonly string PolicyData = Path.Combine(AppContext.BaseDirectory, "data", "policy");
        private static readonly string SampleDir = Path.Combine(AppContext.BaseDirectory, "data", "samples");
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string? _previousHome;

        public PolicyCommandTests()
        {
            _previousHome = Environment.GetEnvironmentVariable(ProductHome.EnvironmentVariable);
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, Home);
        }

        private string Home => _temp.Combine("home");

        private string InForce => Path.Combine(Home, PolicyFile.FileName);

        public void Dispose()
        {
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, _previousHome ?? TestProductHome.Folder);
            _temp.Dispose();
        }

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        private string Write(string name, string text)
        {
            string path = _temp.Combine(name);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void Show_NoPolicyFile_IsTheDefaultAuditPolicyAndSaysWhere()
        {
            var (exit, output, _) = Run("policy", "show");

            Assert.Equal(0, exit);
            Assert.Contains($"default Audit policy (no policy file at {InForce})", output);
            Assert.Contains("mode         Audit", output);
            Assert.Contains("defaults     threshold 0.8, action KillTree, quarantine false, blockHash false, remediate false", output);
        }

        [Fact]
        public void Set_ValidFile_InstallsPrintsChangesAndShowReportsIt()
        {
            string block = Path.Combine(PolicyData, "block.json");

            var (exit, output, err) = Run("policy", "set", block);

            Assert.Equal(0, exit);
            Assert.Equal(File.ReadAllText(block), File.ReadAllText(InForce));
            Assert.Contains($"installed {InForce} (version 2026-12-02.block, mode Block, sha256 ", output);
            Assert.Contains("  mode: Audit -> Block", output);
            Assert.Contains(@"  exclusions[0] added (image C:\Tools\*.exe: admin tools, change CHG-1042)", output);
            Assert.Contains("warning: ", err);
            Assert.Contains("$.exclusions[6].signer", err);

            var (showExit, shown, _) = Run("policy", "show");
            Assert.Equal(0, showExit);
            Assert.Contains($"source       {InForce}", shown);
            Assert.Contains("mode         Block", shown);
            Assert.Contains("tactics.Persistence  action KillProcess, remediate true", shown);
        }

        [Fact]
        public void Show_Jsonl_IsTheSameOneLineObjectAsJson()
        {
            Run("policy", "set", Path.Combine(PolicyData, "audit.json"));

            var (exit, jsonl, err) = Run("policy", "show", "--format", "jsonl");
            var (_, json, _) = Run("policy", "show", "--format", "json");

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, err);
            string line = Assert.Single(jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(json, jsonl);
            using JsonDocument parsed = JsonDocument.Parse(line);
            Assert.Equal("Audit", parsed.RootElement.GetProperty("policy").GetProperty("mode").GetString());
        }

        [Fact]
        public void Show_Json_IsOneObjectWithSourceHashAndTheDocument()
        {
            Run("policy", "set", Path.Combine(PolicyData, "audit.json"));

            var (exit, output, _) = Run("policy", "show", "--format", "json");

            Assert.Equal(0, exit);
            string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using JsonDocument json = JsonDocument.Parse(line);
            Assert.Equal(InForce, json.RootElement.GetProperty("path").GetString());
            Assert.False(json.RootElement.GetProperty("isDefault").GetBoolean());
            Assert.Equal(64, json.RootElement.GetProperty("sha256").GetString()!.Length);
            Assert.Equal("Audit", json.RootElement.GetProperty("policy").GetProperty("mode").GetString());
            Assert.True(PolicyDocument.Parse(json.RootElement.GetProperty("policy").GetRawText()).IsValid);
        }

        [Fact]
        public void Set_InvalidFile_ExitsOneWithPositionAndKeepsThePolicyInForce()
        {
            Run("policy", "set", Path.Combine(PolicyData, "audit.json"));
            string before = File.ReadAllText(InForce);
            string bad = Write("bad.json", "{\n  \"schemaVersion\": 1,\n  \"version\": \"x\",\n  \"mode\": \"Block\",\n  \"defaults\": {\"threshold\": 1.5}\n}");

            var (exit, output, err) = Run("policy", "set", bad);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.Equal($"behaviorblock: PolicyFileInvalid: {bad}:5:29: $.defaults.threshold: the threshold 1.5 is out of range; it is a verdict score from 0 to 1", err.TrimEnd());
            Assert.Equal(before, File.ReadAllText(InForce));
            var (_, history, _) = Run("policy", "history", "--format", "jsonl");
            Assert.Single(history.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        [Fact]
        public void Set_MissingFile_ExitsOneWithPolicyFileNotFound()
        {
            var (exit, _, err) = Run("policy", "set", _temp.Combine("none.json"));

            Assert.Equal(1, exit);
            Assert.Contains("behaviorblock: PolicyFileNotFound: ", err);
            Assert.False(File.Exists(InForce));
        }

        [Fact]
        public void Set_WithStoreOption_RecordsThere()
        {
            string store = _temp.Combine("other.db");

            Assert.Equal(0, Run("policy", "set", Path.Combine(PolicyData, "audit.json"), "--store", store).Exit);

            var (exit, output, _) = Run("policy", "history", "--store", store, "--format", "jsonl");
            Assert.Equal(0, exit);
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(File.Exists(Path.Combine(Home, ProductHome.StoreFileName)));
        }

        [Fact]
        public void Validate_ValidFile_ExitsZeroAndWarnsAboutExpiredExclusions()
        {
            string file = Write("expired.json", "{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [\n {\"image\": \"*x.exe\", \"expires\": \"2020-01-01\", \"justification\": \"old\"}]}");

            var (exit, output, err) = Run("policy", "validate", file);

            Assert.Equal(0, exit);
            Assert.Equal($"valid: {file} (version v, mode Audit, 1 exclusion(s))", output.TrimEnd());
            Assert.Contains($"behaviorblock: warning: {file}:2:2: $.exclusions[0]: the exclusion expired at 2020-01-01T00:00:00Z and is ignored", err);
        }

        [Fact]
        public void Validate_InvalidFile_ExitsOneWithEveryProblemAsFileLineColumn()
        {
            string file = Write("bad.json", "{\"schemaVersion\": 1, \"version\": \"v\",\n \"mode\": \"On\",\n \"exclusions\": [{\"sha256\": \"12\", \"justification\": \"j\"}]}");

            var (exit, output, err) = Run("policy", "validate", file);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            string[] lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.Equal($"behaviorblock: PolicyFileInvalid: {file}:2:10: $.mode: 'On' is not one of Off, Audit, Block", lines[0]);
            Assert.Equal($"behaviorblock: PolicyFileInvalid: {file}:3:28: $.exclusions[0].sha256: '12' is not a SHA-256 (64 hexadecimal digits)", lines[1]);
            Assert.Equal("behaviorblock: 2 problem(s); the policy is invalid.", lines[2]);
        }

        [Fact]
        public void Validate_NoFileArgument_IsAUsageError()
        {
            Assert.Equal(2, Run("policy", "validate").Exit);
            Assert.Equal(2, Run("policy", "history", "--last", "0").Exit);
            Assert.Equal(2, Run("policy", "show", "--format", "yaml").Exit);
        }

        [Fact]
        public void History_NoStore_IsEmpty()
        {
            var (exit, output, _) = Run("policy", "history");

            Assert.Equal(0, exit);
            Assert.Equal("0 policy change(s).", output.TrimEnd());
        }

        [Fact]
        public void History_TwoSets_ListsBothAndLastLimits()
        {
            Run("policy", "set", Path.Combine(PolicyData, "audit.json"));
            Run("policy", "set", Path.Combine(PolicyData, "block.json"));

            var (exit, table, _) = Run("policy", "history");
            var (_, jsonl, _) = Run("policy", "history", "--format", "jsonl", "--last", "1");

            Assert.Equal(0, exit);
            Assert.Contains("2 policy change(s).", table);
            Assert.Contains("      mode: Audit -> Block", table);
            using JsonDocument last = JsonDocument.Parse(Assert.Single(jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            Assert.Equal(2, last.RootElement.GetProperty("sequence").GetInt64());
            Assert.Equal("2026-12-02.block", last.RootElement.GetProperty("version").GetString());
            Assert.Equal(64, last.RootElement.GetProperty("previousSha256").GetString()!.Length);
            Assert.Equal(Environment.MachineName, last.RootElement.GetProperty("host").GetString());
            Assert.Contains("mode: Audit -> Block", last.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(File.ReadAllText(Path.Combine(PolicyData, "block.json")), last.RootElement.GetProperty("document").GetString());
        }

        [Fact]
        public void Scan_PolicyOption_InvalidFileExitsOneBeforeScanning()
        {
            string bad = Write("bad.json", "{\"schemaVersion\": 1}");

            var (exit, output, err) = Run("scan", SampleDir, "--no-store", "--format", "jsonl", "--policy", bad);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains($"PolicyFileInvalid: {bad}:1:1: $: 'version' is required", err);
        }

        [Fact]
        public void Scan_PolicyOption_BlockPolicyDecidesTheVerdicts()
        {
            string off = Write("off.json", "{\"schemaVersion\": 1, \"version\": \"off\", \"mode\": \"Off\"}");
            string block = Write("block.json", "{\"schemaVersion\": 1, \"version\": \"b\", \"mode\": \"Block\", \"defaults\": {\"threshold\": 0}}");

            var (offExit, offOut, _) = Run("scan", SampleDir, "--no-store", "--format", "jsonl", "--policy", off);
            var (blockExit, blockOut, _) = Run("scan", SampleDir, "--no-store", "--format", "jsonl", "--policy", block);

            Assert.Equal(0, offExit);
            Assert.Equal(0, blockExit);
            Detection[] audited = offOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(DetectionJson.Parse).ToArray();
            Detection[] acted = blockOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(DetectionJson.Parse).ToArray();
            Assert.NotEmpty(audited);
            Assert.All(audited, d => Assert.Equal(DetectionAction.Audited, d.Action));

            Assert.All(audited, d => Assert.Empty(d.Actions));

            // Replay never acts on this machine: each detection reports what Block would have done, as what-if steps.
            Assert.Equal(audited.Length, acted.Length);
            Assert.All(acted, d =>
            {
                Assert.Equal(DetectionAction.Audited, d.Action);
                Assert.NotEmpty(d.Actions);
                Assert.All(d.Actions, step => Assert.Equal(StepOutcome.WhatIf, step.Outcome));
            });
            Assert.Contains(acted, d => d.Actions.Any(step => step.Kind == ResponseKind.KillTree && step.Target.StartsWith("PID ", StringComparison.Ordinal)));
        }

        [Fact]
        public void Scan_WithoutPolicyOption_UsesThePolicyInForce()
        {
            Assert.Equal(0, Run("policy", "set", Write("exclude.json", "{\"schemaVersion\": 1, \"version\": \"x\", \"mode\": \"Block\", \"exclusions\": [{\"host\": \"*.contoso.local\", \"justification\": \"lab\"}]}")).Exit);

            var (exit, output, _) = Run("scan", SampleDir, "--no-store", "--format", "jsonl");

            Assert.Equal(0, exit);
            Detection[] detections = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(DetectionJson.Parse).ToArray();
            Assert.NotEmpty(detections);
            Assert.All(detections, d => Assert.Equal(DetectionAction.Excluded, d.Action));
        }

        [Fact]
        public void Scan_CorruptPolicyInForce_WarnsAndScansWithAudit()
        {
            Directory.CreateDirectory(Home);
            File.WriteAllText(InForce, "{ not json");

            var (exit, output, err) = Run("scan", SampleDir, "--no-store", "--format", "jsonl");

            Assert.Equal(0, exit);
            Assert.Contains($"behaviorblock: warning: PolicyFileInvalid: {InForce}:1:3: $: not valid JSON", err);
            Assert.Contains("The scan uses the default Audit policy.", err);
            Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(DetectionJson.Parse), d => Assert.Equal(DetectionAction.Audited, d.Action));
        }
    }
}
