using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Tests.Sensors.Replay
{
    /// <summary>
    /// Records an attacker can write into a recording: each one costs itself (a counted, reported problem
    /// with its line), never the reader, and the records around it are read.
    /// </summary>
    public sealed class HostileRecordTests
    {
        private const string Good = "{\"EventID\":1,\"Channel\":\"x\",\"TimeCreated\":\"2025-05-14T09:12:14Z\"}";

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

        private static byte[] Lines(params byte[][] lines)
        {
            var all = new List<byte>();
            foreach (byte[] line in lines)
            {
                all.AddRange(line);
                all.Add((byte)'\n');
            }

            return all.ToArray();
        }

        private static byte[] U(string text) => Encoding.UTF8.GetBytes(text);

        private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        [Theory]
        [InlineData("2025-05-14T09:12:14+23:59")]
        [InlineData("2025-05-14T09:12:14+14:01")]
        [InlineData("2025-05-14T09:12:14-14:30")]
        [InlineData("2025-05-14T09:12:14+10:99")]
        [InlineData("0001-01-01T00:00:00+01:00")]
        [InlineData("9999-12-31T23:59:59-00:01")]
        [InlineData("9999-12-31 23:59:59.9999999-05:00")]
        public void IsoTime_OffsetOrInstantOutOfRange_IsRejectedNotThrown(string text)
        {
            Assert.False(IsoTime.TryParse(text, out _));
            Assert.False(IsoTime.TryParseStrict(text, out _));
        }

        [Theory]
        [InlineData("2025-05-14T09:12:14+14:00", 2025, 5, 13, 19)]
        [InlineData("2025-05-14T09:12:14-14:00", 2025, 5, 14, 23)]
        [InlineData("0001-01-01T00:00:00-01:00", 1, 1, 1, 1)]
        public void IsoTime_ExtremeButValidOffsets_Parse(string text, int y, int mo, int d, int h)
        {
            Assert.True(IsoTime.TryParse(text, out DateTimeOffset value));
            Assert.Equal(new DateTime(y, mo, d), value.UtcDateTime.Date);
            Assert.Equal(h, value.UtcDateTime.Hour);
        }

        [Fact]
        public void JsonLines_TimeOutOfRangeInAnyTimeField_IsAReportedRecordNeverACrash()
        {
            // The reproduction: one bad TimeCreated used to end the scan. Sysmon's UtcTime goes through the same path.
            string badCreated = "{\"EventID\":1,\"Channel\":\"x\",\"TimeCreated\":\"2025-05-14T09:12:14+23:59\"}";
            string badUtc = "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"UtcTime\":\"0001-01-01 00:00:00+01:00\",\"TimeCreated\":\"9999-12-31T23:59:59-01:00\"}";
            var (records, problems) = ReadAll(Lines(U(badCreated), U(Good), U(badUtc)), "t.jsonl");

            Assert.Empty(problems);
            Assert.Equal(3, records.Count);
            Assert.Null(records[0].TimeCreated);
            Assert.Equal("2025-05-14T09:12:14+23:59", records[0].InvalidTimeCreated);
            var normalizer = new WindowsEventNormalizer();
            foreach (EventRecord bad in new[] { records[0], records[2] })
            {
                BehaviorBlockingException ex = Assert.Throws<BehaviorBlockingException>(() => normalizer.Normalize(bad));
                Assert.Equal("EventTimeMissing", ex.ErrorId);
                Assert.Contains("is not a valid time", ex.Message);
                Assert.Contains("t.jsonl:" + bad.SourceLine, ex.Message);
            }

            Assert.Equal(new DateTimeOffset(2025, 5, 14, 9, 12, 14, TimeSpan.Zero), normalizer.Normalize(records[1]).Time);
        }

        [Fact]
        public void JsonLines_InvalidUtf8OrLoneSurrogate_AnywhereInARecord_IsMalformedWithItsLine()
        {
            byte[] ff = { 0xFF };
            var (records, problems) = ReadAll(Lines(
                Concat(U("{\"EventID\":1,\"Channel\":\"x\",\"RuleName\":\""), ff, U("\"}")),
                Concat(U("{\"EventID\":1,\"Channel\":\"x\",\"Rule"), ff, U("Name\":\"a\"}")),
                U(Good),
                U("{\"EventID\":1,\"Channel\":\"x\",\"R\":\"\\ud800\"}"),
                Concat(U("{\"EventID\":1,\"Channel\":\"x\",\"Obj\":{\"a\":\""), ff, U("\"}}")),
                Concat(U("{\"EventID\":1,\"Channel\":\""), ff, U("\"}")),
                Concat(U("{\"EventID\":\"1"), ff, U("\",\"Channel\":\"x\"}")),
                Concat(U("{\"EventID\":1,\"Channel\":\"x\",\"TimeCreated\":\"2025"), ff, U("\"}")),
                U("{\"EventID\":1,\"Channel\":\"x\",\"R\":\"\\udc00\\ud800\"}"),
                U(Good)), "u.jsonl");

            Assert.Equal(new long[] { 3, 10 }, records.Select(r => r.SourceLine));
            Assert.Equal(new long[] { 1, 2, 4, 5, 6, 7, 8, 9 }, problems.Select(p => p.Line));
            Assert.All(problems, p => Assert.Equal("RecordMalformed", p.ErrorId));
            Assert.All(problems, p => Assert.Equal("u.jsonl", p.File));
            Assert.All(problems, p => Assert.False(p.IsFileLevel));
            Assert.Contains("not valid UTF-8", problems[0].Message);
        }

        [Fact]
        public void JsonLines_HugeNumbersDeepNestingAndControlBytes_AreMalformedOrKeptButNeverThrow()
        {
            string deep = "{\"EventID\":1,\"Channel\":\"x\",\"D\":" + new string('[', 5000) + new string(']', 5000) + "}";
            var (records, problems) = ReadAll(Lines(
                U("{\"EventID\":1e999999,\"Channel\":\"x\"}"),
                U("{\"EventID\":99999999999999999999999999,\"Channel\":\"x\"}"),
                U("{\"EventID\":1,\"Channel\":\"x\",\"EventRecordID\":1e400,\"N\":-1e99999}"),
                U(deep),
                U("{\"EventID\":1,\"Channel\":\"x\",\"V\":\"a\u0000b\"}"),
                U("{\"EventID\":1,\"Channel\":\"x\",\"V\":\"a\\u0000b\"}"),
                U("{\"EventID\":1,\"Channel\":\"x\"}\u0000"),
                U("{\"EventID\":1,\"Channel\":\"x\",\"V\":\"\uFEFF\"} \uFEFF")), "n.jsonl");

            Assert.Equal(new long[] { 3, 6 }, records.Select(r => r.SourceLine));
            Assert.Null(records[0].RecordId);
            Assert.Equal("-1e99999", records[0].GetField("N"));
            Assert.Equal("a\0b", records[1].GetField("V"));
            Assert.Equal(new long[] { 1, 2, 4, 5, 7, 8 }, problems.Select(p => p.Line));
            Assert.All(problems, p => Assert.Equal("RecordMalformed", p.ErrorId));
            Assert.Contains(problems, p => p.Line == 1 && p.Message.Contains("EventID"));
        }

        [Fact]
        public void JsonLines_DuplicateKeys_FirstValueWinsAndTheRecordIsReportedButKept()
        {
            string text = "{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"TimeCreated\":\"2025-05-14T09:12:14Z\","
                + "\"CommandLine\":\"powershell -enc AAAA\",\"Image\":\"C:\\\\p.exe\",\"commandline\":\"notepad\",\"Channel\":\"x\",\"EventID\":4688,"
                + "\"TimeCreated\":\"2000-01-01T00:00:00Z\",\"IMAGE\":null}";
            var (records, problems) = ReadAll(Lines(U(text), U(Good)), "d.jsonl");

            EventRecord r = records[0];
            Assert.Equal(1, r.EventId);
            Assert.Equal("Microsoft-Windows-Sysmon/Operational", r.Channel);
            Assert.Equal(new DateTimeOffset(2025, 5, 14, 9, 12, 14, TimeSpan.Zero), r.TimeCreated);
            Assert.Equal("powershell -enc AAAA", r.GetField("CommandLine"));
            Assert.Equal(@"C:\p.exe", r.GetField("Image"));
            Assert.Equal(new[] { "CommandLine", "Image" }, r.Fields.Select(f => f.Key));
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("RecordDuplicateKey", problem.ErrorId);
            Assert.Equal(1, problem.Line);
            Assert.True(problem.RecordKept);
            Assert.False(problem.IsFileLevel);
            Assert.Contains("'commandline'", problem.Message);
            Assert.Contains("5 repeated keys", problem.Message);
            Assert.Equal(2, records.Count);
        }

        [Fact]
        public void JsonLines_ManyKeysAndNonAsciiKeys_DuplicatesAreFoundWhateverTheSpelling()
        {
            var keys = Enumerable.Range(0, 3000).Select(i => "\"K" + i + "\":\"" + i + "\"");
            string many = "{\"EventID\":1,\"Channel\":\"x\"," + string.Join(",", keys) + ",\"k2999\":\"again\",\"Straße\":\"1\",\"Stra\\u00dfe\":\"2\"}";
            var (records, problems) = ReadAll(Lines(U(many)), "m.jsonl");

            EventRecord r = Assert.Single(records);
            Assert.Equal(3001, r.Fields.Count);
            Assert.Equal("2999", r.GetField("K2999"));
            Assert.Equal("1", r.GetField("Straße"));
            Assert.Contains("2 repeated keys", Assert.Single(problems).Message);
        }

        private const string Ns = "xmlns='http://schemas.microsoft.com/win/2004/08/events/event'";

        private static string XmlEvent(string data, string time = "2024-03-01T10:00:05.5000000Z", string extraSystem = "") =>
            "<Event " + Ns + "><System><Provider Name='P'/><EventID>4688</EventID><TimeCreated SystemTime='" + time + "'/>"
            + "<Channel>Security</Channel><Computer>WS1</Computer>" + extraSystem + "</System><EventData>" + data + "</EventData></Event>";

        [Fact]
        public void EventXml_EntityBombAndExternalEntity_AreMalformedAndNothingIsExpandedOrFetched()
        {
            string secretFile = Path.Combine(Path.GetTempPath(), "bb-secret-" + Guid.NewGuid().ToString("N") + ".txt");
            File.WriteAllText(secretFile, "TOP-SECRET-CONTENT");
            try
            {
                var dtd = new StringBuilder("<?xml version='1.0'?>\n<!DOCTYPE Events [\n<!ENTITY lol0 'lol'>\n");
                for (int i = 1; i <= 9; i++)
                {
                    dtd.Append("<!ENTITY lol" + i + " '" + string.Concat(Enumerable.Repeat("&lol" + (i - 1) + ";", 10)) + "'>\n");
                }

                dtd.Append("<!ENTITY xxe SYSTEM 'file://" + secretFile + "'>\n]>\n<Events>\n");
                string text = dtd + XmlEvent("<Data Name='CommandLine'>&lol9;</Data>") + "\n"
                    + XmlEvent("<Data Name='CommandLine'>&xxe;</Data>") + "\n"
                    + "<Event " + Ns + "><!DOCTYPE x [<!ENTITY y 'z'>]><System/></Event>\n"
                    + XmlEvent("<Data Name='CommandLine'>&lt;ok&gt; &#x41;</Data>") + "\n</Events>\n";

                var (records, problems) = ReadAll(U(text), "bomb.xml");

                EventRecord r = Assert.Single(records);
                Assert.Equal("<ok> A", r.GetField("CommandLine"));
                Assert.Equal(new long[] { 16, 17, 18 }, problems.Select(p => p.Line));
                Assert.All(problems, p => Assert.Equal("RecordMalformed", p.ErrorId));
                Assert.DoesNotContain(problems, p => p.Message.Contains("TOP-SECRET", StringComparison.Ordinal));
            }
            finally
            {
                File.Delete(secretFile);
            }
        }

        [Fact]
        public void EventXml_DeepNesting_IsMalformedWithoutExhaustingTheStack()
        {
            string deep = "<Data Name='D'>" + string.Concat(Enumerable.Repeat("<a>", 200_000)) + "x" + string.Concat(Enumerable.Repeat("</a>", 200_000)) + "</Data>";
            string userDeep = "<Event " + Ns + "><System><EventID>1</EventID></System><UserData>" + string.Concat(Enumerable.Repeat("<u>", 100)) + "v"
                + string.Concat(Enumerable.Repeat("</u>", 100)) + "</UserData></Event>";
            string shallow = "<Data Name='D'>" + string.Concat(Enumerable.Repeat("<a>", 60)) + "x" + string.Concat(Enumerable.Repeat("</a>", 60)) + "</Data>";
            string text = XmlEvent(deep) + "\n" + userDeep + "\n" + XmlEvent(shallow) + "\n";

            var (records, problems) = ReadAll(U(text), "deep.xml", maxRecordBytes: 4 << 20);

            EventRecord r = Assert.Single(records);
            Assert.Equal("x", r.GetField("D"));
            Assert.Equal(new long[] { 1, 2 }, problems.Select(p => p.Line));
            Assert.All(problems, p => Assert.Contains("deeper than 64", p.Message));
        }

        [Fact]
        public void EventXml_InvalidBytesAndLoneSurrogateReferences_AreMalformedAndTheNextEventIsRead()
        {
            byte[] bad = U(XmlEvent("<Data Name='CommandLine'>aXb</Data>"));
            int at = Array.IndexOf(bad, (byte)'X');
            bad[at] = 0xFF;
            byte[] text = Concat(bad, U("\n"), new byte[] { 0xC3, 0x28, (byte)'\n' }, U(XmlEvent("<Data Name='C'>&#xD800;</Data>") + "\n"),
                U(XmlEvent("<Data Name='C'>ok</Data>", time: "2025-05-14T09:12:14+23:59") + "\n"), U(XmlEvent("<Data Name='C'>é</Data>")));

            var (records, problems) = ReadAll(text, "enc.xml");

            Assert.Equal(new long[] { 4, 5 }, records.Select(r => r.SourceLine));
            Assert.Null(records[0].TimeCreated);
            Assert.Equal("2025-05-14T09:12:14+23:59", records[0].InvalidTimeCreated);
            Assert.Equal("é", records[1].GetField("C"));
            Assert.Equal(new long[] { 1, 3 }, problems.Select(p => p.Line));
            Assert.Contains("not valid in the file's encoding", problems[0].Message);
            Assert.All(problems, p => Assert.Equal("RecordMalformed", p.ErrorId));
        }

        [Fact]
        public void EventXml_Utf16WithByteOrderMark_IsDetectedAndRead()
        {
            string text = "<Events>\r\n" + XmlEvent("<Data Name='CommandLine'>whoami</Data>") + "\r\n" + XmlEvent("<Data Name='CommandLine'>net user</Data>") + "\r\n</Events>";
            byte[] utf16 = Concat(Encoding.Unicode.GetPreamble(), Encoding.Unicode.GetBytes(text));

            var (records, problems) = ReadAll(utf16, "export.bin");

            Assert.Empty(problems);
            Assert.Equal(new[] { "whoami", "net user" }, records.Select(r => r.GetField("CommandLine")));
            Assert.Equal(new long[] { 2, 3 }, records.Select(r => r.SourceLine));
        }

        [Fact]
        public void EventXml_RepeatedSystemElementsAndDataNames_FirstWinsAndIsReported()
        {
            string text = XmlEvent("<Data Name='CommandLine'>real</Data><Data Name='commandline'>fake</Data>", extraSystem: "<EventID>1</EventID><Channel>x</Channel>");

            var (records, problems) = ReadAll(U(text), "dup.xml");

            EventRecord r = Assert.Single(records);
            Assert.Equal(4688, r.EventId);
            Assert.Equal("Security", r.Channel);
            Assert.Equal("real", r.GetField("CommandLine"));
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("RecordDuplicateKey", problem.ErrorId);
            Assert.True(problem.RecordKept);
            Assert.Contains("3 repeats", problem.Message);
        }

        [Fact]
        public void EventXml_ElementOverTheLimit_IsSkippedAndTheNextOneRead()
        {
            string big = XmlEvent("<Data Name='Blob'>" + new string('A', 300_000) + "</Data>");
            string text = XmlEvent("<Data Name='N'>1</Data>") + "\n" + big + "\n" + XmlEvent("<Data Name='N'>3</Data>") + "\n";

            var (records, problems) = ReadAll(U(text), "big.xml", maxRecordBytes: 64 * 1024);

            Assert.Equal(new[] { "1", "3" }, records.Select(r => r.GetField("N")));
            Assert.Equal(new long[] { 1, 3 }, records.Select(r => r.SourceLine));
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("RecordTooLarge", problem.ErrorId);
            Assert.Equal(2, problem.Line);
        }

        [Fact]
        public void JsonLines_LineWithoutNewlineFarOverTheLimit_IsOneCountedSkipInBoundedMemory()
        {
            // 64 MiB of one line against a 1 MiB limit: the reader's buffer never grows past the limit.
            var stream = new RepeatingStream(U("{\"EventID\":1,\"Channel\":\"x\",\"V\":\""), (byte)'A', 64L << 20, U("\"}\n" + Good + "\n"));
            var problems = new List<ReplayProblem>();
            long before = GC.GetAllocatedBytesForCurrentThread();
            IRecordReader reader = ReplayInputs.Open(stream, "huge.jsonl", problems.Add, new Utf8StringCache(), 1 << 20);
            EventRecord? r = reader.Next();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.NotNull(r);
            Assert.Equal(2, r!.SourceLine);
            Assert.Null(reader.Next());
            Assert.Equal("RecordTooLarge", Assert.Single(problems).ErrorId);
            Assert.InRange(allocated, 0, 8L << 20);
        }

        /// <summary>A prefix, then one byte repeated, then a suffix, produced on the fly.</summary>
        private sealed class RepeatingStream : Stream
        {
            private readonly byte[] _prefix;
            private readonly byte _fill;
            private readonly long _fillLength;
            private readonly byte[] _suffix;
            private long _position;

            public RepeatingStream(byte[] prefix, byte fill, long fillLength, byte[] suffix)
            {
                _prefix = prefix;
                _fill = fill;
                _fillLength = fillLength;
                _suffix = suffix;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                long total = _prefix.Length + _fillLength + _suffix.Length;
                int n = (int)Math.Min(count, total - _position);
                for (int i = 0; i < n; i++, _position++)
                {
                    buffer[offset + i] = _position < _prefix.Length ? _prefix[_position]
                        : _position < _prefix.Length + _fillLength ? _fill
                        : _suffix[_position - _prefix.Length - _fillLength];
                }

                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
