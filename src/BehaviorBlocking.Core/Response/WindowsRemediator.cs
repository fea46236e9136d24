using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// Removes Windows persistence with an exact backup: a Run/RunOnce value (name, kind and data), a file
    /// in a Startup folder (its bytes and attributes), a scheduled task (its XML definition, deleted and
    /// recreated with <c>schtasks</c>), a service (its configuration and its key's values; stopped and
    /// deleted through the service control manager, recreated with <c>CreateService</c>). WMI
    /// subscriptions are not removed (that needs WMI itself, which the engine does not load).
    /// </summary>
    /// <remarks>Compile-checked only: the project's machines run Linux, so this code has not run on Windows.</remarks>
    public sealed class WindowsRemediator : BackedUpRemediator
    {
        private const int MaxFileBackup = 64 * 1024 * 1024;

        /// <summary>Creates a remediator recording into <paramref name="store"/>.</summary>
        /// <param name="store">Where backups are written before anything is removed.</param>
        /// <param name="guardRails">Asked about every file (a Startup file, a service's binary) before it is removed; null asks nothing.</param>
        public WindowsRemediator(RemediationStore store, IGuardRails? guardRails)
            : base(store, guardRails)
        {
        }

        /// <inheritdoc />
        public override bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <inheritdoc />
        protected internal override bool Handles(PersistenceKind kind) =>
            kind == PersistenceKind.RunKey || kind == PersistenceKind.StartupFile || kind == PersistenceKind.ScheduledTask
            || kind == PersistenceKind.Service || kind == PersistenceKind.WmiSubscription;

        internal override RemovalPlan Plan(PersistenceArtifact artifact)
        {
            switch (artifact.Kind)
            {
                case PersistenceKind.RunKey:
                    return PlanRunValue(artifact);
                case PersistenceKind.StartupFile:
                    return PlanFile(artifact.Location);
                case PersistenceKind.ScheduledTask:
                    return PlanTask(artifact.Location);
                case PersistenceKind.Service:
                    return PlanService(artifact.Location);
                default:
                    return RemovalPlan.Nothing(StepOutcome.NotSupported,
                        "removing a WMI subscription needs WMI (System.Management), which the engine does not load; remove the filter, consumer and binding with Get-CimInstance -Namespace root/subscription ... | Remove-CimInstance");
            }
        }

        internal override void Remove(BackupItem item)
        {
            switch (item.Type)
            {
                case BackupItem.RegistryValueType:
                    using (RegistryHandle key = Registry.Open(item.Path, write: true))
                    {
                        Registry.Check(NativeMethods.RegDeleteValueW(key.Value, item.ValueName ?? string.Empty), "delete the value '" + item.ValueName + "' of", item.Path);
                    }

                    break;
                case BackupItem.FileType:
                    if (!Same(File.ReadAllBytes(item.Path), item.Content!))
                    {
                        throw new IOException("'" + item.Path + "' changed while it was being remediated; it was not removed");
                    }

                    File.SetAttributes(item.Path, FileAttributes.Normal);
                    File.Delete(item.Path);
                    break;
                case BackupItem.TaskType:
                    Schtasks("/delete /tn \"" + item.Path + "\" /f");
                    break;
                case BackupItem.ServiceType:
                    Services.Delete(item.Path);
                    break;
                default:
                    throw new IOException("a Windows remediation cannot remove a '" + item.Type + "' item");
            }
        }

        internal override UndoStep PlanUndo(BackupItem item)
        {
            switch (item.Type)
            {
                case BackupItem.RegistryValueType:
                    (int kind, byte[] data)? now = Registry.TryRead(item.Path, item.ValueName ?? string.Empty);
                    if (now is null)
                    {
                        return UndoStep.Restore(() =>
                        {
                            using (RegistryHandle key = Registry.Create(item.Path))
                            {
                                byte[] content = item.Content ?? new byte[0];
                                Registry.Check(NativeMethods.RegSetValueExW(key.Value, item.ValueName ?? string.Empty, 0, item.ValueKind ?? 1, content, content.Length), "set the value '" + item.ValueName + "' of", item.Path);
                            }
                        });
                    }

                    return now.Value.kind == item.ValueKind && Same(now.Value.data, item.Content ?? new byte[0])
                        ? UndoStep.AsItWas
                        : UndoStep.Refuse("the value '" + item.ValueName + "' of '" + item.Path + "' was set again to other data");
                case BackupItem.FileType:
                    if (!File.Exists(item.Path))
                    {
                        return UndoStep.Restore(() =>
                        {
                            using (var stream = new FileStream(item.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                            {
                                stream.Write(item.Content!, 0, item.Content!.Length);
                                stream.Flush(flushToDisk: true);
                            }

                            if (item.Mode is int attributes)
                            {
                                File.SetAttributes(item.Path, (FileAttributes)attributes);
                            }
                        });
                    }

                    return Same(File.ReadAllBytes(item.Path), item.Content!) ? UndoStep.AsItWas : UndoStep.Refuse("'" + item.Path + "' exists again with other content");
                case BackupItem.TaskType:
                    if (File.Exists(TaskFile(item.Path)))
                    {
                        return UndoStep.Refuse("a task '" + item.Path + "' exists again");
                    }

                    return UndoStep.Restore(() =>
                    {
                        string xml = Path.Combine(Path.GetTempPath(), "bb-task-" + Guid.NewGuid().ToString("N") + ".xml");
                        File.WriteAllBytes(xml, item.Content!);
                        try
                        {
                            Schtasks("/create /xml \"" + xml + "\" /tn \"" + item.Path + "\"");
                        }
                        finally
                        {
                            File.Delete(xml);
                        }
                    });
                case BackupItem.ServiceType:
                    if (Services.Exists(item.Path))
                    {
                        return UndoStep.Refuse("a service '" + item.Path + "' exists again");
                    }

                    return UndoStep.Restore(() => Services.Create(item));
                default:
                    return UndoStep.Refuse("a Windows remediation cannot put back a '" + item.Type + "' item");
            }
        }

        private RemovalPlan PlanRunValue(PersistenceArtifact artifact)
        {
            int slash = artifact.Location.LastIndexOf('\\');
            if (slash <= 0)
            {
                return RemovalPlan.Nothing(StepOutcome.Failed, "'" + artifact.Location + "' does not name a key and a value");
            }

            string key = artifact.Location.Substring(0, slash);
            string name = artifact.Location.Substring(slash + 1);
            if (string.Equals(name, "(Default)", StringComparison.OrdinalIgnoreCase))
            {
                name = string.Empty;
            }

            (int kind, byte[] data)? value = Registry.TryRead(key, name);
            if (value is null)
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "no value '" + name + "' under '" + key + "'");
            }

            string? text = value.Value.kind == 1 || value.Value.kind == 2 ? Encoding.Unicode.GetString(value.Value.data).TrimEnd('\0') : null;
            if (artifact.Entry is not null && text is not null && !string.Equals(text, artifact.Entry, StringComparison.Ordinal))
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "the value '" + name + "' under '" + key + "' now holds '" + text + "', not what the evidence names; it was left");
            }

            var item = new BackupItem { Type = BackupItem.RegistryValueType, Path = key, ValueName = name, ValueKind = value.Value.kind, Content = value.Value.data };
            return RemovalPlan.Remove("the value '" + name + "' under '" + key + "'" + (text is null ? string.Empty : " (" + text + ")"), new List<BackupItem> { item });
        }

        private RemovalPlan PlanFile(string path)
        {
            if (!File.Exists(path))
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "'" + path + "' does not exist");
            }

            string? refused = GuardRails?.RefuseFile(path);
            if (refused is not null)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, refused);
            }

            var info = new FileInfo(path);
            if ((info.Attributes & FileAttributes.ReparsePoint) != 0)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, "'" + path + "' is a link (reparse point); it is not followed");
            }

            if (info.Length > MaxFileBackup)
            {
                return RemovalPlan.Nothing(StepOutcome.Failed, "'" + path + "' is larger than " + MaxFileBackup.ToString(CultureInfo.InvariantCulture) + " bytes, more than a remediation backs up; quarantine it instead");
            }

            var item = new BackupItem { Type = BackupItem.FileType, Path = path, Content = File.ReadAllBytes(path), Mode = (int)info.Attributes };
            return RemovalPlan.Remove("the Startup file '" + path + "' (" + item.Content.Length.ToString(CultureInfo.InvariantCulture) + " bytes)", new List<BackupItem> { item });
        }

        private static RemovalPlan PlanTask(string name)
        {
            string file = TaskFile(name);
            if (!File.Exists(file))
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "no task '" + name + "' ('" + file + "' does not exist)");
            }

            // The task's file is its XML definition, as schtasks /query /xml writes it and /create /xml reads it.
            var item = new BackupItem { Type = BackupItem.TaskType, Path = name, Content = File.ReadAllBytes(file) };
            return RemovalPlan.Remove("the scheduled task '" + name + "'", new List<BackupItem> { item });
        }

        private RemovalPlan PlanService(string name)
        {
            BackupItem? item = Services.Backup(name);
            if (item is null)
            {
                return RemovalPlan.Nothing(StepOutcome.AlreadyGone, "no service '" + name + "'");
            }

            string binary = item.Settings!["BinaryPath"];
            string? refused = GuardRails?.RefuseFile(ServiceBinary(binary));
            if (refused is not null)
            {
                return RemovalPlan.Nothing(StepOutcome.Refused, refused);
            }

            return RemovalPlan.Remove("the service '" + name + "' (" + binary + ")", new List<BackupItem> { item });
        }

        private static string ServiceBinary(string commandLine)
        {
            string expanded = Environment.ExpandEnvironmentVariables(commandLine.Trim());
            if (expanded.StartsWith("\"", StringComparison.Ordinal))
            {
                int end = expanded.IndexOf('"', 1);
                return end > 0 ? expanded.Substring(1, end - 1) : expanded.Trim('"');
            }

            int exe = expanded.IndexOf(".exe", StringComparison.OrdinalIgnoreCase);
            return exe > 0 ? expanded.Substring(0, exe + 4) : expanded;
        }

        private static string TaskFile(string name) =>
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "Tasks", name.TrimStart('\\'));

        private static void Schtasks(string arguments)
        {
            var start = new ProcessStartInfo(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "schtasks.exe"), arguments)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            using (Process process = Process.Start(start)!)
            {
                string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                if (!process.WaitForExit(60_000))
                {
                    process.Kill();
                    throw new IOException("schtasks " + arguments + " did not finish within 60 s");
                }

                if (process.ExitCode != 0)
                {
                    throw new IOException("schtasks " + arguments + " failed (" + process.ExitCode.ToString(CultureInfo.InvariantCulture) + "): " + output.Trim());
                }
            }
        }

        private static bool Same(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        private sealed class RegistryHandle : IDisposable
        {
            public RegistryHandle(IntPtr value) => Value = value;

            public IntPtr Value { get; }

            public void Dispose() => NativeMethods.RegCloseKey(Value);
        }

        /// <summary>Registry access through advapi32, always in the 64-bit view (WOW6432Node paths name the 32-bit one).</summary>
        private static class Registry
        {
            private const int KeyQueryValue = 0x0001;
            private const int KeySetValue = 0x0002;
            private const int KeyCreateSubKey = 0x0004;
            private const int KeyEnumerateSubKeys = 0x0008;
            private const int KeyWow6464Key = 0x0100;

            public static RegistryHandle Open(string key, bool write)
            {
                (IntPtr hive, string subKey) = Split(key);
                int access = KeyQueryValue | (write ? KeySetValue : 0) | KeyWow6464Key;
                Check(NativeMethods.RegOpenKeyExW(hive, subKey, 0, access, out IntPtr handle), "open", key);
                return new RegistryHandle(handle);
            }

            public static RegistryHandle Create(string key)
            {
                (IntPtr hive, string subKey) = Split(key);
                Check(NativeMethods.RegCreateKeyExW(hive, subKey, 0, null, 0, KeyQueryValue | KeySetValue | KeyCreateSubKey | KeyEnumerateSubKeys | KeyWow6464Key, IntPtr.Zero, out IntPtr handle, out _), "create", key);
                return new RegistryHandle(handle);
            }

            public static (int kind, byte[] data)? TryRead(string key, string name)
            {
                (IntPtr hive, string subKey) = Split(key);
                int opened = NativeMethods.RegOpenKeyExW(hive, subKey, 0, KeyQueryValue | KeyWow6464Key, out IntPtr handle);
                if (opened == 2)
                {
                    return null;
                }

                Check(opened, "open", key);
                using (new RegistryHandle(handle))
                {
                    int size = 0;
                    int result = NativeMethods.RegQueryValueExW(handle, name, IntPtr.Zero, out int kind, null, ref size);
                    if (result == 2)
                    {
                        return null;
                    }

                    Check(result, "read the value '" + name + "' of", key);
                    byte[] data = new byte[size];
                    Check(NativeMethods.RegQueryValueExW(handle, name, IntPtr.Zero, out kind, data, ref size), "read the value '" + name + "' of", key);
                    if (size != data.Length)
                    {
                        Array.Resize(ref data, size);
                    }

                    return (kind, data);
                }
            }

            /// <summary>Every value of a key (name, kind, data).</summary>
            public static List<BackupItem> Values(string key)
            {
                var values = new List<BackupItem>();
                using (RegistryHandle handle = Open(key, write: false))
                {
                    for (int index = 0; ; index++)
                    {
                        var name = new StringBuilder(16384);
                        int nameLength = name.Capacity;
                        int size = 0;
                        int result = NativeMethods.RegEnumValueW(handle.Value, index, name, ref nameLength, IntPtr.Zero, out int kind, null, ref size);
                        if (result == 259)
                        {
                            // ERROR_NO_MORE_ITEMS
                            break;
                        }

                        Check(result, "list the values of", key);
                        byte[] data = new byte[size];
                        nameLength = name.Capacity;
                        Check(NativeMethods.RegEnumValueW(handle.Value, index, name, ref nameLength, IntPtr.Zero, out kind, data, ref size), "list the values of", key);
                        values.Add(new BackupItem { Type = BackupItem.RegistryValueType, Path = key, ValueName = name.ToString(), ValueKind = kind, Content = data });
                    }
                }

                return values;
            }

            public static void Check(int result, string what, string key)
            {
                if (result != 0)
                {
                    string message = "cannot " + what + " '" + key + "': " + new Win32Exception(result).Message;
                    throw result == 5 ? new IOException(message, new UnauthorizedAccessException(message)) : new IOException(message);
                }
            }

            private static (IntPtr, string) Split(string key)
            {
                int slash = key.IndexOf('\\');
                string hive = slash < 0 ? key : key.Substring(0, slash);
                string rest = slash < 0 ? string.Empty : key.Substring(slash + 1);
                switch (hive.ToUpperInvariant())
                {
                    case "HKLM":
                        return (new IntPtr(unchecked((int)0x80000002)), rest);
                    case "HKCU":
                        return (new IntPtr(unchecked((int)0x80000001)), rest);
                    case "HKU":
                        return (new IntPtr(unchecked((int)0x80000003)), rest);
                    default:
                        throw new IOException("'" + key + "' is not under HKLM, HKCU or HKU");
                }
            }
        }

        /// <summary>Services through the service control manager (advapi32).</summary>
        private static class Services
        {
            private const int ScManagerAllAccess = 0xF003F;
            private const int ServiceAllAccess = 0xF01FF;
            private const int ServiceControlStop = 1;
            private const int ErrorServiceDoesNotExist = 1060;
            private const string KeyPrefix = @"HKLM\SYSTEM\CurrentControlSet\Services\";

            public static bool Exists(string name)
            {
                IntPtr manager = OpenManager();
                try
                {
                    IntPtr service = NativeMethods.OpenServiceW(manager, name, 0x0001);
                    if (service == IntPtr.Zero)
                    {
                        return false;
                    }

                    NativeMethods.CloseServiceHandle(service);
                    return true;
                }
                finally
                {
                    NativeMethods.CloseServiceHandle(manager);
                }
            }

            public static BackupItem? Backup(string name)
            {
                IntPtr manager = OpenManager();
                try
                {
                    IntPtr service = NativeMethods.OpenServiceW(manager, name, ServiceAllAccess);
                    if (service == IntPtr.Zero)
                    {
                        int error = Marshal.GetLastWin32Error();
                        if (error == ErrorServiceDoesNotExist)
                        {
                            return null;
                        }

                        throw Failure("open the service", name, error);
                    }

                    try
                    {
                        NativeMethods.QueryServiceConfigW(service, IntPtr.Zero, 0, out int needed);
                        IntPtr buffer = Marshal.AllocHGlobal(needed);
                        try
                        {
                            if (!NativeMethods.QueryServiceConfigW(service, buffer, needed, out needed))
                            {
                                throw Failure("read the configuration of the service", name, Marshal.GetLastWin32Error());
                            }

                            var config = (QueryServiceConfig)Marshal.PtrToStructure(buffer, typeof(QueryServiceConfig))!;
                            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
                            {
                                ["ServiceType"] = config.ServiceType.ToString(CultureInfo.InvariantCulture),
                                ["StartType"] = config.StartType.ToString(CultureInfo.InvariantCulture),
                                ["ErrorControl"] = config.ErrorControl.ToString(CultureInfo.InvariantCulture),
                                ["BinaryPath"] = Marshal.PtrToStringUni(config.BinaryPathName) ?? string.Empty,
                                ["LoadOrderGroup"] = Marshal.PtrToStringUni(config.LoadOrderGroup) ?? string.Empty,
                                ["Dependencies"] = MultiString(config.Dependencies),
                                ["Account"] = Marshal.PtrToStringUni(config.ServiceStartName) ?? string.Empty,
                                ["DisplayName"] = Marshal.PtrToStringUni(config.DisplayName) ?? name,
                            };
                            return new BackupItem { Type = BackupItem.ServiceType, Path = name, Settings = settings, Values = Registry.Values(KeyPrefix + name) };
                        }
                        finally
                        {
                            Marshal.FreeHGlobal(buffer);
                        }
                    }
                    finally
                    {
                        NativeMethods.CloseServiceHandle(service);
                    }
                }
                finally
                {
                    NativeMethods.CloseServiceHandle(manager);
                }
            }

            public static void Delete(string name)
            {
                IntPtr manager = OpenManager();
                try
                {
                    IntPtr service = NativeMethods.OpenServiceW(manager, name, ServiceAllAccess);
                    if (service == IntPtr.Zero)
                    {
                        throw Failure("open the service", name, Marshal.GetLastWin32Error());
                    }

                    try
                    {
                        // A service that is not running refuses the stop; deleting it is what counts.
                        var status = new ServiceStatus();
                        NativeMethods.ControlService(service, ServiceControlStop, ref status);
                        if (!NativeMethods.DeleteService(service))
                        {
                            throw Failure("delete the service", name, Marshal.GetLastWin32Error());
                        }
                    }
                    finally
                    {
                        NativeMethods.CloseServiceHandle(service);
                    }
                }
                finally
                {
                    NativeMethods.CloseServiceHandle(manager);
                }
            }

            public static void Create(BackupItem item)
            {
                Dictionary<string, string> s = item.Settings!;
                IntPtr manager = OpenManager();
                try
                {
                    string account = s["Account"];
                    IntPtr service = NativeMethods.CreateServiceW(manager, item.Path, s["DisplayName"], ServiceAllAccess,
                        int.Parse(s["ServiceType"], CultureInfo.InvariantCulture), int.Parse(s["StartType"], CultureInfo.InvariantCulture),
                        int.Parse(s["ErrorControl"], CultureInfo.InvariantCulture), s["BinaryPath"], s["LoadOrderGroup"].Length == 0 ? null : s["LoadOrderGroup"],
                        IntPtr.Zero, s["Dependencies"].Length == 0 ? null : s["Dependencies"], account.Length == 0 ? null : account, null);
                    if (service == IntPtr.Zero)
                    {
                        throw Failure("create the service", item.Path + (account.Length == 0 || account.Equals("LocalSystem", StringComparison.OrdinalIgnoreCase)
                            ? string.Empty : " (it ran as '" + account + "', whose password is not kept)"), Marshal.GetLastWin32Error());
                    }

                    NativeMethods.CloseServiceHandle(service);
                }
                finally
                {
                    NativeMethods.CloseServiceHandle(manager);
                }

                // The key's other values (description, failure actions, parameters of its own) as they were.
                if (item.Values is not null)
                {
                    using (RegistryHandle key = Registry.Create(KeyPrefix + item.Path))
                    {
                        foreach (BackupItem value in item.Values)
                        {
                            byte[] data = value.Content ?? new byte[0];
                            Registry.Check(NativeMethods.RegSetValueExW(key.Value, value.ValueName ?? string.Empty, 0, value.ValueKind ?? 1, data, data.Length), "set the value '" + value.ValueName + "' of", KeyPrefix + item.Path);
                        }
                    }
                }
            }

            private static IntPtr OpenManager()
            {
                IntPtr manager = NativeMethods.OpenSCManagerW(null, null, ScManagerAllAccess);
                if (manager == IntPtr.Zero)
                {
                    throw Failure("open", "the service control manager", Marshal.GetLastWin32Error());
                }

                return manager;
            }

            // Dependencies come as a list of strings each ended by NUL, the list ended by one more; kept in that form (NULs included).
            private static string MultiString(IntPtr pointer)
            {
                if (pointer == IntPtr.Zero)
                {
                    return string.Empty;
                }

                var text = new StringBuilder();
                int offset = 0;
                while (true)
                {
                    string? part = Marshal.PtrToStringUni(new IntPtr(pointer.ToInt64() + offset));
                    if (string.IsNullOrEmpty(part))
                    {
                        break;
                    }

                    text.Append(part).Append('\0');
                    offset += (part!.Length + 1) * 2;
                }

                return text.Length == 0 ? string.Empty : text.Append('\0').ToString();
            }

            private static IOException Failure(string what, string name, int error)
            {
                string message = "cannot " + what + " '" + name + "': " + new Win32Exception(error).Message;
                return error == 5 ? new IOException(message, new UnauthorizedAccessException(message)) : new IOException(message);
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct QueryServiceConfig
        {
            public int ServiceType;
            public int StartType;
            public int ErrorControl;
            public IntPtr BinaryPathName;
            public IntPtr LoadOrderGroup;
            public int TagId;
            public IntPtr Dependencies;
            public IntPtr ServiceStartName;
            public IntPtr DisplayName;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct ServiceStatus
        {
            public int ServiceType;
            public int CurrentState;
            public int ControlsAccepted;
            public int Win32ExitCode;
            public int ServiceSpecificExitCode;
            public int CheckPoint;
            public int WaitHint;
        }

        private static class NativeMethods
        {
            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegOpenKeyExW(IntPtr hKey, string subKey, int options, int samDesired, out IntPtr result);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegCreateKeyExW(IntPtr hKey, string subKey, int reserved, string? className, int options, int samDesired, IntPtr securityAttributes, out IntPtr result, out int disposition);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegQueryValueExW(IntPtr hKey, string valueName, IntPtr reserved, out int type, [Out] byte[]? data, ref int dataSize);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegEnumValueW(IntPtr hKey, int index, StringBuilder valueName, ref int valueNameLength, IntPtr reserved, out int type, [Out] byte[]? data, ref int dataSize);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegSetValueExW(IntPtr hKey, string valueName, int reserved, int type, byte[] data, int dataSize);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegDeleteValueW(IntPtr hKey, string valueName);

            [DllImport("advapi32.dll", ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern int RegCloseKey(IntPtr hKey);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern IntPtr OpenSCManagerW(string? machineName, string? databaseName, int desiredAccess);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern IntPtr OpenServiceW(IntPtr manager, string serviceName, int desiredAccess);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            internal static extern IntPtr CreateServiceW(IntPtr manager, string serviceName, string displayName, int desiredAccess, int serviceType, int startType,
                int errorControl, string binaryPathName, string? loadOrderGroup, IntPtr tagId, string? dependencies, string? serviceStartName, string? password);

            [DllImport("advapi32.dll", CharSet = CharSet.Unicode, SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [return: MarshalAs(UnmanagedType.Bool)]
            internal static extern bool QueryServiceConfigW(IntPtr service, IntPtr config, int bufferSize, out int bytesNeeded);

            [DllImport("advapi32.dll", SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [return: MarshalAs(UnmanagedType.Bool)]
            internal static extern bool ControlService(IntPtr service, int control, ref ServiceStatus status);

            [DllImport("advapi32.dll", SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [return: MarshalAs(UnmanagedType.Bool)]
            internal static extern bool DeleteService(IntPtr service);

            [DllImport("advapi32.dll", SetLastError = true, ExactSpelling = true)]
            [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
            [return: MarshalAs(UnmanagedType.Bool)]
            internal static extern bool CloseServiceHandle(IntPtr handle);
        }
    }
}
