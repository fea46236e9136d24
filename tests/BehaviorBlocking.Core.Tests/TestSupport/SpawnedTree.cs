using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using BehaviorBlocking.Response.Linux;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>
    /// A process tree a test starts with /bin/sh. Every process of it carries a marker in its
    /// environment, so Dispose finds and kills all of them (orphans re-parented to init included)
    /// whatever the test did or failed to do.
    /// </summary>
    internal sealed class SpawnedTree : IDisposable
    {
        private const string MarkerVariable = "BEHAVIORBLOCKING_TEST_TREE";
        private readonly byte[] _marker;
        private readonly Process _root;

        private SpawnedTree(Process root, string marker)
        {
            _root = root;
            _marker = Encoding.ASCII.GetBytes(MarkerVariable + "=" + marker + "\0");
        }

        /// <summary>The root's pid (the shell running the script).</summary>
        public int RootId => _root.Id;

        /// <summary>The root process, as .NET started it.</summary>
        public Process Root => _root;

        /// <summary>Starts <c>/bin/sh -c script</c> (or another executable with arguments).</summary>
        public static SpawnedTree Start(string script) => StartExecutable("/bin/sh", "-c", script);

        public static SpawnedTree StartExecutable(string file, params string[] arguments)
        {
            string marker = Guid.NewGuid().ToString("N");
            var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardInput = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment[MarkerVariable] = marker;
            Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
            return new SpawnedTree(process, marker);
        }

        /// <summary>Pids of the tree's processes that still run code (zombies are not counted).</summary>
        public List<int> Running()
        {
            var pids = new List<int>();
            foreach (int pid in ProcFs.ListProcessIds())
            {
                if (Carries(pid) && ProcFs.ReadStat(pid) is ProcStat stat && !stat.HasExited)
                {
                    pids.Add(pid);
                }
            }

            return pids;
        }

        /// <summary>Waits until at least <paramref name="count"/> processes of the tree run.</summary>
        public List<int> WaitForAtLeast(int count, int timeoutMs = 10_000)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                List<int> running = Running();
                if (running.Count >= count)
                {
                    return running;
                }

                if (clock.ElapsedMilliseconds > timeoutMs)
                {
                    throw new TimeoutException($"the tree of PID {RootId} reached {running.Count} of {count} processes in {timeoutMs} ms");
                }

                Thread.Sleep(5);
            }
        }

        /// <summary>Copies an executable (such as /bin/sleep) to a new name the test controls.</summary>
        public static void CopyExecutable(string from, string to)
        {
            File.Copy(from, to);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        /// <summary>The state letter of a process (R, S, T, Z), or null when it is gone.</summary>
        public static char? State(int pid) => ProcFs.ReadStat(pid)?.State;

        /// <summary>The pids of processes whose parent is <paramref name="parent"/>.</summary>
        public static List<int> ChildrenOf(int parent) =>
            ProcFs.Snapshot().Where(s => s.ParentId == parent && !s.HasExited).Select(s => s.ProcessId).ToList();

        public void Dispose()
        {
            var clock = Stopwatch.StartNew();
            while (clock.ElapsedMilliseconds < 10_000)
            {
                List<int> left = Running();
                if (left.Count == 0)
                {
                    break;
                }

                foreach (int pid in left)
                {
                    LinuxNative.Kill(pid, LinuxNative.SIGKILL);
                }

                Thread.Sleep(5);
            }

            try
            {
                _root.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            _root.Dispose();
        }

        private bool Carries(int pid)
        {
            byte[] environment;
            try
            {
                environment = File.ReadAllBytes("/proc/" + pid + "/environ");
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }

            return environment.AsSpan().IndexOf(_marker) >= 0;
        }
    }
}
