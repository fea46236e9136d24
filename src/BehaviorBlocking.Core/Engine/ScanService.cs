using System;
using System.Collections.Generic;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Response;
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

        /// <summary>Reader settings.</summary>
        public ReplayScanOptions Replay { get; init; } = new ReplayScanOptions();

        /// <summary>Guard rails whose file checks the what-if report asks (a quarantine or hash block they would refuse is reported so); null asks none.</summary>
        public IGuardRails? FileGuardRails { get; init; }
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

        /// <summary>
        /// The store failed while the scan ran (called once, at the first failure). The scan goes on:
        /// detections from then on still reach <see cref="OnDetection"/>, but are not stored.
        /// </summary>
        void OnStoreFailure(BehaviorBlockingException error);
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
        internal ScanResult(ScanStatistics statistics, ClassifierHealth classifier, VerdictHealth verdicts, string? storePath, long storedDetections,
            long unstoredDetections, BehaviorBlockingException? storeFailure, long? scanId, bool cancelled, RuleHealth? rules = null)
        {
            Rules = rules;
            Statistics = statistics;
            Classifier = classifier;
            Verdicts = verdicts;
            StorePath = storePath;
            StoredDetections = storedDetections;
            UnstoredDetections = unstoredDetections;
            StoreFailure = storeFailure;
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

        /// <summary>Detection records reported to the observer but not stored, because the store had failed (zero without a failure).</summary>
        public long UnstoredDetections { get; }

        /// <summary>The store's first failure during the scan, or null; the scan went on without the store from then.</summary>
        public BehaviorBlockingException? StoreFailure { get; }

        /// <summary>The scan's row in the store (null without a store, or when recording the scan failed).</summary>
        public long? ScanId { get; }

        /// <summary>True when the scan was stopped before it read everything; what was read is reported and stored.</summary>
        public bool Cancelled { get; }

        /// <summary>
        /// What went wrong inside the engine during the scan, one sentence each, for every front end
        /// to show (the CLI prefixes <c>warning:</c>, a cmdlet writes a warning record): detectors that
        /// failed, a model that failed or was switched off (those verdicts are <c>!rule</c>), rules
        /// disabled by regex timeouts, policy or responder failures. Empty when all went well.
        /// </summary>
        public IReadOnlyList<string> Warnings()
        {
            var warnings = new List<string>();
            foreach (DetectorHealth health in Statistics.Detectors)
            {
                if (health.Failures > 0)
                {
                    warnings.Add($"detector {health.Name} failed {health.Failures} time(s); first: {health.FirstError}");
                }
            }

            if (Classifier.Disabled)
            {
                warnings.Add(Classifier.DisabledReason!);
            }
            else if (Classifier.Failures > 0)
            {
                warnings.Add($"the model {Classifier.Version} failed {Classifier.Failures:N0} time(s); those verdicts were decided by rules alone (!rule). First: {Classifier.FirstError}");
            }

            foreach (SigmaRule disabled in Rules?.Disabled ?? (IReadOnlyList<SigmaRule>)Array.Empty<SigmaRule>())
            {
                warnings.Add($"{ErrorIds.RuleDisabled}: rule '{disabled.Title}' ({disabled.Id}, {disabled.SourceFile}) was disabled for the rest of the scan: its regular expression timed out {RuleLimits.MaxRegexTimeoutsPerRule} times.");
            }

            long verdictFailures = Verdicts.PolicyFailures + Verdicts.ResponderFailures;
            if (verdictFailures > 0)
            {
                warnings.Add($"policy or responder failed {verdictFailures} time(s); first: {Verdicts.FirstError}");
            }

            return warnings;
        }
    }

    /// <summary>
    /// Replays recorded telemetry through an engine: the one scan path behind <c>behaviorblock scan</c>
    /// and the cmdlets. The engine's policy decides on every verdict as it would live, and a
    /// <see cref="WhatIfResponder"/> reports the steps it would have taken (nothing on this machine is touched). The scan is recorded in the store as running before it reads anything and
    /// updated when it ends. Each detection is committed to the store before the observer sees it,
    /// so a process killed at any moment has stored every detection it reported. A store that fails
    /// during the scan is reported once (<see cref="IScanObserver.OnStoreFailure"/>) and left alone:
    /// detection and reporting go on.
    /// </summary>
    public static class ScanService
    {
        /// <summary>Runs the scan on the calling thread (reading happens on a background thread).</summary>
        /// <exception cref="BehaviorBlockingException">The store cannot be opened (nothing was read then).</exception>
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
                var recorder = new ScanRecorder(store, observer);
                recorder.Start(DateTimeOffset.UtcNow, request.Paths);

                void Emit(Detection detection)
                {
                    // Stored first, shown second: what was shown is in the store whenever the process dies.
                    recorder.Store(detection);
                    observer.OnDetection(detection);
                }

                // A replay is never acted on: the policy's decisions are reported as what-if steps.
                EngineRun run = engine.CreateRun(Emit, observer.OnVerdict,
                    responder: request.FileGuardRails is null ? WhatIfResponder.Instance : new WhatIfResponder(request.FileGuardRails));
                var scanner = new ReplayScanner(new WindowsEventNormalizer(), run.Pipeline, request.Replay);
                ScanStatistics statistics;
                try
                {
                    statistics = scanner.Run(request.Paths, observer.OnProblem, cancellationToken,
                        (file, done, total, events) => observer.OnProgress(new ScanProgress(file, done, total, events)));
                }
                catch
                {
                    recorder.Finish(ScanStatus.Failed, null);
                    throw;
                }

                bool cancelled = cancellationToken.IsCancellationRequested;
                recorder.Finish(cancelled ? ScanStatus.Cancelled : ScanStatus.Completed, statistics);
                return new ScanResult(statistics, run.Verdicts.ClassifierHealth, run.Verdicts.Health, request.StorePath, recorder.Stored,
                    recorder.Unstored, recorder.Failure, recorder.ScanId, cancelled, run.RuleDetector?.Health());
            }
        }

        /// <summary>The scan's writes to the store: its row, then each detection in its own transaction; after the first failure, none.</summary>
        private sealed class ScanRecorder
        {
            private readonly DetectionStore? _store;
            private readonly IScanObserver _observer;
            private readonly Detection[] _one = new Detection[1];
            private DateTimeOffset _started;

            public ScanRecorder(DetectionStore? store, IScanObserver observer)
            {
                _store = store;
                _observer = observer;
            }

            public long? ScanId { get; private set; }

            public long Stored { get; private set; }

            public long Unstored { get; private set; }

            public BehaviorBlockingException? Failure { get; private set; }

            public void Start(DateTimeOffset started, IReadOnlyList<string> inputs)
            {
                _started = started;
                Write(store => ScanId = store.RecordScan(new ScanRecord { Status = ScanStatus.Running, Started = started, Inputs = inputs }));
            }

            public void Store(Detection detection)
            {
                if (_store is null)
                {
                    return;
                }

                _one[0] = detection;
                if (Write(store => store.Upsert(_one)))
                {
                    Stored++;
                }
                else
                {
                    Unstored++;
                }
            }

            public void Finish(ScanStatus status, ScanStatistics? statistics)
            {
                if (ScanId is not long id)
                {
                    return;
                }

                Write(store => store.UpdateScan(new ScanRecord
                {
                    Id = id,
                    Status = status,
                    Started = _started,
                    Finished = DateTimeOffset.UtcNow,
                    Files = statistics?.Files ?? 0,
                    Events = statistics?.Events ?? 0,
                    Malformed = statistics?.Malformed ?? 0,
                    Detections = statistics?.Detections ?? Stored + Unstored,
                }));
            }

            private bool Write(Action<DetectionStore> write)
            {
                if (_store is null || Failure is not null)
                {
                    return false;
                }

                try
                {
                    write(_store);
                    return true;
                }
                catch (BehaviorBlockingException ex)
                {
                    // Reported once; writing stops, detecting does not.
                    Failure = ex;
                    _observer.OnStoreFailure(ex);
                    return false;
                }
            }
        }
    }
}
