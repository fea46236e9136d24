using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using BehaviorBlocking.Internal;
using static BehaviorBlocking.Internal.ServiceControlNative;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// Installs, removes and queries the always-on service as a Windows service through the service control manager:
    /// own process, automatic start, LocalSystem (ETW kernel sessions and terminating other users' processes need it),
    /// restart on failure three times with growing delays (also after a non-zero exit, not only a crash), a
    /// description, <c>BEHAVIORBLOCKING_HOME</c> in the service's environment, and an Application Event Log source.
    /// Windows only; compile-checked on Linux (no test runs it).
    /// </summary>
    public static class WindowsServiceInstaller
    {
        /// <summary>The Event Log source the service writes under (Application log).</summary>
        public const string EventLogSource = ServiceDefinition.DefaultName;

        /// <summary>Delays before the first, second and later restarts after a failure.</summary>
        public static IReadOnlyList<TimeSpan> RestartDelays { get; } = new[] { TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30) };

        private const string ServicesKey = @"SYSTEM\CurrentControlSet\Services\";
        private const string EventLogKey = @"SYSTEM\CurrentControlSet\Services\EventLog\Application\";

        // Shipped with .NET Framework 4 on every supported Windows: one message, "%1", for any event id.
        private const string EventMessageFile = @"%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll";

        /// <summary>The command line the service control manager runs: each word quoted by the rules of CommandLineToArgvW.</summary>
        public static string CommandLine(ServiceDefinition definition)
        {
            var words = new List<string> { definition.Executable };
            words.AddRange(definition.Arguments);
            return SystemctlCommands.JoinArguments(words);
        }

        /// <summary>Creates (or reconfigures) the service, registers its Event Log source and, when <paramref name="start"/>, starts it and waits until it runs.</summary>
        public static void Install(ServiceDefinition definition, bool start)
        {
            RequireWindows();
            IntPtr manager = OpenManager(ScManagerConnect | ScManagerCreateService);
            try
            {
                const uint access = ServiceQueryConfig | ServiceChangeConfig | ServiceQueryStatus | ServiceStart | ServiceStop;
                string command = CommandLine(definition);
                IntPtr service = CreateService(manager, definition.Name, "BehaviorBlocking", access, ServiceWin32OwnProcess, ServiceAutoStart,
                    ServiceErrorNormal, command, null, IntPtr.Zero, null, null, null);
                if (service == IntPtr.Zero)
                {
                    int error = Marshal.GetLastWin32Error();
                    if (error != ErrorServiceExists)
                    {
                        throw Failed("CreateService", definition.Name, error);
                    }

                    service = OpenService(manager, definition.Name, access);
                    if (service == IntPtr.Zero)
                    {
                        throw Failed("OpenService", definition.Name, Marshal.GetLastWin32Error());
                    }

                    if (!ChangeServiceConfig(service, ServiceWin32OwnProcess, ServiceAutoStart, ServiceErrorNormal, command, null, IntPtr.Zero, null, "LocalSystem", null, "BehaviorBlocking"))
                    {
                        int changeError = Marshal.GetLastWin32Error();
                        CloseServiceHandle(service);
                        throw Failed("ChangeServiceConfig", definition.Name, changeError);
                    }
                }

                try
                {
                    Configure(service, definition);
                    SetEnvironment(definition);
                    RegisterEventSource();
                    if (start)
                    {
                        if (!StartService(service, 0, IntPtr.Zero))
                        {
                            throw Failed("StartService", definition.Name, Marshal.GetLastWin32Error());
                        }

                        uint state = WaitWhile(service, ServiceStartPending, definition.StartTimeout);
                        if (state != ServiceRunning)
                        {
                            throw new BehaviorBlockingException(ErrorIds.ServiceManagerFailed, FailureKind.Unavailable,
                                $"The service '{definition.Name}' was started but is in state {state} (4 is running); see the Application and System event logs.");
                        }
                    }
                }
                finally
                {
                    CloseServiceHandle(service);
                }
            }
            finally
            {
                CloseServiceHandle(manager);
            }
        }

        /// <summary>Stops and deletes the service and removes its Event Log source; false when it was not installed.</summary>
        public static bool Uninstall(string name)
        {
            RequireWindows();
            IntPtr manager = OpenManager(ScManagerConnect);
            try
            {
                IntPtr service = OpenService(manager, name, ServiceStop | ServiceQueryStatus | Delete);
                if (service == IntPtr.Zero)
                {
                    int error = Marshal.GetLastWin32Error();
                    if (error == ErrorServiceDoesNotExist)
                    {
                        return false;
                    }

                    throw Failed("OpenService", name, error);
                }

                try
                {
                    if (!ControlService(service, ServiceControlStop, out _))
                    {
                        int error = Marshal.GetLastWin32Error();
                        if (error != ErrorServiceNotActive)
                        {
                            throw Failed("ControlService(STOP)", name, error);
                        }
                    }

                    WaitWhile(service, ServiceStopPending, TimeSpan.FromSeconds(60));
                    if (!DeleteService(service))
                    {
                        int error = Marshal.GetLastWin32Error();
                        if (error != ErrorServiceMarkedForDelete)
                        {
                            throw Failed("DeleteService", name, error);
                        }
                    }
                }
                finally
                {
                    CloseServiceHandle(service);
                }

                RegDeleteTree(HkeyLocalMachine, EventLogKey + EventLogSource);
                return true;
            }
            finally
            {
                CloseServiceHandle(manager);
            }
        }

        /// <summary>Whether the service is installed and its state and process (restart counts are not kept by Windows: null).</summary>
        public static ServiceStatus Status(string name)
        {
            RequireWindows();
            IntPtr manager = OpenManager(ScManagerConnect);
            try
            {
                IntPtr service = OpenService(manager, name, ServiceQueryStatus);
                if (service == IntPtr.Zero)
                {
                    int error = Marshal.GetLastWin32Error();
                    if (error == ErrorServiceDoesNotExist)
                    {
                        return new ServiceStatus(name, installed: false, unitPath: null, managerRunning: true) { ActiveState = ServiceActiveState.Inactive };
                    }

                    throw Failed("OpenService", name, error);
                }

                try
                {
                    ServiceStatusProcess status = Query(service);
                    int? pid = status.ProcessId == 0 ? null : (int?)status.ProcessId;
                    return new ServiceStatus(name, installed: true, unitPath: ServicesKey + name, managerRunning: true)
                    {
                        LoadState = "loaded",
                        ActiveState = ToActiveState(status.CurrentState),
                        SubState = status.CurrentState.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        StartupState = "auto",
                        MainProcessId = pid,
                        StartedAt = pid is int id ? StartTime(id) : null,
                    };
                }
                finally
                {
                    CloseServiceHandle(service);
                }
            }
            finally
            {
                CloseServiceHandle(manager);
            }
        }

        /// <summary>The SCM state as the product's active state.</summary>
        internal static ServiceActiveState ToActiveState(uint state) => state switch
        {
            ServiceRunning => ServiceActiveState.Active,
            ServiceStartPending or ServiceContinuePending => ServiceActiveState.Activating,
            ServiceStopPending or ServicePausePending => ServiceActiveState.Deactivating,
            ServiceStopped or ServicePaused => ServiceActiveState.Inactive,
            _ => ServiceActiveState.Unknown,
        };

        private static void Configure(IntPtr service, ServiceDefinition definition)
        {
            var description = new ServiceDescription { Description = definition.Description };
            if (!ChangeServiceConfig2(service, ServiceConfigDescription, ref description))
            {
                throw Failed("ChangeServiceConfig2(DESCRIPTION)", definition.Name, Marshal.GetLastWin32Error());
            }

            int size = Marshal.SizeOf(typeof(ScAction));
            IntPtr actions = Marshal.AllocHGlobal(size * RestartDelays.Count);
            try
            {
                for (int i = 0; i < RestartDelays.Count; i++)
                {
                    Marshal.StructureToPtr(new ScAction { Type = ScActionRestart, Delay = (uint)RestartDelays[i].TotalMilliseconds }, actions + (i * size), false);
                }

                // The failure count resets after a day without failures.
                var failure = new ServiceFailureActions { ResetPeriod = 86400, ActionCount = (uint)RestartDelays.Count, Actions = actions };
                if (!ChangeServiceConfig2(service, ServiceConfigFailureActions, ref failure))
                {
                    throw Failed("ChangeServiceConfig2(FAILURE_ACTIONS)", definition.Name, Marshal.GetLastWin32Error());
                }
            }
            finally
            {
                Marshal.FreeHGlobal(actions);
            }

            // A monitor that stops with a non-zero exit code is a failure too, not only a crash.
            var flag = new ServiceFailureActionsFlag { FailureActionsOnNonCrashFailures = 1 };
            if (!ChangeServiceConfig2(service, ServiceConfigFailureActionsFlag, ref flag))
            {
                throw Failed("ChangeServiceConfig2(FAILURE_ACTIONS_FLAG)", definition.Name, Marshal.GetLastWin32Error());
            }
        }

        /// <summary>The service's own environment block (REG_MULTI_SZ <c>Environment</c> under its key): the product folder.</summary>
        private static void SetEnvironment(ServiceDefinition definition) =>
            SetValue(ServicesKey + definition.Name, "Environment", RegMultiSz, Encoding.Unicode.GetBytes(Store.ProductHome.EnvironmentVariable + "=" + definition.ProductHome + "\0\0"));

        private static void RegisterEventSource()
        {
            SetValue(EventLogKey + EventLogSource, "EventMessageFile", RegExpandSz, Encoding.Unicode.GetBytes(EventMessageFile + "\0"));
            SetValue(EventLogKey + EventLogSource, "TypesSupported", RegDword, BitConverter.GetBytes(7));
        }

        private static void SetValue(string subKey, string name, uint type, byte[] data)
        {
            int error = RegCreateKeyEx(HkeyLocalMachine, subKey, 0, null, 0, KeyWrite, IntPtr.Zero, out IntPtr key, out _);
            if (error != 0)
            {
                throw Failed(@"RegCreateKeyEx(HKLM\" + subKey + ")", subKey, error);
            }

            try
            {
                error = RegSetValueEx(key, name, 0, type, data, data.Length);
                if (error != 0)
                {
                    throw Failed("RegSetValueEx(" + name + ")", subKey, error);
                }
            }
            finally
            {
                RegCloseKey(key);
            }
        }

        private static uint WaitWhile(IntPtr service, uint pendingState, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            uint state = Query(service).CurrentState;
            while (state == pendingState && watch.Elapsed < timeout)
            {
                Thread.Sleep(250);
                state = Query(service).CurrentState;
            }

            return state;
        }

        private static ServiceStatusProcess Query(IntPtr service)
        {
            if (!QueryServiceStatusEx(service, ScStatusProcessInfo, out ServiceStatusProcess status, Marshal.SizeOf(typeof(ServiceStatusProcess)), out _))
            {
                throw Failed("QueryServiceStatusEx", "service", Marshal.GetLastWin32Error());
            }

            return status;
        }

        private static DateTimeOffset? StartTime(int pid)
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is Win32Exception)
            {
                return null;
            }
        }

        private static IntPtr OpenManager(uint access)
        {
            IntPtr manager = OpenSCManager(null, null, access);
            if (manager == IntPtr.Zero)
            {
                throw Failed("OpenSCManager", "the service control manager", Marshal.GetLastWin32Error());
            }

            return manager;
        }

        private static BehaviorBlockingException Failed(string call, string what, int error)
        {
            if (error == ErrorAccessDenied)
            {
                return new BehaviorBlockingException(ErrorIds.ServiceRequiresElevation, FailureKind.AccessDenied,
                    $"{call} on {what} was denied: installing, removing or querying the service needs an elevated administrator prompt.") { Target = what };
            }

            return new BehaviorBlockingException(ErrorIds.ServiceManagerFailed, FailureKind.Unavailable,
                $"{call} on {what} failed: {new Win32Exception(error).Message} (error {error}).") { Target = what };
        }

        private static void RequireWindows()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceNotSupported, FailureKind.NotSupported, "The Windows service installer runs on Windows only.");
            }
        }
    }
}
