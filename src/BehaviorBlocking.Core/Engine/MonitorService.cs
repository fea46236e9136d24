using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Engine
{
    /// <summary>A live monitor to run: its sources, where detections go, and how it decides.</summary>
    public sealed class MonitorRequest
    {
        /// <summary>Live sources, each run on its own thread.</summary>
        public IReadOnlyList<IEventSource> Sources { get; init; } = Array.Empty<IEventSource>();

        /// <summary>
        /// More sources, built when the session starts with what it has in force (its indicators and policy, for a
        /// pre-execution guard); a <see cref="BehaviorBlockingException"/> thrown here ends <see cref="MonitorSession.Start"/>.
        /// </summary>
        public Func<MonitorSourceContext, IReadOnlyList<IEventSource>>? SourceFactory { get; init; }

        /// <summary>Parts that are no source but report counters in the health (a pre-execution guard).</summary>
        public IReadOnlyList<ISourceHealth> Components { get; init; } = Array.Empty<ISourceHealth>();

        /// <summary>
        /// The store detections, the monitor's run row, indicators and remediation backups go to; null stores nothing
        /// (then a Block response can kill but not quarantine, block a hash or remediate: those steps are not supported).
        /// </summary>
        public string? StorePath { get; init; }

        /// <summary>Audit or Block in place of the policy's own mode; null keeps the policy's.</summary>
        public PolicyMode? Mode { get; init; }

        /// <summary>How often health goes to <see cref="IMonitorObserver.OnHealth"/>; also the window of events/s.</summary>
        public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>Stop on its own after this long; null runs until stopped.</summary>
        public TimeSpan? Duration { get; init; }

        /// <summary>The product folder (policy.json, quarantine); null takes <see cref="Store.ProductHome.Resolve()"/>.</summary>
        public string? ProductHome { get; init; }

        /// <summary>How often the policy file's time and size and the store's indicator table are checked for changes.</summary>
        public TimeSpan PolicyPollInterval { get; init; } = TimeSpan.FromSeconds(2);

        /// <summary>How often the process graph is swept by wall-clock time (trees closed and evicted when telemetry is quiet).</summary>
        public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(5);

        /// <summary>Batch size and queue length of the sources' shared queue.</summary>
        public LivePumpOptions Pump { get; init; } = new LivePumpOptions();

        /// <summary>The process graph's limits; null takes <see cref="MonitorSession.LiveGraphOptions"/>.</summary>
        public ProcessGraphOptions? Graph { get; init; }

        /// <summary>
        /// The response components Block acts through, from the product folder and the store path (null without a
        /// store); null takes <see cref="ResponseComponents.ForThisMachine"/> (or, without a store, this machine's
        /// process controller and guard rails alone). Tests give their own.
        /// </summary>
        public Func<string, string?, ResponseComponents>? ResponseComponents { get; init; }

        /// <summary>Measurement hook (bench): wraps the session's responder, to time the moment a verdict reaches it.</summary>
        internal Func<IResponder, IResponder>? ResponderHook { get; init; }
    }

    /// <summary>What a <see cref="MonitorRequest.SourceFactory"/> builds sources with.</summary>
    public sealed class MonitorSourceContext
    {
        internal MonitorSourceContext(Func<IIndicatorLookup> indicators, Func<IBlockingPolicy> policy, string productHome)
        {
            Indicators = indicators;
            Policy = policy;
            ProductHome = productHome;
        }

        /// <summary>The indicators in force (one volatile read).</summary>
        public Func<IIndicatorLookup> Indicators { get; }

        /// <summary>The policy in force (one volatile read).</summary>
        public Func<IBlockingPolicy> Policy { get; }

        /// <summary>The product folder.</summary>
        public string ProductHome { get; }
    }

    /// <summary>
    /// Receives what a monitor produces. Every callback runs on the session's consumer thread, one at a time, so an
    /// observer needs no locks of its own; a callback must return quickly (the events wait meanwhile) and an
    /// exception it throws is recorded (<c>MonitorObserverFailed</c>) and the monitor goes on.
    /// </summary>
    public interface IMonitorObserver
    {
        /// <summary>A detection record, already in the store (a later one with the same id replaces it).</summary>
        void OnDetection(Detection detection);

        /// <summary>A verdict event at the moment it was raised, with the policy's decision and what was done.</summary>
        void OnVerdict(VerdictEvent verdictEvent);

        /// <summary>The health, every stats interval and once at the end.</summary>
        void OnHealth(MonitorHealth health);

        /// <summary>A problem: a source's skipped record or failure, a policy that did not reload, an observer failure.</summary>
        void OnProblem(MonitorProblem problem);

        /// <summary>The store failed (once, at the first failure); detection and reporting go on without it.</summary>
        void OnStoreFailure(BehaviorBlockingException error);
    }

    /// <summary>Starts monitors: the one live path behind <c>behaviorblock monitor</c>, the service and the cmdlets.</summary>
    public static class MonitorService
    {
        /// <summary>Creates a session and starts it; returns at once.</summary>
        /// <exception cref="BehaviorBlockingException">The policy in force cannot be used, the store cannot be opened, no source could be built.</exception>
        public static MonitorSession Start(BehaviorEngine engine, MonitorRequest request, IMonitorObserver observer)
        {
            var session = new MonitorSession(engine, request, observer);
            try
            {
                session.Start();
                return session;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// A live monitor: live sources on their own threads feeding one bounded queue (a full queue drops and counts,
    /// never blocks a sensor), and one consumer thread that owns the engine run (graph, detectors, verdicts,
    /// responses). Each detection is committed to the store before the observer sees it. The policy file in the
    /// product folder is watched and reloaded while running, and so are the store's indicators; rules and model
    /// reload with <see cref="Reload"/>. Events of the monitor's own process are dropped and counted. The graph is
    /// swept by wall-clock time when telemetry is quiet, so a long-running monitor stays bounded in memory.
    /// <see cref="Stop"/> stops the sources, drains what was queued, closes the run and records it in the store.
    /// </summary>
    public sealed class MonitorSession : IDisposable
    {
        private const int LastErrorCount = 16;
        private static readonly TimeSpan s_idleWait = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan s_flushEvery = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan s_housekeepingEvery = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan s_sourceJoin = TimeSpan.FromSeconds(3);
        private static readonly int s_kinds = Enum.GetValues(typeof(ResponseKind)).Length;
        private static readonly int s_outcomes = Enum.GetValues(typeof(StepOutcome)).Length;

        private readonly BehaviorEngine _engine;
        private readonly MonitorRequest _request;
        private readonly IMonitorObserver _observer;
        private readonly string _home;
        private readonly string _policyPath;
        private readonly MonitorIndicators _indicators;
        private readonly Func<IIndicatorLookup> _indicatorFunc;
        private readonly Func<IBlockingPolicy> _policyFunc;
        private readonly ConcurrentQueue<MonitorProblem> _pendingProblems = new ConcurrentQueue<MonitorProblem>();
        private readonly Queue<MonitorProblem> _lastErrors = new Queue<MonitorProblem>();
        private readonly long[] _actions = new long[s_kinds * s_outcomes];
        private readonly ConditionalWeakTable<ResponseStep, object> _countedSteps = new ConditionalWeakTable<ResponseStep, object>();
        private readonly ManualResetEventSlim _ended = new ManualResetEventSlim(false);
        private readonly object _lifecycle = new object();
        private readonly int _selfPid = CurrentProcess.Id;
        private readonly Stopwatch _clock = new Stopwatch();

        private LivePump? _pump;
        private Thread? _consumer;
        private Thread? _watcher;
        private DetectionStore? _store;
        private ResponseComponents? _ownedComponents;
        private ResponseComponents? _components;
        private EngineRun? _run;
        private DateTimeOffset _started = DateTimeOffset.MinValue;
        private int _state = (int)MonitorState.Created;
        private volatile bool _stopRequested;
        private HashSet<int> _selfThreads = new HashSet<int>();
        private (DateTime Time, long Size)? _policyStamp;
        private long _events;
        private long _selfIgnored;
        private long _detections;
        private long _stored;
        private long _verdicts;
        private long _policyReloads;
        private long? _runId;
        private bool _storeFailed;
        private ConsumerView _view = ConsumerView.Empty;
        private Exception? _failure;

        /// <summary>
        /// Creates a session (nothing runs yet): reads the indicators in the store, so <see cref="Indicators"/> and
        /// <see cref="Policy"/> can be handed to a pre-execution guard before <see cref="Start"/>.
        /// </summary>
        public MonitorSession(BehaviorEngine engine, MonitorRequest request, IMonitorObserver observer)
        {
            _engine = engine ?? throw new ArgumentNullException(nameof(engine));
            _request = request ?? throw new ArgumentNullException(nameof(request));
            _observer = observer ?? throw new ArgumentNullException(nameof(observer));
            if (request.Mode is PolicyMode mode && mode != PolicyMode.Audit && mode != PolicyMode.Block)
            {
                throw new ArgumentException("a monitor's mode override is Audit or Block, not " + mode, nameof(request));
            }

            if (request.StatsInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("the stats interval must be positive", nameof(request));
            }

            _home = request.ProductHome ?? Store.ProductHome.Resolve();
            _policyPath = Path.Combine(_home, PolicyFile.FileName);
            IndicatorSet initial = IndicatorSet.Empty;
            if (request.StorePath is not null)
            {
                initial = ScanPolicy.StoredIndicators(request.StorePath, out BehaviorBlockingException? problem) ?? IndicatorSet.Empty;
                if (problem is not null)
                {
                    AddProblem("indicators", problem.ErrorId, problem.Message + " The monitor starts without the store's indicators.");
                }
            }

            _indicators = new MonitorIndicators(initial);
            IndicatorSet Indicators() => _indicators.Current;
            _indicatorFunc = Indicators;
            _policyFunc = () => _engine.Snapshot.Policy;
        }

        /// <summary>Limits of the live process graph: tighter than replay's, so a long-running monitor stays within tens of MB of events.</summary>
        public static ProcessGraphOptions LiveGraphOptions { get; } = new ProcessGraphOptions
        {
            ExitedTreeRetention = TimeSpan.FromMinutes(2),
            IdleTreeRetention = TimeSpan.FromHours(1),
            MaxProcesses = 50_000,
            MaxRetainedEvents = 400_000,
            SweepInterval = 4096,
        };

        /// <summary>The indicators in force, as an <see cref="IndicatorSet"/> snapshot (one volatile read; safe from any thread).</summary>
        public Func<IIndicatorLookup> Indicators => _indicatorFunc;

        /// <summary>The policy in force, mode override applied (one volatile read; safe from any thread).</summary>
        public Func<IBlockingPolicy> Policy => _policyFunc;

        /// <summary>Where the session is.</summary>
        public MonitorState State => (MonitorState)Volatile.Read(ref _state);

        /// <summary>True once <see cref="Stop"/> was asked (the consumer ends its loop at its next step).</summary>
        public bool StopRequested => _stopRequested;

        /// <summary>The monitor's row in the store's runs (null without a store, or when recording it failed).</summary>
        public long? RunId => _runId;

        /// <summary>Why the consumer failed, when <see cref="State"/> is Failed.</summary>
        public Exception? Failure => Volatile.Read(ref _failure);

        /// <summary>Set once the session has ended (stopped, duration over, or failed).</summary>
        public WaitHandle Ended => _ended.WaitHandle;

        /// <summary>
        /// Starts the sources and the consumer; returns at once. The policy in force (<c>policy.json</c> in the product
        /// folder, mode override applied) is put in force for the engine first.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">The policy in force cannot be used, the store cannot be opened, a source could not be built.</exception>
        public void Start()
        {
            lock (_lifecycle)
            {
                if (State != MonitorState.Created)
                {
                    throw new InvalidOperationException("the monitor session was started already");
                }

                // The policy in force: an unusable one ends the start with its error (PolicyFileInvalid with the position).
                _policyStamp = PolicyStamp();
                BlockingPolicy policy = BuildPolicy(PolicyFile.LoadInForce(_policyPath));
                _engine.Swap(_engine.Snapshot.WithPolicy(policy));

                var sources = new List<IEventSource>(_request.Sources);
                if (_request.SourceFactory is not null)
                {
                    sources.AddRange(_request.SourceFactory(new MonitorSourceContext(_indicatorFunc, _policyFunc, _home)));
                }

                if (_request.StorePath is not null)
                {
                    _store = DetectionStore.Open(_request.StorePath);
                }

                try
                {
                    IResponder responder = BuildResponder();
                    if (_request.ResponderHook is not null)
                    {
                        responder = _request.ResponderHook(responder);
                    }

                    var indicatorDetector = new IndicatorDetector(_indicators);
                    _run = _engine.CreateRun(Emit, OnVerdict, _request.Graph ?? LiveGraphOptions, new IDetector[] { indicatorDetector }, responder);
                    _pump = new LivePump(sources, _request.Pump);
                    _pump.SourceFailed = (index, ex) => AddProblem(_pump.Sources[index].Name, ErrorIds.MonitorSourceFailed,
                        $"live source '{_pump.Sources[index].Name}' failed and stopped ({ex.GetType().Name}: {ex.Message}); the other sources go on.");
                    RefreshSelfThreads();
                    _started = DateTimeOffset.UtcNow;
                    _clock.Start();
                    RecordStart(sources);
                    Volatile.Write(ref _state, (int)MonitorState.Running);
                    _pump.Start();
                    _consumer = new Thread(Consume) { IsBackground = true, Name = "BehaviorBlocking monitor consumer" };
                    _watcher = new Thread(Watch) { IsBackground = true, Name = "BehaviorBlocking monitor watcher" };
                    _consumer.Start();
                    _watcher.Start();
                }
                catch
                {
                    _pump?.Dispose();
                    _ownedComponents?.Dispose();
                    _store?.Dispose();
                    _store = null;
                    Volatile.Write(ref _state, (int)MonitorState.Created);
                    throw;
                }
            }
        }

        /// <summary>
        /// Stops: the sources stop, what was queued is processed, the run is closed (open trees get their last look),
        /// the run is recorded in the store, and the last health goes to the observer. Waits up to
        /// <paramref name="timeout"/> (default 30 s) and returns the final health. Called from an observer callback
        /// (the consumer thread) it only asks, and returns at once.
        /// </summary>
        public MonitorHealth Stop(TimeSpan? timeout = null)
        {
            _stopRequested = true;
            Thread? consumer = _consumer;
            if (consumer is null || consumer == Thread.CurrentThread)
            {
                if (consumer is null && State == MonitorState.Created)
                {
                    Volatile.Write(ref _state, (int)MonitorState.Stopped);
                    _ended.Set();
                }

                return Health();
            }

            consumer.Join(timeout ?? TimeSpan.FromSeconds(30));
            _watcher?.Join(TimeSpan.FromSeconds(5));
            return Health();
        }

        /// <summary>Waits until the session ends (its duration is over, or it was stopped); true when it did within <paramref name="timeout"/>.</summary>
        public bool WaitForEnd(TimeSpan timeout) => _ended.Wait(timeout);

        /// <summary>Reads the policy file again now and puts it in force (mode override applied); on failure the policy in force stays and the error is returned.</summary>
        public BehaviorBlockingException? ReloadPolicy()
        {
            _policyStamp = PolicyStamp();
            BlockingPolicy next;
            try
            {
                next = BuildPolicy(PolicyFile.LoadInForce(_policyPath));
            }
            catch (BehaviorBlockingException ex)
            {
                AddProblem("policy", ex.ErrorId, ex.Message + " The policy in force stays.");
                return ex;
            }

            _engine.Reload(current => current.WithPolicy(next));
            Interlocked.Increment(ref _policyReloads);
            return null;
        }

        /// <summary>
        /// Loads rules and model again from the inputs the engine was created with and puts them in force at the next
        /// event (the policy stays); skipped rules and a model that did not load are reported as problems.
        /// </summary>
        public EngineReload Reload()
        {
            EngineReload reload = _engine.ReloadRulesAndModel();
            foreach (EngineWarning warning in reload.Warnings)
            {
                AddProblem("engine", warning.ErrorId, warning.Message);
            }

            return reload;
        }

        /// <summary>The health now; safe from any thread at any time.</summary>
        public MonitorHealth Health()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            EngineSnapshot snapshot = _engine.Snapshot;
            ConsumerView view = Volatile.Read(ref _view);
            var values = new MonitorHealthValues
            {
                Time = now,
                State = State,
                Started = _started,
                Uptime = _clock.Elapsed,
                Events = Interlocked.Read(ref _events),
                SelfEventsIgnored = Interlocked.Read(ref _selfIgnored),
                Detections = Interlocked.Read(ref _detections),
                DetectionsStored = Interlocked.Read(ref _stored),
                Verdicts = Interlocked.Read(ref _verdicts),
                Processes = view.Processes,
                Trees = view.Trees,
                RuleCount = snapshot.Rules.Rules.Count,
                RuleSetVersion = snapshot.Rules.Version,
                ModelVersion = snapshot.Classifier?.Version ?? "none",
                ClassifierDisabledReason = view.ClassifierDisabledReason,
                PolicyVersion = snapshot.Policy.Version,
                Mode = snapshot.Policy.Mode,
                ModeOverride = _request.Mode,
                PolicyReloads = Interlocked.Read(ref _policyReloads),
                Indicators = _indicators.Current.All.Count,
            };
            values.EventsPerSecond = view.Rate ?? (values.Uptime.TotalSeconds > 0 ? values.Events / values.Uptime.TotalSeconds : 0);
            var actions = new List<MonitorActionCount>();
            for (int i = 0; i < _actions.Length; i++)
            {
                long count = Interlocked.Read(ref _actions[i]);
                if (count > 0)
                {
                    actions.Add(new MonitorActionCount((ResponseKind)(i / s_outcomes), (StepOutcome)(i % s_outcomes), count));
                }
            }

            values.Actions = actions;
            LivePump? pump = _pump;
            var sources = new List<MonitorSourceHealth>();
            if (pump is not null)
            {
                values.QueueDepth = pump.QueuedEvents;
                values.QueueCapacity = pump.Capacity;
                for (int i = 0; i < pump.Sources.Count; i++)
                {
                    LiveSourceStatus status = pump.Status(i);
                    values.DroppedEvents += status.DroppedEvents;
                    values.DroppedBatches += status.DroppedBatches;
                    sources.Add(new MonitorSourceHealth(pump.Sources[i].Name, status.State, status.Events, status.DroppedEvents, status.DroppedBatches,
                        status.LastError, CountersOf(pump.Sources[i] as ISourceHealth)));
                }
            }

            values.Sources = sources;
            var components = new List<MonitorComponentHealth>();
            foreach (ISourceHealth component in _request.Components)
            {
                components.Add(new MonitorComponentHealth(component.Name, CountersOf(component)));
            }

            values.Components = components;
            lock (_lastErrors)
            {
                values.LastErrors = _lastErrors.ToArray();
            }

            return new MonitorHealth(values);
        }

        /// <summary>Stops the session (as <see cref="Stop"/>) and releases what it holds.</summary>
        public void Dispose()
        {
            if (State == MonitorState.Running || State == MonitorState.Stopping)
            {
                Stop();
            }

            _ended.Set();
        }

        private static IReadOnlyList<MonitorCounter> CountersOf(ISourceHealth? reporter)
        {
            if (reporter is null)
            {
                return Array.Empty<MonitorCounter>();
            }

            try
            {
                var counters = new List<MonitorCounter>();
                foreach (KeyValuePair<string, long> counter in reporter.Counters())
                {
                    counters.Add(new MonitorCounter(counter.Key, counter.Value));
                }

                return counters;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return new[] { new MonitorCounter("countersFailed:" + ex.GetType().Name, 1) };
            }
        }

        private BlockingPolicy BuildPolicy(LoadedPolicy loaded)
        {
            PolicyDocument document = _request.Mode is PolicyMode mode ? loaded.Document.WithMode(mode) : loaded.Document;
            return new BlockingPolicy(document, new BlockingPolicyOptions
            {
                Indicators = _indicators,
                Sha256 = loaded.Sha256,
                Source = loaded.Path,
            });
        }

        private IResponder BuildResponder()
        {
            // Audit forced on the command line: nothing on this machine can be acted on, whatever the policy file says later.
            if (_request.Mode == PolicyMode.Audit)
            {
                return RecordOnlyResponder.Instance;
            }

            ResponseComponents inner;
            if (_request.ResponseComponents is not null)
            {
                inner = _request.ResponseComponents(_home, _request.StorePath);
            }
            else if (_request.StorePath is not null)
            {
                inner = Response.ResponseComponents.ForThisMachine(_home, _request.StorePath);
            }
            else
            {
                var guards = new GuardRails();
                inner = new ResponseComponents { GuardRails = guards, Processes = ProcessControllers.ForThisPlatform(guards) };
            }

            _ownedComponents = inner;

            // The same parts, except that a hash the responder blocks is in force for this monitor at once.
            _components = new ResponseComponents
            {
                GuardRails = inner.GuardRails,
                Processes = inner.Processes,
                Quarantine = inner.Quarantine,
                Indicators = inner.Indicators is null ? null : new InForceIndicatorSink(inner.Indicators, _indicators),
                Remediator = inner.Remediator,
                Machine = inner.Machine,
            };
            return new ActiveResponder(_components);
        }

        private void Consume()
        {
            EngineRun run = _run!;
            LivePump pump = _pump!;
            BehaviorPipeline pipeline = run.Pipeline;
            TimeSpan? duration = _request.Duration;
            TimeSpan lastFlush = TimeSpan.Zero;
            TimeSpan lastHousekeeping = TimeSpan.Zero;
            TimeSpan lastSweep = TimeSpan.Zero;
            TimeSpan lastStats = TimeSpan.Zero;
            long eventsAtLastStats = 0;
            bool unflushed = false;
            MonitorState end = MonitorState.Stopped;
            try
            {
                while (!_stopRequested && !(duration is TimeSpan d && _clock.Elapsed >= d))
                {
                    if (pump.TryRead(out LiveBatch batch))
                    {
                        Process(pipeline, pump, batch);
                        unflushed = true;
                    }
                    else
                    {
                        if (unflushed)
                        {
                            pipeline.Flush();
                            unflushed = false;
                            lastFlush = _clock.Elapsed;
                        }

                        pump.WaitToRead(s_idleWait);
                    }

                    TimeSpan now = _clock.Elapsed;
                    if (unflushed && now - lastFlush >= s_flushEvery)
                    {
                        // Under steady load the queue is never empty: detections still go out every quarter second.
                        pipeline.Flush();
                        unflushed = false;
                        lastFlush = now;
                    }

                    if (now - lastHousekeeping >= s_housekeepingEvery)
                    {
                        lastHousekeeping = now;
                        if (now - lastSweep >= _request.SweepInterval)
                        {
                            lastSweep = now;
                            pipeline.Graph.Sweep(DateTimeOffset.UtcNow);
                            pipeline.Flush();
                            RefreshSelfThreads();
                        }

                        Publish(run, null);
                        DrainProblems();
                        if (AllSourcesDone(pump) && pump.QueuedEvents == 0 && !pump.TryPeek())
                        {
                            // Every source failed or ended: nothing is left to monitor, so the session ends (its health says why).
                            AddProblem("monitor", ErrorIds.MonitorSourceFailed, "every live source has stopped; the monitor ends.");
                            break;
                        }
                    }

                    if (now - lastStats >= _request.StatsInterval)
                    {
                        long events = Interlocked.Read(ref _events);
                        double seconds = (now - lastStats).TotalSeconds;
                        Publish(run, seconds > 0 ? (events - eventsAtLastStats) / seconds : 0);
                        eventsAtLastStats = events;
                        lastStats = now;
                        Tell(() => _observer.OnHealth(Health()));
                    }
                }

                Volatile.Write(ref _state, (int)MonitorState.Stopping);
                foreach (string late in pump.Stop(s_sourceJoin))
                {
                    AddProblem(late, ErrorIds.MonitorSourceFailed, $"live source '{late}' did not stop within {s_sourceJoin.TotalSeconds:0} s of being asked; it was left behind.");
                }

                // What the sources queued before they stopped is still processed.
                while (pump.TryRead(out LiveBatch batch))
                {
                    Process(pipeline, pump, batch);
                }

                pipeline.EndRecording();
                pipeline.Flush();
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                end = MonitorState.Failed;
                Volatile.Write(ref _failure, ex);
                AddProblem("engine", ErrorIds.MonitorFailed, $"the monitor's consumer failed ({ex.GetType().Name}: {ex.Message}); the session ended.");
                try
                {
                    pump.Stop(s_sourceJoin);
                }
                catch (Exception)
                {
                }
            }

            double total = _clock.Elapsed.TotalSeconds - (lastStats.TotalSeconds);
            Publish(run, total > 0 ? (Interlocked.Read(ref _events) - eventsAtLastStats) / total : (double?)null);
            DrainProblems();
            RecordEnd(end == MonitorState.Failed ? ScanStatus.Failed : ScanStatus.Completed);
            Volatile.Write(ref _state, (int)end);
            _clock.Stop();
            Tell(() => _observer.OnHealth(Health()));
            DrainProblems();
            _ownedComponents?.Dispose();
            _store?.Dispose();
            _store = null;
            _ended.Set();
        }

        private static bool AllSourcesDone(LivePump pump)
        {
            if (pump.Sources.Count == 0)
            {
                return false;
            }

            for (int i = 0; i < pump.Sources.Count; i++)
            {
                LiveSourceState state = pump.Status(i).State;
                if (state == LiveSourceState.Running || state == LiveSourceState.Starting)
                {
                    return false;
                }
            }

            return true;
        }

        private void Process(BehaviorPipeline pipeline, LivePump pump, LiveBatch batch)
        {
            EventBatch events = batch.Batch;
            int self = 0;
            HashSet<int> threads = _selfThreads;
            for (int i = 0; i < events.Count; i++)
            {
                BehaviorEvent e = events.Events[i];
                if (e.ProcessId is int pid && (pid == _selfPid || threads.Contains(pid)))
                {
                    // The monitor's own file, process and network activity is not behaviour to judge.
                    self++;
                    continue;
                }

                pipeline.Process(e);
            }

            Interlocked.Add(ref _events, events.Count);
            if (self > 0)
            {
                Interlocked.Add(ref _selfIgnored, self);
            }

            if (events.Problems is not null)
            {
                string name = pump.Sources[batch.Source].Name;
                foreach (ReplayProblem problem in events.Problems)
                {
                    AddProblem(name, problem.ErrorId, problem.Message);
                }
            }
        }

        private void Emit(Detection detection)
        {
            // Stored first, shown second: what was shown is in the store whenever the process dies.
            if (_store is not null && !_storeFailed)
            {
                try
                {
                    _store.Upsert(new[] { detection });
                    Interlocked.Increment(ref _stored);
                }
                catch (BehaviorBlockingException ex)
                {
                    _storeFailed = true;
                    AddProblem("store", ex.ErrorId, ex.Message + " Detections are still reported, but no longer stored.");
                    Tell(() => _observer.OnStoreFailure(ex));
                }
            }

            Interlocked.Increment(ref _detections);
            Tell(() => _observer.OnDetection(detection));
        }

        private void OnVerdict(VerdictEvent verdictEvent)
        {
            Interlocked.Increment(ref _verdicts);
            foreach (ResponseStep step in verdictEvent.Response.Steps)
            {
                // A step settled by an earlier verdict event of the same detection comes back in later ones: count it once.
                if (_countedSteps.TryGetValue(step, out _))
                {
                    continue;
                }

                _countedSteps.Add(step, step);
                int kind = (int)step.Kind;
                int outcome = (int)step.Outcome;
                if (kind >= 0 && kind < s_kinds && outcome >= 0 && outcome < s_outcomes)
                {
                    Interlocked.Increment(ref _actions[kind * s_outcomes + outcome]);
                }
            }

            Tell(() => _observer.OnVerdict(verdictEvent));
        }

        private void Tell(Action call)
        {
            try
            {
                call();
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                AddProblem("observer", ErrorIds.MonitorObserverFailed, $"the monitor's observer threw ({ex.GetType().Name}: {ex.Message}); the monitor goes on.", tellObserver: false);
            }
        }

        private void AddProblem(string where, string errorId, string message, bool tellObserver = true)
        {
            var problem = new MonitorProblem(DateTimeOffset.UtcNow, where, errorId, message);
            lock (_lastErrors)
            {
                _lastErrors.Enqueue(problem);
                while (_lastErrors.Count > LastErrorCount)
                {
                    _lastErrors.Dequeue();
                }
            }

            if (tellObserver)
            {
                _pendingProblems.Enqueue(problem);
            }
        }

        private void DrainProblems()
        {
            while (_pendingProblems.TryDequeue(out MonitorProblem? problem))
            {
                Tell(() => _observer.OnProblem(problem));
            }
        }

        private void Publish(EngineRun run, double? rate)
        {
            ConsumerView previous = Volatile.Read(ref _view);
            Volatile.Write(ref _view, new ConsumerView(run.Pipeline.Graph.ProcessCount, run.Pipeline.Graph.TreeCount,
                run.Verdicts.ClassifierHealth.DisabledReason, rate ?? previous.Rate));
        }

        private void RefreshSelfThreads()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return;
            }

            // On Linux a thread has an id of its own that the kernel's process events may name: all of them are the monitor.
            var threads = new HashSet<int>();
            try
            {
                foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
                {
                    if (int.TryParse(Path.GetFileName(task), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int tid))
                    {
                        threads.Add(tid);
                    }
                }
            }
            catch (IOException)
            {
                return;
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }

            _selfThreads = threads;
        }

        private void Watch()
        {
            IndicatorStore? indicators = null;
            long? dataVersion = null;
            try
            {
                while (!_ended.Wait(_request.PolicyPollInterval) && !_stopRequested)
                {
                    (DateTime, long)? stamp = PolicyStamp();
                    if (!Nullable.Equals(stamp, _policyStamp))
                    {
                        ReloadPolicy();
                    }

                    if (_request.StorePath is string storePath)
                    {
                        try
                        {
                            if (indicators is null && File.Exists(storePath))
                            {
                                indicators = IndicatorStore.OpenReadOnly(storePath);
                            }

                            if (indicators is not null)
                            {
                                long version = indicators.DataVersion();
                                if (dataVersion != version)
                                {
                                    // Something else committed to the store: the indicator table may have changed (kept only when it did).
                                    dataVersion = version;
                                    _indicators.Replace(indicators.Snapshot());
                                }
                            }
                        }
                        catch (BehaviorBlockingException ex)
                        {
                            AddProblem("indicators", ex.ErrorId, ex.Message + " The indicators in force stay.");
                            indicators?.Dispose();
                            indicators = null;
                            dataVersion = null;
                        }
                    }
                }
            }
            finally
            {
                indicators?.Dispose();
            }
        }

        private (DateTime Time, long Size)? PolicyStamp()
        {
            try
            {
                var file = new FileInfo(_policyPath);
                return file.Exists ? (file.LastWriteTimeUtc, file.Length) : ((DateTime, long)?)null;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        private void RecordStart(IReadOnlyList<IEventSource> sources)
        {
            if (_store is null)
            {
                return;
            }

            var inputs = new List<string>(sources.Count);
            foreach (IEventSource source in sources)
            {
                inputs.Add("monitor:" + source.Name);
            }

            if (inputs.Count == 0)
            {
                inputs.Add("monitor");
            }

            try
            {
                _runId = _store.RecordScan(new ScanRecord { Status = ScanStatus.Running, Started = _started, Inputs = inputs });
            }
            catch (BehaviorBlockingException ex)
            {
                _storeFailed = true;
                AddProblem("store", ex.ErrorId, ex.Message + " Detections are still reported, but not stored.");
                Tell(() => _observer.OnStoreFailure(ex));
            }

            _inputs = inputs;
        }

        private IReadOnlyList<string> _inputs = Array.Empty<string>();

        private void RecordEnd(ScanStatus status)
        {
            if (_store is null || _runId is not long id || _storeFailed)
            {
                return;
            }

            try
            {
                _store.UpdateScan(new ScanRecord
                {
                    Id = id,
                    Status = status,
                    Started = _started,
                    Finished = DateTimeOffset.UtcNow,
                    Inputs = _inputs,
                    Events = Interlocked.Read(ref _events),
                    Detections = Interlocked.Read(ref _stored),
                });
            }
            catch (BehaviorBlockingException ex)
            {
                AddProblem("store", ex.ErrorId, ex.Message + " The monitor's run row was not updated.");
                Tell(() => _observer.OnStoreFailure(ex));
            }
        }

        /// <summary>What only the consumer can read, published for health requests from other threads.</summary>
        private sealed class ConsumerView
        {
            public static readonly ConsumerView Empty = new ConsumerView(0, 0, null, null);

            public ConsumerView(int processes, int trees, string? classifierDisabledReason, double? rate)
            {
                Processes = processes;
                Trees = trees;
                ClassifierDisabledReason = classifierDisabledReason;
                Rate = rate;
            }

            public int Processes { get; }

            public int Trees { get; }

            public string? ClassifierDisabledReason { get; }

            public double? Rate { get; }
        }
    }
}
