using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Events;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Tests.Policy;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>
    /// The exec guard for real: FAN_OPEN_EXEC_PERM on a tmpfs each test mounts (so no other exec on the machine
    /// is gated), /bin/true copied into it and run through /bin/sh, with the product's indicator gate or gates
    /// that fail, overrun the deadline or hang.
    /// </summary>
    public sealed class ExecGuardTests
    {
        private const string Head = "\"schemaVersion\": 1, \"version\": \"t\", ";

        private static BlockingPolicy Mode(string mode) => PolicyVerdicts.PolicyOf("{" + Head + "\"mode\": \"" + mode + "\"}");

        private static Indicator Blocked(IndicatorKind kind, string value) =>
            new Indicator(Guid.NewGuid(), kind, value, IndicatorVerdict.Block, IndicatorSource.Manual, DateTimeOffset.UtcNow.AddMinutes(-1)) { Comment = "test" };

        private static string Sha256Of(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

        /// <summary>Runs <c>/bin/sh -c 'exec PATH'</c>: the shell itself is the process that execs the file.</summary>
        private static (int Pid, int Code, string Error, TimeSpan Took) ExecThroughShell(string path)
        {
            var start = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec '" + path + "'");
            var clock = Stopwatch.StartNew();
            using Process process = Process.Start(start)!;
            int pid = process.Id;
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(20_000))
            {
                process.Kill(true);
                throw new TimeoutException("the exec of " + path + " did not finish");
            }

            return (pid, process.ExitCode, error, clock.Elapsed);
        }

        [LinuxRootFact]
        public void Exec_NoIndicator_RunsAndIsCountedAllowed()
        {
            using var f = new Fixture(new IndicatorExecutionGate(() => IndicatorSet.Empty, () => Mode("Block")));

            (_, int code, string error, _) = ExecThroughShell(f.Binary);

            Assert.True(code == 0, error);
            ExecGuardCounters counters = f.Guard.Counters;
            Assert.True(counters.Allowed >= 1);
            Assert.Equal(0, counters.Denied);
            Assert.True(counters.DecisionP99 > TimeSpan.Zero);
        }

        [LinuxRootFact]
        public void Exec_BlockedHash_FailsWithEpermAndRecordsTheDenial()
        {
            string sha = string.Empty;
            Indicator? indicator = null;
            using var f = new Fixture(new IndicatorExecutionGate(() => new IndicatorSet(new[] { indicator! }), () => Mode("Block")));
            sha = Sha256Of(f.Binary);
            indicator = Blocked(IndicatorKind.Sha256, sha);

            (int pid, int code, string error, _) = ExecThroughShell(f.Binary);

            Assert.Equal(126, code);
            Assert.Contains("Operation not permitted", error); // strerror(EPERM): the kernel's FAN_DENY, not a mode-bit EACCES
            BehaviorEvent? denied = f.Run.Writer.WaitFor(e => e.Kind == EventKind.ExecutionDenied, TimeSpan.FromSeconds(5));
            Assert.NotNull(denied);
            Assert.Equal(LinuxEvents.ExecutionDenied, denied!.EventId);
            Assert.Equal(f.Binary, denied.TargetPath);
            Assert.Equal("SHA256=" + sha, denied.Hashes);
            Assert.Equal(pid, denied.ProcessId);
            Assert.Equal("/usr/bin/dash", denied.Image);
            Assert.NotNull(denied.ProcessGuid);
            Assert.Contains(indicator.Id.ToString("D"), denied.Details);
            Assert.Equal(1, f.Guard.Counters.Denied);
        }

        [LinuxRootFact]
        public void ProcessStart_BlockedHash_ThrowsWin32ExceptionWithEperm()
        {
            Indicator? indicator = null;
            using var f = new Fixture(new IndicatorExecutionGate(() => new IndicatorSet(new[] { indicator! }), () => Mode("Audit")));
            indicator = Blocked(IndicatorKind.Sha256, Sha256Of(f.Binary));

            var failure = Assert.Throws<Win32Exception>(() => Process.Start(new ProcessStartInfo(f.Binary) { UseShellExecute = false })!.Dispose());

            Assert.Equal(1 /* EPERM */, failure.NativeErrorCode);
            Assert.NotNull(f.Run.Writer.WaitFor(e => e.Kind == EventKind.ExecutionDenied && e.TargetPath == f.Binary, TimeSpan.FromSeconds(5)));
        }

        [LinuxRootFact]
        public void Exec_BlockedPath_FailsWithEperm()
        {
            Indicator? indicator = null;
            using var f = new Fixture(new IndicatorExecutionGate(() => new IndicatorSet(new[] { indicator! }), () => Mode("Block")));
            indicator = Blocked(IndicatorKind.Path, f.Binary);

            (_, int code, string error, _) = ExecThroughShell(f.Binary);

            Assert.Equal(126, code);
            Assert.Contains("Operation not permitted", error);
            BehaviorEvent? denied = f.Run.Writer.WaitFor(e => e.Kind == EventKind.ExecutionDenied, TimeSpan.FromSeconds(5));
            Assert.Contains("path " + f.Binary, denied!.Details);
        }

        [LinuxRootFact]
        public void Exec_BlockedHashInModeOff_Runs()
        {
            Indicator? indicator = null;
            using var f = new Fixture(new IndicatorExecutionGate(() => new IndicatorSet(new[] { indicator! }), () => Mode("Off")));
            indicator = Blocked(IndicatorKind.Sha256, Sha256Of(f.Binary));

            (_, int code, string error, _) = ExecThroughShell(f.Binary);

            Assert.True(code == 0, error);
            Assert.Equal(0, f.Guard.Counters.Denied);
            Assert.DoesNotContain(f.Run.Writer.Events, e => e.Kind == EventKind.ExecutionDenied);
        }

        [LinuxRootFact]
        public void Exec_AllowIndicatorInBlockMode_Runs()
        {
            Indicator? allow = null;
            using var f = new Fixture(new IndicatorExecutionGate(() => new IndicatorSet(new[] { allow! }), () => Mode("Block")));
            allow = new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, Sha256Of(f.Binary), IndicatorVerdict.Allow, IndicatorSource.Manual, DateTimeOffset.UtcNow);

            (_, int code, string error, _) = ExecThroughShell(f.Binary);

            Assert.True(code == 0, error);
            Assert.Equal(0, f.Guard.Counters.Denied);
        }

        [LinuxRootFact]
        public void Exec_GateThrows_RunsAndIsCountedAndReportedOnce()
        {
            using var f = new Fixture(new ThrowingGate());

            (_, int first, _, _) = ExecThroughShell(f.Binary);
            (_, int second, _, _) = ExecThroughShell(f.Binary);

            Assert.Equal(0, first);
            Assert.Equal(0, second);
            Assert.Equal(2, f.Guard.Counters.GateFailures);
            DateTime until = DateTime.UtcNow.AddSeconds(5);
            while (f.Run.Writer.Problems.Count == 0 && DateTime.UtcNow < until)
            {
                Thread.Sleep(20);
            }

            Assert.Single(f.Run.Writer.Problems, p => p.ErrorId == "ExecGuardFailedOpen" && p.Message.Contains("gate broke"));
        }

        [LinuxRootFact]
        public void Exec_GateOverrunsTheDeadline_RunsWithoutWaitingForTheGate()
        {
            using var gate = new SlowGate(TimeSpan.FromSeconds(3));
            using var f = new Fixture(gate, TimeSpan.FromMilliseconds(200));

            (_, int code, string error, TimeSpan took) = ExecThroughShell(f.Binary);

            Assert.True(code == 0, error);
            Assert.True(took < TimeSpan.FromSeconds(2), "the exec waited " + took + " for a gate that takes 3 s; the deadline is 200 ms");
            Assert.Equal(1, f.Guard.Counters.Timeouts);
            Assert.Equal(0, f.Guard.Counters.Denied);
        }

        [LinuxRootFact]
        public void Dispose_WhileAnExecWaits_LetsTheExecProceed()
        {
            using var gate = new SlowGate(TimeSpan.FromSeconds(30));
            using var f = new Fixture(gate, TimeSpan.FromSeconds(10));

            Task<(int Pid, int Code, string Error, TimeSpan Took)> exec = Task.Run(() => ExecThroughShell(f.Binary));
            Assert.True(gate.Entered.Wait(TimeSpan.FromSeconds(10)), "the gate was never asked");
            f.Guard.Dispose();

            Assert.True(exec.Wait(TimeSpan.FromSeconds(5)), "the exec still waits after the guard was disposed");
            Assert.Equal(0, exec.Result.Code);
            Assert.Equal(1, f.Guard.Counters.AllowedAtShutdown);
            Assert.Equal(0, f.Guard.Counters.Denied);
        }

        [LinuxRootFact]
        public void Exec_ManyAtOnce_EachGetsItsOwnAnswer()
        {
            IndicatorSet set = IndicatorSet.Empty;
            using var f = new Fixture(new IndicatorExecutionGate(() => set, () => Mode("Block")));
            string[] copies = Enumerable.Range(0, 6).Select(i => f.Mount.CopyExecutable("/bin/true", "copy" + i)).ToArray();
            set = new IndicatorSet(copies.Where((_, i) => i % 2 == 0).Select(path => Blocked(IndicatorKind.Path, path)).ToArray());
            int[] codes = new int[48];

            Parallel.For(0, codes.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => codes[i] = ExecThroughShell(copies[i % copies.Length]).Code);

            for (int i = 0; i < codes.Length; i++)
            {
                Assert.Equal(i % copies.Length % 2 == 0 ? 126 : 0, codes[i]);
            }

            ExecGuardCounters counters = f.Guard.Counters;
            Assert.Equal(codes.Length / 2, counters.Denied);
            Assert.Equal(0, counters.Timeouts);
            Assert.Equal(0, counters.ResponseFailures);
            Assert.NotNull(f.Run.Writer.WaitFor(_ => f.Run.Writer.Events.Count(e => e.Kind == EventKind.ExecutionDenied) == codes.Length / 2, TimeSpan.FromSeconds(5)));
        }

        [LinuxRootFact]
        public void Run_PathThatDoesNotExist_FailsWithFanotifyUnavailable()
        {
            using var guard = new ExecGuard(new ThrowingGate(), new ExecutableHashCache(), new ExecGuardOptions { Paths = new[] { "/nonexistent-" + Guid.NewGuid().ToString("N") } });

            var failure = Assert.Throws<BehaviorBlockingException>(() => guard.Run(new CollectingEventWriter(), CancellationToken.None));

            Assert.Equal("FanotifyUnavailable", failure.ErrorId);
            Assert.Contains("fanotify_mark", failure.Message);
            Assert.True(guard.Started.IsFaulted);
        }

        private sealed class Fixture : IDisposable
        {
            public Fixture(IExecutionGate gate, TimeSpan? deadline = null)
            {
                Mount = new TmpfsMount();
                try
                {
                    Binary = Mount.CopyExecutable("/bin/true", "payload");
                    Guard = new ExecGuard(gate, new ExecutableHashCache(), new ExecGuardOptions
                    {
                        Paths = new[] { Mount.FullPath },
                        DecisionDeadline = deadline ?? TimeSpan.FromSeconds(2),
                    });
                    Run = new LiveSourceRun(Guard);
                    if (!Guard.Started.Wait(TimeSpan.FromSeconds(10)))
                    {
                        throw new TimeoutException("the guard did not start");
                    }
                }
                catch
                {
                    Dispose();
                    throw;
                }
            }

            public TmpfsMount Mount { get; }

            public string Binary { get; } = string.Empty;

            public ExecGuard Guard { get; } = null!;

            public LiveSourceRun Run { get; } = null!;

            public void Dispose()
            {
                Run?.Dispose();
                Guard?.Dispose();
                Mount.Dispose();
            }
        }

        private sealed class ThrowingGate : IExecutionGate
        {
            public ExecutionDecision Decide(ExecutionRequest request) => throw new InvalidOperationException("gate broke");
        }

        private sealed class SlowGate : IExecutionGate, IDisposable
        {
            private readonly TimeSpan _delay;
            private readonly ManualResetEventSlim _release = new ManualResetEventSlim(false);

            public SlowGate(TimeSpan delay) => _delay = delay;

            public ManualResetEventSlim Entered { get; } = new ManualResetEventSlim(false);

            public ExecutionDecision Decide(ExecutionRequest request)
            {
                Entered.Set();
                _release.Wait(_delay);
                return new ExecutionDecision(true, "slow gate denies, too late");
            }

            public void Dispose() => _release.Set();
        }
    }
}
