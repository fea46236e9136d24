using System;
using System.IO;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Cli
{
    /// <summary>CLI behaviour that depends on the product folder named by BEHAVIORBLOCKING_HOME (run alone: the variable is process-wide).</summary>
    [Collection(ProductHomeCollection.Name)]
    public sealed class CliProductHomeTests : IDisposable
    {
        private static readonly string SampleDir = Path.Combine(AppContext.BaseDirectory, "data", "samples");
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-cli-home-" + Guid.NewGuid().ToString("N"));

        public CliProductHomeTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static (int Exit, string Out, string Err) Run(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr, Array.Empty<IDetector>);
            return (exit, stdout.ToString(), stderr.ToString());
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
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, TestProductHome.Folder);
            }
        }

        [Fact]
        public void Model_InstallWhereTheModelsFolderIsAFile_ExitsOneWithOneLine()
        {
            string home = Path.Combine(_dir, "home");
            Directory.CreateDirectory(home);
            File.WriteAllText(Path.Combine(home, "models"), "a file where the models folder goes");
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, home);
            try
            {
                var (exit, _, err) = Run("model", "install", Path.Combine(AppContext.BaseDirectory, "models", "behavior.onnx"));

                Assert.Equal(1, exit);
                string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("behaviorblock: ", line);
                Assert.Contains(Path.Combine(home, "models"), line);
                Assert.DoesNotContain("internal error", line);
            }
            finally
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, TestProductHome.Folder);
            }
        }
    }
}
