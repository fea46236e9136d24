namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>Something wrong with recorded input: where it is and what it is.</summary>
    public sealed class ReplayProblem
    {
        /// <summary>A record is not valid JSON or XML, or lacks what every event has.</summary>
        public const string RecordMalformedErrorId = Engine.ErrorIds.RecordMalformed;

        /// <summary>A record is larger than the record size limit.</summary>
        public const string RecordTooLargeErrorId = Engine.ErrorIds.RecordTooLarge;

        /// <summary>A record repeats a key: the first value was kept and the record was still read.</summary>
        public const string RecordDuplicateKeyErrorId = Engine.ErrorIds.RecordDuplicateKey;

        /// <summary>An input file could not be opened or listed.</summary>
        public const string InputUnreadableErrorId = Engine.ErrorIds.InputUnreadable;

        /// <summary>An input ends early or its compression is corrupt; records before the cut are kept.</summary>
        public const string InputTruncatedErrorId = Engine.ErrorIds.InputTruncated;

        /// <summary>A gzip member's data fails its CRC-32 check: its records were read and may be altered; reading went on.</summary>
        public const string InputCorruptErrorId = Engine.ErrorIds.InputCorrupt;

        /// <summary>A named input does not exist.</summary>
        public const string InputNotFoundErrorId = Engine.ErrorIds.InputNotFound;

        /// <summary>Creates a problem report.</summary>
        public ReplayProblem(string file, long line, string errorId, string message)
        {
            File = file;
            Line = line;
            ErrorId = errorId;
            Message = message;
        }

        /// <summary>The input file as given by the caller (or found below a given directory).</summary>
        public string File { get; }

        /// <summary>1-based line, or 0 when the problem is about the whole file.</summary>
        public long Line { get; }

        /// <summary>Stable id: <c>RecordMalformed</c>, <c>RecordTooLarge</c>, <c>RecordDuplicateKey</c>, <c>EventTimeMissing</c>, <c>InputUnreadable</c>, <c>InputTruncated</c>, <c>InputCorrupt</c>, <c>InputNotFound</c>.</summary>
        public string ErrorId { get; }

        /// <summary>What is wrong, for a person.</summary>
        public string Message { get; }

        /// <summary>True for problems about a whole file or a part of one (the rest of it lost, or a gzip member that fails its CRC), rather than one record.</summary>
        public bool IsFileLevel => Line == 0 || ErrorId == InputTruncatedErrorId;

        /// <summary>True when the record was still read (a warning about it), false when it was skipped or a file was lost.</summary>
        public bool RecordKept => ErrorId == RecordDuplicateKeyErrorId;

        /// <inheritdoc />
        public override string ToString() => Line > 0 ? $"{File}:{Line}: {ErrorId}: {Message}" : $"{File}: {ErrorId}: {Message}";
    }
}
