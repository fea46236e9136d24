using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Tests.TestSupport;
using Xunit.Abstractions;

namespace BehaviorBlocking.Tests.Response
{
    public sealed class LinuxProcessControllerTests
    {
        private readonly ITestOutputHelper _output;

        public LinuxProcessControllerTests(ITestOutputHelper output) => _output = output;

        // Root sh, two sub-shells (2 and 1 sleeps below them) and one sleep of its own: 7 processes.
        private const string ThreeLevels = "sh -c 'sleep 300 & sleep 300 & wait' & sh -c 'sleep 300 & wait' & sleep 300 & wait";

        private static LinuxProcessController Controller() => new LinuxProcessController(new GuardRails());

        [LinuxRootFact]
        public void KillTree_ChildrenAndGrandchildren_AllGone()
        {
            using SpawnedTree tree = SpawnedTree.Start(ThreeLevels);
            List<int> before = tree.WaitForAtLeast(7);

            ProcessActionResult result = Controller().Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Done, result.Outcome);
            Assert.Equal(before.OrderBy(p => p), result.Affected.OrderBy(p => p));
            Assert.Empty(tree.Running());
            Assert.StartsWith($"killed 7 of 7 processes of the tree of PID {tree.RootId} (sh)", result.Detail, StringComparison.Ordinal);
        }

