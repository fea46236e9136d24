using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Lab
{
    /// <summary>The file-level label of a recording.</summary>
    public sealed class FileLabel
    {
        /// <summary>Creates a label.</summary>
        public FileLabel(string file, string tactic, string techniques, bool benign)
        {
            File = file;
            Tactic = tactic;
            Techniques = techniques;
            Benign = benign;
        }

        /// <summary>Path relative to the corpus folder, with forward slashes.</summary>
        public string File { get; }

        /// <summary>A tactic name, <c>Mixed</c> or <c>Other</c>.</summary>
        public string Tactic { get; }

        /// <summary>Technique ids as labeled (<c>;</c>-separated).</summary>
        public string Techniques { get; }

        /// <summary>True for benign-baseline recordings.</summary>
        public bool Benign { get; }
    }

    /// <summary>What the detector did on one labeled file.</summary>
    public sealed class FileResult
    {
        internal FileResult(FileLabel label, long events, IReadOnlyList<Detection> detections, Func<Detection, bool?>? isBackground = null)
        {
            Label = label;
            Events = events;
            Detections = detections;
            int slash = label.File.IndexOf('/');
            Source = slash > 0 ? label.File.Substring(0, slash) : "(top)";
            foreach (Detection d in detections)
            {
                bool? background = label.Benign ? true : isBackground?.Invoke(d);
                if (background is null)
                {
                    Unattributed++;
                }
                else if (background.Value)
                {
                    FalseDetections++;
                    _false.Add(d);
                }
            }

            DetectedTactics = detections.Select(d => d.Tactic).Distinct().OrderBy(t => t).ToList();
            bool anyTacticCounts = label.Tactic == "Mixed" || label.Tactic == "Other";
            Hit = !label.Benign && (anyTacticCounts ? detections.Count > 0 : DetectedTactics.Any(t => t.ToString() == label.Tactic));
        }

        /// <summary>The label.</summary>
        public FileLabel Label { get; }

        /// <summary>Events read from the file.</summary>
        public long Events { get; }

        /// <summary>Detections on it.</summary>
        public IReadOnlyList<Detection> Detections { get; }

        /// <summary>Distinct tactics detected.</summary>
        public IReadOnlyList<Tactic> DetectedTactics { get; }

        /// <summary>True when a detection carries the labeled tactic (any detection for Mixed and Other).</summary>
        public bool Hit { get; }

        /// <summary>The corpus folder the file comes from (its first path segment): one source of recordings.</summary>
        public string Source { get; }

        /// <summary>
        /// Detections the labeling calls benign: every detection of a benign recording, and in an attack recording
        /// those on a process whose shape recurs in recordings of <see cref="TreeLabeler.BenignTacticSpread"/> or more
        /// labeled tactics (the hosts' background, as <see cref="TreeLabeler"/> labels trees).
        /// </summary>
        public int FalseDetections { get; }

        /// <summary>Detections without a process image, which the shape test cannot place (neither counted false nor true).</summary>
        public int Unattributed { get; }

        /// <summary>The detections counted in <see cref="FalseDetections"/>.</summary>
        public IReadOnlyList<Detection> FalseDetectionList => _false;

        private readonly List<Detection> _false = new List<Detection>();
    }

    /// <summary>Detection rates and false detections of one source of recordings.</summary>
    public sealed class SourceReport
    {
        internal SourceReport(string source, IReadOnlyList<FileResult> files)
        {
            Source = source;
            var attack = files.Where(f => !f.Label.Benign).ToList();
            PerTactic = EvaluationReport.Rates(attack);
            Overall = new TacticRate("all", attack.Count, attack.Count(f => f.Hit));
            Events = files.Sum(f => f.Events);
            Detections = files.Sum(f => f.Detections.Count);
            FalseDetections = files.Sum(f => f.FalseDetections);
            Unattributed = files.Sum(f => f.Unattributed);
        }

        /// <summary>The source (first path segment of its files).</summary>
        public string Source { get; }

        /// <summary>Per labeled tactic, most files first.</summary>
        public IReadOnlyList<TacticRate> PerTactic { get; }

        /// <summary>All attack files of the source.</summary>
        public TacticRate Overall { get; }

        /// <summary>Events read from its labeled files.</summary>
        public long Events { get; }

        /// <summary>Detections on its labeled files.</summary>
        public int Detections { get; }

        /// <summary>Detections the labeling calls benign (<see cref="FileResult.FalseDetections"/>).</summary>
        public int FalseDetections { get; }

        /// <summary>Detections without a process image.</summary>
        public int Unattributed { get; }

        /// <summary>Detections per 100,000 events.</summary>
        public double DetectionsPer100kEvents => Events == 0 ? 0 : Detections * 100_000.0 / Events;

        /// <summary>False detections per 100,000 events.</summary>
        public double FalseDetectionsPer100kEvents => Events == 0 ? 0 : FalseDetections * 100_000.0 / Events;
    }

    /// <summary>Detection rate of one labeled tactic.</summary>
    public sealed class TacticRate
    {
        internal TacticRate(string tactic, int files, int detected)
        {
            Tactic = tactic;
            Files = files;
            Detected = detected;
        }

        /// <summary>The label.</summary>
        public string Tactic { get; }

        /// <summary>Labeled files.</summary>
        public int Files { get; }

        /// <summary>Files detected with the labeled tactic.</summary>
        public int Detected { get; }

        /// <summary>Detected / Files.</summary>
        public double Rate => Files == 0 ? 0 : (double)Detected / Files;
    }

    /// <summary>Everything an evaluation measured.</summary>
    public sealed class EvaluationReport
    {
        internal EvaluationReport(IReadOnlyList<FileResult> files, IReadOnlyList<RuleStatistics> rules, ScanStatistics scan, RuleSet ruleSet, int unlabeled)
        {
            Files = files;
            Scan = scan;
            RuleSet = ruleSet;
            UnlabeledFiles = unlabeled;
            var attack = files.Where(f => !f.Label.Benign).ToList();
            PerTactic = Rates(attack);
            Overall = new TacticRate("all", attack.Count, attack.Count(f => f.Hit));
            PerSource = files.GroupBy(f => f.Source, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new SourceReport(g.Key, g.ToList())).ToList();
            FalseDetections = files.Sum(f => f.FalseDetections);
            UnattributedDetections = files.Sum(f => f.Unattributed);
            List<int> counts = files.Select(f => f.Detections.Count).OrderBy(c => c).ToList();
            MedianDetectionsPerFile = counts.Count == 0 ? 0 : counts.Count % 2 == 1 ? counts[counts.Count / 2] : (counts[(counts.Count / 2) - 1] + counts[counts.Count / 2]) / 2.0;
            MeanDetectionsPerFile = counts.Count == 0 ? 0 : counts.Average();
            long events = files.Sum(f => f.Events);
            DetectionsPer100kEvents = events == 0 ? 0 : files.Sum(f => f.Detections.Count) * 100_000.0 / events;
            FalseDetectionsPer100kEvents = events == 0 ? 0 : FalseDetections * 100_000.0 / events;
            BenignFilesWithDetections = files.Count(f => f.Label.Benign && f.Detections.Count > 0);
            SlowestRules = rules.Where(r => r.Seconds > 0).OrderByDescending(r => r.Seconds).Take(10).ToList();
            NoisiestRules = rules.Where(r => r.Matches > 0).OrderByDescending(r => r.Matches).Take(10).ToList();
            RuleMatchFiles = CountRuleFiles(files);
        }

        /// <summary>Per labeled file.</summary>
        public IReadOnlyList<FileResult> Files { get; }

        /// <summary>Per labeled tactic (Mixed and Other included), most files first.</summary>
        public IReadOnlyList<TacticRate> PerTactic { get; }

        /// <summary>All attack files.</summary>
        public TacticRate Overall { get; }

        /// <summary>Median detections per labeled file.</summary>
        public double MedianDetectionsPerFile { get; }

        /// <summary>Mean detections per labeled file.</summary>
        public double MeanDetectionsPerFile { get; }

        /// <summary>Detections per 100,000 events read.</summary>
        public double DetectionsPer100kEvents { get; }

        /// <summary>Per source of recordings (first path segment), in name order.</summary>
        public IReadOnlyList<SourceReport> PerSource { get; }

        /// <summary>Detections the labeling calls benign (<see cref="FileResult.FalseDetections"/>), over all labeled files.</summary>
        public int FalseDetections { get; }

        /// <summary>False detections per 100,000 events read from labeled files.</summary>
        public double FalseDetectionsPer100kEvents { get; }

        /// <summary>Detections without a process image (not placed by the shape test).</summary>
        public int UnattributedDetections { get; }

        /// <summary>Benign-labeled files with any detection (false positives at file level).</summary>
        public int BenignFilesWithDetections { get; }

        /// <summary>Corpus files without a label (scanned, not scored).</summary>
        public int UnlabeledFiles { get; }

        /// <summary>The ten rules that took the most time.</summary>
        public IReadOnlyList<RuleStatistics> SlowestRules { get; }

        /// <summary>The ten rules that matched most often.</summary>
        public IReadOnlyList<RuleStatistics> NoisiestRules { get; }

        /// <summary>Per rule id: in how many labeled files it contributed evidence.</summary>
        public IReadOnlyDictionary<string, int> RuleMatchFiles { get; }

        /// <summary>The scan's own figures.</summary>
        public ScanStatistics Scan { get; }

        /// <summary>The rules evaluated.</summary>
        public RuleSet RuleSet { get; }

        /// <summary>What the classifier did (Version null when none was loaded).</summary>
        public ClassifierHealth? Classifier { get; init; }

        /// <summary>Detections the classifier decided (named <c>!ml</c>).</summary>
        public int ModelDecided => Files.Sum(f => f.Detections.Count(d => d.Name.EndsWith("!ml", StringComparison.Ordinal)));

        /// <summary>Labeled tactic → detected tactic → files (a file counts once per detected tactic; "none" when nothing was detected).</summary>
        public IReadOnlyList<(string Label, string Detected, int Files)> Confusion()
        {
            var cells = new Dictionary<(string, string), int>();
            foreach (FileResult f in Files)
            {
                IEnumerable<string> detected = f.DetectedTactics.Count == 0 ? new[] { "none" } : f.DetectedTactics.Select(t => t.ToString());
                foreach (string d in detected)
                {
                    cells.TryGetValue((f.Label.Tactic, d), out int n);
                    cells[(f.Label.Tactic, d)] = n + 1;
                }
            }

            return cells.Select(c => (c.Key.Item1, c.Key.Item2, c.Value)).ToList();
        }

        internal static List<TacticRate> Rates(IEnumerable<FileResult> attack) =>
            attack.GroupBy(f => f.Label.Tactic)
                .Select(g => new TacticRate(g.Key, g.Count(), g.Count(f => f.Hit)))
                .OrderByDescending(r => r.Files).ThenBy(r => r.Tactic, StringComparer.Ordinal).ToList();

        private static Dictionary<string, int> CountRuleFiles(IReadOnlyList<FileResult> files)
        {
            var result = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (FileResult f in files)
            {
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (Detection d in f.Detections)
                {
                    foreach (Evidence e in d.Evidence)
                    {
                        if (e.Kind == "rule" && seen.Add(e.Id))
                        {
                            result.TryGetValue(e.Id, out int n);
                            result[e.Id] = n + 1;
                        }
                    }
                }
            }

            return result;
        }
    }

    /// <summary>
    /// Scores the detector on a labeled corpus: replays every recording, collects detections per
    /// file, and compares their tactics with the file labels.
    /// </summary>
    public static class CorpusEvaluator
    {
        /// <summary>Error id when a labels file does not have the expected columns.</summary>
        public const string LabelsInvalidErrorId = ErrorIds.LabelsInvalid;

        /// <summary>Reads <c>file,tactic,technique,benign</c> CSV (quoted fields allowed); paths relative to the corpus.</summary>
        public static IReadOnlyList<FileLabel> ReadLabels(string path)
        {
            var labels = new List<FileLabel>();
            int lineNumber = 0;
            foreach (string line in File.ReadLines(path))
            {
                lineNumber++;
                if (lineNumber == 1 || line.Trim().Length == 0)
                {
                    continue;
                }

                List<string> cells = SplitCsv(line);
                if (cells.Count < 4)
                {
                    throw new BehaviorBlockingException(LabelsInvalidErrorId, FailureKind.InvalidData,
                        $"{path}:{lineNumber}: expected file,tactic,technique,benign") { Target = path };
                }

                labels.Add(new FileLabel(cells[0].Replace('\\', '/'), cells[1], cells[2], cells[3].Trim() == "1"));
            }

            return labels;
        }

        /// <summary>Runs the evaluation with <paramref name="engine"/> (build it with <see cref="EngineOptions.MeasureRuleCost"/> for rule costs).</summary>
        public static EvaluationReport Run(string corpus, IReadOnlyList<FileLabel> labels, BehaviorEngine engine, Action<ReplayProblem> onProblem)
        {
            var byFile = new Dictionary<string, List<Detection>>(StringComparer.Ordinal);
            var counter = new EventCounter();
            string root = Path.GetFullPath(corpus);
            var labelled = new Dictionary<string, FileLabel>(StringComparer.Ordinal);
            foreach (FileLabel label in labels)
            {
                labelled[label.File] = label;
            }

            var shapes = new ShapeSpread(file => labelled.TryGetValue(Relative(root, file), out FileLabel? l) ? (l.Benign ? "Benign" : l.Tactic) : null);
            EngineRun run = engine.CreateRun(d =>
            {
                string key = d.SourceFile ?? string.Empty;
                if (!byFile.TryGetValue(key, out List<Detection>? list))
                {
                    list = new List<Detection>();
                    byFile[key] = list;
                }

                // A detection is emitted again when it grows; keep its latest version.
                int existing = list.FindIndex(x => x.Id == d.Id);
                if (existing >= 0)
                {
                    list[existing] = d;
                }
                else
                {
                    list.Add(d);
                }
            }, extraDetectors: new IDetector[] { counter, shapes });
            BehaviorPipeline pipeline = run.Pipeline;
            RuleSet rules = engine.Rules;
            ScanStatistics scan = new ReplayScanner(new WindowsEventNormalizer(), pipeline).Run(new[] { corpus }, onProblem);
            Func<Detection, bool?> isBackground = d => d.Image is null ? null : shapes.Spread(d.Image, d.CommandLine) >= TreeLabeler.BenignTacticSpread;
            var results = new List<FileResult>();
            var seenFiles = new HashSet<string>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, long> file in counter.EventsByFile)
            {
                string relative = Relative(root, file.Key);
                seenFiles.Add(relative);
                if (labelled.TryGetValue(relative, out FileLabel? label))
                {
                    byFile.TryGetValue(file.Key, out List<Detection>? found);
                    results.Add(new FileResult(label, file.Value, (IReadOnlyList<Detection>?)found ?? Array.Empty<Detection>(), isBackground));
                }
            }

            // Labeled files that produced no event still count (as misses).
            foreach (FileLabel label in labels)
            {
                if (!seenFiles.Contains(label.File) && File.Exists(Path.Combine(root, label.File)))
                {
                    results.Add(new FileResult(label, 0, Array.Empty<Detection>()));
                }
            }

            int unlabeled = seenFiles.Count(f => !labelled.ContainsKey(f));
            IReadOnlyList<RuleStatistics> ruleStatistics = run.RuleDetector?.Statistics() ?? Array.Empty<RuleStatistics>();
            return new EvaluationReport(results, ruleStatistics, scan, rules, unlabeled) { Classifier = run.Verdicts.ClassifierHealth };
        }

        /// <summary>A recording's path relative to the corpus folder, with forward slashes (as labels name it).</summary>
        public static string RelativePath(string corpus, string file) => Relative(Path.GetFullPath(corpus), file);

        private static string Relative(string root, string file)
        {
            string full = Path.GetFullPath(file);
            string relative = full.StartsWith(root, StringComparison.Ordinal) ? full.Substring(root.Length).TrimStart('/', '\\') : file;
            return relative.Replace('\\', '/');
        }

        private static List<string> SplitCsv(string line)
        {
            var cells = new List<string>();
            var cell = new StringBuilder();
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    {
                        cell.Append('"');
                        i++;
                    }
                    else if (c == '"')
                    {
                        quoted = false;
                    }
                    else
                    {
                        cell.Append(c);
                    }
                }
                else if (c == '"')
                {
                    quoted = true;
                }
                else if (c == ',')
                {
                    cells.Add(cell.ToString());
                    cell.Clear();
                }
                else
                {
                    cell.Append(c);
                }
            }

            cells.Add(cell.ToString());
            return cells;
        }

        /// <summary>
        /// Per process shape (image and command line, numbers and ids blanked, as <see cref="TreeLabeler.Shape(string?, string?)"/>):
        /// under how many different labels it was started, up to <see cref="TreeLabeler.BenignTacticSpread"/>.
        /// </summary>
        private sealed class ShapeSpread : IDetector
        {
            private readonly Func<string, string?> _labelOf;
            private readonly Dictionary<string, HashSet<string>> _spread = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            private string? _file;
            private string? _label;

            public ShapeSpread(Func<string, string?> labelOf) => _labelOf = labelOf;

            public string Name => "shape-spread";

            public string? Version => null;

            public int Spread(string image, string? commandLine) =>
                _spread.TryGetValue(TreeLabeler.Shape(image, commandLine), out HashSet<string>? labels) ? labels.Count : 0;

            public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
            {
                if (behaviorEvent.Kind != EventKind.ProcessStart || behaviorEvent.Image is null)
                {
                    return;
                }

                string file = behaviorEvent.SourceFile ?? string.Empty;
                if (!ReferenceEquals(file, _file))
                {
                    _file = file;
                    _label = _labelOf(file);
                }

                if (_label is null)
                {
                    return;
                }

                string shape = TreeLabeler.Shape(behaviorEvent.Image, behaviorEvent.CommandLine);
                if (!_spread.TryGetValue(shape, out HashSet<string>? labels))
                {
                    labels = new HashSet<string>(StringComparer.Ordinal);
                    _spread[shape] = labels;
                }

                if (labels.Count < TreeLabeler.BenignTacticSpread)
                {
                    labels.Add(_label);
                }
            }

            public void OnTreeClosed(ProcessTree tree)
            {
            }

            public void OnTreesMerged(ProcessTree from, ProcessTree into)
            {
            }

            public void OnRecordingEnd()
            {
            }
        }

        /// <summary>Counts events per source file (a detector that never reports).</summary>
        private sealed class EventCounter : IDetector
        {
            private string? _current;
            private long _count;

            public Dictionary<string, long> EventsByFile { get; } = new Dictionary<string, long>(StringComparer.Ordinal);

            public string Name => "event-counter";

            public string? Version => null;

            public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
            {
                string file = behaviorEvent.SourceFile ?? string.Empty;
                if (!ReferenceEquals(file, _current))
                {
                    Flush();
                    _current = file;
                }

                _count++;
            }

            public void OnTreeClosed(ProcessTree tree)
            {
            }

            public void OnTreesMerged(ProcessTree from, ProcessTree into)
            {
            }

            public void OnRecordingEnd() => Flush();

            private void Flush()
            {
                if (_current is not null && _count > 0)
                {
                    EventsByFile.TryGetValue(_current, out long n);
                    EventsByFile[_current] = n + _count;
                }

                _count = 0;
            }
        }
    }
}
