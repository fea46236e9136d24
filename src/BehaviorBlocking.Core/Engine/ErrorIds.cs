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

        /// <summary>The Linux process sensor was started without root (CAP_NET_ADMIN for the process connector, CAP_SYS_PTRACE for /proc).</summary>
        public const string ProcessSensorRequiresNetAdmin = "ProcessSensorRequiresNetAdmin";

        /// <summary>A Linux sensor could not open its kernel interface (a netlink socket call failed for another reason than privilege).</summary>
        public const string LinuxSensorUnavailable = "LinuxSensorUnavailable";

        /// <summary>A Linux sensor was started on another operating system.</summary>
        public const string LinuxSensorNotSupported = "LinuxSensorNotSupported";

        /// <summary>A live sensor lost events before it could read them (the kernel's buffer overflowed); reported once, counted by the sensor.</summary>
        public const string SensorEventsLost = "SensorEventsLost";

        /// <summary>Every id with its failure kind.</summary>
        public static IReadOnlyList<KeyValuePair<string, FailureKind>> All { get; } = new[]
        {
            Entry(RecordMalformed, FailureKind.InvalidData),
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
            Entry(ModelRuntimeUnavailable, FailureKind.Unavailable),
            Entry(ModelInvalid, FailureKind.InvalidData),
            Entry(ModelDisabled, FailureKind.Unavailable),
            Entry(ModelNotFound, FailureKind.NotFound),
            Entry(ModelInstallFailed, FailureKind.AccessDenied),
            Entry(PolicyFileInvalid, FailureKind.InvalidData),
            Entry(PolicyFileNotFound, FailureKind.NotFound),
            Entry(PolicyFileUnreadable, FailureKind.InvalidData),
            Entry(PolicyInstallFailed, FailureKind.AccessDenied),
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
            Entry(ProcessSensorRequiresNetAdmin, FailureKind.AccessDenied),
            Entry(LinuxSensorUnavailable, FailureKind.Unavailable),
            Entry(LinuxSensorNotSupported, FailureKind.NotSupported),
            Entry(SensorEventsLost, FailureKind.Unavailable),
        };

        private static KeyValuePair<string, FailureKind> Entry(string id, FailureKind kind) => new KeyValuePair<string, FailureKind>(id, kind);
    }
}
