using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock scan</c>: replay recorded telemetry through the engine (an adapter over <see cref="ScanService"/>).</summary>
    internal static class ScanCommand
    {
        private const int ProblemsShown = 50;

        public static Command Create(CliConsole console)
        {
            var paths = new Argument<string[]>("path")
            {
                Description = "Recordings: JSON Lines or event XML files (optionally .gz), directories read recursively, FIFOs, or - for standard input.",
                Arity = ArgumentArity.OneOrMore,
            };
            Option<OutputFormat> format = CliOptions.Format();
            var stats = new Option<bool>("--stats") { Description = "Print counts per event kind, processes, trees, malformed records and events/s to stderr." };
            Option<string?> store = CliOptions.Store();
            var noStore = new Option<bool>("--no-store") { Description = "Do not write detections to the store, and do not read its indicators (no kill-on-start what-if)." };
            var policy = new Option<string?>("--policy")
            {
                Description = "Policy file (JSON, docs/policy.md) to apply as a what-if. Default: the policy in force (policy.json in the product folder), else Audit.",
            };
            var command = new Command("scan", "Replay recorded telemetry and report detections.") { paths, format, stats, store, noStore, policy };
            var rules = new RuleOptions();
            rules.AddTo(command);
            command.Validators.Add(result =>
            {
                // GetResult, not GetValue: a --store given twice is reported by the parser, not thrown here.
                if (result.GetResult(store) is not null && result.GetValue(noStore))
                {
                    result.AddError("--store and --no-store cannot be used together.");
                }
            });
            command.SetAction(parsed =>
            {
                // A --policy file that cannot be used ends the command (PolicyFileInvalid with its position) before anything is read.
                // The store's indicators take part: the policy looks them up (allow excludes, block blocks) and the
                // kill-on-start detector raises a verdict when a blocked hash or path starts in the recording.
                string? storePath = parsed.GetValue(noStore) ? null : CliOptions.StorePath(parsed.GetValue(store));
                ReplaySetup setup = ReplaySetup.For(parsed.GetValue(policy), storePath, console.ExtraDetectors);
                foreach (string warning in setup.Warnings)
                {
                    console.Error.WriteLine("behaviorblock: warning: " + warning);
                }

                Policy.BlockingPolicy scanPolicy = setup.Policy;
                Func<IReadOnlyList<IDetector>>? detectors = setup.Detectors;
                using BehaviorEngine engine = rules.Build(parsed, console, policy: scanPolicy, extraDetectors: detectors);
                return Run(console, engine, parsed.GetValue(paths)!, parsed.GetValue(format), parsed.GetValue(stats), storePath);
            });
            return command;
        }

        private static int Run(CliConsole console, BehaviorEngine engine, string[] paths, OutputFormat format, bool showStats, string? storePath)
        {
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
                console.Error.WriteLine("behaviorblock: stopping; what was read is still reported and stored.");
            };
            Console.CancelKeyPress += onCancel;
            var observer = new Observer(console, format);
            try
            {
                // The what-if report asks this machine's file guard rails, so a quarantine or hash block that would be refused says so.
                var request = new ScanRequest { Paths = paths, StorePath = storePath, FileGuardRails = console.GuardRails() };
                ScanResult result = ScanService.Run(engine, request, observer, cancel.Token);
                ScanStatistics statistics = result.Statistics;
                if (observer.Problems > ProblemsShown)
                {
                    console.Error.WriteLine($"behaviorblock: warning: {observer.Problems - ProblemsShown} more problems not shown.");
                }

                if (format == OutputFormat.Table)
                {
                    DetectionTable.Write(console.Out, observer.Shown);
                    console.Out.WriteLine($"{statistics.Detections} detection(s) in {statistics.Events:N0} events from {statistics.Files} file(s).");
                }

                // What failed inside the engine is said out loud, not only in --stats (a failed model's verdicts are !rule).
                foreach (string warning in result.Warnings())
                {
                    console.Error.WriteLine("behaviorblock: warning: " + warning);
                }

                if (showStats)
                {
                    StatsWriter.Write(console.Error, statistics, storePath);
                    console.Error.WriteLine($"  rules          {engine.Rules.Rules.Count:N0} loaded, {engine.Rules.Skipped.Count:N0} skipped (rule set {engine.Rules.Version})");
                    if (result.Rules is RuleHealth rules)
                    {
                        console.Error.WriteLine($"  rule timeouts  {rules.RegexTimeouts:N0} regex timeouts in {rules.RulesTimedOut:N0} rule(s), {rules.Disabled.Count:N0} rule(s) disabled");
                    }

                    console.Error.WriteLine("  classifier     " + ClassifierState(result.Classifier));
                    console.Error.WriteLine($"  verdicts       {result.Verdicts.Raised:N0} raised, {result.Verdicts.Events:N0} verdict events");
                }

                if (statistics.NothingRead)
                {
                    console.Error.WriteLine("behaviorblock: no input could be read.");
                    return Program.ExitNoInput;
                }

                if (result.StoreFailure is not null)
                {
                    // The failure itself was reported when it happened; this is what it cost.
                    console.Error.WriteLine($"behaviorblock: {result.UnstoredDetections:N0} of the {result.StoredDetections + result.UnstoredDetections:N0} detection(s) reported "
                        + $"are not in the store '{storePath}' (it failed during the scan, see above).");
                    return Program.ExitFailed;
                }

                return Program.ExitOk;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }

        internal static string ClassifierState(ClassifierHealth? health)
        {
            if (health?.Version is null)
            {
                return "none (rules alone, !rule verdicts)";
            }

            string failures = health.Failures == 0 ? string.Empty : $", {health.Failures:N0} failures (first: {health.FirstError})";
            string disabled = health.Disabled ? "; switched off after failing again and again, the rest ran on rules alone" : string.Empty;
            return $"model {health.Version}: {health.Scored:N0} verdicts scored, {health.Decided:N0} decided (!ml){failures}{disabled}";
        }

        /// <summary>Writes detections as they become final (JSON Lines) or keeps them for the table; warns about problems.</summary>
        private sealed class Observer : IScanObserver
        {
            private readonly CliConsole _console;
            private readonly OutputFormat _format;

            public Observer(CliConsole console, OutputFormat format)
            {
                _console = console;
                _format = format;
            }

            public List<Detection> Shown { get; } = new List<Detection>();

            public int Problems { get; private set; }

            public void OnDetection(Detection detection)
            {
                if (_format == OutputFormat.Jsonl)
                {
                    _console.Out.WriteLine(DetectionJson.Serialize(detection));
                }
                else
                {
                    Shown.Add(detection);
                }
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem)
            {
                if (++Problems <= ProblemsShown)
                {
                    _console.Error.WriteLine("behaviorblock: warning: " + problem);
                }
            }

            public void OnProgress(ScanProgress progress)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
                _console.Fail(error);
                _console.Error.WriteLine("behaviorblock: the scan goes on without the store: detections are still reported, but no longer stored.");
            }
        }
    }
}
