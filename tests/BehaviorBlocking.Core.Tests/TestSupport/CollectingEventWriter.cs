using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>An event writer that keeps everything a live source wrote, readable from the test's thread while the source runs.</summary>
    internal sealed class CollectingEventWriter : IEventWriter
    {
        private readonly object _gate = new object();
        private readonly List<BehaviorEvent> _events = new List<BehaviorEvent>();
        private readonly List<ReplayProblem> _problems = new List<ReplayProblem>();

        public int Flushes { get; private set; }

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

        public void Flush()
        {
            lock (_gate)
            {
                Flushes++;
            }
        }

        /// <summary>The first event so far that matches <paramref name="match"/>, or null.</summary>
        public BehaviorEvent? Find(Func<BehaviorEvent, bool> match)
        {
            lock (_gate)
            {
                return _events.FirstOrDefault(match);
            }
        }

        /// <summary>Waits up to <paramref name="timeout"/> for an event matching <paramref name="match"/>.</summary>
        public BehaviorEvent? WaitFor(Func<BehaviorEvent, bool> match, TimeSpan timeout)
        {
            DateTime until = DateTime.UtcNow + timeout;
            while (true)
            {
                BehaviorEvent? found = Find(match);
                if (found is not null || DateTime.UtcNow > until)
                {
                    return found;
                }

                Thread.Sleep(20);
            }
        }
    }
}
