using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Pipeline
{
    /// <summary>Settings of a replay scan.</summary>
    public sealed class ReplayScanOptions
    {
        /// <summary>
        /// Read, parse and normalize on a background thread while the calling thread runs the graph
        /// and detectors. False runs everything on the calling thread (for measurement).
        /// </summary>
        public bool Pipelined { get; init; } = true;

        /// <summary>Events handed between the threads at a time.</summary>
        public int BatchSize { get; init; } = 1024;

        /// <summary>Batches that may wait between the threads; the reader waits when they are full (replay never drops).</summary>
        public int QueuedBatches { get; init; } = 16;

        /// <summary>Largest record (line or XML element) read, in bytes; larger ones are skipped and reported.</summary>
        public int MaxRecordBytes { get; init; } = 16 * 1024 * 1024;

        /// <summary>Treat each file as one recording: process trees do not span files, and detections are emitted at each file's end.</summary>
        public bool RecordingPerFile { get; init; } = true;
    }

    /// <summary>Figures of one replay scan.</summary>
    public sealed class ScanStatistics
    {
        /// <summary>Input files found.</summary>
        public int Files { get; internal set; }

        /// <summary>Input files that could not be read at all.</summary>
        public int FilesUnreadable { get; internal set; }

        /// <summary>Bytes of input as stored (compressed size for .gz).</summary>
        public long Bytes { get; internal set; }

        /// <summary>Events read and normalized.</summary>
        public long Events { get; internal set; }

        /// <summary>Records skipped as malformed (or too large, or without a time).</summary>
        public long Malformed { get; internal set; }

        /// <summary>Records read although they repeat a key (the first value of each key was kept).</summary>
        public long DuplicateKeys { get; internal set; }

        /// <summary>Events per normalized kind.</summary>
        public IReadOnlyList<EventKindCount> EventsByKind { get; internal set; } = new EventKindCount[0];

        /// <summary>Processes the graph created (observed or built from their events).</summary>
        public long Processes { get; internal set; }

        /// <summary>Processes whose start was not in the recording.</summary>
        public long ProcessesSynthesized { get; internal set; }

        /// <summary>Distinct process trees (after parent links joined provisional ones), counted as they closed.</summary>
        public long Trees { get; internal set; }

        /// <summary>Most processes held at once.</summary>
        public int PeakProcesses { get; internal set; }

        /// <summary>Detections emitted.</summary>
        public long Detections { get; internal set; }

        /// <summary>Detector failures (exceptions) over the run.</summary>
        public IReadOnlyList<DetectorHealth> Detectors { get; internal set; } = new DetectorHealth[0];

        /// <summary>Wall-clock duration.</summary>
        public TimeSpan Elapsed { get; internal set; }

        /// <summary>Events per second of wall-clock time.</summary>
        public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Events / Elapsed.TotalSeconds : 0;

        /// <summary>True when inputs were named but none could be read.</summary>
        public bool NothingRead => Files == 0 || FilesUnreadable == Files;
    }

    /// <summary>
    /// Replays recorded telemetry through a <see cref="BehaviorPipeline"/>: files and directories,
    /// JSON Lines or event XML, gzip or not, in constant memory. Bad records are reported with file
    /// and line, counted and skipped; a bad file does not stop the scan. Reading runs on the
    /// <see cref="EventPump"/>'s reader thread; everything else on the caller's.
    /// </summary>
    public sealed class ReplayScanner
    {
        private readonly IEventNormalizer _normalizer;
        private readonly BehaviorPipeline _pipeline;
        private readonly ReplayScanOptions _options;

        /// <summary>Creates a scanner feeding <paramref name="pipeline"/>.</summary>
        public ReplayScanner(IEventNormalizer normalizer, BehaviorPipeline pipeline, ReplayScanOptions? options = null)
        {
            _normalizer = normalizer ?? throw new ArgumentNullException(nameof(normalizer));
            _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
            _options = options ?? new ReplayScanOptions();
        }

        /// <summary>
        /// Scans the inputs. <paramref name="onProblem"/>, <paramref name="onFileDone"/> (file, files done,
        /// files in all, events so far) and the pipeline's callbacks run on the calling thread.
        /// Cancellation stops between batches; what was read is still processed and emitted.
        /// </summary>
        public ScanStatistics Run(IReadOnlyList<string> paths, Action<ReplayProblem> onProblem, CancellationToken cancellationToken = default,
            Action<string, int, int, long>? onFileDone = null)
        {
            if (paths is null)
            {
                throw new ArgumentNullException(nameof(paths));
            }

            var stats = new ScanStatistics();
            var clock = Stopwatch.StartNew();
            var expandProblems = new List<ReplayProblem>();
            IReadOnlyList<string> files = ReplayInputs.Expand(paths, expandProblems.Add);
            foreach (ReplayProblem problem in expandProblems)
            {
                onProblem(problem);
            }

            stats.Files = files.Count + expandProblems.Count;
            stats.FilesUnreadable = expandProblems.Count;
            var source = new ReplaySource(files, _normalizer, _options.MaxRecordBytes);
            var pump = new EventPump(source, new EventPumpOptions
            {
                Threaded = _options.Pipelined,
                BatchSize = _options.BatchSize,
                QueuedBatches = _options.QueuedBatches,
            });
            int filesDone = 0;
            pump.Run(batch =>
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    _pipeline.Process(batch.Events[i]);
                }

                stats.Events += batch.Count;
                if (batch.Problems is not null)
                {
                    foreach (ReplayProblem problem in batch.Problems)
                    {
                        if (problem.RecordKept)
                        {
                            stats.DuplicateKeys++;
                        }
                        else if (!problem.IsFileLevel)
                        {
                            stats.Malformed++;
                        }

                        onProblem(problem);
                    }
                }

                if (batch.EndedRecording is string file)
                {
                    if (batch.RecordingUnreadable)
                    {
                        stats.FilesUnreadable++;
                    }

                    if (_options.RecordingPerFile)
                    {
                        _pipeline.EndRecording();
                    }

                    onFileDone?.Invoke(file, ++filesDone, files.Count, stats.Events);
                }
            }, cancellationToken);

            _pipeline.EndRecording();
            clock.Stop();
            stats.Bytes = source.Bytes;
            stats.Elapsed = clock.Elapsed;
            stats.EventsByKind = _pipeline.EventsByKind();
            stats.Processes = _pipeline.Graph.Statistics.ProcessesCreated;
            stats.ProcessesSynthesized = _pipeline.Graph.Statistics.ProcessesSynthesized;
            stats.Trees = _pipeline.Graph.Statistics.TreesClosed;
            stats.PeakProcesses = _pipeline.Graph.Statistics.PeakProcesses;
            stats.Detections = _pipeline.DetectionsEmitted;
            stats.Detectors = _pipeline.DetectorHealth();
            return stats;
        }
    }
}
