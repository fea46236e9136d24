using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>
    /// The live monitors this process runs for PowerShell, by id. A monitor outlives the cmdlet that started it (it
    /// returns at once), so they are kept here, process-wide, and stopped when the module is removed or the process exits.
    /// </summary>
    internal static class MonitorRegistry
    {
        private static readonly ConcurrentDictionary<Guid, RunningMonitor> s_monitors = new ConcurrentDictionary<Guid, RunningMonitor>();

        static MonitorRegistry() => AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();

        /// <summary>The running (or ended, not yet stopped) monitors.</summary>
        public static IReadOnlyList<RunningMonitor> All => s_monitors.Values.OrderBy(m => m.Started).ToList();

        /// <summary>Adds a monitor that was started.</summary>
        public static void Add(RunningMonitor monitor) => s_monitors[monitor.Id] = monitor;

        /// <summary>The monitor <paramref name="id"/>, or null.</summary>
        public static RunningMonitor? Get(Guid id) => s_monitors.TryGetValue(id, out RunningMonitor? monitor) ? monitor : null;

        /// <summary>Stops and forgets the monitor <paramref name="id"/>; its final health, or null when there is none.</summary>
        public static BehaviorMonitor? Stop(Guid id) => s_monitors.TryRemove(id, out RunningMonitor? monitor) ? monitor.Stop() : null;

        /// <summary>Stops every monitor (module removed, process exiting): what was queued is processed and stored.</summary>
        public static void StopAll()
        {
            foreach (Guid id in s_monitors.Keys.ToList())
            {
                try
                {
                    Stop(id);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    // Shutting down: one monitor that fails to stop cleanly must not keep the others running.
                }
            }
        }
    }

    /// <summary>A live monitor session with its engine, and the detections it raised for a cmdlet that waits on it.</summary>
    internal sealed class RunningMonitor : IMonitorObserver
    {
        private const int MaxQueued = 10_000;
        private readonly ConcurrentQueue<Detection> _detections = new ConcurrentQueue<Detection>();
        private readonly ConcurrentQueue<string> _problems = new ConcurrentQueue<string>();
        private BehaviorEngine? _engine;
        private MonitorSession? _session;

        public RunningMonitor(string? storePath)
        {
            StorePath = storePath;
        }

        public Guid Id { get; } = Guid.NewGuid();

        public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

        public string? StorePath { get; }

        public MonitorSession Session => _session ?? throw new InvalidOperationException("The monitor was not started.");

        /// <summary>Starts the session over <paramref name="engine"/>, which the monitor then owns.</summary>
        public void Start(BehaviorEngine engine, MonitorRequest request)
        {
            _engine = engine;
            _session = new MonitorSession(engine, request, this);
            _session.Start();
        }

        public BehaviorMonitor Snapshot() => new BehaviorMonitor(Id, Session.Health(), StorePath);

        /// <summary>Detections raised since the last call (at most the last 10,000 are kept between calls).</summary>
        public List<Detection> TakeDetections()
        {
            var taken = new List<Detection>();
            while (_detections.TryDequeue(out Detection? detection))
            {
                taken.Add(detection);
            }

            return taken;
        }

        /// <summary>Problems reported since the last call.</summary>
        public List<string> TakeProblems()
        {
            var taken = new List<string>();
            while (_problems.TryDequeue(out string? problem))
            {
                taken.Add(problem);
            }

            return taken;
        }

        public BehaviorMonitor Stop()
        {
            try
            {
                MonitorHealth final = Session.Stop();
                return new BehaviorMonitor(Id, final, StorePath);
            }
            finally
            {
                _session?.Dispose();
                _engine?.Dispose();
            }
        }

        // Engine threads: copy and enqueue only (STYLE: only the cmdlet thread writes to the pipeline).
        void IMonitorObserver.OnDetection(Detection detection)
        {
            _detections.Enqueue(detection);
            while (_detections.Count > MaxQueued && _detections.TryDequeue(out _))
            {
                // Nobody is waiting on this monitor: the store has every detection; the queue keeps the newest.
            }
        }

        void IMonitorObserver.OnVerdict(VerdictEvent verdictEvent)
        {
        }

        void IMonitorObserver.OnHealth(MonitorHealth health)
        {
        }

        void IMonitorObserver.OnProblem(MonitorProblem problem) => Report(problem.ToString());

        void IMonitorObserver.OnStoreFailure(BehaviorBlockingException error) => Report(error.ErrorId + ": " + error.Message);

        private void Report(string problem)
        {
            if (_problems.Count < 1000)
            {
                _problems.Enqueue(problem);
            }
        }
    }
}
