using System;

namespace BehaviorBlocking.Detections
{
    /// <summary>One reason behind a verdict: a rule that matched, a feature, or an event.</summary>
    public sealed class Evidence
    {
        /// <summary>Creates an evidence item.</summary>
        public Evidence(string kind, string id, string description, DateTimeOffset? time)
        {
            Kind = kind ?? throw new ArgumentNullException(nameof(kind));
            Id = id ?? throw new ArgumentNullException(nameof(id));
            Description = description ?? string.Empty;
            Time = time?.ToUniversalTime();
        }

        /// <summary>What kind of evidence: <c>rule</c>, <c>feature</c>, <c>event</c>, <c>indicator</c>, <c>response</c>.</summary>
        public string Kind { get; }

        /// <summary>Identifier within its kind: rule id, feature name, event reference.</summary>
        public string Id { get; }

        /// <summary>What it says, for a person.</summary>
        public string Description { get; }

        /// <summary>When it was observed, UTC, if it has a time.</summary>
        public DateTimeOffset? Time { get; }
    }
}
