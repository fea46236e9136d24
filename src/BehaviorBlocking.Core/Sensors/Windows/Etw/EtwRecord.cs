using System;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>What an <see cref="EtwRecord"/> reports; each kind fills the fields its doc names.</summary>
    internal enum EtwRecordKind
    {
        /// <summary>Kernel Process/Start: ProcessId, ParentProcessId, SessionId, Image (kernel path), CommandLine, UserSid.</summary>
        ProcessStart,

        /// <summary>Kernel Process/DCStart (running when the session started): as <see cref="ProcessStart"/>, no event is written.</summary>
        ProcessRundown,

        /// <summary>Kernel Process/Stop: ProcessId, ExitCode.</summary>
        ProcessStop,

        /// <summary>Kernel Image/Load: ProcessId, Path (kernel path of the image).</summary>
        ImageLoad,

        /// <summary>Kernel FileIO/Create (the request): ProcessId, IrpPtr, FileObject, Path, CreateDisposition, CreateOptions.</summary>
        FileCreate,

        /// <summary>Kernel FileIO/OperationEnd for a create the sensor kept: IrpPtr, Information (IO_STATUS_BLOCK.Information), Status (NTSTATUS).</summary>
        FileOperationEnd,

        /// <summary>Kernel FileIO/Name, FileCreate or FileRundown: FileKey (or FileObject) to Path.</summary>
        FileName,

        /// <summary>Kernel FileIO/Write: ProcessId, FileObject, FileKey, Path (when TraceEvent resolved it).</summary>
        FileWrite,

        /// <summary>Kernel FileIO/Delete (delete disposition set): ProcessId, FileObject, FileKey, Path.</summary>
        FileDelete,

        /// <summary>Kernel FileIO/Rename: ProcessId, FileObject, FileKey, Path (the old name), NewPath when known.</summary>
        FileRename,

        /// <summary>Kernel Registry/KCBCreate or KCBRundown: KeyHandle to Path (full key name).</summary>
        RegistryKeyName,

        /// <summary>Kernel Registry/Create: ProcessId, KeyHandle, Path (key name, relative to KeyHandle when it is not 0), Status.</summary>
        RegistryCreateKey,

        /// <summary>Kernel Registry/Delete: ProcessId, KeyHandle, Path, Status.</summary>
        RegistryDeleteKey,

        /// <summary>Kernel Registry/SetValue: ProcessId, KeyHandle, Path, ValueName, Status.</summary>
        RegistrySetValue,

        /// <summary>Kernel Registry/DeleteValue: ProcessId, KeyHandle, Path, ValueName, Status.</summary>
        RegistryDeleteValue,

        /// <summary>Kernel TcpIp/Connect (v4 or v6): ProcessId, SourceIp/Port (local), DestinationIp/Port (remote).</summary>
        TcpConnect,

        /// <summary>Kernel TcpIp/Accept (v4 or v6): ProcessId, SourceIp/Port (local), DestinationIp/Port (remote).</summary>
        TcpAccept,

        /// <summary>Microsoft-Windows-PowerShell 4104: ProcessId, ScriptBlockId, MessageNumber, MessageTotal, Text (this part), Path.</summary>
        ScriptBlockPart,

        /// <summary>Microsoft-Windows-DNS-Client 3008: ProcessId, QueryName, QueryResults, Status.</summary>
        DnsQuery,
    }

    /// <summary>
    /// One ETW event as the sensor's callback copied it: a kind and the few fields it needs, no TraceEvent
    /// types. Immutable; everything else (names, guids, state, Sysmon's schema) is <see cref="EtwRecordNormalizer"/>'s work.
    /// </summary>
    internal sealed class EtwRecord
    {
        /// <summary>What the record reports.</summary>
        public EtwRecordKind Kind { get; init; }

        /// <summary>The event's timestamp, UTC.</summary>
        public DateTimeOffset Time { get; init; }

        /// <summary>The acting process.</summary>
        public int ProcessId { get; init; }

        /// <summary>Parent process (process events).</summary>
        public int ParentProcessId { get; init; }

        /// <summary>Terminal Services session (process events).</summary>
        public int SessionId { get; init; }

        /// <summary>Process exit code (stop).</summary>
        public int ExitCode { get; init; }

        /// <summary>Kernel image path of a process, e.g. <c>\Device\HarddiskVolume3\Windows\System32\cmd.exe</c>, or its file name alone.</summary>
        public string? Image { get; init; }

        /// <summary>Process command line.</summary>
        public string? CommandLine { get; init; }

        /// <summary>Process token user, as an <c>S-1-…</c> string.</summary>
        public string? UserSid { get; init; }

        /// <summary>File, image or registry key path, DNS-free; the script file of a script block.</summary>
        public string? Path { get; init; }

        /// <summary>New name of a rename, when the source reported it.</summary>
        public string? NewPath { get; init; }

        /// <summary>Registry value name.</summary>
        public string? ValueName { get; init; }

        /// <summary>Kernel FILE_OBJECT address.</summary>
        public ulong FileObject { get; init; }

        /// <summary>Kernel file key (the file's stream context, shared by its handles).</summary>
        public ulong FileKey { get; init; }

        /// <summary>Kernel IRP address: pairs a file create with its operation end.</summary>
        public ulong IrpPtr { get; init; }

        /// <summary>Kernel registry KCB address the key name is relative to (0: the name is absolute).</summary>
        public ulong KeyHandle { get; init; }

        /// <summary>NT create disposition (FILE_SUPERSEDE 0 … FILE_OVERWRITE_IF 5).</summary>
        public int CreateDisposition { get; init; }

        /// <summary>NT create options (FILE_DIRECTORY_FILE 0x1 …).</summary>
        public int CreateOptions { get; init; }

        /// <summary>IO_STATUS_BLOCK.Information of a create: FILE_SUPERSEDED 0, FILE_OPENED 1, FILE_CREATED 2, FILE_OVERWRITTEN 3.</summary>
        public ulong Information { get; init; }

        /// <summary>NTSTATUS (file, registry) or DNS status (0 success).</summary>
        public int Status { get; init; }

        /// <summary>Local address.</summary>
        public string? SourceIp { get; init; }

        /// <summary>Local port.</summary>
        public int SourcePort { get; init; }

        /// <summary>Remote address.</summary>
        public string? DestinationIp { get; init; }

        /// <summary>Remote port.</summary>
        public int DestinationPort { get; init; }

        /// <summary>True for IPv6 connections.</summary>
        public bool IsIpv6 { get; init; }

        /// <summary>Script block id (PowerShell's guid text).</summary>
        public string? ScriptBlockId { get; init; }

        /// <summary>1-based part number of a script block.</summary>
        public int MessageNumber { get; init; }

        /// <summary>Parts of the script block.</summary>
        public int MessageTotal { get; init; }

        /// <summary>Script block text of this part.</summary>
        public string? Text { get; init; }

        /// <summary>DNS name queried.</summary>
        public string? QueryName { get; init; }

        /// <summary>DNS answers as the DNS client wrote them.</summary>
        public string? QueryResults { get; init; }
    }
}
