using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>Settings of an <see cref="EtwRecordNormalizer"/>.</summary>
    internal sealed class EtwRecordNormalizerOptions
    {
        /// <summary>Host name written in every record.</summary>
        public string Computer { get; init; } = string.Empty;

        /// <summary>Identifies this boot of this machine (process guids are derived from it).</summary>
        public string BootKey { get; init; } = string.Empty;

        /// <summary>Kernel device names to drive letters (<c>\Device\HarddiskVolume3</c> → <c>C:</c>).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> DeviceMap { get; init; } = Array.Empty<KeyValuePair<string, string>>();

        /// <summary>What <c>\SystemRoot</c> stands for (<c>C:\Windows</c>), or null.</summary>
        public string? SystemRoot { get; init; }

        /// <summary>SID (<c>S-1-…</c>) to <c>DOMAIN\user</c>, or null when it has no name; null: SIDs are written as they are.</summary>
        public Func<string, string?>? ResolveAccount { get; init; }

        /// <summary>SHA-256 (hex) of an executable by path, or null; null: process events carry no hash.</summary>
        public Func<string, string?>? HashImage { get; init; }

        /// <summary>Processes remembered (image, command line, user, guid by pid).</summary>
        public int MaxProcesses { get; init; } = 16384;

        /// <summary>File and registry key names remembered by kernel object, and file creates awaiting their outcome.</summary>
        public int MaxNames { get; init; } = 32768;

        /// <summary>Script blocks being reassembled at once.</summary>
        public int MaxPendingScriptBlocks { get; init; } = 256;

        /// <summary>Parts one script block may have (PowerShell splits at about 32 K characters).</summary>
        public int MaxScriptBlockParts { get; init; } = 4096;
    }

    /// <summary>
    /// Maps <see cref="EtwRecord"/>s to <see cref="EventRecord"/>s in Sysmon's schema on
    /// <see cref="WindowsEtwEvents.Channel"/> (and PowerShell's 4104 on its own channel), which
    /// <see cref="WindowsEventNormalizer"/> turns into <see cref="BehaviorEvent"/>s. Keeps the state ETW
    /// leaves to its consumer, each part bounded: processes by pid (guid, image, command line, user, parent),
    /// file names by file object and key, registry key names by KCB, creates awaiting their outcome,
    /// script blocks being reassembled. One consumer thread; not thread-safe.
    /// </summary>
    internal sealed class EtwRecordNormalizer
    {
        private const int FileDirectoryFile = 0x1;
        private const ulong FileSuperseded = 0;
        private const ulong FileCreated = 2;
        private const ulong FileOverwritten = 3;

        private readonly EtwRecordNormalizerOptions _options;
        private readonly BoundedMap<int, ProcessState> _processes;
        private readonly BoundedMap<ulong, string> _fileObjects;
        private readonly BoundedMap<ulong, string> _fileKeys;
        private readonly BoundedMap<ulong, string> _reportedWrites;
        private readonly BoundedMap<ulong, PendingCreate> _pendingCreates;
        private readonly BoundedMap<ulong, string> _keys;
        private readonly BoundedMap<string, ScriptBlockParts> _scriptBlocks;
        private readonly BoundedMap<string, string> _accounts;
        private long _sequence;

        public EtwRecordNormalizer(EtwRecordNormalizerOptions? options = null)
        {
            _options = options ?? new EtwRecordNormalizerOptions();
            _processes = new BoundedMap<int, ProcessState>(_options.MaxProcesses);
            _fileObjects = new BoundedMap<ulong, string>(_options.MaxNames);
            _fileKeys = new BoundedMap<ulong, string>(_options.MaxNames);
            _reportedWrites = new BoundedMap<ulong, string>(_options.MaxNames);
            _pendingCreates = new BoundedMap<ulong, PendingCreate>(_options.MaxNames);
            _keys = new BoundedMap<ulong, string>(_options.MaxNames);
            _scriptBlocks = new BoundedMap<string, ScriptBlockParts>(_options.MaxPendingScriptBlocks);
            _accounts = new BoundedMap<string, string>(4096);
        }

        /// <summary>Processes remembered now.</summary>
        public int ProcessCount => _processes.Count;

        /// <summary>Script blocks dropped before all their parts arrived (evicted, or too many parts).</summary>
        public long IncompleteScriptBlocks { get; private set; }

        /// <summary>Records that named something the sensor could not resolve (a file with no name), skipped.</summary>
        public long Unresolved { get; private set; }

        /// <summary>Maps one record; appends the events it makes (none, one or, rarely, more) to <paramref name="output"/>.</summary>
        public void Normalize(EtwRecord record, List<EventRecord> output)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            switch (record.Kind)
            {
                case EtwRecordKind.ProcessStart:
                    output.Add(ProcessStart(record));
                    break;
                case EtwRecordKind.ProcessRundown:
                    Remember(record, record.Time.ToFileTime(), rundown: true);
                    break;
                case EtwRecordKind.ProcessStop:
                    output.Add(ProcessStop(record));
                    break;
                case EtwRecordKind.ImageLoad:
                    ImageLoad(record, output);
                    break;
                case EtwRecordKind.FileCreate:
                    FileCreateRequest(record);
                    break;
                case EtwRecordKind.FileOperationEnd:
                    FileCreateOutcome(record, output);
                    break;
                case EtwRecordKind.FileName:
                    if (!string.IsNullOrEmpty(record.Path))
                    {
                        string name = FilePath(record.Path!);
                        if (record.FileKey != 0)
                        {
                            _fileKeys.Set(record.FileKey, name);
                        }

                        if (record.FileObject != 0)
                        {
                            _fileObjects.Set(record.FileObject, name);
                        }
                    }

                    break;
                case EtwRecordKind.FileWrite:
                    FileWrite(record, output);
                    break;
                case EtwRecordKind.FileDelete:
                    FileEvent(record, WindowsEtwEvents.FileDelete, output);
                    break;
                case EtwRecordKind.FileRename:
                    FileRename(record, output);
                    break;
                case EtwRecordKind.RegistryKeyName:
                    if (record.KeyHandle != 0 && !string.IsNullOrEmpty(record.Path))
                    {
                        _keys.Set(record.KeyHandle, record.Path!);
                    }

                    break;
                case EtwRecordKind.RegistryCreateKey:
                    Registry(record, WindowsEtwEvents.RegistryAddOrDelete, "CreateKey", withValue: false, output);
                    break;
                case EtwRecordKind.RegistryDeleteKey:
                    Registry(record, WindowsEtwEvents.RegistryAddOrDelete, "DeleteKey", withValue: false, output);
                    break;
                case EtwRecordKind.RegistrySetValue:
                    Registry(record, WindowsEtwEvents.RegistryValueSet, "SetValue", withValue: true, output);
                    break;
                case EtwRecordKind.RegistryDeleteValue:
                    Registry(record, WindowsEtwEvents.RegistryAddOrDelete, "DeleteValue", withValue: true, output);
                    break;
                case EtwRecordKind.TcpConnect:
                    output.Add(Network(record, initiated: true));
                    break;
                case EtwRecordKind.TcpAccept:
                    output.Add(Network(record, initiated: false));
                    break;
                case EtwRecordKind.ScriptBlockPart:
                    ScriptBlock(record, output);
                    break;
                case EtwRecordKind.DnsQuery:
                    output.Add(Dns(record));
                    break;
            }
        }

        private EventRecord ProcessStart(EtwRecord record)
        {
            ProcessState process = Remember(record, record.Time.ToFileTime(), rundown: false);
            _processes.TryGetValue(record.ParentProcessId, out ProcessState? parent);
            var fields = Begin(record, process);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.CommandLine, process.CommandLine);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.TerminalSessionId, record.SessionId.ToString(CultureInfo.InvariantCulture));
            if (process.Image is string image && _options.HashImage is Func<string, string?> hash && hash(image) is string sha256)
            {
                SysmonFields.AddIfKnown(fields, WindowsEtwEvents.Hashes, "SHA256=" + sha256);
            }

            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ParentProcessGuid, Braced(parent?.Guid ?? UnknownGuid(record.ParentProcessId)));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ParentProcessId, record.ParentProcessId.ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ParentImage, parent?.Image);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ParentCommandLine, parent?.CommandLine);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ParentUser, parent?.User);
            return Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.ProcessCreate, record.Time, fields);
        }

        private ProcessState Remember(EtwRecord record, long startFileTime, bool rundown)
        {
            string? image = string.IsNullOrEmpty(record.Image) ? null : FilePath(record.Image!);
            var process = new ProcessState(
                WindowsProcessGuid.For(_options.BootKey, record.ProcessId, startFileTime),
                image,
                record.CommandLine,
                Account(record.UserSid),
                record.ParentProcessId,
                rundown);
            _processes.Set(record.ProcessId, process);
            return process;
        }

        private EventRecord ProcessStop(EtwRecord record)
        {
            ProcessState process = Actor(record.ProcessId);
            _processes.Remove(record.ProcessId);
            var fields = Begin(record, process);
            return Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.ProcessTerminate, record.Time, fields);
        }

        private void ImageLoad(EtwRecord record, List<EventRecord> output)
        {
            if (string.IsNullOrEmpty(record.Path))
            {
                Unresolved++;
                return;
            }

            string loaded = FilePath(record.Path!);
            ProcessState process = Actor(record.ProcessId);

            // The process event may carry only the image's file name; its first executable image is the full path.
            if (process.Image is null || (process.Image.IndexOf('\\') < 0
                && string.Equals(process.Image, EtwPaths.FileName(loaded), StringComparison.OrdinalIgnoreCase)))
            {
                if (loaded.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
                {
                    process.Image = loaded;
                }
            }

            var fields = Begin(record, process);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ImageLoaded, loaded);
            output.Add(Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.ImageLoad, record.Time, fields));
        }

        private void FileCreateRequest(EtwRecord record)
        {
            if ((record.CreateOptions & FileDirectoryFile) != 0 || string.IsNullOrEmpty(record.Path))
            {
                return;
            }

            string path = FilePath(record.Path!);
            if (record.FileObject != 0)
            {
                _fileObjects.Set(record.FileObject, path);
            }

            // FILE_OPEN (1) never creates; the others may, and the operation's end says whether they did.
            if (record.CreateDisposition != 1 && record.IrpPtr != 0)
            {
                _pendingCreates.Set(record.IrpPtr, new PendingCreate(record.ProcessId, record.FileObject, path));
            }
        }

        private void FileCreateOutcome(EtwRecord record, List<EventRecord> output)
        {
            if (!_pendingCreates.Take(record.IrpPtr, out PendingCreate create))
            {
                return;
            }

            bool succeeded = record.Status >= 0;
            bool created = record.Information == FileCreated || record.Information == FileSuperseded || record.Information == FileOverwritten;
            if (!succeeded || !created)
            {
                return;
            }

            if (create.FileObject != 0)
            {
                _reportedWrites.Set(create.FileObject, create.Path);
            }

            ProcessState process = Actor(create.ProcessId);
            var fields = Begin(record, process, create.ProcessId);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.TargetFilename, create.Path);
            SysmonFields.AddIfKnown(fields, "CreationUtcTime", SysmonFields.UtcTimeText(record.Time));
            output.Add(Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.FileCreate, record.Time, fields));
        }

        private void FileWrite(EtwRecord record, List<EventRecord> output)
        {
            // One event per handle: the first write through a file object not created (and reported) just before.
            if (record.FileObject != 0 && _reportedWrites.TryGetValue(record.FileObject, out _))
            {
                return;
            }

            string? path = ResolveFile(record);
            if (path is null)
            {
                Unresolved++;
                return;
            }

            if (record.FileObject != 0)
            {
                _reportedWrites.Set(record.FileObject, path);
            }

            ProcessState process = Actor(record.ProcessId);
            var fields = Begin(record, process);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.TargetFilename, path);
            output.Add(Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.FileCreate, record.Time, fields));
        }

        private void FileEvent(EtwRecord record, int eventId, List<EventRecord> output)
        {
            string? path = ResolveFile(record);
            if (path is null)
            {
                Unresolved++;
                return;
            }

            ProcessState process = Actor(record.ProcessId);
            var fields = Begin(record, process);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.TargetFilename, path);
            output.Add(Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, eventId, record.Time, fields));
        }

        private void FileRename(EtwRecord record, List<EventRecord> output)
        {
            string? path = ResolveFile(record);
            if (path is null)
            {
                Unresolved++;
                return;
            }

            string? newPath = string.IsNullOrEmpty(record.NewPath) ? null : FilePath(record.NewPath!);
            ProcessState process = Actor(record.ProcessId);
            var fields = Begin(record, process);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.SourceFilename, path);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.TargetFilename, newPath);
            if (newPath is not null)
            {
                if (record.FileKey != 0)
                {
                    _fileKeys.Set(record.FileKey, newPath);
                }

                if (record.FileObject != 0)
                {
                    _fileObjects.Set(record.FileObject, newPath);
                }
            }

            output.Add(Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.FileRename, record.Time, fields));
        }

        private string? ResolveFile(EtwRecord record)
        {
            if (!string.IsNullOrEmpty(record.Path))
            {
                return FilePath(record.Path!);
            }

            if (record.FileKey != 0 && _fileKeys.TryGetValue(record.FileKey, out string? byKey))
            {
                return byKey;
            }

            if (record.FileObject != 0 && _fileObjects.TryGetValue(record.FileObject, out string? byObject))
            {
                return byObject;
            }

            return null;
        }

        private void Registry(EtwRecord record, int eventId, string eventType, bool withValue, List<EventRecord> output)
        {
            // A failed operation changed nothing.
            if (record.Status != 0)
            {
                return;
            }

            string key = record.Path ?? string.Empty;
            if (!key.StartsWith(@"\REGISTRY\", StringComparison.OrdinalIgnoreCase) && record.KeyHandle != 0)
            {
                if (_keys.TryGetValue(record.KeyHandle, out string? baseKey))
                {
                    key = EtwPaths.CombineKey(baseKey, key);
                }
                else if (key.Length == 0)
                {
                    Unresolved++;
                    return;
                }
            }

            if (key.Length == 0)
            {
                Unresolved++;
                return;
            }

            string target = EtwPaths.Registry(key);
            if (withValue)
            {
                target = target.TrimEnd('\\') + "\\" + (string.IsNullOrEmpty(record.ValueName) ? "(Default)" : record.ValueName);
            }

            ProcessState process = Actor(record.ProcessId);
            var fields = Begin(record, process, eventType: eventType);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.TargetObject, target);
            output.Add(Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, eventId, record.Time, fields));
        }

        private EventRecord Network(EtwRecord record, bool initiated)
        {
            ProcessState process = Actor(record.ProcessId);
            var fields = Begin(record, process);
            string v6 = record.IsIpv6 ? "true" : "false";
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.Protocol, "tcp");
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.Initiated, initiated ? "true" : "false");
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.SourceIsIpv6, v6);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.SourceIp, record.SourceIp);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.SourcePort, record.SourcePort.ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.DestinationIsIpv6, v6);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.DestinationIp, record.DestinationIp);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.DestinationPort, record.DestinationPort.ToString(CultureInfo.InvariantCulture));
            return Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.NetworkConnect, record.Time, fields);
        }

        private void ScriptBlock(EtwRecord record, List<EventRecord> output)
        {
            int total = record.MessageTotal;
            string text;
            if (total <= 1)
            {
                text = record.Text ?? string.Empty;
            }
            else
            {
                if (total > _options.MaxScriptBlockParts || record.MessageNumber < 1 || record.MessageNumber > total)
                {
                    IncompleteScriptBlocks++;
                    return;
                }

                string id = record.ProcessId.ToString(CultureInfo.InvariantCulture) + "/" + (record.ScriptBlockId ?? string.Empty);
                if (!_scriptBlocks.TryGetValue(id, out ScriptBlockParts? parts) || parts.Total != total)
                {
                    long before = _scriptBlocks.Evicted;
                    parts = new ScriptBlockParts(total);
                    _scriptBlocks.Set(id, parts);
                    IncompleteScriptBlocks += _scriptBlocks.Evicted - before;
                }

                parts.Add(record.MessageNumber, record.Text ?? string.Empty);
                if (!parts.Complete)
                {
                    return;
                }

                _scriptBlocks.Remove(id);
                text = parts.Join();
            }

            ProcessState process = Actor(record.ProcessId);
            var fields = new List<KeyValuePair<string, string>>(10);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.MessageNumber, "1");
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.MessageTotal, "1");
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ScriptBlockText, text);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ScriptBlockId, record.ScriptBlockId);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ScriptPath, record.Path);

            // The product's addition: the process that ran it, so the block joins its process tree.
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ProcessGuid, Braced(process.Guid));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ProcessId, record.ProcessId.ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.Image, process.Image);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.User, process.User);
            output.Add(Record(WindowsEtwEvents.PowerShellChannel, WindowsEtwEvents.PowerShellProvider, WindowsEtwEvents.ScriptBlock, record.Time, fields));
        }

        private EventRecord Dns(EtwRecord record)
        {
            ProcessState process = Actor(record.ProcessId);
            var fields = Begin(record, process);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.QueryName, record.QueryName);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.QueryStatus, record.Status.ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.QueryResults, record.QueryResults);
            return Record(WindowsEtwEvents.Channel, WindowsEtwEvents.Provider, WindowsEtwEvents.DnsQuery, record.Time, fields);
        }

        // The acting process; one never seen started (it ran before the sensor) gets a guid of its own, kept while it lives.
        private ProcessState Actor(int pid)
        {
            if (_processes.TryGetValue(pid, out ProcessState? process))
            {
                return process;
            }

            process = new ProcessState(UnknownGuid(pid), null, null, null, 0, rundown: true);
            _processes.Set(pid, process);
            return process;
        }

        private Guid UnknownGuid(int pid) =>
            _processes.TryGetValue(pid, out ProcessState? known) ? known.Guid : WindowsProcessGuid.For(_options.BootKey, pid, 0);

        private List<KeyValuePair<string, string>> Begin(EtwRecord record, ProcessState process, int? pid = null, string? eventType = null)
        {
            var fields = new List<KeyValuePair<string, string>>(16);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.EventType, eventType);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.UtcTime, SysmonFields.UtcTimeText(record.Time));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ProcessGuid, Braced(process.Guid));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.ProcessId, (pid ?? record.ProcessId).ToString(CultureInfo.InvariantCulture));
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.Image, process.Image);
            SysmonFields.AddIfKnown(fields, WindowsEtwEvents.User, process.User);
            return fields;
        }

        private EventRecord Record(string channel, string provider, int eventId, DateTimeOffset time, List<KeyValuePair<string, string>> fields) => new EventRecord
        {
            EventId = eventId,
            Channel = channel,
            Provider = provider,
            Computer = _options.Computer,
            TimeCreated = time.ToUniversalTime(),
            RecordId = ++_sequence,
            Fields = fields,
        };

        private string FilePath(string kernelPath) => EtwPaths.File(kernelPath, _options.DeviceMap, _options.SystemRoot);

        private string? Account(string? sid)
        {
            if (string.IsNullOrEmpty(sid))
            {
                return null;
            }

            if (_accounts.TryGetValue(sid!, out string? cached))
            {
                return cached;
            }

            string name = sid!;
            if (_options.ResolveAccount is Func<string, string?> resolve)
            {
                try
                {
                    name = resolve(sid!) ?? sid!;
                }
                catch (Exception ex) when (ex is SystemException)
                {
                    // An account that cannot be looked up (a deleted user, no domain controller) keeps its SID.
                }
            }

            _accounts.Set(sid!, name);
            return name;
        }

        private static string Braced(Guid guid) => guid.ToString("B", CultureInfo.InvariantCulture).ToUpperInvariant();

        private sealed class ProcessState
        {
            public ProcessState(Guid guid, string? image, string? commandLine, string? user, int parentProcessId, bool rundown)
            {
                Guid = guid;
                Image = image;
                CommandLine = commandLine;
                User = user;
                ParentProcessId = parentProcessId;
                Rundown = rundown;
            }

            public Guid Guid { get; }

            public string? Image { get; set; }

            public string? CommandLine { get; }

            public string? User { get; }

            public int ParentProcessId { get; }

            /// <summary>Seen running (rundown, or acting) rather than starting.</summary>
            public bool Rundown { get; }
        }

        private readonly struct PendingCreate
        {
            public PendingCreate(int processId, ulong fileObject, string path)
            {
                ProcessId = processId;
                FileObject = fileObject;
                Path = path;
            }

            public int ProcessId { get; }

            public ulong FileObject { get; }

            public string Path { get; }
        }

        private sealed class ScriptBlockParts
        {
            private readonly string?[] _parts;
            private int _received;

            public ScriptBlockParts(int total)
            {
                _parts = new string?[total];
            }

            public int Total => _parts.Length;

            public bool Complete => _received == _parts.Length;

            public void Add(int number, string text)
            {
                if (_parts[number - 1] is null)
                {
                    _parts[number - 1] = text;
                    _received++;
                }
            }

            public string Join()
            {
                var text = new StringBuilder();
                foreach (string? part in _parts)
                {
                    text.Append(part);
                }

                return text.ToString();
            }
        }
    }
}
