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
    public sealed class GzipMemberStreamTests
    {
        private static string Line(int i) => "{\"EventID\":1,\"Channel\":\"x\",\"EventRecordID\":" + i + ",\"Pad\":\"" + new string((char)('a' + (i % 26)), i % 50) + "\"}\n";

        private static string Lines(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(Line));

        private static byte[] Gzip(string text, CompressionLevel level = CompressionLevel.Fastest)
        {
            var output = new MemoryStream();
            using (var gz = new GZipStream(output, level, leaveOpen: true))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                gz.Write(bytes, 0, bytes.Length);
            }

            return output.ToArray();
        }

        private static (List<EventRecord> Records, List<ReplayProblem> Problems) ReadAll(Stream content, string name = "r.jsonl.gz")
        {
            var problems = new List<ReplayProblem>();
            var records = new List<EventRecord>();
            IRecordReader reader = ReplayInputs.Open(content, name, problems.Add, new Utf8StringCache(), 1 << 20);
            for (EventRecord? r = reader.Next(); r is not null; r = reader.Next())
            {
                records.Add(r);
            }

            return (records, problems);
        }

        private static (List<EventRecord> Records, List<ReplayProblem> Problems) ReadAll(byte[] content) => ReadAll(new MemoryStream(content));

        [Fact]
        public void Read_ConcatenatedMembers_ReadsEveryRecordWithoutAProblem()
        {
            // The reproduction: cat a.gz b.gz was reported truncated. Identical members and an empty one too.
            byte[] a = Gzip(Lines(0, 3000));
            byte[] b = Gzip(Lines(3000, 5), CompressionLevel.SmallestSize);
            byte[] empty = Gzip(string.Empty);
            byte[] all = a.Concat(b).Concat(empty).Concat(a).ToArray();

            var (records, problems) = ReadAll(all);

            Assert.Empty(problems);
            Assert.Equal(Enumerable.Range(0, 3005).Concat(Enumerable.Range(0, 3000)).Select(i => (long?)i), records.Select(r => r.RecordId));
        }

        [Fact]
        public void Read_FromAPipeInTinyPieces_FramesMembersTheSame()
        {
            byte[] all = Gzip(Lines(0, 400)).Concat(Gzip(Lines(400, 400))).Concat(Gzip(string.Empty)).Concat(Gzip(Lines(800, 1))).ToArray();
            foreach (int seed in new[] { 1, 2, 3 })
            {
                var (records, problems) = ReadAll(new TrickleStream(all, seed));

                Assert.Empty(problems);
                Assert.Equal(Enumerable.Range(0, 801).Select(i => (long?)i), records.Select(r => r.RecordId));
            }
        }

        [Fact]
        public void Read_HeaderWithNameExtraCommentAndHeaderCrc_IsParsed()
        {
            byte[] plain = Gzip(Lines(0, 10));
            var member = new List<byte> { 0x1F, 0x8B, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3 };
            member.AddRange(new byte[] { 4, 0, 1, 2, 3, 4 });
            member.AddRange(Encoding.ASCII.GetBytes("name.jsonl\0a comment\0"));
            member.AddRange(new byte[] { 0xAB, 0xCD });
            member.AddRange(plain.Skip(10));

            var (records, problems) = ReadAll(member.Concat(plain).ToArray());

            Assert.Empty(problems);
            Assert.Equal(20, records.Count);
        }

        [Fact]
        public void Read_CutAtAnyByte_ReportsTruncationAndKeepsOnlyWholeRecords()
        {
            byte[] first = Gzip(Lines(0, 40));
            byte[] all = first.Concat(Gzip(Lines(40, 40))).ToArray();
            for (int cut = 2; cut < all.Length; cut++)
            {
                var (records, problems) = ReadAll(all.Take(cut).ToArray());
                if (cut == first.Length)
                {
                    // Cut exactly between members: a complete gzip file of its own.
                    Assert.Empty(problems);
                    Assert.Equal(40, records.Count);
                    continue;
                }

                Assert.True(problems.Any(p => p.ErrorId == "InputTruncated"), "cut at " + cut + " of " + all.Length + " (first member " + Gzip(Lines(0, 40)).Length + "): " + records.Count + " records, " + string.Join("; ", problems));
                ReplayProblem problem = Assert.Single(problems, p => p.ErrorId == "InputTruncated");
                Assert.True(problem.IsFileLevel, "cut at " + cut);
                Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long?)i), records.Select(r => r.RecordId));
                Assert.All(problems, p => Assert.True(p.ErrorId == "InputTruncated" || p.ErrorId == "RecordMalformed", p.ToString()));
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(10)]
        [InlineData(17)]
        public void Read_ShorterThanAnyGzip_IsAReportedFileProblem(int length)
        {
            // The reproduction: a .gz under 18 bytes read 0 events with no word.
            byte[] small = Gzip(Lines(0, 1)).Take(length).ToArray();

            var (records, problems) = ReadAll(small);

            Assert.Empty(records);
            Assert.True(Assert.Single(problems).IsFileLevel);
            Assert.Equal("InputTruncated", problems[0].ErrorId);
        }

        [Fact]
        public void Read_WrongSizeInTrailerOrBytesAfterTheLastMember_AreReportedAfterTheRecords()
        {
            byte[] good = Gzip(Lines(0, 50));
            byte[] wrongSize = (byte[])good.Clone();
            wrongSize[^2] ^= 0x40;
            byte[] trailing = good.Concat(Encoding.ASCII.GetBytes("garbage")).ToArray();

            var (records1, problems1) = ReadAll(wrongSize);
            var (records2, problems2) = ReadAll(trailing);

            Assert.Equal(50, records1.Count);
            Assert.Contains("size does not match", Assert.Single(problems1).Message);
            Assert.Equal(50, records2.Count);
            Assert.Contains("not gzip data", Assert.Single(problems2).Message);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(3)]
        public void Read_FlippedCrcInTheFirstMember_IsReportedAndEveryRecordIsRead(int crcByte)
        {
            byte[] first = Gzip(Lines(0, 300));
            byte[] second = Gzip(Lines(300, 200));
            first[first.Length - 8 + crcByte] ^= 0x01;

            var (records, problems) = ReadAll(first.Concat(second).ToArray());

            Assert.Equal(Enumerable.Range(0, 500).Select(i => (long?)i), records.Select(r => r.RecordId));
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("InputCorrupt", problem.ErrorId);
            Assert.Equal("r.jsonl.gz", problem.File);
            Assert.True(problem.IsFileLevel);
            Assert.Contains("gzip member 1 (from byte 0)", problem.Message);
            Assert.Contains("CRC-32", problem.Message);
            Assert.Contains("went on with the next member", problem.Message);
        }

        [Fact]
        public void Read_FlippedCrcInTheSecondMember_NamesThatMemberAndItsOffset()
        {
            byte[] first = Gzip(Lines(0, 300));
            byte[] second = Gzip(Lines(300, 200));
            second[second.Length - 6] ^= 0x80;

            var (records, problems) = ReadAll(new MemoryStream(first.Concat(second).ToArray()), "two.jsonl.gz");

            Assert.Equal(500, records.Count);
            ReplayProblem problem = Assert.Single(problems);
            Assert.Equal("InputCorrupt", problem.ErrorId);
            Assert.Equal("two.jsonl.gz", problem.File);
            Assert.Contains("gzip member 2 (from byte " + first.Length + ")", problem.Message);
            Assert.DoesNotContain("next member", problem.Message);
            Assert.StartsWith("two.jsonl.gz: InputCorrupt: gzip member 2", problem.ToString());
        }

        [Fact]
        public void Read_FlippedCrcFromAPipeInTinyPieces_IsReportedOnceForThatMember()
        {
            byte[] members = Gzip(Lines(0, 100)).Concat(Gzip(Lines(100, 100))).ToArray();
            byte[] third = Gzip(Lines(200, 100));
            third[third.Length - 5] ^= 0x10;
            byte[] all = members.Concat(third).ToArray();
            foreach (int seed in new[] { 1, 2 })
            {
                var (records, problems) = ReadAll(new TrickleStream(all, seed));

                Assert.Equal(300, records.Count);
                Assert.Contains("gzip member 3 (from byte " + members.Length + ")", Assert.Single(problems, p => p.ErrorId == "InputCorrupt").Message);
                Assert.Single(problems);
            }
        }

        [Fact]
        public void Read_FlippedByteInTheBodyThatStillInflates_IsCaughtByTheCrc()
        {
            // A stored (uncompressed) deflate block: a changed byte in it still inflates to the same size,
            // so only the CRC can tell. The byte sits inside a value, so the record still parses.
            string text = Lines(0, 20);
            byte[] good = Gzip(text, CompressionLevel.NoCompression);
            byte[] bad = (byte[])good.Clone();
            int inValue = IndexOf(bad, Encoding.ASCII.GetBytes("\"Pad\":\"kkkkkkkkkk")) + 9;
            Assert.True(inValue > 9);
            bad[inValue] = (byte)'K';

            var (goodRecords, goodProblems) = ReadAll(good);
            var (records, problems) = ReadAll(bad);

            Assert.Empty(goodProblems);
            Assert.Equal(20, goodRecords.Count);
            Assert.Equal(20, records.Count);
            Assert.Equal("InputCorrupt", Assert.Single(problems).ErrorId);
        }

        [Fact]
        public void Read_AnyChangedByteInTheCompressedBody_NeverAltersTheContentSilently()
        {
            // Every single-bit change in the body of a Huffman-coded member: what inflates to other bytes is
            // reported (by the deflate structure, the size or the CRC); only a change the content does not
            // show (padding bits after the last block) may pass without a word.
            byte[] original = Encoding.UTF8.GetBytes(Lines(0, 60));
            byte[] good = Gzip(Lines(0, 60), CompressionLevel.Optimal);
            int caughtByCrc = 0;
            for (int i = 10; i < good.Length - 8; i++)
            {
                for (int bit = 0; bit < 8; bit++)
                {
                    byte[] bad = (byte[])good.Clone();
                    bad[i] ^= (byte)(1 << bit);

                    var (content, problems, thrown) = Decompress(bad);

                    if (content.AsSpan().SequenceEqual(original) && thrown is null)
                    {
                        Assert.Empty(problems);
                        continue;
                    }

                    Assert.True(thrown is not null || problems.Count > 0, "bit " + bit + " of byte " + i + " of " + good.Length + " altered the content without a word");
                    if (thrown is null)
                    {
                        Assert.Equal(original.Length, content.Length);
                        Assert.Equal("InputCorrupt", Assert.Single(problems).ErrorId);
                        caughtByCrc++;
                    }
                }
            }

            Assert.True(caughtByCrc > 0, "no change inflated to the right size: the CRC check was not exercised");
        }

        private static (byte[] Content, List<ReplayProblem> Problems, InvalidDataException? Thrown) Decompress(byte[] gzip)
        {
            var problems = new List<ReplayProblem>();
            var output = new MemoryStream();
            using Stream content = ReplayInputs.OpenContent(new MemoryStream(gzip), "r.jsonl.gz", problems.Add, out _);
            try
            {
                content.CopyTo(output);
                return (output.ToArray(), problems, null);
            }
            catch (InvalidDataException ex)
            {
                return (output.ToArray(), problems, ex);
            }
        }

        [Fact]
        public void Read_EmptyMemberWithAWrongCrc_IsReported()
        {
            // An empty member, as gzip writes it for an empty file (GZipStream writes nothing for no data):
            // header, an empty final fixed-Huffman block, CRC-32 0 (here changed to 1) and size 0.
            byte[] empty = { 0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x03, 0x00, 1, 0, 0, 0, 0, 0, 0, 0 };

            var (records, problems) = ReadAll(Gzip(Lines(0, 3)).Concat(empty).ToArray());

            Assert.Equal(3, records.Count);
            Assert.Equal("InputCorrupt", Assert.Single(problems).ErrorId);
        }

        private static int IndexOf(byte[] data, byte[] pattern)
        {
            for (int i = 0; i + pattern.Length <= data.Length; i++)
            {
                if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>A pipe: forward only, delivering 1 to 7 bytes a read.</summary>
        internal sealed class TrickleStream : Stream
        {
            private readonly byte[] _data;
            private readonly Random _random;
            private int _position;

            public TrickleStream(byte[] data, int seed)
            {
                _data = data;
                _random = new Random(seed);
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = Math.Min(Math.Min(count, _random.Next(1, 8)), _data.Length - _position);
                Array.Copy(_data, _position, buffer, offset, n);
                _position += n;
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
