using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Engine
{
    /// <summary>Whether a rule file's rule loaded.</summary>
    public enum RuleTestStatus
    {
        /// <summary>The rule loaded and the engine would run it.</summary>
        Loaded,

        /// <summary>The rule was skipped; the reason says why.</summary>
        Skipped,
    }

    /// <summary>One rule of a tested rule file: whether it loads and, after a replay, how many events it matched.</summary>
    public sealed class RuleTestResult
    {
        internal RuleTestResult(string file, string? ruleId, string? title, RuleTestStatus status, string? reason, int? line, string? recordPath, long? matches)
        {
            File = file;
            RuleId = ruleId;
            Title = title;
            Status = status;
            Reason = reason;
            Line = line;
            RecordPath = recordPath;
            Matches = matches;
        }

        /// <summary>The rule file.</summary>
        public string File { get; }

        /// <summary>The rule's id; null when the file was skipped before the id was read.</summary>
        public string? RuleId { get; }

        /// <summary>The rule's title; null when skipped.</summary>
        public string? Title { get; }

        /// <summary>Loaded or skipped.</summary>
        public RuleTestStatus Status { get; }

        /// <summary>Why the rule was skipped; null when it loaded.</summary>
        public string? Reason { get; }

        /// <summary>The line of the file the reason points at, when known.</summary>
        public int? Line { get; }

        /// <summary>The recording replayed against the rules; null when none was.</summary>
        public string? RecordPath { get; }

        /// <summary>How many events of the recording the rule matched; null when no recording was replayed or the rule did not load.</summary>
        public long? Matches { get; }
    }

    /// <summary>Checks Sigma rule files with the engine's loader (<see cref="RuleSet.Load(IEnumerable{RuleSource})"/>) and replays a recording against only those rules.</summary>
    public static class RuleTester
    {
        /// <summary>
        /// Loads the rules at <paramref name="paths"/> (files or directories) and returns one result per rule or skipped file,
        /// in file order. With <paramref name="recordPath"/>, the recording (JSONL or XML, as a scan reads it) is replayed
        /// through the rule detector with only these rules, and each loaded rule's matches are counted.
        /// </summary>
        /// <param name="paths">Rule files or directories.</param>
        /// <param name="recordPath">A recording to replay, or null.</param>
        /// <param name="onProblem">Receives each bad record of the recording (it is skipped, as a scan skips it).</param>
        /// <param name="cancellationToken">Stops the replay.</param>
        /// <exception cref="BehaviorBlockingException"><c>InputNotFound</c> when the recording does not exist.</exception>
        public static IReadOnlyList<RuleTestResult> Test(IReadOnlyList<string> paths, string? recordPath = null, Action<ReplayProblem>? onProblem = null,
            CancellationToken cancellationToken = default)
        {
            if (paths is null)
            {
                throw new ArgumentNullException(nameof(paths));
            }

            RuleSet rules = RuleSet.Load(paths.Select(path => new RuleSource(path, path)));
            Dictionary<string, long>? matches = recordPath is null ? null : Replay(rules, recordPath, onProblem ?? (_ => { }), cancellationToken);
            var results = new List<RuleTestResult>();
            foreach (SigmaRule rule in rules.Rules)
            {
                long? count = matches is null ? null : matches.TryGetValue(rule.Id, out long n) ? n : 0;
                results.Add(new RuleTestResult(rule.SourceFile, rule.Id, rule.Title, RuleTestStatus.Loaded, null, null, recordPath, count));
            }

            foreach (RuleLoadIssue issue in rules.Skipped)
            {
                results.Add(new RuleTestResult(issue.File, issue.RuleId, null, RuleTestStatus.Skipped, issue.Reason, issue.Line, recordPath, null));
            }

            return results.OrderBy(r => r.File, StringComparer.Ordinal).ToList();
        }

        private static Dictionary<string, long> Replay(RuleSet rules, string recordPath, Action<ReplayProblem> onProblem, CancellationToken cancellationToken)
        {
            if (!File.Exists(recordPath))
            {
                throw new BehaviorBlockingException(ErrorIds.InputNotFound, FailureKind.NotFound, $"no recording at '{recordPath}'") { Target = recordPath };
            }

            var detector = new RuleDetector(rules);
            var pipeline = new BehaviorPipeline(new IDetector[] { detector }, _ => { });
            var normalizer = new WindowsEventNormalizer();
            using (FileStream stream = File.OpenRead(recordPath))
            {
                IRecordReader reader = ReplayInputs.Open(stream, recordPath, onProblem, new Utf8StringCache(), 16 * 1024 * 1024);
                for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    pipeline.Process(normalizer.Normalize(record));
                }
            }

            pipeline.EndRecording();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (RuleStatistics statistics in detector.Statistics())
            {
                counts[statistics.Rule.Id] = statistics.Matches;
            }

            return counts;
        }
    }
}
