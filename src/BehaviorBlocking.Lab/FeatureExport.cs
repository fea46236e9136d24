using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Lab
{
    /// <summary>What a feature export produced.</summary>
    public sealed class FeatureExportResult
    {
        internal FeatureExportResult(IReadOnlyList<LabeledTree> trees, ScanStatistics scan)
        {
            Trees = trees;
            Scan = scan;
        }

        /// <summary>Every closed tree with its features and derived label.</summary>
        public IReadOnlyList<LabeledTree> Trees { get; }

        /// <summary>The replay's figures.</summary>
        public ScanStatistics Scan { get; }
    }

    /// <summary>
    /// One labeled feature row per process tree of a labeled corpus, computed by the same engine
    /// code the classifier sees at inference (so training and inference cannot disagree on a feature).
    /// </summary>
    public static class FeatureExport
    {
        /// <summary>Replays <paramref name="corpus"/> with <paramref name="engine"/>'s rules and labels every tree.</summary>
        public static FeatureExportResult Run(string corpus, IReadOnlyList<FileLabel> labels, BehaviorEngine engine, Action<ReplayProblem> onProblem)
        {
            var collector = new TreeFeatureCollector();
            var rows = new List<(TreeFeatureRow, string)>();
            collector.TreeCompleted += row => rows.Add((row, CorpusEvaluator.RelativePath(corpus, row.SourceFile ?? string.Empty)));

            // The engine's own collector exists only with a model; this one always runs, beside the rules.
            EngineRun run = engine.CreateRun(_ => { }, extraDetectors: new[] { collector });
            ScanStatistics scan = new ReplayScanner(new WindowsEventNormalizer(), run.Pipeline).Run(new[] { corpus }, onProblem);
            return new FeatureExportResult(TreeLabeler.Label(rows, labels), scan);
        }

        /// <summary>Writes the rows as CSV: recording, tree, host, root image, label, reason, then every feature by schema name.</summary>
        public static void WriteCsv(string path, IReadOnlyList<LabeledTree> trees)
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
