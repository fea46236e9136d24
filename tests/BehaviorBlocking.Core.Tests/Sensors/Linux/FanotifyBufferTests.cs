using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>The fanotify event-buffer parser on hand-built bytes: what the kernel writes, and truncated or lying lengths (counted, never thrown).</summary>
    public sealed class FanotifyBufferTests
    {
        private static byte[] Metadata(int eventLength, ulong mask, int fd, int pid, byte version = 3, ushort metadataLength = 24)
        {
            var bytes = new List<byte>();
            bytes.AddRange(BitConverter.GetBytes((uint)eventLength));
            bytes.Add(version);
            bytes.Add(0);
            bytes.AddRange(BitConverter.GetBytes(metadataLength));
            bytes.AddRange(BitConverter.GetBytes(mask));
            bytes.AddRange(BitConverter.GetBytes(fd));
            bytes.AddRange(BitConverter.GetBytes(pid));
            return bytes.ToArray();
        }

        private static byte[] NameRecord(byte type, ulong fsid, byte[] handle, string name, int? lengthOverride = null)
        {
            var body = new List<byte>();
            body.AddRange(BitConverter.GetBytes(fsid));
            body.AddRange(BitConverter.GetBytes((uint)handle.Length));
            body.AddRange(BitConverter.GetBytes(1));
            body.AddRange(handle);
            body.AddRange(Encoding.UTF8.GetBytes(name));
            body.Add(0);
            while ((body.Count + 4) % 4 != 0)
            {
                body.Add(0);
            }

            var record = new List<byte> { type, 0 };
            record.AddRange(BitConverter.GetBytes((ushort)(lengthOverride ?? (body.Count + 4))));
            record.AddRange(body);
            return record.ToArray();
        }

        private static byte[] Event(ulong mask, int pid, params byte[][] records)
        {
            int length = 24 + records.Sum(r => r.Length);
            return Metadata(length, mask, -1, pid).Concat(records.SelectMany(r => r)).ToArray();
        }

        private static (List<FanotifyEvent> Events, FanotifyParseCounts Counts) Parse(byte[] bytes, int? length = null)
        {
            var events = new List<FanotifyEvent>();
            var counts = new FanotifyParseCounts();
            FanotifyBuffer.Parse(bytes, length ?? bytes.Length, events, counts);
            return (events, counts);
        }

        private static readonly byte[] Handle = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

        [Fact]
        public void Parse_CreateAndRename_ReadsMaskPidFsidHandleAndNames()
        {
            byte[] bytes = Event(0x108, 4242, NameRecord(2, 0xABCDEF, Handle, "a.txt"))
                .Concat(Event(0x10000000, 4243, NameRecord(10, 7, Handle, "old"), NameRecord(12, 7, Handle, "new"))).ToArray();

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(bytes);

            Assert.Equal(0, counts.Total);
            Assert.Equal(2, events.Count);
            Assert.Equal(0x108UL, events[0].Mask);
            Assert.Equal(4242, events[0].Pid);
            Assert.Equal(-1, events[0].Fd);
            FanotifyName name = events[0].Find(2)!.Value;
            Assert.Equal(0xABCDEFUL, name.FileSystemId);
            Assert.Equal("a.txt", name.Name);
            Assert.Equal(8 + Handle.Length, name.Handle.Length);
            Assert.Equal(Handle.Length, BitConverter.ToInt32(name.Handle, 0));
            Assert.Equal("old", events[1].Find(10)!.Value.Name);
            Assert.Equal("new", events[1].Find(12)!.Value.Name);
        }

        [Fact]
        public void Parse_PermissionEventWithoutInfo_ReadsTheDescriptor()
        {
            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(Metadata(24, 0x40000, 17, 99));

            Assert.Equal(0, counts.Total);
            Assert.Equal(17, Assert.Single(events).Fd);
            Assert.Empty(events[0].Names);
        }

        [Fact]
        public void Parse_BufferEndsInsideMetadata_CountsTruncatedAndKeepsEarlierEvents()
        {
            byte[] bytes = Metadata(24, 0x40000, 17, 99).Concat(Metadata(24, 0x40000, 18, 99).Take(10)).ToArray();

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(bytes);

            Assert.Single(events);
            Assert.Equal(1, counts.Truncated);
        }

        [Fact]
        public void Parse_EventLengthPastTheBuffer_CountsTruncated()
        {
            byte[] bytes = Event(0x100, 1, NameRecord(2, 1, Handle, "x"));

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(bytes, bytes.Length - 3);

            Assert.Empty(events);
            Assert.Equal(1, counts.Truncated);
        }

        [Theory]
        [InlineData(0, 24)]
        [InlineData(23, 24)]
        [InlineData(24, 8)]
        [InlineData(30, 40)]
        public void Parse_ImpossibleLengths_CountBadLengthAndStop(int eventLength, int metadataLength)
        {
            byte[] bytes = Metadata(eventLength, 0x100, -1, 1, metadataLength: (ushort)metadataLength).Concat(new byte[64]).ToArray();

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(bytes);

            Assert.Empty(events);
            Assert.Equal(1, counts.BadLength);
        }

        [Fact]
        public void Parse_UnknownVersion_CountsBadVersion()
        {
            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(Metadata(24, 0x100, -1, 1, version: 2));

            Assert.Empty(events);
            Assert.Equal(1, counts.BadVersion);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(200)]
        public void Parse_InfoRecordLengthLies_KeepsTheEventWithoutItAndCounts(int recordLength)
        {
            byte[] bytes = Event(0x100, 5, NameRecord(2, 1, Handle, "x", recordLength));

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(bytes);

            Assert.Empty(Assert.Single(events).Names);
            Assert.Equal(1, counts.BadInfo);
        }

        [Fact]
        public void Parse_HandleBytesPastTheRecord_CountsBadInfo()
        {
            byte[] record = NameRecord(2, 1, Handle, "x");
            BitConverter.GetBytes(4000u).CopyTo(record, 12);

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(Event(0x100, 5, record));

            Assert.Empty(Assert.Single(events).Names);
            Assert.Equal(1, counts.BadInfo);
        }

        [Fact]
        public void Parse_NameWithoutTerminator_CountsBadInfo()
        {
            byte[] record = NameRecord(2, 1, Handle, "abc");
            for (int i = 4 + 8 + 8 + Handle.Length; i < record.Length; i++)
            {
                record[i] = (byte)'z';
            }

            (List<FanotifyEvent> events, FanotifyParseCounts counts) = Parse(Event(0x100, 5, record));

            Assert.Empty(Assert.Single(events).Names);
            Assert.Equal(1, counts.BadInfo);
        }

        [Fact]
        public void Parse_RandomBytes_NeverThrows()
        {
            var random = new Random(1234);
            var counts = new FanotifyParseCounts();
            for (int i = 0; i < 5000; i++)
            {
                byte[] bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                if (bytes.Length >= 8 && random.Next(2) == 0)
                {
                    bytes[4] = 3;
                    BitConverter.GetBytes((ushort)24).CopyTo(bytes, 6);
                    BitConverter.GetBytes((uint)random.Next(0, bytes.Length + 40)).CopyTo(bytes, 0);
                }

                FanotifyBuffer.Parse(bytes, random.Next(-5, bytes.Length + 10), new List<FanotifyEvent>(), counts);
            }

            Assert.True(counts.Total > 0);
        }
    }
}
