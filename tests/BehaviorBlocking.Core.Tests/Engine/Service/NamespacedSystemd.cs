using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>
    /// A real systemd (this machine's /lib/systemd/systemd) running as PID 1 of its own PID, mount, UTS, IPC and
    /// network namespaces, booted into an empty target, so a unit can be installed, started, killed and removed for
    /// real where the machine's own PID 1 is not systemd. Inside, the host's root is read-only (nothing systemd
    /// starts can change the machine's files, /proc/sys or /sys; the cgroup mounts stay writable), /run is a fresh tmpfs and /etc/systemd/system is a test
    /// folder. It is only ever stopped with SIGKILL: SIGTERM makes a system manager re-execute itself, not exit.
    /// The cgroups it made are removed when it is gone.
    /// </summary>
    internal sealed class NamespacedSystemd : IDisposable
    {
        private const string Systemd = "/lib/systemd/systemd";
        private static readonly string[] s_unitSuffixes = { ".slice", ".scope", ".service", ".mount", ".socket", ".target" };
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly HashSet<string> _cgroupsBefore;
        private readonly Process _unshare;

        private NamespacedSystemd()
        {
            _cgroupsBefore = new HashSet<string>(Cgroups(), StringComparer.Ordinal);
            Directory.CreateDirectory(UnitDirectory);
            string script = _temp.Combine("boot.sh");
            File.WriteAllText(script, string.Join("\n", new[]
            {
                "set -e",
                "R=\"$1\"",
                "mount --bind \"$R\" \"$R\"",
                "mount -t tmpfs -o mode=0755 tmpfs /run",
                "mount --bind \"$R/units\" /etc/systemd/system",
                "mount -o remount,bind,ro /",
                "mount --bind /proc/sys /proc/sys",
                "mount -o remount,bind,ro /proc/sys",
                "mount -o remount,bind,ro /sys",
                "mkdir -p /run/systemd/system",
                "printf '[Unit]\\nDescription=Empty target of the service tests\\nDefaultDependencies=no\\n' > /run/systemd/system/behaviorblock-test.target",
                "export container=behaviorblock-test",
                "exec " + Systemd + " --system --unit=behaviorblock-test.target",
                string.Empty,
            }));

            var start = new ProcessStartInfo("/bin/sh", $"-c \"exec unshare --pid --fork --mount --uts --ipc --net --mount-proc --propagation private /bin/sh '{script}' '{_temp.FullPath}' > '{_temp.Combine("boot.log")}' 2>&1 < /dev/null\"")
            {
                UseShellExecute = false,
            };
            _unshare = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        }

        /// <summary>The host folder systemd inside sees as /etc/systemd/system.</summary>
        public string UnitDirectory => _temp.Combine("units");

        /// <summary>A folder for the test's own files (visible, read-only, inside).</summary>
        public TempDirectory Temp => _temp;

        /// <summary>The host PID of the namespaced systemd.</summary>
        public int Pid { get; private set; }

        /// <summary>systemctl of the namespaced systemd, through nsenter.</summary>
        public SystemctlCommands Commands => new SystemctlCommands(
            new[] { "nsenter", "-t", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "-p", "-u", "-i", "-n", "--" },
            "/proc/" + Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/root");

        /// <summary>Why a namespaced systemd cannot run here, or null when it can.</summary>
        public static string? Unavailable()
        {
            if (!OperatingSystem.IsLinux())
            {
                return "needs Linux";
            }

            foreach (string tool in new[] { Systemd, "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/python3", "/usr/bin/systemctl" })
            {
                if (!File.Exists(tool))
                {
                    return tool + " is not installed";
                }
            }

            return Directory.Exists("/sys/fs/cgroup") ? null : "no cgroup file system at /sys/fs/cgroup";
        }

        /// <summary>Boots a namespaced systemd and waits until it runs (or throws with its boot log).</summary>
        public static NamespacedSystemd Boot()
        {
            var systemd = new NamespacedSystemd();
            try
            {
                systemd.WaitUntilRunning();
                return systemd;
            }
            catch
            {
                systemd.Dispose();
                throw;
            }
        }

        /// <summary>Runs a command inside the namespaces; returns exit code and output.</summary>
        public ServiceCommandResult Inside(params string[] words)
        {
            var all = new List<string> { "-t", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "-p", "-u", "-i", "-n", "--" };
            all.AddRange(words);
            var start = new ProcessStartInfo("nsenter", SystemctlCommands.JoinArguments(all)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return new ServiceCommandResult(string.Join(" ", words), process.ExitCode, output, error);
        }

        public void Dispose()
        {
            if (Pid > 0)
            {
                try
                {
                    // Killing a PID namespace's init kills every process in it.
                    Process.GetProcessById(Pid).Kill();
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
            else if (!_unshare.HasExited)
            {
                _unshare.Kill(entireProcessTree: true);
            }

            _unshare.WaitForExit(10000);
            _unshare.Dispose();
            RemoveCgroups();
            _temp.Dispose();
        }

        private void WaitUntilRunning()
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (Pid == 0)
                {
                    string children = ReadOrEmpty($"/proc/{_unshare.Id}/task/{_unshare.Id}/children").Trim();
                    if (children.Length > 0 && File.ReadAllText($"/proc/{children.Split(' ')[0]}/comm").Trim() == "systemd")
                    {
                        Pid = int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                    }
                }

                if (Pid > 0 && Commands.ManagerRunning)
                {
                    ServiceCommandResult state = Inside("systemctl", "is-system-running");
                    string word = state.Output.Trim();
                    if (word == "running" || word == "degraded")
                    {
                        return;
                    }
                }

                if (_unshare.HasExited)
                {
                    break;
                }

                Thread.Sleep(100);
            }

            throw new InvalidOperationException("the namespaced systemd did not come up; its boot log: " + ReadOrEmpty(_temp.Combine("boot.log")));
        }

        private void RemoveCgroups()
        {
            // Deepest first; a cgroup still holding a process (none should, the namespace is dead) is left alone.
            for (int attempt = 0; attempt < 20; attempt++)
            {
                string[] left = Cgroups().Where(c => !_cgroupsBefore.Contains(c) && s_unitSuffixes.Any(s => c.EndsWith(s, StringComparison.Ordinal)))
                    .OrderByDescending(c => c.Length).ToArray();
                if (left.Length == 0)
                {
                    return;
                }

                foreach (string cgroup in left)
                {
                    try
                    {
                        Directory.Delete(cgroup);
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }

                Thread.Sleep(100);
            }
        }

        private static IEnumerable<string> Cgroups()
        {
            foreach (string hierarchy in Directory.GetDirectories("/sys/fs/cgroup"))
            {
                string[] below;
                try
                {
                    below = Directory.GetDirectories(hierarchy, "*", SearchOption.AllDirectories);
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                foreach (string folder in below)
                {
                    yield return folder;
                }
            }
        }

        private static string ReadOrEmpty(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }
    }
}
