using System;
using System.Globalization;

namespace BehaviorBlocking.Policy
{
    /// <summary>An execution about to happen, as the exec guard sees it before the kernel lets it run.</summary>
    public sealed class ExecutionRequest
    {
        /// <summary>Creates a request.</summary>
        public ExecutionRequest(int processId, string? actorImage, string? path, string? sha256)
        {
            ProcessId = processId;
            ActorImage = actorImage;
            Path = path;
            Sha256 = sha256;
        }

        /// <summary>The process that called exec.</summary>
        public int ProcessId { get; }

        /// <summary>That process's executable now (before the exec), or null when it cannot be read.</summary>
        public string? ActorImage { get; }

        /// <summary>The file to be executed, or null when its path cannot be read.</summary>
        public string? Path { get; }

        /// <summary>Its SHA-256 (64 upper-case hex digits), or null when it could not be hashed (too large, unreadable).</summary>
        public string? Sha256 { get; }
    }

    /// <summary>What to do with an execution: allow it, or deny it with the reason and the indicator that decided.</summary>
    public sealed class ExecutionDecision
    {
        /// <summary>Creates a decision.</summary>
        public ExecutionDecision(bool deny, string reason, Indicator? indicator = null)
        {
            Deny = deny;
            Reason = reason ?? throw new ArgumentNullException(nameof(reason));
            Indicator = indicator;
        }

        /// <summary>True to refuse the exec (it fails with EPERM).</summary>
        public bool Deny { get; }

        /// <summary>Why, for the record.</summary>
        public string Reason { get; }

        /// <summary>The indicator that decided, if one did.</summary>
        public Indicator? Indicator { get; }

        /// <inheritdoc />
        public override string ToString() => (Deny ? "deny: " : "allow: ") + Reason;
    }

    /// <summary>
    /// Decides executions before they run (the Linux exec guard asks it for every exec on its marks). Called
    /// from the guard's worker threads, concurrently: implementations are thread-safe and quick; one that
    /// throws or overruns the guard's deadline makes the exec be allowed (and counted).
    /// </summary>
    public interface IExecutionGate
    {
        /// <summary>The decision for one execution.</summary>
        ExecutionDecision Decide(ExecutionRequest request);
    }

    /// <summary>
    /// The indicator gate: an execution is denied when the block indicator in force for its SHA-256 or path
    /// matches and the policy's mode is not Off (as for kill-on-start, a block indicator applies in Audit
    /// mode too); an allow indicator, no indicator, or mode Off allows. Which indicator decides follows
    /// <see cref="IIndicatorLookup.Match"/> (a block outranks an allow for the same artifact, a hash
    /// outranks a path), so the guard and <see cref="IndicatorDetector"/> always agree. Reads the current
    /// snapshots through the functions at every decision, so reloads apply at once.
    /// </summary>
    public sealed class IndicatorExecutionGate : IExecutionGate
    {
        private static readonly ExecutionDecision s_noIndicator = new ExecutionDecision(false, "no indicator");
        private static readonly ExecutionDecision s_off = new ExecutionDecision(false, "policy mode Off");
        private readonly Func<IIndicatorLookup> _indicators;
        private readonly Func<IBlockingPolicy> _policy;
        private readonly Func<DateTimeOffset> _clock;

        /// <summary>Creates a gate over the indicators and the policy in force (both read at each decision).</summary>
        public IndicatorExecutionGate(Func<IIndicatorLookup> indicators, Func<IBlockingPolicy> policy)
            : this(indicators, policy, null)
        {
        }

        /// <summary>Creates a gate that judges expiry by <paramref name="clock"/> (tests).</summary>
        public IndicatorExecutionGate(Func<IIndicatorLookup> indicators, Func<IBlockingPolicy> policy, Func<DateTimeOffset>? clock)
        {
            _indicators = indicators ?? throw new ArgumentNullException(nameof(indicators));
            _policy = policy ?? throw new ArgumentNullException(nameof(policy));
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <inheritdoc />
        public ExecutionDecision Decide(ExecutionRequest request)
        {
            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            if (request.Sha256 is null && request.Path is null)
            {
                return s_noIndicator;
            }

            IIndicatorLookup lookup = _indicators();
            if (lookup is IndicatorSet set && set.IsEmpty)
            {
                return s_noIndicator;
            }

            DateTimeOffset now = _clock();
            Indicator? match = lookup.Match(request.Sha256, request.Path, now);
            if (match is null || !match.IsActive(now))
            {
                return s_noIndicator;
            }

            if (match.Verdict == IndicatorVerdict.Allow)
            {
                return new ExecutionDecision(false, "allowed by indicator " + Describe(match), match);
            }

            if (_policy().Mode == PolicyMode.Off)
            {
                return s_off;
            }

            return new ExecutionDecision(true, "blocked by indicator " + Describe(match), match);
        }

        private static string Describe(Indicator indicator) => string.Format(CultureInfo.InvariantCulture, "{0} {1} ({2}{3}) id {4:D}",
            indicator.Kind == IndicatorKind.Sha256 ? "sha256" : "path", indicator.Value, indicator.Source,
            indicator.Comment is null ? string.Empty : ": " + indicator.Comment, indicator.Id);
    }
}
