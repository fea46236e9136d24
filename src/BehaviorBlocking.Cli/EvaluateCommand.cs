using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Lab;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock evaluate</c>: detection rate per labeled tactic, noise, confusion and rule cost on a corpus.</summary>
    internal static class EvaluateCommand
    {
        public static Command Create(CliConsole console)
        {
            var corpus = new Option<string>("--corpus") { Description = "Labeled recordings (a directory).", Required = true };
            var labels = new Option<string?>("--labels") { Description = "file,tactic,technique,benign CSV (default: labels.csv in the corpus)." };
            var missed = new Option<bool>("--missed") { Description = "Also list the labeled files that were not detected with their tactic." };
            var command = new Command("evaluate", "Score the detector on a labeled corpus.") { corpus, labels, missed };
            var rules = new RuleOptions();
            rules.AddTo(command);
            command.SetAction(parsed =>
            {
                string dir = parsed.GetValue(corpus)!;
                string labelFile = parsed.GetValue(labels) ?? Path.Combine(dir, "labels.csv");
                if (!Directory.Exists(dir))
                {
                    console.Error.WriteLine($"behaviorblock: {ErrorIds.InputNotFound}: no corpus directory at '{dir}'.");
                    return Program.ExitNoInput;
                }

                if (!File.Exists(labelFile))
                {
                    console.Error.WriteLine($"behaviorblock: {ErrorIds.InputNotFound}: no labels at '{labelFile}' (give --labels).");
                    return Program.ExitNoInput;
                }

                using BehaviorEngine engine = rules.Build(parsed, console, measureRuleCost: true);
                int problems = 0;
                EvaluationReport report = CorpusEvaluator.Run(dir, CorpusEvaluator.ReadLabels(labelFile), engine,
                    problem =>
                    {
                        if (++problems <= 20)
                        {
                            console.Error.WriteLine("behaviorblock: warning: " + problem);
                        }
                    });
                Write(console.Out, report, parsed.GetValue(missed));
                return Program.ExitOk;
            });
            return command;
        }

        private static void Write(TextWriter o, EvaluationReport r, bool listMissed)
        {
            CultureInfo c = CultureInfo.InvariantCulture;
            o.WriteLine(string.Format(c, "rule set {0}: {1} rules, {2} skipped; {3:N0} events in {4} files, {5:N1} s",
                r.RuleSet.Version, r.RuleSet.Rules.Count, r.RuleSet.Skipped.Count, r.Scan.Events, r.Scan.Files, r.Scan.Elapsed.TotalSeconds));
            o.WriteLine(r.Classifier?.Version is null
                ? "classifier: none (rules alone, !rule verdicts)"
                : string.Format(c, "classifier: model {0}; {1:N0} verdicts scored, {2:N0} decided by the model; {3} detections named !ml; {4} failures",
                    r.Classifier.Version, r.Classifier.Scored, r.Classifier.Decided, r.ModelDecided, r.Classifier.Failures));
            o.WriteLine();
            o.WriteLine("| tactic | files | detected | rate |");
            o.WriteLine("|---|---:|---:|---:|");
            foreach (TacticRate t in r.PerTactic)
            {
                o.WriteLine(string.Format(c, "| {0} | {1} | {2} | {3:P1} |", t.Tactic, t.Files, t.Detected, t.Rate));
            }

            o.WriteLine(string.Format(c, "| **all** | {0} | {1} | {2:P1} |", r.Overall.Files, r.Overall.Detected, r.Overall.Rate));
            o.WriteLine();
            o.WriteLine(string.Format(c, "detections per file: median {0:N1}, mean {1:N2}, max {2}; per 100k events: {3:N1}; benign files with detections: {4}; unlabeled files: {5}",
                r.MedianDetectionsPerFile, r.MeanDetectionsPerFile, r.Files.Count == 0 ? 0 : r.Files.Max(f => f.Detections.Count), r.DetectionsPer100kEvents,
                r.BenignFilesWithDetections, r.UnlabeledFiles));
            o.WriteLine(string.Format(c, "false detections (on processes the labeling calls background, or in benign files): {0:N0}, {1:N2} per 100k events; {2:N0} detections without a process image not placed",
                r.FalseDetections, r.FalseDetectionsPer100kEvents, r.UnattributedDetections));
            o.WriteLine();
            if (r.PerSource.Count > 1)
            {
                // Each source apart: a pack tuned to one source shows it here first.
                o.WriteLine("per source");
                o.WriteLine();
                o.WriteLine("| source | tactic | files | detected | rate |");
                o.WriteLine("|---|---|---:|---:|---:|");
                foreach (SourceReport source in r.PerSource)
                {
                    foreach (TacticRate t in source.PerTactic)
                    {
                        o.WriteLine(string.Format(c, "| {0} | {1} | {2} | {3} | {4:P1} |", source.Source, t.Tactic, t.Files, t.Detected, t.Rate));
                    }

                    o.WriteLine(string.Format(c, "| {0} | **all** | {1} | {2} | {3:P1} |", source.Source, source.Overall.Files, source.Overall.Detected, source.Overall.Rate));
                }

                o.WriteLine();
                o.WriteLine("| source | events | detections | per 100k events | false detections | false per 100k events | not placed |");
                o.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
                foreach (SourceReport source in r.PerSource)
                {
                    o.WriteLine(string.Format(c, "| {0} | {1:N0} | {2:N0} | {3:N1} | {4:N0} | {5:N2} | {6:N0} |", source.Source, source.Events, source.Detections,
                        source.DetectionsPer100kEvents, source.FalseDetections, source.FalseDetectionsPer100kEvents, source.Unattributed));
                }

                o.WriteLine();
            }

            string[] detectedColumns = r.Confusion().Select(x => x.Detected).Distinct()
                .OrderBy(x => x == "none" ? 1 : 0).ThenBy(x => x, StringComparer.Ordinal).ToArray();
            o.WriteLine("confusion (rows: labeled tactic; columns: tactics detected in the file; cells: files)");
            o.WriteLine();
            o.WriteLine("| label | " + string.Join(" | ", detectedColumns.Select(Short)) + " |");
            o.WriteLine("|---|" + string.Concat(detectedColumns.Select(_ => "---:|")));
            var cells = r.Confusion().ToDictionary(x => (x.Label, x.Detected), x => x.Files);
            foreach (TacticRate t in r.PerTactic)
            {
                o.WriteLine("| " + t.Tactic + " | " + string.Join(" | ", detectedColumns.Select(d => cells.TryGetValue((t.Tactic, d), out int n) ? n.ToString(c) : "")) + " |");
            }

            o.WriteLine();
            o.WriteLine("slowest rules");
            foreach (RuleStatistics s in r.SlowestRules)
            {
                o.WriteLine(string.Format(c, "  {0,8:N1} ms  {1,10:N0} tried  {2,8:N0} matched  {3}", s.Seconds * 1000, s.Evaluations, s.Matches, s.Rule.Title));
            }

            o.WriteLine();
            o.WriteLine("rules matching most often (matches, labeled files with evidence)");
            foreach (RuleStatistics s in r.NoisiestRules)
            {
                r.RuleMatchFiles.TryGetValue(s.Rule.Id, out int files);
                o.WriteLine(string.Format(c, "  {0,8:N0}  {1,4} files  {2} ({3})", s.Matches, files, s.Rule.Title, s.Rule.Tactic));
            }

            if (listMissed)
            {
                o.WriteLine();
                o.WriteLine("false detections (detection, process, file)");
                foreach (FileResult f in r.Files.Where(f => f.FalseDetections > 0).OrderBy(f => f.Label.File, StringComparer.Ordinal))
                {
                    foreach (Detections.Detection d in f.FalseDetectionList)
                    {
                        o.WriteLine($"  {d.Name}  {d.Image}  {f.Label.File}");
                    }
                }

                o.WriteLine();
                o.WriteLine("missed files");
                foreach (FileResult f in r.Files.Where(f => !f.Hit && !f.Label.Benign).OrderBy(f => f.Label.Tactic, StringComparer.Ordinal).ThenBy(f => f.Label.File, StringComparer.Ordinal))
                {
                    o.WriteLine($"  {f.Label.Tactic,-20} {f.Label.File}  [{string.Join(",", f.DetectedTactics)}]");
                }
            }
        }

        private static string Short(string tactic) => tactic switch
        {
            "InitialAccess" => "IA",
            "Execution" => "Ex",
            "Persistence" => "Pe",
            "PrivilegeEscalation" => "PE",
            "DefenseEvasion" => "DE",
            "CredentialAccess" => "CA",
            "Discovery" => "Di",
            "LateralMovement" => "LM",
            "Collection" => "Co",
            "CommandAndControl" => "C2",
            "Exfiltration" => "Ef",
            "Impact" => "Im",
            "Generic" => "Ge",
            _ => tactic,
        };
    }
}
