using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock scan</c>: replay recorded telemetry through the engine.</summary>
    internal static class ScanCommand
    {
        private const int ProblemsShown = 50;
        private const int StoreBatch = 500;

        public static Command Create(CliConsole console)
        {
            var paths = new Argument<string[]>("path")
            {
                Description = "Recordings: JSON Lines or event XML files (optionally .gz), or directories read recursively.",
                Arity = ArgumentArity.OneOrMore,
            };
            Option<OutputFormat> format = CliOptions.Format();
            var stats = new Option<bool>("--stats") { Description = "Print counts per event kind, processes, trees, malformed records and events/s to stderr." };
            Option<string?> store = CliOptions.Store();
            var noStore = new Option<bool>("--no-store") { Description = "Do not write detections to the store." };
            var command = new Command("scan", "Replay recorded telemetry and report detections.") { paths, format, stats, store, noStore };
            var rules = new RuleOptions();
            rules.AddTo(command);
            command.Validators.Add(result =>
            {
                if (result.GetValue(store) is not null && result.GetValue(noStore))
                {
                    result.AddError("--store and --no-store cannot be used together.");
                }
            });
            command.SetAction(parsed => Run(
                console,
                rules.Load(parsed, console),
                rules.LoadModel(parsed, console),
                parsed.GetValue(paths)!,
                parsed.GetValue(format),
                parsed.GetValue(stats),
                parsed.GetValue(noStore) ? null : CliOptions.StorePath(parsed.GetValue(store))));
            return command;
        }

        private static int Run(CliConsole console, RuleSet ruleSet, ITreeClassifier? classifier, string[] paths, OutputFormat format, bool showStats, string? storePath)
        {
            DetectionStore? store = null;
            if (storePath is not null)
            {
                try
                {
                    store = DetectionStore.Open(storePath);
                }
                catch (BehaviorBlockingException ex)
                {
                    console.Fail(ex);
                    return Program.ExitNoInput;
                }
            }

            using (store)
            using (var cancel = new CancellationTokenSource())
            {
                ConsoleCancelEventHandler onCancel = (_, e) =>
                {
                    e.Cancel = true;
                    cancel.Cancel();
                    console.Error.WriteLine("behaviorblock: stopping; what was read is still reported and stored.");
                };
                Console.CancelKeyPress += onCancel;
                var started = DateTimeOffset.UtcNow;
                var pending = new List<Detection>();
                var shown = new List<Detection>();
                int problems = 0;
                try
                {
                    void Emit(Detection detection)
                    {
                        if (format == OutputFormat.Jsonl)
                        {
                            console.Out.WriteLine(DetectionJson.Serialize(detection));
                        }
                        else
                        {
                            shown.Add(detection);
                        }

                        if (store is not null)
                        {
                            pending.Add(detection);
                            if (pending.Count >= StoreBatch)
                            {
                                store.Upsert(pending);
                                pending.Clear();
                            }
                        }
                    }

                    void OnProblem(ReplayProblem problem)
                    {
                        if (++problems <= ProblemsShown)
                        {
                            console.Error.WriteLine("behaviorblock: warning: " + problem);
                        }
                    }

                    var pipeline = new BehaviorPipeline(RuleOptions.Detectors(ruleSet, console, classifier, out RuleDetector? ruleDetector), Emit);
                    var scanner = new ReplayScanner(new WindowsEventNormalizer(), pipeline);
                    ScanStatistics result = scanner.Run(paths, OnProblem, cancel.Token);
                    if (store is not null)
                    {
                        store.Upsert(pending);
                        pending.Clear();
                        store.RecordScan(new ScanRecord
                        {
                            Started = started,
                            Finished = DateTimeOffset.UtcNow,
                            Inputs = paths,
                            Files = result.Files,
                            Events = result.Events,
                            Malformed = result.Malformed,
                            Detections = result.Detections,
                        });
                    }

                    if (problems > ProblemsShown)
                    {
                        console.Error.WriteLine($"behaviorblock: warning: {problems - ProblemsShown} more problems not shown.");
                    }

                    if (format == OutputFormat.Table)
                    {
                        DetectionTable.Write(console.Out, shown);
                        console.Out.WriteLine($"{result.Detections} detection(s) in {result.Events:N0} events from {result.Files} file(s).");
                    }

                    foreach (DetectorHealth health in result.Detectors.Where(h => h.Failures > 0))
                    {
                        console.Error.WriteLine($"behaviorblock: warning: detector {health.Name} failed {health.Failures} time(s); first: {health.FirstError}");
                    }

                    if (showStats)
                    {
                        StatsWriter.Write(console.Error, result, storePath);
                        console.Error.WriteLine($"  rules          {ruleSet.Rules.Count:N0} loaded, {ruleSet.Skipped.Count:N0} skipped (rule set {ruleSet.Version})");
                        console.Error.WriteLine("  classifier     " + ClassifierState(ruleDetector));
                    }

                    if (result.NothingRead)
                    {
                        console.Error.WriteLine("behaviorblock: no input could be read.");
                        return Program.ExitNoInput;
                    }

                    return Program.ExitOk;
                }
                catch (BehaviorBlockingException ex)
                {
                    // Detections already emitted stay written; flush what is pending before failing.
                    TryFlush(store, pending, console);
                    console.Fail(ex);
                    return Program.ExitNoInput;
                }
                finally
                {
                    Console.CancelKeyPress -= onCancel;
                }
            }
        }

        internal static string ClassifierState(RuleDetector? detector)
        {
            ClassifierHealth? health = detector?.ClassifierHealth;
            if (health?.Version is null)
            {
                return "none (rules alone, !rule verdicts)";
            }

            string failures = health.Failures == 0 ? string.Empty : $", {health.Failures:N0} failures (first: {health.FirstError})";
            return $"model {health.Version}: {health.Scored:N0} verdicts scored, {health.Decided:N0} decided (!ml){failures}";
        }

        private static void TryFlush(DetectionStore? store, List<Detection> pending, CliConsole console)
        {
            if (store is null || pending.Count == 0)
            {
                return;
            }

            try
            {
                store.Upsert(pending);
            }
            catch (BehaviorBlockingException ex)
            {
                console.Fail(ex);
            }
        }
    }
}
