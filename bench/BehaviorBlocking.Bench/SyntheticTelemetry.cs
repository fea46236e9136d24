using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Generates raw Windows events shaped like the dev corpus: its mix of event kinds (process
    /// access, registry, image loads and PowerShell pipeline events dominate), Sysmon and Security
    /// field names, a few hosts, and process lifecycles with parent links, exits and PID reuse, so
    /// the graph's eviction works as it does on real input. Deterministic for a given seed; streams,
    /// so any count can be generated in constant memory.
    /// </summary>
    public sealed class SyntheticTelemetry
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private const string SysmonProvider = "Microsoft-Windows-Sysmon";
        private const string Security = "Security";
        private const string SecurityProvider = "Microsoft-Windows-Security-Auditing";
        private const string PowerShell = "Microsoft-Windows-PowerShell/Operational";

        private static readonly string[] s_hosts = { "WS01.example.local", "WS02.example.local", "SRV01.example.local" };

        private static readonly string[] s_images =
        {
            @"C:\Windows\System32\svchost.exe", @"C:\Windows\System32\RuntimeBroker.exe", @"C:\Windows\System32\conhost.exe",
            @"C:\Windows\System32\cmd.exe", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", @"C:\Windows\System32\rundll32.exe",
            @"C:\Windows\System32\taskhostw.exe", @"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", @"C:\Program Files\Google\Chrome\Application\chrome.exe",
            @"C:\Windows\System32\wbem\WmiPrvSE.exe", @"C:\Windows\System32\SearchProtocolHost.exe", @"C:\Windows\System32\backgroundTaskHost.exe",
            @"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.2104.14-0\MsMpEng.exe", @"C:\Windows\System32\dllhost.exe", @"C:\Windows\System32\whoami.exe",
        };

        private static readonly string[] s_modules =
        {
            @"C:\Windows\System32\ntdll.dll", @"C:\Windows\System32\kernel32.dll", @"C:\Windows\System32\advapi32.dll", @"C:\Windows\System32\combase.dll",
            @"C:\Windows\System32\wininet.dll", @"C:\Windows\System32\amsi.dll", @"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\clr.dll",
        };

        private static readonly string[] s_registry =
        {
            @"HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\S-1-5-21-1000\",
            @"HKU\S-1-5-21-1000\Software\Microsoft\Windows\CurrentVersion\Explorer\",
            @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\",
            @"\REGISTRY\A\{1a2b}\LocalState\",
            @"HKLM\System\CurrentControlSet\Control\DeviceClasses\",
        };

        // Weights per 1,000 events, after the dev corpus's kind counts.
        private static readonly (int Weight, Kind Kind)[] s_mix =
        {
            (420, Kind.ProcessAccess), (135, Kind.RegistryCreate), (130, Kind.ImageLoad), (85, Kind.PowerShellPipeline),
            (70, Kind.SecurityOther), (57, Kind.RegistrySet), (48, Kind.ObjectAccess), (18, Kind.FileCreate),
            (12, Kind.Network), (8, Kind.ProcessStart), (6, Kind.ProcessExit), (5, Kind.Pipe), (4, Kind.Dns), (2, Kind.ScriptBlock),
        };

        private readonly Random _random;
        private readonly List<Proc>[] _live;
        private readonly int _totalWeight;
        private DateTimeOffset _time = new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
        private long _record;
        private int _guidCounter;

        /// <summary>Creates a generator; the same seed gives the same events.</summary>
        public SyntheticTelemetry(int seed = 20251106)
        {
            _random = new Random(seed);
            _live = new List<Proc>[s_hosts.Length];
            for (int h = 0; h < s_hosts.Length; h++)
            {
                _live[h] = new List<Proc>();
                var services = new Proc(NewGuid(), 700 + h, @"C:\Windows\System32\services.exe", null);
                var explorer = new Proc(NewGuid(), 4100 + h, @"C:\Windows\explorer.exe", null);
                _live[h].Add(services);
                _live[h].Add(explorer);
                for (int i = 0; i < 60; i++)
                {
                    _live[h].Add(new Proc(NewGuid(), NewPid(h), Pick(s_images), i % 2 == 0 ? services : explorer));
                }
            }

            foreach ((int weight, _) in s_mix)
            {
                _totalWeight += weight;
            }
        }

        private enum Kind
        {
            ProcessAccess, RegistryCreate, ImageLoad, PowerShellPipeline, SecurityOther, RegistrySet, ObjectAccess,
            FileCreate, Network, ProcessStart, ProcessExit, Pipe, Dns, ScriptBlock,
        }

        /// <summary>Generates the next event.</summary>
        public EventRecord Next()
        {
            _time = _time.AddTicks(TimeSpan.TicksPerMillisecond / 2 + _random.Next((int)TimeSpan.TicksPerMillisecond));
            int h = _random.Next(s_hosts.Length);
            List<Proc> live = _live[h];
            Kind kind = DrawKind();

            // Keep each host's live set around 60-300 processes, like a workstation.
            if (kind == Kind.ProcessExit && live.Count < 60)
            {
                kind = Kind.ProcessStart;
            }
            else if (kind == Kind.ProcessStart && live.Count > 300)
            {
                kind = Kind.ProcessExit;
            }

            Proc actor = live[2 + _random.Next(live.Count - 2)];
            var f = new List<KeyValuePair<string, string>>(16);
            switch (kind)
            {
                case Kind.ProcessStart:
                {
                    Proc parent = _random.Next(4) == 0 ? live[_random.Next(2)] : actor;
                    var child = new Proc(NewGuid(), NewPid(h), Pick(s_images), parent);
                    live.Add(child);
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", child.Guid);
                    Add(f, "ProcessId", child.Pid);
                    Add(f, "Image", child.Image);
                    Add(f, "FileVersion", "10.0.19041.1");
                    Add(f, "CommandLine", "\"" + child.Image + "\" " + Token() + " -k " + Token());
                    Add(f, "CurrentDirectory", @"C:\Windows\system32\");
                    Add(f, "User", @"EXAMPLE\user" + h);
                    Add(f, "LogonId", "0x3e7");
                    Add(f, "IntegrityLevel", "Medium");
                    Add(f, "Hashes", "SHA256=" + Hex(64));
                    Add(f, "ParentProcessGuid", parent.Guid);
                    Add(f, "ParentProcessId", parent.Pid);
                    Add(f, "ParentImage", parent.Image);
                    Add(f, "ParentCommandLine", parent.Image);
                    return Record(1, Sysmon, SysmonProvider, h, f);
                }

                case Kind.ProcessExit:
                {
                    int index = 2 + _random.Next(live.Count - 2);
                    Proc gone = live[index];
                    live[index] = live[live.Count - 1];
                    live.RemoveAt(live.Count - 1);
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", gone.Guid);
                    Add(f, "ProcessId", gone.Pid);
                    Add(f, "Image", gone.Image);
                    return Record(5, Sysmon, SysmonProvider, h, f);
                }

                case Kind.ProcessAccess:
                {
                    Proc target = live[_random.Next(live.Count)];
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "SourceProcessGUID", actor.Guid);
                    Add(f, "SourceProcessId", actor.Pid);
                    Add(f, "SourceThreadId", (_random.Next(100, 9000)).ToString(CultureInfo.InvariantCulture));
                    Add(f, "SourceImage", actor.Image);
                    Add(f, "TargetProcessGUID", target.Guid);
                    Add(f, "TargetProcessId", target.Pid);
                    Add(f, "TargetImage", target.Image);
                    Add(f, "GrantedAccess", _random.Next(3) == 0 ? "0x1000" : "0x1410");
                    Add(f, "CallTrace", @"C:\Windows\SYSTEM32\ntdll.dll+9d1e4|C:\Windows\System32\KERNELBASE.dll+2c13e|" + Hex(8));
                    return Record(10, Sysmon, SysmonProvider, h, f);
                }

                case Kind.RegistryCreate:
                case Kind.RegistrySet:
                    Add(f, "RuleName", "-");
                    Add(f, "EventType", kind == Kind.RegistrySet ? "SetValue" : "CreateKey");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", actor.Guid);
                    Add(f, "ProcessId", actor.Pid);
                    Add(f, "Image", actor.Image);
                    Add(f, "TargetObject", Pick(s_registry) + Token());
                    if (kind == Kind.RegistrySet)
                    {
                        Add(f, "Details", "DWORD (0x0000000" + _random.Next(10) + ")");
                    }

                    return Record(kind == Kind.RegistrySet ? 13 : 12, Sysmon, SysmonProvider, h, f);
                case Kind.ImageLoad:
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", actor.Guid);
                    Add(f, "ProcessId", actor.Pid);
                    Add(f, "Image", actor.Image);
                    Add(f, "ImageLoaded", Pick(s_modules));
                    Add(f, "FileVersion", "10.0.19041.1");
                    Add(f, "Description", "Windows component");
                    Add(f, "Product", "Microsoft Windows Operating System");
                    Add(f, "Company", "Microsoft Corporation");
                    Add(f, "Hashes", "SHA256=" + Hex(64));
                    Add(f, "Signed", "true");
                    Add(f, "Signature", "Microsoft Windows");
                    Add(f, "SignatureStatus", "Valid");
                    return Record(7, Sysmon, SysmonProvider, h, f);
                case Kind.FileCreate:
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", actor.Guid);
                    Add(f, "ProcessId", actor.Pid);
                    Add(f, "Image", actor.Image);
                    Add(f, "TargetFilename", @"C:\Users\user" + h + @"\AppData\Local\Temp\" + Token() + ".tmp");
                    Add(f, "CreationUtcTime", Utc());
                    return Record(11, Sysmon, SysmonProvider, h, f);
                case Kind.Network:
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", actor.Guid);
                    Add(f, "ProcessId", actor.Pid);
                    Add(f, "Image", actor.Image);
                    Add(f, "User", @"EXAMPLE\user" + h);
                    Add(f, "Protocol", "tcp");
                    Add(f, "Initiated", "true");
                    Add(f, "SourceIp", "10.0.0." + (10 + h));
                    Add(f, "SourcePort", _random.Next(49152, 65535).ToString(CultureInfo.InvariantCulture));
                    Add(f, "DestinationIp", "192.0.2." + _random.Next(1, 250));
                    Add(f, "DestinationPort", _random.Next(2) == 0 ? "443" : "80");
                    return Record(3, Sysmon, SysmonProvider, h, f);
                case Kind.Dns:
                    Add(f, "RuleName", "-");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", actor.Guid);
                    Add(f, "ProcessId", actor.Pid);
                    Add(f, "QueryName", Token() + ".example.com");
                    Add(f, "QueryStatus", "0");
                    Add(f, "QueryResults", "type:  5 cdn.example.net;::ffff:192.0.2.7;");
                    Add(f, "Image", actor.Image);
                    return Record(22, Sysmon, SysmonProvider, h, f);
                case Kind.Pipe:
                    Add(f, "RuleName", "-");
                    Add(f, "EventType", "ConnectPipe");
                    Add(f, "UtcTime", Utc());
                    Add(f, "ProcessGuid", actor.Guid);
                    Add(f, "ProcessId", actor.Pid);
                    Add(f, "PipeName", @"\PSHost." + Token());
                    Add(f, "Image", actor.Image);
                    return Record(18, Sysmon, SysmonProvider, h, f);
                case Kind.PowerShellPipeline:
                    Add(f, "ContextInfo", "        Severity = Informational\r\n        Host Name = ConsoleHost\r\n        Host Application = powershell.exe -NoProfile\r\n        Command Name = Get-Item\r\n");
                    Add(f, "UserData", string.Empty);
                    Add(f, "Payload", "CommandInvocation(Get-Item): \"Get-Item\"\r\nParameterBinding(Get-Item): name=\"Path\"; value=\"" + Token() + "\"");
                    return Record(4103, PowerShell, "Microsoft-Windows-PowerShell", h, f);
                case Kind.ScriptBlock:
                    Add(f, "MessageNumber", "1");
                    Add(f, "MessageTotal", "1");
                    Add(f, "ScriptBlockText", "Get-ChildItem -Path $env:TEMP | Where-Object { $_.Length -gt " + _random.Next(1000) + " }");
                    Add(f, "ScriptBlockId", RandomGuid());
                    return Record(4104, PowerShell, "Microsoft-Windows-PowerShell", h, f);
                case Kind.ObjectAccess:
                    Add(f, "SubjectUserSid", "S-1-5-18");
                    Add(f, "SubjectUserName", "WS0" + h + "$");
                    Add(f, "SubjectDomainName", "EXAMPLE");
                    Add(f, "SubjectLogonId", "0x3e7");
                    Add(f, "ObjectServer", "DS");
                    Add(f, "ObjectType", "%{19195a5b-6da0-11d0-afd3-00c04fd930c9}");
                    Add(f, "ObjectName", "%{" + RandomGuid() + "}");
                    Add(f, "OperationType", "Object Access");
                    Add(f, "AccessMask", "0x100");
                    return Record(4662, Security, SecurityProvider, h, f);
                default:
                    Add(f, "SubjectUserSid", "S-1-5-18");
                    Add(f, "SubjectUserName", "WS0" + h + "$");
                    Add(f, "ProcessId", "0x" + int.Parse(actor.Pid, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture));
                    Add(f, "ProcessName", actor.Image);
                    Add(f, "EnabledPrivilegeList", "SeAssignPrimaryTokenPrivilege");
                    return Record(4703, Security, SecurityProvider, h, f);
            }
        }

        private Kind DrawKind()
        {
            int roll = _random.Next(_totalWeight);
            foreach ((int weight, Kind kind) in s_mix)
            {
                if (roll < weight)
                {
                    return kind;
                }

                roll -= weight;
            }

            return Kind.ProcessAccess;
        }

        private EventRecord Record(int eventId, string channel, string provider, int host, List<KeyValuePair<string, string>> fields) => new EventRecord
        {
            EventId = eventId,
            Channel = channel,
            Provider = provider,
            Computer = s_hosts[host],
            TimeCreated = _time,
            RecordId = ++_record,
            Fields = fields,
        };

        private static void Add(List<KeyValuePair<string, string>> fields, string name, string value) => fields.Add(new KeyValuePair<string, string>(name, value));

        private string Utc() => _time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

        private string Pick(string[] values) => values[_random.Next(values.Length)];

        private string Token() => _random.Next(0x100000, 0xFFFFFF).ToString("x", CultureInfo.InvariantCulture);

        private string RandomGuid()
        {
            byte[] bytes = new byte[16];
            _random.NextBytes(bytes);
            return new Guid(bytes).ToString();
        }

        private string Hex(int length)
        {
            var chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                chars[i] = "0123456789ABCDEF"[_random.Next(16)];
            }

            return new string(chars);
        }

        private string NewGuid() => "{6a910b9d-" + (++_guidCounter).ToString("x4", CultureInfo.InvariantCulture).PadLeft(4, '0').Substring(0, 4)
            + "-5ee0-" + (_guidCounter >> 16).ToString("x4", CultureInfo.InvariantCulture) + "-" + _guidCounter.ToString("x12", CultureInfo.InvariantCulture) + "}";

        private string NewPid(int host) => (_random.Next(250, 16_000) * 4).ToString(CultureInfo.InvariantCulture);

        private sealed class Proc
        {
            public Proc(string guid, int pid, string image, Proc? parent)
                : this(guid, pid.ToString(CultureInfo.InvariantCulture), image, parent)
            {
            }

            public Proc(string guid, string pid, string image, Proc? parent)
            {
                Guid = guid;
                Pid = pid;
                Image = image;
                Parent = parent;
            }

            public string Guid { get; }

            public string Pid { get; }

            public string Image { get; }

            public Proc? Parent { get; }
        }
    }
}
