using System.Collections.Generic;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// Every error id the engine reports, in one place. Ids are public contract (the
    /// <c>FullyQualifiedErrorId</c> of PowerShell error records and the word after
    /// <c>behaviorblock:</c>); each is documented in about_BehaviorBlocking_Errors, which a test checks
    /// both ways. The classes that raise an error refer to these constants.
    /// </summary>
    public static class ErrorIds
    {
        /// <summary>A record is not a JSON object or XML event, or has no EventID.</summary>
        public const string RecordMalformed = "RecordMalformed";

        /// <summary>A record is larger than the record size limit.</summary>
        public const string RecordTooLarge = "RecordTooLarge";

        /// <summary>A record repeats a key; the first value was kept and the record read.</summary>
        public const string RecordDuplicateKey = "RecordDuplicateKey";

        /// <summary>A record has no time.</summary>
        public const string EventTimeMissing = "EventTimeMissing";

        /// <summary>A file ends early or its gzip data is corrupt.</summary>
        public const string InputTruncated = "InputTruncated";

        /// <summary>A gzip member's data does not match its CRC-32; its records were read, the rest of the file too.</summary>
        public const string InputCorrupt = "InputCorrupt";

        /// <summary>A file or directory could not be opened or listed.</summary>
        public const string InputUnreadable = "InputUnreadable";

        /// <summary>A named path does not exist.</summary>
        public const string InputNotFound = "InputNotFound";

        /// <summary>The store was written by a newer version.</summary>
        public const string StoreSchemaTooNew = "StoreSchemaTooNew";

        /// <summary>The store file is not a SQLite database or holds unreadable values.</summary>
        public const string StoreCorrupt = "StoreCorrupt";

        /// <summary>The store's folder or file cannot be created or opened.</summary>
        public const string StoreAccessDenied = "StoreAccessDenied";

        /// <summary>The store is busy, locked, out of disk, or SQLite cannot be loaded.</summary>
        public const string StoreUnavailable = "StoreUnavailable";

        /// <summary>The store's tables are not those of the schema version the file claims.</summary>
        public const string StoreSchemaMismatch = "StoreSchemaMismatch";

        /// <summary>The store path names a directory, not a database file.</summary>
        public const string StorePathIsDirectory = "StorePathIsDirectory";

        /// <summary>There is no store at the given or default path (queries only; scans create it).</summary>
        public const string StoreNotFound = "StoreNotFound";

        /// <summary>No product folder can be determined.</summary>
        public const string ProductHomeUnavailable = "ProductHomeUnavailable";

        /// <summary>A detection record (JSON) is outside the contract.</summary>
        public const string DetectionRecordInvalid = "DetectionRecordInvalid";

        /// <summary>No detection with the given id is in the store (<c>block --detection</c>).</summary>
        public const string DetectionNotFound = "DetectionNotFound";

        /// <summary>A labels file does not have the expected columns.</summary>
        public const string LabelsInvalid = "LabelsInvalid";

        /// <summary>A rule file was skipped (unsupported, malformed or past a limit); the other rules load.</summary>
        public const string RuleSkipped = "RuleSkipped";

        /// <summary>A rule pack cannot be installed: no rule of it loads, or it is past a limit.</summary>
        public const string RulePackInvalid = "RulePackInvalid";

        /// <summary>No installed rule pack has the name asked for.</summary>
        public const string RulePackNotFound = "RulePackNotFound";

        /// <summary>An installed rule pack's files no longer hash to its record (or the record is unreadable); it is not loaded.</summary>
        public const string RulePackTampered = "RulePackTampered";

        /// <summary>No loaded rule has the id asked for (<c>Get-BehaviorRule -Id</c> without wildcards).</summary>
        public const string RuleNotFound = "RuleNotFound";

        /// <summary>A cmdlet parameter or request value is not acceptable (the message says which and why).</summary>
        public const string InvalidArgument = "InvalidArgument";

        /// <summary>The operating system refused access to a file, key or process the command needs.</summary>
        public const string AccessDenied = "AccessDenied";

        /// <summary>The operation does not exist on this operating system.</summary>
        public const string PlatformNotSupported = "PlatformNotSupported";

        /// <summary>A failure the engine did not classify: a defect, or the host failing; the message and inner exception say what.</summary>
        public const string UnexpectedError = "UnexpectedError";

        /// <summary>A rule was disabled for the rest of a run: its regular expression kept timing out; the other rules run.</summary>
        public const string RuleDisabled = "RuleDisabled";

        /// <summary>The ONNX Runtime native library is missing or cannot be loaded.</summary>
        public const string ModelRuntimeUnavailable = "ModelRuntimeUnavailable";

        /// <summary>The model is refused, fails a run, or is not a supported classifier.</summary>
        public const string ModelInvalid = "ModelInvalid";

        /// <summary>A run switched the classifier off after it failed again and again; the rest of the run used rules alone.</summary>
        public const string ModelDisabled = "ModelDisabled";

        /// <summary>No model at the given or default path.</summary>
        public const string ModelNotFound = "ModelNotFound";

        /// <summary>A validated model could not be copied into the product folder.</summary>
        public const string ModelInstallFailed = "ModelInstallFailed";

        /// <summary>A policy document is refused: not JSON, or outside the schema (the message names file, line, column and JSON path).</summary>
        public const string PolicyFileInvalid = "PolicyFileInvalid";

        /// <summary>No policy file at the given path.</summary>
        public const string PolicyFileNotFound = "PolicyFileNotFound";

        /// <summary>A policy file could not be opened or read.</summary>
        public const string PolicyFileUnreadable = "PolicyFileUnreadable";

        /// <summary>A valid policy could not be written into the product folder; the policy in force is unchanged.</summary>
        public const string PolicyInstallFailed = "PolicyInstallFailed";

        /// <summary>Switching the policy to Block needs a confirmation the host cannot ask for (non-interactive) and -Force was not given.</summary>
        public const string PolicyBlockNotConfirmed = "PolicyBlockNotConfirmed";

        /// <summary>The policy in force has no exclusion at the index given.</summary>
        public const string PolicyExclusionNotFound = "PolicyExclusionNotFound";

        /// <summary>The policy file changed between working out an edit and installing it; nothing was changed.</summary>
        public const string PolicyChangedDuringEdit = "PolicyChangedDuringEdit";
        /// <summary>No quarantine entry has the given id.</summary>
        public const string QuarantineEntryNotFound = "QuarantineEntryNotFound";

        /// <summary>A quarantine entry's header or content does not check out (magic, header checksum, length or SHA-256); nothing was written.</summary>
        public const string QuarantineEntryCorrupt = "QuarantineEntryCorrupt";

        /// <summary>A file already exists where a quarantined file would be restored; it is never overwritten.</summary>
        public const string QuarantineRestoreTargetExists = "QuarantineRestoreTargetExists";

        /// <summary>The quarantine entry was already restored.</summary>
        public const string QuarantineAlreadyRestored = "QuarantineAlreadyRestored";

        /// <summary>A guard rail refused to quarantine (or restore over) a file.</summary>
        public const string QuarantineRefused = "QuarantineRefused";

        /// <summary>The file to quarantine does not exist.</summary>
        public const string QuarantineSourceNotFound = "QuarantineSourceNotFound";

        /// <summary>The path to quarantine is not a regular file (a symbolic link, directory, device or FIFO).</summary>
        public const string QuarantineSourceNotRegularFile = "QuarantineSourceNotRegularFile";

        /// <summary>The file changed (content, or the file the path names) while it was being quarantined; it was left in place.</summary>
        public const string QuarantineSourceChanged = "QuarantineSourceChanged";

        /// <summary>The file is larger than the quarantine's size limit.</summary>
        public const string QuarantineFileTooLarge = "QuarantineFileTooLarge";

        /// <summary>The quarantine folder or a file in it could not be created, written or read.</summary>
        public const string QuarantineUnavailable = "QuarantineUnavailable";

        /// <summary>An indicator is invalid (not a 64-hex SHA-256, not an absolute path, an expiry not in the future, a value past a limit).</summary>
        public const string IndicatorInvalid = "IndicatorInvalid";

        /// <summary>No indicator has the given id.</summary>
        public const string IndicatorNotFound = "IndicatorNotFound";

        /// <summary>An indicator feed was rejected as a whole: a bad entry (file and line named), a duplicate, or past a size limit.</summary>
        public const string IndicatorFeedInvalid = "IndicatorFeedInvalid";
        /// <summary>No remediation with the given id is recorded in the store.</summary>
        public const string RemediationNotFound = "RemediationNotFound";

        /// <summary>A remediation cannot be undone: what it removed, or the file it changed, was changed since.</summary>
        public const string RemediationUndoConflict = "RemediationUndoConflict";

        /// <summary>A remediation was already undone.</summary>
        public const string RemediationAlreadyUndone = "RemediationAlreadyUndone";

        /// <summary>A remediation's kind cannot be undone on this platform (a Windows remediation on Linux, or the reverse).</summary>
        public const string RemediationNotSupported = "RemediationNotSupported";

        /// <summary>Undoing a remediation failed while putting something back (access denied, I/O error); what was put back is named.</summary>
        public const string RemediationUndoFailed = "RemediationUndoFailed";

        /// <summary>A remediation's stored backup cannot be read.</summary>
        public const string RemediationBackupInvalid = "RemediationBackupInvalid";

        /// <summary>fanotify (file sensor, exec guard) needs root or CAP_SYS_ADMIN and was refused.</summary>
        public const string FanotifyRequiresPrivilege = "FanotifyRequiresPrivilege";

        /// <summary>fanotify cannot be used here: the kernel lacks a feature, or a path cannot be marked.</summary>
        public const string FanotifyUnavailable = "FanotifyUnavailable";

        /// <summary>The exec guard allowed an exec without a decision because the execution gate failed (fail open); counted, reported once.</summary>
        public const string ExecGuardFailedOpen = "ExecGuardFailedOpen";
        /// <summary>The Windows ETW sensor or the Sysmon channel reader was started on a platform other than Windows.</summary>
        public const string EtwSensorNotSupported = "EtwSensorNotSupported";

        /// <summary>The Windows ETW sensor needs an elevated (Administrator) process.</summary>
        public const string EtwSensorRequiresElevation = "EtwSensorRequiresElevation";

        /// <summary>The ETW session could not be started, or one of its providers enabled.</summary>
        public const string EtwSessionFailed = "EtwSessionFailed";

        /// <summary>Sysmon's event channel does not exist on this machine (Sysmon is not installed), or cannot be read.</summary>
        public const string SysmonChannelUnavailable = "SysmonChannelUnavailable";
        /// <summary>Installing, removing or querying the service needs root (Linux) or an elevated administrator (Windows).</summary>
        public const string ServiceRequiresElevation = "ServiceRequiresElevation";

        /// <summary>The service definition was refused: the unit failed <c>systemd-analyze verify</c>, or a value cannot be written into it.</summary>
        public const string ServiceDefinitionInvalid = "ServiceDefinitionInvalid";

        /// <summary>The service manager (systemctl, the Windows service control manager) refused or failed a request.</summary>
        public const string ServiceManagerFailed = "ServiceManagerFailed";

        /// <summary>The executable the service is to run does not exist or is not an absolute path.</summary>
        public const string ServiceExecutableNotFound = "ServiceExecutableNotFound";

        /// <summary>This platform has no supported service manager (neither systemd tools nor Windows).</summary>
        public const string ServiceNotSupported = "ServiceNotSupported";
        /// <summary>A monitor has no live sensor to run on this machine: none exists for this platform in this build, or the one there cannot start (the message names the sensor and why).</summary>
        public const string MonitorNoSensor = "MonitorNoSensor";

        /// <summary>A monitor's live sensors need a privilege the process does not have (root on Linux, an elevated administrator on Windows).</summary>
        public const string MonitorRequiresElevation = "MonitorRequiresElevation";

        /// <summary>A live source of a running monitor failed (threw out of its loop); the others go on, and the session's health names it.</summary>
        public const string MonitorSourceFailed = "MonitorSourceFailed";

        /// <summary>A monitor's consumer failed unexpectedly: the session ended (state Failed) and its store row says Failed.</summary>
        public const string MonitorFailed = "MonitorFailed";

        /// <summary>A live monitor already runs in this PowerShell process (<c>Start-BehaviorMonitor</c>); one at a time.</summary>
        public const string MonitorAlreadyRunning = "MonitorAlreadyRunning";

        /// <summary>No monitor of this PowerShell process has the id given (<c>Stop-BehaviorMonitor</c>, <c>Get-BehaviorMonitor</c>).</summary>
        public const string MonitorNotFound = "MonitorNotFound";

        /// <summary>A monitor's observer (the front end showing detections and health) threw; the monitor goes on.</summary>
        public const string MonitorObserverFailed = "MonitorObserverFailed";
        /// <summary>The Linux process sensor was started without root (CAP_NET_ADMIN for the process connector, CAP_SYS_PTRACE for /proc).</summary>
        public const string ProcessSensorRequiresNetAdmin = "ProcessSensorRequiresNetAdmin";

        /// <summary>A Linux sensor could not open its kernel interface (a netlink socket call failed for another reason than privilege).</summary>
        public const string LinuxSensorUnavailable = "LinuxSensorUnavailable";

        /// <summary>A Linux sensor was started on another operating system.</summary>
        public const string LinuxSensorNotSupported = "LinuxSensorNotSupported";

        /// <summary>A live sensor lost events before it could read them (the kernel's buffer overflowed); reported once, counted by the sensor.</summary>
        public const string SensorEventsLost = "SensorEventsLost";

        /// <summary>A warning: the Linux process sensor runs without the kernel audit subsystem (another audit daemon owns it, its configuration is locked, or setting it up failed); short-lived processes lose their command line.</summary>
        public const string LinuxAuditUnavailable = "LinuxAuditUnavailable";

        /// <summary>A block did not come out as asked: a step of it failed, was refused or is not supported here (<c>Invoke-BehaviorBlock</c>).</summary>
        public const string BlockNotCompleted = "BlockNotCompleted";

        /// <summary>Every id with its failure kind.</summary>
        public static IReadOnlyList<KeyValuePair<string, FailureKind>> All { get; } = new[]
        {
            Entry(RecordMalformed, FailureKind.InvalidData),
            Entry(MonitorNoSensor, FailureKind.NotSupported),
            Entry(MonitorRequiresElevation, FailureKind.AccessDenied),
            Entry(MonitorSourceFailed, FailureKind.Unavailable),
            Entry(MonitorFailed, FailureKind.Unavailable),
            Entry(MonitorAlreadyRunning, FailureKind.InvalidData),
            Entry(MonitorNotFound, FailureKind.NotFound),
            Entry(MonitorObserverFailed, FailureKind.Unavailable),
            Entry(RecordTooLarge, FailureKind.InvalidData),
            Entry(RecordDuplicateKey, FailureKind.InvalidData),
            Entry(EventTimeMissing, FailureKind.InvalidData),
            Entry(InputTruncated, FailureKind.InvalidData),
            Entry(InputCorrupt, FailureKind.InvalidData),
            Entry(InputUnreadable, FailureKind.InvalidData),
            Entry(InputNotFound, FailureKind.NotFound),
            Entry(StoreSchemaTooNew, FailureKind.InvalidData),
            Entry(StoreCorrupt, FailureKind.InvalidData),
            Entry(StoreAccessDenied, FailureKind.AccessDenied),
            Entry(StoreUnavailable, FailureKind.Unavailable),
            Entry(StoreSchemaMismatch, FailureKind.InvalidData),
            Entry(StorePathIsDirectory, FailureKind.InvalidData),
            Entry(StoreNotFound, FailureKind.NotFound),
            Entry(ProductHomeUnavailable, FailureKind.Unavailable),
            Entry(DetectionRecordInvalid, FailureKind.InvalidData),
            Entry(DetectionNotFound, FailureKind.NotFound),
            Entry(LabelsInvalid, FailureKind.InvalidData),
            Entry(RuleSkipped, FailureKind.InvalidData),
            Entry(RuleDisabled, FailureKind.InvalidData),
            Entry(RuleNotFound, FailureKind.NotFound),
            Entry(RulePackInvalid, FailureKind.InvalidData),
            Entry(RulePackNotFound, FailureKind.NotFound),
            Entry(RulePackTampered, FailureKind.InvalidData),
            Entry(InvalidArgument, FailureKind.InvalidData),
            Entry(AccessDenied, FailureKind.AccessDenied),
            Entry(PlatformNotSupported, FailureKind.NotSupported),
            Entry(UnexpectedError, FailureKind.Internal),
            Entry(ModelRuntimeUnavailable, FailureKind.Unavailable),
            Entry(ModelInvalid, FailureKind.InvalidData),
            Entry(ModelDisabled, FailureKind.Unavailable),
            Entry(ModelNotFound, FailureKind.NotFound),
            Entry(ModelInstallFailed, FailureKind.AccessDenied),
            Entry(PolicyFileInvalid, FailureKind.InvalidData),
            Entry(PolicyFileNotFound, FailureKind.NotFound),
            Entry(PolicyFileUnreadable, FailureKind.InvalidData),
            Entry(PolicyInstallFailed, FailureKind.AccessDenied),
            Entry(PolicyBlockNotConfirmed, FailureKind.AccessDenied),
            Entry(PolicyExclusionNotFound, FailureKind.NotFound),
            Entry(PolicyChangedDuringEdit, FailureKind.Unavailable),
            Entry(QuarantineEntryNotFound, FailureKind.NotFound),
            Entry(QuarantineEntryCorrupt, FailureKind.InvalidData),
            Entry(QuarantineRestoreTargetExists, FailureKind.InvalidData),
            Entry(QuarantineAlreadyRestored, FailureKind.InvalidData),
            Entry(QuarantineRefused, FailureKind.AccessDenied),
            Entry(QuarantineSourceNotFound, FailureKind.NotFound),
            Entry(QuarantineSourceNotRegularFile, FailureKind.InvalidData),
            Entry(QuarantineSourceChanged, FailureKind.InvalidData),
            Entry(QuarantineFileTooLarge, FailureKind.InvalidData),
            Entry(QuarantineUnavailable, FailureKind.Unavailable),
            Entry(IndicatorInvalid, FailureKind.InvalidData),
            Entry(IndicatorNotFound, FailureKind.NotFound),
            Entry(IndicatorFeedInvalid, FailureKind.InvalidData),
            Entry(RemediationNotFound, FailureKind.NotFound),
            Entry(RemediationUndoConflict, FailureKind.InvalidData),
            Entry(RemediationAlreadyUndone, FailureKind.InvalidData),
            Entry(RemediationNotSupported, FailureKind.NotSupported),
            Entry(RemediationUndoFailed, FailureKind.AccessDenied),
            Entry(RemediationBackupInvalid, FailureKind.InvalidData),
            Entry(FanotifyRequiresPrivilege, FailureKind.AccessDenied),
            Entry(FanotifyUnavailable, FailureKind.Unavailable),
            Entry(ExecGuardFailedOpen, FailureKind.Internal),
            Entry(EtwSensorNotSupported, FailureKind.NotSupported),
            Entry(EtwSensorRequiresElevation, FailureKind.AccessDenied),
            Entry(EtwSessionFailed, FailureKind.Unavailable),
            Entry(SysmonChannelUnavailable, FailureKind.NotFound),
            Entry(ServiceRequiresElevation, FailureKind.AccessDenied),
            Entry(ServiceDefinitionInvalid, FailureKind.InvalidData),
            Entry(ServiceManagerFailed, FailureKind.Unavailable),
            Entry(ServiceExecutableNotFound, FailureKind.NotFound),
            Entry(ServiceNotSupported, FailureKind.NotSupported),
            Entry(ProcessSensorRequiresNetAdmin, FailureKind.AccessDenied),
            Entry(LinuxSensorUnavailable, FailureKind.Unavailable),
            Entry(LinuxSensorNotSupported, FailureKind.NotSupported),
            Entry(SensorEventsLost, FailureKind.Unavailable),
            Entry(LinuxAuditUnavailable, FailureKind.Unavailable),
            Entry(BlockNotCompleted, FailureKind.Unavailable),
        };

        private static KeyValuePair<string, FailureKind> Entry(string id, FailureKind kind) => new KeyValuePair<string, FailureKind>(id, kind);
    }
}
