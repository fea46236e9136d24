using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Tests.Graph
{
    public class ProcessGraphTests
    {
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero);

        private static BehaviorEvent Start(int pid, string image, int? parentPid = null, string? guid = null, string? parentGuid = null,
            double seconds = 0, string? parentImage = null, string host = "WS1")
        {
            return new BehaviorEvent
            {
                Kind = EventKind.ProcessStart,
                Host = host,
                Time = T0.AddSeconds(seconds),
                ProcessId = pid,
                ProcessGuid = guid,
                Image = image,
                CommandLine = image + " /x",
                ParentProcessId = parentPid,
                ParentProcessGuid = parentGuid,
                ParentImage = parentImage,
            };
        }

        private static BehaviorEvent Act(int pid, double seconds, EventKind kind = EventKind.FileCreate, string? guid = null, string host = "WS1")
        {
            return new BehaviorEvent { Kind = kind, Host = host, Time = T0.AddSeconds(seconds), ProcessId = pid, ProcessGuid = guid, TargetPath = "C:\\x" + seconds };
        }

        private static BehaviorEvent Exit(int pid, double seconds, string? guid = null)
        {
            return new BehaviorEvent { Kind = EventKind.ProcessExit, Host = "WS1", Time = T0.AddSeconds(seconds), ProcessId = pid, ProcessGuid = guid };
        }

        [Fact]
        public void Apply_StartWithKnownParent_LinksParentAndSharesTree()
        {
            var graph = new ProcessGraph();
            ProcessNode word = graph.Apply(Start(100, @"C:\Office\WINWORD.EXE"))!;
            ProcessNode shell = graph.Apply(Start(200, @"C:\Windows\System32\cmd.exe", parentPid: 100, seconds: 1))!;
            ProcessNode ps = graph.Apply(Start(300, @"C:\Windows\System32\powershell.exe", parentPid: 200, seconds: 2))!;

            Assert.Same(word, shell.Parent);
            Assert.Same(shell, ps.Parent);
            Assert.Same(word.Tree, ps.Tree);
            Assert.Equal(3, word.Tree.ProcessCount);
            Assert.Equal(new[] { shell, word }, graph.Ancestors(ps));
            Assert.Equal(new[] { shell, ps }, graph.Descendants(word));
            Assert.Equal(new[] { word, shell, ps }, graph.Members(word.Tree));
            Assert.Equal(1, graph.TreeCount);
        }

        [Fact]
        public void Apply_StartWithUnseenParent_SynthesizesParentFromReportedFields()
        {
            var graph = new ProcessGraph();
            ProcessNode child = graph.Apply(Start(300, @"C:\Windows\System32\whoami.exe", parentPid: 250, parentImage: @"C:\Tools\implant.exe", seconds: 5))!;

            ProcessNode parent = Assert.IsType<ProcessNode>(child.Parent);
            Assert.False(parent.StartObserved);
            Assert.Equal(250, parent.ProcessId);
            Assert.Equal(@"C:\Tools\implant.exe", parent.Image);
            Assert.Same(parent.Tree, child.Tree);
            Assert.Equal(1, graph.Statistics.ProcessesSynthesized);
        }

        [Fact]
        public void Apply_EventOfUnseenProcess_BuildsNodeFromEvent()
        {
            var graph = new ProcessGraph();
            ProcessNode node = graph.Apply(new BehaviorEvent { Kind = EventKind.NetworkConnect, Host = "WS1", Time = T0, ProcessId = 77, Image = @"C:\a\beacon.exe" })!;

            Assert.False(node.StartObserved);
            Assert.Null(node.StartTime);
            Assert.Equal(@"C:\a\beacon.exe", node.Image);
            Assert.Equal(1, node.TimelineCount);
        }

        [Fact]
        public void Apply_StartArrivesAfterItsEvents_MergesIntoBuiltNode()
        {
            var graph = new ProcessGraph();
            ProcessNode early = graph.Apply(Act(400, seconds: 3))!;
            ProcessNode started = graph.Apply(Start(400, @"C:\x\tool.exe", seconds: 2))!;

            Assert.Same(early, started);
            Assert.True(started.StartObserved);
            Assert.Equal(T0.AddSeconds(2), started.StartTime);
            Assert.Equal(1, graph.ProcessCount);
        }

        [Fact]
        public void Apply_SameStartFromTwoSensors_OneNodeWithGuid()
        {
            var graph = new ProcessGraph();
            ProcessNode fromSecurity = graph.Apply(Start(500, @"C:\x\tool.exe", seconds: 1))!;
            ProcessNode fromSysmon = graph.Apply(Start(500, @"C:\x\tool.exe", guid: "{AAAA-1}", seconds: 1.2))!;

            Assert.Same(fromSecurity, fromSysmon);
            Assert.Equal("{AAAA-1}", fromSysmon.ProcessGuid);
            Assert.Same(fromSysmon, graph.FindByGuid("ws1", "{aaaa-1}"));
        }

        [Fact]
        public void Apply_PidReusedByNewProcess_SeparatesIncarnations()
        {
            var graph = new ProcessGraph();
            ProcessNode first = graph.Apply(Start(600, @"C:\x\first.exe", seconds: 0))!;
            graph.Apply(Act(600, seconds: 5));
            ProcessNode second = graph.Apply(Start(600, @"C:\x\second.exe", seconds: 60))!;
            ProcessNode actor = graph.Apply(Act(600, seconds: 61))!;
            ProcessNode lateOld = graph.Apply(Act(600, seconds: 4))!;

            Assert.NotSame(first, second);
            Assert.Same(second, actor);
            Assert.True(first.HasExited);
            Assert.Equal(1, graph.Statistics.ProcessIdReuses);
            Assert.NotSame(second, lateOld);
            Assert.Same(second, graph.FindByProcessId("WS1", 600, T0.AddSeconds(70)));
        }

        [Fact]
        public void Apply_EventAfterExitOfPid_GoesToNewIncarnation()
        {
            var graph = new ProcessGraph();
            ProcessNode first = graph.Apply(Start(700, @"C:\x\a.exe"))!;
            graph.Apply(Exit(700, 10));
            ProcessNode later = graph.Apply(Act(700, 30))!;

            Assert.NotSame(first, later);
            Assert.False(later.StartObserved);
        }

        [Fact]
        public void Apply_GuidIdentity_WinsOverReusedPid()
        {
            var graph = new ProcessGraph();
            ProcessNode a = graph.Apply(Start(800, @"C:\x\a.exe", guid: "{g-a}"))!;
            ProcessNode b = graph.Apply(Start(800, @"C:\x\b.exe", guid: "{g-b}", seconds: 1))!;

            Assert.NotSame(a, b);
            Assert.Same(a, graph.Apply(Act(800, 2, guid: "{g-a}")));
            Assert.Same(b, graph.Apply(Act(800, 2, guid: "{g-b}")));
        }

        [Fact]
        public void Apply_ChildOfLaunchPoint_StartsItsOwnTree()
        {
            var graph = new ProcessGraph();
            ProcessNode explorer = graph.Apply(Start(10, @"C:\Windows\explorer.exe"))!;
            ProcessNode word = graph.Apply(Start(20, @"C:\Office\winword.exe", parentPid: 10, seconds: 1))!;
            ProcessNode cmd = graph.Apply(Start(30, @"C:\Windows\System32\cmd.exe", parentPid: 20, seconds: 2))!;

            Assert.Same(explorer, word.Parent);
            Assert.NotSame(explorer.Tree, word.Tree);
            Assert.Same(word, word.Tree.Root);
            Assert.Same(word.Tree, cmd.Tree);
            Assert.Equal(2, graph.TreeCount);
        }

        [Fact]
        public void Apply_DifferentHostsSamePid_AreDifferentProcesses()
        {
            var graph = new ProcessGraph();
            ProcessNode a = graph.Apply(Start(900, @"C:\x\a.exe", host: "WS1"))!;
            ProcessNode b = graph.Apply(Start(900, @"C:\x\a.exe", host: "WS2"))!;

            Assert.NotSame(a, b);
            Assert.Equal(2, graph.ProcessCount);
        }

        [Fact]
        public void Apply_EventWithoutProcessIdentity_IsUnattributed()
        {
            var graph = new ProcessGraph();
            ProcessNode? node = graph.Apply(new BehaviorEvent { Kind = EventKind.Logon, Host = "WS1", Time = T0 });

            Assert.Null(node);
            Assert.Equal(1, graph.Statistics.EventsUnattributed);
        }

        [Fact]
        public void Timeline_OverCapacity_KeepsNewestAndCountsDropped()
        {
            var graph = new ProcessGraph(new ProcessGraphOptions { TimelineCapacity = 4 });
            graph.Apply(Start(1000, @"C:\x\busy.exe"));
            ProcessNode node = null!;
            for (int i = 1; i <= 10; i++)
            {
                node = graph.Apply(Act(1000, i))!;
            }

            Assert.Equal(4, node.TimelineCount);
            Assert.Equal(7, node.DroppedEvents);
            Assert.Equal(11, node.EventCount);
            Assert.Equal(new[] { 7.0, 8, 9, 10 }, node.Timeline.Select(e => (e.Time - T0).TotalSeconds));
            Assert.NotNull(node.StartEvent);
            Assert.Equal(4, graph.RetainedEvents);
        }

        [Fact]
        public void Sweep_ExitedTreePastRetention_IsEvictedAndReported()
        {
            var graph = new ProcessGraph(new ProcessGraphOptions { ExitedTreeRetention = TimeSpan.FromMinutes(1), SweepInterval = 1 });
            var closed = new List<ProcessTree>();
            graph.TreeClosed += closed.Add;
            ProcessNode gone = graph.Apply(Start(1100, @"C:\x\short.exe"))!;
            graph.Apply(Exit(1100, 5));
            graph.Apply(Start(1200, @"C:\x\long.exe", seconds: 30));
            Assert.Empty(closed);

            graph.Apply(Act(1200, 70));

            Assert.Equal(new[] { gone.Tree }, closed);
            Assert.True(gone.Tree.Closed);
            Assert.Equal(1, graph.ProcessCount);
            Assert.Null(graph.FindByProcessId("WS1", 1100, T0.AddSeconds(1)));
        }

        [Fact]
        public void SweepAt_QuietTelemetry_TheWallClockClosesTheExitedTree_AndAnEarlierTimeNeverMovesTheClockBack()
        {
            var graph = new ProcessGraph(new ProcessGraphOptions { ExitedTreeRetention = TimeSpan.FromMinutes(1) });
            var closed = new List<ProcessTree>();
            graph.TreeClosed += closed.Add;
            ProcessNode gone = graph.Apply(Start(1500, @"C:\x\short.exe"))!;
            graph.Apply(Exit(1500, 5));

            graph.Sweep(T0.AddSeconds(30));
            Assert.Empty(closed);
            graph.Sweep(T0);
            Assert.Equal(T0.AddSeconds(30), graph.Watermark);

            graph.Sweep(T0.AddSeconds(66));
            Assert.Equal(new[] { gone.Tree }, closed);
            Assert.Equal(0, graph.ProcessCount);
            Assert.Equal(0, graph.TreeCount);
        }

        [Fact]
        public void Sweep_IdleTreePastRetention_IsEvictedEvenIfNotExited()
        {
            var graph = new ProcessGraph(new ProcessGraphOptions { IdleTreeRetention = TimeSpan.FromMinutes(10), SweepInterval = 1 });
            ProcessNode sleeper = graph.Apply(Start(1300, @"C:\x\sleeper.exe"))!;
            graph.Apply(Start(1400, @"C:\x\worker.exe", seconds: 599));
            Assert.False(sleeper.Tree.Closed);

            graph.Apply(Act(1400, 601));

            Assert.True(sleeper.Tree.Closed);
        }

        [Fact]
        public void Sweep_OverProcessCap_EvictsLeastRecentlyActiveTrees()
        {
            var graph = new ProcessGraph(new ProcessGraphOptions { MaxProcesses = 100, SweepInterval = 10 });
            for (int i = 0; i < 1000; i++)
            {
                graph.Apply(Start(5000 + i, @"C:\x\p.exe", seconds: i));
            }

            Assert.InRange(graph.ProcessCount, 1, 100);
            Assert.True(graph.Statistics.TreesEvictedForCapacity > 0);
            Assert.NotNull(graph.FindByProcessId("WS1", 5999, T0.AddSeconds(1000)));
            Assert.Null(graph.FindByProcessId("WS1", 5000, T0.AddSeconds(1)));
        }

        [Fact]
        public void Apply_EndlessStream_MemoryStaysBounded()
        {
            var graph = new ProcessGraph(new ProcessGraphOptions { ExitedTreeRetention = TimeSpan.FromSeconds(30), SweepInterval = 256 });
            for (int i = 0; i < 50_000; i++)
            {
                int pid = 10_000 + (i % 3000);
                graph.Apply(Start(pid, @"C:\x\job.exe", parentPid: 4, seconds: i));
                graph.Apply(Act(pid, i + 0.5));
                graph.Apply(Exit(pid, i + 0.9));
            }

            Assert.InRange(graph.ProcessCount, 1, 200);
            Assert.InRange(graph.RetainedEvents, 1, 1000);
            Assert.True(graph.Statistics.ProcessesPruned > 40_000);
        }

        [Fact]
        public void CloseAll_ClosesEveryTreeOldestFirst()
        {
            var graph = new ProcessGraph();
            var closed = new List<ProcessTree>();
            graph.TreeClosed += closed.Add;
            ProcessNode late = graph.Apply(Start(1, @"C:\x\late.exe", seconds: 50))!;
            ProcessNode early = graph.Apply(Start(2, @"C:\x\early.exe", seconds: 10))!;

            graph.CloseAll();

            Assert.Equal(new[] { early.Tree, late.Tree }, closed);
            Assert.Equal(0, graph.ProcessCount);
            Assert.Equal(0, graph.TreeCount);
            Assert.Equal(0, graph.RetainedEvents);
        }

        [Fact]
        public void Apply_ParentLoopInBadData_DoesNotLinkCycle()
        {
            var graph = new ProcessGraph();
            ProcessNode a = graph.Apply(Start(1, @"C:\x\a.exe", parentPid: 2, seconds: 1))!;
            ProcessNode b = graph.Apply(Start(2, @"C:\x\b.exe", parentPid: 1, seconds: 1))!;

            Assert.Same(b, a.Parent);
            Assert.Null(b.Parent);
            Assert.Single(graph.Ancestors(a));
        }
    }
}
