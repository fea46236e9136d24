using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Pipeline
{
    /// <summary>
    /// Anything that produces normalized events: replay of recordings, a live sensor. A source runs on
    /// the pump's reader thread (or the caller's, unthreaded) and only writes to the writer it is given.
    /// </summary>
    public interface IEventSource
    {
        /// <summary>Short name (thread names, health).</summary>
        string Name { get; }

        /// <summary>
        /// True for live telemetry: when the consumer falls behind, batches are dropped and counted so the
        /// sensor is never blocked. False for replay: the source waits, nothing is lost.
        /// </summary>
        bool IsLive { get; }

        /// <summary>Produces events until the source is exhausted or <paramref name="cancellationToken"/> is cancelled.</summary>
        void Run(IEventWriter writer, CancellationToken cancellationToken);
    }

    /// <summary>What a source writes to. Not thread-safe: one source thread writes.</summary>
    public interface IEventWriter
    {
        /// <summary>One normalized event.</summary>
        void Write(BehaviorEvent behaviorEvent);

        /// <summary>A record or input that was skipped; travels in order with the events.</summary>
        void Problem(ReplayProblem problem);

        /// <summary>A recording ended (replay: a file); the consumer closes its trees.</summary>
        void EndRecording(string recording, bool unreadable);

        /// <summary>Hands over what is batched now (a live source calls it when idle, so events never wait for a full batch).</summary>
        void Flush();
    }

    /// <summary>Events of one stretch of a source, with the problems met there, in order.</summary>
    public sealed class EventBatch
    {
        internal EventBatch(int capacity) => Events = new BehaviorEvent[capacity];

        /// <summary>The events; the first <see cref="Count"/> are valid.</summary>
        public BehaviorEvent[] Events { get; }

        /// <summary>Events in the batch.</summary>
        public int Count { get; internal set; }

        /// <summary>Problems met while producing the batch, or null.</summary>
        public IReadOnlyList<ReplayProblem>? Problems => _problems;

        /// <summary>Set when a recording ended after these events.</summary>
        public string? EndedRecording { get; internal set; }

        /// <summary>True when the recording that ended could not be read at all.</summary>
        public bool RecordingUnreadable { get; internal set; }

        internal List<ReplayProblem>? _problems;
    }

    /// <summary>Settings of an <see cref="EventPump"/>.</summary>
    public sealed class EventPumpOptions
    {
        /// <summary>Run the source on its own background thread; false runs everything on the caller's thread (for measurement).</summary>
        public bool Threaded { get; init; } = true;

        /// <summary>Events handed between the threads at a time.</summary>
        public int BatchSize { get; init; } = 1024;

        /// <summary>Batches that may wait between the threads.</summary>
        public int QueuedBatches { get; init; } = 16;
    }

    /// <summary>
    /// Moves events from a source to the one consumer: the source runs on a named background thread
    /// and writes batches into a bounded channel; the caller's thread drains it. A replay source waits
    /// when the channel is full; a live source drops the batch and counts it, never blocking the sensor.
    /// Every callback of the consumer runs on the thread that called <see cref="Run"/>.
    /// </summary>
    public sealed class EventPump
    {
        private readonly IEventSource _source;
        private readonly EventPumpOptions _options;
        private long _droppedEvents;
        private long _droppedBatches;

        /// <summary>Creates a pump for <paramref name="source"/>.</summary>
        public EventPump(IEventSource source, EventPumpOptions? options = null)
        {
            _source = source ?? throw new ArgumentNullException(nameof(source));
            _options = options ?? new EventPumpOptions();
        }

        /// <summary>Events a live source lost because the consumer was behind.</summary>
        public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

        /// <summary>Batches a live source lost.</summary>
        public long DroppedBatches => Interlocked.Read(ref _droppedBatches);

        /// <summary>
        /// Runs the source to its end (or cancellation) and calls <paramref name="consume"/> for each batch
        /// on this thread. A source failure is rethrown here after what it produced was consumed.
        /// </summary>
        public void Run(Action<EventBatch> consume, CancellationToken cancellationToken = default)
        {
            if (consume is null)
            {
                throw new ArgumentNullException(nameof(consume));
            }

            int size = Math.Max(1, _options.BatchSize);
            if (!_options.Threaded)
            {
                var direct = new BatchWriter(size, consume);
                _source.Run(direct, cancellationToken);
                direct.Flush();
                return;
            }

            Channel<EventBatch> channel = Channel.CreateBounded<EventBatch>(new BoundedChannelOptions(Math.Max(1, _options.QueuedBatches))
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = true,
            });
            using var stopReader = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bool live = _source.IsLive;
            void Deliver(EventBatch batch)
            {
                if (channel.Writer.TryWrite(batch))
                {
                    return;
                }

                if (live)
                {
                    Interlocked.Add(ref _droppedEvents, batch.Count);
                    Interlocked.Increment(ref _droppedBatches);
                    return;
                }

                while (!channel.Writer.TryWrite(batch))
                {
                    if (!channel.Writer.WaitToWriteAsync(stopReader.Token).AsTask().GetAwaiter().GetResult())
                    {
                        return;
                    }
                }
            }

            var reader = new Thread(() =>
            {
                Exception? failure = null;
                try
                {
                    var writer = new BatchWriter(size, Deliver);
                    _source.Run(writer, stopReader.Token);
                    writer.Flush();
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
                Name = "BehaviorBlocking " + _source.Name + " reader",
            };
            reader.Start();
            try
            {
                while (channel.Reader.WaitToReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
                {
                    while (channel.Reader.TryRead(out EventBatch? batch))
                    {
                        consume(batch);
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

        /// <summary>Collects a source's writes into batches and delivers them.</summary>
        private sealed class BatchWriter : IEventWriter
        {
            private readonly int _size;
            private readonly Action<EventBatch> _deliver;
            private EventBatch _batch;

            public BatchWriter(int size, Action<EventBatch> deliver)
            {
                _size = size;
                _deliver = deliver;
                _batch = new EventBatch(size);
            }

            public void Write(BehaviorEvent behaviorEvent)
            {
                _batch.Events[_batch.Count++] = behaviorEvent;
                if (_batch.Count == _size)
                {
                    Flush();
                }
            }

            public void Problem(ReplayProblem problem) => (_batch._problems ??= new List<ReplayProblem>()).Add(problem);

            public void EndRecording(string recording, bool unreadable)
            {
                _batch.EndedRecording = recording;
                _batch.RecordingUnreadable = unreadable;
                Flush();
            }

            public void Flush()
            {
                if (_batch.Count == 0 && _batch._problems is null && _batch.EndedRecording is null)
                {
                    return;
                }

                EventBatch full = _batch;
                _batch = new EventBatch(_size);
                _deliver(full);
            }
        }
    }
}
