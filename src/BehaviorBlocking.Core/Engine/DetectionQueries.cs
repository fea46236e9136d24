using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>Reading stored detections: the query behind <c>behaviorblock detections</c> and <c>Get-BehaviorDetection</c>.</summary>
    public static class DetectionQueries
    {
        /// <summary>
        /// The detections of the store at <paramref name="storePath"/> (default: the product folder's) that
        /// match <paramref name="query"/>, newest last-seen first. A query never creates a store.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>StoreNotFound</c> when there is no store; the store's own errors otherwise.</exception>
        public static IReadOnlyList<Detection> Run(DetectionQuery query, string? storePath = null)
        {
            string path = storePath ?? ProductHome.DefaultStorePath;
            if (!File.Exists(path))
            {
                throw new BehaviorBlockingException(ErrorIds.StoreNotFound, FailureKind.NotFound,
                    $"no detection store at '{path}' (run a scan first, or name one)") { Target = path };
            }

            using DetectionStore store = DetectionStore.Open(path);
            return store.Query(query);
        }
    }
}
