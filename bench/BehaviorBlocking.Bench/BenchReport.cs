using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Bench
{
    /// <summary>Everything one bench run measured; serialized as the <c>--json</c> report.</summary>
    public sealed class BenchReport
    {
        /// <summary>When the run started (UTC).</summary>
        public DateTimeOffset Started { get; set; }

        /// <summary>Total wall-clock seconds of the run.</summary>
        public double Seconds { get; set; }

        /// <summary>The machine and runtime.</summary>
        public MachineInfo Machine { get; set; } = MachineInfo.Current();

        /// <summary>The corpus the replay passes read.</summary>
        public CorpusInfo? Corpus { get; set; }

        /// <summary>Replay passes over the same bytes, baselines first.</summary>
        public List<ThroughputResult> Throughput { get; } = new List<ThroughputResult>();

        /// <summary>Share of each pipeline stage in the single-threaded cost of an event.</summary>
        public List<StageResult> Stages { get; } = new List<StageResult>();

        /// <summary>Latency distributions.</summary>
        public List<LatencyResult> Latency { get; } = new List<LatencyResult>();

        /// <summary>Synthetic runs of growing size.</summary>
        public List<ScalingResult> Scaling { get; } = new List<ScalingResult>();

        /// <summary>Response actions on real processes (verdict to tree gone).</summary>
        public List<ResponseBenchResult> Response { get; } = new List<ResponseBenchResult>();

        /// <summary>Headline ratios (engine / baseline) measured in this run.</summary>
        public Dictionary<string, double> Ratios { get; } = new Dictionary<string, double>();

        /// <summary>Notes about how figures were derived or why one is missing.</summary>
        public List<string> Notes { get; } = new List<string>();
    }

    /// <summary>The corpus read.</summary>
    public sealed record CorpusInfo(string Path, int Files, long StoredBytes, long DecompressedBytes, long Events);

    /// <summary>One pass over the corpus.</summary>
    public sealed record ThroughputResult(
        string Name, string Threading, long Events, double Seconds, double EventsPerSecond,
        double StoredMBps, double DecompressedMBps, double AllocatedBytesPerEvent, MemoryResult Memory);

    /// <summary>Share of a stage in the cost of an event.</summary>
    public sealed record StageResult(string Stage, double Seconds, double Share, double NanosecondsPerEvent);

    /// <summary>Percentiles of one latency, in microseconds.</summary>
    public sealed record LatencyResult(string Name, long Count, double P50Us, double P99Us, double P999Us, double MaxUs);

    /// <summary>
    /// One response measurement: the time from the action's call until every process it names is
    /// gone, in milliseconds, over <paramref name="Count"/> runs, of which <paramref name="Done"/> ended with every process gone (and, for an action, its outcome Done).
    /// </summary>
    public sealed record ResponseBenchResult(string Action, int TreeSize, long Count, double P50Ms, double P99Ms, double MaxMs, int Done);

    /// <summary>Resident set and managed heap over a measurement, in MiB.</summary>
    public sealed record MemoryResult(double PeakRssMb, double SteadyRssMb, double PeakHeapMb, double SteadyHeapMb, int Samples);

    /// <summary>One synthetic run.</summary>
    public sealed record ScalingResult(
        long Events, double Seconds, double EventsPerSecond, double NanosecondsPerEvent,
        double AllocatedBytesPerEvent, int ProcessesHeldAtEnd, long RetainedEventsAtEnd, MemoryResult Memory);
}
