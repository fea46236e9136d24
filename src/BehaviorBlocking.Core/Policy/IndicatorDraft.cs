using System;
using System.Globalization;

namespace BehaviorBlocking.Policy
{
    /// <summary>An indicator to add: what it names and says, before the store gives it an id.</summary>
    public sealed class IndicatorDraft
    {
        /// <summary>Creates a draft.</summary>
        public IndicatorDraft(IndicatorKind kind, string value, IndicatorVerdict verdict, IndicatorSource source)
        {
            Kind = kind;
            Value = value ?? throw new ArgumentNullException(nameof(value));
            Verdict = verdict;
            Source = source;
        }

        /// <summary>What it names.</summary>
        public IndicatorKind Kind { get; }

        /// <summary>The SHA-256 or the absolute path.</summary>
        public string Value { get; }

        /// <summary>Allow or block.</summary>
        public IndicatorVerdict Verdict { get; }

        /// <summary>Where it comes from.</summary>
        public IndicatorSource Source { get; }

        /// <summary>When it stops applying; must be in the future when added.</summary>
        public DateTimeOffset? Expires { get; init; }

        /// <summary>Why it is added.</summary>
        public string? Comment { get; init; }

        /// <summary>The detection that adds it.</summary>
        public Guid? DetectionId { get; init; }

        /// <summary>Who adds it (account), or the feed's name.</summary>
        public string? CreatedBy { get; init; }

        /// <summary>The value as stored, or null with <paramref name="error"/> saying what is wrong (value, expiry, comment).</summary>
        public string? Validate(DateTimeOffset now, out string? error)
        {
            if (!Enum.IsDefined(typeof(IndicatorKind), Kind) || !Enum.IsDefined(typeof(IndicatorVerdict), Verdict) || !Enum.IsDefined(typeof(IndicatorSource), Source))
            {
                error = "kind, verdict or source is not defined";
                return null;
            }

            string? value = IndicatorValues.Normalize(Kind, Value, out error);
            if (value is null)
            {
                return null;
            }

            if (Expires.HasValue && Expires.Value <= now)
            {
                error = "the expiry " + Expires.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + " is not in the future";
                return null;
            }

            if (Comment is not null && Comment.Length > IndicatorValues.MaxCommentLength)
            {
                error = "the comment has " + Comment.Length.ToString(CultureInfo.InvariantCulture) + " characters, more than " + IndicatorValues.MaxCommentLength.ToString(CultureInfo.InvariantCulture);
                return null;
            }

            if (CreatedBy is not null && CreatedBy.Length > IndicatorValues.MaxCreatedByLength)
            {
                error = "the creator name has more than " + IndicatorValues.MaxCreatedByLength.ToString(CultureInfo.InvariantCulture) + " characters";
                return null;
            }

            return value;
        }
    }
}
