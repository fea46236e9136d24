using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Policy
{
    /// <summary>What an indicator names.</summary>
    public enum IndicatorKind
    {
        /// <summary>A file's SHA-256.</summary>
        Sha256 = 0,

        /// <summary>A file path.</summary>
        Path,
    }

    /// <summary>What an indicator says about what it names.</summary>
    public enum IndicatorVerdict
    {
        /// <summary>Trusted: outranks rules and the model, never guard rails.</summary>
        Allow = 0,

        /// <summary>Blocked: later starts of it fail.</summary>
        Block,
    }

    /// <summary>Where an indicator came from.</summary>
    public enum IndicatorSource
    {
        /// <summary>Added by an administrator.</summary>
        Manual = 0,

        /// <summary>Added by a response to a detection (block hash).</summary>
        Detection,

        /// <summary>Imported from an indicator feed.</summary>
        Feed,
    }

    /// <summary>One allow or block indicator.</summary>
    public sealed class Indicator
    {
        /// <summary>Creates an indicator.</summary>
        public Indicator(Guid id, IndicatorKind kind, string value, IndicatorVerdict verdict, IndicatorSource source, DateTimeOffset created)
        {
            Id = id;
            Kind = kind;
            Value = value ?? throw new ArgumentNullException(nameof(value));
            Verdict = verdict;
            Source = source;
            Created = created.ToUniversalTime();
        }

        /// <summary>Indicator id.</summary>
        public Guid Id { get; }

        /// <summary>What it names.</summary>
        public IndicatorKind Kind { get; }

        /// <summary>The SHA-256 (upper-case hex) or the path.</summary>
        public string Value { get; }

        /// <summary>Allow or block.</summary>
        public IndicatorVerdict Verdict { get; }

        /// <summary>Where it came from.</summary>
        public IndicatorSource Source { get; }

        /// <summary>When it was added, UTC.</summary>
        public DateTimeOffset Created { get; }

        /// <summary>When it stops applying, UTC; null for never.</summary>
        public DateTimeOffset? Expires { get; init; }

        /// <summary>Why it was added.</summary>
        public string? Comment { get; init; }

        /// <summary>The detection that added it, for <see cref="IndicatorSource.Detection"/>.</summary>
        public Guid? DetectionId { get; init; }

        /// <summary>Who added it (account name), or the feed's name.</summary>
        public string? CreatedBy { get; init; }

        /// <summary>True when it applies at <paramref name="now"/>.</summary>
        public bool IsActive(DateTimeOffset now) => Expires is null || Expires.Value > now;
    }

    /// <summary>An immutable view of the indicators in force, safe to query from any thread.</summary>
    public interface IIndicatorLookup
    {
        /// <summary>
        /// The indicator that decides for an artifact with this hash and path at <paramref name="now"/>,
        /// or null. A block indicator outranks an allow indicator for the same artifact; a hash
        /// indicator outranks a path one.
        /// </summary>
        Indicator? Match(string? sha256, string? path, DateTimeOffset now);

        /// <summary>Every indicator of the view, expired ones included.</summary>
        IReadOnlyList<Indicator> All { get; }
    }
}
