using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Pipeline
{
    /// <summary>Settings of a <see cref="LivePump"/>.</summary>
    public sealed class LivePumpOptions
    {
        /// <summary>Events a source hands over at a time (it also hands over a part batch each time it calls Flush).</summary>
        public int BatchSize { get; init; } = 256;

        /// <summary>Batches that may wait for the consumer, over all sources; past it a batch is dropped and counted.</summary>
        public int QueuedBatches { get; init; } = 256;
    }

    /// <summary>A batch of one source, as the consumer takes it from a <see cref="LivePump"/>.</summary>
    public readonly struct LiveBatch
    {
        internal LiveBatch(int source, EventBatch batch)
        {
            Source = source;
            Batch = batch;
        }

        /// <summary>Index of the source in the pump's list.</summary>
        public int Source { get; }

        /// <summary>The events and problems.</summary>
        public EventBatch Batch { get; }
    }

    /// <summary>
    /// Moves events of any number of live sources to one consumer: each source runs on its own named background
    /// thread with its own batch writer and delivers into one bounded channel shared by all; when the channel is
    /// full the batch is dropped and counted for that source, so a sensor is never blocked. A source that throws
    /// is marked failed with its error; the others go on. The consumer reads with <see cref="TryRead"/> and
    /// <see cref="WaitToRead"/> on a thread of its own. (Replay keeps <see cref="EventPump"/>, which waits instead.)
    /// </summary>
    public sealed class LivePump : IDisposable
    {
        private readonly IEventSource[] _sources;
        private readonly SourceSlot[] _slots;
        private readonly Channel<LiveBatch> _channel;
        private readonly int _batchSize;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        // Set by a source after each hand-over; the consumer waits on it when the queue is empty. A plain event, not the
        // channel's async wait: that one completes through the thread pool, which costs a pool wake-up per batch.
        private readonly ManualResetEventSlim _available = new ManualResetEventSlim(false, 1);
        private long _queuedEvents;
        private int _started;

        /// <summary>Creates a pump over <paramref name="sources"/> (started by <see cref="Start"/>).</summary>
        public LivePump(IReadOnlyList<IEventSource> sources, LivePumpOptions? options = null)
        {
            if (sources is null)
            {
                throw new ArgumentNullException(nameof(sources));
            }

            options ??= new LivePumpOptions();
            _sources = new IEventSource[sources.Count];
            _slots = new SourceSlot[sources.Count];
            for (int i = 0; i < sources.Count; i++)
            {
                _sources[i] = sources[i] ?? throw new ArgumentException("a source is null", nameof(sources));
                _slots[i] = new SourceSlot(sources[i].Name);
            }

            _batchSize = Math.Max(1, options.BatchSize);
            Capacity = Math.Max(1, options.QueuedBatches);
            _channel = Channel.CreateBounded<LiveBatch>(new BoundedChannelOptions(Capacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = false,
            });
        }

        /// <summary>Batches the queue holds at most.</summary>
        public int Capacity { get; }

        /// <summary>Sources, in the order given.</summary>
        public IReadOnlyList<IEventSource> Sources => _sources;

        /// <summary>Events waiting for the consumer now.</summary>
        public long QueuedEvents => Interlocked.Read(ref _queuedEvents);

        /// <summary>Events dropped over all sources.</summary>
        public long DroppedEvents
        {
            get
            {
                long total = 0;
                foreach (SourceSlot slot in _slots)
                {
                    total += Interlocked.Read(ref slot.DroppedEvents);
                }

                return total;
            }
        }

        /// <summary>Batches dropped over all sources.</summary>
        public long DroppedBatches
        {
            get
            {
                long total = 0;
                foreach (SourceSlot slot in _slots)
                {
                    total += Interlocked.Read(ref slot.DroppedBatches);
                }

                return total;
            }
        }

        /// <summary>Called on a source's thread when it fails (source index, error); the pump has marked it failed already.</summary>
        public Action<int, Exception>? SourceFailed { get; set; }

        /// <summary>What one source did so far (any thread).</summary>
        public LiveSourceStatus Status(int source)
        {
            SourceSlot slot = _slots[source];
            return new LiveSourceStatus((LiveSourceState)Volatile.Read(ref slot.State), Interlocked.Read(ref slot.Events),
                Interlocked.Read(ref slot.DroppedEvents), Interlocked.Read(ref slot.DroppedBatches), Volatile.Read(ref slot.LastError));
        }

        /// <summary>Starts one thread per source.</summary>
        public void Start()
        {
            if (Interlocked.Exchange(ref _started, 1) != 0)
            {
                throw new InvalidOperationException("the pump was started already");
            }

            for (int i = 0; i < _sources.Length; i++)
            {
                int index = i;
                var thread = new Thread(() => RunSource(index))
                {
                    IsBackground = true,
                    Name = "BehaviorBlocking " + _sources[i].Name + " source",
                };
                _slots[i].Thread = thread;
                thread.Start();
            }
        }

        /// <summary>Takes the next batch when one waits.</summary>
        public bool TryRead(out LiveBatch batch)
        {
            if (_channel.Reader.TryRead(out batch))
            {
                Interlocked.Add(ref _queuedEvents, -batch.Batch.Count);
                return true;
            }

            return false;
        }

        /// <summary>True when a batch waits (it stays queued).</summary>
        public bool TryPeek() => _channel.Reader.TryPeek(out _);

        /// <summary>Waits up to <paramref name="timeout"/> for a batch; false when none came (or every source has ended).</summary>
        public bool WaitToRead(TimeSpan timeout)
        {
            if (_channel.Reader.TryPeek(out _))
            {
                return true;
            }

            _available.Reset();

            // Checked again after the reset: a batch handed over in between has set the event or is seen here.
            if (_channel.Reader.TryPeek(out _))
            {
                return true;
            }

            return _available.Wait(timeout) && _channel.Reader.TryPeek(out _);
        }

        /// <summary>
        /// Stops every source (cancellation), waits up to <paramref name="join"/> for each thread, and returns the names
        /// of sources that did not stop in time (their threads are background threads and are left behind).
        /// </summary>
        public IReadOnlyList<string> Stop(TimeSpan join)
        {
            _stop.Cancel();
            var late = new List<string>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < _slots.Length; i++)
            {
                Thread? thread = _slots[i].Thread;
                if (thread is null)
                {
                    continue;
                }

                TimeSpan left = join - clock.Elapsed;
                if (!thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                {
                    late.Add(_slots[i].Name);
                }
            }

            return late;
        }

        /// <summary>Stops the sources (if still running) and releases the cancellation source.</summary>
        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
            {
                Stop(TimeSpan.FromSeconds(2));
            }

            // A source that holds kernel resources (a fanotify permission group must answer every pending exec)
            // releases them here, once its thread has stopped or was given up on.
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_sources[i] is IDisposable disposable)
                {
                    try
                    {
                        disposable.Dispose();
                    }
                    catch (Exception)
                    {
                        // Releasing one source must not keep the others from being released.
                    }
                }
            }

            // The event is left to the collector: a source thread left behind may still set it.
            _stop.Dispose();
        }

        private void RunSource(int index)
        {
            SourceSlot slot = _slots[index];
            Volatile.Write(ref slot.State, (int)LiveSourceState.Running);
            var writer = new LiveBatchWriter(this, index, _batchSize);
            try
            {
                _sources[index].Run(writer, _stop.Token);
                writer.Flush();
                Volatile.Write(ref slot.State, (int)(_stop.IsCancellationRequested ? LiveSourceState.Stopped : LiveSourceState.Ended));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                writer.Flush();
                Volatile.Write(ref slot.State, (int)LiveSourceState.Stopped);
            }
            catch (Exception ex)
            {
                // One source failing ends that source only: what it wrote before is delivered, the others go on.
                try
                {
                    writer.Flush();
                }
                catch (Exception)
                {
                }

                Volatile.Write(ref slot.LastError, ex.GetType().Name + ": " + ex.Message);
                Volatile.Write(ref slot.State, (int)LiveSourceState.Failed);
                try
                {
                    SourceFailed?.Invoke(index, ex);
                }
                catch (Exception)
                {
                }
            }
        }

        private void Deliver(int index, EventBatch batch)
        {
            SourceSlot slot = _slots[index];
            Interlocked.Add(ref slot.Events, batch.Count);
            if (batch.Problems is { Count: > 0 } problems)
            {
                Volatile.Write(ref slot.LastError, problems[problems.Count - 1].ToString());
            }

            // Counted before the write, so the consumer never sees the queue go below zero.
            Interlocked.Add(ref _queuedEvents, batch.Count);
            if (_channel.Writer.TryWrite(new LiveBatch(index, batch)))
            {
                _available.Set();
                return;
            }

            Interlocked.Add(ref _queuedEvents, -batch.Count);
            Interlocked.Add(ref slot.DroppedEvents, batch.Count);
            Interlocked.Increment(ref slot.DroppedBatches);
        }

        /// <summary>Per-source counters, written by its thread, read by anyone.</summary>
        private sealed class SourceSlot
        {
            public SourceSlot(string name) => Name = name;

            public string Name { get; }

            public Thread? Thread { get; set; }

            public int State;
            public long Events;
            public long DroppedEvents;
            public long DroppedBatches;
            public string? LastError;
        }

        /// <summary>One source's writer: collects writes into batches and hands each to the pump; never blocks.</summary>
        private sealed class LiveBatchWriter : IEventWriter
        {
            private readonly LivePump _pump;
            private readonly int _index;
            private readonly int _size;
            private EventBatch _batch;

            public LiveBatchWriter(LivePump pump, int index, int size)
            {
                _pump = pump;
                _index = index;
                _size = size;
                _batch = new EventBatch(size);
            }

            public void Write(BehaviorEvent behaviorEvent)
            {
                if (behaviorEvent is null)
                {
                    return;
                }

                _batch.Events[_batch.Count++] = behaviorEvent;
                if (_batch.Count == _size)
                {
                    Flush();
                }
            }

            public void Problem(ReplayProblem problem)
            {
                if (problem is not null)
                {
                    (_batch._problems ??= new List<ReplayProblem>()).Add(problem);
                }
            }

            // A live source has no recordings: an end is a hand-over point, nothing more.
            public void EndRecording(string recording, bool unreadable) => Flush();

            public void Flush()
            {
                if (_batch.Count == 0 && _batch._problems is null)
                {
                    return;
                }

                EventBatch full = _batch;
                _batch = new EventBatch(_size);
                _pump.Deliver(_index, full);
            }
        }
    }

    /// <summary>Where a source of a <see cref="LivePump"/> is.</summary>
    public enum LiveSourceState
    {
        /// <summary>Its thread has not started it yet.</summary>
        Starting = 0,

        /// <summary>Running.</summary>
        Running,

        /// <summary>Returned on its own.</summary>
        Ended,

        /// <summary>Threw out of its loop.</summary>
        Failed,

        /// <summary>Stopped by the pump.</summary>
        Stopped,
    }

    /// <summary>What one source of a <see cref="LivePump"/> did so far.</summary>
    public sealed class LiveSourceStatus
    {
        internal LiveSourceStatus(LiveSourceState state, long events, long droppedEvents, long droppedBatches, string? lastError)
        {
            State = state;
            Events = events;
            DroppedEvents = droppedEvents;
            DroppedBatches = droppedBatches;
            LastError = lastError;
        }

        /// <summary>Its state.</summary>
        public LiveSourceState State { get; }

        /// <summary>Events it handed over (delivered or dropped).</summary>
        public long Events { get; }

        /// <summary>Events dropped because the queue was full.</summary>
        public long DroppedEvents { get; }

        /// <summary>Batches dropped.</summary>
        public long DroppedBatches { get; }

        /// <summary>Its failure, or the last problem it reported.</summary>
        public string? LastError { get; }
    }
}
