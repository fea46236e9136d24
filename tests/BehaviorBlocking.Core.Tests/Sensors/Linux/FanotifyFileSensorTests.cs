using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>The fanotify file sensor for real, on a tmpfs of the test's own: create, write and close, rename, delete, and skipping its own process.</summary>
    public sealed class FanotifyFileSensorTests
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

        [LinuxRootFact]
        public void Run_CreateWriteRenameDelete_ReportsEachWithThisProcessAsActor()
        {
            using var mount = new TmpfsMount();
            using var sensor = new FanotifyFileSensor(new FanotifyFileSensorOptions { Paths = new[] { mount.FullPath }, SkipOwnEvents = false });
            using var run = new LiveSourceRun(sensor);
            Assert.True(sensor.Started.Wait(Wait), "the sensor did not start");
            string created = mount.Combine("dropped.sh");
            string renamed = mount.Combine("renamed.sh");

            File.WriteAllText(created, "#!/bin/sh\n");
            File.Move(created, renamed);
            File.Delete(renamed);

            BehaviorEvent? delete = run.Writer.WaitFor(e => e.Kind == EventKind.FileDelete && e.TargetPath == renamed, Wait);
            Assert.NotNull(delete);
            var events = run.Writer.Events.Where(e => e.TargetPath == created || e.TargetPath == renamed).ToList();
            BehaviorEvent create = Assert.Single(events, e => e.Kind == EventKind.FileCreate && e.GetField(FanotifyFileSensor.FileEventField) == "create");
            BehaviorEvent closeWrite = Assert.Single(events, e => e.Kind == EventKind.FileCreate && e.GetField(FanotifyFileSensor.FileEventField) == "close-write");
            BehaviorEvent rename = Assert.Single(events, e => e.Kind == EventKind.FileRename);
            Assert.Equal(created, create.TargetPath);
            Assert.Equal(created, closeWrite.TargetPath);
            Assert.Equal(created, rename.TargetPath);
            Assert.Equal(renamed, rename.TargetName);
            Assert.Equal(LinuxEvents.FileRename, rename.EventId);
            Assert.Equal(LinuxEvents.FileDelete, delete!.EventId);

            int self = Environment.ProcessId;
            string? guid = LinuxProcessGuid.ForRunning(self) is Guid g ? "{" + g.ToString("D") + "}" : null;
            foreach (BehaviorEvent e in new[] { create, closeWrite, rename, delete })
            {
                Assert.Equal(DetectionPlatform.Linux, e.Platform);
                Assert.Equal(LinuxEvents.Channel, e.Channel);
                Assert.Equal(self, e.ProcessId);
                Assert.Equal(guid, e.ProcessGuid);
                Assert.Equal(Environment.ProcessPath, e.Image);
                Assert.Equal("root", e.User);
            }

            FanotifyFileSensorCounters counters = sensor.Counters;
            Assert.Equal(1, counters.MarkedFileSystems);
            Assert.True(counters.Events >= 4);
            Assert.Equal(0, counters.Overflows);
            Assert.Equal(0, counters.Malformed);
        }

        [LinuxRootFact]
        public void Run_SkipOwnEvents_SkipsAndCountsThisProcessButReportsAChild()
        {
            using var mount = new TmpfsMount();
            using var sensor = new FanotifyFileSensor(new FanotifyFileSensorOptions { Paths = new[] { mount.FullPath } });
            using var run = new LiveSourceRun(sensor);
            Assert.True(sensor.Started.Wait(Wait), "the sensor did not start");
            string own = mount.Combine("own.log");
            string child = mount.Combine("child.txt");

            File.WriteAllText(own, "monitor's own write");
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("echo x > '" + child + "'; read line");
            using Process shell = Process.Start(start)!;
            try
            {
                BehaviorEvent? fromChild = run.Writer.WaitFor(e => e.TargetPath == child && e.GetField(FanotifyFileSensor.FileEventField) == "close-write", Wait);

                Assert.NotNull(fromChild);
                Assert.Equal(shell.Id, fromChild!.ProcessId);
                Assert.Equal("/usr/bin/dash", fromChild.Image);
                Assert.DoesNotContain(run.Writer.Events, e => e.TargetPath == own);
                Assert.True(sensor.Counters.OwnEventsSkipped >= 1);
            }
            finally
            {
                shell.StandardInput.Close();
                if (!shell.WaitForExit(5000))
                {
                    shell.Kill();
                }
            }
        }

        [LinuxRootFact]
        public void Run_EventsOutsideThePaths_AreNotReported()
        {
            using var mount = new TmpfsMount();
            Directory.CreateDirectory(mount.Combine("watched"));
            string watched = mount.Combine("watched");
            using var sensor = new FanotifyFileSensor(new FanotifyFileSensorOptions { Paths = new[] { watched }, SkipOwnEvents = false });
            using var run = new LiveSourceRun(sensor);
            Assert.True(sensor.Started.Wait(Wait), "the sensor did not start");

            File.WriteAllText(mount.Combine("outside.txt"), "x");
            File.WriteAllText(Path.Combine(watched, "inside.txt"), "x");

            Assert.NotNull(run.Writer.WaitFor(e => e.TargetPath == Path.Combine(watched, "inside.txt"), Wait));
            Assert.DoesNotContain(run.Writer.Events, e => e.TargetPath == mount.Combine("outside.txt"));
        }

        [LinuxRootFact]
        public void Dispose_StopsRunWithinAPollInterval()
        {
            using var mount = new TmpfsMount();
            var sensor = new FanotifyFileSensor(new FanotifyFileSensorOptions { Paths = new[] { mount.FullPath } });
            using var run = new LiveSourceRun(sensor);
            Assert.True(sensor.Started.Wait(Wait));

            var clock = Stopwatch.StartNew();
            Assert.True(run.Stop(TimeSpan.FromSeconds(2)), "Run did not return after cancellation");
            sensor.Dispose();
            Assert.Null(run.Failure);
        }
    }
}
