using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Features
{
    /// <summary>One process tree's features when it closed, with what a labeler needs beside them.</summary>
    public sealed class TreeFeatureRow
    {
        internal TreeFeatureRow(ProcessTree tree, string? sourceFile, float[] features, IReadOnlyList<KeyValuePair<Tactic, string>> signals, DateTimeOffset firstSeen)
        {
            TreeId = tree.Id;
            Host = tree.Root.Host;
            SourceFile = sourceFile;
            RootImage = tree.Root.Image;
            RootCommandLine = tree.Root.CommandLine;
            RootParentImage = tree.Root.ParentImage;
            Features = features;
            Signals = signals;
            FirstSeen = firstSeen;
        }

        /// <summary>The tree's id within its graph.</summary>
        public long TreeId { get; }

        /// <summary>Device.</summary>
        public string Host { get; }

        /// <summary>The recording it came from (replay).</summary>
        public string? SourceFile { get; }

        /// <summary>The root process's executable.</summary>
        public string? RootImage { get; }

        /// <summary>The root process's command line.</summary>
        public string? RootCommandLine { get; }

        /// <summary>The executable of the root's parent (the launch point above the tree).</summary>
        public string? RootParentImage { get; }

        /// <summary>The vector, in <see cref="FeatureSchema.Names"/> order.</summary>
        public float[] Features { get; }

        /// <summary>Rule signals seen in the tree: tactic and rule id, each distinct pair once.</summary>
        public IReadOnlyList<KeyValuePair<Tactic, string>> Signals { get; }

        /// <summary>Time of the tree's first event.</summary>
        public DateTimeOffset FirstSeen { get; }
    }

    /// <summary>
    /// Accumulates per-tree features online as events stream (timelines are capped, so they cannot
    /// be recomputed at the end), takes rule signals from the rule detector, and publishes the
    /// vector when the tree closes. Runs on the pipeline's consumer thread like every detector.
    /// </summary>
    public sealed class TreeFeatureCollector : IDetector, ISignalObserver, ITreeFeatureSource
    {
        private readonly Dictionary<ProcessTree, TreeProfile> _profiles = new Dictionary<ProcessTree, TreeProfile>();
        private readonly TreeWalk _walk = new TreeWalk();

        /// <summary>Raised with each closed tree's features.</summary>
        public event Action<TreeFeatureRow>? TreeCompleted;

        /// <inheritdoc />
        public string Name => "features";

        /// <inheritdoc />
        public string? Version => null;

        /// <summary>Trees currently being profiled.</summary>
        public int OpenTrees => _profiles.Count;

        /// <inheritdoc />
        public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
        {
            if (process is not null)
            {
                Profile(process.Tree).Add(behaviorEvent, process);
            }
        }

        /// <inheritdoc />
        public void OnSignal(in DetectionSignal signal)
        {
            if (signal.Process is not null)
            {
                Profile(signal.Process.Tree).AddSignal(signal.Source, signal.Event.Time);
            }
        }

        /// <inheritdoc />
        public void OnTreeClosed(ProcessTree tree)
        {
            if (_profiles.TryGetValue(tree, out TreeProfile? profile))
            {
                _profiles.Remove(tree);
                TreeCompleted?.Invoke(profile.ToRow(tree, _walk));
            }
        }

        /// <inheritdoc />
        public void OnTreesMerged(ProcessTree from, ProcessTree into)
        {
            if (!_profiles.TryGetValue(from, out TreeProfile? moved))
            {
                return;
            }

            _profiles.Remove(from);
            if (_profiles.TryGetValue(into, out TreeProfile? existing))
            {
                existing.Absorb(moved);
            }
            else
            {
                _profiles[into] = moved;
            }
        }

        /// <inheritdoc />
        public void OnRecordingEnd() => _profiles.Clear();

        /// <inheritdoc />
        public bool TryFill(ProcessTree tree, float[] features)
        {
            if (!_profiles.TryGetValue(tree, out TreeProfile? profile))
            {
                return false;
            }

            profile.Fill(tree, features, _walk);
            return true;
        }

        private TreeProfile Profile(ProcessTree tree)
        {
            if (!_profiles.TryGetValue(tree, out TreeProfile? profile))
            {
                profile = new TreeProfile();
                _profiles[tree] = profile;
            }

            return profile;
        }
    }

    /// <summary>Scratch space for walking a tree's members, reused across calls (one per consumer thread).</summary>
    public sealed class TreeWalk
    {
        private readonly HashSet<string> _images = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Stack<KeyValuePair<ProcessNode, int>> _stack = new Stack<KeyValuePair<ProcessNode, int>>();

        /// <summary>Counts the tree's processes, exited ones, its depth below the root and its distinct image names.</summary>
        internal void Measure(ProcessTree tree, out int processes, out int exited, out int depth, out int images)
        {
            processes = 0;
            exited = 0;
            depth = 0;
            _images.Clear();
            _stack.Clear();
            _stack.Push(new KeyValuePair<ProcessNode, int>(tree.Root, 0));
            while (_stack.Count > 0)
            {
                KeyValuePair<ProcessNode, int> item = _stack.Pop();
                ProcessNode node = item.Key;
                processes++;
                if (node.HasExited)
                {
                    exited++;
                }

                if (node.Image is not null)
                {
                    _images.Add(ImagePath.FileName(node.Image));
                }

                depth = Math.Max(depth, item.Value);
                IReadOnlyList<ProcessNode> children = node.Children;
                for (int i = 0; i < children.Count; i++)
                {
                    if (children[i].Tree == tree && item.Value < 1024)
                    {
                        _stack.Push(new KeyValuePair<ProcessNode, int>(children[i], item.Value + 1));
                    }
                }
            }

            images = _images.Count;
        }
    }

    /// <summary>The running counters of one tree.</summary>
    internal sealed class TreeProfile
    {
        private static readonly HashSet<string> s_office = Set("winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe", "msaccess.exe", "mspub.exe", "visio.exe", "onenote.exe");
        private static readonly HashSet<string> s_browser = Set("chrome.exe", "msedge.exe", "firefox.exe", "iexplore.exe", "opera.exe", "brave.exe");
        private static readonly HashSet<string> s_scriptHost = Set("wscript.exe", "cscript.exe", "mshta.exe", "hh.exe");
        private static readonly HashSet<string> s_shell = Set("cmd.exe", "powershell.exe", "pwsh.exe", "powershell_ise.exe", "bash.exe");
        private static readonly HashSet<string> s_powershell = Set("powershell.exe", "pwsh.exe", "powershell_ise.exe");
        private static readonly HashSet<string> s_service = Set("services.exe", "svchost.exe");
        private static readonly HashSet<string> s_lolbin = Set(
            "rundll32.exe", "regsvr32.exe", "certutil.exe", "bitsadmin.exe", "msbuild.exe", "installutil.exe", "regasm.exe", "regsvcs.exe",
            "wmic.exe", "msiexec.exe", "odbcconf.exe", "forfiles.exe", "pcalua.exe", "cmstp.exe", "mavinject.exe", "esentutl.exe", "expand.exe",
            "extrac32.exe", "makecab.exe", "certreq.exe", "schtasks.exe", "sc.exe", "reg.exe", "netsh.exe", "at.exe", "ntdsutil.exe",
            "vssadmin.exe", "wevtutil.exe", "bcdedit.exe", "mshta.exe", "wscript.exe", "cscript.exe", "psexec.exe", "psexesvc.exe");

        private static readonly string[] s_suspiciousTokens =
        {
            "iex", "invoke-expression", "downloadstring", "downloadfile", "invoke-webrequest", "frombase64string", "-enc", "bypass", "-nop",
            "hidden", "net user", "/add", "mimikatz", "sekurlsa", "vssadmin", "shadowcopy", "comsvcs", "minidump", "procdump", "scrobj",
            "-urlcache", "/transfer", "process call create", "reg add", "\\run", "/create", "sc create", "net.webclient", "start-bitstransfer",
            "add-mppreference", "set-mppreference", "-windowstyle", "whoami", "nltest", "net group", "domain admins", "invoke-", "bitsadmin",
        };

        private static readonly bool[] s_logScaled = BuildLogScaled();

        // Features that are flags or running maxima combine by maximum when two trees merge; the rest are counts and add up.
        private static readonly bool[] s_maxMerged = BuildMaxMerged(
            "any_lolbin", "any_office", "any_powershell", "any_script_host", "any_shell", "autorun_registry", "cmd_base64_token", "cmd_encoded",
            "cmd_url", "exe_written_then_run", "image_from_user_path", "office_spawns_child", "service_registry", "startup_folder_write",
            "write_executable", "write_script", "write_temp_or_public", "cmd_max_entropy", "cmd_max_len_log", "shell_depth");

        private static readonly HashSet<int> s_commonPorts = new HashSet<int> { 53, 80, 88, 123, 135, 137, 138, 139, 389, 443, 445, 636, 3268, 3389, 5985, 5986 };

        private readonly float[] _counts = new float[FeatureSchema.Count];
        private readonly double[] _tacticScore = new double[13];
        private readonly HashSet<string> _rules = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, Severity> _levels = new Dictionary<string, Severity>(StringComparer.OrdinalIgnoreCase);
        private readonly List<KeyValuePair<Tactic, string>> _signals = new List<KeyValuePair<Tactic, string>>();
        private readonly HashSet<string> _writtenExecutables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _remoteIps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        private int _maxLevel = -1;
        private string? _sourceFile;
        private DateTimeOffset _first = DateTimeOffset.MaxValue;
        private DateTimeOffset _last = DateTimeOffset.MinValue;
        private DateTimeOffset? _firstSignal;
        private long _events;
        private long _currentSecond = long.MinValue;
        private int _inSecond;
        private int _burst;

        public void Add(BehaviorEvent e, ProcessNode process)
        {
            _events++;
            _sourceFile ??= e.SourceFile;
            if (e.Time < _first)
            {
                _first = e.Time;
            }

            if (e.Time > _last)
            {
                _last = e.Time;
            }

            long second = e.Time.UtcTicks / TimeSpan.TicksPerSecond;
            if (second == _currentSecond)
            {
                _inSecond++;
            }
            else
            {
                _currentSecond = second;
                _inSecond = 1;
            }

            _burst = Math.Max(_burst, _inSecond);
            switch (e.Kind)
            {
                case EventKind.ProcessStart:
                    Count("n_process_start");
                    OnProcessStart(e, process);
                    break;
                case EventKind.FileCreate:
                    Count("n_file_create");
                    OnFileWrite(e.TargetPath);
                    break;
                case EventKind.FileDelete:
                    Count("n_file_delete");
                    break;
                case EventKind.FileModify:
                case EventKind.FileRename:
                    Count("n_file_modify");
                    break;
                case EventKind.RegistryCreate:
                    Count("n_registry_create");
                    OnRegistry(e.TargetPath);
                    break;
                case EventKind.RegistrySet:
                    Count("n_registry_set");
                    OnRegistry(e.TargetPath);
                    break;
                case EventKind.RegistryDelete:
                case EventKind.RegistryRename:
                    Count("n_registry_delete");
                    break;
                case EventKind.NetworkConnect:
                    Count("n_network");
                    if (e.DestinationPort is int port && !s_commonPorts.Contains(port) && e.Initiated != false)
                    {
                        Count("remote_ports_rare");
                    }

                    if (e.DestinationIp is not null)
                    {
                        _remoteIps.Add(e.DestinationIp);
                    }

                    break;
                case EventKind.DnsQuery:
                    Count("n_dns");
                    if (e.TargetName is string query && LongestLabel(query) > 40)
                    {
                        Count("dns_long_label");
                    }

                    break;
                case EventKind.ImageLoad:
                case EventKind.DriverLoad:
                    Count("n_image_load");
                    if (string.Equals(e.GetField("Signed"), "false", StringComparison.OrdinalIgnoreCase))
                    {
                        Count("unsigned_image_load");
                    }

                    break;
                case EventKind.ProcessAccess:
                    Count("n_process_access");
                    if (ImagePath.FileName(e.TargetImage) == "lsass.exe")
                    {
                        Count("lsass_access");
                    }

                    if (e.Details is string mask && ReadsMemory(mask))
                    {
                        Count("access_mask_read_memory");
                    }

                    break;
                case EventKind.RemoteThread:
                    Count("n_remote_thread");
                    break;
                case EventKind.PipeCreate:
                case EventKind.PipeConnect:
                    Count("n_pipe");
                    break;
                case EventKind.ScriptBlock:
                    Count("n_script_block");
                    break;
                case EventKind.PowerShellPipeline:
                case EventKind.PowerShellEngine:
                    Count("n_ps_pipeline");
                    break;
                case EventKind.ServiceInstall:
                    Count("n_service_install");
                    break;
                case EventKind.ScheduledTask:
                    Count("n_scheduled_task");
                    break;
                case EventKind.WmiSubscription:
                    Count("n_wmi");
                    break;
                case EventKind.Logon:
                case EventKind.LogonFailed:
                case EventKind.ExplicitCredentialLogon:
                case EventKind.PrivilegedLogon:
                case EventKind.KerberosTicket:
                    Count("n_logon");
                    break;
                case EventKind.ShareAccess:
                    Count("n_share_access");
                    break;
                case EventKind.RawDiskAccess:
                    Count("n_raw_disk");
                    break;
                case EventKind.ProcessTampering:
                    Count("n_tampering");
                    break;
            }
        }

        public void AddSignal(ISignalSource source, DateTimeOffset time)
        {
            if (_firstSignal is null || time < _firstSignal)
            {
                _firstSignal = time;
            }

            AddSource(source.Id, source.Tactic, source.Level);
        }

        /// <summary>
        /// Takes in the profile of a tree that joined this one: counts add up, flags and maxima
        /// combine, time bounds widen, distinct sets and rule signals unite.
        /// </summary>
        public void Absorb(TreeProfile other)
        {
            for (int i = 0; i < _counts.Length; i++)
            {
                _counts[i] = s_maxMerged[i] ? Math.Max(_counts[i], other._counts[i]) : _counts[i] + other._counts[i];
            }

            _events += other._events;
            _sourceFile ??= other._sourceFile;
            _first = other._first < _first ? other._first : _first;
            _last = other._last > _last ? other._last : _last;
            _burst = Math.Max(_burst, other._burst);
            if (other._firstSignal is DateTimeOffset signal && (_firstSignal is null || signal < _firstSignal))
            {
                _firstSignal = signal;
            }

            _writtenExecutables.UnionWith(other._writtenExecutables);
            _remoteIps.UnionWith(other._remoteIps);
            foreach (KeyValuePair<Tactic, string> entry in other._signals)
            {
                AddSource(entry.Value, entry.Key, other._levels[entry.Value]);
            }
        }

        private void AddSource(string id, Tactic tactic, Severity level)
        {
            if (_rules.Add(id))
            {
                _signals.Add(new KeyValuePair<Tactic, string>(tactic, id));
                _levels[id] = level;
                int t = (int)tactic;
                _tacticScore[t] = 1 - ((1 - _tacticScore[t]) * (1 - SignalWeights.Weight(level)));
                _maxLevel = Math.Max(_maxLevel, (int)level);
            }
        }

        public TreeFeatureRow ToRow(ProcessTree tree, TreeWalk walk)
        {
            var v = new float[FeatureSchema.Count];
            Fill(tree, v, walk);
            return new TreeFeatureRow(tree, _sourceFile, v, _signals.ToArray(), _first);
        }

        /// <summary>Writes the vector into <paramref name="v"/>; with a reused <paramref name="walk"/> it allocates nothing.</summary>
        public void Fill(ProcessTree tree, float[] v, TreeWalk walk)
        {
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = s_logScaled[i] ? Log(_counts[i]) : _counts[i];
            }

            walk.Measure(tree, out int processes, out int exited, out int depth, out int images);
            Set(v, "distinct_images", Log(images));
            Set(v, "processes", Log(processes));
            Set(v, "depth", depth);
            Set(v, "events", Log(_events));
            Set(v, "duration_log_s", _events == 0 ? 0 : Log((float)(_last - _first).TotalSeconds));
            Set(v, "exited_share", processes == 0 ? 0 : (float)exited / processes);
            Set(v, "distinct_remote_ips_log", Log(_remoteIps.Count));
            Set(v, "burst_max_per_s_log", Log(_burst));
            Set(v, "first_signal_delay_log_s", _firstSignal is DateTimeOffset s && _events > 0 ? Log((float)Math.Max(0, (s - _first).TotalSeconds)) : -1);
            string parent = ImagePath.FileName(tree.Root.ParentImage);
            Set(v, "root_parent_office", s_office.Contains(parent) ? 1 : 0);
            Set(v, "root_parent_browser", s_browser.Contains(parent) ? 1 : 0);
            Set(v, "root_parent_script_host", s_scriptHost.Contains(parent) ? 1 : 0);
            Set(v, "root_parent_shell", s_shell.Contains(parent) ? 1 : 0);
            Set(v, "root_parent_service", s_service.Contains(parent) ? 1 : 0);
            Set(v, "root_parent_wmi", parent == "wmiprvse.exe" ? 1 : 0);
            Set(v, "root_parent_explorer", parent == "explorer.exe" ? 1 : 0);
            for (int t = 1; t < _tacticScore.Length; t++)
            {
                Set(v, FeatureSchema.RuleScoreName((Tactic)t), (float)_tacticScore[t]);
            }

            Set(v, "rule_distinct", Log(_rules.Count));
            Set(v, "rule_max_level", _maxLevel + 1);
        }

        private void OnProcessStart(BehaviorEvent e, ProcessNode process)
        {
            string image = ImagePath.FileName(e.Image ?? process.Image);

            string parent = ImagePath.FileName(e.ParentImage ?? process.ParentImage);
            Flag("any_office", s_office.Contains(image));
            Flag("any_script_host", s_scriptHost.Contains(image));
            Flag("any_shell", s_shell.Contains(image));
            Flag("any_lolbin", s_lolbin.Contains(image));
            Flag("any_powershell", s_powershell.Contains(image));
            Flag("office_spawns_child", s_office.Contains(parent));
            if (s_shell.Contains(image) && s_shell.Contains(parent))
            {
                Max("shell_depth", 1);
            }

            string? path = e.Image ?? process.Image;
            if (path is not null)
            {
                string lower = path.ToLowerInvariant();
                Flag("image_from_user_path", lower.Contains("\\users\\") || lower.Contains("\\temp\\") || lower.Contains("\\programdata\\") || lower.Contains("\\downloads\\"));
                Flag("exe_written_then_run", _writtenExecutables.Contains(path));
            }

            string? commandLine = e.CommandLine;
            if (string.IsNullOrEmpty(commandLine))
            {
                return;
            }

            string cmd = commandLine!.ToLowerInvariant();
            Max("cmd_max_len_log", Log(cmd.Length));
            Max("cmd_max_entropy", Entropy(commandLine));
            Flag("cmd_encoded", cmd.Contains(" -e ") || cmd.Contains(" -en") || cmd.Contains("-encodedcommand") || cmd.Contains("frombase64string"));
            Flag("cmd_base64_token", HasBase64Token(commandLine));
            Flag("cmd_url", cmd.Contains("http://") || cmd.Contains("https://") || cmd.Contains("\\\\"));
            int tokens = 0;
            foreach (string token in s_suspiciousTokens)
            {
                if (cmd.Contains(token))
                {
                    tokens++;
                }
            }

            Add("cmd_suspicious_tokens", tokens);
            int obfuscation = 0;
            foreach (char c in commandLine)
            {
                if (c == '^' || c == '`')
                {
                    obfuscation++;
                }
            }

            Add("cmd_obfuscation_chars", obfuscation);
        }

        private void OnFileWrite(string? path)
        {
            if (path is null)
            {
                return;
            }

            string lower = path.ToLowerInvariant();
            string extension = System.IO.Path.GetExtension(lower);
            if (extension == ".exe" || extension == ".dll" || extension == ".sys" || extension == ".scr" || extension == ".com")
            {
                Flag("write_executable", true);
                _writtenExecutables.Add(path);
            }

            Flag("write_script", extension == ".ps1" || extension == ".bat" || extension == ".cmd" || extension == ".vbs" || extension == ".js"
                || extension == ".hta" || extension == ".wsf" || extension == ".psm1");
            Flag("write_temp_or_public", lower.Contains("\\temp\\") || lower.Contains("\\users\\public\\") || lower.Contains("\\programdata\\") || lower.Contains("\\downloads\\"));
            Flag("startup_folder_write", lower.Contains("\\start menu\\programs\\startup\\"));
        }

        private void OnRegistry(string? key)
        {
            if (key is null)
            {
                return;
            }

            string lower = key.ToLowerInvariant();
            Flag("autorun_registry", lower.Contains("\\currentversion\\run") || lower.Contains("\\winlogon\\") || lower.Contains("\\image file execution options\\")
                || lower.Contains("appinit_dlls") || lower.Contains("\\currentversion\\policies\\explorer\\run"));
            Flag("service_registry", lower.Contains("\\services\\") && (lower.EndsWith("\\imagepath", StringComparison.Ordinal) || lower.EndsWith("\\servicedll", StringComparison.Ordinal)));
        }

        private static bool[] BuildMaxMerged(params string[] names)
        {
            var merged = new bool[FeatureSchema.Count];
            foreach (string name in names)
            {
                merged[FeatureSchema.IndexOf(name)] = true;
            }

            return merged;
        }

        private static bool[] BuildLogScaled()
        {
            var scaled = new bool[FeatureSchema.Count];
            for (int i = 0; i < scaled.Length; i++)
            {
                string name = FeatureSchema.Names[i];
                scaled[i] = name.StartsWith("n_", StringComparison.Ordinal) || name == "remote_ports_rare" || name == "dns_long_label"
                    || name == "lsass_access" || name == "access_mask_read_memory" || name == "unsigned_image_load"
                    || name == "cmd_suspicious_tokens" || name == "cmd_obfuscation_chars";
            }

            return scaled;
        }

        private static bool ReadsMemory(string mask)
        {
            string t = mask.Trim();
            return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(t.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long value)
                && (value & 0x10) != 0;
        }

        private static bool HasBase64Token(string text)
        {
            int run = 0;
            foreach (char c in text)
            {
                bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                run = b64 ? run + 1 : 0;
                if (run >= 40)
                {
                    return true;
                }
            }

            return false;
        }

        private static float Entropy(string text)
        {
            var counts = new Dictionary<char, int>();
            foreach (char c in text)
            {
                counts.TryGetValue(c, out int n);
                counts[c] = n + 1;
            }

            double entropy = 0;
            foreach (int n in counts.Values)
            {
                double p = (double)n / text.Length;
                entropy -= p * Math.Log(p, 2);
            }

            return (float)entropy;
        }

        private static int LongestLabel(string name)
        {
            int longest = 0;
            foreach (string label in name.Split('.'))
            {
                longest = Math.Max(longest, label.Length);
            }

            return longest;
        }

        private static float Log(float value) => (float)Math.Log(1 + Math.Max(0, value));

        private static void Set(float[] v, string name, float value) => v[FeatureSchema.IndexOf(name)] = value;

        private static HashSet<string> Set(params string[] values) => new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);

        private void Count(string name) => _counts[FeatureSchema.IndexOf(name)]++;

        private void Add(string name, float value) => _counts[FeatureSchema.IndexOf(name)] += value;

        private void Flag(string name, bool on)
        {
            if (on)
            {
                _counts[FeatureSchema.IndexOf(name)] = 1;
            }
        }

        private void Max(string name, float value)
        {
            int i = FeatureSchema.IndexOf(name);
            _counts[i] = Math.Max(_counts[i], value);
        }
    }
}
