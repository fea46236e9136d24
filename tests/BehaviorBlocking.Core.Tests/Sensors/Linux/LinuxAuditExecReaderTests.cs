using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Tests.TestSupport;
using Xunit.Abstractions;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>Tests that change the kernel's audit settings: never in parallel with each other or with anything else.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class KernelAuditCollection
    {
        public const string Name = "kernel audit";
    }

    [Collection(KernelAuditCollection.Name)]
    public sealed class LinuxAuditExecReaderTests
    {
        private readonly ITestOutputHelper _output;

        public LinuxAuditExecReaderTests(ITestOutputHelper output) => _output = output;

        private static string Canonical(string path) => LinuxNative.CanonicalPath(path) ?? path;

        /// <summary>Runs the sensor, execs <paramref name="count"/> short-lived shells that run cat, and counts the cat execs reported with their full command line.</summary>
        private (int WithCommandLine, int Cats, LinuxProcessSensor Sensor, List<BehaviorBlocking.Sensors.Replay.ReplayProblem> Problems) CatLoop(bool useAudit, int count)
        {
            var sensor = new LinuxProcessSensor(new ExecutableHashCache(), new LinuxProcessSensorOptions { UseAudit = useAudit, ReportRunningProcesses = true });
            var shells = new HashSet<int>();
            using (var harness = new LiveSensorHarness(sensor))
            {
                harness.WaitFor(e => e.ProcessId == Environment.ProcessId && e.GetField(LinuxProcessSensor.SnapshotField) == "true", "snapshot of the test process", 30_000);
                for (int i = 0; i < count; i++)
                {
                    var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                    start.ArgumentList.Add("-c");
                    start.ArgumentList.Add("cat /etc/hostname > /dev/null");
                    using Process shell = Process.Start(start)!;
                    shells.Add(shell.Id);
                    shell.WaitForExit(10_000);
                }

                string cat = Canonical("/usr/bin/cat");
                bool IsOurCat(BehaviorEvent e) => e.Kind == EventKind.ProcessStart && (shells.Contains(e.ProcessId ?? 0) || shells.Contains(e.ParentProcessId ?? 0))
                    && e.Image == cat;
                var clock = Stopwatch.StartNew();
                while (clock.ElapsedMilliseconds < 5000 && harness.Events.Count(e => IsOurCat(e) && e.CommandLine == "cat /etc/hostname") < count)
                {
                    Thread.Sleep(50);
                }

                Thread.Sleep(300);
                List<BehaviorEvent> cats = harness.Events.Where(IsOurCat).ToList();
                Assert.Null(harness.Failure);
                return (cats.Count(e => e.CommandLine == "cat /etc/hostname"), cats.Count, sensor, harness.Problems);
            }
        }

        [LinuxRootFact]
        public void Sensor_ShortLivedCats_CarryTheirCommandLineWithAudit_AndTheAuditSettingsAreRestored()
        {
            AuditStatus before = LinuxAuditExecReader.QueryStatus() ?? throw new InvalidOperationException("AUDIT_GET did not answer");
            Assert.Empty(LinuxAuditExecReader.ListOwnRules());

            (int withAudit, int catsWithAudit, LinuxProcessSensor sensor, var problems) = CatLoop(useAudit: true, count: 50);

            _output.WriteLine($"audit on: {withAudit}/50 cat execs with the full command line ({catsWithAudit} reported as cat); filled {sensor.AuditFilled}, missed {sensor.AuditMissed}, records {sensor.Audit?.Records}, execs {sensor.Audit?.Execs}, malformed {sensor.Audit?.Malformed}, expired {sensor.Audit?.Expired}, taken {sensor.Audit?.Taken}, kernel lost {sensor.Audit?.KernelLost}, gone {sensor.GoneBeforeEnrichment}");
            Assert.True(sensor.Audit is not null, "audit was not used: " + sensor.AuditReason);
            Assert.True(withAudit >= 48, $"only {withAudit} of 50 cat execs carried their command line with audit on ({sensor.AuditReason})");
            Assert.DoesNotContain(problems, p => p.ErrorId == ErrorIds.LinuxAuditUnavailable);
            Assert.Equal(LinuxAuditState.Stopped, sensor.AuditState);

            // Nothing left behind: no rule with our key, pid and enabled as they were.
            Assert.Empty(LinuxAuditExecReader.ListOwnRules());
            AuditStatus after = LinuxAuditExecReader.QueryStatus()!.Value;
            Assert.Equal(before.Enabled, after.Enabled);
            Assert.Equal(before.Pid == (uint)Environment.ProcessId ? 0u : before.Pid, after.Pid);
            Assert.Equal(before.BacklogLimit, after.BacklogLimit);
            Assert.Equal(before.BacklogWaitTime, after.BacklogWaitTime);

            (int withoutAudit, int catsWithout, LinuxProcessSensor plain, _) = CatLoop(useAudit: false, count: 50);
            _output.WriteLine($"audit off: {withoutAudit}/50 cat execs with the full command line ({catsWithout} reported as cat); gone {plain.GoneBeforeEnrichment}");
            Assert.Equal(LinuxAuditState.Off, plain.AuditState);
            Assert.Equal(0, plain.AuditFilled);
        }

        [LinuxRootFact]
        public void Start_StaleRuleWithOurKey_IsRemoved_AndStopLeavesNone()
        {
            LinuxAuditExecReader.AddRuleForTest();
            try
            {
                Assert.Single(LinuxAuditExecReader.ListOwnRules());
                using (var reader = new LinuxAuditExecReader())
                {
                    Assert.True(reader.Start(), reader.Reason);
                    Assert.Equal(1, reader.StaleRulesRemoved);
                    Assert.Equal(LinuxAuditState.Active, reader.State);
                    int expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? 2 : 1;
                    Assert.Equal(expected, LinuxAuditExecReader.ListOwnRules().Count);
                    Assert.Equal((uint)Environment.ProcessId, LinuxAuditExecReader.QueryStatus()!.Value.Pid);
                    Assert.Equal(1u, LinuxAuditExecReader.QueryStatus()!.Value.Enabled);

                    // A second reader in this process does not touch what the first owns.
                    using var second = new LinuxAuditExecReader();
                    Assert.False(second.Start());
                    Assert.Equal(LinuxAuditState.InUseInThisProcess, second.State);
                }

                Assert.Empty(LinuxAuditExecReader.ListOwnRules());
                Assert.Equal(0u, LinuxAuditExecReader.QueryStatus()!.Value.Pid);
            }
            finally
            {
                foreach (byte[] left in LinuxAuditExecReader.ListOwnRules())
                {
                    LinuxAuditExecReader.DeleteRule(left);
                }
            }
        }

        [LinuxRootFact]
        public void Sensor_AuditOwnedByAnotherLiveProcess_RunsWithoutAuditAndSaysWhy()
        {
            if (!File.Exists("/usr/bin/python3"))
            {
                _output.WriteLine("python3 is not installed: the decision is covered by Decide's unit test only");
                return;
            }

            using var dir = new TempDirectory();
            string script = dir.Combine("auditd.py");

            // A stand-in audit daemon: registers its pid (AUDIT_SET, mask AUDIT_STATUS_PID), waits for a line, unregisters.
            File.WriteAllText(script, string.Join("\n",
                "import os, socket, struct, sys",
                "s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)",
                "def setpid(pid):",
                "    body = struct.pack('=10I', 4, 0, 0, pid, 0, 0, 0, 0, 0, 0)",
                "    s.sendto(struct.pack('=IHHII', 16 + len(body), 1001, 5, 1, 0) + body, (0, 0))",
                "    while True:",
                "        reply = s.recv(65536)",
                "        if struct.unpack_from('=H', reply, 4)[0] == 2:",
                "            return struct.unpack_from('=i', reply, 16)[0]",
                "print('registered' if setpid(os.getpid()) == 0 else 'refused', flush=True)",
                "sys.stdin.readline()",
                "setpid(0)",
                string.Empty));
            var start = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(script);
            using Process daemon = Process.Start(start)!;
            try
            {
                Assert.Equal("registered", daemon.StandardOutput.ReadLine());
                Assert.Equal((uint)daemon.Id, LinuxAuditExecReader.QueryStatus()!.Value.Pid);

                var sensor = new LinuxProcessSensor(new ExecutableHashCache(), new LinuxProcessSensorOptions { ReportRunningProcesses = false });
                using (var harness = new LiveSensorHarness(sensor))
                {
                    var clock = Stopwatch.StartNew();
                    while (sensor.AuditState == LinuxAuditState.Off && clock.ElapsedMilliseconds < 10_000)
                    {
                        Thread.Sleep(20);
                    }

                    Assert.Equal(LinuxAuditState.OwnedByAnotherProcess, sensor.AuditState);
                    Assert.Contains("PID " + daemon.Id, sensor.AuditReason);
                    Assert.True(SpinWait.SpinUntil(() => harness.Problems.Any(p => p.ErrorId == ErrorIds.LinuxAuditUnavailable), 5000));
                    Assert.Contains("PID " + daemon.Id, harness.Problems.Single(p => p.ErrorId == ErrorIds.LinuxAuditUnavailable).Message);
                }

                // It changed nothing: the daemon still owns audit, and no rule of ours exists.
                Assert.Equal((uint)daemon.Id, LinuxAuditExecReader.QueryStatus()!.Value.Pid);
                Assert.Empty(LinuxAuditExecReader.ListOwnRules());
            }
            finally
            {
                try
                {
                    daemon.StandardInput.WriteLine();
                    daemon.StandardInput.Flush();
                }
                catch (IOException)
                {
                }

                if (!daemon.WaitForExit(5000))
                {
                    daemon.Kill();
                    daemon.WaitForExit(5000);
                }
            }

            Assert.Equal(0u, LinuxAuditExecReader.QueryStatus()!.Value.Pid);
        }

        private (int WithCommandLine, int Reported, TimeSpan SensorCpu, TimeSpan AuditCpu, double Seconds, LinuxProcessSensor Sensor) Storm(bool useAudit, int count)
        {
            var sensor = new LinuxProcessSensor(new ExecutableHashCache(), new LinuxProcessSensorOptions { UseAudit = useAudit });
            using var harness = new LiveSensorHarness(sensor);
            harness.WaitFor(e => e.ProcessId == Environment.ProcessId && e.GetField(LinuxProcessSensor.SnapshotField) == "true", "snapshot of the test process", 30_000);
            TimeSpan cpuBefore = sensor.CpuTime;
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("i=0; while [ $i -lt " + count + " ]; do /bin/true x y; i=$((i+1)); done");
            var clock = Stopwatch.StartNew();
            using Process shell = Process.Start(start)!;
            Assert.True(shell.WaitForExit(120_000));
            double seconds = clock.Elapsed.TotalSeconds;
            int pid = shell.Id;
            string image = Canonical("/bin/true");
            bool IsOurs(BehaviorEvent e) => e.Kind == EventKind.ProcessStart && e.ParentProcessId == pid && e.Image == image;
            var wait = Stopwatch.StartNew();
            while (wait.ElapsedMilliseconds < 10_000 && harness.Events.Count(IsOurs) < count)
            {
                Thread.Sleep(100);
            }

            Thread.Sleep(500);
            List<BehaviorEvent> ours = harness.Events.Where(IsOurs).ToList();
            return (ours.Count(e => e.CommandLine == "/bin/true x y"), ours.Count, sensor.CpuTime - cpuBefore, sensor.Audit?.CpuTime ?? TimeSpan.Zero, seconds, sensor);
        }

        [LinuxRootFact]
        public void Sensor_ExecStormOfShortLivedProcesses_AuditGivesTheCommandLines_Measured()
        {
            const int Count = 1000;
            var on = Storm(useAudit: true, Count);
            var off = Storm(useAudit: false, Count);

            _output.WriteLine($"audit on:  {on.WithCommandLine}/{Count} with command line, {on.Reported} reported with image, {on.Seconds:F2} s, sensor thread CPU {on.SensorCpu.TotalMilliseconds:F0} ms + audit thread {on.AuditCpu.TotalMilliseconds:F0} ms; gone {on.Sensor.GoneBeforeEnrichment}, filled {on.Sensor.AuditFilled}, missed {on.Sensor.AuditMissed}, kernel lost {on.Sensor.Audit?.KernelLost}, records {on.Sensor.Audit?.Records}");
            _output.WriteLine($"audit off: {off.WithCommandLine}/{Count} with command line, {off.Reported} reported with image, {off.Seconds:F2} s, sensor thread CPU {off.SensorCpu.TotalMilliseconds:F0} ms; gone {off.Sensor.GoneBeforeEnrichment}");
            Assert.True(on.WithCommandLine >= Count * 95 / 100, $"only {on.WithCommandLine} of {Count} execs carried their command line with audit on");
            Assert.True(on.WithCommandLine >= off.WithCommandLine);
            Assert.Empty(LinuxAuditExecReader.ListOwnRules());
        }
    }
}
