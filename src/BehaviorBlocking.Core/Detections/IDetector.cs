using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Detections
{
    /// <summary>
    /// A detector sees every event after the process graph has applied it and emits signals
    /// (a rule matched, an indicator was seen); it never builds verdicts. Detectors run on the
    /// pipeline's single consumer thread, so they may keep per-tree state without locks; they
    /// must not block or do I/O.
    /// </summary>
    public interface IDetector
    {
        /// <summary>Short stable name used in statistics and evidence.</summary>
        string Name { get; }

        /// <summary>Version of what the detector runs (a rule set's version), or null; goes into <see cref="Detection.RuleSetVersion"/>.</summary>
        string? Version { get; }

        /// <summary>Inspects one event with the process it was attributed to (if any).</summary>
        void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink);

        /// <summary>A process tree left the graph (evicted or end of recording): release its state.</summary>
        void OnTreeClosed(ProcessTree tree);

        /// <summary>Tree <paramref name="from"/> joined <paramref name="into"/>: state kept for the first now belongs to the second.</summary>
        void OnTreesMerged(ProcessTree from, ProcessTree into);

        /// <summary>End of a recording, after every tree closed: release per-recording state.</summary>
        void OnRecordingEnd();
    }

    /// <summary>
    /// A detector that contains some failures itself (a rule regex that timed out costs that rule, not
    /// the event) and reports them, so the run's detector health counts them beside the ones it caught.
    /// </summary>
    public interface IReportsContainedFailures
    {
        /// <summary>Failures contained so far.</summary>
        long ContainedFailures { get; }

        /// <summary>The first one, described, or null.</summary>
        string? FirstContainedFailure { get; }
    }

    /// <summary>What raised a signal: a rule, a correlation, an indicator. Immutable.</summary>
    public interface ISignalSource
    {
        /// <summary>Stable id (a rule's id).</summary>
        string Id { get; }

        /// <summary>Human title.</summary>
        string Title { get; }

        /// <summary>How strong one match is on its own.</summary>
        Severity Level { get; }

        /// <summary>ATT&amp;CK tactic the behavior belongs to.</summary>
        Tactic Tactic { get; }

        /// <summary>ATT&amp;CK technique ids such as <c>T1059.001</c>.</summary>
        IReadOnlyList<string> Techniques { get; }

        /// <summary>Short code naming the behavior in detection names (<c>LsassRead</c>).</summary>
        string Variant { get; }
    }

    /// <summary>A signal source whose evidence is not a rule (an indicator): the verdict lists it under <see cref="EvidenceKind"/>.</summary>
    public interface ISignalEvidence
    {
        /// <summary>The evidence kind, such as <c>indicator</c>.</summary>
        string EvidenceKind { get; }
    }

    /// <summary>
    /// A signal source tagged with an ATT&amp;CK tactic that the product's tactic set names otherwise (ATT&amp;CK's Stealth
    /// and Defense Impairment are the product's DefenseEvasion): the verdict keeps ATT&amp;CK's own name in the evidence.
    /// </summary>
    public interface IAttackTacticSource
    {
        /// <summary>ATT&amp;CK's tactic as the source was tagged (<c>Stealth</c>), or null when it is the product's tactic.</summary>
        string? AttackTactic { get; }
    }

    /// <summary>One signal: <see cref="Source"/> matched <see cref="Event"/> of <see cref="Process"/> (null for host-level events).</summary>
    public readonly struct DetectionSignal
    {
        /// <summary>Creates a signal.</summary>
        public DetectionSignal(ISignalSource source, BehaviorEvent behaviorEvent, ProcessNode? process)
        {
            Source = source ?? throw new ArgumentNullException(nameof(source));
            Event = behaviorEvent ?? throw new ArgumentNullException(nameof(behaviorEvent));
            Process = process;
        }

        /// <summary>What matched.</summary>
        public ISignalSource Source { get; }

        /// <summary>The event it matched.</summary>
        public BehaviorEvent Event { get; }

        /// <summary>The process the event was attributed to, or null.</summary>
        public ProcessNode? Process { get; }
    }

    /// <summary>Where detectors emit signals.</summary>
    public interface ISignalSink
    {
        /// <summary><paramref name="source"/> matched <paramref name="behaviorEvent"/> of <paramref name="process"/>.</summary>
        void Signal(ISignalSource source, BehaviorEvent behaviorEvent, ProcessNode? process);
    }

    /// <summary>
    /// A detector that also wants every signal of every detector (the feature collector turns them
    /// into per-tree features). Told after all detectors saw the event, before verdicts are built.
    /// </summary>
    public interface ISignalObserver
    {
        /// <summary>One signal of the current event.</summary>
        void OnSignal(in DetectionSignal signal);
    }

    /// <summary>Where the verdict stage reports detection records. Reporting again with the same id updates it.</summary>
    public interface IDetectionSink
    {
        /// <summary>Reports a new detection or an update of an open one (same <see cref="Detection.Id"/>).</summary>
        void Report(Detection detection);

        /// <summary>Withdraws a detection not yet emitted (it was merged into another).</summary>
        void Retract(Guid id);
    }
}
