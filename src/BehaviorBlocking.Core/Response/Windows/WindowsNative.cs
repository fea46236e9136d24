using System;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace BehaviorBlocking.Response.Windows
{
    /// <summary>The Win32 and ntdll calls the Windows response code makes. Only called on Windows; compile-checked elsewhere.</summary>
    internal static class WindowsNative
    {
        internal const uint ProcessTerminate = 0x0001;
        internal const uint ProcessQueryInformation = 0x0400;
        internal const uint ProcessSuspendResume = 0x0800;
        internal const uint ProcessQueryLimitedInformation = 0x1000;
        internal const uint Synchronize = 0x00100000;

        internal const int ErrorAccessDenied = 5;
        internal const int ErrorInvalidParameter = 87;

        internal const uint StillActive = 259;
        internal const uint WaitObject0 = 0;

        internal const uint Th32csSnapProcess = 0x00000002;

        internal const int ProcessBreakOnTermination = 29;

        // NTSTATUS codes NtSuspendProcess and NtResumeProcess return.
        internal const int StatusAccessDenied = unchecked((int)0xC0000022);
        internal const int StatusProcessIsTerminating = unchecked((int)0xC000010A);

        internal const uint FileReadAttributes = 0x80;
        internal const uint FileShareAll = 0x7;
        internal const uint OpenExisting = 3;
        internal const uint FileFlagBackupSemantics = 0x02000000;

        [DllImport("kernel32.dll", SetLastError = true)]
        internal static extern SafeKernelHandle OpenProcess(uint desiredAccess, bool inheritHandle, int processId);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool GetProcessTimes(SafeKernelHandle process, out long creationTime, out long exitTime, out long kernelTime, out long userTime);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool GetExitCodeProcess(SafeKernelHandle process, out uint exitCode);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool TerminateProcess(SafeKernelHandle process, uint exitCode);

        [DllImport("kernel32.dll", SetLastError = true)]
        internal static extern uint WaitForSingleObject(SafeKernelHandle handle, uint milliseconds);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "QueryFullProcessImageNameW")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool QueryFullProcessImageName(SafeKernelHandle process, uint flags, StringBuilder name, ref int size);

        [DllImport("kernel32.dll", SetLastError = true)]
        internal static extern SafeKernelHandle CreateToolhelp32Snapshot(uint flags, uint processId);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "Process32FirstW")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool Process32First(SafeKernelHandle snapshot, ref ProcessEntry32 entry);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "Process32NextW")]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool Process32Next(SafeKernelHandle snapshot, ref ProcessEntry32 entry);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "CreateFileW")]
        internal static extern SafeKernelHandle CreateFile(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "GetFinalPathNameByHandleW")]
        internal static extern int GetFinalPathNameByHandle(SafeKernelHandle file, StringBuilder path, int size, uint flags);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        internal static extern bool CloseHandle(IntPtr handle);

        [DllImport("ntdll.dll")]
        internal static extern int NtSuspendProcess(SafeKernelHandle process);

        [DllImport("ntdll.dll")]
        internal static extern int NtResumeProcess(SafeKernelHandle process);

        [DllImport("ntdll.dll")]
        internal static extern int NtQueryInformationProcess(SafeKernelHandle process, int infoClass, out int info, int length, out int returnLength);

        /// <summary>PROCESSENTRY32W.</summary>
        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        internal struct ProcessEntry32
        {
            internal uint Size;
            internal uint Usage;
            internal uint ProcessId;
            internal IntPtr DefaultHeapId;
            internal uint ModuleId;
            internal uint Threads;
            internal uint ParentProcessId;
            internal int PriorityClassBase;
            internal uint Flags;

            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)]
            internal string ExeFile;
        }
    }

    /// <summary>A kernel handle (process, snapshot, file), closed exactly once; 0 and -1 are invalid.</summary>
    internal sealed class SafeKernelHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        /// <summary>Used by the marshaller.</summary>
        public SafeKernelHandle()
            : base(ownsHandle: true)
        {
        }

        protected override bool ReleaseHandle() => WindowsNative.CloseHandle(handle);
    }
}
