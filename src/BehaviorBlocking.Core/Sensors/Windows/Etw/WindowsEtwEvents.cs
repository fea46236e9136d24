namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// The shape of the Windows live sensor's telemetry: <see cref="EtwSensor"/> writes
    /// <see cref="Events.EventRecord"/>s on <see cref="Channel"/> in Sysmon's schema (its event ids and
    /// field names), so the one normalizer maps them through the Sysmon mapping, Sigma's Windows rules
    /// match them by their usual field names, and a process tree joins ETW and Sysmon-shaped events alike.
    /// PowerShell script blocks keep their own source: <c>Microsoft-Windows-PowerShell/Operational</c> 4104.
    /// Every event of the channel is a <see cref="Detections.DetectionPlatform.Win32"/> event.
    /// </summary>
    public static class WindowsEtwEvents
    {
        /// <summary>Channel of the product's ETW sensor.</summary>
        public const string Channel = "BehaviorBlocking/Windows";

        /// <summary>Provider of the product's ETW sensor.</summary>
        public const string Provider = "BehaviorBlocking-EtwSensor";

        /// <summary>Channel the reassembled script blocks are written on (the channel PowerShell itself logs them to).</summary>
        public const string PowerShellChannel = "Microsoft-Windows-PowerShell/Operational";

        /// <summary>Provider of the script block events.</summary>
        public const string PowerShellProvider = "Microsoft-Windows-PowerShell";

        /// <summary>A process started. Sysmon id 1.</summary>
        public const int ProcessCreate = 1;

        /// <summary>A process made or accepted a TCP connection. Sysmon id 3.</summary>
        public const int NetworkConnect = 3;

        /// <summary>A process exited. Sysmon id 5.</summary>
        public const int ProcessTerminate = 5;

        /// <summary>An image (DLL or executable) was mapped into a process. Sysmon id 7.</summary>
        public const int ImageLoad = 7;

        /// <summary>A file was created or overwritten, or first written through a handle. Sysmon id 11.</summary>
        public const int FileCreate = 11;

        /// <summary>A registry key was created or deleted, or a value deleted (<c>EventType</c> says which). Sysmon id 12.</summary>
        public const int RegistryAddOrDelete = 12;

        /// <summary>A registry value was set. Sysmon id 13.</summary>
        public const int RegistryValueSet = 13;

        /// <summary>A registry key was renamed. Sysmon id 14 (ETW reports no renames; kept for the schema).</summary>
        public const int RegistryRename = 14;

        /// <summary>A DNS query completed. Sysmon id 22.</summary>
        public const int DnsQuery = 22;

        /// <summary>A file was deleted. Sysmon id 23.</summary>
        public const int FileDelete = 23;

        /// <summary>A file was renamed (this product's own id, as on Linux): <c>SourceFilename</c> is the old name, <c>TargetFilename</c> the new one when known.</summary>
        public const int FileRename = 1001;

        /// <summary>A PowerShell script block, reassembled from its parts. PowerShell's id 4104 on <see cref="PowerShellChannel"/>.</summary>
        public const int ScriptBlock = 4104;

        // Field names (Sysmon's). Every event carries UtcTime, ProcessGuid, ProcessId, Image and User where known.

        /// <summary>When it happened, <c>yyyy-MM-dd HH:mm:ss.fff</c> UTC.</summary>
        public const string UtcTime = SysmonFields.UtcTime;

        /// <summary>Process guid: from the process id, its start time and the boot.</summary>
        public const string ProcessGuid = SysmonFields.ProcessGuid;

        /// <summary>Process id.</summary>
        public const string ProcessId = SysmonFields.ProcessId;

        /// <summary>Full path of the executable.</summary>
        public const string Image = SysmonFields.Image;

        /// <summary>Command line.</summary>
        public const string CommandLine = SysmonFields.CommandLine;

        /// <summary>Account, <c>DOMAIN\user</c> (the SID when it has no name).</summary>
        public const string User = SysmonFields.User;

        /// <summary>Terminal Services session id.</summary>
        public const string TerminalSessionId = "TerminalSessionId";

        /// <summary><c>SHA256=HEX</c> of the executable.</summary>
        public const string Hashes = SysmonFields.Hashes;

        /// <summary>Parent process guid.</summary>
        public const string ParentProcessGuid = SysmonFields.ParentProcessGuid;

        /// <summary>Parent process id.</summary>
        public const string ParentProcessId = SysmonFields.ParentProcessId;

        /// <summary>Parent executable.</summary>
        public const string ParentImage = SysmonFields.ParentImage;

        /// <summary>Parent command line.</summary>
        public const string ParentCommandLine = SysmonFields.ParentCommandLine;

        /// <summary>Parent's account.</summary>
        public const string ParentUser = SysmonFields.ParentUser;

        /// <summary>Loaded image (event 7).</summary>
        public const string ImageLoaded = "ImageLoaded";

        /// <summary>File acted upon (new name of a rename).</summary>
        public const string TargetFilename = SysmonFields.TargetFilename;

        /// <summary>Old name of a rename.</summary>
        public const string SourceFilename = SysmonFields.SourceFilename;

        /// <summary>Registry operation: <c>CreateKey</c>, <c>DeleteKey</c>, <c>DeleteValue</c>, <c>SetValue</c>.</summary>
        public const string EventType = "EventType";

        /// <summary>Registry key or value, <c>HKLM\...</c> / <c>HKU\...</c>.</summary>
        public const string TargetObject = "TargetObject";

        /// <summary>Value data of a set (not reported by ETW: empty).</summary>
        public const string Details = "Details";

        /// <summary><c>tcp</c>.</summary>
        public const string Protocol = SysmonFields.Protocol;

        /// <summary><c>true</c> when this host initiated the connection.</summary>
        public const string Initiated = SysmonFields.Initiated;

        /// <summary><c>true</c> for IPv6.</summary>
        public const string SourceIsIpv6 = SysmonFields.SourceIsIpv6;

        /// <summary>Local address.</summary>
        public const string SourceIp = SysmonFields.SourceIp;

        /// <summary>Local port.</summary>
        public const string SourcePort = SysmonFields.SourcePort;

        /// <summary><c>true</c> for IPv6.</summary>
        public const string DestinationIsIpv6 = SysmonFields.DestinationIsIpv6;

        /// <summary>Remote address.</summary>
        public const string DestinationIp = SysmonFields.DestinationIp;

        /// <summary>Remote port.</summary>
        public const string DestinationPort = SysmonFields.DestinationPort;

        /// <summary>DNS name queried.</summary>
        public const string QueryName = "QueryName";

        /// <summary>DNS status code (0 success).</summary>
        public const string QueryStatus = "QueryStatus";

        /// <summary>DNS answers as the DNS client reports them (<c>type: 5 name;::ffff:1.2.3.4;</c>).</summary>
        public const string QueryResults = "QueryResults";

        /// <summary>Script block text (4104).</summary>
        public const string ScriptBlockText = "ScriptBlockText";

        /// <summary>Script block id (4104).</summary>
        public const string ScriptBlockId = "ScriptBlockId";

        /// <summary>Part number of a script block (always 1 after reassembly).</summary>
        public const string MessageNumber = "MessageNumber";

        /// <summary>Part count of a script block (always 1 after reassembly).</summary>
        public const string MessageTotal = "MessageTotal";

        /// <summary>Script file a block came from (4104).</summary>
        public const string ScriptPath = "Path";
    }
}
