using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>A <see cref="LiveSourceRun"/> for tests to wait on: waiting throws with what was seen, or with the sensor's failure.</summary>
    internal sealed class LiveSensorHarness : IDisposable
    {
        private readonly LiveSourceRun _run;

        public LiveSensorHarness(IEventSource source)
        {
            _run = new LiveSourceRun(source);
        }

        public int Flushes => _run.Writer.Flushes;

        public Exception? Failure => _run.Failure;

        public List<BehaviorEvent> Events => _run.Writer.Events;

        public List<ReplayProblem> Problems => _run.Writer.Problems;

        /// <summary>Waits until an event matches; throws with what was seen when none does in time.</summary>
        public BehaviorEvent WaitFor(Func<BehaviorEvent, bool> match, string what, int timeoutMs = 10_000)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (_run.Failure is Exception failure)
                {
                    throw new InvalidOperationException("the sensor failed: " + failure.Message, failure);
                }

                if (_run.Writer.Find(match) is BehaviorEvent found)
                {
                    return found;
                }

                if (clock.ElapsedMilliseconds > timeoutMs)
                {
                    throw new TimeoutException($"no event {what} in {timeoutMs} ms; {Events.Count} events seen");
                }

                Thread.Sleep(5);
            }
        }

        /// <summary>Cancels the sensor and returns how long its thread took to end.</summary>
        public TimeSpan Stop()
        {
            var clock = Stopwatch.StartNew();
            _run.Stop(TimeSpan.FromSeconds(10));
            return clock.Elapsed;
        }

        public void Dispose()
        {
            Stop();
            _run.Dispose();
        }
    }
}
