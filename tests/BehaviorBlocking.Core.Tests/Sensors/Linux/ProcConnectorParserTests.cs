using System;
using System.Collections.Generic;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public class ProcConnectorParserTests
    {
        /// <summary>A netlink datagram carrying one proc_event as the kernel lays it out.</summary>
        private static byte[] Message(uint what, ulong timestamp, params int[] union)
        {
            int dataLength = 16 + (union.Length * 4);
            int total = 16 + 20 + dataLength;
            var b = new byte[total];
            BitConverter.GetBytes((uint)total).CopyTo(b, 0);
            BitConverter.GetBytes((ushort)3).CopyTo(b, 4); // NLMSG_DONE
            BitConverter.GetBytes(1u).CopyTo(b, 16); // CN_IDX_PROC
            BitConverter.GetBytes(1u).CopyTo(b, 20); // CN_VAL_PROC
            BitConverter.GetBytes((ushort)dataLength).CopyTo(b, 32);
            BitConverter.GetBytes(what).CopyTo(b, 36);
            BitConverter.GetBytes(7u).CopyTo(b, 40); // cpu
            BitConverter.GetBytes(timestamp).CopyTo(b, 44);
            for (int i = 0; i < union.Length; i++)
            {
                BitConverter.GetBytes(union[i]).CopyTo(b, 52 + (i * 4));
            }

            return b;
        }

        private static (ProcConnectorCounts Counts, List<ProcEvent> Events) Parse(byte[] b, int? length = null)
        {
            var events = new List<ProcEvent>();
            ProcConnectorCounts counts = ProcConnectorParser.Parse(b, length ?? b.Length, events);
            return (counts, events);
        }

        [Fact]
        public void Parse_Fork_ReadsParentAndChild()
        {
            var (counts, events) = Parse(Message(0x1, 123456789UL, 100, 100, 200, 200));

            Assert.Equal(1, counts.Events);
            ProcEvent e = Assert.Single(events);
            Assert.Equal(ProcEventKind.Fork, e.Kind);
            Assert.Equal(123456789UL, e.TimestampNs);
            Assert.Equal(200, e.Pid);
            Assert.Equal(200, e.Tgid);
            Assert.Equal(100, e.ParentPid);
            Assert.Equal(100, e.ParentTgid);
            Assert.True(e.IsProcess);
        }

        [Fact]
        public void Parse_ThreadCreation_IsAForkWhosePidDiffersFromItsTgid()
        {
            var (_, events) = Parse(Message(0x1, 1, 100, 100, 101, 100));

            Assert.False(Assert.Single(events).IsProcess);
        }

        [Fact]
        public void Parse_Exec_ReadsPidAndTgid()
        {
            ProcEvent e = Assert.Single(Parse(Message(0x2, 5, 4242, 4242)).Events);

            Assert.Equal(ProcEventKind.Exec, e.Kind);
            Assert.Equal(4242, e.Tgid);
        }

        [Fact]
        public void Parse_ExitWithParent_ReadsCodeAndParent()
        {
            ProcEvent e = Assert.Single(Parse(Message(0x80000000, 9, 300, 300, 256, 0, 17, 17)).Events);

            Assert.Equal(ProcEventKind.Exit, e.Kind);
            Assert.Equal(300, e.Tgid);
            Assert.Equal(256, e.ExitCode);
            Assert.Equal(17, e.ParentTgid);
        }

        [Fact]
        public void Parse_ExitOfAnOlderKernel_WithoutParent_IsStillAnExit()
        {
            ProcEvent e = Assert.Single(Parse(Message(0x80000000, 9, 300, 300, 0, 9)).Events);

            Assert.Equal(0, e.ParentTgid);
        }

        [Theory]
        [InlineData(0x4u)] // uid
        [InlineData(0x40u)] // gid
        [InlineData(0x80u)] // sid
        [InlineData(0x200u)] // comm
        [InlineData(0x40000000u)] // coredump
        [InlineData(0x0u)] // ack
        public void Parse_OtherKinds_AreIgnoredNotMalformed(uint what)
        {
            var (counts, events) = Parse(Message(what, 1, 1, 1, 0, 0, 0, 0));

            Assert.Empty(events);
            Assert.Equal(1, counts.Ignored);
            Assert.Equal(0, counts.Malformed);
        }

        [Fact]
        public void Parse_AnotherConnector_IsIgnored()
        {
            byte[] b = Message(0x2, 1, 5, 5);
            BitConverter.GetBytes(7u).CopyTo(b, 16);

            var (counts, events) = Parse(b);

            Assert.Empty(events);
            Assert.Equal(1, counts.Ignored);
        }

        [Fact]
        public void Parse_TwoMessagesInOneDatagram_ReadsBoth()
        {
            byte[] first = Message(0x2, 1, 10, 10);
            byte[] second = Message(0x80000000, 2, 10, 10, 0, 0, 1, 1);
            var b = new byte[first.Length + second.Length];
            first.CopyTo(b, 0);
            second.CopyTo(b, first.Length);

            var (counts, events) = Parse(b);

            Assert.Equal(2, counts.Events);
            Assert.Equal(ProcEventKind.Exit, events[1].Kind);
        }

        [Fact]
        public void Parse_EveryTruncation_NeverThrowsAndNeverReadsPastTheLength()
        {
            byte[] whole = Message(0x1, 1, 100, 100, 200, 200);
            for (int cut = 0; cut < whole.Length; cut++)
            {
                // The bytes past the cut are garbage that must not be read.
                var b = (byte[])whole.Clone();
                for (int i = cut; i < b.Length; i++)
                {
                    b[i] = 0xEE;
                }

                var (counts, events) = Parse(b, cut);

                Assert.Empty(events);
                Assert.Equal(cut == 0 ? 0 : 1, counts.Malformed);
            }
        }

        [Fact]
        public void Parse_LengthsThatLie_AreMalformed()
        {
            byte[] tooLong = Message(0x2, 1, 5, 5);
            BitConverter.GetBytes(10_000u).CopyTo(tooLong, 0);
            byte[] tooShort = Message(0x2, 1, 5, 5);
            BitConverter.GetBytes(8u).CopyTo(tooShort, 0);
            byte[] dataTooLong = Message(0x2, 1, 5, 5);
            BitConverter.GetBytes((ushort)500).CopyTo(dataTooLong, 32);
            byte[] unionTooShort = Message(0x1, 1, 5, 5);

            foreach (byte[] b in new[] { tooLong, tooShort, dataTooLong, unionTooShort })
            {
                var (counts, events) = Parse(b);
                Assert.Empty(events);
                Assert.Equal(1, counts.Malformed);
            }
        }

        [Fact]
        public void Parse_LengthLargerThanTheBuffer_IsClampedToTheBuffer()
        {
            byte[] b = Message(0x2, 1, 5, 5);

            var (counts, events) = Parse(b, b.Length + 1000);

            Assert.Single(events);
            Assert.Equal(0, counts.Malformed);
        }

        [Fact]
        public void Parse_RandomBytes_NeverThrows()
        {
            var random = new Random(11);
            var events = new List<ProcEvent>();
            for (int i = 0; i < 5000; i++)
            {
                var b = new byte[random.Next(0, 200)];
                random.NextBytes(b);
                if (b.Length >= 4 && random.Next(2) == 0)
                {
                    BitConverter.GetBytes((uint)random.Next(0, b.Length + 8)).CopyTo(b, 0);
                }

                ProcConnectorParser.Parse(b, random.Next(-5, b.Length + 5), events);
            }
        }

        [Fact]
        public void BuildMulticastRequest_IsAListenForTheProcConnector()
        {
            byte[] b = ProcConnectorParser.BuildMulticastRequest(listen: true, portId: 77);

            Assert.Equal(40, b.Length);
            Assert.Equal(40u, BitConverter.ToUInt32(b, 0));
            Assert.Equal(77u, BitConverter.ToUInt32(b, 12));
            Assert.Equal(1u, BitConverter.ToUInt32(b, 16));
            Assert.Equal(1u, BitConverter.ToUInt32(b, 20));
            Assert.Equal(4, BitConverter.ToUInt16(b, 32));
            Assert.Equal(1u, BitConverter.ToUInt32(b, 36));
            Assert.Equal(2u, BitConverter.ToUInt32(ProcConnectorParser.BuildMulticastRequest(listen: false, portId: 77), 36));
        }

        [Theory]
        [InlineData("/bin/sleep\05\0", "/bin/sleep 5")]
        [InlineData("a\0\0b\0", "a  b")]
        [InlineData("", "")]
        [InlineData("noNul", "noNul")]
        public void JoinArguments_JoinsWithSpacesWithoutTheTrailingNul(string raw, string expected)
        {
            Assert.Equal(expected, ProcProcessReader.JoinArguments(raw));
        }

        [Theory]
        [InlineData("Name:\tsh\nUid:\t1000\t0\t0\t0\n", 1000u)]
        [InlineData("Uid:\t7\t7\t7\t7\n", 7u)]
        public void ParseRealUid_TakesTheFirstNumberOfTheUidLine(string status, uint expected)
        {
            Assert.Equal(expected, ProcProcessReader.ParseRealUid(status));
        }

        [Theory]
        [InlineData("Name:\tsh\n")]
        [InlineData("Uid:\tx\n")]
        [InlineData("")]
        public void ParseRealUid_NoUidLine_IsNull(string status)
        {
            Assert.Null(ProcProcessReader.ParseRealUid(status));
        }

        [Fact]
        public void UserNames_Parse_FirstLineOfAUidWinsAndJunkIsSkipped()
        {
            Dictionary<uint, string> names = LinuxUserNames.Parse("root:x:0:0:root:/root:/bin/bash\n#c:x:1:1\nbad\ntoor:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\n:x:5:5\n");

            Assert.Equal("root", names[0]);
            Assert.Equal("nobody", names[65534]);
            Assert.False(names.ContainsKey(5));
            Assert.False(names.ContainsKey(1));
        }
    }
}
