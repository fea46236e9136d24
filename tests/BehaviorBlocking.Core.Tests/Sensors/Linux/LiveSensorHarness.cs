using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>Runs a live source on its own thread and collects what it writes, for tests to wait on.</summary>
    internal sealed class LiveSensorHarness : IEventWriter, IDisposable
    {
        private readonly object _gate = new object();
        private readonly List<BehaviorEvent> _events = new List<BehaviorEvent>();
        private readonly List<ReplayProblem> _problems = new List<ReplayProblem>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Thread _thread;
        private Exception? _failure;

        public LiveSensorHarness(IEventSource source)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    source.Run(this, _stop.Token);
                }
                catch (Exception ex)
                {
                    _failure = ex;
                }
            })
            { IsBackground = true, Name = "test-" + source.Name };
            _thread.Start();
        }

        public int Flushes { get; private set; }

        public Exception? Failure => _failure;

        public List<BehaviorEvent> Events
        {
            get
            {
                lock (_gate)
                {
                    return _events.ToList();
                }
            }
        }

        public List<ReplayProblem> Problems
        {
            get
            {
                lock (_gate)
                {
                    return _problems.ToList();
                }
            }
        }

        /// <summary>Waits until an event matches; throws with what was seen when none does in time.</summary>
        public BehaviorEvent WaitFor(Func<BehaviorEvent, bool> match, string what, int timeoutMs = 10_000)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (_failure is not null)
                {
                    throw new InvalidOperationException("the sensor failed: " + _failure.Message, _failure);
                }

                lock (_gate)
                {
                    BehaviorEvent? found = _events.FirstOrDefault(match);
                    if (found is not null)
                    {
                        return found;
                    }
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
            _stop.Cancel();
            _thread.Join(10_000);
            return clock.Elapsed;
        }

        public void Write(BehaviorEvent behaviorEvent)
        {
            lock (_gate)
            {
                _events.Add(behaviorEvent);
            }
        }

        public void Problem(ReplayProblem problem)
        {
            lock (_gate)
            {
                _problems.Add(problem);
            }
        }

        public void EndRecording(string recording, bool unreadable)
        {
        }

        public void Flush() => Flushes++;

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
        }
    }
}
