using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// Follows a detection store: the first <see cref="Poll"/> returns the current matches of a query, each later one the
    /// detections that are new or changed since (new evidence, another action, more response steps). A store that does
    /// not exist yet has no detections; it is picked up once something creates it.
    /// </summary>
    public sealed class DetectionWatch
    {
        private readonly DetectionQuery _query;
        private readonly string _storePath;
        private readonly Dictionary<Guid, string> _seen = new Dictionary<Guid, string>();
        private DateTimeOffset? _watermark;
        private bool _polled;

        /// <summary>Follows the detections of the store at <paramref name="storePath"/> (default: the product folder's) that match <paramref name="query"/>.</summary>
        public DetectionWatch(DetectionQuery query, string? storePath = null)
        {
            _query = query ?? throw new ArgumentNullException(nameof(query));
            _storePath = storePath ?? ProductHome.DefaultStorePath;
        }

        /// <summary>The first time, the query's matches; then the matches (without the query's <c>Last</c>) that are new or changed, oldest first.</summary>
        /// <exception cref="BehaviorBlockingException">The store's own errors (never <c>StoreNotFound</c>).</exception>
        public IReadOnlyList<Detection> Poll()
        {
            IReadOnlyList<Detection> found;
            try
            {
                found = DetectionQueries.Run(_polled ? Later() : _query, _storePath);
            }
            catch (BehaviorBlockingException ex) when (ex.ErrorId == ErrorIds.StoreNotFound)
            {
                found = Array.Empty<Detection>();
            }

            _polled = true;
            var changed = new List<Detection>();
            foreach (Detection detection in found)
            {
                string signature = Signature(detection);
                if (_seen.TryGetValue(detection.Id, out string? before) && before == signature)
                {
                    continue;
                }

                _seen[detection.Id] = signature;
                changed.Add(detection);
                if (_watermark is null || detection.LastSeen > _watermark.Value)
                {
                    _watermark = detection.LastSeen;
                }
            }

            return changed;
        }

        // Later polls read from the latest evidence seen on (an update moves last-seen forward), with every other filter kept.
        private DetectionQuery Later()
        {
            DateTimeOffset? since = _query.Since;
            if (_watermark is DateTimeOffset mark && (since is null || mark > since.Value))
            {
                since = mark;
            }

            return new DetectionQuery
            {
                Since = since,
                Until = _query.Until,
                Tactic = _query.Tactic,
                Host = _query.Host,
                Name = _query.Name,
                NamePatterns = _query.NamePatterns,
                Ids = _query.Ids,
                ProcessGuid = _query.ProcessGuid,
                ProcessId = _query.ProcessId,
                MinimumSeverity = _query.MinimumSeverity,
                Action = _query.Action,
            };
        }

        private static string Signature(Detection detection) => string.Join("|",
            detection.LastSeen.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            detection.Action.ToString(),
            detection.Severity.ToString(),
            detection.Evidence.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            detection.Actions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
