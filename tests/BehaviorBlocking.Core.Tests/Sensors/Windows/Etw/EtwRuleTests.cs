using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Sensors.Windows.Etw;
using static BehaviorBlocking.Tests.Sensors.Windows.Etw.EtwRecordNormalizerTests;

namespace BehaviorBlocking.Tests.Sensors.Windows.Etw
{
    /// <summary>
    /// Rules of the built-in pack fire on what the ETW sensor writes exactly as on Sysmon's events: each
    /// rule's Sysmon match fixture and an ETW rendition of the same activity (kernel names, device paths)
    /// both match, and an ETW rendition of benign activity does not.
    /// </summary>
    public class EtwRuleTests
    {
        private static readonly string RulesDir = Path.Combine(TestPaths.RepositoryRoot, "module", "rules");
        private static readonly string FixturesDir = Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "rules");
        private static readonly Lazy<RuleSet> Pack = new Lazy<RuleSet>(() => RuleSet.Load(new[] { new RuleSource(RulesDir, "builtin") }));

        private const string PowerShell = @"\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";

        [Fact]
        public void ProcessCreation_EncodedPowerShell_FiresOnEtwAsOnSysmon()
        {
            AssertSameVerdict("execution_encoded_powershell",
                new[]
                {
                    Start(3120, 900, @"\Windows\System32\wscript.exe", @"wscript.exe C:\Users\alice\Downloads\doc.vbs"),
                    Start(4412, 3120, PowerShell, "powershell.exe -noP -sta -w 1 -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", seconds: 1),
                },
                new[]
                {
                    Start(4412, 3120, PowerShell, @"powershell.exe -File C:\Scripts\inventory.ps1", seconds: 1),
                });
        }

        [Fact]
        public void RegistrySet_PortProxy_FiresOnTheKernelsControlSetNameAsOnSysmonsCurrentControlSet()
        {
            AssertSameVerdict("command_and_control_portproxy_registry",
                new[]
                {
                    Start(5120, 600, @"\Windows\System32\svchost.exe", "svchost.exe -k netsvcs"),
                    new EtwRecord { Kind = EtwRecordKind.RegistrySetValue, Time = T0.AddSeconds(1), ProcessId = 5120, Path = @"\REGISTRY\MACHINE\SYSTEM\ControlSet001\Services\PortProxy\v4tov4\tcp", ValueName = "0.0.0.0/8443" },
                },
                new[]
                {
                    new EtwRecord { Kind = EtwRecordKind.RegistrySetValue, Time = T0.AddSeconds(1), ProcessId = 5120, Path = @"\REGISTRY\MACHINE\SYSTEM\ControlSet001\Services\Tcpip\Parameters", ValueName = "Hostname" },
                });
        }

        [Fact]
        public void PsScript_ObfuscatedBlock_FiresOnAReassembledMultiPartBlock()
        {
            const string id = "5d0c7a51-2f0e-4b7e-9a44-1c3f7e2b9a10";
            AssertSameVerdict("defense_evasion_obfuscated_powershell_block",
                new[]
                {
                    Start(4412, 3120, PowerShell, "powershell.exe"),
                    Part(4412, id, 1, 2, ". ( $PSHo"),
                    Part(4412, id, 2, 2, "me[21]+$PSHome[30]+'x')( ('73A69z88' -split 'A|z' | % {[char][int]$_}) -join '')"),
                },
                new[]
                {
                    Part(4412, id, 1, 2, "Get-ChildItem $PSHo"),
                    Part(4412, id, 2, 2, "me | Select-Object -First 3"),
                });
        }

        [Fact]
        public void NetworkConnection_TorPort_FiresOnAnOutboundKernelConnect()
        {
            AssertSameVerdict("command_and_control_tor_proxy_port",
                new[]
                {
                    new EtwRecord { Kind = EtwRecordKind.TcpConnect, Time = T0, ProcessId = 6620, SourceIp = "127.0.0.1", SourcePort = 50234, DestinationIp = "127.0.0.1", DestinationPort = 9050 },
                },
                new[]
                {
                    // An inbound connection to the port is not the rule's outbound use.
                    new EtwRecord { Kind = EtwRecordKind.TcpAccept, Time = T0, ProcessId = 6620, SourceIp = "127.0.0.1", SourcePort = 9050, DestinationIp = "127.0.0.1", DestinationPort = 9050 },
                });
        }

