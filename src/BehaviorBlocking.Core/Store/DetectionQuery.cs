using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// Which stored detections to return. Every filter left unset matches everything; set
    /// filters all apply. Results come ordered by <see cref="Detection.LastSeen"/>, oldest first.
    /// </summary>
    public sealed class DetectionQuery
    {
        /// <summary>Only detections whose last evidence is at or after this time.</summary>
        public DateTimeOffset? Since { get; init; }

        /// <summary>Only detections whose last evidence is at or before this time.</summary>
        public DateTimeOffset? Until { get; init; }

        /// <summary>Only detections of this tactic.</summary>
        public Tactic? Tactic { get; init; }

        /// <summary>Only detections from this device (exact name, ignoring ASCII case).</summary>
        public string? Host { get; init; }

        /// <summary>Only detections with exactly this name.</summary>
        public string? Name { get; init; }

        /// <summary>Only detections about the process with this guid.</summary>
        public string? ProcessGuid { get; init; }

        /// <summary>Only detections whose name matches one of these patterns: <c>*</c> any run of characters, <c>?</c> one character, ASCII case ignored.</summary>
        public IReadOnlyList<string>? NamePatterns { get; init; }

        /// <summary>Only detections with one of these ids.</summary>
        public IReadOnlyList<Guid>? Ids { get; init; }

        /// <summary>Only detections about the process with this id.</summary>
        public int? ProcessId { get; init; }

        /// <summary>Only detections of at least this severity.</summary>
        public Severity? MinimumSeverity { get; init; }

        /// <summary>Only detections whose action is this one.</summary>
        public DetectionAction? Action { get; init; }

        /// <summary>Only the given number of most recent matches (by last evidence); zero returns nothing.</summary>
        public int? Last { get; init; }
    }
}
