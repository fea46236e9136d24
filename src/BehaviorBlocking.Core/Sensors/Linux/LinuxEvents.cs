using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// The shape of Linux telemetry: the live sensors write <see cref="Events.EventRecord"/>s on
    /// <see cref="Channel"/> in Sysmon for Linux's schema (its event ids and field names), so the one
    /// normalizer maps them, Sigma's Linux rules match them by their usual field names, and recordings
    /// of Sysmon for Linux (<see cref="SysmonForLinuxChannel"/>) replay through the same mapping.
    /// Every event of either channel is a <see cref="Detections.DetectionPlatform.Linux"/> event.
    /// </summary>
    public static class LinuxEvents
    {
        /// <summary>Channel of the product's own Linux sensors.</summary>
        public const string Channel = "BehaviorBlocking/Linux";

        /// <summary>Provider of the product's own Linux sensors.</summary>
        public const string Provider = "BehaviorBlocking-LinuxSensor";

        /// <summary>Channel Sysmon for Linux writes (syslog's <c>Linux-Sysmon/Operational</c>).</summary>
        public const string SysmonForLinuxChannel = "Linux-Sysmon/Operational";

        /// <summary>A process executed a new image (exec; a fork without exec is not an event). Sysmon id 1.</summary>
        public const int ProcessCreate = 1;

        /// <summary>A process made or accepted a network connection. Sysmon id 3.</summary>
        public const int NetworkConnect = 3;

        /// <summary>The sensor started, stopped or changed state. Sysmon id 4.</summary>
        public const int SensorState = 4;

        /// <summary>A process exited. Sysmon id 5.</summary>
        public const int ProcessTerminate = 5;

        /// <summary>A file was created, or written and closed. Sysmon id 11.</summary>
        public const int FileCreate = 11;

        /// <summary>A file was deleted. Sysmon id 23.</summary>
        public const int FileDelete = 23;

        /// <summary>A file was renamed or moved: <c>SourceFilename</c> to <c>TargetFilename</c> (this product's own id).</summary>
        public const int FileRename = 1001;

        /// <summary>An execution was refused before it ran (this product's own id): <c>TargetFilename</c> is the file, the actor is the process that tried.</summary>
        public const int ExecutionDenied = 1002;

        // Field names (Sysmon's). Every event carries UtcTime, ProcessGuid, ProcessId, Image and User where known.

        /// <summary>When it happened, <c>yyyy-MM-dd HH:mm:ss.fff</c> UTC.</summary>
        public const string UtcTime = SysmonFields.UtcTime;

        /// <summary>Process guid, see <see cref="LinuxProcessGuid"/>.</summary>
        public const string ProcessGuid = SysmonFields.ProcessGuid;

        /// <summary>Process id (the thread-group id).</summary>
        public const string ProcessId = SysmonFields.ProcessId;

        /// <summary>Full path of the executable (<c>/proc/PID/exe</c>).</summary>
        public const string Image = SysmonFields.Image;

        /// <summary>Command line, arguments joined by spaces.</summary>
        public const string CommandLine = SysmonFields.CommandLine;

        /// <summary>Working directory.</summary>
        public const string CurrentDirectory = "CurrentDirectory";

        /// <summary>Account name (numeric uid when it has no name).</summary>
        public const string User = SysmonFields.User;

        /// <summary>Numeric uid (this product's addition).</summary>
        public const string UserId = "UserId";

        /// <summary><c>SHA256=HEX</c>.</summary>
        public const string Hashes = SysmonFields.Hashes;

        /// <summary>Parent process guid.</summary>
        public const string ParentProcessGuid = SysmonFields.ParentProcessGuid;

        /// <summary>Parent process id.</summary>
        public const string ParentProcessId = SysmonFields.ParentProcessId;

        /// <summary>Parent executable.</summary>
        public const string ParentImage = SysmonFields.ParentImage;

        /// <summary>Parent command line.</summary>
        public const string ParentCommandLine = SysmonFields.ParentCommandLine;

        /// <summary>Parent's account name.</summary>
        public const string ParentUser = SysmonFields.ParentUser;

        /// <summary>File acted upon (new name of a rename).</summary>
        public const string TargetFilename = SysmonFields.TargetFilename;

        /// <summary>Old name of a rename.</summary>
        public const string SourceFilename = SysmonFields.SourceFilename;

        /// <summary><c>tcp</c> or <c>udp</c>.</summary>
        public const string Protocol = SysmonFields.Protocol;

        /// <summary><c>true</c> when this host initiated the connection.</summary>
        public const string Initiated = SysmonFields.Initiated;

        /// <summary>Local address.</summary>
        public const string SourceIp = SysmonFields.SourceIp;

        /// <summary>Local port.</summary>
        public const string SourcePort = SysmonFields.SourcePort;

        /// <summary>Remote address.</summary>
        public const string DestinationIp = SysmonFields.DestinationIp;

        /// <summary>Remote port.</summary>
        public const string DestinationPort = SysmonFields.DestinationPort;

        /// <summary>Sensor state text (event 4), or the reason of a denial (event 1002).</summary>
        public const string State = "State";
    }
}
