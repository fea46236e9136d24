using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Lab;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock features</c>: one labeled row per process tree of a corpus, for training (an adapter over <see cref="FeatureExport"/>).</summary>
    internal static class FeaturesCommand
    {
        public static Command Create(CliConsole console)
        {
            var corpus = new Option<string>("--corpus") { Description = "Labeled recordings (a directory).", Required = true };
            var labels = new Option<string?>("--labels") { Description = "file,tactic,technique,benign CSV (default: labels.csv in the corpus)." };
            Option<string> output = CliOptions.OutputFile("--out", "CSV to write.", required: true);
            var command = new Command("features", "Write the feature vector and derived label of every process tree of a labeled corpus.") { corpus, labels, output };
            var rules = new RuleOptions();
            rules.AddTo(command);
            command.SetAction(parsed =>
            {
                string dir = parsed.GetValue(corpus)!;
                string labelFile = parsed.GetValue(labels) ?? Path.Combine(dir, "labels.csv");
                if (!Directory.Exists(dir) || !File.Exists(labelFile))
                {
                    console.Error.WriteLine($"behaviorblock: {ErrorIds.InputNotFound}: need a corpus directory and its labels ('{dir}', '{labelFile}').");
                    return Program.ExitNoInput;
                }

                // Features are what the model is trained on, so no model takes part in computing them.
                EngineOptions options = rules.Options(parsed, console);
                using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions
                {
                    BuiltInRules = options.BuiltInRules,
                    RuleDirectories = options.RuleDirectories,
                    UseModel = false,
                });
                RuleOptions.WriteWarnings(engine.Warnings, console, 20);
                FeatureExportResult result = FeatureExport.Run(dir, CorpusEvaluator.ReadLabels(labelFile), engine, _ => { });
                FeatureExport.WriteCsv(parsed.GetValue(output)!, result.Trees);
                console.Error.WriteLine($"features: {result.Trees.Count:N0} trees from {result.Scan.Events:N0} events; schema version {FeatureSchema.Version}, {FeatureSchema.Count} features");
                foreach (var group in result.Trees.GroupBy(l => (l.Label ?? "(left out)") + " — " + l.Reason).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    console.Error.WriteLine($"  {group.Count(),8:N0}  {group.Key}");
                }

                return Program.ExitOk;
            });
            return command;
        }
    }
}
