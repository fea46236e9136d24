using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Response;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Response
{
    public sealed class GuardRailsTests
    {
        [LinuxRootFact]
        public void RefuseProcess_Pid0AndInit_Refused()
        {
            var guards = new GuardRails();

            Assert.Equal("PID 0 is not a process that may be acted on (0 is the kernel's idle task)", guards.RefuseProcess(0));
            Assert.Equal("PID -5 is not a process that may be acted on (0 is the kernel's idle task)", guards.RefuseProcess(-5));
            Assert.Equal("PID 1 is init: the system goes down with it", guards.RefuseProcess(1));
        }

        [LinuxRootFact]
        public void RefuseProcess_TheRunnerAndEveryAncestor_Refused()
        {
            var guards = new GuardRails();
            int self = Environment.ProcessId;

            Assert.Equal($"PID {self} is the monitor's own process", guards.RefuseProcess(self));
            int pid = ProcFs.ReadStat(self)!.Value.ParentId;
            int ancestors = 0;
            while (pid > 1)
            {
                string? reason = guards.RefuseProcess(pid);
                Assert.NotNull(reason);
                Assert.Contains($"PID {pid} (", reason, StringComparison.Ordinal);
                ancestors++;
                pid = ProcFs.ReadStat(pid)!.Value.ParentId;
            }

            Assert.True(ancestors >= 1);
        }

        [LinuxRootFact]
        public void RefuseProcess_ThreadOfTheRunner_RefusedAsItsProcess()
        {
            var guards = new GuardRails();
            int self = Environment.ProcessId;
            string thread = Directory.GetDirectories($"/proc/{self}/task").Select(Path.GetFileName).First(t => t != self.ToString(System.Globalization.CultureInfo.InvariantCulture))!;

            Assert.Equal($"PID {thread} is a thread of PID {self}: PID {thread} is a thread of the monitor's own process", guards.RefuseProcess(int.Parse(thread, System.Globalization.CultureInfo.InvariantCulture)));
        }

        [LinuxRootFact]
        public void RefuseProcess_KernelThread_Refused()
        {
            ProcStat[] kernelThreads = ProcFs.Snapshot().Where(s => s.IsKernelThread).Take(5).ToArray();
            if (kernelThreads.Length == 0)
            {
                // A pid namespace without the kernel's threads in it: nothing to check here.
                return;
            }

            var guards = new GuardRails();
            Assert.All(kernelThreads, k => Assert.Equal($"PID {k.ProcessId} ({k.Comm}) is a kernel thread", guards.RefuseProcess(k.ProcessId)));
        }

        [LinuxRootFact]
        public void RefuseProcess_SessionLeaderOfTheRunner_Refused()
        {
            int session = ProcFs.ReadStat(Environment.ProcessId)!.Value.SessionId;
            if (session <= 1 || ProcFs.ReadStat(session) is null)
            {
                // No session leader to protect (the runner's session leader is init or already gone).
                return;
            }

            string? reason = new GuardRails().RefuseProcess(session);

            Assert.NotNull(reason);
            Assert.StartsWith($"PID {session} (", reason, StringComparison.Ordinal);
        }

        [LinuxRootFact]
        public void RefuseProcess_ProcessTheTestStarted_Allowed()
        {
            using SpawnedTree tree = SpawnedTree.Start("sleep 300 & wait");
            tree.WaitForAtLeast(2);

            Assert.All(tree.Running(), pid => Assert.Null(new GuardRails().RefuseProcess(pid)));
        }

        [LinuxRootFact]
        public void RefuseProcess_CriticalExecutable_RefusedByItsRealPathNotByName()
        {
            using var temp = new TempDirectory();
            string critical = temp.Combine("critical");
            Directory.CreateDirectory(critical);
            string binary = Path.Combine(critical, "sleep");
            SpawnedTree.CopyExecutable("/bin/sleep", binary);
            string link = temp.Combine("link");
            File.CreateSymbolicLink(link, critical);

            // Protected through a link and a '..': the real path is what counts.
            var guards = new GuardRails(new[] { Path.Combine(link, "..", "link", "sleep") }, Array.Empty<string>());
            using SpawnedTree tree = SpawnedTree.StartExecutable(binary, "300");
            using SpawnedTree sameName = SpawnedTree.StartExecutable("/bin/sleep", "300");
            tree.WaitForAtLeast(1);
            sameName.WaitForAtLeast(1);

            Assert.Equal($"PID {tree.RootId} runs '{binary}', a platform-critical process", guards.RefuseProcess(tree.RootId));
            Assert.Null(guards.RefuseProcess(sameName.RootId));
        }

        [LinuxRootFact]
        public void RefuseFile_SystemFilesThroughLinksAndDotDot_Refused()
        {
            using var temp = new TempDirectory();
            string link = temp.Combine("ls-link");
            File.CreateSymbolicLink(link, "/usr/bin/ls");
            var guards = new GuardRails();

            Assert.Equal("'/usr/bin/ls' is under '/usr/bin', a protected folder (the system's own files or the product's)", guards.RefuseFile("/usr/bin/ls"));
            Assert.NotNull(guards.RefuseFile("/bin/ls"));
            Assert.NotNull(guards.RefuseFile("/sbin/new-file-that-does-not-exist"));
            Assert.NotNull(guards.RefuseFile(temp.Combine("..", "..", "usr", "lib", "x.so")));
            Assert.Equal($"'{link}' resolves to '/usr/bin/ls': '/usr/bin/ls' is under '/usr/bin', a protected folder (the system's own files or the product's)", guards.RefuseFile(link));
            Assert.Equal("'/etc/passwd' is a platform-critical file", guards.RefuseFile("/etc/passwd"));
            Assert.Equal("'/etc/shadow' is a platform-critical file", guards.RefuseFile("/etc//shadow"));
            Assert.Equal("'/' is a platform-critical file", guards.RefuseFile("/"));
            Assert.NotNull(guards.RefuseFile("/boot/vmlinuz"));
            Assert.NotNull(guards.RefuseFile("/proc/self/status"));
            Assert.Equal("no path given", guards.RefuseFile(" "));
        }

        [LinuxRootFact]
        public void RefuseFile_UserFiles_Allowed()
        {
            using var temp = new TempDirectory();
            string dropped = temp.Combine("payload.sh");
            File.WriteAllText(dropped, "echo hi\n");
            var guards = new GuardRails();

            Assert.Null(guards.RefuseFile(dropped));
            Assert.Null(guards.RefuseFile(temp.Combine("not-yet-there")));
            Assert.Null(guards.RefuseFile("/usr/local/bin/dropped-tool"));
            Assert.Null(guards.RefuseFile("/etc/cron.d/evil"));
            Assert.Null(guards.RefuseFile("/etc/systemd/system/evil.service"));
        }

        [LinuxRootFact]
        public void RefuseFile_ProductFolderAndBinaries_Refused()
        {
            using var home = new TempDirectory();
            var guards = new GuardRails(Array.Empty<string>(), new[] { home.FullPath });
            string binaries = Path.GetDirectoryName(typeof(GuardRails).Assembly.Location)!;

            Assert.Equal($"'{home.Combine("behaviorblocking.db")}' is under '{home.FullPath}', a protected folder (the system's own files or the product's)",
                guards.RefuseFile(home.Combine("behaviorblocking.db")));
            Assert.NotNull(guards.RefuseFile(Path.Combine(binaries, "BehaviorBlocking.Core.dll")));
            Assert.Contains(home.FullPath, guards.ProtectedFolders);
        }
    }
}
