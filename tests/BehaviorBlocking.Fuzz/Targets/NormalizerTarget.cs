using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// Records (format decided by content, as for a file named on the command line) through the
    /// Windows event normalizer into a small process graph. Documented: the normalizer refuses a
    /// record only with a <see cref="BehaviorBlockingException"/> of kind InvalidData (counted by the
    /// replay source); the graph takes any event in any order.
    /// </summary>
    internal static class NormalizerTarget
    {
        private static readonly WindowsEventNormalizer s_normalizer = new WindowsEventNormalizer();

        // Tiny caps so a few events reach sweeping, pruning and cap eviction.
        private static readonly ProcessGraphOptions s_graphOptions = new ProcessGraphOptions
        {
            TimelineCapacity = 4,
            MaxProcesses = 8,
            MaxRetainedEvents = 16,
            SweepInterval = 4,
            ExitedTreeRetention = TimeSpan.FromSeconds(30),
            IdleTreeRetention = TimeSpan.FromMinutes(5),
        };

        public static void Run(byte[] input)
        {
            List<EventRecord> records = ReaderTargets.ReadChecked(input, "fuzz.input", oneRecordPerLine: false, out _);
            var graph = new ProcessGraph(s_graphOptions);
            long closed = 0;
            graph.TreeClosed += tree =>
            {
                closed++;
                FuzzInvariantException.That(tree.ProcessCount >= 1, $"tree {tree.Id} closed with {tree.ProcessCount} processes");
            };

            foreach (EventRecord record in records)
            {
                BehaviorEvent e;
                try
                {
                    e = s_normalizer.Normalize(record);
                }
                catch (BehaviorBlockingException ex) when (ex.Kind == FailureKind.InvalidData)
                {
                    FuzzInvariantException.That(!string.IsNullOrEmpty(ex.ErrorId), "the normalizer refused a record without an error id");
                    continue;
                }

                CheckEvent(record, e);
                ProcessNode? node = graph.Apply(e);
                if (node is not null)
                {
                    // Host names compare without case, as Windows does.
                    FuzzInvariantException.That(string.Equals(node.Host, e.Host, StringComparison.OrdinalIgnoreCase), $"the event of host '{e.Host}' was attributed to a process of host '{node.Host}'");
                }
            }

            foreach (ProcessTree tree in new List<ProcessTree>(graph.Trees))
            {
                int members = graph.Members(tree).Count;
                FuzzInvariantException.That(members == tree.ProcessCount, $"tree {tree.Id} counts {tree.ProcessCount} processes but has {members} members");
                graph.Snapshot(tree);
            }

            graph.CloseAll();
            FuzzInvariantException.That(graph.TreeCount == 0 && graph.ProcessCount == 0 && graph.RetainedEvents == 0,
                $"after closing every tree the graph still holds {graph.TreeCount} trees, {graph.ProcessCount} processes, {graph.RetainedEvents} events");
        }

        private static void CheckEvent(EventRecord record, BehaviorEvent e)
        {
            string where = "event of line " + record.SourceLine;
            FuzzInvariantException.That(Enum.IsDefined(typeof(EventKind), e.Kind), $"{where} has undefined kind {(int)e.Kind}");
            FuzzInvariantException.That(e.Time.Offset == TimeSpan.Zero, $"{where} has time {e.Time:o}, not UTC");
            FuzzInvariantException.That(e.EventId == record.EventId && e.Channel == record.Channel, $"{where} does not keep the record's event id and channel");
            FuzzInvariantException.That(e.Host is not null && e.Provider is not null && e.Fields is not null, $"{where} has a null host, provider or field list");
            FuzzInvariantException.That(e.SourceLine == record.SourceLine && e.SourceFile == record.SourceFile, $"{where} does not keep where it came from");
            // docs/events.md: a process id or port of 0 is null.
            CheckPositive(where, "ProcessId", e.ProcessId);
            CheckPositive(where, "ParentProcessId", e.ParentProcessId);
            CheckPositive(where, "TargetProcessId", e.TargetProcessId);
            CheckPositive(where, "SourcePort", e.SourcePort);
            CheckPositive(where, "DestinationPort", e.DestinationPort);
        }

        private static void CheckPositive(string where, string name, int? value)
        {
            FuzzInvariantException.That(value is null || value > 0, $"{where} has {name} {value}; zero and negative values are documented as null");
        }
    }
}
