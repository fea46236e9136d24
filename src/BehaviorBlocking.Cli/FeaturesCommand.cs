using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Evaluation;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock features</c>: one labeled row per process tree of a corpus, for training.</summary>
    internal static class FeaturesCommand
    {
        public static Command Create(CliConsole console)
        {
            var corpus = new Option<string>("--corpus") { Description = "Labeled recordings (a directory).", Required = true };
            var labels = new Option<string?>("--labels") { Description = "file,tactic,technique,benign CSV (default: labels.csv in the corpus)." };
            var output = new Option<string>("--out") { Description = "CSV to write.", Required = true };
            var command = new Command("features", "Write the feature vector and derived label of every process tree of a labeled corpus.") { corpus, labels, output };
            var rules = new RuleOptions();
            rules.AddTo(command);
            command.SetAction(parsed =>
            {
                string dir = parsed.GetValue(corpus)!;
                string labelFile = parsed.GetValue(labels) ?? Path.Combine(dir, "labels.csv");
                if (!Directory.Exists(dir) || !File.Exists(labelFile))
                {
                    console.Error.WriteLine($"behaviorblock: InputNotFound: need a corpus directory and its labels ('{dir}', '{labelFile}').");
                    return Program.ExitNoInput;
                }

                try
                {
                    RuleSet ruleSet = rules.Load(parsed, console);
                    IReadOnlyList<FileLabel> fileLabels = CorpusEvaluator.ReadLabels(labelFile);
                    var collector = new TreeFeatureCollector();
                    var rows = new List<(TreeFeatureRow, string)>();
                    collector.TreeCompleted += row => rows.Add((row, CorpusEvaluator.RelativePath(dir, row.SourceFile ?? string.Empty)));
                    var detectors = new List<IDetector> { new RuleDetector(ruleSet, new RuleDetectorOptions { SignalObserver = collector }), collector };
                    var pipeline = new BehaviorPipeline(detectors, _ => { });
                    ScanStatistics stats = new ReplayScanner(new WindowsEventNormalizer(), pipeline).Run(new[] { dir }, _ => { });
                    IReadOnlyList<LabeledTree> labeled = TreeLabeler.Label(rows, fileLabels);
                    Write(parsed.GetValue(output)!, labeled);
                    console.Error.WriteLine($"features: {labeled.Count:N0} trees from {stats.Events:N0} events; schema version {FeatureSchema.Version}, {FeatureSchema.Count} features");
                    foreach (var group in labeled.GroupBy(l => (l.Label ?? "(left out)") + " — " + l.Reason).OrderBy(g => g.Key, StringComparer.Ordinal))
                    {
                        console.Error.WriteLine($"  {group.Count(),8:N0}  {group.Key}");
                    }

                    return Program.ExitOk;
                }
                catch (BehaviorBlockingException ex)
                {
                    console.Fail(ex);
                    return Program.ExitNoInput;
                }
            });
            return command;
        }

        private static void Write(string path, IReadOnlyList<LabeledTree> trees)
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }

            using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
            writer.NewLine = "\n";
            writer.WriteLine("recording,tree,host,root_image,label,label_reason," + string.Join(",", FeatureSchema.Names));
            var line = new StringBuilder();
            foreach (LabeledTree tree in trees)
            {
                line.Clear();
                line.Append(Csv(tree.Recording)).Append(',').Append(tree.Row.TreeId.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(Csv(tree.Row.Host)).Append(',').Append(Csv(Graph.ImagePath.FileName(tree.Row.RootImage))).Append(',')
                    .Append(tree.Label ?? string.Empty).Append(',').Append(Csv(tree.Reason));
                foreach (float value in tree.Row.Features)
                {
                    line.Append(',').Append(value.ToString("R", CultureInfo.InvariantCulture));
                }

                writer.WriteLine(line.ToString());
            }
        }

        private static string Csv(string value) =>
            value.IndexOfAny(new[] { ',', '"', '\n', '\r' }) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
