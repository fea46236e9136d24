using System;
using System.Collections.Generic;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Rules
{
    /// <summary>Which events a rule's logsource covers: a channel, optionally an event id and a normalized kind.</summary>
    internal readonly struct EventSource
    {
        public EventSource(string channel, int? eventId, EventKind? kind = null)
        {
            Channel = channel;
            EventId = eventId;
            Kind = kind;
        }

        public string Channel { get; }

        /// <summary>Null for every event of the channel.</summary>
        public int? EventId { get; }

        /// <summary>When set, only events the normalizer gave this kind (Sysmon 12 is both create and delete).</summary>
        public EventKind? Kind { get; }
    }

    /// <summary>
    /// Maps Sigma logsources to the events that carry them: product windows (or none) by category or
    /// service; product linux by the categories the Linux sensors feed (Sysmon for Linux's schema).
    /// </summary>
    internal static class Logsources
    {
        public const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        public const string Security = "Security";
        public const string PowerShell = "Microsoft-Windows-PowerShell/Operational";
        public const string PowerShellClassic = "Windows PowerShell";
        public const string Defender = "Microsoft-Windows-Windows Defender/Operational";

        /// <summary>The product's ETW sensor: Sysmon's ids and field names (see Sensors/Windows/Etw/WindowsEtwEvents).</summary>
        public const string WindowsEtw = Sensors.Windows.Etw.WindowsEtwEvents.Channel;

        private static readonly Dictionary<string, EventSource[]> s_categories = new Dictionary<string, EventSource[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["process_creation"] = new[] { new EventSource(Sysmon, 1), new EventSource(Security, 4688), new EventSource(WindowsEtw, 1) },
            ["process_termination"] = new[] { new EventSource(Sysmon, 5), new EventSource(Security, 4689), new EventSource(WindowsEtw, 5) },
            ["file_event"] = new[] { new EventSource(Sysmon, 11), new EventSource(Sysmon, 29), new EventSource(WindowsEtw, 11) },
            ["file_change"] = new[] { new EventSource(Sysmon, 2) },
            ["file_delete"] = new[] { new EventSource(Sysmon, 23), new EventSource(Sysmon, 26), new EventSource(WindowsEtw, 23) },
            ["file_rename"] = new[] { new EventSource(WindowsEtw, Sensors.Windows.Etw.WindowsEtwEvents.FileRename) },
            ["file_access"] = new[] { new EventSource(Security, 4663) },
            ["antivirus"] = new[]
            {
                new EventSource(Defender, 1006), new EventSource(Defender, 1007), new EventSource(Defender, 1008), new EventSource(Defender, 1015),
                new EventSource(Defender, 1116), new EventSource(Defender, 1117), new EventSource(Defender, 1118), new EventSource(Defender, 1119),
            },
            ["file_executable_detected"] = new[] { new EventSource(Sysmon, 29) },
            ["create_stream_hash"] = new[] { new EventSource(Sysmon, 15) },
            ["registry_add"] = new[] { new EventSource(Sysmon, 12, EventKind.RegistryCreate), new EventSource(WindowsEtw, 12, EventKind.RegistryCreate) },
            ["registry_delete"] = new[] { new EventSource(Sysmon, 12, EventKind.RegistryDelete), new EventSource(WindowsEtw, 12, EventKind.RegistryDelete) },
            ["registry_set"] = new[] { new EventSource(Sysmon, 13), new EventSource(WindowsEtw, 13) },
            ["registry_rename"] = new[] { new EventSource(Sysmon, 14) },
            ["registry_event"] = new[] { new EventSource(Sysmon, 12), new EventSource(Sysmon, 13), new EventSource(Sysmon, 14), new EventSource(WindowsEtw, 12), new EventSource(WindowsEtw, 13) },
            ["network_connection"] = new[] { new EventSource(Sysmon, 3), new EventSource(WindowsEtw, 3) },
            ["dns_query"] = new[] { new EventSource(Sysmon, 22), new EventSource(WindowsEtw, 22) },
            ["image_load"] = new[] { new EventSource(Sysmon, 7), new EventSource(WindowsEtw, 7) },
            ["driver_load"] = new[] { new EventSource(Sysmon, 6) },
            ["create_remote_thread"] = new[] { new EventSource(Sysmon, 8) },
            ["process_access"] = new[] { new EventSource(Sysmon, 10) },
            ["raw_access_thread"] = new[] { new EventSource(Sysmon, 9) },
            ["process_tampering"] = new[] { new EventSource(Sysmon, 25) },
            ["pipe_created"] = new[] { new EventSource(Sysmon, 17), new EventSource(Sysmon, 18) },
            ["wmi_event"] = new[] { new EventSource(Sysmon, 19), new EventSource(Sysmon, 20), new EventSource(Sysmon, 21) },
            ["clipboard_change"] = new[] { new EventSource(Sysmon, 24) },
            ["sysmon_status"] = new[] { new EventSource(Sysmon, 4), new EventSource(Sysmon, 16) },
            ["sysmon_error"] = new[] { new EventSource(Sysmon, 255) },
            ["ps_script"] = new[] { new EventSource(PowerShell, 4104) },
            ["ps_module"] = new[] { new EventSource(PowerShell, 4103) },
            ["ps_classic_start"] = new[] { new EventSource(PowerShellClassic, 400) },
            ["ps_classic_provider_start"] = new[] { new EventSource(PowerShellClassic, 600) },
            ["ps_classic_script"] = new[] { new EventSource(PowerShellClassic, 800) },
        };

        // SigmaHQ's Linux categories are process_creation, file_event and network_connection (Sysmon for
        // Linux ids 1, 11, 3). process_termination, file_delete and file_rename are Sigma's generic
        // categories, fed here by the same sensors (ids 5, 23 and this product's rename, 1001). A rename's
        // TargetFilename is the new name, so file_event rules see a file that appears by rename too.
        private static readonly Dictionary<string, EventSource[]> s_linuxCategories = new Dictionary<string, EventSource[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["process_creation"] = new[] { new EventSource(LinuxEvents.Channel, LinuxEvents.ProcessCreate), new EventSource(LinuxEvents.SysmonForLinuxChannel, LinuxEvents.ProcessCreate) },
            ["process_termination"] = new[] { new EventSource(LinuxEvents.Channel, LinuxEvents.ProcessTerminate), new EventSource(LinuxEvents.SysmonForLinuxChannel, LinuxEvents.ProcessTerminate) },
            ["network_connection"] = new[] { new EventSource(LinuxEvents.Channel, LinuxEvents.NetworkConnect), new EventSource(LinuxEvents.SysmonForLinuxChannel, LinuxEvents.NetworkConnect) },
            ["file_event"] = new[] { new EventSource(LinuxEvents.Channel, LinuxEvents.FileCreate), new EventSource(LinuxEvents.Channel, LinuxEvents.FileRename), new EventSource(LinuxEvents.SysmonForLinuxChannel, LinuxEvents.FileCreate) },
            ["file_delete"] = new[] { new EventSource(LinuxEvents.Channel, LinuxEvents.FileDelete), new EventSource(LinuxEvents.SysmonForLinuxChannel, LinuxEvents.FileDelete) },
            ["file_rename"] = new[] { new EventSource(LinuxEvents.Channel, LinuxEvents.FileRename) },
        };

        private static readonly string s_linuxCategoryList = string.Join(", ", SortedKeys(s_linuxCategories));

        private static readonly Dictionary<string, string> s_services = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["security"] = Security,
            ["system"] = "System",
            ["application"] = "Application",
            ["sysmon"] = Sysmon,
            ["powershell"] = PowerShell,
            ["powershell-classic"] = PowerShellClassic,
            ["taskscheduler"] = "Microsoft-Windows-TaskScheduler/Operational",
            ["windefend"] = Defender,
            ["wmi"] = "Microsoft-Windows-WMI-Activity/Operational",
            ["dns-server"] = "DNS Server",
            ["bits-client"] = "Microsoft-Windows-Bits-Client/Operational",
            ["firewall-as"] = "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
            ["openssh"] = "OpenSSH/Operational",
            ["printservice-admin"] = "Microsoft-Windows-PrintService/Admin",
            ["printservice-operational"] = "Microsoft-Windows-PrintService/Operational",
            ["msexchange-management"] = "MSExchange Management",
            ["codeintegrity-operational"] = "Microsoft-Windows-CodeIntegrity/Operational",
            ["ntlm"] = "Microsoft-Windows-NTLM/Operational",
            ["terminalservices-localsessionmanager"] = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
            ["capi2"] = "Microsoft-Windows-CAPI2/Operational",
            ["bitlocker"] = "Microsoft-Windows-BitLocker/BitLocker Management",
            ["wininet-config"] = "Microsoft-Windows-WinINet-Config/ProxyConfigChanged",
            ["setup"] = "Setup",
            ["dns-server-audit"] = "Microsoft-Windows-DNSServer/Audit",
            ["dns-server-analytic"] = "Microsoft-Windows-DNSServer/Analytical",
            ["dns-client"] = "Microsoft-Windows-DNS Client Events/Operational",
            ["appxdeployment-server"] = "Microsoft-Windows-AppXDeploymentServer/Operational",
            ["appxpackaging-om"] = "Microsoft-Windows-AppxPackaging/Operational",
            ["appmodel-runtime"] = "Microsoft-Windows-AppModel-Runtime/Admin",
            ["iis-configuration"] = "Microsoft-IIS-Configuration/Operational",
            ["smbclient-security"] = "Microsoft-Windows-SmbClient/Security",
            ["smbclient-connectivity"] = "Microsoft-Windows-SmbClient/Connectivity",
            ["smbserver-security"] = "Microsoft-Windows-SMBServer/Security",
            ["smbserver-connectivity"] = "Microsoft-Windows-SMBServer/Connectivity",
            ["lsa-server"] = "Microsoft-Windows-LSA/Operational",
            ["ldap"] = "Microsoft-Windows-LDAP-Client/Debug",
            ["ldap_debug"] = "Microsoft-Windows-LDAP-Client/Debug",
            ["driver-framework"] = "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
            ["kernel-shimengine"] = "Microsoft-Windows-Kernel-ShimEngine/Operational",
            ["kernel-event-tracing"] = "Microsoft-Windows-Kernel-EventTracing/Admin",
            ["shell-core"] = "Microsoft-Windows-Shell-Core/Operational",
            ["ntfs"] = "Microsoft-Windows-Ntfs/Operational",
            ["vhdmp"] = "Microsoft-Windows-VHDMP-Operational",
            ["hyper-v-worker"] = "Microsoft-Windows-Hyper-V-Worker-Admin",
            ["diagnosis-scripted"] = "Microsoft-Windows-Diagnosis-Scripted/Operational",
            ["certificateservicesclient-lifecycle-system"] = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
            ["microsoft-servicebus-client"] = "Microsoft-ServiceBus-Client",
            ["winrm"] = "Microsoft-Windows-WinRM/Operational",
            ["wmi-activity"] = "Microsoft-Windows-WMI-Activity/Operational",
            ["sysmon-operational"] = Sysmon,
        };

        // Services whose events go to several channels: a rule of the service is tried on each.
        private static readonly Dictionary<string, string[]> s_multiChannelServices = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["applocker"] = new[]
            {
                "Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/MSI and Script",
                "Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution",
            },
            ["security-mitigations"] = new[] { "Microsoft-Windows-Security-Mitigations/KernelMode", "Microsoft-Windows-Security-Mitigations/UserMode" },
        };

        /// <summary>The events a logsource covers, or null with the reason when the engine has none for it.</summary>
        public static EventSource[]? Resolve(string? product, string? category, string? service, out string? reason)
        {
            reason = null;
            if (string.Equals(product, "linux", StringComparison.OrdinalIgnoreCase))
            {
                return ResolveLinux(category, service, out reason);
            }

            if (product is not null && !string.Equals(product, "windows", StringComparison.OrdinalIgnoreCase))
            {
                reason = $"logsource product '{product}' has no events in this engine";
                return null;
            }

            if (category is not null)
            {
                if (s_categories.TryGetValue(category, out EventSource[]? sources))
                {
                    return sources;
                }

                reason = $"logsource category '{category}' has no events in this engine";
                return null;
            }

            if (service is not null)
            {
                if (s_services.TryGetValue(service, out string? channel))
                {
                    return new[] { new EventSource(channel, null) };
                }

                if (s_multiChannelServices.TryGetValue(service, out string[]? channels))
                {
                    var sources = new EventSource[channels.Length];
                    for (int i = 0; i < channels.Length; i++)
                    {
                        sources[i] = new EventSource(channels[i], null);
                    }

                    return sources;
                }

                reason = $"logsource service '{service}' has no events in this engine";
                return null;
            }

            reason = "logsource names neither a category nor a service";
            return null;
        }

        /// <summary>
        /// Linux: only the categories the sensors feed. Services (auditd, syslog, sshd, sudo, auth, cron...) are
        /// log files no sensor of this product reads, so their rules are skipped naming the source.
        /// </summary>
        private static EventSource[]? ResolveLinux(string? category, string? service, out string? reason)
        {
            reason = null;
            if (category is not null)
            {
                if (s_linuxCategories.TryGetValue(category, out EventSource[]? sources))
                {
                    return sources;
                }

                reason = $"logsource product 'linux' category '{category}' has no events in this engine; the Linux sensors feed {s_linuxCategoryList}";
                return null;
            }

            if (service is not null)
            {
                reason = $"logsource product 'linux' service '{service}' has no events in this engine: no sensor reads the {service} log; the Linux sensors feed {s_linuxCategoryList}";
                return null;
            }

            reason = $"logsource product 'linux' names no category; the Linux sensors feed {s_linuxCategoryList}";
            return null;
        }

        private static List<string> SortedKeys(Dictionary<string, EventSource[]> map)
        {
            var keys = new List<string>(map.Keys);
            keys.Sort(StringComparer.Ordinal);
            return keys;
        }

        /// <summary>True for categories whose events answer to Sysmon process-creation field names whatever their source.</summary>
        public static bool IsProcessCreation(string? category) => string.Equals(category, "process_creation", StringComparison.OrdinalIgnoreCase);
    }
}
