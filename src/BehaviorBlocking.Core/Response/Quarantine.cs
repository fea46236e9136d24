using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Response
{
    /// <summary>One file held in the quarantine.</summary>
    public sealed class QuarantineEntry
    {
        /// <summary>Creates an entry.</summary>
        public QuarantineEntry(Guid id, string originalPath, string sha256, long length, DateTimeOffset quarantinedAt)
        {
            Id = id;
            OriginalPath = originalPath ?? throw new ArgumentNullException(nameof(originalPath));
            Sha256 = sha256 ?? throw new ArgumentNullException(nameof(sha256));
            Length = length;
            QuarantinedAt = quarantinedAt.ToUniversalTime();
        }

        /// <summary>Entry id.</summary>
        public Guid Id { get; }

        /// <summary>Where the file was.</summary>
        public string OriginalPath { get; }

        /// <summary>SHA-256 of the original content, upper-case hex.</summary>
        public string Sha256 { get; }

        /// <summary>Size of the original content in bytes.</summary>
        public long Length { get; }

        /// <summary>When it was quarantined, UTC.</summary>
        public DateTimeOffset QuarantinedAt { get; }

        /// <summary>Owner of the original file (uid on Linux, account or SID on Windows), when known.</summary>
        public string? Owner { get; init; }

        /// <summary>Unix permission bits of the original file, when known.</summary>
        public int? Mode { get; init; }

        /// <summary>Detection that caused it, when one did.</summary>
        public Guid? DetectionId { get; init; }

        /// <summary>Why it was quarantined.</summary>
        public string? Reason { get; init; }

        /// <summary>When it was restored, UTC; null while it is held.</summary>
        public DateTimeOffset? RestoredAt { get; init; }

        /// <summary>Numeric owner (uid) of the original file on Linux, when known.</summary>
        public long? UserId { get; init; }

        /// <summary>Numeric group (gid) of the original file on Linux, when known.</summary>
        public long? GroupId { get; init; }

        /// <summary>When the original file was last written, UTC, when known.</summary>
        public DateTimeOffset? Modified { get; init; }

        /// <summary>The entry's file in the quarantine folder (<c>&lt;id&gt;.bbq</c>).</summary>
        public string? VaultFile { get; init; }

        /// <summary>Why the entry cannot be read (a damaged header), or null; a broken entry can only be listed.</summary>
        public string? Problem { get; init; }

        /// <summary>Held, restored, or broken.</summary>
        public QuarantineState State => Problem is not null ? QuarantineState.Broken : RestoredAt.HasValue ? QuarantineState.Restored : QuarantineState.Held;
    }

    /// <summary>Where a quarantine entry stands.</summary>
    public enum QuarantineState
    {
        /// <summary>The file is held in the quarantine.</summary>
        Held = 0,

        /// <summary>The file was put back; the record is kept, the content removed.</summary>
        Restored,

        /// <summary>The entry's header cannot be read; it is listed so, never restored.</summary>
        Broken,
    }

    /// <summary>
    /// The quarantine: files moved out of reach, transformed so they can neither run nor be picked
    /// up again, restorable with their hash checked. At every moment of a quarantine either the
    /// original file or the complete quarantined copy exists.
    /// </summary>
    public interface IQuarantine
    {
        /// <summary>Quarantines the file at <paramref name="path"/>; throws a <see cref="BehaviorBlockingException"/> naming the file when it cannot.</summary>
        QuarantineEntry Add(string path, Guid? detectionId, string reason);

        /// <summary>Puts the file back where it was, after checking its hash; never overwrites an existing file.</summary>
        QuarantineEntry Restore(Guid id);

        /// <summary>Every entry, held and restored, oldest first.</summary>
        IReadOnlyList<QuarantineEntry> List();
    }
}