        [Fact]
        public void DnsQuery_LongSubdomain_FiresOnADnsClientQuery()
        {
            AssertSameVerdict("exfiltration_dns_long_subdomain",
                new[]
                {
                    new EtwRecord { Kind = EtwRecordKind.DnsQuery, Time = T0, ProcessId = 7720, QueryName = "MZWGCZ33ORUWG2LBNZQW4ZDSMVZXI4ZAMFXGIIDXN5ZGIZLSON2GS3THEB.lookup-cdn.net", QueryResults = "type:  5 127.0.0.1;" },
                },
                new[]
                {
                    new EtwRecord { Kind = EtwRecordKind.DnsQuery, Time = T0, ProcessId = 7720, QueryName = "www.example.com", QueryResults = "::ffff:93.184.215.14;" },
                });
        }

        [Fact]
        public void FileEvent_AttachmentDroppedExecutable_FiresOnAKernelCreateThatMadeTheFile()
        {
            const string outlook = @"\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE";
            const string iso = @"\Users\alice\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\Q2LX8M1P\Delivery_Note.iso";
            AssertSameVerdict("initial_access_attachment_dropped_executable",
                new[]
                {
                    Start(5044, 900, outlook, "OUTLOOK.EXE"),
                    new EtwRecord { Kind = EtwRecordKind.FileCreate, Time = T0.AddSeconds(1), ProcessId = 5044, IrpPtr = 0x10, FileObject = 0x20, Path = Volume + iso, CreateDisposition = 2 },
                    new EtwRecord { Kind = EtwRecordKind.FileOperationEnd, Time = T0.AddSeconds(1), IrpPtr = 0x10, Information = 2 },
                },
                new[]
                {
                    // The same file opened, not created.
                    Start(5044, 900, outlook, "OUTLOOK.EXE"),
                    new EtwRecord { Kind = EtwRecordKind.FileCreate, Time = T0.AddSeconds(1), ProcessId = 5044, IrpPtr = 0x10, FileObject = 0x20, Path = Volume + iso, CreateDisposition = 3 },
                    new EtwRecord { Kind = EtwRecordKind.FileOperationEnd, Time = T0.AddSeconds(1), IrpPtr = 0x10, Information = 1 },
                });
        }

        private static void AssertSameVerdict(string stem, EtwRecord[] match, EtwRecord[] benign)
        {
            SigmaRule rule = Assert.Single(Pack.Value.Rules, r => Path.GetFileNameWithoutExtension(r.SourceFile) == stem);
            Assert.True(Matches(rule, SysmonFixture(stem)) > 0, $"{stem}: its Sysmon match fixture does not match");
            Assert.True(Matches(rule, Etw(match)) > 0, $"{stem}: the ETW rendition does not match");
            Assert.Equal(0, Matches(rule, Etw(benign)));
        }

        private static IEnumerable<BehaviorEvent> SysmonFixture(string stem)
        {
            string fixture = Path.Combine(FixturesDir, stem + ".match.jsonl");
            var problems = new List<ReplayProblem>();
            var normalizer = new WindowsEventNormalizer();
            var events = new List<BehaviorEvent>();
            using (FileStream stream = File.OpenRead(fixture))
            {
                IRecordReader reader = ReplayInputs.Open(stream, fixture, problems.Add, new Utf8StringCache(), 1 << 20);
                for (EventRecord? record = reader.Next(); record is not null; record = reader.Next())
                {
                    events.Add(normalizer.Normalize(record));
                }
            }

            Assert.Empty(problems);
            return events;
        }

        private static IEnumerable<BehaviorEvent> Etw(EtwRecord[] records)
        {
            EtwRecordNormalizer etw = New();
            var output = new List<EventRecord>();
            foreach (EtwRecord record in records)
            {
                etw.Normalize(record, output);
            }

            var normalizer = new WindowsEventNormalizer();
            return output.Select(normalizer.Normalize).ToList();
        }

        private static long Matches(SigmaRule rule, IEnumerable<BehaviorEvent> events)
        {
            var detector = new RuleDetector(Pack.Value);
            var pipeline = new BehaviorPipeline(new IDetector[] { detector }, _ => { });
            foreach (BehaviorEvent e in events)
            {
                pipeline.Process(e);
            }

            pipeline.EndRecording();
            return detector.Statistics().Single(s => s.Rule.Id == rule.Id).Matches;
        }
    }
}
