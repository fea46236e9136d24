using System;
using System.Collections.Generic;
using System.Diagnostics;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Rules
{
    /// <summary>Settings of the rule detector.</summary>
    public sealed class RuleDetectorOptions
    {
        /// <summary>Time each rule's evaluation (for <c>behaviorblock evaluate</c>'s slowest rules); costs ~40 ns per rule tried.</summary>
        public bool MeasureRuleCost { get; init; }
    }

    /// <summary>Evaluation cost and matches of one rule over a run.</summary>
    public sealed class RuleStatistics
    {
        internal RuleStatistics(SigmaRule rule, long evaluations, long matches, double seconds)
        {
            Rule = rule;
            Evaluations = evaluations;
            Matches = matches;
            Seconds = seconds;
        }

        /// <summary>The rule.</summary>
        public SigmaRule Rule { get; }

        /// <summary>Events it was tried on.</summary>
        public long Evaluations { get; }

        /// <summary>Events it matched (correlations: times they fired).</summary>
        public long Matches { get; }

        /// <summary>Time spent evaluating it (only when measured).</summary>
        public double Seconds { get; }
    }

    /// <summary>
    /// Runs a <see cref="RuleSet"/> over the event stream and emits a signal for every match (and
    /// every completed correlation): the rule, its tactic and techniques, the event and its
    /// process. Verdicts are built elsewhere (<see cref="Verdicts.VerdictEngine"/>).
    /// </summary>
    public sealed class RuleDetector : IDetector
    {
        private readonly RuleSet _rules;
        private readonly RuleDetectorOptions _options;
        private readonly CorrelationState _correlations = new CorrelationState();
        private readonly int[]?[] _found;
        private int _stamp;
        private readonly List<CompiledCorrelation> _fired = new List<CompiledCorrelation>();
        private readonly long[] _evaluations;
        private readonly long[] _matches;
        private readonly long[] _ticks;
        private readonly long[] _correlationFires;

        /// <summary>Creates a detector over a loaded rule set.</summary>
        public RuleDetector(RuleSet rules, RuleDetectorOptions? options = null)
        {
            _rules = rules ?? throw new ArgumentNullException(nameof(rules));
            _options = options ?? new RuleDetectorOptions();
            _found = new int[rules.PlanCount][];
            _evaluations = new long[rules.Compiled.Count];
            _matches = new long[rules.Compiled.Count];
            _ticks = new long[rules.Compiled.Count];
            _correlationFires = new long[rules.Correlations.Count];
        }

        /// <inheritdoc />
        public string Name => "rules";

        /// <inheritdoc />
        public string? Version => _rules.Version;

        /// <summary>The rules it runs.</summary>
        public RuleSet Rules => _rules;

        /// <inheritdoc />
        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
        {
            CandidateLists candidates = _rules.Candidates(behaviorEvent);
            if (candidates.ById is not null)
            {
                Evaluate(candidates.ById, behaviorEvent, process, sink);
            }

            if (candidates.Any is not null)
            {
                Evaluate(candidates.Any, behaviorEvent, process, sink);
            }
        }

        /// <inheritdoc />
        public void OnTreeClosed(ProcessTree tree) => _correlations.OnTreeClosed(tree);

        /// <inheritdoc />
        public void OnTreesMerged(ProcessTree from, ProcessTree into) => _correlations.OnTreesMerged(from, into);

        /// <inheritdoc />
        public void OnRecordingEnd() => _correlations.Clear();

        /// <summary>Per rule: evaluations, matches and (when measured) time, over everything seen so far.</summary>
        public IReadOnlyList<RuleStatistics> Statistics()
        {
            var result = new List<RuleStatistics>();
            for (int i = 0; i < _rules.Compiled.Count; i++)
            {
                result.Add(new RuleStatistics(_rules.Compiled[i].Rule, _evaluations[i], _matches[i], _ticks[i] / (double)Stopwatch.Frequency));
            }

            for (int i = 0; i < _rules.Correlations.Count; i++)
            {
                result.Add(new RuleStatistics(_rules.Correlations[i].Rule, 0, _correlationFires[i], 0));
            }

            return result;
        }

        private void Evaluate(CandidatePlan plan, BehaviorEvent e, ProcessNode? process, ISignalSink sink)
        {
            bool measure = _options.MeasureRuleCost;
            int[] found = _found[plan.Id] ??= new int[plan.NeedleCount];
            int stamp = ++_stamp;
            if (plan.Scans.Length > 0)
            {
                plan.Scan(e, found, stamp);
            }

            RuleEntry[] entries = plan.Entries;
            for (int i = 0; i < entries.Length; i++)
            {
                RuleEntry entry = entries[i];
                if ((entry.Kind is not null && entry.Kind != e.Kind) || !plan.MayMatch(i, found, stamp))
                {
                    continue;
                }

                CompiledRule rule = entry.Rule;
                int ordinal = rule.Ordinal;
                _evaluations[ordinal]++;
                long start = measure ? Stopwatch.GetTimestamp() : 0;
                bool matched = rule.Condition.IsMatch(e);
                if (measure)
                {
                    _ticks[ordinal] += Stopwatch.GetTimestamp() - start;
                }

                if (!matched)
                {
                    continue;
                }

                _matches[ordinal]++;
                if (!rule.Suppressed)
                {
                    sink.Signal(rule.Rule, e, process);
                }

                if (rule.Correlations.Count > 0)
                {
                    _fired.Clear();
                    _correlations.OnMatch(rule, e, process, _fired);
                    foreach (CompiledCorrelation correlation in _fired)
                    {
                        _correlationFires[correlation.Ordinal]++;
                        sink.Signal(correlation.Rule, e, process);
                    }
                }
            }
        }
    }
}
