using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Features;

namespace BehaviorBlocking.Lab
{
    /// <summary>A feature row with the label derived for it (or none).</summary>
    public sealed class LabeledTree
    {
        internal LabeledTree(TreeFeatureRow row, string recording, string? label, string reason)
        {
            Row = row;
            Recording = recording;
            Label = label;
            Reason = reason;
        }

        /// <summary>The features.</summary>
        public TreeFeatureRow Row { get; }

        /// <summary>The recording, relative to the corpus.</summary>
        public string Recording { get; }

        /// <summary><c>Benign</c>, a tactic name, or null when the tree is left out of training.</summary>
        public string? Label { get; }

        /// <summary>Which rule of the method gave the label.</summary>
        public string Reason { get; }
    }

    /// <summary>
    /// Derives per-tree labels from per-file labels. Most events of an attack recording are the
    /// host's own background activity, so a file's label cannot be copied onto its trees:
    /// <list type="number">
    /// <item>a tree with rule evidence of the recording's labeled tactic is that tactic;</item>
    /// <item>a tree with rule evidence of other tactics only is the tactic of its strongest evidence (attack recordings hold several stages);</item>
    /// <item>a tree without rule evidence whose shape (root image and normalized command line) recurs in
    /// recordings of at least <see cref="BenignTacticSpread"/> different labeled tactics is Benign: the same
    /// activity in unrelated attacks is the hosts' background;</item>
    /// <item>every other tree is left out.</item>
    /// </list>
    /// </summary>
    public static class TreeLabeler
    {
        /// <summary>How many different labeled tactics a shape must appear under to count as background.</summary>
        public const int BenignTacticSpread = 3;

        private static readonly Regex s_hex = new Regex("(0x)?[0-9a-f]{6,}|\\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex s_digits = new Regex("[0-9]+", RegexOptions.CultureInvariant);

        /// <summary>Labels every row; rows whose recording has no label are left out.</summary>
        public static IReadOnlyList<LabeledTree> Label(IReadOnlyList<(TreeFeatureRow Row, string Recording)> rows, IReadOnlyList<FileLabel> labels)
        {
            var byFile = labels.ToDictionary(l => l.File, StringComparer.Ordinal);
            var spread = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach ((TreeFeatureRow row, string recording) in rows)
            {
                if (byFile.TryGetValue(recording, out FileLabel? label))
                {
                    string shape = Shape(row);
                    if (!spread.TryGetValue(shape, out HashSet<string>? tactics))
                    {
                        tactics = new HashSet<string>(StringComparer.Ordinal);
                        spread[shape] = tactics;
                    }

                    tactics.Add(label.Benign ? "Benign" : label.Tactic);
                }
            }

            var result = new List<LabeledTree>(rows.Count);
            foreach ((TreeFeatureRow row, string recording) in rows)
            {
                if (!byFile.TryGetValue(recording, out FileLabel? file))
                {
                    result.Add(new LabeledTree(row, recording, null, "recording has no label"));
                    continue;
                }

                if (file.Benign)
                {
                    result.Add(new LabeledTree(row, recording, "Benign", "benign recording"));
                    continue;
                }

                if (row.Signals.Count > 0)
                {
                    if (row.Signals.Any(s => s.Key.ToString() == file.Tactic))
                    {
                        result.Add(new LabeledTree(row, recording, file.Tactic, "rule evidence of the labeled tactic"));
                    }
                    else
                    {
                        result.Add(new LabeledTree(row, recording, Strongest(row).ToString(), "rule evidence of another tactic"));
                    }

                    continue;
                }

                if (spread.TryGetValue(Shape(row), out HashSet<string>? seen) && seen.Count >= BenignTacticSpread)
                {
                    result.Add(new LabeledTree(row, recording, "Benign", "shape recurs across tactics"));
                    continue;
                }

                result.Add(new LabeledTree(row, recording, null, "no evidence either way"));
            }

            return result;
        }

        /// <summary>The tree's shape: root image name and its command line with numbers, hex and guids blanked.</summary>
        public static string Shape(TreeFeatureRow row) => Shape(row.RootImage, row.RootCommandLine);

        /// <summary>A process's shape: image name and command line with numbers, hex and guids blanked.</summary>
        public static string Shape(string? imagePath, string? commandLine)
        {
            string image = Graph.ImagePath.FileName(imagePath);
            string command = commandLine ?? string.Empty;
            if (command.Length > 200)
            {
                command = command.Substring(0, 200);
            }

            command = s_digits.Replace(s_hex.Replace(command.ToLowerInvariant(), "#"), "0");
            return new StringBuilder(image).Append('|').Append(command).ToString();
        }

        private static Tactic Strongest(TreeFeatureRow row)
        {
            Tactic best = row.Signals[0].Key;
            float bestScore = -1;
            foreach (KeyValuePair<Tactic, string> signal in row.Signals)
            {
                int index = FeatureSchema.IndexOf(FeatureSchema.RuleScoreName(signal.Key));
                if (row.Features[index] > bestScore)
                {
                    bestScore = row.Features[index];
                    best = signal.Key;
                }
            }

            return best;
        }
    }
}
