using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
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
        internal RuleStatistics(SigmaRule rule, long evaluations, long matches, double seconds, long timeouts = 0, bool disabled = false)
        {
            Rule = rule;
            Evaluations = evaluations;
            Matches = matches;
            Seconds = seconds;
            Timeouts = timeouts;
            Disabled = disabled;
        }

        /// <summary>The rule.</summary>
        public SigmaRule Rule { get; }

        /// <summary>Events it was tried on.</summary>
        public long Evaluations { get; }

        /// <summary>Events it matched (correlations: times they fired).</summary>
        public long Matches { get; }

        /// <summary>Time spent evaluating it (only when measured).</summary>
        public double Seconds { get; }

        /// <summary>Times one of its regular expressions ran past the timeout.</summary>
        public long Timeouts { get; }

        /// <summary>True when its timeouts disabled it for the rest of the run.</summary>
        public bool Disabled { get; }
    }

    /// <summary>Regex timeouts of a run: how many, in how many rules, which rules they disabled, and the first one.</summary>
    public sealed class RuleHealth
    {
        internal RuleHealth(long timeouts, int rulesTimedOut, IReadOnlyList<SigmaRule> disabled, string? firstTimeout)
        {
            RegexTimeouts = timeouts;
            RulesTimedOut = rulesTimedOut;
            Disabled = disabled;
            FirstTimeout = firstTimeout;
        }

        /// <summary>Regex evaluations that ran past the timeout.</summary>
        public long RegexTimeouts { get; }

        /// <summary>Rules with at least one timeout.</summary>
        public int RulesTimedOut { get; }

        /// <summary>Rules disabled for the rest of the run after <see cref="RuleLimits.MaxRegexTimeoutsPerRule"/> timeouts the linear-time engine could not take over.</summary>
        public IReadOnlyList<SigmaRule> Disabled { get; }

        /// <summary>The first timeout: rule, file, field, and what became of it.</summary>
        public string? FirstTimeout { get; }
    }

    /// <summary>
    /// Runs a <see cref="RuleSet"/> over the event stream and emits a signal for every match (and
    /// every completed correlation): the rule, its tactic and techniques, the event and its
    /// process. Verdicts are built elsewhere (<see cref="Verdicts.VerdictEngine"/>).
    /// A rule whose regex times out costs only that rule: the others still run on the event. The regex
    /// switches to the linear-time engine when it can and the rule is evaluated again; when it cannot,
    /// the rule does not match that event, and after <see cref="RuleLimits.MaxRegexTimeoutsPerRule"/>
    /// such timeouts it is disabled for the run, so it stops costing a timeout per event. All of it is
    /// counted per rule (<see cref="Statistics"/>, <see cref="Health"/>) and in the detector's health.
    /// </summary>
    public sealed class RuleDetector : IDetector, IReportsContainedFailures
    {
        /// <summary>Evaluations of one rule on one event while its regexes switch to the linear-time engine.</summary>
        private const int MaxAttempts = 4;

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
        private readonly long[] _timeouts;
        private readonly int[] _unrecovered;
        private readonly bool[] _disabled;
        private long _timeoutTotal;
        private int _current;
        private string? _firstTimeout;

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
            _timeouts = new long[rules.Compiled.Count];
            _unrecovered = new int[rules.Compiled.Count];
            _disabled = new bool[rules.Compiled.Count];
        }

        /// <inheritdoc />
        public string Name => "rules";

        /// <inheritdoc />
        public string? Version => _rules.Version;

        /// <summary>The rules it runs.</summary>
        public RuleSet Rules => _rules;

        /// <inheritdoc />
        long IReportsContainedFailures.ContainedFailures => _timeoutTotal;

        /// <inheritdoc />
        string? IReportsContainedFailures.FirstContainedFailure => _firstTimeout;

        /// <summary>Regex timeouts so far, and the rules they disabled.</summary>
        public RuleHealth Health()
        {
            var disabled = new List<SigmaRule>();
            int timedOut = 0;
            for (int i = 0; i < _timeouts.Length; i++)
            {
                timedOut += _timeouts[i] > 0 ? 1 : 0;
                if (_disabled[i])
                {
                    disabled.Add(_rules.Compiled[i].Rule);
                }
            }

            return new RuleHealth(_timeoutTotal, timedOut, disabled, _firstTimeout);
        }

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
                result.Add(new RuleStatistics(_rules.Compiled[i].Rule, _evaluations[i], _matches[i], _ticks[i] / (double)Stopwatch.Frequency, _timeouts[i], _disabled[i]));
            }

            for (int i = 0; i < _rules.Correlations.Count; i++)
            {
                result.Add(new RuleStatistics(_rules.Correlations[i].Rule, 0, _correlationFires[i], 0));
            }

            return result;
        }

        private void Evaluate(CandidatePlan plan, BehaviorEvent e, ProcessNode? process, ISignalSink sink)
        {
            int[] found = _found[plan.Id] ??= new int[plan.NeedleCount];
            int stamp = ++_stamp;
            if (plan.Scans.Length > 0)
            {
                plan.Scan(e, found, stamp);
            }

            // The handler sits outside the loop, which keeps exception handling out of the hot path; after
            // a timeout the rule is dealt with and the loop resumes with the next one.
            int next = 0;
            while (next < plan.Entries.Length)
            {
                try
                {
                    next = EvaluateFrom(plan, next, found, stamp, e, process, sink);
                }
                catch (RuleRegexTimeoutException timeout)
                {
                    int current = _current;
                    CompiledRule rule = plan.Entries[current].Rule;
                    if (AfterTimeout(rule, e, timeout))
                    {
                        OnMatch(rule, e, process, sink);
                    }

                    next = current + 1;
                }
            }
        }

        /// <summary>Evaluates the plan's entries from <paramref name="start"/>; returns past the last.</summary>
        private int EvaluateFrom(CandidatePlan plan, int start, int[] found, int stamp, BehaviorEvent e, ProcessNode? process, ISignalSink sink)
        {
            bool measure = _options.MeasureRuleCost;
            RuleEntry[] entries = plan.Entries;
            for (int i = start; i < entries.Length; i++)
            {
                RuleEntry entry = entries[i];
                if ((entry.Kind is not null && entry.Kind != e.Kind) || !plan.MayMatch(i, found, stamp))
                {
                    continue;
                }

                CompiledRule rule = entry.Rule;
                int ordinal = rule.Ordinal;
                if (_disabled[ordinal])
                {
                    continue;
                }

                _evaluations[ordinal]++;
                _current = i;
                long begin = measure ? Stopwatch.GetTimestamp() : 0;
                bool matched = rule.Condition.IsMatch(e);
                if (measure)
                {
                    _ticks[ordinal] += Stopwatch.GetTimestamp() - begin;
                }

                if (matched)
                {
                    OnMatch(rule, e, process, sink);
                }
            }

            return entries.Length;
        }

        private void OnMatch(CompiledRule rule, BehaviorEvent e, ProcessNode? process, ISignalSink sink)
        {
            _matches[rule.Ordinal]++;
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

        /// <summary>Counts a timeout and evaluates the rule again while its regexes switch to the linear-time engine; false when it cannot be judged.</summary>
        private bool AfterTimeout(CompiledRule rule, BehaviorEvent e, RuleRegexTimeoutException timeout)
        {
            for (int attempt = 1; ; attempt++)
            {
                int ordinal = rule.Ordinal;
                _timeouts[ordinal]++;
                _timeoutTotal++;
                bool again = timeout.Recovered && attempt < MaxAttempts;
                if (!again)
                {
                    _unrecovered[ordinal]++;
                    _disabled[ordinal] = _unrecovered[ordinal] >= RuleLimits.MaxRegexTimeoutsPerRule;
                }

                _firstTimeout ??= string.Format(CultureInfo.InvariantCulture, "rule '{0}' ({1}, {2}): {3}; {4}",
                    RuleCompiler.Shorten(rule.Rule.Title), RuleCompiler.Shorten(rule.Rule.Id), rule.Rule.SourceFile, timeout.Message,
                    again ? "it now runs on the linear-time engine" : "the rule did not match that event, and is disabled after "
                        + RuleLimits.MaxRegexTimeoutsPerRule.ToString(CultureInfo.InvariantCulture) + " such timeouts");
                if (!again)
                {
                    return false;
                }

                try
                {
                    return rule.Condition.IsMatch(e);
                }
                catch (RuleRegexTimeoutException next)
                {
                    timeout = next;
                }
            }
        }
    }
}
