using System;
using System.Collections.Generic;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Store;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Engine
{
    /// <summary>A replay scan to run: what to read and where detections go.</summary>
    public sealed class ScanRequest
    {
        private static readonly string[] s_none = new string[0];

        /// <summary>Recordings: files or directories (read recursively).</summary>
        public IReadOnlyList<string> Paths { get; init; } = s_none;

        /// <summary>The store file detections and the scan row are written to; null writes nothing.</summary>
        public string? StorePath { get; init; }

        /// <summary>Detections written to the store per transaction.</summary>
        public int StoreBatchSize { get; init; } = 500;

        /// <summary>Reader settings.</summary>
        public ReplayScanOptions Replay { get; init; } = new ReplayScanOptions();
    }

    /// <summary>
    /// Receives what a scan produces, on the thread that called <see cref="ScanService.Run"/> (so a
    /// cmdlet may write to its pipeline from every callback).
    /// </summary>
    public interface IScanObserver
    {
        /// <summary>A detection record, final for now (one per verdict; a later one with the same id replaces it).</summary>
        void OnDetection(Detection detection);

        /// <summary>A verdict event at the moment it was raised, with the policy's decision and the response.</summary>
        void OnVerdict(VerdictEvent verdictEvent);

        /// <summary>A record or file that was skipped, with where it came from.</summary>
        void OnProblem(ReplayProblem problem);

        /// <summary>A file was finished.</summary>
        void OnProgress(ScanProgress progress);
    }

    /// <summary>How far a scan is.</summary>
    public sealed class ScanProgress
    {
        internal ScanProgress(string file, int filesDone, int filesTotal, long events)
        {
            File = file;
            FilesDone = filesDone;
            FilesTotal = filesTotal;
            Events = events;
        }

        /// <summary>The file just finished.</summary>
        public string File { get; }

        /// <summary>Files finished so far.</summary>
        public int FilesDone { get; }

        /// <summary>Files found.</summary>
        public int FilesTotal { get; }

        /// <summary>Events read so far.</summary>
        public long Events { get; }

        /// <summary>Share of files done, 0–100.</summary>
        public int PercentComplete => FilesTotal == 0 ? 100 : (int)(100L * FilesDone / FilesTotal);
    }

    /// <summary>What a scan did.</summary>
    public sealed class ScanResult
    {
        internal ScanResult(ScanStatistics statistics, ClassifierHealth classifier, VerdictHealth verdicts, string? storePath, long storedDetections, long? scanId, bool cancelled,
            RuleHealth? rules = null)
        {
            Rules = rules;
            Statistics = statistics;
            Classifier = classifier;
            Verdicts = verdicts;
            StorePath = storePath;
            StoredDetections = storedDetections;
            ScanId = scanId;
            Cancelled = cancelled;
        }

        /// <summary>Events, files, malformed records, processes, trees, detections, detector health, time.</summary>
        public ScanStatistics Statistics { get; }

        /// <summary>What the classifier did (Version null when none was loaded).</summary>
        public ClassifierHealth Classifier { get; }

        /// <summary>Raises, verdict events and policy/responder failures.</summary>
        public VerdictHealth Verdicts { get; }

        /// <summary>Rule regex timeouts and the rules they disabled; null when no rule was loaded.</summary>
        public RuleHealth? Rules { get; }

        /// <summary>The store written to, or null.</summary>
        public string? StorePath { get; }

        /// <summary>Detection records written to the store (updates included).</summary>
        public long StoredDetections { get; }

        /// <summary>The scan's row in the store.</summary>
        public long? ScanId { get; }

        /// <summary>True when the scan was stopped before it read everything; what was read is reported and stored.</summary>
        public bool Cancelled { get; }
    }

    /// <summary>
    /// Replays recorded telemetry through an engine: the one scan path behind <c>behaviorblock scan</c>
    /// and the cmdlets. Detections go to the observer and, in batches, to the store; the scan is
    /// recorded in the store's scans table; on cancellation or failure whatever is pending is stored
    /// before returning or rethrowing.
    /// </summary>
    public static class ScanService
    {
        /// <summary>Runs the scan on the calling thread (reading happens on a background thread).</summary>
        /// <exception cref="BehaviorBlockingException">The store cannot be opened or written.</exception>
        public static ScanResult Run(BehaviorEngine engine, ScanRequest request, IScanObserver observer, CancellationToken cancellationToken = default)
        {
            if (engine is null)
            {
                throw new ArgumentNullException(nameof(engine));
            }

            if (request is null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            if (observer is null)
            {
                throw new ArgumentNullException(nameof(observer));
            }

            DetectionStore? store = request.StorePath is null ? null : DetectionStore.Open(request.StorePath);
            using (store)
            {
                var started = DateTimeOffset.UtcNow;
                var pending = new List<Detection>();
                long stored = 0;
                int batch = Math.Max(1, request.StoreBatchSize);

                void Emit(Detection detection)
                {
                    observer.OnDetection(detection);
                    if (store is not null)
                    {
                        pending.Add(detection);
                        if (pending.Count >= batch)
                        {
                            store.Upsert(pending);
                            stored += pending.Count;
                            pending.Clear();
                        }
                    }
                }

                EngineRun run = engine.CreateRun(Emit, observer.OnVerdict);
                var scanner = new ReplayScanner(new WindowsEventNormalizer(), run.Pipeline, request.Replay);
                ScanStatistics statistics;
                try
                {
                    statistics = scanner.Run(request.Paths, observer.OnProblem, cancellationToken,
                        (file, done, total, events) => observer.OnProgress(new ScanProgress(file, done, total, events)));
                }
                catch
                {
                    // Detections already emitted stay written; store what is pending before failing.
                    TryStore(store, pending);
                    throw;
                }

                long? scanId = null;
                if (store is not null)
                {
                    store.Upsert(pending);
                    stored += pending.Count;
                    pending.Clear();
                    scanId = store.RecordScan(new ScanRecord
                    {
                        Started = started,
                        Finished = DateTimeOffset.UtcNow,
                        Inputs = request.Paths,
                        Files = statistics.Files,
                        Events = statistics.Events,
                        Malformed = statistics.Malformed,
                        Detections = statistics.Detections,
                    });
                }

                return new ScanResult(statistics, run.Verdicts.ClassifierHealth, run.Verdicts.Health, request.StorePath, stored, scanId,
                    cancellationToken.IsCancellationRequested, run.RuleDetector?.Health());
            }
        }

        private static void TryStore(DetectionStore? store, List<Detection> pending)
        {
            if (store is null || pending.Count == 0)
            {
                return;
            }

            try
            {
                store.Upsert(pending);
            }
            catch (BehaviorBlockingException)
            {
                // The original failure is the one to report; the store's own error would hide it.
            }
        }
    }
}
