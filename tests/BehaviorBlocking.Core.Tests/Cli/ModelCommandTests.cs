using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary>The reproduction through the CLI: a model with NaN leaf weights no longer passes validate, and cannot break a scan.</summary>
    public sealed class ModelCommandTests : IDisposable
    {
        private static readonly string SampleDir = Path.Combine(AppContext.BaseDirectory, "data", "samples");
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        private string NaNModel() => OnnxTestModels.WriteWithManifest(_temp.Combine("nan"),
            OnnxTestModels.Stump(FeatureSchema.Count, FeatureSchema.IndexOf("processes"), 0.5f, OnnxTestModels.Weights("Benign", 0.9f), OnnxTestModels.Weights("Execution", float.NaN)),
            "test-nan");

        [Fact]
        public void Validate_ModelWithNaNLeafWeights_FailsNamingTheProbeRow()
        {
            string model = NaNModel();

            var (exit, output, err) = Run("model", "validate", model);

            Assert.Equal(Program.ExitNoInput, exit);
            Assert.DoesNotContain("valid", output);
            Assert.Contains("behaviorblock: ModelInvalid: the model '" + model + "' is refused: on the probe row 'all ones' it gave class 'Benign' the probability NaN", err);
        }

        [Fact]
        public void Validate_GoodModel_SaysWhichChecksPassed()
        {
            string model = OnnxTestModels.WriteWithManifest(_temp.Combine("good"), OnnxTestModels.GoodStump(0.8f), "test-good");

            var (exit, output, _) = Run("model", "validate", model);

            Assert.Equal(Program.ExitOk, exit);
            Assert.Contains("probes         passed", output);
            Assert.EndsWith("valid", output.TrimEnd());
        }

        [Fact]
        public void Scan_ModelThatPassesTheProbesButFailsOnRealTrees_CompletesAndWarnsWithoutStats()
        {
            string model = OnnxTestModels.WriteWithManifest(_temp.Combine("two"), OnnxTestModels.NaNForTwoProcessTrees(), "test-two");
            Assert.Equal(Program.ExitOk, Run("model", "validate", model).Exit);

            var (exit, output, err) = Run("scan", SampleDir, "--no-store", "--format", "jsonl", "--model", model);

            Assert.Equal(Program.ExitOk, exit);
            Assert.Contains("behaviorblock: warning: ", err);
            Assert.Contains("probability NaN", err);
            Assert.Contains("rules alone (!rule)", err);
            Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(DetectionJson.Parse), d => Assert.InRange(d.Score, 0, 1));
        }

        [Fact]
        public void Scan_ModelWithNaNLeafWeights_CompletesWithRulesAloneAndSaysWhy()
        {
            var (exit, output, err) = Run("scan", SampleDir, "--no-store", "--format", "jsonl", "--model", NaNModel());

            Assert.Equal(Program.ExitOk, exit);
            Assert.Contains("ModelInvalid", err);
            Assert.Contains("probe row", err);
            Assert.Contains("rules alone", err);
            string[] records = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(records);
            Assert.All(records.Select(DetectionJson.Parse), d =>
            {
                Assert.EndsWith("!rule", d.Name);
                Assert.InRange(d.Score, 0, 1);
            });
        }
    }
}
