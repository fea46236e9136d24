using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Tests.Sensors.Replay
{
    public sealed class ReplayReaderTests : IDisposable
    {
        private const string SysmonLine =
            "{\"EventID\": 1, \"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"Provider\": \"Microsoft-Windows-Sysmon\", \"Computer\": \"WS1.corp.local\", " +
            "\"TimeCreated\": \"2024-03-01T10:00:00.123456Z\", \"EventRecordID\": 42, \"ProcessId\": \"4242\", \"Image\": \"C:\\\\Windows\\\\System32\\\\cmd.exe\", \"CommandLine\": \"cmd /c \\\"whoami\\\"\"}";

        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-replay-" + Guid.NewGuid().ToString("N"));

        public ReplayReaderTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static (List<EventRecord> Records, List<ReplayProblem> Problems) ReadAll(byte[] content, string name, int maxRecordBytes = 1 << 20)
        {
            var problems = new List<ReplayProblem>();
            var records = new List<EventRecord>();
            IRecordReader reader = ReplayInputs.Open(new MemoryStream(content), name, problems.Add, new Utf8StringCache(), maxRecordBytes);
            for (EventRecord? r = reader.Next(); r is not null; r = reader.Next())
            {
                records.Add(r);
            }

            return (records, problems);
        }

        private static byte[] Gzip(string text)
        {
            var output = new MemoryStream();
            using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                gz.Write(bytes, 0, bytes.Length);
            }

            return output.ToArray();
        }

        [Fact]
        public void JsonLines_FlatRecord_MapsSystemKeysAndKeepsFields()
        {
            var (records, problems) = ReadAll(Encoding.UTF8.GetBytes(SysmonLine + "\n"), "a.jsonl");

            Assert.Empty(problems);
            EventRecord r = Assert.Single(records);
            Assert.Equal(1, r.EventId);
            Assert.Equal("Microsoft-Windows-Sysmon/Operational", r.Channel);
            Assert.Equal("Microsoft-Windows-Sysmon", r.Provider);
            Assert.Equal("WS1.corp.local", r.Computer);
            Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560), r.TimeCreated);
            Assert.Equal(42, r.RecordId);
            Assert.Equal("cmd /c \"whoami\"", r.GetField("commandline"));
            Assert.Equal(@"C:\Windows\System32\cmd.exe", r.GetField("Image"));
            Assert.Equal(3, r.Fields.Count);
            Assert.Equal("a.jsonl", r.SourceFile);
            Assert.Equal(1, r.SourceLine);
        }

        [Fact]
        public void JsonLines_Gzipped_IsDecompressedWhateverTheName()
        {
            var (records, problems) = ReadAll(Gzip(SysmonLine + "\n" + SysmonLine + "\n"), "recording.log");

            Assert.Empty(problems);
            Assert.Equal(2, records.Count);
            Assert.Equal(2, records[1].SourceLine);
        }

        [Fact]
        public void JsonLines_MalformedLines_AreReportedWithLineAndScanContinues()
        {
            string text = string.Join("\n", new[]
            {
                SysmonLine,
                "{\"EventID\": 1, \"Channel\": \"x\"",
                "not json at all",
                "[1,2,3]",
                "{\"Channel\": \"Security\"}",
                "{\"EventID\": \"abc\"}",
                "",
                "   ",
                "{\"EventID\": 4688, \"Channel\": \"Security\"} trailing",
                SysmonLine,
                "{\"EventID\": 4688, \"Channel\": \"Security\", \"Computer\": \"DC1\"",
            });

            var (records, problems) = ReadAll(Encoding.UTF8.GetBytes(text), "bad.jsonl");

            Assert.Equal(2, records.Count);
            Assert.Equal(new long[] { 1, 10 }, records.Select(r => r.SourceLine));
            Assert.Equal(new long[] { 2, 3, 4, 5, 6, 9, 11 }, problems.Select(p => p.Line));
            Assert.All(problems, p => Assert.Equal("RecordMalformed", p.ErrorId));
            Assert.All(problems, p => Assert.Equal("bad.jsonl", p.File));
            Assert.Contains(problems, p => p.Message.Contains("no EventID"));
        }

        [Fact]
        public void JsonLines_TruncatedGzip_KeepsRecordsBeforeTheCutAndReportsIt()
        {
            var text = new StringBuilder();
            for (int i = 0; i < 2000; i++)
            {
                text.Append(SysmonLine.Replace("\"EventRecordID\": 42", "\"EventRecordID\": " + i)).Append('\n');
            }

            byte[] full = Gzip(text.ToString());
            byte[] cut = full.Take(full.Length / 2).ToArray();

            var (records, problems) = ReadAll(cut, "cut.jsonl.gz");

            Assert.InRange(records.Count, 1, 1999);
            ReplayProblem problem = Assert.Single(problems, p => p.ErrorId == "InputTruncated");
            Assert.True(problem.IsFileLevel);
            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long?)i), records.Select(r => r.RecordId));
        }

        [Fact]
        public void JsonLines_LineOverLimit_IsSkippedAndReported()
        {
            string huge = "{\"EventID\": 1, \"Channel\": \"c\", \"Blob\": \"" + new string('A', 5000) + "\"}";
            var (records, problems) = ReadAll(Encoding.UTF8.GetBytes(SysmonLine + "\n" + huge + "\n" + SysmonLine), "big.jsonl", maxRecordBytes: 1024);

            Assert.Equal(new long[] { 1, 3 }, records.Select(r => r.SourceLine));
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("RecordTooLarge", problem.ErrorId);
            Assert.Equal(2, problem.Line);
        }

        [Fact]
        public void JsonLines_CrlfBomAndNestedValues_AreHandled()
        {
            string text = "\uFEFF" + "{\"EventID\": 4104, \"Channel\": \"c\", \"Obj\": {\"a\": [1, 2]}, \"Flag\": true, \"Num\": 12.5, \"Nothing\": null}\r\n";
            var (records, problems) = ReadAll(Encoding.UTF8.GetBytes(text), "x.jsonl");

            Assert.Empty(problems);
            EventRecord r = Assert.Single(records);
            Assert.Equal("{\"a\": [1, 2]}", r.GetField("Obj"));
            Assert.Equal("true", r.GetField("Flag"));
            Assert.Equal("12.5", r.GetField("Num"));
            Assert.Null(r.GetField("Nothing"));
        }

        [Fact]
        public void JsonLines_BadTimeCreated_LeavesTimeEmptyForTheNormalizer()
        {
            var (records, _) = ReadAll(Encoding.UTF8.GetBytes("{\"EventID\": 1, \"Channel\": \"c\", \"TimeCreated\": \"yesterday\"}\n{\"EventID\": 1, \"TimeCreated\": null}"), "t.jsonl");

            Assert.All(records, r => Assert.Null(r.TimeCreated));
        }

        private const string XmlEvent =
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>" +
            "<EventID Qualifiers='0'>4688</EventID><TimeCreated SystemTime='2024-03-01T10:00:05.5000000Z'/><EventRecordID>77</EventRecordID>" +
            "<Channel>Security</Channel><Computer>WS1.corp.local</Computer></System><EventData><Data Name='NewProcessId'>0x1a2c</Data>" +
            "<Data Name='NewProcessName'>C:\\Windows\\System32\\whoami.exe</Data><Data Name='CommandLine'>whoami /all</Data><Data>unnamed</Data></EventData></Event>";

        [Fact]
        public void EventXml_WevtutilStyleOnOneLine_ReadsEveryEvent()
        {
            var (records, problems) = ReadAll(Encoding.UTF8.GetBytes(XmlEvent + XmlEvent + XmlEvent), "export.xml");

            Assert.Empty(problems);
            Assert.Equal(3, records.Count);
            EventRecord r = records[0];
            Assert.Equal(4688, r.EventId);
            Assert.Equal("Security", r.Channel);
            Assert.Equal("Microsoft-Windows-Security-Auditing", r.Provider);
            Assert.Equal("WS1.corp.local", r.Computer);
            Assert.Equal(77, r.RecordId);
            Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 0, 5, 500, TimeSpan.Zero), r.TimeCreated);
            Assert.Equal("0x1a2c", r.GetField("NewProcessId"));
            Assert.Equal("unnamed", r.GetField("Data_1"));
        }

        [Fact]
        public void EventXml_WrappedSniffedAndGzipped_ReadsEvents()
        {
            string text = "<?xml version='1.0'?>\n<Events>\n" + XmlEvent + "\n" + XmlEvent + "\n</Events>\n";
            var (records, problems) = ReadAll(Gzip(text), "dump.bin");

            Assert.Empty(problems);
            Assert.Equal(new long[] { 3, 4 }, records.Select(r => r.SourceLine));
        }

        [Fact]
        public void EventXml_BrokenElement_IsReportedAndTheNextOneRead()
        {
            string broken = XmlEvent.Replace("</Computer>", "</Computr>");
            string noId = XmlEvent.Replace("<EventID Qualifiers='0'>4688</EventID>", string.Empty);
            string text = XmlEvent + "\n" + broken + "\n" + noId + "\n" + XmlEvent + "\n" + "<Event><System>";
            var (records, problems) = ReadAll(Encoding.UTF8.GetBytes(text), "mixed.xml");

            Assert.Equal(new long[] { 1, 4 }, records.Select(r => r.SourceLine));
            Assert.Equal(new long[] { 2, 3, 5 }, problems.Select(p => p.Line));
            Assert.All(problems, p => Assert.Equal("RecordMalformed", p.ErrorId));
        }

        [Fact]
        public void EventXml_UserDataAndCollidingNames_FollowTheJsonConvention()
        {
            string text = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Eventlog'/><EventID>1102</EventID>" +
                "<TimeCreated SystemTime='2024-03-01T10:00:00Z'/><Channel>Security</Channel><Computer>DC1</Computer></System>" +
                "<UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserName>admin</SubjectUserName><Channel>Security</Channel></LogFileCleared></UserData></Event>";
            var (records, _) = ReadAll(Encoding.UTF8.GetBytes(text), "c.xml");

            EventRecord r = Assert.Single(records);
            Assert.Equal("admin", r.GetField("SubjectUserName"));
            Assert.Equal("Security", r.GetField("UserData_Channel"));
        }

        [Fact]
        public void Expand_Directory_TakesRecordingsRecursivelyInOrderAndReportsMissingPaths()
        {
            Directory.CreateDirectory(Path.Combine(_dir, "b", "deep"));
            File.WriteAllText(Path.Combine(_dir, "b", "deep", "z.jsonl.gz"), string.Empty);
            File.WriteAllText(Path.Combine(_dir, "a.xml"), string.Empty);
            File.WriteAllText(Path.Combine(_dir, "b", "c.ndjson"), string.Empty);
            File.WriteAllText(Path.Combine(_dir, "summary.json"), "{}");
            File.WriteAllText(Path.Combine(_dir, "notes.md"), "x");
            string explicitFile = Path.Combine(_dir, "notes.md");
            var problems = new List<ReplayProblem>();

            IReadOnlyList<string> files = ReplayInputs.Expand(new[] { _dir, explicitFile, Path.Combine(_dir, "missing") }, problems.Add);

            Assert.Equal(new[]
            {
                Path.Combine(_dir, "a.xml"),
                Path.Combine(_dir, "b", "c.ndjson"),
                Path.Combine(_dir, "b", "deep", "z.jsonl.gz"),
                explicitFile,
            }, files);
            Assert.Equal("InputNotFound", Assert.Single(problems).ErrorId);
        }

        [Theory]
        [InlineData("2020-06-10T02:50:54Z", 2020, 6, 10, 2, 50, 54, 0)]
        [InlineData("2020-06-10 02:50:54.631", 2020, 6, 10, 2, 50, 54, 6310000)]
        [InlineData("2021-12-04T21:19:16.741995Z", 2021, 12, 4, 21, 19, 16, 7419950)]
        [InlineData("2024-03-01T12:00:00.1234567+02:00", 2024, 3, 1, 10, 0, 0, 1234567)]
        [InlineData("2024-03-01T12:00:00-05:30", 2024, 3, 1, 17, 30, 0, 0)]
        public void IsoTime_CommonForms_ParseToUtc(string text, int y, int mo, int d, int h, int mi, int s, long ticks)
        {
            Assert.True(IsoTime.TryParse(text, out DateTimeOffset value));
            Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero).AddTicks(ticks), value);
            Assert.Equal(TimeSpan.Zero, value.Offset);
        }

        [Theory]
        [InlineData("")]
        [InlineData("2020-13-10T02:50:54Z")]
        [InlineData("2021-02-30T00:00:00Z")]
        [InlineData("not a time")]
        public void IsoTime_Invalid_ReturnsFalse(string text)
        {
            Assert.False(IsoTime.TryParse(text, out _));
        }
    }
}
