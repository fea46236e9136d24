using System;
using System.CommandLine;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock model info|validate|install</c>: inspect and check a classifier before it replaces the current one.</summary>
    internal static class ModelCommand
    {
        public static Command Create(CliConsole console)
        {
            var command = new Command("model", "Inspect, check and install the process-tree classifier.");
            command.Subcommands.Add(Sub(console, "info", "Show a model (default: the one a scan would use): version, features, classes, runtime.", install: false));
            command.Subcommands.Add(Sub(console, "validate", "Check a model: manifest, SHA-256, feature schema, input and output shape, and probe rows that must each give probabilities in [0, 1].", install: false));
            command.Subcommands.Add(Sub(console, "install", "Validate a model and make it the one scans use (copied into the product folder all or nothing).", install: true));
            return command;
        }

        private static Command Sub(CliConsole console, string name, string description, bool install)
        {
            var file = new Argument<string?>("file") { Description = "The .onnx model (its .json manifest beside it), or the manifest.", Arity = install ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne };
            var command = new Command(name, description) { file };
            command.SetAction(parsed =>
            {
                string path = parsed.GetValue(file) ?? EngineLocations.DefaultModelPath;
                // Failures (ModelNotFound, ModelInvalid, ModelInstallFailed) end the command through
                // Program's one handler: a single 'behaviorblock: <ErrorId>: <message>' line, exit code 1.
                using (OnnxTreeClassifier classifier = BehaviorEngine.LoadModel(path))
                {
                    console.Out.WriteLine($"model          {classifier.Path}");
                    console.Out.WriteLine($"version        {classifier.Version}");
                    console.Out.WriteLine($"features       schema {classifier.FeatureSchemaVersion}, {FeatureSchema.Count} (input '{classifier.Model.InputNames[0]}')");
                    console.Out.WriteLine($"classes        {string.Join(", ", classifier.Classes)}");
                    console.Out.WriteLine($"runtime        ONNX Runtime {OnnxRuntime.Version} ({OnnxRuntime.LibraryPath ?? "found by the host's library search"})");
                    console.Out.WriteLine($"probes         passed: every probe row (seed {ModelProbe.Seed}) gave probabilities in [0, 1]");
                    if (!install)
                    {
                        console.Out.WriteLine("valid");
                        return Program.ExitOk;
                    }
                }

                console.Out.WriteLine($"installed      {ModelInstaller.Install(path)}");
                return Program.ExitOk;
            });
            return command;
        }
    }
}
