namespace BehaviorBlocking.Detections
{
    /// <summary>MITRE ATT&amp;CK enterprise tactics a detection is named after; Generic for the uncategorized.</summary>
    public enum Tactic
    {
        /// <summary>Uncategorized malicious behavior.</summary>
        Generic = 0,

        /// <summary>TA0001.</summary>
        InitialAccess,

        /// <summary>TA0002.</summary>
        Execution,

        /// <summary>TA0003.</summary>
        Persistence,

        /// <summary>TA0004.</summary>
        PrivilegeEscalation,

        /// <summary>TA0005.</summary>
        DefenseEvasion,

        /// <summary>TA0006.</summary>
        CredentialAccess,

        /// <summary>TA0007.</summary>
        Discovery,

        /// <summary>TA0008.</summary>
        LateralMovement,

        /// <summary>TA0009.</summary>
        Collection,

        /// <summary>TA0011.</summary>
        CommandAndControl,

        /// <summary>TA0010.</summary>
        Exfiltration,

        /// <summary>TA0040.</summary>
        Impact,
    }

    /// <summary>How urgent a detection is.</summary>
    public enum Severity
    {
        /// <summary>Worth knowing, no action expected.</summary>
        Informational = 0,

        /// <summary>Low.</summary>
        Low,

        /// <summary>Medium.</summary>
        Medium,

        /// <summary>High.</summary>
        High,

        /// <summary>Critical: act now.</summary>
        Critical,
    }

    /// <summary>What the product did about a detection.</summary>
    public enum DetectionAction
    {
        /// <summary>Recorded and alerted only (audit mode, or below the block threshold).</summary>
        Audited = 0,

        /// <summary>The process tree was stopped and the artifact contained.</summary>
        Blocked,

        /// <summary>Blocking was attempted and failed; the evidence says why.</summary>
        BlockFailed,

        /// <summary>A policy exclusion matched; recorded, nothing done.</summary>
        Excluded,
    }

    /// <summary>Platform part of a detection name.</summary>
    public enum DetectionPlatform
    {
        /// <summary>Windows.</summary>
        Win32 = 0,

        /// <summary>Linux.</summary>
        Linux,
    }

    /// <summary>What decided a verdict, the suffix of the detection name.</summary>
    public enum VerdictSource
    {
        /// <summary>The classifier produced the verdict (<c>!ml</c>).</summary>
        Model = 0,

        /// <summary>Rules alone decided (<c>!rule</c>).</summary>
        Rule,
    }
}
