using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// What a live source (or another part of a monitor, such as a pre-execution guard) may report beside its
    /// events: named counters. <see cref="Counters"/> is called from any thread at any time (a health request),
    /// so it must be thread-safe, cheap and must not throw.
    /// </summary>
    public interface ISourceHealth
    {
        /// <summary>The reporter's name (a source reports under its own name).</summary>
        string Name { get; }

        /// <summary>The counters now, such as <c>execDenied</c>, <c>execTimeouts</c>, <c>recordsSkipped</c>.</summary>
        IReadOnlyList<KeyValuePair<string, long>> Counters();
    }

    /// <summary>Where a monitor session is in its life.</summary>
    public enum MonitorState
    {
        /// <summary>Created, not started.</summary>
        Created = 0,

        /// <summary>Sources and consumer run.</summary>
        Running,

        /// <summary>Stop was asked: sources stop, what was queued is drained, the run is closed and recorded.</summary>
        Stopping,

        /// <summary>Stopped cleanly.</summary>
        Stopped,

        /// <summary>The consumer failed; the session ended (the health's last errors say why).</summary>
        Failed,
    }

    /// <summary>One named counter of a source or component.</summary>
    public sealed class MonitorCounter
    {
        internal MonitorCounter(string name, long value)
        {
            Name = name;
            Value = value;
        }

        /// <summary>The counter's name.</summary>
        public string Name { get; }

        /// <summary>Its value.</summary>
        public long Value { get; }

        /// <inheritdoc />
        public override string ToString() => Name + "=" + Value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>One live source of a monitor: its state, what it delivered and lost, and its own counters.</summary>
    public sealed class MonitorSourceHealth
    {
        internal MonitorSourceHealth(string name, LiveSourceState state, long events, long droppedEvents, long droppedBatches, string? lastError,
            IReadOnlyList<MonitorCounter> counters)
        {
            Name = name;
            State = state;
            Events = events;
            DroppedEvents = droppedEvents;
            DroppedBatches = droppedBatches;
            LastError = lastError;
            Counters = counters;
        }

        /// <summary>The source's name.</summary>
        public string Name { get; }

        /// <summary>Running, failed, ended or stopped.</summary>
        public LiveSourceState State { get; }

        /// <summary>Events the source wrote (delivered or dropped).</summary>
        public long Events { get; }

        /// <summary>Events lost because the queue was full when the batch was handed over.</summary>
        public long DroppedEvents { get; }

        /// <summary>Batches lost.</summary>
        public long DroppedBatches { get; }

        /// <summary>Why it failed, or the last problem it reported; null when none.</summary>
        public string? LastError { get; }

        /// <summary>The source's own counters (<see cref="ISourceHealth"/>); empty when it reports none.</summary>
        public IReadOnlyList<MonitorCounter> Counters { get; }
    }

    /// <summary>A set of counters of a part of the monitor that is no source (a pre-execution guard).</summary>
    public sealed class MonitorComponentHealth
    {
        internal MonitorComponentHealth(string name, IReadOnlyList<MonitorCounter> counters)
        {
            Name = name;
            Counters = counters;
        }

        /// <summary>The component's name.</summary>
        public string Name { get; }

        /// <summary>Its counters.</summary>
        public IReadOnlyList<MonitorCounter> Counters { get; }
    }

    /// <summary>How many response steps of one kind came out one way.</summary>
    public sealed class MonitorActionCount
    {
        internal MonitorActionCount(ResponseKind kind, StepOutcome outcome, long count)
        {
            Kind = kind;
            Outcome = outcome;
            Count = count;
        }

        /// <summary>The step's kind (kill tree, quarantine, block hash, ...).</summary>
        public ResponseKind Kind { get; }

        /// <summary>How it came out.</summary>
        public StepOutcome Outcome { get; }

        /// <summary>Steps taken with that outcome.</summary>
        public long Count { get; }
    }

    /// <summary>A problem a monitor met: a source's skipped record or failure, a policy that did not reload, a store write that failed.</summary>
    public sealed class MonitorProblem
    {
        private const int MaxMessage = 512;

        internal MonitorProblem(DateTimeOffset time, string where, string errorId, string message)
        {
            Time = time;
            Where = where;
            ErrorId = errorId;
            Message = message.Length > MaxMessage ? message.Substring(0, MaxMessage) + "…" : message;
        }

        /// <summary>When it was met (UTC).</summary>
        public DateTimeOffset Time { get; }

        /// <summary>What met it: a source's name, <c>policy</c>, <c>indicators</c>, <c>store</c>, <c>engine</c>, <c>observer</c>.</summary>
        public string Where { get; }

        /// <summary>The stable error id.</summary>
        public string ErrorId { get; }

        /// <summary>One sentence naming what and where (no event contents, so no command lines or secrets).</summary>
        public string Message { get; }

        /// <inheritdoc />
        public override string ToString() => Where + ": " + ErrorId + ": " + Message;
    }

    /// <summary>
    /// A monitor's health at one moment, taken from any thread (<see cref="MonitorSession.Health"/>) and handed to
    /// <see cref="IMonitorObserver.OnHealth"/> every stats interval. Immutable; no live handles.
    /// </summary>
    public sealed class MonitorHealth
    {
        internal MonitorHealth(MonitorHealthValues v)
        {
            Time = v.Time;
            State = v.State;
            Started = v.Started;
            Uptime = v.Uptime;
            Events = v.Events;
            EventsPerSecond = v.EventsPerSecond;
            DroppedEvents = v.DroppedEvents;
            DroppedBatches = v.DroppedBatches;
            QueueDepth = v.QueueDepth;
            QueueCapacity = v.QueueCapacity;
            SelfEventsIgnored = v.SelfEventsIgnored;
            Detections = v.Detections;
            DetectionsStored = v.DetectionsStored;
            Verdicts = v.Verdicts;
            Actions = v.Actions;
            Sources = v.Sources;
            Components = v.Components;
            Processes = v.Processes;
            Trees = v.Trees;
            RuleCount = v.RuleCount;
            RuleSetVersion = v.RuleSetVersion;
            ModelVersion = v.ModelVersion;
            ClassifierDisabledReason = v.ClassifierDisabledReason;
            PolicyVersion = v.PolicyVersion;
            Mode = v.Mode;
            ModeOverride = v.ModeOverride;
            PolicyReloads = v.PolicyReloads;
            Indicators = v.Indicators;
            LastErrors = v.LastErrors;
        }

        /// <summary>When this was taken (UTC).</summary>
        public DateTimeOffset Time { get; }

        /// <summary>The session's state.</summary>
        public MonitorState State { get; }

        /// <summary>When the session started (UTC); <see cref="DateTimeOffset.MinValue"/> before.</summary>
        public DateTimeOffset Started { get; }

        /// <summary>Time since the start.</summary>
        public TimeSpan Uptime { get; }

        /// <summary>Events the consumer took from the queue (own activity included, before it is ignored).</summary>
        public long Events { get; }

        /// <summary>Events per second over the last stats interval (since the start before the first one ended).</summary>
        public double EventsPerSecond { get; }

        /// <summary>Events dropped because the queue was full, over all sources.</summary>
        public long DroppedEvents { get; }

        /// <summary>Batches dropped, over all sources.</summary>
        public long DroppedBatches { get; }

        /// <summary>Events waiting in the queue now.</summary>
        public long QueueDepth { get; }

        /// <summary>Batches the queue holds at most.</summary>
        public int QueueCapacity { get; }

        /// <summary>Events of the monitor's own process (and its threads) dropped at the consumer.</summary>
        public long SelfEventsIgnored { get; }

        /// <summary>Detection records reported (an update of a detection counts again).</summary>
        public long Detections { get; }

        /// <summary>Detection records written to the store.</summary>
        public long DetectionsStored { get; }

        /// <summary>Verdict events raised.</summary>
        public long Verdicts { get; }

        /// <summary>Response steps taken, by kind and outcome (Audit takes none).</summary>
        public IReadOnlyList<MonitorActionCount> Actions { get; }

        /// <summary>Each live source.</summary>
        public IReadOnlyList<MonitorSourceHealth> Sources { get; }

        /// <summary>Counters of other parts (a pre-execution guard).</summary>
        public IReadOnlyList<MonitorComponentHealth> Components { get; }

        /// <summary>Processes the graph holds (as of the consumer's last housekeeping, at most a second old).</summary>
        public int Processes { get; }

        /// <summary>Trees the graph holds (same moment).</summary>
        public int Trees { get; }

        /// <summary>Rules in force.</summary>
        public int RuleCount { get; }

        /// <summary>The rule set's version.</summary>
        public string RuleSetVersion { get; }

        /// <summary>The model's version, or <c>none</c> (rules alone, <c>!rule</c> verdicts).</summary>
        public string ModelVersion { get; }

        /// <summary>Why the classifier was switched off, or null.</summary>
        public string? ClassifierDisabledReason { get; }

        /// <summary>The policy's version.</summary>
        public string PolicyVersion { get; }

        /// <summary>The mode verdicts are decided in now (the override when one was given).</summary>
        public PolicyMode Mode { get; }

        /// <summary>The mode override of the session, or null when the policy's own mode applies.</summary>
        public PolicyMode? ModeOverride { get; }

        /// <summary>Times the policy was reloaded while running.</summary>
        public long PolicyReloads { get; }

        /// <summary>Indicators in force.</summary>
        public int Indicators { get; }

        /// <summary>The last problems met (at most 16, oldest first).</summary>
        public IReadOnlyList<MonitorProblem> LastErrors { get; }

        /// <summary>One line for a log or terminal: uptime, events, rate, drops, queue, detections, actions, mode.</summary>
        public string ToLine()
        {
            long actions = 0;
            foreach (MonitorActionCount action in Actions)
            {
                actions += action.Count;
            }

            var line = new StringBuilder();
            line.AppendFormat(CultureInfo.InvariantCulture,
                "health: up {0:d\\.hh\\:mm\\:ss}, {1:N0} events ({2:N0}/s), {3:N0} dropped, queue {4:N0}, {5:N0} detections, {6:N0} actions, {7} mode, policy {8}, rules {9:N0}, model {10}",
                Uptime, Events, EventsPerSecond, DroppedEvents, QueueDepth, Detections, actions, Mode, PolicyVersion, RuleCount, ModelVersion);
            foreach (MonitorSourceHealth source in Sources)
            {
                if (source.State == LiveSourceState.Failed)
                {
                    line.Append("; source ").Append(source.Name).Append(" FAILED: ").Append(source.LastError);
                }
            }

            return line.ToString();
        }

        /// <summary>The health as one JSON object (camelCase), for logs and <c>--format jsonl</c>.</summary>
        public string ToJson()
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteString("type", "health");
                w.WriteString("time", Time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                w.WriteString("state", State.ToString());
                w.WriteString("started", Started.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                w.WriteNumber("uptimeSeconds", Math.Round(Uptime.TotalSeconds, 1));
                w.WriteNumber("events", Events);
                w.WriteNumber("eventsPerSecond", Math.Round(EventsPerSecond, 1));
                w.WriteNumber("droppedEvents", DroppedEvents);
                w.WriteNumber("droppedBatches", DroppedBatches);
                w.WriteNumber("queueDepth", QueueDepth);
                w.WriteNumber("queueCapacity", QueueCapacity);
                w.WriteNumber("selfEventsIgnored", SelfEventsIgnored);
                w.WriteNumber("detections", Detections);
                w.WriteNumber("detectionsStored", DetectionsStored);
                w.WriteNumber("verdicts", Verdicts);
                w.WriteStartArray("actions");
                foreach (MonitorActionCount action in Actions)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", action.Kind.ToString());
                    w.WriteString("outcome", action.Outcome.ToString());
                    w.WriteNumber("count", action.Count);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("sources");
                foreach (MonitorSourceHealth source in Sources)
                {
                    w.WriteStartObject();
                    w.WriteString("name", source.Name);
                    w.WriteString("state", source.State.ToString());
                    w.WriteNumber("events", source.Events);
                    w.WriteNumber("droppedEvents", source.DroppedEvents);
                    w.WriteNumber("droppedBatches", source.DroppedBatches);
                    if (source.LastError is null)
                    {
                        w.WriteNull("lastError");
                    }
                    else
                    {
                        w.WriteString("lastError", source.LastError);
                    }

                    WriteCounters(w, source.Counters);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("components");
                foreach (MonitorComponentHealth component in Components)
                {
                    w.WriteStartObject();
                    w.WriteString("name", component.Name);
                    WriteCounters(w, component.Counters);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("processes", Processes);
                w.WriteNumber("trees", Trees);
                w.WriteNumber("ruleCount", RuleCount);
                w.WriteString("ruleSetVersion", RuleSetVersion);
                w.WriteString("modelVersion", ModelVersion);
                if (ClassifierDisabledReason is null)
                {
                    w.WriteNull("classifierDisabledReason");
                }
                else
                {
                    w.WriteString("classifierDisabledReason", ClassifierDisabledReason);
                }

                w.WriteString("policyVersion", PolicyVersion);
                w.WriteString("mode", Mode.ToString());
                if (ModeOverride is PolicyMode mode)
                {
                    w.WriteString("modeOverride", mode.ToString());
                }
                else
                {
                    w.WriteNull("modeOverride");
                }

                w.WriteNumber("policyReloads", PolicyReloads);
                w.WriteNumber("indicators", Indicators);
                w.WriteStartArray("lastErrors");
                foreach (MonitorProblem problem in LastErrors)
                {
                    w.WriteStartObject();
                    w.WriteString("time", problem.Time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                    w.WriteString("where", problem.Where);
                    w.WriteString("errorId", problem.ErrorId);
                    w.WriteString("message", problem.Message);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }

        private static void WriteCounters(Utf8JsonWriter w, IReadOnlyList<MonitorCounter> counters)
        {
            w.WriteStartObject("counters");
            foreach (MonitorCounter counter in counters)
            {
                w.WriteNumber(counter.Name, counter.Value);
            }

            w.WriteEndObject();
        }
    }

    /// <summary>The values a <see cref="MonitorHealth"/> is built from (one place fills them).</summary>
    internal sealed class MonitorHealthValues
    {
        public DateTimeOffset Time;
        public MonitorState State;
        public DateTimeOffset Started;
        public TimeSpan Uptime;
        public long Events;
        public double EventsPerSecond;
        public long DroppedEvents;
        public long DroppedBatches;
        public long QueueDepth;
        public int QueueCapacity;
        public long SelfEventsIgnored;
        public long Detections;
        public long DetectionsStored;
        public long Verdicts;
        public IReadOnlyList<MonitorActionCount> Actions = Array.Empty<MonitorActionCount>();
        public IReadOnlyList<MonitorSourceHealth> Sources = Array.Empty<MonitorSourceHealth>();
        public IReadOnlyList<MonitorComponentHealth> Components = Array.Empty<MonitorComponentHealth>();
        public int Processes;
        public int Trees;
        public int RuleCount;
        public string RuleSetVersion = string.Empty;
        public string ModelVersion = "none";
        public string? ClassifierDisabledReason;
        public string PolicyVersion = string.Empty;
        public PolicyMode Mode;
        public PolicyMode? ModeOverride;
        public long PolicyReloads;
        public int Indicators;
        public IReadOnlyList<MonitorProblem> LastErrors = Array.Empty<MonitorProblem>();
    }
}
