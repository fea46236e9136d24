using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>What an indicator feed import did: the indicators written from the feed, and those set by hand or by a detection that were kept.</summary>
    public sealed class IndicatorImport
    {
        internal IndicatorImport(string path, IReadOnlyList<Indicator> imported, int kept)
        {
            Path = path;
            Imported = imported;
            Kept = kept;
        }

        /// <summary>The feed file.</summary>
        public string Path { get; }

        /// <summary>The indicators now in the store from the feed.</summary>
        public IReadOnlyList<Indicator> Imported { get; }

        /// <summary>How many entries matched an indicator set by hand or by a detection, which were left as they are.</summary>
        public int Kept { get; }

        /// <summary>How many indicators the feed wrote.</summary>
        public int Count => Imported.Count;
    }

    /// <summary>The local allow/block indicators of a store: listed, added, removed and imported, with the guard rails' refusals; the CLI and the cmdlets share it.</summary>
    public static class IndicatorService
    {
        /// <summary>The indicators in force (with <paramref name="includeExpired"/>, expired ones too), oldest first; none when there is no store yet.</summary>
        public static IReadOnlyList<Indicator> List(string storePath, bool includeExpired = false)
        {
            if (!File.Exists(storePath))
            {
                return Array.Empty<Indicator>();
            }

            using IndicatorStore store = IndicatorStore.OpenReadOnly(storePath);
            return store.List(includeExpired);
        }

        /// <summary>
        /// Adds an indicator. A value that is not a SHA-256 or an absolute path, an expiry in the past, or a block of
        /// a protected executable (the system's own programs) is refused with <c>IndicatorInvalid</c>; nothing is written.
        /// </summary>
        public static Indicator Add(string storePath, IndicatorDraft draft)
        {
            if (draft is null)
            {
                throw new ArgumentNullException(nameof(draft));
            }

            if (IndicatorValues.Normalize(draft.Kind, draft.Value, out string? error) is null)
            {
                throw Invalid("Not a valid " + (draft.Kind == IndicatorKind.Sha256 ? "SHA-256" : "path") + " indicator: " + error + "; no indicator was written.", draft.Value);
            }

            string? refused = RefuseProtected(new GuardRails(), draft);
            if (refused is not null)
            {
                throw Invalid("Refused to block: " + refused + "; no indicator was written.", draft.Value);
            }

            using IndicatorStore store = IndicatorStore.Open(storePath);
            return store.Add(draft);
        }

        /// <summary>Removes the indicator <paramref name="id"/> and returns it (<c>IndicatorNotFound</c> when there is none).</summary>
        public static Indicator Remove(string storePath, Guid id)
        {
            using IndicatorStore store = IndicatorStore.Open(storePath);
            return store.Remove(id);
        }

        /// <summary>
        /// Imports the feed at <paramref name="feedPath"/> all or nothing: an entry that does not validate, or that would
        /// block a protected executable, rejects the feed (<c>IndicatorFeedInvalid</c>, naming the line) and nothing is imported.
        /// </summary>
        public static IndicatorImport Import(string storePath, string feedPath, DateTimeOffset now)
        {
            IReadOnlyList<IndicatorDraft> drafts = IndicatorFeed.Read(feedPath, now);
            var rails = new GuardRails();
            foreach (IndicatorDraft draft in drafts)
            {
                string? refused = RefuseProtected(rails, draft);
                if (refused is not null)
                {
                    throw new BehaviorBlockingException(ErrorIds.IndicatorFeedInvalid, FailureKind.InvalidData,
                        "The indicator feed '" + feedPath + "' was rejected, nothing was imported: " + refused + ".") { Target = feedPath };
                }
            }

            using IndicatorStore store = IndicatorStore.Open(storePath);
            IReadOnlyList<Indicator> stored = store.Import(drafts);
            int kept = stored.Count(i => i.Source != IndicatorSource.Feed);
            return new IndicatorImport(feedPath, stored.Where(i => i.Source == IndicatorSource.Feed).ToList(), kept);
        }

        /// <summary>A block of a protected executable (by hash or path) would stop the system's own programs: the reason, or null.</summary>
        private static string? RefuseProtected(GuardRails rails, IndicatorDraft draft)
        {
            if (draft.Verdict != IndicatorVerdict.Block)
            {
                return null;
            }

            return draft.Kind == IndicatorKind.Sha256 ? rails.RefuseHash(draft.Value) : rails.RefuseBlockPath(draft.Value);
        }

        private static BehaviorBlockingException Invalid(string message, string target) =>
            new BehaviorBlockingException(ErrorIds.IndicatorInvalid, FailureKind.InvalidData, message) { Target = target };
    }

    /// <summary>Remediations of persistence in a store: listed and undone; the CLI and the cmdlets share it.</summary>
    public static class RemediationService
    {
        /// <summary>The remediations, oldest first; none when there is no store yet.</summary>
        public static IReadOnlyList<RemediationRecord> List(string storePath)
        {
            if (!File.Exists(storePath) && !Directory.Exists(storePath))
            {
                return Array.Empty<RemediationRecord>();
            }

            using RemediationStore store = RemediationStore.OpenReadOnly(storePath);
            return store.List();
        }

        /// <summary>Puts back exactly what remediation <paramref name="id"/> removed, or refuses (RemediationNotFound, RemediationUndoConflict, RemediationAlreadyUndone...).</summary>
        public static RemediationRecord Undo(string storePath, Guid id)
        {
            using RemediationStore store = RemediationStore.Open(storePath);
            // Guard rails need not be asked: undo only puts back what a remediation, which asked them, took away.
            return Remediators.ForThisPlatform(store, guardRails: null).Undo(id);
        }
    }
}
