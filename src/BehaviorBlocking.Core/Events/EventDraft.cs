namespace BehaviorBlocking.Events
{
    /// <summary>
    /// The typed part of a <see cref="BehaviorEvent"/> while a mapper fills it in. A mutable
    /// struct passed by reference, so the channel mappers share one construction site for the
    /// immutable event without allocating anything per event.
    /// </summary>
    internal struct EventDraft
    {
        public EventKind Kind;
        public string? ProcessGuid;
        public int? ProcessId;
        public string? Image;
        public string? CommandLine;
        public string? User;
        public string? ParentProcessGuid;
        public int? ParentProcessId;
        public string? ParentImage;
        public string? ParentCommandLine;
        public string? TargetProcessGuid;
        public int? TargetProcessId;
        public string? TargetImage;
        public string? TargetPath;
        public string? TargetName;
        public string? Details;
        public string? Hashes;
        public string? SourceIp;
        public int? SourcePort;
        public string? DestinationIp;
        public int? DestinationPort;
        public string? DestinationHostname;
        public string? Protocol;
        public bool? Initiated;
        public int? LogonType;
    }
}
