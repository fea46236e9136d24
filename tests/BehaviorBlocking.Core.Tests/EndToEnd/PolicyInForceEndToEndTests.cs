using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.EndToEnd
{
    /// <summary>
    /// The policy in force (installed with <c>policy set</c> into the product folder) decides what
    /// <c>block --detection</c> does without <c>--action</c>, and what a scan reports (run alone: BEHAVIORBLOCKING_HOME is process-wide).
    /// </summary>
    [Collection(ProductHomeCollection.Name)]
    public sealed class PolicyInForceEndToEndTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        private static (int Exit, string Out, string Err) Cli(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [Fact]
        public void BlockDetection_NoAction_TakesTheStepsOfThePolicyInForce()
        {
            string home = _temp.Combine("home");
            string file = _temp.Combine("files", "dropper.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            byte[] content = RandomNumberGenerator.GetBytes(4096);
            File.WriteAllBytes(file, content);
            string policy = _temp.Combine("block.json");
            File.WriteAllText(policy, "{ \"schemaVersion\": 1, \"version\": \"e2e-3\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.5, \"action\": \"None\", \"blockHash\": true } }");
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, home);
            try
            {
                var detection = new Detection
                {
                    Id = Guid.NewGuid(),
                    Name = "Behavior:Linux/Execution.Dropper!rule",
                    Platform = DetectionPlatform.Linux,
                    Tactic = Tactic.Execution,
                    Score = 0.9,
                    Host = Environment.MachineName,
                    Image = file,
                    FirstSeen = DateTimeOffset.UtcNow,
                    LastSeen = DateTimeOffset.UtcNow,
                };
                string store = Path.Combine(home, ProductHome.StoreFileName);
                Directory.CreateDirectory(home);
                using (DetectionStore detections = DetectionStore.Open(store))
                {
                    detections.Upsert(new[] { detection });
                }

                // The default policy (Audit) asks for nothing: the person must name the step.
                var (auditExit, _, auditErr) = Cli("block", "--detection", detection.Id.ToString("D"));
                Assert.Equal(2, auditExit);
                Assert.Contains("--action", auditErr, StringComparison.Ordinal);

                var (setExit, _, setErr) = Cli("policy", "set", policy);
                Assert.True(setExit == 0, setErr);

                var (exit, output, err) = Cli("block", "--detection", detection.Id.ToString("D"), "--format", "jsonl");

                Assert.True(exit == 0, err + output);
                JsonElement step = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
                Assert.Equal("BlockHash", step.GetProperty("kind").GetString());
                Assert.Equal("Done", step.GetProperty("outcome").GetString());
                Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), step.GetProperty("target").GetString());
                Assert.True(File.Exists(file), "a block-hash step leaves the file");
                var (_, listed, _) = Cli("indicator", "list", "--format", "jsonl");
                JsonElement indicator = JsonDocument.Parse(Assert.Single(listed.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
                Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), indicator.GetProperty("value").GetString());
                Assert.Equal("Block", indicator.GetProperty("verdict").GetString());
            }
            finally
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, TestProductHome.Folder);
            }
        }
    }
}
