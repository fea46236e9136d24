using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.Pipeline
{
    /// <summary>The pump between a source's thread and the one consumer: replay never loses, live never blocks.</summary>
    public sealed class EventPumpTests
    {
        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);

        private static BehaviorEvent Event(int n) => new BehaviorEvent
        {
            Kind = EventKind.FileCreate,
            Host = "WS1",
            Time = T0.AddSeconds(n),
            ProcessId = 100,
            RecordId = n,
        };

        /// <summary>Runs a script against the writer on whatever thread the pump gives it.</summary>
        private sealed class ScriptSource : IEventSource
        {
            private readonly Action<IEventWriter, CancellationToken> _script;

            public ScriptSource(bool live, Action<IEventWriter, CancellationToken> script)
            {
                IsLive = live;
                _script = script;
            }

            public string Name => "script";

            public bool IsLive { get; }

            public int? ThreadId { get; private set; }

            public string? ThreadName { get; private set; }

            public void Run(IEventWriter writer, CancellationToken cancellationToken)
            {
                ThreadId = Environment.CurrentManagedThreadId;
                ThreadName = Thread.CurrentThread.Name;
                _script(writer, cancellationToken);
            }
        }

        private static ScriptSource Writes(int count, bool live, ManualResetEventSlim? done = null, StrongBox<int>? written = null) =>
            new ScriptSource(live, (writer, _) =>
            {
                for (int i = 1; i <= count; i++)
                {
                    writer.Write(Event(i));
                    if (written is not null)
                    {
                        Interlocked.Increment(ref written.Value);
                    }
                }

                done?.Set();
            });

        private static List<long> RecordIds(IEnumerable<EventBatch> batches) =>
            batches.SelectMany(b => b.Events.Take(b.Count)).Select(e => e.RecordId!.Value).ToList();

        [Fact]
        public void Run_ReplaySourceWithSlowConsumer_LosesNothingAndWaits()
        {
            var written = new StrongBox<int>();
            var pump = new EventPump(Writes(50, live: false, written: written), new EventPumpOptions { BatchSize = 1, QueuedBatches = 1 });
            var batches = new List<EventBatch>();
            int writtenWhileFirstBatchHeld = -1;

            pump.Run(batch =>
            {
                if (batches.Count == 0)
                {
                    // Hold the first batch a while: a replay source must wait, not run ahead and drop.
                    Thread.Sleep(100);
                    writtenWhileFirstBatchHeld = Volatile.Read(ref written.Value);
                }

                batches.Add(batch);
            });

            Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), RecordIds(batches));
            Assert.Equal(0, pump.DroppedEvents);
            Assert.Equal(0, pump.DroppedBatches);
            // One batch held by the consumer, one queued; the third write waits for room.
            Assert.InRange(writtenWhileFirstBatchHeld, 1, 3);
        }

        [Fact]
        public void Run_LiveSourceWithBlockedConsumer_DropsAndCountsWithoutBlockingTheSource()
        {
            using var sourceDone = new ManualResetEventSlim();
            const int total = 200;
            var pump = new EventPump(Writes(total, live: true, done: sourceDone), new EventPumpOptions { BatchSize = 1, QueuedBatches = 1 });
            var consumed = new List<EventBatch>();
            bool sourceFinishedWhileConsumerBlocked = false;

            pump.Run(batch =>
            {
                if (consumed.Count == 0)
                {
                    // The consumer is stuck on its first batch; the live source must still run to its end.
                    sourceFinishedWhileConsumerBlocked = sourceDone.Wait(Generous);
                }

                consumed.Add(batch);
            });

            Assert.True(sourceFinishedWhileConsumerBlocked, "the live source was blocked by a stuck consumer");
            Assert.True(pump.DroppedEvents > 0);
            Assert.True(pump.DroppedBatches > 0);
            Assert.Equal(pump.DroppedEvents, pump.DroppedBatches);
            List<long> ids = RecordIds(consumed);
            Assert.Equal(total, ids.Count + pump.DroppedEvents);
            Assert.Equal(ids.OrderBy(i => i), ids);
            Assert.Equal(1, ids[0]);
        }

        [Fact]
        public void Run_ProblemsAndRecordingEnds_ArriveInOrderOnTheCallingThread()
        {
            var p1 = new ReplayProblem("a.jsonl", 2, "RecordMalformed", "bad line");
            var p2 = new ReplayProblem("b.jsonl", 7, "RecordTooLarge", "big line");
            var source = new ScriptSource(live: false, (w, _) =>
            {
                w.Write(Event(1));
                w.Problem(p1);
                w.Write(Event(2));
                w.EndRecording("a.jsonl", unreadable: false);
                w.Write(Event(3));
                w.Problem(p2);
                w.EndRecording("b.jsonl", unreadable: true);
            });
            var pump = new EventPump(source, new EventPumpOptions { BatchSize = 100 });
            var seen = new List<string>();
            var threads = new HashSet<int>();
            int caller = Environment.CurrentManagedThreadId;

            pump.Run(batch =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                seen.AddRange(batch.Events.Take(batch.Count).Select(e => "event " + e.RecordId));
                seen.AddRange((batch.Problems ?? Array.Empty<ReplayProblem>()).Select(p => "problem " + p.File + ":" + p.Line));
                if (batch.EndedRecording is not null)
                {
                    seen.Add("end " + batch.EndedRecording + (batch.RecordingUnreadable ? " unreadable" : string.Empty));
                }
            });

            Assert.Equal(new[] { "event 1", "event 2", "problem a.jsonl:2", "end a.jsonl", "event 3", "problem b.jsonl:7", "end b.jsonl unreadable" }, seen);
            Assert.Equal(new[] { caller }, threads);
            Assert.NotEqual(caller, source.ThreadId);
            Assert.Equal("BehaviorBlocking script reader", source.ThreadName);
        }

        [Fact]
        public void Run_Unthreaded_RunsSourceAndConsumerOnCallingThread()
        {
            ScriptSource source = Writes(5, live: true);
            var pump = new EventPump(source, new EventPumpOptions { Threaded = false, BatchSize = 2 });
            var threads = new HashSet<int>();
            var batches = new List<EventBatch>();

            pump.Run(batch =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                batches.Add(batch);
            });

            Assert.Equal(Environment.CurrentManagedThreadId, source.ThreadId);
            Assert.Equal(new[] { Environment.CurrentManagedThreadId }, threads);
            Assert.Equal(new[] { 2, 2, 1 }, batches.Select(b => b.Count));
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, RecordIds(batches));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Run_SourceThrows_ExceptionSurfacesAfterEarlierBatchesWereConsumed(bool threaded)
        {
            var source = new ScriptSource(live: false, (w, _) =>
            {
                w.Write(Event(1));
                w.Write(Event(2));
                w.Write(Event(3));
                throw new InvalidOperationException("sensor lost");
            });
            var pump = new EventPump(source, new EventPumpOptions { Threaded = threaded, BatchSize = 1 });
            var batches = new List<EventBatch>();

            var ex = Assert.Throws<InvalidOperationException>(() => pump.Run(batches.Add));

            Assert.Equal("sensor lost", ex.Message);
            Assert.Equal(new long[] { 1, 2, 3 }, RecordIds(batches));
        }

        [Fact]
        public async Task Run_ConsumerThrows_ExceptionSurfacesAndSourceIsReleased()
        {
            var pump = new EventPump(Writes(1000, live: false), new EventPumpOptions { BatchSize = 1, QueuedBatches = 1 });
            int calls = 0;

            // On a task with a bounded wait: a reader left blocked on the full channel would hang Run.
            Task run = Task.Run(() => pump.Run(_ =>
            {
                if (++calls == 3)
                {
                    throw new InvalidOperationException("consumer broke");
                }
            }));

            Task finished = await Task.WhenAny(run, Task.Delay(Generous));
            Assert.True(ReferenceEquals(run, finished), "Run did not return after the consumer threw");
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => run);
            Assert.Equal("consumer broke", ex.Message);
            Assert.Equal(3, calls);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Flush_PartialBatch_IsHandedOverAtOnce(bool threaded)
        {
            var source = new ScriptSource(live: true, (w, _) =>
            {
                w.Write(Event(1));
                w.Write(Event(2));
                w.Write(Event(3));
                w.Flush();
                w.Flush();
                w.Write(Event(4));
                w.Write(Event(5));
            });
            var pump = new EventPump(source, new EventPumpOptions { Threaded = threaded, BatchSize = 100 });
            var batches = new List<EventBatch>();

            pump.Run(batches.Add);

            Assert.Equal(new[] { 3, 2 }, batches.Select(b => b.Count));
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, RecordIds(batches));
        }

        [Fact]
        public void Run_CancelledBeforeStart_SourceSeesCancellationAndRunReturns()
        {
            using var cancel = new CancellationTokenSource();
            cancel.Cancel();
            bool sawCancellation = false;
            var source = new ScriptSource(live: false, (w, token) =>
            {
                sawCancellation = token.IsCancellationRequested;
                token.ThrowIfCancellationRequested();
                w.Write(Event(1));
            });
            var batches = new List<EventBatch>();

            new EventPump(source).Run(batches.Add, cancel.Token);

            Assert.True(sawCancellation);
            Assert.Empty(batches);
        }

        /// <summary>A shared mutable cell for counters written by the source thread.</summary>
        private sealed class StrongBox<T>
        {
            public T Value = default!;
        }
    }
}
