using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Events
{
    /// <summary>
    /// A normalized behavior event: what happened, which process did it, and to what.
    /// The sensor's original fields are kept in <see cref="Fields"/> so rules can match
    /// on any of them. Properties that do not apply to the event's kind are null.
    /// </summary>
    public sealed class BehaviorEvent
    {
        private static readonly KeyValuePair<string, string>[] s_noFields = new KeyValuePair<string, string>[0];

        // Computed once per event on first use (the same value whichever thread computes it).
        private string? _normalizedCommandLine;
        private string? _normalizedParentCommandLine;

        /// <summary>The normalized kind.</summary>
        public EventKind Kind { get; init; }

        /// <summary>Platform the event comes from (the sensor's or the recording's); names detections <c>Win32</c> or <c>Linux</c>.</summary>
        public Detections.DetectionPlatform Platform { get; init; }

        /// <summary>When it happened, UTC (the sensor's own timestamp where it has a finer one).</summary>
        public DateTimeOffset Time { get; init; }

        /// <summary>The device the event came from.</summary>
        public string Host { get; init; } = string.Empty;

        /// <summary>Source channel (Windows event log channel, or a Linux sensor name).</summary>
        public string Channel { get; init; } = string.Empty;

        /// <summary>Source provider.</summary>
        public string Provider { get; init; } = string.Empty;

        /// <summary>Source event id within the channel.</summary>
        public int EventId { get; init; }

        /// <summary>Source record id, when the source kept one.</summary>
        public long? RecordId { get; init; }

        /// <summary>Globally unique id of the acting process (Sysmon ProcessGuid), when known.</summary>
        public string? ProcessGuid { get; init; }

        /// <summary>Id of the acting process (for <see cref="EventKind.ProcessStart"/>: the new process).</summary>
        public int? ProcessId { get; init; }

        /// <summary>Full path of the acting process's executable.</summary>
        public string? Image { get; init; }

        /// <summary>Command line of the acting process.</summary>
        public string? CommandLine { get; init; }

        /// <summary>Account the acting process runs as (DOMAIN\user).</summary>
        public string? User { get; init; }

        /// <summary>Parent process guid (process start only).</summary>
        public string? ParentProcessGuid { get; init; }

        /// <summary>Parent process id (process start only).</summary>
        public int? ParentProcessId { get; init; }

        /// <summary>Parent executable path (process start only).</summary>
        public string? ParentImage { get; init; }

        /// <summary>Parent command line (process start only).</summary>
        public string? ParentCommandLine { get; init; }

        /// <summary>Process acted upon (process access, remote thread, tampering): guid.</summary>
        public string? TargetProcessGuid { get; init; }

        /// <summary>Process acted upon: id.</summary>
        public int? TargetProcessId { get; init; }

        /// <summary>Process acted upon: executable path.</summary>
        public string? TargetImage { get; init; }

        /// <summary>
        /// The object acted upon: file path, registry key or value path, loaded module,
        /// pipe name, share path, service binary, task name.
        /// </summary>
        public string? TargetPath { get; init; }

        /// <summary>
        /// A secondary name for the object: service name, account name, DNS query name,
        /// WMI filter or consumer name, share name, new name of a rename.
        /// </summary>
        public string? TargetName { get; init; }

        /// <summary>
        /// Content of the action: registry value data, script block text, pipeline text,
        /// granted access mask, WMI consumer payload, DNS answers.
        /// </summary>
        public string? Details { get; init; }

        /// <summary>Hashes of the image or file in Sysmon's <c>ALG=HEX,...</c> form.</summary>
        public string? Hashes { get; init; }

        /// <summary>Network: local or source address.</summary>
        public string? SourceIp { get; init; }

        /// <summary>Network: local or source port.</summary>
        public int? SourcePort { get; init; }

        /// <summary>Network: remote or destination address (for logons: the client address).</summary>
        public string? DestinationIp { get; init; }

        /// <summary>Network: remote or destination port.</summary>
        public int? DestinationPort { get; init; }

        /// <summary>Network: remote host name, when the sensor resolved it.</summary>
        public string? DestinationHostname { get; init; }

        /// <summary>Network: transport protocol (tcp, udp).</summary>
        public string? Protocol { get; init; }

        /// <summary>Network: true when this host initiated the connection.</summary>
        public bool? Initiated { get; init; }

        /// <summary>Logon type for logon events (2 interactive, 3 network, 10 remote interactive...).</summary>
        public int? LogonType { get; init; }

        /// <summary>The sensor's original fields, in source order.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = s_noFields;

        /// <summary>Replay only: the file the event was read from, as given on the command line.</summary>
        public string? SourceFile { get; init; }

        /// <summary>Replay only: the line in <see cref="SourceFile"/>.</summary>
        public long SourceLine { get; init; }

        /// <summary>
        /// <see cref="CommandLine"/> normalized for matching (<see cref="CommandLineNormalizer"/>), computed on
        /// first use; null when the event has no command line.
        /// </summary>
        public string? NormalizedCommandLine =>
            CommandLine is null ? null : _normalizedCommandLine ??= CommandLineNormalizer.Normalize(CommandLine, Image, Platform != Detections.DetectionPlatform.Linux);

        /// <summary><see cref="ParentCommandLine"/> normalized the same way, or null.</summary>
        public string? NormalizedParentCommandLine =>
            ParentCommandLine is null ? null : _normalizedParentCommandLine ??= CommandLineNormalizer.Normalize(ParentCommandLine, ParentImage, Platform != Detections.DetectionPlatform.Linux);

        /// <summary>Returns an original field by (case-insensitive) name, or null.</summary>
        public string? GetField(string name) => FieldList.Find(Fields, name);

        /// <inheritdoc />
        public override string ToString() =>
            $"{Time:O} {Host} {Kind} pid={ProcessId} {Image} {TargetPath}";
    }
}
