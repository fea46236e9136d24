using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public sealed class LinuxProcessSensorTests
    {
        private static string Sha256Of(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

        private static string Canonical(string path) => LinuxNative.CanonicalPath(path) ?? path;

        private static LiveSensorHarness StartSensor(LinuxProcessSensor sensor)
        {
            var harness = new LiveSensorHarness(sensor);

            // The snapshot is written after the subscription: once this test's own process is reported, every later exec is seen.
            harness.WaitFor(e => e.ProcessId == Environment.ProcessId && e.GetField(LinuxProcessSensor.SnapshotField) == "true", "snapshot of the test process");
            return harness;
        }

        private static Process Start(string file, string workingDirectory, params string[] arguments)
        {
            var start = new ProcessStartInfo(file) { UseShellExecute = false, WorkingDirectory = workingDirectory };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            return Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        }

        [LinuxRootFact]
        public void Run_ShellThatExecsSleep_ReportsTheExecEnrichedAndItsExit()
        {
            using var dir = new TempDirectory();
            var hashes = new ExecutableHashCache();
            var sensor = new LinuxProcessSensor(hashes);
            using LiveSensorHarness harness = StartSensor(sensor);
            Process child = Start("/bin/sh", dir.FullPath, "-c", "exec /bin/sleep 5");
            try
            {
                int pid = child.Id;
                BehaviorEvent exec = harness.WaitFor(e => e.Kind == EventKind.ProcessStart && e.ProcessId == pid && e.CommandLine == "/bin/sleep 5", "exec of sleep");

                Assert.Equal(DetectionPlatform.Linux, exec.Platform);
                Assert.Equal(LinuxEvents.Channel, exec.Channel);
                Assert.Equal(LinuxEvents.ProcessCreate, exec.EventId);
                Assert.Equal(Canonical("/bin/sleep"), exec.Image);
                Assert.Equal(dir.FullPath, exec.GetField(LinuxEvents.CurrentDirectory));
                Assert.Equal("root", exec.User);
                Assert.Equal("0", exec.GetField(LinuxEvents.UserId));
                Assert.Equal("SHA256=" + Sha256Of("/bin/sleep"), exec.Hashes);
                Assert.Equal(LinuxProcessGuid.ForRunning(pid)!.Value.ToString("B"), exec.ProcessGuid);
                Assert.Null(exec.GetField(LinuxProcessSensor.SnapshotField));

                // The parent is this test host, which the start-up snapshot reported.
                Assert.Equal(Environment.ProcessId, exec.ParentProcessId);
                Assert.Equal(LinuxProcessGuid.ForRunning(Environment.ProcessId)!.Value.ToString("B"), exec.ParentProcessGuid);
                Assert.Equal(ProcFs.Executable(Environment.ProcessId), exec.ParentImage);
                Assert.Equal("root", exec.GetField(LinuxEvents.ParentUser));
                Assert.False(string.IsNullOrEmpty(exec.ParentCommandLine));

                // The event's time is the kernel's, converted to wall-clock time.
                Assert.InRange(exec.Time, DateTimeOffset.UtcNow.AddSeconds(-30), DateTimeOffset.UtcNow.AddSeconds(1));

                child.Kill();
                BehaviorEvent exit = harness.WaitFor(e => e.Kind == EventKind.ProcessExit && e.ProcessId == pid, "exit of sleep");
                Assert.Equal(exec.ProcessGuid, exit.ProcessGuid);
                Assert.Equal(LinuxEvents.ProcessTerminate, exit.EventId);
                Assert.Equal(Canonical("/bin/sleep"), exit.Image);
                Assert.True(sensor.Events >= 2);
                Assert.True(sensor.HashCacheMisses + sensor.HashCacheHits >= 1);
                Assert.Null(harness.Failure);
            }
            finally
            {
                ChildProcesses.KillAndWait(child);
            }
        }

        [LinuxRootFact]
        public void Run_ScriptInATempFolder_LinksTheSleepItRunsToTheScriptsShell()
        {
            using var dir = new TempDirectory();
            string script = dir.Combine("run-me.sh");
            File.WriteAllText(script, "#!/bin/sh\n/bin/sleep 0.4\nexit 0\n");
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            using LiveSensorHarness harness = StartSensor(sensor);
            Process shell = Start(script, dir.FullPath);
            try
            {
                int shellPid = shell.Id;
                BehaviorEvent shellExec = harness.WaitFor(e => e.Kind == EventKind.ProcessStart && e.ProcessId == shellPid, "exec of the script");
                BehaviorEvent sleepExec = harness.WaitFor(e => e.Kind == EventKind.ProcessStart && e.ParentProcessId == shellPid && e.CommandLine == "/bin/sleep 0.4", "exec of the script's sleep");

                // The kernel runs the script with its interpreter: the image is the shell, the script is its argument.
                Assert.Equal(Canonical("/bin/sh"), shellExec.Image);
                Assert.Equal("/bin/sh " + script, shellExec.CommandLine);
                Assert.Equal("SHA256=" + Sha256Of(Canonical("/bin/sh")), shellExec.Hashes);
                Assert.Equal(dir.FullPath, shellExec.GetField(LinuxEvents.CurrentDirectory));

                Assert.Equal(shellExec.ProcessGuid, sleepExec.ParentProcessGuid);
                Assert.Equal(shellExec.Image, sleepExec.ParentImage);
                Assert.Equal(shellExec.CommandLine, sleepExec.ParentCommandLine);
                Assert.Equal(Canonical("/bin/sleep"), sleepExec.Image);
                Assert.Equal(dir.FullPath, sleepExec.GetField(LinuxEvents.CurrentDirectory));

                Assert.True(shell.WaitForExit(10_000));
                harness.WaitFor(e => e.Kind == EventKind.ProcessExit && e.ProcessGuid == sleepExec.ProcessGuid, "exit of sleep");
                harness.WaitFor(e => e.Kind == EventKind.ProcessExit && e.ProcessGuid == shellExec.ProcessGuid, "exit of the script");

                // A fork without exec (the shell's child before it ran sleep) is not an event of its own.
                Assert.Equal(2, harness.Events.Count(e => e.Kind == EventKind.ProcessStart && (e.ProcessId == shellPid || e.ParentProcessId == shellPid)));
            }
            finally
            {
                ChildProcesses.KillAndWait(shell);
            }
        }

        [LinuxRootFact]
        public void Run_ProcessRunningAsAnotherUser_ReportsThatUsersNameAndUid()
        {
            using var dir = new TempDirectory();
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            using LiveSensorHarness harness = StartSensor(sensor);
            Process child = Start("/usr/bin/setpriv", "/", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sleep", "0.3");
            try
            {
                BehaviorEvent exec = harness.WaitFor(e => e.Kind == EventKind.ProcessStart && e.ProcessId == child.Id && e.CommandLine == "/bin/sleep 0.3", "exec of sleep as nobody");
                Assert.Equal("65534", exec.GetField(LinuxEvents.UserId));
                Assert.Equal(NameOfUid(65534), exec.User);
                Assert.Equal("root", exec.GetField(LinuxEvents.ParentUser));
            }
            finally
            {
                ChildProcesses.KillAndWait(child);
            }
        }

        [LinuxRootFact]
        public void Run_ProcessesRunningAtStart_AreReportedParentsFirstAsSnapshot()
        {
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            using LiveSensorHarness harness = StartSensor(sensor);
            var snapshot = harness.Events.Where(e => e.GetField(LinuxProcessSensor.SnapshotField) == "true").ToList();

            Assert.Equal(sensor.SnapshotProcesses, snapshot.Count);
            BehaviorEvent self = snapshot.Single(e => e.ProcessId == Environment.ProcessId);
            Assert.Equal(ProcFs.Executable(Environment.ProcessId), self.Image);
            Assert.Equal(LinuxProcessGuid.ForRunning(Environment.ProcessId)!.Value.ToString("B"), self.ProcessGuid);
            int ppid = ProcFs.ReadStat(Environment.ProcessId)!.Value.ParentId;
            Assert.Equal(ppid, self.ParentProcessId);

            // Every reported parent that is itself in the snapshot comes before its children.
            var position = snapshot.Select((e, i) => (e.ProcessGuid, i)).ToDictionary(p => p.ProcessGuid!, p => p.i);
            foreach (BehaviorEvent e in snapshot.Where(e => e.ParentProcessGuid is not null && position.ContainsKey(e.ParentProcessGuid!)))
            {
                Assert.True(position[e.ParentProcessGuid!] < position[e.ProcessGuid!], $"parent of PID {e.ProcessId} reported after it");
            }

            // Kernel threads have no executable and are not processes the graph needs.
            Assert.DoesNotContain(snapshot, e => e.ProcessId == 2);
        }

        [LinuxRootFact]
        public void Run_Cancelled_StopsWithinHalfASecondAndFlushedWhileIdle()
        {
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            var harness = new LiveSensorHarness(sensor);
            harness.WaitFor(e => e.GetField(LinuxProcessSensor.SnapshotField) == "true", "snapshot");
            System.Threading.Thread.Sleep(400);

            TimeSpan took = harness.Stop();

            Assert.True(took < TimeSpan.FromMilliseconds(500), $"stopping took {took.TotalMilliseconds:F0} ms");
            Assert.Null(harness.Failure);
            Assert.True(harness.Flushes >= 1);
            Assert.True(sensor.ReceiveBufferBytes >= 64 * 1024);
            harness.Dispose();
        }

        [LinuxRootFact]
        public void EventPump_LiveProcessSensor_DeliversAnExecWithoutWaitingForAFullBatch()
        {
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            var pump = new BehaviorBlocking.Pipeline.EventPump(sensor);
            using var stop = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(20));
            Process? child = null;
            BehaviorEvent? seen = null;
            try
            {
                pump.Run(batch =>
                {
                    // The first batch is the snapshot: the sensor is subscribed, so start the process now.
                    child ??= Start("/bin/sleep", "/", "2");
                    for (int i = 0; i < batch.Count; i++)
                    {
                        BehaviorEvent e = batch.Events[i];
                        if (e.Kind == EventKind.ProcessStart && e.ProcessId == child.Id && e.CommandLine == "/bin/sleep 2")
                        {
                            seen = e;
                            stop.Cancel();
                        }
                    }
                }, stop.Token);
            }
            finally
            {
                if (child is not null)
                {
                    ChildProcesses.KillAndWait(child);
                }
            }

            // Far fewer than a batch (1,024) events: only the idle flush can have delivered it.
            Assert.NotNull(seen);
            Assert.Equal(Canonical("/bin/sleep"), seen!.Image);
            Assert.Equal(0, pump.DroppedEvents);
        }

        [Fact]
        public void ConnectorError_PermissionDenied_NamesThePrivilege()
        {
            BehaviorBlockingException error = LinuxProcessSensor.ConnectorError("bind(AF_NETLINK, groups CN_IDX_PROC)", 1);

            Assert.Equal(ErrorIds.ProcessSensorRequiresNetAdmin, error.ErrorId);
            Assert.Equal(FailureKind.AccessDenied, error.Kind);
            Assert.Contains("CAP_NET_ADMIN", error.Message);
            Assert.Contains("bind", error.Message);
        }

        [Fact]
        public void ConnectorError_OtherErrno_IsUnavailable()
        {
            BehaviorBlockingException error = LinuxProcessSensor.ConnectorError("socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR)", 93);

            Assert.Equal(ErrorIds.LinuxSensorUnavailable, error.ErrorId);
            Assert.Contains("errno 93", error.Message);
        }

        [Fact]
        public void Handle_MalformedDatagram_IsCountedAndReportedOnceAndNeverThrows()
        {
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            var writer = new CollectingWriter();
            byte[] garbage = { 0xFF, 0xFF, 0xFF, 0x7F, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9 };

            sensor.Handle(garbage, garbage.Length, writer);
            sensor.Handle(garbage, garbage.Length, writer);

            Assert.Equal(2, sensor.MalformedMessages);
            Assert.Single(writer.Problems);
            Assert.Equal(ErrorIds.RecordMalformed, writer.Problems[0].ErrorId);
        }

        /// <summary>A connector datagram as the kernel sends it.</summary>
        private static byte[] Datagram(uint what, params int[] union)
        {
            int dataLength = 16 + (union.Length * 4);
            var b = new byte[36 + dataLength];
            BitConverter.GetBytes((uint)b.Length).CopyTo(b, 0);
            BitConverter.GetBytes((ushort)3).CopyTo(b, 4);
            BitConverter.GetBytes(1u).CopyTo(b, 16);
            BitConverter.GetBytes(1u).CopyTo(b, 20);
            BitConverter.GetBytes((ushort)dataLength).CopyTo(b, 32);
            BitConverter.GetBytes(what).CopyTo(b, 36);
            BitConverter.GetBytes((ulong)BehaviorBlocking.Sensors.Linux.LinuxSensorClock.MonotonicNs()).CopyTo(b, 44);
            for (int i = 0; i < union.Length; i++)
            {
                BitConverter.GetBytes(union[i]).CopyTo(b, 52 + (i * 4));
            }

            return b;
        }

        private static void Feed(LinuxProcessSensor sensor, CollectingWriter writer, uint what, params int[] union)
        {
            byte[] datagram = Datagram(what, union);
            sensor.Handle(datagram, datagram.Length, writer);
        }

        private static int DeadPid()
        {
            using Process p = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
            p.WaitForExit();
            return p.Id;
        }

        [LinuxRootFact]
        public void Handle_ExecOfAProcessAlreadyGone_ReportsPidAndParentFromTheForkAndCountsIt()
        {
            int forkOnly = DeadPid();
            int gone = DeadPid();
            int self = Environment.ProcessId;
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            var writer = new CollectingWriter();

            // This process forks a child that never execs, which forks the one that execs and is gone before it is read.
            Feed(sensor, writer, 0x1, self, self, forkOnly, forkOnly);
            Feed(sensor, writer, 0x1, forkOnly, forkOnly, gone, gone);
            Assert.Empty(writer.Events);
            Feed(sensor, writer, 0x2, gone, gone);

            Assert.Equal(1, sensor.GoneBeforeEnrichment);
            BehaviorEvent exec = writer.Events.Last();
            Assert.Equal(EventKind.ProcessStart, exec.Kind);
            Assert.Equal(gone, exec.ProcessId);
            Assert.Equal(forkOnly, exec.ParentProcessId);
            Assert.False(string.IsNullOrEmpty(exec.ProcessGuid));

            // The fork-only parent is reported just before (so the tree stays linked), with the image it inherited, and linked to this process.
            BehaviorEvent forked = writer.Events.Single(e => e.ProcessId == forkOnly);
            Assert.Equal("true", forked.GetField(LinuxProcessSensor.ForkedField));
            Assert.Equal(forked.ProcessGuid, exec.ParentProcessGuid);
            Assert.Equal(self, forked.ParentProcessId);
            Assert.Equal(LinuxProcessGuid.ForRunning(self)!.Value.ToString("B"), forked.ParentProcessGuid);
            BehaviorEvent selfEvent = writer.Events.Single(e => e.ProcessId == self);
            Assert.Equal(ProcFs.Executable(self), selfEvent.Image);
            Assert.True(writer.Events.IndexOf(selfEvent) < writer.Events.IndexOf(forked));

            // Its exit names the same process; a thread's exit is not a process exit.
            Feed(sensor, writer, 0x80000000, gone + 1, gone, 0, 0, forkOnly, forkOnly);
            Assert.DoesNotContain(writer.Events, e => e.Kind == EventKind.ProcessExit);
            Feed(sensor, writer, 0x80000000, gone, gone, 0, 0, forkOnly, forkOnly);
            BehaviorEvent exit = writer.Events.Last();
            Assert.Equal(EventKind.ProcessExit, exit.Kind);
            Assert.Equal(exec.ProcessGuid, exit.ProcessGuid);
        }

        [LinuxRootFact]
        public void Handle_ThreadCreationAndExitOfAnUnknownProcess_WriteNothing()
        {
            int self = Environment.ProcessId;
            var sensor = new LinuxProcessSensor(new ExecutableHashCache());
            var writer = new CollectingWriter();

            Feed(sensor, writer, 0x1, self, self, self + 100000, self);
            Feed(sensor, writer, 0x80000000, 999_999, 999_999, 0, 0, 1, 1);

            Assert.Empty(writer.Events);
            Assert.Equal(0, sensor.KnownProcesses);
        }

        private static string NameOfUid(int uid)
        {
            foreach (string line in File.ReadAllLines("/etc/passwd"))
            {
                string[] parts = line.Split(':');
                if (parts.Length > 2 && parts[2] == uid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    return parts[0];
                }
            }

            return uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        private sealed class CollectingWriter : BehaviorBlocking.Pipeline.IEventWriter
        {
            public System.Collections.Generic.List<BehaviorEvent> Events { get; } = new();

            public System.Collections.Generic.List<BehaviorBlocking.Sensors.Replay.ReplayProblem> Problems { get; } = new();

            public void Write(BehaviorEvent behaviorEvent) => Events.Add(behaviorEvent);

            public void Problem(BehaviorBlocking.Sensors.Replay.ReplayProblem problem) => Problems.Add(problem);

            public void EndRecording(string recording, bool unreadable)
            {
            }

            public void Flush()
            {
            }
        }
    }
}