        [LinuxRootFact]
        public void KillTree_WithKillInsteadOfPidFd_AllGone()
        {
            using SpawnedTree tree = SpawnedTree.Start(ThreeLevels);
            tree.WaitForAtLeast(7);
            var controller = new LinuxProcessController(new GuardRails()) { UsePidFd = false };

            ProcessActionResult result = controller.Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Done, result.Outcome);
            Assert.Equal(7, result.Affected.Count);
            Assert.Empty(tree.Running());
        }

        [LinuxRootFact]
        public void KillTree_TreeThatKeepsForking_NoSurvivors()
        {
            // Forkers on two levels: the root forks sleeps as fast as it can, and so do two sub-shells.
            const string Forker = "i=0; while [ $i -lt 3000 ]; do sleep 300 & i=$((i+1)); done; wait";
            using SpawnedTree tree = SpawnedTree.Start($"sh -c '{Forker}' & sh -c '{Forker}' & {Forker}");
            tree.WaitForAtLeast(60);

            ProcessActionResult result = Controller().Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));
            _output.WriteLine(result.Detail);

            Assert.True(result.Outcome == StepOutcome.Done, result.Detail);
            Assert.Empty(tree.Running());
            Assert.True(result.Affected.Count >= 60, result.Detail);
        }

        [LinuxRootFact]
        public void KillTree_TreeNotStillWithinTheFreezeTimeout_PartialSayingSo()
        {
            using SpawnedTree tree = SpawnedTree.Start(ThreeLevels);
            tree.WaitForAtLeast(7);
            // The root is seen as never stopping (as a vfork parent whose child is frozen would be), so the tree
            // cannot stand still within the timeout, however fast the machine stops the rest.
            var controller = new LinuxProcessController(new GuardRails())
            {
                FreezeTimeout = TimeSpan.FromMilliseconds(200),
                SeenRunning = pid => pid == tree.RootId,
            };

            ProcessActionResult result = controller.Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Partial, result.Outcome);
            Assert.Contains("the tree did not stand still within 0.2 s", result.Detail, StringComparison.Ordinal);
            Assert.Contains($"PID {tree.RootId} (sh)", result.Detail, StringComparison.Ordinal);
            // What was found is still killed.
            Assert.Empty(tree.Running());
        }

        [LinuxRootFact]
        public void Suspend_GuardedDescendant_PartialAndItKeepsRunning()
        {
            using var temp = new TempDirectory();
            string guarded = temp.Combine("guarded-sleep");
            SpawnedTree.CopyExecutable("/bin/sleep", guarded);
            var guards = new GuardRails(new[] { guarded }, Array.Empty<string>());
            using SpawnedTree tree = SpawnedTree.Start($"'{guarded}' 300 & sleep 300 & wait");
            List<int> running = tree.WaitForAtLeast(3);
            int guardedPid = running.Single(pid => ProcFs.Executable(pid) == guarded);

            ProcessActionResult result = new LinuxProcessController(guards).Act(ProcessAction.Suspend, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Partial, result.Outcome);
            Assert.StartsWith($"suspended 2 of 3 processes of the tree of PID {tree.RootId} (sh)", result.Detail, StringComparison.Ordinal);
            Assert.All(running.Where(pid => pid != guardedPid), pid => Assert.Equal('T', SpawnedTree.State(pid)));
            Assert.Equal('S', SpawnedTree.State(guardedPid));
        }

        [LinuxRootFact]
        public void KillTree_GuardedDescendant_PartialAndItIsLeftRunning()
        {
            using var temp = new TempDirectory();
            string guarded = temp.Combine("guarded-sleep");
            SpawnedTree.CopyExecutable("/bin/sleep", guarded);
            var guards = new GuardRails(new[] { guarded }, Array.Empty<string>());
            using SpawnedTree tree = SpawnedTree.Start($"'{guarded}' 300 & sleep 300 & wait");
            List<int> running = tree.WaitForAtLeast(3);
            int guardedPid = running.Single(pid => ProcFs.Executable(pid) == guarded);

            ProcessActionResult result = new LinuxProcessController(guards).Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Partial, result.Outcome);
            Assert.Contains($"PID {guardedPid} (guarded-sleep) left alone with what runs below it: PID {guardedPid} runs '{guarded}', a platform-critical process", result.Detail, StringComparison.Ordinal);
            Assert.Equal(2, result.Affected.Count);
            Assert.DoesNotContain(guardedPid, result.Affected);
            Assert.Equal(new[] { guardedPid }, tree.Running());
            Assert.Equal('S', SpawnedTree.State(guardedPid));
        }

        [LinuxRootFact]
        public void KillProcess_OneChild_ParentAndSiblingKeepRunning()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & sleep 300 & wait");
            tree.WaitForAtLeast(3);
            List<int> children = SpawnedTree.ChildrenOf(tree.RootId);
            Assert.Equal(2, children.Count);

            ProcessActionResult result = Controller().Act(ProcessAction.KillProcess, new ProcessIdentity(children[0]));

            Assert.Equal(StepOutcome.Done, result.Outcome);
            Assert.Equal(new[] { children[0] }, result.Affected);
            Assert.Equal(new[] { tree.RootId, children[1] }.OrderBy(p => p), tree.Running().OrderBy(p => p));
        }

        [LinuxRootFact]
        public void SuspendThenResume_Tree_StoppedThenRunningAgain()
        {
            using SpawnedTree tree = SpawnedTree.Start(ThreeLevels);
            List<int> members = tree.WaitForAtLeast(7);
            LinuxProcessController controller = Controller();

            ProcessActionResult suspended = controller.Act(ProcessAction.Suspend, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Done, suspended.Outcome);
            Assert.Equal(7, suspended.Affected.Count);
            Assert.All(members, pid => Assert.Equal('T', SpawnedTree.State(pid)));

            ProcessActionResult resumed = controller.Act(ProcessAction.Resume, new ProcessIdentity(tree.RootId));

            Assert.Equal(StepOutcome.Done, resumed.Outcome);
            Assert.Equal(7, resumed.Affected.Count);
            Assert.All(members, pid => WaitUntil(() => SpawnedTree.State(pid) is 'S' or 'R', $"PID {pid} running again"));
        }

        [LinuxRootFact]
        public void Act_Pid1SelfAndParent_RefusedWithTheReason()
        {
            LinuxProcessController controller = Controller();
            int self = Environment.ProcessId;
            int parent = ProcFs.ReadStat(self)!.Value.ParentId;

            // Resume: were a guard rail missing, the signal would at least do no harm.
            ProcessActionResult init = controller.Act(ProcessAction.Resume, new ProcessIdentity(1));
            ProcessActionResult own = controller.Act(ProcessAction.Resume, new ProcessIdentity(self));
            ProcessActionResult up = controller.Act(ProcessAction.Resume, new ProcessIdentity(parent));

            Assert.Equal((StepOutcome.Refused, "PID 1 is init: the system goes down with it"), (init.Outcome, init.Detail));
            Assert.Equal((StepOutcome.Refused, $"PID {self} is the monitor's own process"), (own.Outcome, own.Detail));
            Assert.Equal(StepOutcome.Refused, up.Outcome);
            Assert.Contains($"is an ancestor of the monitor (PID {self})", up.Detail, StringComparison.Ordinal);
            Assert.All(new[] { init, own, up }, r => Assert.Empty(r.Affected));
        }

        [LinuxRootFact]
        public void KillTree_RootRefusedByGuardRails_NothingSignalled()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & wait");
            List<int> members = tree.WaitForAtLeast(2);
            var guards = new RefusingGuardRails(tree.RootId);

            ProcessActionResult result = new LinuxProcessController(guards).Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));

            Assert.Equal((StepOutcome.Refused, "refused for the test"), (result.Outcome, result.Detail));
            Assert.Equal(members.OrderBy(p => p), tree.Running().OrderBy(p => p));
            Assert.All(members, pid => Assert.NotEqual('T', SpawnedTree.State(pid)));
        }

        [LinuxRootFact]
        public void Act_StartTimeOfAnotherProcess_AlreadyGoneAndNotSignalled()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & wait");
            tree.WaitForAtLeast(2);
            DateTimeOffset started = ProcFs.StartTime(tree.RootId)!.Value;

            ProcessActionResult result = Controller().Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId, started.AddMinutes(-5)));

            Assert.Equal(StepOutcome.AlreadyGone, result.Outcome);
            Assert.StartsWith($"PID {tree.RootId} was reused: the process with that id now (sh) started at", result.Detail, StringComparison.Ordinal);
            Assert.Equal(2, tree.Running().Count);
            Assert.NotEqual('T', SpawnedTree.State(tree.RootId));
        }

        [LinuxRootFact]
        public void Act_StartTimeAsDotNetSeesIt_IsTheSameProcess()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & wait");
            tree.WaitForAtLeast(2);
            DateTimeOffset started = new DateTimeOffset(tree.Root.StartTime.ToUniversalTime());

            ProcessActionResult result = Controller().Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId, started));

            Assert.Equal(StepOutcome.Done, result.Outcome);
            Assert.Empty(tree.Running());
        }

        [LinuxRootFact]
        public void Act_ProcessThatExited_AlreadyGone()
        {
            using SpawnedTree tree = SpawnedTree.StartExecutable("/bin/true");
            tree.Root.WaitForExit();

            ProcessActionResult result = Controller().Act(ProcessAction.KillTree, new ProcessIdentity(tree.RootId));

            Assert.Equal((StepOutcome.AlreadyGone, $"PID {tree.RootId} is not running"), (result.Outcome, result.Detail));
        }

        [LinuxRootFact]
        public void Act_Zombie_AlreadyGone()
        {
            // 'true' exits at once and its parent, now sleep, never collects it.
            using SpawnedTree tree = SpawnedTree.Start("/bin/true & exec sleep 300");
            int zombie = 0;
            WaitUntil(() => (zombie = ProcFs.Snapshot().FirstOrDefault(s => s.ParentId == tree.RootId && s.State == 'Z').ProcessId) != 0, "a zombie child");

            ProcessActionResult result = Controller().Act(ProcessAction.KillProcess, new ProcessIdentity(zombie));

            Assert.Equal((StepOutcome.AlreadyGone, $"PID {zombie} (true) has exited (a zombie waiting for its parent)"), (result.Outcome, result.Detail));
        }

        [LinuxRootFact]
        public void KillProcess_CommandNameWithParenthesesAndSpaces_ReadAndKilled()
        {
            using var temp = new TempDirectory();
            string odd = temp.Combine("x) S 1 (y");
            SpawnedTree.CopyExecutable("/bin/sleep", odd);
            using SpawnedTree tree = SpawnedTree.StartExecutable(odd, "300");
            tree.WaitForAtLeast(1);

            ProcStat stat = ProcFs.ReadStat(tree.RootId)!.Value;
            ProcessActionResult result = Controller().Act(ProcessAction.KillProcess, new ProcessIdentity(tree.RootId));

            Assert.Equal(("x) S 1 (y", Environment.ProcessId), (stat.Comm, stat.ParentId));
            Assert.Equal((StepOutcome.Done, $"PID {tree.RootId} (x) S 1 (y) killed"), (result.Outcome, result.Detail));
            Assert.Empty(tree.Running());
        }

        [Fact]
        public void ParseStat_CommWithClosingParenthesis_FieldsAfterTheLastOne()
        {
            ProcStat stat = ProcFs.ParseStat("4242 (a) b) (c) T 17 4242 99 0 -1 2097216 0 0 0 0 0 0 0 0 20 0 1 0 123456 0 0")!.Value;

            Assert.Equal((4242, "a) b) (c", 'T', 17, 99, 123456UL, true, true), (stat.ProcessId, stat.Comm, stat.State, stat.ParentId, stat.SessionId, stat.StartTicks, stat.IsKernelThread, stat.IsStopped));
            Assert.Null(ProcFs.ParseStat("4242 (no closing S 1"));
            Assert.Null(ProcFs.ParseStat("4242 (short) S 1 2"));
            Assert.Null(ProcFs.ParseStat(null));
        }

        [Fact]
        public void ForThisPlatform_OnLinux_TheLinuxController()
        {
            IProcessController controller = ProcessControllers.ForThisPlatform(new RefusingGuardRails(0));

            Assert.Equal(OperatingSystem.IsLinux(), controller is LinuxProcessController);
            Assert.Equal(OperatingSystem.IsWindows(), controller is BehaviorBlocking.Response.Windows.WindowsProcessController);
            Assert.True(controller.IsSupported || !(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()));
        }

        [Fact]
        public void UnsupportedController_AnyAction_NotSupportedNamingThePlatform()
        {
            ProcessActionResult result = new UnsupportedProcessController("macOS 15").Act(ProcessAction.Suspend, new ProcessIdentity(77, image: "/tmp/a"));

            Assert.Equal((StepOutcome.NotSupported, "Suspend on PID 77 (a): acting on processes is not supported on macOS 15"), (result.Outcome, result.Detail));
        }

        private static void WaitUntil(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.ElapsedMilliseconds > 10_000)
                {
                    throw new TimeoutException("timed out waiting for " + what);
                }

                Thread.Sleep(5);
            }
        }

        private sealed class RefusingGuardRails : IGuardRails
        {
            private readonly int _pid;

            public RefusingGuardRails(int pid) => _pid = pid;

            public string? RefuseProcess(int processId) => processId == _pid ? "refused for the test" : null;

            public string? RefuseFile(string path) => null;
        }
    }
}
