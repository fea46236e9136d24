using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// Kill on start: raises a signal when a process starts (or an image loads, or an execution was denied before it ran) whose SHA-256 (from the
    /// event's hashes) or image path matches a block indicator in force. The signal (level Critical for a
    /// hash, High for a path; tactic Execution; evidence kind <c>indicator</c>) becomes a verdict like any
    /// other, so the policy decides what is done about it. Allow indicators raise nothing here: they are the
    /// policy's to apply. An event that matches nothing costs a dictionary lookup or two and allocates nothing.
    /// </summary>
    public sealed class IndicatorDetector : IDetector
    {
        private IIndicatorLookup _lookup;
        private readonly Func<DateTimeOffset> _clock;
        private readonly Dictionary<Guid, IndicatorSignalSource> _sources = new Dictionary<Guid, IndicatorSignalSource>();

        /// <summary>Creates a detector over <paramref name="lookup"/>; expiry is judged at the wall-clock time of each match.</summary>
        public IndicatorDetector(IIndicatorLookup lookup)
            : this(lookup, null)
        {
        }

        internal IndicatorDetector(IIndicatorLookup lookup, Func<DateTimeOffset>? clock)
        {
            _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <inheritdoc />
        public string Name => "indicators";

        /// <inheritdoc />
        public string? Version => null;

        /// <summary>The indicators in force.</summary>
        public IIndicatorLookup Lookup => Volatile.Read(ref _lookup);

        /// <summary>Swaps in a new snapshot of indicators (atomic; from any thread).</summary>
        public void Use(IIndicatorLookup lookup) => Volatile.Write(ref _lookup, lookup ?? throw new ArgumentNullException(nameof(lookup)));

        /// <inheritdoc />
        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
        {
            string? hashes;
            string? path;
            switch (behaviorEvent.Kind)
            {
                case EventKind.ProcessStart:
                    hashes = behaviorEvent.Hashes;
                    path = behaviorEvent.Image;
                    break;
                case EventKind.ImageLoad:
                    hashes = behaviorEvent.Hashes;
                    path = behaviorEvent.TargetPath;
                    break;
                case EventKind.ExecutionDenied:
                    // Refused before it ran (the exec guard): the detection says so, and the policy decides about
                    // the process that tried.
                    hashes = behaviorEvent.Hashes;
                    path = behaviorEvent.TargetPath;
                    break;
                default:
                    return;
            }

            if (hashes is null && path is null)
            {
                return;
            }

            IIndicatorLookup lookup = Lookup;
            if (lookup is IndicatorSet set && set.IsEmpty)
            {
                return;
            }

            Indicator? match = lookup.Match(hashes, path, _clock());
            if (match is null || match.Verdict != IndicatorVerdict.Block)
            {
                return;
            }

            if (!_sources.TryGetValue(match.Id, out IndicatorSignalSource? source) || !ReferenceEquals(source.Indicator, match))
            {
                source = new IndicatorSignalSource(match);
                _sources[match.Id] = source;
            }

            sink.Signal(source, behaviorEvent, process);
        }

        /// <inheritdoc />
        public void OnTreeClosed(ProcessTree tree)
        {
        }

        /// <inheritdoc />
        public void OnTreesMerged(ProcessTree from, ProcessTree into)
        {
        }

        /// <inheritdoc />
        public void OnRecordingEnd() => _sources.Clear();
    }

    /// <summary>A block indicator as the source of a signal; its evidence kind is <c>indicator</c> and its id the indicator's.</summary>
    public sealed class IndicatorSignalSource : ISignalSource, ISignalEvidence
    {
        private static readonly string[] s_noTechniques = new string[0];

        /// <summary>Creates the source for a block indicator.</summary>
        public IndicatorSignalSource(Indicator indicator)
        {
            Indicator = indicator ?? throw new ArgumentNullException(nameof(indicator));
            Id = indicator.Id.ToString("D");
            string what = indicator.Kind == IndicatorKind.Sha256 ? "SHA-256 " + indicator.Value : "path " + indicator.Value;
            Title = "Blocked " + what + " (" + indicator.Source.ToString().ToLowerInvariant() + " indicator"
                + (indicator.Comment is null ? string.Empty : ": " + indicator.Comment) + ")";
            Level = indicator.Kind == IndicatorKind.Sha256 ? Severity.Critical : Severity.High;
        }

        /// <summary>The indicator that matched.</summary>
        public Indicator Indicator { get; }

        /// <inheritdoc />
        public string Id { get; }

        /// <inheritdoc />
        public string Title { get; }

        /// <inheritdoc />
        public Severity Level { get; }

        /// <inheritdoc />
        public Tactic Tactic => Tactic.Execution;

        /// <inheritdoc />
        public IReadOnlyList<string> Techniques => s_noTechniques;

        /// <inheritdoc />
        public string Variant => "BlockedIndicator";

        /// <inheritdoc />
        public string EvidenceKind => "indicator";

        /// <inheritdoc />
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} [{1}]", Title, Id);
    }
}
