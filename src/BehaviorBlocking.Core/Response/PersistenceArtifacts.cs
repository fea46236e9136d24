using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// Names the persistence one event creates: a Run value, a scheduled task, a service, a file in a
    /// Startup folder, a WMI subscription, a crontab line or cron file, a systemd unit, a shell start-up
    /// line, an <c>authorized_keys</c> line. It reads what the event did (its kind, target and command
    /// line), not which sensor recorded it: a Windows path or registry key means Windows persistence,
    /// an absolute Unix path Linux persistence, whatever the recording.
    /// </summary>
    /// <remarks>
    /// A line is given as the artifact's entry only when it can be read back exactly from a command line
    /// (a single-quoted <c>echo</c>, or a double-quoted one without expansions, appended with <c>&gt;&gt;</c>
    /// or <c>tee -a</c>, or piped into <c>crontab -</c>); otherwise the artifact names the file and leaves the
    /// line unknown, and remediation says so rather than guess.
    /// </remarks>
    public static class PersistenceArtifacts
    {
        private const RegexOptions Windows = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
        private const RegexOptions Unix = RegexOptions.CultureInvariant;

        private static readonly PersistenceArtifact[] s_none = new PersistenceArtifact[0];

        private static readonly Regex s_runValue = new Regex(
            @"^(?<hive>HKLM|HKCU|HKU\\[^\\]+)\\SOFTWARE\\(?:WOW6432Node\\)?Microsoft\\Windows\\CurrentVersion\\(?:Run|RunOnce|Policies\\Explorer\\Run)\\(?<value>[^\\]+)$", Windows);

        private static readonly Regex s_serviceKey = new Regex(
            @"^HKLM\\SYSTEM\\(?:CurrentControlSet|ControlSet[0-9]{3})\\Services\\(?<name>[^\\]+)(?<value>\\ImagePath)?$", Windows);

        private static readonly Regex s_taskFile = new Regex(@"^(?:[A-Z]:)?\\Windows\\System32\\Tasks\\(?<name>.+)$", Windows);

        private static readonly Regex s_startupFile = new Regex(@"\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\(?<file>[^\\]+)$", Windows);

        private static readonly Regex s_cronFile = new Regex(@"^(?:/etc/crontab|/etc/cron\.(?<dir>d|hourly|daily|weekly|monthly)/(?<name>[^/]+)|/var/spool/cron/crontabs/(?<user>[^/]+)|/var/spool/cron/(?<user>[^/]+))$", Unix);

        private static readonly Regex s_systemdUnit = new Regex(
            @"^(?:/etc/systemd/(?:system|user)|/usr/lib/systemd/(?:system|user)|/lib/systemd/system|/(?:root|home/[^/]+)/\.config/systemd/user)/[^/]+\.(?:service|timer|socket|path)$", Unix);

        private static readonly Regex s_shellRc = new Regex(
            @"^(?:/etc/profile|/etc/bash\.bashrc|/etc/zsh/zshrc|/etc/profile\.d/(?<dropin>[^/]+)|/(?:[^/]+/)*\.(?:bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zlogin))$", Unix);

        private static readonly Regex s_authorizedKeys = new Regex(@"^/(?:[^/]+/)*\.ssh/authorized_keys2?$", Unix);

        // echo 'line' >> FILE, echo "line" | tee -a FILE (the quoted text is the whole line echo writes).
        private static readonly Regex s_echoAppend = new Regex(
            @"\becho\s+(?<opts>(?:-[neE]+\s+)*)(?<q>['""])(?<line>(?:(?!\k<q>).)*)\k<q>\s*(?:>>\s*|\|\s*(?:sudo\s+)?tee\s+(?:-a|--append)\s+)(?<file>""[^""]+""|'[^']+'|[^\s;|&)(""'`<>]+)", Unix);

        // (crontab -l; echo 'line') | crontab -   and   echo 'line' | crontab [-u user] -
        private static readonly Regex s_echoCrontab = new Regex(
            @"\becho\s+(?<opts>(?:-[neE]+\s+)*)(?<q>['""])(?<line>(?:(?!\k<q>).)*)\k<q>\s*;?\s*[)}]?\s*\|\s*(?:sudo\s+)?crontab\s+(?:-u\s+(?<user>[a-z_][a-z0-9_.-]*)\s+)?-(?=$|[\s;)""'&|])", Unix);

        private static readonly Regex s_userName = new Regex(@"^[a-z_][a-z0-9_.-]*\$?$", Unix);

        /// <summary>At most this many artifacts are taken from one event.</summary>
        public const int MaxPerEvent = 8;

        /// <summary>
        /// Cheap first look: false when the event's kind can never name persistence, so the verdict stage
        /// keeps no reference to it.
        /// </summary>
        public static bool MayName(BehaviorEvent e)
        {
            if (e is null)
            {
                return false;
            }

            switch (e.Kind)
            {
                case EventKind.ProcessStart:
                case EventKind.FileCreate:
                case EventKind.FileModify:
                case EventKind.FileRename:
                case EventKind.RegistryCreate:
                case EventKind.RegistrySet:
                case EventKind.WmiSubscription:
                case EventKind.ServiceInstall:
                case EventKind.ScheduledTask:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>The persistence <paramref name="e"/> names, in a fixed order; empty when it names none.</summary>
        public static IReadOnlyList<PersistenceArtifact> From(BehaviorEvent e)
        {
            if (!MayName(e))
            {
                return s_none;
            }

            var found = new List<PersistenceArtifact>(2);
            AddTo(e, found);
            return found.Count == 0 ? s_none : found;
        }

        /// <summary>Adds the persistence <paramref name="e"/> names to <paramref name="into"/>.</summary>
        internal static void AddTo(BehaviorEvent e, List<PersistenceArtifact> into)
        {
            int start = into.Count;
            switch (e.Kind)
            {
                case EventKind.RegistrySet:
                case EventKind.RegistryCreate:
                    FromRegistry(e, into);
                    break;
                case EventKind.FileCreate:
                case EventKind.FileModify:
                    FromFile(e, e.TargetPath, e.Kind == EventKind.FileCreate, into);
                    break;
                case EventKind.FileRename:
                    // A file moved into place (mv /tmp/x /etc/cron.d/x, crontab's temporary file renamed) is created there.
                    FromFile(e, e.TargetName, true, into);
                    break;
                case EventKind.ProcessStart:
                    FromCommandLine(e, into);
                    break;
                case EventKind.ServiceInstall:
                    if (Name(e.TargetName) is string service)
                    {
                        into.Add(new PersistenceArtifact(PersistenceKind.Service, service, e.TargetPath));
                    }

                    break;
                case EventKind.ScheduledTask:
                    FromTaskEvent(e, into);
                    break;
                case EventKind.WmiSubscription:
                    FromWmi(e, into);
                    break;
            }

            if (into.Count - start > MaxPerEvent)
            {
                into.RemoveRange(start + MaxPerEvent, into.Count - start - MaxPerEvent);
            }
        }

        private static void FromRegistry(BehaviorEvent e, List<PersistenceArtifact> into)
        {
            string? key = RegistryPath(e.TargetPath);
            if (key is null)
            {
                return;
            }

            if (e.Kind == EventKind.RegistrySet)
            {
                Match run = s_runValue.Match(key);
                if (run.Success)
                {
                    into.Add(new PersistenceArtifact(PersistenceKind.RunKey, key, e.Details));
                    return;
                }
            }

            Match service = s_serviceKey.Match(key);
            if (service.Success)
            {
                bool imagePath = service.Groups["value"].Success;

                // A new service key, or its ImagePath set; other values under Services are settings of services that exist.
                if ((e.Kind == EventKind.RegistryCreate && !imagePath) || (e.Kind == EventKind.RegistrySet && imagePath))
                {
                    into.Add(new PersistenceArtifact(PersistenceKind.Service, service.Groups["name"].Value, imagePath ? e.Details : null));
                }
            }
        }

        /// <summary>Sysmon (<c>HKLM\...</c>, <c>HKU\SID\...</c>) and Security (<c>\REGISTRY\MACHINE\...</c>) key forms in one form.</summary>
        internal static string? RegistryPath(string? path)
        {
            if (string.IsNullOrEmpty(path))
            {
                return null;
            }

            string p = path!.Trim();
            foreach (KeyValuePair<string, string> prefix in s_hives)
            {
                if (p.StartsWith(prefix.Key, StringComparison.OrdinalIgnoreCase))
                {
                    return prefix.Value + p.Substring(prefix.Key.Length);
                }
            }

            return null;
        }

        private static readonly KeyValuePair<string, string>[] s_hives =
        {
            new KeyValuePair<string, string>(@"\REGISTRY\MACHINE\", @"HKLM\"),
            new KeyValuePair<string, string>(@"\REGISTRY\USER\", @"HKU\"),
            new KeyValuePair<string, string>(@"HKEY_LOCAL_MACHINE\", @"HKLM\"),
            new KeyValuePair<string, string>(@"HKEY_CURRENT_USER\", @"HKCU\"),
            new KeyValuePair<string, string>(@"HKEY_USERS\", @"HKU\"),
            new KeyValuePair<string, string>(@"HKLM\", @"HKLM\"),
            new KeyValuePair<string, string>(@"HKCU\", @"HKCU\"),
            new KeyValuePair<string, string>(@"HKU\", @"HKU\"),
        };

        private static void FromFile(BehaviorEvent e, string? path, bool created, List<PersistenceArtifact> into)
        {
            if (string.IsNullOrEmpty(path))
            {
                return;
            }

            if (path![0] == '/')
            {
                FromUnixFile(e, path, created, into);
                return;
            }

            if (!created)
            {
                return;
            }

            Match task = s_taskFile.Match(path);
            if (task.Success)
            {
                into.Add(new PersistenceArtifact(PersistenceKind.ScheduledTask, @"\" + task.Groups["name"].Value));
                return;
            }

            Match startup = s_startupFile.Match(path);
            if (startup.Success && !string.Equals(startup.Groups["file"].Value, "desktop.ini", StringComparison.OrdinalIgnoreCase))
            {
                into.Add(new PersistenceArtifact(PersistenceKind.StartupFile, path));
            }
        }

        /// <summary>The kind of Linux persistence a file is, and whether it sits in a drop-in folder (a whole file is one entry); null when it is none.</summary>
        internal static PersistenceKind? UnixKind(string path, out bool dropIn)
        {
            dropIn = false;
            Match cron = s_cronFile.Match(path);
            if (cron.Success)
            {
                Group user = cron.Groups["user"];
                if (user.Success && (user.Value == "crontabs" || user.Value == "atjobs" || user.Value == "atspool" || user.Value.StartsWith("tmp.", StringComparison.Ordinal)))
                {
                    // Spool folders and crontab(1)'s temporary files, not a user's crontab.
                    return null;
                }

                dropIn = cron.Groups["dir"].Success;
                return PersistenceKind.CronEntry;
            }

            if (s_systemdUnit.IsMatch(path))
            {
                return PersistenceKind.SystemdUnit;
            }

            if (s_authorizedKeys.IsMatch(path))
            {
                return PersistenceKind.AuthorizedKey;
            }

            Match rc = s_shellRc.Match(path);
            if (rc.Success)
            {
                dropIn = rc.Groups["dropin"].Success;
                return PersistenceKind.ShellRcLine;
            }

            return null;
        }

        private static void FromUnixFile(BehaviorEvent e, string path, bool created, List<PersistenceArtifact> into)
        {
            if (!(UnixKind(path, out bool dropIn) is PersistenceKind kind))
            {
                return;
            }

            if (kind == PersistenceKind.SystemdUnit)
            {
                into.Add(new PersistenceArtifact(PersistenceKind.SystemdUnit, path));
                return;
            }

            // The line, when the writer's command line appended it in a way that can be read back exactly.
            bool lineKnown = false;
            foreach (Append append in Appends(e.CommandLine))
            {
                if (append.Line is not null && SameFile(append.File, path, e.User))
                {
                    into.Add(new PersistenceArtifact(kind, path, append.Line));
                    lineKnown = true;
                }
            }

            // Without a line: a file the event created in a drop-in folder is the attack's whole file;
            // a line of a shared file stays unknown (the artifact names the file, remediation refuses to guess).
            // A change to an existing drop-in file names no line and no whole file, so it names nothing.
            if (!lineKnown && (!dropIn || created))
            {
                into.Add(new PersistenceArtifact(kind, path));
            }
        }

        private static void FromCommandLine(BehaviorEvent e, List<PersistenceArtifact> into)
        {
            string? commandLine = e.CommandLine;
            if (string.IsNullOrEmpty(commandLine))
            {
                return;
            }

            FromWindowsCommand(commandLine!, into);
            if (commandLine!.IndexOf("echo", StringComparison.Ordinal) < 0)
            {
                return;
            }

            foreach (Append append in Appends(commandLine))
            {
                string? file = Resolve(append.File, e.User);
                if (file is null)
                {
                    continue;
                }

                if (UnixKind(file, out _) is PersistenceKind k && k != PersistenceKind.SystemdUnit)
                {
                    into.Add(new PersistenceArtifact(k, file, append.Line));
                }
            }

            foreach (Match m in s_echoCrontab.Matches(commandLine))
            {
                string? user = m.Groups["user"].Success ? m.Groups["user"].Value : UserName(e.User);
                if (user is null)
                {
                    continue;
                }

                into.Add(new PersistenceArtifact(PersistenceKind.CronEntry, "/var/spool/cron/crontabs/" + user, ExactLine(m)));
            }
        }

        private static void FromWindowsCommand(string commandLine, List<PersistenceArtifact> into)
        {
            // Both commands that create persistence here say "create"; most command lines are not split at all.
            if (commandLine.IndexOf("create", StringComparison.OrdinalIgnoreCase) < 0)
            {
                return;
            }

            List<string> words = CommandLineWords.Split(commandLine);
            if (words.Count < 2)
            {
                return;
            }

            string program = ImageFileName(words[0]);
            if (program == "schtasks")
            {
                if (!HasSwitch(words, "create") || Option(words, "s") is not null)
                {
                    return;
                }

                string? name = Option(words, "tn");
                if (!string.IsNullOrWhiteSpace(name))
                {
                    into.Add(new PersistenceArtifact(PersistenceKind.ScheduledTask, name![0] == '\\' ? name : @"\" + name, Option(words, "tr")));
                }
            }
            else if (program == "sc")
            {
                // sc create NAME binPath= PATH ...; not sc \\server create: only this machine's services.
                if (words.Count < 3 || !string.Equals(words[1], "create", StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }

                string? binPath = null;
                for (int i = 3; i + 1 < words.Count; i++)
                {
                    if (string.Equals(words[i], "binpath=", StringComparison.OrdinalIgnoreCase))
                    {
                        binPath = words[i + 1];
                        break;
                    }
                }

                into.Add(new PersistenceArtifact(PersistenceKind.Service, words[2], binPath));
            }
        }

        private static void FromTaskEvent(BehaviorEvent e, List<PersistenceArtifact> into)
        {
            // Created or updated (Security 4698, 4702; Task Scheduler 106 registered, 140 updated); not deleted, enabled or disabled.
            bool security = e.EventId == 4698 || e.EventId == 4702;
            bool scheduler = (e.EventId == 106 || e.EventId == 140) && e.Channel.IndexOf("TaskScheduler", StringComparison.OrdinalIgnoreCase) >= 0;
            if ((!security && !scheduler) || Name(e.TargetName) is not string name)
            {
                return;
            }

            into.Add(new PersistenceArtifact(PersistenceKind.ScheduledTask, name[0] == '\\' ? name : @"\" + name, TaskCommand(e.Details)));
        }

        private static readonly Regex s_taskCommand = new Regex(@"<Command>(?<c>[^<]*)</Command>(?:\s*<Arguments>(?<a>[^<]*)</Arguments>)?", Windows);

        private static string? TaskCommand(string? xml)
        {
            if (string.IsNullOrEmpty(xml))
            {
                return null;
            }

            Match m = s_taskCommand.Match(xml);
            if (!m.Success)
            {
                return null;
            }

            string command = System.Net.WebUtility.HtmlDecode(m.Groups["c"].Value.Trim());
            return m.Groups["a"].Success ? command + " " + System.Net.WebUtility.HtmlDecode(m.Groups["a"].Value.Trim()) : command;
        }

        private static void FromWmi(BehaviorEvent e, List<PersistenceArtifact> into)
        {
            string? operation = e.GetField("Operation");
            if (operation is not null && operation.IndexOf("Deleted", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return;
            }

            string? name = Name(e.TargetName);
            if (name is null)
            {
                return;
            }

            switch (e.EventId)
            {
                case 19:
                    into.Add(new PersistenceArtifact(PersistenceKind.WmiSubscription, @"root\subscription:__EventFilter.Name=""" + name + @"""", e.Details));
                    break;
                case 20:
                    string? type = e.GetField("Type");
                    string consumerClass = type is null ? "__EventConsumer"
                        : type.IndexOf("Command", StringComparison.OrdinalIgnoreCase) >= 0 ? "CommandLineEventConsumer"
                        : type.IndexOf("Script", StringComparison.OrdinalIgnoreCase) >= 0 ? "ActiveScriptEventConsumer"
                        : "__EventConsumer";
                    into.Add(new PersistenceArtifact(PersistenceKind.WmiSubscription, @"root\subscription:" + consumerClass + @".Name=""" + name + @"""", e.Details));
                    break;
                case 21:
                    into.Add(new PersistenceArtifact(PersistenceKind.WmiSubscription, @"root\subscription:__FilterToConsumerBinding.Consumer=" + name
                        + (string.IsNullOrEmpty(e.Details) ? string.Empty : ",Filter=" + e.Details)));
                    break;
            }
        }

        private readonly struct Append
        {
            public Append(string file, string? line)
            {
                File = file;
                Line = line;
            }

            public string File { get; }

            public string? Line { get; }
        }

        private static IEnumerable<Append> Appends(string? commandLine)
        {
            if (string.IsNullOrEmpty(commandLine) || commandLine!.IndexOf("echo", StringComparison.Ordinal) < 0)
            {
                yield break;
            }

            foreach (Match m in s_echoAppend.Matches(commandLine))
            {
                string file = m.Groups["file"].Value;
                if (file.Length >= 2 && (file[0] == '"' || file[0] == '\''))
                {
                    file = file.Substring(1, file.Length - 2);
                }

                yield return new Append(file, ExactLine(m));
            }
        }

        /// <summary>The line echo writes, when the shell leaves the quoted text as it is; null when it would change it.</summary>
        private static string? ExactLine(Match m)
        {
            string line = m.Groups["line"].Value;
            string opts = m.Groups["opts"].Value;
            if (line.Length == 0 || opts.IndexOf('n') >= 0)
            {
                return null;
            }

            bool escapes = opts.IndexOf('e') >= 0;
            if ((escapes && line.IndexOf('\\') >= 0)
                || (m.Groups["q"].Value == "\"" && line.IndexOfAny(s_expanding) >= 0))
            {
                return null;
            }

            return line;
        }

        private static readonly char[] s_expanding = { '$', '`', '\\', '!' };

        /// <summary>
        /// True when a file written on a command line is the event's target: the same absolute path, or
        /// <c>~/name</c> and <c>$HOME/name</c> for the target's name under a home folder.
        /// </summary>
        private static bool SameFile(string written, string target, string? user)
        {
            if (string.Equals(written, target, StringComparison.Ordinal))
            {
                return true;
            }

            string? rest = HomeRelative(written);
            if (rest is null)
            {
                return false;
            }

            string? resolved = Resolve(written, user);
            if (resolved is not null && string.Equals(resolved, target, StringComparison.Ordinal))
            {
                return true;
            }

            return target.EndsWith("/" + rest, StringComparison.Ordinal) && (target.StartsWith("/home/", StringComparison.Ordinal) || target.StartsWith("/root/", StringComparison.Ordinal));
        }

        private static string? HomeRelative(string path)
        {
            if (path.StartsWith("~/", StringComparison.Ordinal))
            {
                return path.Substring(2);
            }

            if (path.StartsWith("$HOME/", StringComparison.Ordinal))
            {
                return path.Substring(6);
            }

            if (path.StartsWith("${HOME}/", StringComparison.Ordinal))
            {
                return path.Substring(8);
            }

            return null;
        }

        /// <summary>An absolute path, or <c>~user/rest</c> for a home-relative one of a known user; null when neither can be said.</summary>
        private static string? Resolve(string path, string? user)
        {
            if (path.Length > 0 && path[0] == '/')
            {
                return path;
            }

            string? rest = HomeRelative(path);
            string? name = UserName(user);
            if (rest is null || name is null)
            {
                return null;
            }

            return name == "root" ? "/root/" + rest : "/home/" + name + "/" + rest;
        }

        private static string? UserName(string? user)
        {
            if (string.IsNullOrEmpty(user))
            {
                return null;
            }

            int slash = user!.LastIndexOf('\\');
            string name = slash >= 0 ? user.Substring(slash + 1) : user;
            return s_userName.IsMatch(name) ? name : null;
        }

        private static string? Name(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();

        private static string ImageFileName(string word)
        {
            int slash = Math.Max(word.LastIndexOf('\\'), word.LastIndexOf('/'));
            string name = (slash >= 0 ? word.Substring(slash + 1) : word).ToLowerInvariant();
            return name.EndsWith(".exe", StringComparison.Ordinal) ? name.Substring(0, name.Length - 4) : name;
        }

        private static bool HasSwitch(List<string> words, string name)
        {
            for (int i = 1; i < words.Count; i++)
            {
                string w = words[i];
                if (w.Length == name.Length + 1 && (w[0] == '/' || w[0] == '-') && string.Compare(w, 1, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static string? Option(List<string> words, string name)
        {
            for (int i = 1; i + 1 < words.Count; i++)
            {
                string w = words[i];
                if (w.Length == name.Length + 1 && (w[0] == '/' || w[0] == '-') && string.Compare(w, 1, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    return words[i + 1];
                }
            }

            return null;
        }
    }

    /// <summary>Splits a Windows command line into words the way the C runtime does (quotes group, backslashes before a quote escape it).</summary>
    internal static class CommandLineWords
    {
        public static List<string> Split(string commandLine)
        {
            var words = new List<string>();
            var word = new System.Text.StringBuilder();
            bool inQuotes = false;
            bool any = false;
            for (int i = 0; i < commandLine.Length; i++)
            {
                char c = commandLine[i];
                if (c == '\\')
                {
                    int slashes = 0;
                    while (i < commandLine.Length && commandLine[i] == '\\')
                    {
                        slashes++;
                        i++;
                    }

                    if (i < commandLine.Length && commandLine[i] == '"')
                    {
                        word.Append('\\', slashes / 2);
                        if (slashes % 2 == 1)
                        {
                            word.Append('"');
                        }
                        else
                        {
                            inQuotes = !inQuotes;
                        }
                    }
                    else
                    {
                        word.Append('\\', slashes);
                        i--;
                    }

                    any = true;
                }
                else if (c == '"')
                {
                    inQuotes = !inQuotes;
                    any = true;
                }
                else if (!inQuotes && (c == ' ' || c == '\t'))
                {
                    if (any)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        any = false;
                    }
                }
                else
                {
                    word.Append(c);
                    any = true;
                }
            }

            if (any)
            {
                words.Add(word.ToString());
            }

            return words;
        }
    }
}
