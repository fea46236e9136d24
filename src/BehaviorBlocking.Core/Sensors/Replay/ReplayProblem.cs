namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>Something wrong with recorded input: where it is and what it is.</summary>
    public sealed class ReplayProblem
    {
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

        /// <summary>Stable id: <c>RecordMalformed</c>, <c>RecordTooLarge</c>, <c>InputUnreadable</c>, <c>InputTruncated</c>, <c>InputNotFound</c>.</summary>
        public string ErrorId { get; }

        /// <summary>What is wrong, for a person.</summary>
        public string Message { get; }

        /// <summary>True for problems that lost a whole file or the rest of one, rather than one record.</summary>
        public bool IsFileLevel => Line == 0 || ErrorId == "InputTruncated";

        /// <inheritdoc />
        public override string ToString() => Line > 0 ? $"{File}:{Line}: {ErrorId}: {Message}" : $"{File}: {ErrorId}: {Message}";
    }
}
