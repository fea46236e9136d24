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

        /// <summary>Bytes of input as stored (compressed size for .gz), read so far (counted as read, so pipes count too).</summary>
        public long Bytes => Interlocked.Read(ref _bytes);

        // Standard input for "-"; anything else opened forward-only, so FIFOs and devices read like files.
        private static Stream OpenInput(string file) => file == ReplayInputs.StandardInput
            ? Console.OpenStandardInput()
            : new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);

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

                ReplayInputs.PeekableStream? input = null;
                try
                {
                    input = new ReplayInputs.PeekableStream(OpenInput(file));
                    IRecordReader reader = ReplayInputs.Open(input, file, Report, _strings, _maxRecordBytes);
                    while (true)
                    {
                        EventRecord? record;
                        try
                        {
                            record = reader.Next();
                        }
                        catch (Exception ex) when (!(ex is OperationCanceledException))
                        {
                            // Last line of defence: the readers report each bad record themselves, so anything
                            // escaping one means its state is unknown; the rest of this file is given up, not the scan.
                            Report(new ReplayProblem(file, 0, ReplayProblem.InputUnreadableErrorId,
                                "reading stopped after " + records + " record(s): " + ex.GetType().Name + ": " + ex.Message));
                            break;
                        }

                        if (record is null)
                        {
                            break;
                        }

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
                        catch (Exception ex) when (!(ex is OperationCanceledException))
                        {
                            // Last line of defence for one record: a mapping that throws costs that record only.
                            Report(new ReplayProblem(file, record.SourceLine, ReplayProblem.RecordMalformedErrorId,
                                "the record cannot be normalized: " + ex.GetType().Name + ": " + ex.Message));
                            continue;
                        }

                        writer.Write(normalized);
                        if ((records & 1023) == 0 && cancellationToken.IsCancellationRequested)
                        {
                            return;
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException
                    || ex is NotSupportedException || ex is ArgumentException || ex is System.Security.SecurityException)
                {
                    Report(new ReplayProblem(file, 0, ReplayProblem.InputUnreadableErrorId, ex.Message));
                    fileLost = true;
                }
                finally
                {
                    if (input is not null)
                    {
                        Interlocked.Add(ref _bytes, input.BytesRead);
                        input.Dispose();
                    }
                }

                writer.EndRecording(file, fileLost && records == 0);
            }
        }
    }
}
