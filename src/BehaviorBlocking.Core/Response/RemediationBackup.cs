using System;
using System.Collections.Generic;
using System.Text.Json;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// Exactly what one remediation removed, as stored in the <c>remediations</c> table's backup
    /// column (JSON; byte contents as base64): each file, link, set of lines, registry value, task
    /// or service, in the order they were removed.
    /// </summary>
    internal sealed class RemediationBackup
    {
        /// <summary>Format version of the backup document.</summary>
        public int Version { get; set; } = 1;

        /// <summary>What was removed, in removal order (undo goes backwards).</summary>
        public List<BackupItem> Items { get; set; } = new List<BackupItem>();

        public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

        public static RemediationBackup Parse(byte[] bytes, Guid id)
        {
            try
            {
                RemediationBackup? backup = JsonSerializer.Deserialize<RemediationBackup>(bytes);
                if (backup is null || backup.Version != 1 || backup.Items is null || backup.Items.Count == 0)
                {
                    throw new JsonException("no items, or format version " + (backup?.Version ?? 0) + " is not 1");
                }

                foreach (BackupItem item in backup.Items)
                {
                    if (item is null || string.IsNullOrEmpty(item.Type) || string.IsNullOrEmpty(item.Path))
                    {
                        throw new JsonException("an item has no type or path");
                    }
                }

                return backup;
            }
            catch (JsonException ex)
            {
                throw new BehaviorBlockingException(ErrorIds.RemediationBackupInvalid, FailureKind.InvalidData,
                    "The backup of remediation " + id.ToString("D") + " cannot be read: " + ex.Message, ex)
                {
                    Target = id,
                };
            }
        }
    }

    /// <summary>One thing a remediation removed, with everything needed to put it back as it was.</summary>
    internal sealed class BackupItem
    {
        /// <summary>A whole regular file (content, mode, owner).</summary>
        public const string FileType = "file";

        /// <summary>A symbolic link (its target text, as <c>readlink</c> gave it).</summary>
        public const string LinkType = "link";

        /// <summary>Lines removed from a file that stayed (the whole original content, which lines, the content left).</summary>
        public const string LinesType = "lines";

        /// <summary>A Windows registry value (name, kind, data).</summary>
        public const string RegistryValueType = "registry-value";

        /// <summary>A Windows scheduled task (its XML definition).</summary>
        public const string TaskType = "task";

        /// <summary>A Windows service (its configuration and its key's values).</summary>
        public const string ServiceType = "service";

        public string Type { get; set; } = string.Empty;

        /// <summary>The path as it was changed on this machine (a file path, a registry key, a task or service name).</summary>
        public string Path { get; set; } = string.Empty;

        /// <summary>Bytes as they were: a file's whole content, a registry value's data, a task's XML.</summary>
        public byte[]? Content { get; set; }

        /// <summary>Lines: SHA-256 (hex) of the content the removal left.</summary>
        public string? AfterSha256 { get; set; }

        /// <summary>Lines: zero-based numbers of the removed lines in the original content.</summary>
        public List<int>? RemovedLines { get; set; }

        /// <summary>Unix permission bits (with set-id and sticky bits).</summary>
        public int? Mode { get; set; }

        /// <summary>Unix owner.</summary>
        public uint? Uid { get; set; }

        /// <summary>Unix group.</summary>
        public uint? Gid { get; set; }

        /// <summary>A link's target text.</summary>
        public string? LinkTarget { get; set; }

        /// <summary>A registry value's name (empty for the default value).</summary>
        public string? ValueName { get; set; }

        /// <summary>A registry value's kind (REG_SZ 1, REG_EXPAND_SZ 2, REG_BINARY 3, REG_DWORD 4, REG_MULTI_SZ 7, REG_QWORD 11).</summary>
        public int? ValueKind { get; set; }

        /// <summary>A service's configuration (binary path, start type, account...) and other named settings.</summary>
        public Dictionary<string, string>? Settings { get; set; }

        /// <summary>Registry values saved with an item (a service key's values), each with its kind and data.</summary>
        public List<BackupItem>? Values { get; set; }
    }
}
