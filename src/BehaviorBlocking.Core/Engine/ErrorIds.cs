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
        };

        private static KeyValuePair<string, FailureKind> Entry(string id, FailureKind kind) => new KeyValuePair<string, FailureKind>(id, kind);
    }
}
