using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// Removes Linux persistence with an exact backup: a line of a crontab, shell start-up file or
    /// <c>authorized_keys</c> (the rest of the file kept byte for byte, with its mode and owner); a file
    /// an attack dropped into <c>/etc/cron.d</c>, a cron period folder or <c>/etc/profile.d</c>; a systemd
    /// unit file with the links that enable it (<c>*.wants/</c>, <c>*.requires/</c>, aliases).
    /// </summary>
    /// <remarks>
    /// Paths are taken under <see cref="Root"/> (<c>/</c> on a real system; a folder in tests), and links
    /// in folders on the way are followed only while they stay under it. The file an artifact names is
    /// never followed: a link there is refused for a line and removed itself (not its target) for a unit.
    /// Where systemd runs and <see cref="Root"/> is <c>/</c>, a system unit is stopped before its files go
    /// and the manager reloaded after (the step says how that went); nothing is started again on undo.
    /// </remarks>
    public sealed class LinuxRemediator : BackedUpRemediator
    {
        private static readonly string[] s_unitLinkFolders = { ".wants", ".requires", ".upholds" };

        /// <summary>Creates a remediator recording into <paramref name="store"/>.</summary>
        /// <param name="store">Where backups are written before anything is removed.</param>
        /// <param name="guardRails">Asked about every file before it is removed or rewritten; null asks nothing.</param>
        /// <param name="root">The folder artifact paths are under; null or <c>/</c> for this system.</param>
        public LinuxRemediator(RemediationStore store, IGuardRails? guardRails, string? root = null)
            : base(store, guardRails)
        {
            Root = string.IsNullOrEmpty(root) ? "/" : Path.GetFullPath(root).TrimEnd('/');
            if (Root.Length == 0)
            {
                Root = "/";
            }
        }

        /// <summary>The folder artifact paths are resolved under (<c>/</c> for this system).</summary>
        public string Root { get; }

        /// <inheritdoc />
        public override bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        /// <summary>Runs <c>systemctl</c> with the given arguments and returns its exit code and output; null: the real one, only where systemd runs and the root is <c>/</c>.</summary>
        internal Func<string[], (int Exit, string Output)>? Systemctl { get; set; }

        /// <inheritdoc />
        protected internal override bool Handles(PersistenceKind kind) =>
            kind == PersistenceKind.CronEntry || kind == PersistenceKind.SystemdUnit || kind == PersistenceKind.ShellRcLine || kind == PersistenceKind.AuthorizedKey;

        internal override RemovalPlan Plan(PersistenceArtifact artifact)
        {
            string? bad = CheckLocation(artifact.Location);
            if (bad is not null)
            {
                return RemovalPlan.Nothing(StepOutcome.Failed, bad);
            }

            // The artifact comes from evidence, and evidence from telemetry: only a location that is
            // persistence of the artifact's own kind is acted on (a "unit" at /etc/hosts, a "cron line"
            // of sshd_config are refused, whatever the evidence says).
            if (PersistenceArtifacts.UnixKind(artifact.Location, out _) != artifact.Kind)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, "'" + artifact.Location + "' is not a " + artifact.Kind + " location; only the known persistence locations of that kind are remediated");
            }

            string path = Physical(artifact.Location);
            if (artifact.Kind == PersistenceKind.SystemdUnit)
            {
                return PlanUnit(artifact.Location, path);
            }

            if (artifact.Entry is null)
            {
                bool dropIn = PersistenceArtifacts.UnixKind(artifact.Location, out bool inDropInFolder) is not null && inDropInFolder;
                if (!dropIn)
                {
                    return RemovalPlan.Nothing(StepOutcome.NotSupported, "entry unknown: the evidence names the file but not the line ('" + artifact.Location + "')");
                }

                return PlanWholeFile(artifact.Location, path);
            }

            return PlanLines(artifact.Location, path, artifact.Entry);
        }

        internal override void Remove(BackupItem item)
        {
            switch (item.Type)
            {
                case BackupItem.LinesType:
                    UnixFileStatus status = UnixFiles.Status(item.Path);
                    byte[] now = status.Type == UnixFileType.Regular ? File.ReadAllBytes(item.Path) : new byte[0];
                    if (status.Type != UnixFileType.Regular || !Same(now, item.Content!))
                    {
                        throw new IOException("'" + item.Path + "' changed while it was being remediated; nothing was removed from it");
                    }

                    UnixFiles.WriteFile(item.Path, Without(item.Content!, item.RemovedLines!), status.Mode, status.Uid, status.Gid, mustNotExist: false);
                    break;
                case BackupItem.FileType:
                    UnixFileStatus file = UnixFiles.Status(item.Path);
                    if (file.Type != UnixFileType.Regular || !Same(File.ReadAllBytes(item.Path), item.Content!))
                    {
                        throw new IOException("'" + item.Path + "' changed while it was being remediated; it was not removed");
                    }

                    UnixFiles.Unlink(item.Path);
                    break;
                case BackupItem.LinkType:
                    if (UnixFiles.Status(item.Path).Type != UnixFileType.Link || UnixFiles.ReadLink(item.Path) != item.LinkTarget)
                    {
                        throw new IOException("the link '" + item.Path + "' changed while it was being remediated; it was not removed");
                    }

                    UnixFiles.Unlink(item.Path);
                    break;
                default:
                    throw new IOException("a Linux remediation cannot remove a '" + item.Type + "' item");
            }
        }

        internal override UndoStep PlanUndo(BackupItem item)
        {
            UnixFileStatus status = UnixFiles.Status(item.Path);
            switch (item.Type)
            {
                case BackupItem.FileType:
                    if (status.Type == UnixFileType.Missing)
                    {
                        return UndoStep.Restore(() =>
                        {
                            UnixFiles.CreateFolders(Path.GetDirectoryName(item.Path)!);
                            UnixFiles.WriteFile(item.Path, item.Content!, item.Mode ?? 0x1A4, item.Uid ?? 0, item.Gid ?? 0, mustNotExist: true);
                        });
                    }

                    return status.Type == UnixFileType.Regular && Same(File.ReadAllBytes(item.Path), item.Content!)
                        ? UndoStep.AsItWas
                        : UndoStep.Refuse("'" + item.Path + "' exists again and is not the file that was removed");
                case BackupItem.LinkType:
                    if (status.Type == UnixFileType.Missing)
                    {
                        return UndoStep.Restore(() =>
                        {
                            UnixFiles.CreateFolders(Path.GetDirectoryName(item.Path)!);
                            UnixFiles.Symlink(item.LinkTarget!, item.Path);
                            UnixFiles.SyncFolder(Path.GetDirectoryName(item.Path)!);
                        });
                    }

                    return status.Type == UnixFileType.Link && UnixFiles.ReadLink(item.Path) == item.LinkTarget
                        ? UndoStep.AsItWas
                        : UndoStep.Refuse("'" + item.Path + "' exists again and is not the link to '" + item.LinkTarget + "' that was removed");
                case BackupItem.LinesType:
                    return PlanLinesUndo(item, status);
                default:
                    return UndoStep.Refuse("a Linux remediation cannot put back a '" + item.Type + "' item");
            }
        }

        internal override string? AfterChange(PersistenceArtifact artifact, bool undo)
        {
            if (artifact.Kind != PersistenceKind.SystemdUnit)
            {
                return null;
            }

            Func<string[], (int Exit, string Output)>? systemctl = Systemctl ?? RealSystemctl();
            if (systemctl is null)
            {
                return "systemd is not running here (or the root is not /): the unit was not stopped and no daemon-reload was run";
            }

            if (IsUserUnit(artifact.Location))
            {
                return "a user unit: it is not stopped and its manager not reloaded (that needs the user's session)";
            }

            (int exit, string output) = systemctl(new[] { "daemon-reload" });
            return exit == 0 ? "systemctl daemon-reload done" : "systemctl daemon-reload failed (" + exit.ToString(CultureInfo.InvariantCulture) + "): " + output.Trim();
        }

        private RemovalPlan PlanLines(string location, string path, string entry)
        {
            UnixFileStatus status = UnixFiles.Status(path);
            switch (status.Type)
            {
                case UnixFileType.Missing:
                    return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "'" + location + "' does not exist");
                case UnixFileType.Link:
                    return RemovalPlan.Nothing(StepOutcome.Refused, "'" + location + "' is a symbolic link to '" + UnixFiles.ReadLink(path) + "'; it is not followed");
                case UnixFileType.Regular:
                    break;
                default:
                    return RemovalPlan.Nothing(StepOutcome.Failed, "'" + location + "' is not a regular file");
            }

            if (status.Links > 1)
            {
                return RemovalPlan.Nothing(StepOutcome.Failed, "'" + location + "' has " + status.Links.ToString(CultureInfo.InvariantCulture) + " hard links; rewriting it would separate them");
            }

            string? refused = GuardRails?.RefuseFile(path);
            if (refused is not null)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, refused);
            }

            byte[] content = File.ReadAllBytes(path);
            string wanted = entry.TrimEnd('\r', '\n');
            List<(int Start, int Length)> lines = Lines(content);
            var removed = new List<int>();
            for (int i = 0; i < lines.Count; i++)
            {
                if (string.Equals(Text(content, lines[i]), wanted, StringComparison.Ordinal))
                {
                    removed.Add(i);
                }
            }

            if (removed.Count == 0)
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "no line of '" + location + "' is '" + wanted + "'");
            }

            var item = new BackupItem
            {
                Type = BackupItem.LinesType,
                Path = path,
                Content = content,
                RemovedLines = removed,
                AfterSha256 = Sha256(Without(content, removed)),
                Mode = status.Mode,
                Uid = status.Uid,
                Gid = status.Gid,
            };
            string which = removed.Count == 1
                ? "line " + (removed[0] + 1).ToString(CultureInfo.InvariantCulture)
                : "lines " + string.Join(", ", removed.ConvertAll(i => (i + 1).ToString(CultureInfo.InvariantCulture)));
            return RemovalPlan.Remove(which + " of '" + location + "': " + wanted, new List<BackupItem> { item });
        }

        private RemovalPlan PlanWholeFile(string location, string path)
        {
            UnixFileStatus status = UnixFiles.Status(path);
            if (status.Type == UnixFileType.Missing)
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "'" + location + "' does not exist");
            }

            string? refused = GuardRails?.RefuseFile(path);
            if (refused is not null)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, refused);
            }

            BackupItem? item = Backup(path, status);
            if (item is null)
            {
                return RemovalPlan.Nothing(StepOutcome.Failed, "'" + location + "' is neither a regular file nor a link");
            }

            return RemovalPlan.Remove("the file '" + location + "' (" + item.Content?.Length.ToString(CultureInfo.InvariantCulture) + " bytes)", new List<BackupItem> { item });
        }

        private RemovalPlan PlanUnit(string location, string path)
        {
            UnixFileStatus status = UnixFiles.Status(path);
            string unitName = Path.GetFileName(location);
            var items = new List<BackupItem>();
            foreach (string link in EnablingLinks(path, unitName))
            {
                items.Add(new BackupItem { Type = BackupItem.LinkType, Path = link, LinkTarget = UnixFiles.ReadLink(link) });
            }

            // A unit file that is a link to a unit the guard rails protect (an alias of the system's ssh.service)
            // is that unit: removing it would stop and disable it.
            if (status.Type == UnixFileType.Link && LinkTarget(path) is string aliased && GuardRails?.RefuseFile(aliased) is string protectedUnit)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, "'" + location + "' is a link to '" + UnixFiles.ReadLink(path) + "': " + protectedUnit);
            }

            if (status.Type != UnixFileType.Missing)
            {
                BackupItem? unit = Backup(path, status);
                if (unit is null)
                {
                    return RemovalPlan.Nothing(StepOutcome.Failed, "'" + location + "' is neither a regular file nor a link");
                }

                items.Add(unit);
            }

            if (items.Count == 0)
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "neither the unit '" + location + "' nor a link enabling it exists");
            }

            foreach (BackupItem item in items)
            {
                string? refused = GuardRails?.RefuseFile(item.Path);
                if (refused is not null)
                {
                    return RemovalPlan.Nothing(StepOutcome.Refused, refused);
                }
            }

            int links = items.Count - (status.Type == UnixFileType.Missing ? 0 : 1);
            string what = (status.Type == UnixFileType.Missing ? "no unit file ('" + location + "' is gone)" : "the unit file '" + location + "'")
                + " and " + links.ToString(CultureInfo.InvariantCulture) + " link(s) enabling it";
            return RemovalPlan.Remove(what, items);
        }

        /// <summary>Links named like the unit, or pointing at a file of its name, in the link folders beside it (and /etc's for units of the system's own folders).</summary>
        private List<string> EnablingLinks(string unitPath, string unitName)
        {
            var folders = new List<string> { Path.GetDirectoryName(unitPath)! };
            string etc = Physical("/etc/systemd/system");
            if (!IsUserUnitPath(unitPath) && !string.Equals(folders[0], etc, StringComparison.Ordinal))
            {
                folders.Add(etc);
            }

            var links = new List<string>();
            foreach (string folder in folders)
            {
                if (UnixFiles.Status(folder).Type != UnixFileType.Directory)
                {
                    continue;
                }

                var candidates = new List<string>();
                foreach (string sub in Directory.GetDirectories(folder))
                {
                    string name = Path.GetFileName(sub);
                    if (Array.Exists(s_unitLinkFolders, suffix => name.EndsWith(suffix, StringComparison.Ordinal)) && UnixFiles.Status(sub).Type == UnixFileType.Directory)
                    {
                        candidates.AddRange(Directory.GetFileSystemEntries(sub));
                    }
                }

                // Aliases: links beside the unit pointing at it.
                candidates.AddRange(Directory.GetFileSystemEntries(folder));
                candidates.Sort(StringComparer.Ordinal);
                foreach (string candidate in candidates)
                {
                    if (string.Equals(candidate, unitPath, StringComparison.Ordinal) || UnixFiles.Status(candidate).Type != UnixFileType.Link)
                    {
                        continue;
                    }

                    // Only links that lead to this unit file: a link of the same name to another file
                    // (multi-user.target.wants/ssh.service -> /lib/systemd/system/ssh.service) enables
                    // another unit, which evidence naming a missing /etc/systemd/system/ssh.service must not reach.
                    if (string.Equals(LinkTarget(candidate), unitPath, StringComparison.Ordinal))
                    {
                        links.Add(candidate);
                    }
                }
            }

            return links;
        }

        /// <summary>Where the link at <paramref name="physical"/> leads, as a path under <see cref="Root"/> (folder links resolved as <see cref="Physical"/> does); null when that cannot be told.</summary>
        private string? LinkTarget(string physical)
        {
            string logicalLink = Root == "/" ? physical : physical.Substring(Root.Length);
            string target = UnixFiles.ReadLink(physical);
            string logical = Normalize(target.StartsWith("/", StringComparison.Ordinal) ? target : Path.GetDirectoryName(logicalLink) + "/" + target);
            if (logical == "/")
            {
                return null;
            }

            try
            {
                return Physical(logical);
            }
            catch (IOException)
            {
                return null;
            }
        }

        internal override void BeforeRemove(PersistenceArtifact artifact)
        {
            if (artifact.Kind == PersistenceKind.SystemdUnit)
            {
                StopUnit(artifact.Location, Path.GetFileName(artifact.Location));
            }
        }

        private void StopUnit(string location, string unitName)
        {
            Func<string[], (int Exit, string Output)>? systemctl = Systemctl ?? RealSystemctl();
            if (systemctl is not null && !IsUserUnit(location))
            {
                systemctl(new[] { "stop", unitName });
            }
        }

        private Func<string[], (int Exit, string Output)>? RealSystemctl()
        {
            if (Root != "/" || !Directory.Exists("/run/systemd/system"))
            {
                return null;
            }

            string? tool = File.Exists("/usr/bin/systemctl") ? "/usr/bin/systemctl" : File.Exists("/bin/systemctl") ? "/bin/systemctl" : null;
            if (tool is null)
            {
                return null;
            }

            return arguments =>
            {
                var start = new ProcessStartInfo(tool, "\"" + string.Join("\" \"", arguments) + "\"") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };

                using (Process process = Process.Start(start)!)
                {
                    string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                    if (!process.WaitForExit(30_000))
                    {
                        process.Kill();
                        return (-1, "timed out after 30 s");
                    }

                    return (process.ExitCode, output);
                }
            };
        }

        private static bool IsUserUnit(string location) => location.IndexOf("/.config/systemd/user/", StringComparison.Ordinal) >= 0 || location.StartsWith("/etc/systemd/user/", StringComparison.Ordinal);

        private bool IsUserUnitPath(string physical) => physical.IndexOf("/.config/systemd/user/", StringComparison.Ordinal) >= 0;

        private static BackupItem? Backup(string path, UnixFileStatus status)
        {
            if (status.Type == UnixFileType.Link)
            {
                return new BackupItem { Type = BackupItem.LinkType, Path = path, LinkTarget = UnixFiles.ReadLink(path) };
            }

            if (status.Type != UnixFileType.Regular)
            {
                return null;
            }

            return new BackupItem { Type = BackupItem.FileType, Path = path, Content = File.ReadAllBytes(path), Mode = status.Mode, Uid = status.Uid, Gid = status.Gid };
        }

        /// <summary>
        /// Lines: the file as it was when nothing else changed it; otherwise the one removed line put back
        /// between the same neighbours, when they meet at exactly one place; otherwise a conflict.
        /// </summary>
        private static UndoStep PlanLinesUndo(BackupItem item, UnixFileStatus status)
        {
            byte[] original = item.Content!;
            if (status.Type == UnixFileType.Missing)
            {
                return UndoStep.Refuse("'" + item.Path + "' was deleted after the remediation; putting the old file back would bring back more than the line");
            }

            if (status.Type != UnixFileType.Regular)
            {
                return UndoStep.Refuse("'" + item.Path + "' is no longer a regular file");
            }

            byte[] current = File.ReadAllBytes(item.Path);
            if (Same(current, original))
            {
                return UndoStep.AsItWas;
            }

            int mode = item.Mode ?? status.Mode;
            uint uid = item.Uid ?? status.Uid;
            uint gid = item.Gid ?? status.Gid;
            if (string.Equals(Sha256(current), item.AfterSha256, StringComparison.Ordinal))
            {
                return UndoStep.Restore(() => UnixFiles.WriteFile(item.Path, original, mode, uid, gid, mustNotExist: false));
            }

            List<int> removed = item.RemovedLines!;
            if (removed.Count != 1)
            {
                return UndoStep.Refuse("'" + item.Path + "' changed after the remediation, and " + removed.Count.ToString(CultureInfo.InvariantCulture) + " lines were removed from it; they cannot be put back at certain places");
            }

            List<(int Start, int Length)> before = Lines(original);
            int index = removed[0];
            byte[] line = Slice(original, before[index]);
            byte[]? previous = index > 0 ? Slice(original, before[index - 1]) : null;
            byte[]? next = index + 1 < before.Count ? Slice(original, before[index + 1]) : null;
            List<(int Start, int Length)> now = Lines(current);
            var places = new List<int>();
            for (int k = 0; k <= now.Count; k++)
            {
                bool previousMatches = previous is null ? k == 0 : k > 0 && Same(Slice(current, now[k - 1]), previous);
                bool nextMatches = next is null ? k == now.Count : k < now.Count && Same(Slice(current, now[k]), next);
                if (previousMatches && nextMatches)
                {
                    places.Add(k);
                }
            }

            string lineText = Text(original, before[index]);
            foreach ((int Start, int Length) l in now)
            {
                if (string.Equals(Text(current, l), lineText, StringComparison.Ordinal))
                {
                    return UndoStep.Refuse("'" + item.Path + "' has the line '" + lineText + "' again");
                }
            }

            if (places.Count != 1)
            {
                return UndoStep.Refuse("'" + item.Path + "' changed after the remediation and the lines around the removed one "
                    + (places.Count == 0 ? "are no longer next to each other" : "meet at " + places.Count.ToString(CultureInfo.InvariantCulture) + " places")
                    + ", so the line '" + lineText + "' cannot be put back exactly");
            }

            int at = places[0] == now.Count ? current.Length : now[places[0]].Start;
            byte[] merged = new byte[current.Length + line.Length];
            Buffer.BlockCopy(current, 0, merged, 0, at);
            Buffer.BlockCopy(line, 0, merged, at, line.Length);
            Buffer.BlockCopy(current, at, merged, at + line.Length, current.Length - at);
            byte[] expected = current;
            return UndoStep.Restore(() =>
            {
                if (!Same(File.ReadAllBytes(item.Path), expected))
                {
                    throw new IOException("'" + item.Path + "' changed while the line was being put back");
                }

                UnixFiles.WriteFile(item.Path, merged, status.Mode, status.Uid, status.Gid, mustNotExist: false);
            });
        }

        private string? CheckLocation(string location)
        {
            if (location.Length < 2 || location[0] != '/' || location.IndexOf('\0') >= 0)
            {
                return "'" + location + "' is not an absolute path";
            }

            foreach (string part in location.Substring(1).Split('/'))
            {
                if (part.Length == 0 || part == "." || part == "..")
                {
                    return "'" + location + "' is not a plain absolute path (empty, '.' or '..' parts)";
                }
            }

            return null;
        }

        /// <summary>Where <paramref name="location"/> is under <see cref="Root"/>, with links in the folders on the way followed only while they stay under it; the last part is never followed.</summary>
        internal string Physical(string location)
        {
            string folder = ResolveFolder(Path.GetDirectoryName(location)!.Replace('\\', '/'), 0);
            return Under(folder == "/" ? "/" + Path.GetFileName(location) : folder + "/" + Path.GetFileName(location));
        }

        private string Under(string logical) => Root == "/" ? logical : Root + logical;

        private string ResolveFolder(string logical, int depth)
        {
            string current = string.Empty;
            foreach (string part in logical.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = current + "/" + part;
                string physical = Under(candidate);
                UnixFileStatus status = UnixFiles.Status(physical);
                if (status.Type != UnixFileType.Link)
                {
                    current = candidate;
                    continue;
                }

                // The system's own folder links (merged /usr) belong to root; a link another account made
                // (a user's ~/.ssh pointing into /etc) would lead a root remediation where that account points it.
                if (status.Uid != 0)
                {
                    throw new RefusedPathException("'" + candidate + "' is a link owned by uid " + status.Uid.ToString(CultureInfo.InvariantCulture)
                        + " (to '" + UnixFiles.ReadLink(physical) + "'); only root's folder links are followed");
                }

                if (depth >= 16)
                {
                    throw new IOException("too many links on the way to '" + logical + "'");
                }

                string target = UnixFiles.ReadLink(physical);
                current = ResolveFolder(Normalize(target.StartsWith("/", StringComparison.Ordinal) ? target : current + "/" + target), depth + 1);
                if (current == "/")
                {
                    current = string.Empty;
                }
            }

            return current.Length == 0 ? "/" : current;
        }

        // '..' stops at the root, as it does for a process chrooted there.
        private static string Normalize(string path)
        {
            var parts = new List<string>();
            foreach (string part in path.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == ".")
                {
                    continue;
                }

                if (part == "..")
                {
                    if (parts.Count > 0)
                    {
                        parts.RemoveAt(parts.Count - 1);
                    }

                    continue;
                }

                parts.Add(part);
            }

            return "/" + string.Join("/", parts);
        }

        /// <summary>Each line's start and length, its line feed included; a last line without one is a line too.</summary>
        internal static List<(int Start, int Length)> Lines(byte[] content)
        {
            var lines = new List<(int, int)>();
            int start = 0;
            for (int i = 0; i < content.Length; i++)
            {
                if (content[i] == (byte)'\n')
                {
                    lines.Add((start, i + 1 - start));
                    start = i + 1;
                }
            }

            if (start < content.Length)
            {
                lines.Add((start, content.Length - start));
            }

            return lines;
        }

        /// <summary>A line's text without its line feed (and a carriage return before it).</summary>
        private static string Text(byte[] content, (int Start, int Length) line)
        {
            int length = line.Length;
            if (length > 0 && content[line.Start + length - 1] == (byte)'\n')
            {
                length--;
            }

            if (length > 0 && content[line.Start + length - 1] == (byte)'\r')
            {
                length--;
            }

            return Encoding.UTF8.GetString(content, line.Start, length);
        }

        internal static byte[] Without(byte[] content, List<int> removed)
        {
            List<(int Start, int Length)> lines = Lines(content);
            using (var kept = new MemoryStream(content.Length))
            {
                for (int i = 0; i < lines.Count; i++)
                {
                    if (!removed.Contains(i))
                    {
                        kept.Write(content, lines[i].Start, lines[i].Length);
                    }
                }

                return kept.ToArray();
            }
        }

        private static byte[] Slice(byte[] content, (int Start, int Length) line)
        {
            byte[] slice = new byte[line.Length];
            Buffer.BlockCopy(content, line.Start, slice, 0, line.Length);
            return slice;
        }

        private static bool Same(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static string Sha256(byte[] content)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(content);
                var text = new StringBuilder(64);
                foreach (byte b in hash)
                {
                    text.Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }

                return text.ToString();
            }
        }
    }
}

namespace BehaviorBlocking.Response
{
    /// <summary>A path a remediation must not take (a link it does not follow): the step is Refused.</summary>
    internal sealed class RefusedPathException : System.IO.IOException
    {
        public RefusedPathException(string message)
            : base(message)
        {
        }
    }
}
