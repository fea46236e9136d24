using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Sensors.Windows.Etw;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Windows.Etw
{
    /// <summary>The ETW sensor's logic that needs no Windows: names, paths, preconditions, payload parsing, filters, bounds.</summary>
    public class EtwSeamTests
    {
        [Fact]
        public void SessionName_IsPrefixPidAndRandomAndParsesBackToItsOwner()
        {
            string a = EtwSessionNames.Create(4242, new Random(1));
            string b = EtwSessionNames.Create(4242, new Random(2));
            Assert.Matches(@"^BehaviorBlocking-4242-[0-9a-f]{8}$", a);
            Assert.NotEqual(a, b);
            Assert.Equal(4242, EtwSessionNames.Owner(a));
        }

        [Theory]
        [InlineData("NT Kernel Logger")]
        [InlineData("BehaviorBlocking-")]
        [InlineData("BehaviorBlocking-12")]
        [InlineData("BehaviorBlocking-12-")]
        [InlineData("BehaviorBlocking-x1-abcd")]
        [InlineData("BehaviorBlocking-12-xyz!")]
        [InlineData("BehaviorBlocking-0-ab")]
        [InlineData("behaviorblocking-12-ab")]
        [InlineData("BehaviorBlockingX-12-ab")]
        public void SessionOwner_OfANameNotOursIsNull(string name) => Assert.Null(EtwSessionNames.Owner(name));

        [Fact]
        public void StaleSessions_AreOursWhoseOwnerIsGoneNeverOtherProductsLiveOwnersOrOurOwn()
        {
            var running = new HashSet<int> { 100, 200 };
            IReadOnlyList<string> stale = EtwSessionNames.SelectStale(new[]
            {
                "NT Kernel Logger", "Circular Kernel Context Logger", "EventLog-Application",
                "BehaviorBlocking-100-0a0b0c0d",   // another monitor, running
                "BehaviorBlocking-300-deadbeef",   // died
                "BehaviorBlocking-400-00000001",   // died
                "BehaviorBlocking-500-cafebabe",   // this process
                "BehaviorBlocking-Service",        // not our scheme
            }, currentProcessId: 500, isRunning: running.Contains);

            Assert.Equal(new[] { "BehaviorBlocking-300-deadbeef", "BehaviorBlocking-400-00000001" }, stale);
        }

        [Fact]
        public void Preconditions_OffWindowsFailWithNotSupportedBeforeAskingAboutElevation()
        {
            bool asked = false;
            var ex = Assert.Throws<BehaviorBlockingException>(() => EtwPreconditions.Check("Windows ETW sensor", isWindows: false, () =>
            {
                asked = true;
                return true;
            }, 7));
            Assert.False(asked);
            Assert.Equal(ErrorIds.EtwSensorNotSupported, ex.ErrorId);
            Assert.Equal(FailureKind.NotSupported, ex.Kind);
            Assert.Contains("Windows only", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Preconditions_NotElevatedFailsWithTheElevationErrorNamingThePrivilegeAndPid()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => EtwPreconditions.Check("Windows ETW sensor", isWindows: true, () => false, 4711));
            Assert.Equal(ErrorIds.EtwSensorRequiresElevation, ex.ErrorId);
            Assert.Equal(FailureKind.AccessDenied, ex.Kind);
            Assert.Contains("Administrator", ex.Message, StringComparison.Ordinal);
            Assert.Contains("PID 4711", ex.Message, StringComparison.Ordinal);
            Assert.Contains("elevated", ex.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(null)]
        public void Preconditions_ElevatedOrUnknownPass(bool? elevated) => EtwPreconditions.Check("Windows ETW sensor", isWindows: true, () => elevated, 1);

        [Fact]
        public void EtwSensor_OffWindows_RunFailsWithTheNotWindowsErrorAndWritesNothing()
        {
            Assert.False(RuntimeInformation.IsOSPlatform(OSPlatform.Windows), "this test runs where ETW is not available");
            var sensor = new EtwSensor();
            var writer = new CollectingWriter();
            var ex = Assert.Throws<BehaviorBlockingException>(() => sensor.Run(writer, CancellationToken.None));
            Assert.Equal(ErrorIds.EtwSensorNotSupported, ex.ErrorId);
            Assert.Contains("Windows ETW sensor runs on Windows only", ex.Message, StringComparison.Ordinal);
            Assert.Empty(writer.Events);
            Assert.True(sensor.IsLive);
            Assert.StartsWith("BehaviorBlocking-" + Environment.ProcessId + "-", sensor.SessionName, StringComparison.Ordinal);
        }

        [Fact]
        public void EtwSensor_OffWindows_FailsThroughTheEventPumpToo()
        {
            var pump = new EventPump(new EtwSensor());
            var ex = Assert.Throws<BehaviorBlockingException>(() => pump.Run(_ => { }));
            Assert.Equal(ErrorIds.EtwSensorNotSupported, ex.ErrorId);
        }

        [Fact]
        public void SysmonChannel_OffWindows_IsNotInstalledAndRunFailsWithTheNotWindowsError()
        {
            Assert.False(SysmonChannelSource.IsInstalled(out string reason));
            Assert.Contains("Windows only", reason, StringComparison.Ordinal);
            var ex = Assert.Throws<BehaviorBlockingException>(() => new SysmonChannelSource().Run(new CollectingWriter(), CancellationToken.None));
            Assert.Equal(ErrorIds.EtwSensorNotSupported, ex.ErrorId);
            Assert.Contains("Sysmon channel reader", ex.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void SysmonChannel_RecordXmlParsesThroughTheReplayReaderToASysmonEvent()
        {
            const string xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>"
                + "<EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
                + "<TimeCreated SystemTime='2026-12-02T05:40:01.2510000Z'/><EventRecordID>77</EventRecordID><Correlation/><Execution ProcessID='3000' ThreadID='3100'/>"
                + "<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01</Computer><Security UserID='S-1-5-18'/></System>"
                + "<EventData><Data Name='RuleName'>-</Data><Data Name='UtcTime'>2026-12-02 05:40:01.250</Data><Data Name='ProcessGuid'>{6b1f3c2a-0001-6790-2a01-000000000c00}</Data>"
                + "<Data Name='ProcessId'>4412</Data><Data Name='Image'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='CommandLine'>cmd /c whoami &amp; exit</Data>"
                + "<Data Name='User'>EXAMPLE\\alice</Data><Data Name='ParentProcessId'>3120</Data><Data Name='ParentImage'>C:\\Windows\\explorer.exe</Data></EventData></Event>";
            var problems = new List<ReplayProblem>();
            EventRecord? record = SysmonChannelSource.ParseXml(xml, "eventlog:test", problems.Add);

            Assert.Empty(problems);
            Assert.NotNull(record);
            BehaviorEvent e = new WindowsEventNormalizer().Normalize(record!);
            Assert.Equal(EventKind.ProcessStart, e.Kind);
            Assert.Equal(77, e.RecordId);
            Assert.Equal(4412, e.ProcessId);
            Assert.Equal("cmd /c whoami & exit", e.CommandLine);
            Assert.Equal(@"C:\Windows\explorer.exe", e.ParentImage);
            Assert.Equal(new DateTimeOffset(2026, 12, 2, 5, 40, 1, 250, TimeSpan.Zero), e.Time);
        }

        [Fact]
        public void SysmonChannel_BrokenXmlIsReportedNotThrown()
        {
            var problems = new List<ReplayProblem>();
            Assert.Null(SysmonChannelSource.ParseXml("<Event><System><EventID>1</EventID></System><EventData><Data Name='x'>unclosed</EventData></Event>", "eventlog:test", problems.Add));
            Assert.Equal(ErrorIds.RecordMalformed, Assert.Single(problems).ErrorId);
        }

        [Theory]
        [InlineData(@"\REGISTRY\MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run", @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run")]
        [InlineData(@"\registry\machine\software\x", @"HKLM\software\x")]
        [InlineData(@"\REGISTRY\USER\S-1-5-21-1-2-3-1001\Software\x", @"HKU\S-1-5-21-1-2-3-1001\Software\x")]
        [InlineData(@"\REGISTRY\USER\S-1-5-21-1-2-3-1001_Classes\CLSID\{x}", @"HKU\S-1-5-21-1-2-3-1001_Classes\CLSID\{x}")]
        [InlineData(@"\REGISTRY\MACHINE\SYSTEM\ControlSet001\Services\PortProxy", @"HKLM\System\CurrentControlSet\Services\PortProxy")]
        [InlineData(@"\REGISTRY\MACHINE\SYSTEM\ControlSet002", @"HKLM\System\CurrentControlSet")]
        [InlineData(@"\REGISTRY\MACHINE\SYSTEM\ControlSetX\Services", @"HKLM\SYSTEM\ControlSetX\Services")]
        [InlineData(@"\REGISTRY\MACHINEX\a", @"\REGISTRY\MACHINEX\a")]
        [InlineData(@"\REGISTRY\MACHINE", "HKLM")]
        public void RegistryPath_KernelNamesBecomeSysmonRoots(string kernel, string sysmon) => Assert.Equal(sysmon, EtwPaths.Registry(kernel));

        [Theory]
        [InlineData(@"\Device\HarddiskVolume1\a.txt", @"D:\a.txt")]
        [InlineData(@"\Device\HarddiskVolume10\a.txt", @"E:\a.txt")]
        [InlineData(@"\Device\HarddiskVolume100\a.txt", @"\Device\HarddiskVolume100\a.txt")]
        [InlineData(@"\device\harddiskvolume3\Windows", @"C:\Windows")]
        [InlineData(@"\Device\HarddiskVolume3", @"C:")]
        [InlineData(@"\??\C:\Windows\x.exe", @"C:\Windows\x.exe")]
        [InlineData(@"\\?\C:\x", @"C:\x")]
        [InlineData(@"\SystemRoot\System32\ntdll.dll", @"C:\Windows\System32\ntdll.dll")]
        [InlineData(@"\Device\Mup\server\share\a.ps1", @"\Device\Mup\server\share\a.ps1")]
        [InlineData("cmd.exe", "cmd.exe")]
        public void FilePath_DevicesBecomeDrivesAtPathBoundariesOnly(string kernel, string dos)
        {
            var devices = new[]
            {
                new KeyValuePair<string, string>(@"\Device\HarddiskVolume1", "D:"),
                new KeyValuePair<string, string>(@"\Device\HarddiskVolume10", "E:"),
                new KeyValuePair<string, string>(@"\Device\HarddiskVolume3", "C:"),
            };
            Assert.Equal(dos, EtwPaths.File(kernel, devices, @"C:\Windows\"));
        }

        [Fact]
        public void ProcessPayload_UserSidIsReadAfterTheFixedFieldsAndTokenUser()
        {
            // 64-bit, version 4: key(8) pid ppid session exit(16) dtb(8) flags(4), TOKEN_USER(16), SID, image name.
            byte[] sid = Sid(5, 21, 1004336348, 1177238915, 682003330, 1001);
            byte[] payload = Payload(pointerSize: 8, flags: true, tokenPointer: 0xFFFF_A000_0000_1000, sid);
            Assert.Equal("S-1-5-21-1004336348-1177238915-682003330-1001", KernelProcessPayload.UserSid(payload, 8, 4));

            byte[] payload32 = Payload(pointerSize: 4, flags: false, tokenPointer: 0x8000_1000, Sid(5, 18));
            Assert.Equal("S-1-5-18", KernelProcessPayload.UserSid(payload32, 4, 3));
        }

        [Fact]
        public void ProcessPayload_NoTokenShortOrOddPayloadsGiveNoSid()
        {
            Assert.Null(KernelProcessPayload.UserSid(Payload(8, true, 0, Array.Empty<byte>()), 8, 4));
            Assert.Null(KernelProcessPayload.UserSid(new byte[20], 8, 4));
            byte[] full = Payload(8, true, 0x1000, Sid(5, 21, 1, 2, 3, 500));
            Assert.Null(KernelProcessPayload.UserSid(full.Take(full.Length - 30).ToArray(), 8, 4));
            Assert.Null(KernelProcessPayload.UserSid(full, 8, 2));
            Assert.Null(KernelProcessPayload.UserSid(full, 6, 4));
            byte[] badRevision = (byte[])full.Clone();
            badRevision[8 + 16 + 8 + 4 + 16] = 2;
            Assert.Null(KernelProcessPayload.UserSid(badRevision, 8, 4));
        }

        [Fact]
        public void FileCreateFilter_KeepsOnlyCreatesThatMayMakeAFileAndIsBounded()
        {
            var filter = new FileCreateFilter(capacity: 2);
            Assert.False(filter.OnCreate(1, disposition: 1, options: 0));
            Assert.False(filter.OnCreate(2, disposition: 2, options: 0x1));
            Assert.False(filter.OnCreate(0, disposition: 2, options: 0));
            Assert.True(filter.OnCreate(3, disposition: 2, options: 0));
            Assert.False(filter.OnOperationEnd(1));
            Assert.True(filter.OnOperationEnd(3));
            Assert.False(filter.OnOperationEnd(3));

            Assert.True(filter.OnCreate(10, 5, 0));
            Assert.True(filter.OnCreate(11, 5, 0));
            Assert.True(filter.OnCreate(12, 5, 0));
            Assert.Equal(2, filter.Forgotten);
            Assert.False(filter.OnOperationEnd(10));
            Assert.True(filter.OnOperationEnd(12));
        }

        [Fact]
        public void BoundedMap_EvictsTheOldestLiveEntryAndReplacingRefreshesIt()
        {
            var map = new BoundedMap<int, string>(3);
            map.Set(1, "a");
            map.Set(2, "b");
            map.Set(3, "c");
            map.Set(1, "a2");
            map.Set(4, "d");
            Assert.False(map.TryGetValue(2, out _));
            Assert.True(map.TryGetValue(1, out string? one));
            Assert.Equal("a2", one);
            Assert.Equal(3, map.Count);
            Assert.Equal(1, map.Evicted);
            Assert.True(map.Take(3, out string? three));
            Assert.Equal("c", three);
            for (int i = 0; i < 1000; i++)
            {
                map.Set(100 + (i % 5), "x");
                map.Remove(100 + (i % 5));
            }

            Assert.Equal(2, map.Count);
        }

        [Fact]
        public void FileHashCache_HashesRealFilesAndRehashesWhenTheyChange()
        {
            using var dir = new TempDirectory();
            string path = dir.Combine("payload.exe");
            File.WriteAllText(path, "first");
            var cache = new FileHashCache(capacity: 4, maxBytes: 1024);
            Assert.Equal(Hex("first"), cache.Sha256(path));
            File.WriteAllText(path, "second, longer");
            Assert.Equal(Hex("second, longer"), cache.Sha256(path));
            Assert.Null(cache.Sha256(dir.Combine("missing.exe")));
            File.WriteAllBytes(dir.Combine("big.exe"), new byte[2048]);
            Assert.Null(cache.Sha256(dir.Combine("big.exe")));
        }

        [Fact]
        public void TraceEventNatives_ShipBesideTheAssemblyForX64AndArm64Only()
        {
            string output = AppContext.BaseDirectory;
            Assert.True(File.Exists(Path.Combine(output, "Microsoft.Diagnostics.Tracing.TraceEvent.dll")));
            foreach (string arch in new[] { "amd64", "arm64" })
            {
                foreach (string native in new[] { "KernelTraceControl.dll", "msdia140.dll" })
                {
                    Assert.True(File.Exists(Path.Combine(output, arch, native)), $"{arch}/{native} is missing from {output}");
                }
            }

            Assert.False(Directory.Exists(Path.Combine(output, "x86")), "x86 natives are not shipped");
        }

        private static string Hex(string text) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

        private static byte[] Sid(long authority, params uint[] subAuthorities)
        {
            var bytes = new List<byte> { 1, (byte)subAuthorities.Length };
            for (int i = 5; i >= 0; i--)
            {
                bytes.Add((byte)(authority >> (8 * i)));
            }

            foreach (uint sub in subAuthorities)
            {
                bytes.AddRange(BitConverter.GetBytes(sub));
            }

            return bytes.ToArray();
        }

        private static byte[] Payload(int pointerSize, bool flags, ulong tokenPointer, byte[] sid)
        {
            var bytes = new List<byte>();
            void Pointer(ulong value) => bytes.AddRange(pointerSize == 8 ? BitConverter.GetBytes(value) : BitConverter.GetBytes((uint)value));
            Pointer(0xFFFF_8000_1234_5678);
            bytes.AddRange(BitConverter.GetBytes(4412));
            bytes.AddRange(BitConverter.GetBytes(3120));
            bytes.AddRange(BitConverter.GetBytes(1));
            bytes.AddRange(BitConverter.GetBytes(259));
            Pointer(0x1AD000);
            if (flags)
            {
                bytes.AddRange(BitConverter.GetBytes(0));
            }

            Pointer(tokenPointer);
            if (tokenPointer != 0)
            {
                Pointer(0);
                bytes.AddRange(sid);
            }

            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes("powershell.exe\0"));
            return bytes.ToArray();
        }

        private sealed class CollectingWriter : IEventWriter
        {
            public List<BehaviorEvent> Events { get; } = new List<BehaviorEvent>();

            public void Write(BehaviorEvent behaviorEvent) => Events.Add(behaviorEvent);

            public void Problem(ReplayProblem problem)
            {
            }

            public void EndRecording(string recording, bool unreadable)
            {
            }

            public void Flush()
            {
            }
        }
    }
}
