using System;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Internal
{
    /// <summary>
    /// advapi32: the Windows service control manager and the few registry calls the service installer needs (the
    /// service's environment block and its Event Log source). Windows only; compile-checked on Linux.
    /// </summary>
    internal static class ServiceControlNative
    {
        internal const uint ScManagerConnect = 0x0001;
        internal const uint ScManagerCreateService = 0x0002;
        internal const uint ServiceQueryConfig = 0x0001;
        internal const uint ServiceChangeConfig = 0x0002;
        internal const uint ServiceQueryStatus = 0x0004;
        internal const uint ServiceStart = 0x0010;
        internal const uint ServiceStop = 0x0020;
        internal const uint Delete = 0x00010000;

        internal const uint ServiceWin32OwnProcess = 0x00000010;
        internal const uint ServiceAutoStart = 0x00000002;
        internal const uint ServiceErrorNormal = 0x00000001;
        internal const uint ServiceNoChange = 0xFFFFFFFF;

        internal const uint ServiceConfigDescription = 1;
        internal const uint ServiceConfigFailureActions = 2;
        internal const uint ServiceConfigFailureActionsFlag = 4;

        internal const int ScActionRestart = 1;
        internal const uint ServiceControlStop = 0x00000001;
        internal const int ScStatusProcessInfo = 0;

        internal const uint ServiceStopped = 1;
        internal const uint ServiceStartPending = 2;
        internal const uint ServiceStopPending = 3;
        internal const uint ServiceRunning = 4;
        internal const uint ServiceContinuePending = 5;
        internal const uint ServicePausePending = 6;
        internal const uint ServicePaused = 7;

        internal const int ErrorAccessDenied = 5;
        internal const int ErrorServiceDoesNotExist = 1060;
        internal const int ErrorServiceNotActive = 1062;
        internal const int ErrorServiceExists = 1073;
        internal const int ErrorServiceMarkedForDelete = 1072;

        internal static readonly IntPtr HkeyLocalMachine = new IntPtr(unchecked((int)0x80000002));
        internal const uint KeyWrite = 0x20006;
        internal const uint RegExpandSz = 2;
        internal const uint RegDword = 4;
        internal const uint RegMultiSz = 7;

        [StructLayout(LayoutKind.Sequential)]
        internal struct ServiceStatusProcess
        {
            public uint ServiceType;
            public uint CurrentState;
            public uint ControlsAccepted;
            public uint Win32ExitCode;
            public uint ServiceSpecificExitCode;
            public uint CheckPoint;
            public uint WaitHint;
            public uint ProcessId;
            public uint ServiceFlags;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct ServiceStatusBasic
        {
            public uint ServiceType;
            public uint CurrentState;
            public uint ControlsAccepted;
            public uint Win32ExitCode;
            public uint ServiceSpecificExitCode;
            public uint CheckPoint;
            public uint WaitHint;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        internal struct ServiceDescription
        {
            public string Description;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct ScAction
        {
            public int Type;
            public uint Delay;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        internal struct ServiceFailureActions
        {
            public uint ResetPeriod;
            public string? RebootMessage;
            public string? Command;
            public uint ActionCount;
            public IntPtr Actions;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct ServiceFailureActionsFlag
        {
            public int FailureActionsOnNonCrashFailures;
        }

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "OpenSCManagerW")]
        internal static extern IntPtr OpenSCManager(string? machineName, string? databaseName, uint desiredAccess);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "CreateServiceW")]
        internal static extern IntPtr CreateService(IntPtr manager, string serviceName, string displayName, uint desiredAccess, uint serviceType,
            uint startType, uint errorControl, string binaryPathName, string? loadOrderGroup, IntPtr tagId, string? dependencies,
            string? serviceStartName, string? password);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "OpenServiceW")]
        internal static extern IntPtr OpenService(IntPtr manager, string serviceName, uint desiredAccess);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "ChangeServiceConfigW")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool ChangeServiceConfig(IntPtr service, uint serviceType, uint startType, uint errorControl, string binaryPathName,
            string? loadOrderGroup, IntPtr tagId, string? dependencies, string? serviceStartName, string? password, string displayName);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "ChangeServiceConfig2W")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool ChangeServiceConfig2(IntPtr service, uint infoLevel, ref ServiceDescription info);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "ChangeServiceConfig2W")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool ChangeServiceConfig2(IntPtr service, uint infoLevel, ref ServiceFailureActions info);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "ChangeServiceConfig2W")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool ChangeServiceConfig2(IntPtr service, uint infoLevel, ref ServiceFailureActionsFlag info);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "StartServiceW")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool StartService(IntPtr service, uint argumentCount, IntPtr arguments);

        [DllImport("advapi32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool ControlService(IntPtr service, uint control, out ServiceStatusBasic status);

        [DllImport("advapi32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool QueryServiceStatusEx(IntPtr service, int infoLevel, out ServiceStatusProcess buffer, int bufferSize, out int bytesNeeded);

        [DllImport("advapi32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool DeleteService(IntPtr service);

        [DllImport("advapi32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool CloseServiceHandle(IntPtr handle);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, EntryPoint = "RegCreateKeyExW")]
        internal static extern int RegCreateKeyEx(IntPtr key, string subKey, uint reserved, string? className, uint options, uint desired,
            IntPtr securityAttributes, out IntPtr result, out uint disposition);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, EntryPoint = "RegSetValueExW")]
        internal static extern int RegSetValueEx(IntPtr key, string valueName, uint reserved, uint type, byte[] data, int dataLength);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, EntryPoint = "RegDeleteTreeW")]
        internal static extern int RegDeleteTree(IntPtr key, string subKey);

        [DllImport("advapi32.dll")]
        internal static extern int RegCloseKey(IntPtr key);
    }
}
