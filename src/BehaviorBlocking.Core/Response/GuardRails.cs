using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Response.Windows;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// The processes and files nothing may act on, whatever a rule, policy, indicator or user asks:
    /// pid 0 and 1 (Windows: 0 and 4), kernel threads, the monitor's own process and its ancestors,
    /// the session leader of the monitor's session, platform-critical processes (matched by the real
    /// path of their executable, never by name alone) and the system's own files and the product's.
    /// The process controllers ask these before every signal, for every process they touch.
    /// </summary>
    public sealed class GuardRails : IGuardRails
    {
        private static readonly string[] s_linuxCriticalExecutables =
        {
            // init and the systemd core: the system or every login stops with them.
            "/sbin/init", "/usr/sbin/init", "/lib/systemd/systemd", "/usr/lib/systemd/systemd",
            "/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald",
            "/lib/systemd/systemd-logind", "/usr/lib/systemd/systemd-logind",
            "/lib/systemd/systemd-udevd", "/usr/lib/systemd/systemd-udevd", "/sbin/udevd", "/usr/sbin/udevd",
            "/lib/systemd/systemd-networkd", "/usr/lib/systemd/systemd-networkd",
            "/lib/systemd/systemd-resolved", "/usr/lib/systemd/systemd-resolved",
            // The system bus, the audit daemon and the console login.
            "/usr/bin/dbus-daemon", "/bin/dbus-daemon", "/usr/bin/dbus-broker", "/usr/bin/dbus-broker-launch",
            "/sbin/auditd", "/usr/sbin/auditd", "/sbin/agetty", "/usr/sbin/agetty",
        };

        // The ssh listener only: a per-connection sshd (a child of the listener, or sshd-session) may be
        // the root of an attacker's session and stays fair game.
        private static readonly string[] s_linuxSshListeners = { "/usr/sbin/sshd", "/sbin/sshd" };

        private static readonly string[] s_linuxCriticalFolders =
        {
            "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
            "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32", "/usr/libexec",
            "/boot", "/proc", "/sys", "/dev", "/etc/pam.d", "/etc/security",
        };

        private static readonly string[] s_linuxCriticalFiles =
        {
            "/", "/etc", "/usr", "/var", "/home", "/root", "/opt", "/srv", "/tmp", "/run", "/mnt", "/media", "/usr/local",
            "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/fstab",
            "/etc/nsswitch.conf", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/login.defs", "/etc/machine-id",
        };

        // Under %SystemRoot%\System32 only: the same names elsewhere are masquerades and stay fair game.
        // svchost.exe is included: its instances host RPC, DCOM and the service control's own
        // services, and killing the wrong one restarts or bug-checks the machine.
        private static readonly string[] s_windowsSystem32Critical =
        {
            "smss.exe", "csrss.exe", "wininit.exe", "winlogon.exe", "services.exe", "lsass.exe", "lsaiso.exe", "svchost.exe",
        };

        // Defender's engine, network inspection and core service, wherever its platform folder is.
        private static readonly string[] s_windowsDefenderImages = { "MsMpEng.exe", "NisSrv.exe", "MpDefenderCoreService.exe" };

        // Processes with no image file: the kernel's own and its helpers.
        private static readonly string[] s_windowsPseudoProcesses = { "System", "Registry", "Memory Compression", "Secure System", "Idle", "System Idle Process" };

        private readonly bool _isWindows;
        private readonly int _selfId;
        private readonly Dictionary<int, ulong> _linuxAncestors = new Dictionary<int, ulong>();
        private readonly Dictionary<int, long> _windowsAncestors = new Dictionary<int, long>();
        private readonly int _sessionLeader;
        private readonly HashSet<string> _criticalExecutables;
        private readonly HashSet<string> _sshListeners;
        private readonly List<string> _criticalFolders;
        private readonly HashSet<string> _criticalFiles;
        private readonly List<string> _defenderFolders = new List<string>();
        private readonly StringComparison _pathComparison;
        private readonly Lazy<Dictionary<string, string>> _protectedHashes;
        private readonly Dictionary<Sensors.Replay.FileId, string> _folderIds = new Dictionary<Sensors.Replay.FileId, string>();
        private readonly Dictionary<Sensors.Replay.FileId, string> _fileIds = new Dictionary<Sensors.Replay.FileId, string>();

        // Beyond the critical processes: the shells and core tools whose hash, blocked, would stop every
        // script, login or package update (the telemetry's Hashes field is the attacker's to write).
        private static readonly string[] s_linuxCoreTools =
        {
            "/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/dash", "/usr/bin/zsh",
            "/usr/bin/env", "/usr/bin/sudo", "/usr/bin/su", "/bin/su", "/bin/login", "/usr/bin/login", "/usr/bin/ssh",
            "/usr/bin/systemctl", "/bin/systemctl", "/usr/bin/passwd", "/usr/bin/mount", "/bin/mount", "/usr/bin/python3",
            "/usr/bin/perl", "/usr/bin/apt", "/usr/bin/apt-get", "/usr/bin/dpkg", "/usr/bin/rpm", "/usr/bin/dnf", "/usr/bin/yum",
        };

        private static readonly string[] s_windowsCoreTools = { "cmd.exe", "conhost.exe", "explorer.exe", "WindowsPowerShell\\v1.0\\powershell.exe" };

        /// <summary>Guard rails for this machine and this process, computed now.</summary>
        public GuardRails()
            : this(Array.Empty<string>(), Array.Empty<string>())
        {
        }

        /// <summary>Guard rails that also protect the given executables and folders (tests protect a process they made).</summary>
        internal GuardRails(IEnumerable<string> extraCriticalExecutables, IEnumerable<string> extraCriticalFolders)
        {
            _isWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            _pathComparison = _isWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            StringComparer comparer = _isWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            _selfId = CurrentProcess.Id;

            _criticalExecutables = new HashSet<string>(comparer);
            _sshListeners = new HashSet<string>(comparer);
            _criticalFolders = new List<string>();
            _criticalFiles = new HashSet<string>(comparer);
            if (_isWindows)
            {
                InitWindows();
            }
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                InitLinux();
                _sessionLeader = ProcFs.ReadStat(_selfId)?.SessionId ?? 0;
            }

            foreach (string exe in extraCriticalExecutables)
            {
                AddResolved(_criticalExecutables, exe);
            }

            foreach (string folder in extraCriticalFolders.Concat(ProductFolders()))
            {
                AddFolder(folder);
            }

            ProtectedExecutables = _criticalExecutables.OrderBy(p => p, comparer).ToArray();
            if (!_isWindows && Sensors.Replay.FileIdentity.Available)
            {
                // By device and inode too: a bind mount of a protected folder, or a hard link to a
                // protected file, is that folder or file under a name no path comparison sees.
                foreach (string folder in _criticalFolders)
                {
                    if (Sensors.Replay.FileIdentity.TryGet(folder, out Sensors.Replay.FileId id, out Sensors.Replay.FileKind kind) && kind == Sensors.Replay.FileKind.Directory && !_folderIds.ContainsKey(id))
                    {
                        _folderIds[id] = folder;
                    }
                }

                foreach (string file in _criticalFiles)
                {
                    if (Sensors.Replay.FileIdentity.TryGet(file, out Sensors.Replay.FileId id, out _) && !_fileIds.ContainsKey(id))
                    {
                        _fileIds[id] = file;
                    }
                }
            }

            _protectedHashes = new Lazy<Dictionary<string, string>>(HashProtectedExecutables, System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
            ProtectedFolders = _criticalFolders.Distinct(comparer).OrderBy(p => p, comparer).ToArray();
            ProtectedFiles = _criticalFiles.OrderBy(p => p, comparer).ToArray();
        }

        /// <summary>Executables (real paths) whose processes are never acted on.</summary>
        public IReadOnlyList<string> ProtectedExecutables { get; }

        /// <summary>Folders (real paths) whose files, and everything below, are never quarantined, removed or rewritten.</summary>
        public IReadOnlyList<string> ProtectedFolders { get; }

        /// <summary>Single files and folders (not what is below them) never quarantined, removed or rewritten.</summary>
        public IReadOnlyList<string> ProtectedFiles { get; }

        /// <inheritdoc />
        public string? RefuseProcess(int processId)
        {
            if (processId <= 0)
            {
                return $"PID {processId} is not a process that may be acted on (0 is the kernel's idle task)";
            }

            if (processId == _selfId)
            {
                return $"PID {processId} is the monitor's own process";
            }

            if (_isWindows)
            {
                return RefuseWindowsProcess(processId);
            }

            if (processId == 1)
            {
                return "PID 1 is init: the system goes down with it";
            }

            return RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? RefuseLinuxProcess(processId, depth: 0) : null;
        }

        /// <inheritdoc />
        public string? RefuseFile(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                return "no path given";
            }

            string lexical;
            try
            {
                lexical = TrimSeparator(Path.GetFullPath(path));
            }
            catch (ArgumentException)
            {
                return $"'{path}' is not a valid path";
            }
            catch (NotSupportedException)
            {
                return $"'{path}' is not a valid path";
            }
            catch (PathTooLongException)
            {
                return $"'{path}' is too long a path";
            }

            // Both the path as written and its real path (links followed) must be clear: a link in
            // a temp folder to a system binary is that binary.
            string? real = RealPath(path);
            foreach (string candidate in real is null || string.Equals(real, lexical, _pathComparison) ? new[] { lexical } : new[] { lexical, real })
            {
                string? reason = RefuseResolvedFile(candidate);
                if (reason is not null)
                {
                    return candidate == lexical ? reason : $"'{path}' resolves to '{candidate}': {reason}";
                }
            }

            return RefuseByIdentity(real ?? lexical);
        }

        private string? RefuseByIdentity(string path)
        {
            if (_folderIds.Count == 0 && _fileIds.Count == 0)
            {
                return null;
            }

            if (Sensors.Replay.FileIdentity.TryGet(path, out Sensors.Replay.FileId self, out Sensors.Replay.FileKind kind))
            {
                if (_fileIds.TryGetValue(self, out string? file))
                {
                    return $"'{path}' is the same file as '{file}', a platform-critical file (a hard link or a mount)";
                }

                if (kind == Sensors.Replay.FileKind.Directory && _folderIds.TryGetValue(self, out string? same))
                {
                    return $"'{path}' is the folder '{same}', a protected folder (a mount or a hard-linked name)";
                }
            }

            string? current = Path.GetDirectoryName(path);
            for (int depth = 0; depth < 256 && !string.IsNullOrEmpty(current); depth++)
            {
                if (Sensors.Replay.FileIdentity.TryGet(current!, out Sensors.Replay.FileId id, out _) && _folderIds.TryGetValue(id, out string? folder))
                {
                    return $"'{path}' is under '{current}', which is '{folder}', a protected folder (a bind mount of it)";
                }

                string? parent = Path.GetDirectoryName(current);
                current = parent is not null && parent.Length < current!.Length ? parent : null;
            }

            return null;
        }

        /// <summary>
        /// The reason a SHA-256 must not be blocked, or null when it may be: it is the content of a
        /// protected executable, a shell or a core tool of this machine (hashed once, on first use).
        /// A block indicator is matched by hash alone, so a claimed hash must be refused for what it
        /// names, not for the path that came with it.
        /// </summary>
        public string? RefuseHash(string sha256)
        {
            if (string.IsNullOrEmpty(sha256))
            {
                return null;
            }

            return _protectedHashes.Value.TryGetValue(sha256.ToUpperInvariant(), out string? path)
                ? $"SHA-256 {sha256.ToUpperInvariant()} is the content of '{path}', a protected executable: blocking it would stop it from running"
                : null;
        }

        /// <summary>
        /// The reason a block indicator for the path <paramref name="path"/> must not be written, or null:
        /// the path (links followed) is one of the protected executables, shells or core tools whose hash
        /// <see cref="RefuseHash"/> refuses.
        /// </summary>
        public string? RefuseBlockPath(string path)
        {
            if (string.IsNullOrWhiteSpace(path) || !Path.IsPathRooted(path))
            {
                return null;
            }

            string real = RealPath(path) ?? TrimSeparator(path);
            StringComparison comparison = _pathComparison;
            return _protectedHashes.Value.Values.Any(p => string.Equals(p, real, comparison))
                ? $"'{path}' is '{real}', a protected executable: blocking it would stop it from running"
                : null;
        }

        private Dictionary<string, string> HashProtectedExecutables()
        {
            var paths = new List<string>(_criticalExecutables);
            paths.AddRange(_sshListeners);
            if (_isWindows)
            {
                string system32 = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.Windows), "System32");
                paths.AddRange(s_windowsCoreTools.Select(tool => Path.Combine(system32, tool)));
            }
            else
            {
                paths.AddRange(s_linuxCoreTools);
                try
                {
                    // Every login shell the system lists.
                    paths.AddRange(File.ReadAllLines("/etc/shells").Select(line => line.Trim()).Where(line => line.StartsWith("/", StringComparison.Ordinal)));
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(_isWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            foreach (string path in paths)
            {
                string real = RealPath(path) ?? path;
                if (!seen.Add(real))
                {
                    continue;
                }

                try
                {
                    var info = new FileInfo(real);
                    if (info.Exists && info.Length <= 256L * 1024 * 1024)
                    {
                        string hash = ResponseExecutor.Sha256Of(real);
                        if (!hashes.ContainsKey(hash))
                        {
                            hashes[hash] = real;
                        }
                    }
                }
                catch (IOException)
                {
                    // Gone or unreadable now: nothing of it to compare.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return hashes;
        }

        private string? RefuseResolvedFile(string path)
        {
            if (_criticalFiles.Contains(path))
            {
                return $"'{path}' is a platform-critical file";
            }

            foreach (string folder in _criticalFolders)
            {
                if (IsUnder(path, folder))
                {
                    return $"'{path}' is under '{folder}', a protected folder (the system's own files or the product's)";
                }
            }

            return null;
        }

        private string? RefuseLinuxProcess(int pid, int depth)
        {
            if (!(ProcFs.ReadStat(pid) is ProcStat stat))
            {
                return null;
            }

            // A thread id names its whole process: a signal to it reaches every thread.
            int? tgid = ProcFs.ThreadGroupId(pid);
            if (tgid is int group && group != pid && depth == 0)
            {
                string? reason = group == _selfId ? $"PID {pid} is a thread of the monitor's own process" : RefuseLinuxProcess(group, depth + 1);
                if (reason is not null)
                {
                    return $"PID {pid} is a thread of PID {group}: {reason}";
                }
            }

            if (stat.IsKernelThread || (stat.ParentId == 2 && ProcFs.ReadStat(2) is ProcStat kthreadd && kthreadd.IsKernelThread))
            {
                return $"PID {pid} ({stat.Comm}) is a kernel thread";
            }

            if (_linuxAncestors.TryGetValue(pid, out ulong start) && start == stat.StartTicks)
            {
                return $"PID {pid} ({stat.Comm}) is an ancestor of the monitor (PID {_selfId})";
            }

            if (pid == _sessionLeader)
            {
                return $"PID {pid} ({stat.Comm}) is the session leader (login shell) of the monitor's session";
            }

            string? exe = ProcFs.Executable(pid);
            if (exe is not null)
            {
                if (_criticalExecutables.Contains(exe))
                {
                    return $"PID {pid} runs '{exe}', a platform-critical process";
                }

                if (_sshListeners.Contains(exe) && !(ProcFs.Executable(stat.ParentId) is string parentExe && _sshListeners.Contains(parentExe)))
                {
                    return $"PID {pid} runs '{exe}' as the ssh listener; killing it locks remote administration out";
                }
            }

            return null;
        }

        private string? RefuseWindowsProcess(int pid)
        {
            if (pid == 4)
            {
                return "PID 4 is the System process (the kernel)";
            }

            if (_windowsAncestors.TryGetValue(pid, out long created) && WindowsProcesses.CreationTime(pid) == created)
            {
                return $"PID {pid} is an ancestor of the monitor (PID {_selfId})";
            }

            string? image = WindowsProcesses.ImagePath(pid);
            if (image is null)
            {
                string? name = WindowsProcesses.SnapshotName(pid);
                if (name is not null && s_windowsPseudoProcesses.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    return $"PID {pid} ({name}) is a kernel process";
                }

                return null;
            }

            string real = RealPath(image) ?? image;
            if (_criticalExecutables.Contains(real))
            {
                return $"PID {pid} runs '{real}', a platform-critical process";
            }

            string file = Path.GetFileName(real);
            if (s_windowsDefenderImages.Contains(file, StringComparer.OrdinalIgnoreCase) && _defenderFolders.Any(folder => IsUnder(real, folder)))
            {
                return $"PID {pid} runs '{real}', the platform's antimalware service";
            }

            if (WindowsProcesses.IsCriticalProcess(pid))
            {
                return $"PID {pid} ('{real}') is marked critical: the system stops if it ends";
            }

            return null;
        }

        private void InitLinux()
        {
            foreach (string exe in s_linuxCriticalExecutables)
            {
                AddResolved(_criticalExecutables, exe);
            }

            foreach (string exe in s_linuxSshListeners)
            {
                AddResolved(_sshListeners, exe);
            }

            foreach (string folder in s_linuxCriticalFolders)
            {
                AddFolder(folder);
            }

            foreach (string file in s_linuxCriticalFiles)
            {
                _criticalFiles.Add(file);
                if (LinuxNative.CanonicalPath(file) is string real)
                {
                    _criticalFiles.Add(real);
                }
            }

            // Ancestors by pid and start time, so a recycled pid of a former ancestor is not shielded.
            // Computed once: a process is only ever re-parented to init or a subreaper, both of which
            // already are ancestors, so the chain never gains a member later.
            int pid = _selfId;
            for (int hops = 0; hops < 4096 && pid > 0; hops++)
            {
                if (!(ProcFs.ReadStat(pid) is ProcStat stat))
                {
                    break;
                }

                if (pid != _selfId)
                {
                    _linuxAncestors[pid] = stat.StartTicks;
                }

                pid = stat.ParentId;
            }

            // The running executable's own folder unless it is a shared runtime under /usr (already protected).
            if (ProcFs.Executable(_selfId) is string hostExe && Path.GetDirectoryName(hostExe) is string hostDir && !hostDir.StartsWith("/usr/", StringComparison.Ordinal))
            {
                AddFolder(hostDir);
            }
        }

        private void InitWindows()
        {
            string systemRoot = Environment.GetFolderPath(Environment.SpecialFolder.Windows);
            if (string.IsNullOrEmpty(systemRoot))
            {
                systemRoot = Environment.GetEnvironmentVariable("SystemRoot") ?? @"C:\Windows";
            }

            string system32 = Path.Combine(systemRoot, "System32");
            foreach (string exe in s_windowsSystem32Critical)
            {
                AddResolved(_criticalExecutables, Path.Combine(system32, exe));
            }

            string programFiles = Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles);
            string programData = Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData);
            foreach (string folder in new[]
            {
                Path.Combine(programFiles, "Windows Defender"),
                Path.Combine(programFiles, "Windows Defender Advanced Threat Protection"),
                Path.Combine(programData, "Microsoft", "Windows Defender"),
            })
            {
                if (folder.Length > 0 && Path.IsPathRooted(folder))
                {
                    _defenderFolders.Add(RealPath(folder) ?? TrimSeparator(folder));
                    AddFolder(folder);
                }
            }

            // The whole Windows folder (System32, SysWOW64, WinSxS, drivers, the registry hives) and the
            // store apps' folder; on the system drive's root the boot and paging files.
            AddFolder(systemRoot);
            if (programFiles.Length > 0)
            {
                AddFolder(Path.Combine(programFiles, "WindowsApps"));
            }

            string drive = Path.GetPathRoot(systemRoot) ?? @"C:\";
            foreach (string file in new[] { "bootmgr", "BOOTNXT", "pagefile.sys", "hiberfil.sys", "swapfile.sys" })
            {
                _criticalFiles.Add(Path.Combine(drive, file));
            }

            AddFolder(Path.Combine(drive, "System Volume Information"));
            AddFolder(Path.Combine(drive, "Boot"));
            AddFolder(Path.Combine(drive, "EFI"));
            _criticalFiles.Add(TrimSeparator(drive));
            foreach (string top in new[] { systemRoot, programFiles, programData })
            {
                if (top.Length > 0)
                {
                    _criticalFiles.Add(TrimSeparator(top));
                }
            }

            foreach (KeyValuePair<int, long> ancestor in WindowsProcesses.Ancestors(_selfId))
            {
                _windowsAncestors[ancestor.Key] = ancestor.Value;
            }
        }

        private static IEnumerable<string> ProductFolders()
        {
            var folders = new List<string>();
            try
            {
                folders.Add(Store.ProductHome.Resolve());
            }
            catch (BehaviorBlockingException)
            {
                // No product folder can be determined: nothing of it to protect.
            }

            string? binaries = Path.GetDirectoryName(typeof(GuardRails).Assembly.Location);
            if (!string.IsNullOrEmpty(binaries))
            {
                folders.Add(binaries!);
            }

            return folders;
        }

        private void AddResolved(HashSet<string> set, string path)
        {
            set.Add(TrimSeparator(path));
            if (RealPath(path) is string real)
            {
                set.Add(real);
            }
        }

        private void AddFolder(string folder)
        {
            if (string.IsNullOrEmpty(folder) || !Path.IsPathRooted(folder))
            {
                return;
            }

            string full = TrimSeparator(Path.GetFullPath(folder));
            _criticalFolders.Add(full);
            if (RealPath(full) is string real && !string.Equals(real, full, _pathComparison))
            {
                _criticalFolders.Add(real);
            }
        }

        /// <summary>
        /// The real path: the deepest part that exists resolved (links, <c>..</c>, and on Windows
        /// case and short names), the rest appended as written; null when nothing can be resolved.
        /// </summary>
        private string? RealPath(string path)
        {
            string full;
            try
            {
                full = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
            }
            catch (ArgumentException)
            {
                return null;
            }

            var rest = new Stack<string>();
            string? current = full;
            while (!string.IsNullOrEmpty(current))
            {
                string? resolved = _isWindows ? WindowsProcesses.FinalPath(current!) : LinuxNative.CanonicalPath(current!);
                if (resolved is not null)
                {
                    string combined = resolved;
                    while (rest.Count > 0)
                    {
                        combined = Path.Combine(combined, rest.Pop());
                    }

                    try
                    {
                        return TrimSeparator(Path.GetFullPath(combined));
                    }
                    catch (ArgumentException)
                    {
                        return null;
                    }
                }

                string trimmed = current!.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                string? parent = trimmed.Length == 0 ? null : Path.GetDirectoryName(trimmed);
                if (parent is null || parent.Length >= trimmed.Length)
                {
                    return null;
                }

                rest.Push(Path.GetFileName(trimmed));
                current = parent;
            }

            return null;
        }

        private bool IsUnder(string path, string folder)
        {
            if (string.Equals(path, folder, _pathComparison))
            {
                return true;
            }

            string prefix = folder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? folder : folder + Path.DirectorySeparatorChar;
            return path.StartsWith(prefix, _pathComparison);
        }

        private static string TrimSeparator(string path)
        {
            string root = Path.GetPathRoot(path) ?? string.Empty;
            string trimmed = path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            return trimmed.Length < root.Length ? root : trimmed;
        }
    }
}
