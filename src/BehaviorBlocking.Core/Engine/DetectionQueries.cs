using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Engine
{
    /// <summary>Reading stored detections: the query behind <c>behaviorblock detections</c> and <c>Get-BehaviorDetection</c>.</summary>
    public static class DetectionQueries
    {
        /// <summary>
        /// The detections of the store at <paramref name="storePath"/> (default: the product folder's) that
        /// match <paramref name="query"/>, oldest last-seen first. A query never creates a store and only
        /// reads it (<see cref="DetectionStore.OpenReadOnly"/>), so it works on a store the caller may only read.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>StoreNotFound</c> when there is no store; the store's own errors otherwise.</exception>
        public static IReadOnlyList<Detection> Run(DetectionQuery query, string? storePath = null)
        {
            using DetectionStore store = DetectionStore.OpenReadOnly(storePath ?? ProductHome.DefaultStorePath);
            return store.Query(query);
        }
    }
}
