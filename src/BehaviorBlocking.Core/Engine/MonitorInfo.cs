using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// A live monitor as PowerShell shows it: its id in this session and its health at one moment. A plain snapshot
    /// (no handles), so it survives remoting; <c>Get-BehaviorMonitor</c> takes a new one.
    /// </summary>
    public sealed class BehaviorMonitor
    {
        /// <summary>Creates the snapshot of monitor <paramref name="id"/>.</summary>
        public BehaviorMonitor(Guid id, MonitorHealth health, string? storePath)
        {
            Id = id;
            Health = health ?? throw new ArgumentNullException(nameof(health));
            StorePath = storePath;
        }

        /// <summary>The monitor's id in this PowerShell session (Stop-BehaviorMonitor -Id).</summary>
        public Guid Id { get; }

        /// <summary>Starting, Running, Stopping, Stopped or Failed.</summary>
        public MonitorState State => Health.State;

        /// <summary>The mode it acts in (Off, Audit, Block).</summary>
        public PolicyMode Mode => Health.Mode;

        /// <summary>When it started, UTC.</summary>
        public DateTimeOffset Started => Health.Started;

        /// <summary>How long it has run.</summary>
        public TimeSpan Uptime => Health.Uptime;

        /// <summary>Events processed.</summary>
        public long Events => Health.Events;

        /// <summary>Events per second over the last interval.</summary>
        public double EventsPerSecond => Health.EventsPerSecond;

        /// <summary>Events dropped because the queue was full.</summary>
        public long DroppedEvents => Health.DroppedEvents;

        /// <summary>Detections raised.</summary>
        public long Detections => Health.Detections;

        /// <summary>The names of its sources (sensors).</summary>
        public IReadOnlyList<string> Sources => Health.Sources.Select(s => s.Name).ToList();

        /// <summary>The store detections go to; null with none.</summary>
        public string? StorePath { get; }

        /// <summary>Everything the monitor reports about itself: sources and their counters, actions, rules, model, policy, last problems.</summary>
        public MonitorHealth Health { get; }
    }
}
