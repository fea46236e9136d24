using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Detections
{
    /// <summary>
    /// A detector sees every event after the process graph has applied it, and reports
    /// detections. Detectors run on the pipeline's single consumer thread, so they may keep
    /// per-tree state without locks; they must not block or do I/O.
    /// </summary>
    public interface IDetector
    {
        /// <summary>Short stable name used in statistics and evidence.</summary>
        string Name { get; }

        /// <summary>Inspects one event with the process it was attributed to (if any).</summary>
        void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, IDetectionSink sink);

        /// <summary>
        /// Called when a process tree leaves the graph (evicted or end of recording): the last
        /// chance to report on it; per-tree state for it should be released.
        /// </summary>
        void OnTreeClosed(ProcessTree tree, IDetectionSink sink);

        /// <summary>
        /// Called at the end of a recording, after every tree closed: report what is still open
        /// (verdicts about events without a process) and release per-recording state.
        /// </summary>
        void OnRecordingEnd(IDetectionSink sink);
    }

    /// <summary>Where detectors report. Reporting a detection again with the same id updates it.</summary>
    public interface IDetectionSink
    {
        /// <summary>Reports a new detection or an update of an open one (same <see cref="Detection.Id"/>).</summary>
        void Report(Detection detection);
    }
}
