using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>Live sources, an observer and events for monitor tests.</summary>
    internal static class MonitorTestKit
    {
        /// <summary>A host that is not this machine: a verdict about it is never acted on (its steps are not supported).</summary>
        public const string OtherHost = "monitor-test-other-host";

        /// <summary>A ProcessStart whose command line carries <paramref name="marker"/>, stamped now.</summary>
        public static BehaviorEvent Start(int pid, string marker, string host = OtherHost, int? parent = null)
        {
            // A parent of its own: each start is a tree of its own (a shared synthesized parent would join them).
            int parentPid = parent ?? pid + 100_000;
            string image = "/usr/bin/monitor-test";
            string command = image + " --run " + marker;
            return new BehaviorEvent
            {
                Kind = EventKind.ProcessStart,
                Platform = DetectionPlatform.Linux,
                Time = DateTimeOffset.UtcNow,
                Host = host,
                Channel = "Microsoft-Windows-Sysmon/Operational",
                Provider = "Microsoft-Windows-Sysmon",
                EventId = 1,
                ProcessGuid = "{00000000-0000-0000-0000-" + pid.ToString("D12", CultureInfo.InvariantCulture) + "}",
                ProcessId = pid,
                Image = image,
                CommandLine = command,
                User = "root",
                ParentProcessId = parentPid,
                ParentImage = "/usr/bin/bash",
                Fields = new[]
                {
                    new KeyValuePair<string, string>("ProcessId", pid.ToString(CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, string>("Image", image),
                    new KeyValuePair<string, string>("CommandLine", command),
                    new KeyValuePair<string, string>("ParentProcessId", parentPid.ToString(CultureInfo.InvariantCulture)),
                    new KeyValuePair<string, string>("ParentImage", "/usr/bin/bash"),
                },
            };
        }

        /// <summary>A ProcessExit of <paramref name="pid"/>, stamped now.</summary>
        public static BehaviorEvent Exit(int pid, string host = OtherHost) => new BehaviorEvent
        {
            Kind = EventKind.ProcessExit,
            Platform = DetectionPlatform.Linux,
            Time = DateTimeOffset.UtcNow,
            Host = host,
            Channel = "Microsoft-Windows-Sysmon/Operational",
            EventId = 5,
            ProcessGuid = "{00000000-0000-0000-0000-" + pid.ToString("D12", CultureInfo.InvariantCulture) + "}",
            ProcessId = pid,
            Image = "/usr/bin/monitor-test",
        };

        /// <summary>A policy document (JSON) with this mode: kill the tree at any score.</summary>
        public static string Policy(string mode, string version) =>
            "{ \"schemaVersion\": 1, \"version\": \"" + version + "\", \"mode\": \"" + mode + "\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\" } }";

        /// <summary>Waits until <paramref name="condition"/> holds; false after <paramref name="timeoutMs"/>.</summary>
        public static bool Eventually(Func<bool> condition, int timeoutMs = 15_000)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.ElapsedMilliseconds > timeoutMs)
                {
                    return false;
                }

                Thread.Sleep(10);
            }

            return true;
        }
    }

    /// <summary>A live source the test feeds: events pushed are written and flushed; runs until stopped.</summary>
    internal sealed class PushSource : IEventSource
    {
        private readonly BlockingCollection<BehaviorEvent> _queue = new BlockingCollection<BehaviorEvent>();

        public PushSource(string name = "push") => Name = name;

        public string Name { get; }

        public bool IsLive => true;

        public void Push(BehaviorEvent e) => _queue.Add(e);

        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (_queue.TryTake(out BehaviorEvent? e, 50))
                {
                    writer.Write(e);
                    while (_queue.TryTake(out e))
                    {
                        writer.Write(e);
                    }
                }

                writer.Flush();
            }
        }
    }

    /// <summary>Writes <see cref="Count"/> events as fast as it can, then waits for the stop; says when it has written them all.</summary>
    internal sealed class FloodSource : IEventSource, ISourceHealth
    {
        private readonly Func<int, BehaviorEvent> _event;
        private long _written;

        public FloodSource(int count, Func<int, BehaviorEvent> make)
        {
            Count = count;
            _event = make;
        }

        public string Name => "flood";

        public bool IsLive => true;

        public int Count { get; }

        public ManualResetEventSlim Done { get; } = new ManualResetEventSlim(false);

        public IReadOnlyList<KeyValuePair<string, long>> Counters() => new[] { new KeyValuePair<string, long>("written", Interlocked.Read(ref _written)) };

        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            for (int i = 0; i < Count; i++)
            {
                writer.Write(_event(i));
                Interlocked.Increment(ref _written);
            }

            writer.Flush();
            Done.Set();
            cancellationToken.WaitHandle.WaitOne();
        }
    }

    /// <summary>Writes a few events, then throws out of its loop (a sensor that broke).</summary>
    internal sealed class FailingSource : IEventSource
    {
        public string Name => "failing";

        public bool IsLive => true;

        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            for (int i = 0; i < 10; i++)
            {
                writer.Write(MonitorTestKit.Exit(900_000 + i));
            }

            writer.Flush();
            throw new InvalidOperationException("the test sensor broke");
        }
    }

    /// <summary>A detector that holds the consumer on a gate (so the queue fills) until it opens.</summary>
    internal sealed class GateDetector : IDetector
    {
        private readonly ManualResetEventSlim _gate;

        public GateDetector(ManualResetEventSlim gate) => _gate = gate;

        public string Name => "gate";

        public string? Version => null;

        public long Seen;

        private bool _timedOut;

        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
        {
            // Bounded once: a test that fails must not hang the suite.
            if (!_timedOut && !_gate.Wait(30_000))
            {
                _timedOut = true;
            }

            Interlocked.Increment(ref Seen);
        }

        public void OnTreeClosed(ProcessTree tree)
        {
        }

        public void OnTreesMerged(ProcessTree from, ProcessTree into)
        {
        }

        public void OnRecordingEnd()
        {
        }
    }

    /// <summary>Collects what a monitor reports (callbacks come on the consumer thread; tests read on theirs).</summary>
    internal sealed class CollectingObserver : IMonitorObserver
    {
        private readonly object _gate = new object();
        private readonly List<Detection> _detections = new List<Detection>();
        private readonly List<VerdictEvent> _verdicts = new List<VerdictEvent>();
        private readonly List<MonitorHealth> _health = new List<MonitorHealth>();
        private readonly List<MonitorProblem> _problems = new List<MonitorProblem>();

        public Action<Detection>? OnDetectionHook { get; set; }

        public int ConsumerThread;

        public List<Detection> Detections()
        {
            lock (_gate)
            {
                return new List<Detection>(_detections);
            }
        }

        public List<VerdictEvent> Verdicts()
        {
            lock (_gate)
            {
                return new List<VerdictEvent>(_verdicts);
            }
        }

        public List<MonitorHealth> HealthReports()
        {
            lock (_gate)
            {
                return new List<MonitorHealth>(_health);
            }
        }

        public List<MonitorProblem> Problems()
        {
            lock (_gate)
            {
                return new List<MonitorProblem>(_problems);
            }
        }

        public void OnDetection(Detection detection)
        {
            ConsumerThread = Environment.CurrentManagedThreadId;
            OnDetectionHook?.Invoke(detection);
            lock (_gate)
            {
                _detections.Add(detection);
            }
        }

        public void OnVerdict(VerdictEvent verdictEvent)
        {
            lock (_gate)
            {
                _verdicts.Add(verdictEvent);
            }
        }

        public void OnHealth(MonitorHealth health)
        {
            lock (_gate)
            {
                _health.Add(health);
            }
        }

        public void OnProblem(MonitorProblem problem)
        {
            lock (_gate)
            {
                _problems.Add(problem);
            }
        }

        public void OnStoreFailure(BehaviorBlockingException error)
        {
            lock (_gate)
            {
                _problems.Add(new MonitorProblem(DateTimeOffset.UtcNow, "store-failure", error.ErrorId, error.Message));
            }
        }
    }
}
