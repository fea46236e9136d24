namespace BehaviorBlocking.Events
{
    /// <summary>The normalized kind of a behavior event, independent of the sensor that saw it.</summary>
    public enum EventKind
    {
        /// <summary>An event the normalizer keeps but does not interpret.</summary>
        Other = 0,

        /// <summary>A process started.</summary>
        ProcessStart,

        /// <summary>A process exited.</summary>
        ProcessExit,

        /// <summary>A process opened a handle to another process.</summary>
        ProcessAccess,

        /// <summary>A process created a thread in another process.</summary>
        RemoteThread,

        /// <summary>A process image was changed in memory (hollowing, herpaderping).</summary>
        ProcessTampering,

        /// <summary>A module (DLL) was loaded into a process.</summary>
        ImageLoad,

        /// <summary>A kernel driver was loaded.</summary>
        DriverLoad,

        /// <summary>A file was created or overwritten.</summary>
        FileCreate,

        /// <summary>A file's content, timestamps or alternate streams changed.</summary>
        FileModify,

        /// <summary>A file was deleted (or its deletion was archived or blocked).</summary>
        FileDelete,

        /// <summary>A file was renamed or moved.</summary>
        FileRename,

        /// <summary>A volume or disk was read directly, bypassing the file system.</summary>
        RawDiskAccess,

        /// <summary>A registry key was created.</summary>
        RegistryCreate,

        /// <summary>A registry value was set.</summary>
        RegistrySet,

        /// <summary>A registry key or value was deleted.</summary>
        RegistryDelete,

        /// <summary>A registry key or value was renamed.</summary>
        RegistryRename,

        /// <summary>A network connection was made or accepted.</summary>
        NetworkConnect,

        /// <summary>A DNS name was looked up.</summary>
        DnsQuery,

        /// <summary>A named pipe was created.</summary>
        PipeCreate,

        /// <summary>A client connected to a named pipe.</summary>
        PipeConnect,

        /// <summary>A WMI event filter, consumer or binding was registered.</summary>
        WmiSubscription,

        /// <summary>A service was installed.</summary>
        ServiceInstall,

        /// <summary>A scheduled task was created, changed or deleted.</summary>
        ScheduledTask,

        /// <summary>An account logged on successfully.</summary>
        Logon,

        /// <summary>A logon attempt failed.</summary>
        LogonFailed,

        /// <summary>A logon used explicitly supplied credentials (runas, pass-the-hash tooling).</summary>
        ExplicitCredentialLogon,

        /// <summary>Special privileges were assigned to a new logon.</summary>
        PrivilegedLogon,

        /// <summary>A Kerberos ticket was requested or failed.</summary>
        KerberosTicket,

        /// <summary>A user account was created, enabled, changed or deleted.</summary>
        AccountChange,

        /// <summary>A member was added to or removed from a security group.</summary>
        GroupMembershipChange,

        /// <summary>A network share was accessed, created or changed.</summary>
        ShareAccess,

        /// <summary>A directory-service or security object was accessed or changed.</summary>
        ObjectAccess,

        /// <summary>An event log was cleared.</summary>
        LogCleared,

        /// <summary>A PowerShell script block was compiled (PowerShell 4104).</summary>
        ScriptBlock,

        /// <summary>PowerShell pipeline or module execution was logged (4103, 800).</summary>
        PowerShellPipeline,

        /// <summary>The PowerShell engine or a provider started or stopped (400, 403, 600).</summary>
        PowerShellEngine,

        /// <summary>The clipboard content changed.</summary>
        ClipboardChange,

        /// <summary>The sensor itself changed state, was reconfigured or reported an error.</summary>
        SensorState,

        /// <summary>
        /// An execution was refused before it ran (Linux fanotify pre-execution blocking): the acting process
        /// tried to execute <see cref="BehaviorEvent.TargetPath"/> and the sensor denied it.
        /// </summary>
        ExecutionDenied,
    }
}
