using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// One rule file's verdict from the engine's loader: the rule it holds (or the id read before it failed), whether it
    /// loads and why not; with recordings, how many of their events it was tried on and matched.
    /// </summary>
    public sealed class RuleCheck
    {
        internal RuleCheck(string file, string? ruleId, string? title, Tactic? tactic, bool loaded, string? reason, int? line, long? evaluations, long? matches)
        {
            File = file;
            RuleId = ruleId;
            Title = title;
            Tactic = tactic;
            Loaded = loaded;
            Reason = reason;
            Line = line;
            Evaluations = evaluations;
            Matches = matches;
        }

        /// <summary>The rule file.</summary>
        public string File { get; }

        /// <summary>The rule id, when it could be read.</summary>
        public string? RuleId { get; }

        /// <summary>The title of a rule that loads.</summary>
        public string? Title { get; }

        /// <summary>The tactic of a rule that loads.</summary>
        public Tactic? Tactic { get; }

        /// <summary>True when the engine loads the rule.</summary>
        public bool Loaded { get; }

        /// <summary>Why the rule is skipped; null when it loads.</summary>
        public string? Reason { get; }

        /// <summary>The line the reason is about, where known.</summary>
        public int? Line { get; }

        /// <summary>With recordings: the events the rule was tried on (its log source matched); otherwise null.</summary>
        public long? Evaluations { get; }

        /// <summary>With recordings: the events it matched (a correlation: the times it fired); otherwise null.</summary>
        public long? Matches { get; }
    }

    /// <summary>Checks rule files with the engine's own loader and, optionally, replays recordings against only those rules.</summary>
    public static class RuleChecker
    {
        /// <summary>
        /// Loads the rules under <paramref name="rulePaths"/> (files or directories) and, when <paramref name="recordings"/>
        /// are given, replays them through an engine with only those rules (no model, no store, nothing acted on).
        /// </summary>
        /// <param name="rulePaths">Rule files or directories.</param>
        /// <param name="recordings">Recorded telemetry to replay, or null.</param>
        /// <param name="onProblem">Receives each problem reading a recording (malformed record, unreadable file).</param>
        /// <param name="cancellationToken">Stops the replay.</param>
        public static IReadOnlyList<RuleCheck> Check(IReadOnlyList<string> rulePaths, IReadOnlyList<string>? recordings, Action<ReplayProblem>? onProblem = null,
            CancellationToken cancellationToken = default)
        {
            if (rulePaths is null || rulePaths.Count == 0)
            {
                throw new ArgumentException("At least one rule file or directory is required.", nameof(rulePaths));
            }

            RuleSet rules = RuleSet.Load(rulePaths.Select(p => new RuleSource(p, p)));
            Dictionary<string, RuleStatistics>? statistics = null;
            if (recordings is not null && recordings.Count > 0 && rules.Rules.Count > 0)
            {
                using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { BuiltInRules = false, RuleDirectories = rulePaths.ToArray(), UseModel = false });
                ScanResult result = ScanService.Run(engine, new ScanRequest { Paths = recordings }, new ProblemObserver(onProblem), cancellationToken);
                statistics = new Dictionary<string, RuleStatistics>(StringComparer.Ordinal);
                foreach (RuleStatistics rule in result.RuleStatistics)
                {
                    statistics[rule.Rule.SourceFile + "\n" + rule.Rule.Id] = rule;
                }
            }

            var checks = new List<RuleCheck>();
            foreach (SigmaRule rule in rules.Rules)
            {
                RuleStatistics? hit = null;
                statistics?.TryGetValue(rule.SourceFile + "\n" + rule.Id, out hit);
                long? evaluations = statistics is null ? (long?)null : hit?.Evaluations ?? 0;
                long? matches = statistics is null ? (long?)null : hit?.Matches ?? 0;
                checks.Add(new RuleCheck(rule.SourceFile, rule.Id, rule.Title, rule.Tactic, true, null, null, evaluations, matches));
            }

            foreach (RuleLoadIssue issue in rules.Skipped)
            {
                checks.Add(new RuleCheck(issue.File, issue.RuleId, null, null, false, issue.Reason, issue.Line, null, null));
            }

            return checks.OrderBy(c => c.File, StringComparer.Ordinal).ThenBy(c => c.RuleId, StringComparer.Ordinal).ToList();
        }

        private sealed class ProblemObserver : IScanObserver
        {
            private readonly Action<ReplayProblem>? _onProblem;

            public ProblemObserver(Action<ReplayProblem>? onProblem) => _onProblem = onProblem;

            public void OnDetection(Detection detection)
            {
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem) => _onProblem?.Invoke(problem);

            public void OnProgress(ScanProgress progress)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
            }
        }
    }
}
