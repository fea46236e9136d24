namespace BehaviorBlocking.Store
{
    /// <summary>How far a recorded scan got.</summary>
    public enum ScanStatus
    {
        /// <summary>The scan started and has not ended; a scan that was killed stays in this state.</summary>
        Running = 0,

        /// <summary>The scan read everything it was given.</summary>
        Completed,

        /// <summary>The scan was stopped before it read everything; what it read was reported and stored.</summary>
        Cancelled,

        /// <summary>The scan ended with an error.</summary>
        Failed,
    }
}
