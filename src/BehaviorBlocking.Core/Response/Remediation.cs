using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Response
{
    /// <summary>A kind of persistence a remediation can remove and undo.</summary>
    public enum PersistenceKind
    {
        /// <summary>Windows: a value under a Run or RunOnce key.</summary>
        RunKey = 0,

        /// <summary>Windows: a scheduled task.</summary>
        ScheduledTask,

        /// <summary>Windows: a service.</summary>
        Service,

        /// <summary>Windows: a file in a Startup folder.</summary>
        StartupFile,

        /// <summary>Windows: a WMI event subscription (filter, consumer and binding).</summary>
        WmiSubscription,

        /// <summary>Linux: a cron entry (a line of a crontab, or a file under a cron directory).</summary>
        CronEntry,

        /// <summary>Linux: a systemd unit (its file and the links that enable it).</summary>
        SystemdUnit,

        /// <summary>Linux: a line of a shell start-up file (<c>.bashrc</c>, <c>.profile</c>, <c>/etc/profile.d</c>).</summary>
        ShellRcLine,

        /// <summary>Linux: a line of an <c>authorized_keys</c> file.</summary>
        AuthorizedKey,
    }

    /// <summary>
    /// Persistence named by a detection's evidence. It travels as an evidence item of kind
    /// <c>artifact</c>: id <c>&lt;kind&gt;:&lt;location&gt;</c>, description the entry (a line, a
    /// value's data) when known, so a stored detection can be remediated later.
    /// </summary>
    public sealed class PersistenceArtifact
    {
        /// <summary>The evidence kind that carries artifacts.</summary>
        public const string EvidenceKind = "artifact";

        /// <summary>Creates an artifact.</summary>
        public PersistenceArtifact(PersistenceKind kind, string location, string? entry = null)
        {
            Kind = kind;
            Location = location ?? throw new ArgumentNullException(nameof(location));
            Entry = string.IsNullOrEmpty(entry) ? null : entry;
        }

        /// <summary>What kind of persistence.</summary>
        public PersistenceKind Kind { get; }

        /// <summary>Where it lives: a registry key and value, a task or service name, a file path.</summary>
        public string Location { get; }

        /// <summary>The entry within it (the line, the value's data) when known.</summary>
        public string? Entry { get; }

        /// <summary>The evidence item that carries this artifact.</summary>
        public Evidence ToEvidence(DateTimeOffset? time) => new Evidence(EvidenceKind, Kind + ":" + Location, Entry ?? string.Empty, time);

        /// <summary>The artifacts carried by <paramref name="evidence"/>, in order; items of other kinds or unknown artifact kinds are skipped.</summary>
        public static IReadOnlyList<PersistenceArtifact> FromEvidence(IEnumerable<Evidence> evidence)
        {
            var artifacts = new List<PersistenceArtifact>();
            foreach (Evidence item in evidence)
            {
                if (!string.Equals(item.Kind, EvidenceKind, StringComparison.Ordinal))
                {
                    continue;
                }

                int colon = item.Id.IndexOf(':');
                if (colon <= 0 || colon == item.Id.Length - 1
                    || !Enum.TryParse(item.Id.Substring(0, colon), false, out PersistenceKind kind)
                    || !Enum.IsDefined(typeof(PersistenceKind), kind))
                {
                    continue;
                }

                artifacts.Add(new PersistenceArtifact(kind, item.Id.Substring(colon + 1), item.Description));
            }

            return artifacts;
        }

        /// <inheritdoc />
        public override string ToString() => Kind + " " + Location + (Entry is null ? string.Empty : " (" + Entry + ")");
    }

    /// <summary>Whether a remediation is in effect.</summary>
    public enum RemediationState
    {
        /// <summary>The persistence was removed; its backup is held.</summary>
        Removed = 0,

        /// <summary>Undone: the backup was put back.</summary>
        Restored,
    }

    /// <summary>One removal of persistence and its backup.</summary>
    public sealed class RemediationRecord
    {
        /// <summary>Creates a record.</summary>
        public RemediationRecord(Guid id, PersistenceArtifact artifact, RemediationState state, DateTimeOffset time)
        {
            Id = id;
            Artifact = artifact ?? throw new ArgumentNullException(nameof(artifact));
            State = state;
            Time = time.ToUniversalTime();
        }

        /// <summary>Remediation id (what <c>remediation undo</c> takes).</summary>
        public Guid Id { get; }

        /// <summary>What was removed.</summary>
        public PersistenceArtifact Artifact { get; }

        /// <summary>Removed or restored.</summary>
        public RemediationState State { get; }

        /// <summary>When it was removed, UTC.</summary>
        public DateTimeOffset Time { get; }

        /// <summary>When it was restored, UTC.</summary>
        public DateTimeOffset? RestoredAt { get; init; }

        /// <summary>The detection whose evidence named it.</summary>
        public Guid? DetectionId { get; init; }

        /// <summary>What exactly was removed, for a person (the line, the value, the files).</summary>
        public string? Description { get; init; }
    }

    /// <summary>Removes persistence with a backup of exactly what was removed, and puts it back on undo.</summary>
    public interface IRemediator
    {
        /// <summary>True when this platform's implementation can act here.</summary>
        bool IsSupported { get; }

        /// <summary>Removes <paramref name="artifact"/>; the step says what came of it and references the remediation id.</summary>
        ResponseStep Remediate(PersistenceArtifact artifact, Guid? detectionId, bool whatIf);

        /// <summary>Puts back what remediation <paramref name="id"/> removed; throws a <see cref="BehaviorBlockingException"/> when it cannot (not found, changed since).</summary>
        RemediationRecord Undo(Guid id);

        /// <summary>Every remediation, oldest first.</summary>
        IReadOnlyList<RemediationRecord> List();
    }
}
