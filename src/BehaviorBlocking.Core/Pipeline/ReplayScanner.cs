using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
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
    /// and line, counted and skipped; a bad file does not stop the scan.
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
        /// Scans the inputs. <paramref name="onProblem"/> and the pipeline's detection callback run on
        /// the calling thread. Cancellation stops between batches; what was read is still processed and emitted.
        /// </summary>
        public ScanStatistics Run(IReadOnlyList<string> paths, Action<ReplayProblem> onProblem, CancellationToken cancellationToken = default)
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
            var producer = new BatchProducer(files, _normalizer, _options, cancellationToken);
            if (_options.Pipelined)
            {
                RunPipelined(producer, stats, onProblem, cancellationToken);
            }
            else
            {
                producer.Produce(batch => Consume(batch, stats, onProblem));
            }

            _pipeline.EndRecording();
            clock.Stop();
            stats.Bytes = producer.Bytes;
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

        private void RunPipelined(BatchProducer producer, ScanStatistics stats, Action<ReplayProblem> onProblem, CancellationToken cancellationToken)
        {
            Channel<Batch> channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Math.Max(1, _options.QueuedBatches))
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = true,
            });
            using var stopReader = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var reader = new Thread(() =>
            {
                Exception? failure = null;
                try
                {
                    producer.Produce(batch =>
                    {
                        while (!channel.Writer.TryWrite(batch))
                        {
                            if (!channel.Writer.WaitToWriteAsync(stopReader.Token).AsTask().GetAwaiter().GetResult())
                            {
                                return;
                            }
                        }
                    });
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                channel.Writer.TryComplete(failure);
            })
            {
                IsBackground = true,
                Name = "BehaviorBlocking replay reader",
            };
            reader.Start();
            try
            {
                while (channel.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
                {
                    while (channel.Reader.TryRead(out Batch? batch))
                    {
                        Consume(batch, stats, onProblem);
                    }
                }
            }
            finally
            {
                // The consumer failing (a callback threw) must not leave the reader blocked on a full channel.
                stopReader.Cancel();
                reader.Join();
            }
        }

        private void Consume(Batch batch, ScanStatistics stats, Action<ReplayProblem> onProblem)
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
                    if (!problem.IsFileLevel)
                    {
                        stats.Malformed++;
                    }

                    onProblem(problem);
                }
            }

            if (batch.EndOfFile)
            {
                if (batch.FileUnreadable)
                {
                    stats.FilesUnreadable++;
                }

                if (_options.RecordingPerFile)
                {
                    _pipeline.EndRecording();
                }
            }
        }

        /// <summary>Events of one stretch of one file, plus the problems met there, in order.</summary>
        private sealed class Batch
        {
            public Batch(int capacity) => Events = new BehaviorEvent[capacity];

            public BehaviorEvent[] Events { get; }

            public int Count { get; set; }

            public List<ReplayProblem>? Problems { get; set; }

            public bool EndOfFile { get; set; }

            public bool FileUnreadable { get; set; }
        }

        /// <summary>Reads, parses and normalizes input files into batches (on whichever thread calls Produce).</summary>
        private sealed class BatchProducer
        {
            private readonly IReadOnlyList<string> _files;
            private readonly IEventNormalizer _normalizer;
            private readonly ReplayScanOptions _options;
            private readonly CancellationToken _cancellationToken;
            private readonly Utf8StringCache _strings = new Utf8StringCache();

            public BatchProducer(IReadOnlyList<string> files, IEventNormalizer normalizer, ReplayScanOptions options, CancellationToken cancellationToken)
            {
                _files = files;
                _normalizer = normalizer;
                _options = options;
                _cancellationToken = cancellationToken;
            }

            public long Bytes { get; private set; }

            public void Produce(Action<Batch> deliver)
            {
                int size = Math.Max(1, _options.BatchSize);
                foreach (string file in _files)
                {
                    if (_cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }

                    var batch = new Batch(size);
                    long records = 0;
                    bool fileLost = false;
                    void Report(ReplayProblem problem)
                    {
                        (batch.Problems ??= new List<ReplayProblem>()).Add(problem);
                        fileLost |= problem.IsFileLevel;
                    }

                    try
                    {
                        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);
                        Bytes += stream.Length;
                        IRecordReader reader = ReplayInputs.Open(stream, file, Report, _strings, _options.MaxRecordBytes);
                        for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                        {
                            records++;
                            BehaviorEvent normalized;
                            try
                            {
                                normalized = _normalizer.Normalize(record);
                            }
                            catch (BehaviorBlockingException ex) when (ex.Kind == FailureKind.InvalidData)
                            {
                                Report(new ReplayProblem(file, record.SourceLine, ex.ErrorId, ex.Message));
                                continue;
                            }

                            batch.Events[batch.Count++] = normalized;
                            if (batch.Count == size)
                            {
                                deliver(batch);
                                batch = new Batch(size);
                                if (_cancellationToken.IsCancellationRequested)
                                {
                                    return;
                                }
                            }
                        }
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
                    {
                        Report(new ReplayProblem(file, 0, ReplayProblem.InputUnreadableErrorId, ex.Message));
                        fileLost = true;
                    }

                    batch.EndOfFile = true;
                    batch.FileUnreadable = fileLost && records == 0;
                    deliver(batch);
                }
            }
        }
    }
}
