using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// Recorded telemetry as an event source: reads, parses and normalizes each file in turn
    /// (JSON Lines or event XML, gzip or not), reporting bad records with file and line; each file
    /// ends as one recording. Never drops: the pump makes it wait when the consumer is behind.
    /// </summary>
    public sealed class ReplaySource : IEventSource
    {
        private readonly IReadOnlyList<string> _files;
        private readonly IEventNormalizer _normalizer;
        private readonly int _maxRecordBytes;
        private readonly Utf8StringCache _strings = new Utf8StringCache();
        private long _bytes;

        /// <summary>Creates a source over already expanded files (see <see cref="ReplayInputs.Expand"/>).</summary>
        public ReplaySource(IReadOnlyList<string> files, IEventNormalizer normalizer, int maxRecordBytes = 16 * 1024 * 1024)
        {
            _files = files ?? throw new ArgumentNullException(nameof(files));
            _normalizer = normalizer ?? throw new ArgumentNullException(nameof(normalizer));
            _maxRecordBytes = maxRecordBytes;
        }

        /// <inheritdoc />
        public string Name => "replay";

        /// <inheritdoc />
        public bool IsLive => false;

        /// <summary>Bytes of input as stored (compressed size for .gz), read so far.</summary>
        public long Bytes => Interlocked.Read(ref _bytes);

        /// <inheritdoc />
        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            foreach (string file in _files)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                long records = 0;
                bool fileLost = false;
                void Report(ReplayProblem problem)
                {
                    writer.Problem(problem);
                    fileLost |= problem.IsFileLevel;
                }

                try
                {
                    using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);
                    Interlocked.Add(ref _bytes, stream.Length);
                    IRecordReader reader = ReplayInputs.Open(stream, file, Report, _strings, _maxRecordBytes);
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

                        writer.Write(normalized);
                        if ((records & 1023) == 0 && cancellationToken.IsCancellationRequested)
                        {
                            return;
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
                {
                    Report(new ReplayProblem(file, 0, ReplayProblem.InputUnreadableErrorId, ex.Message));
                    fileLost = true;
                }

                writer.EndRecording(file, fileLost && records == 0);
            }
        }
    }
}
