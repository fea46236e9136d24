using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public class InetDiagParserTests
    {
        /// <summary>One SOCK_DIAG_BY_FAMILY message with an inet_diag_msg as the kernel lays it out (plus optional attribute bytes).</summary>
        private static byte[] Socket(byte family, byte state, byte[] local, int localPort, byte[] remote, int remotePort, uint uid, uint inode, int attributes = 0)
        {
            int total = 16 + 72 + attributes;
            var b = new byte[total];
            BitConverter.GetBytes((uint)total).CopyTo(b, 0);
            BitConverter.GetBytes((ushort)20).CopyTo(b, 4);
            b[16] = family;
            b[17] = state;
            b[20] = (byte)(localPort >> 8);
            b[21] = (byte)localPort;
            b[22] = (byte)(remotePort >> 8);
            b[23] = (byte)remotePort;
            local.CopyTo(b, 24);
            remote.CopyTo(b, 40);
            BitConverter.GetBytes(uid).CopyTo(b, 16 + 64);
            BitConverter.GetBytes(inode).CopyTo(b, 16 + 68);
            return b;
        }

        private static byte[] Done()
        {
            var b = new byte[20];
            BitConverter.GetBytes(20u).CopyTo(b, 0);
            BitConverter.GetBytes((ushort)3).CopyTo(b, 4);
            return b;
        }

        private static byte[] Error(int errno)
        {
            var b = new byte[36];
            BitConverter.GetBytes(36u).CopyTo(b, 0);
            BitConverter.GetBytes((ushort)2).CopyTo(b, 4);
            BitConverter.GetBytes(-errno).CopyTo(b, 16);
            return b;
        }

        private static byte[] Concat(params byte[][] parts)
        {
            var all = new List<byte>();
            foreach (byte[] part in parts)
            {
                all.AddRange(part);
                while (all.Count % 4 != 0)
                {
                    all.Add(0);
                }
            }

            return all.ToArray();
        }

        private static readonly byte[] s_loopback = { 127, 0, 0, 1 };

        [Fact]
        public void Parse_Ipv4Connection_ReadsAddressesPortsInNetworkOrderUidAndInode()
        {
            byte[] b = Concat(Socket(2, 1, s_loopback, 40001, new byte[] { 10, 1, 2, 3 }, 443, 1000, 987654), Done());
            var sockets = new List<DiagSocket>();
            var counts = default(DiagCounts);

            DiagStatus status = InetDiagParser.Parse(b, b.Length, InetDiagParser.IpProtoTcp, sockets, ref counts);

            Assert.Equal(DiagStatus.Done, status);
            DiagSocket s = Assert.Single(sockets);
            Assert.Equal(IPAddress.Loopback, s.LocalAddress);
            Assert.Equal(40001, s.LocalPort);
            Assert.Equal(IPAddress.Parse("10.1.2.3"), s.RemoteAddress);
            Assert.Equal(443, s.RemotePort);
            Assert.Equal(1000u, s.Uid);
            Assert.Equal(987654ul, s.Inode);
            Assert.Equal((byte)1, s.State);
            Assert.Equal(InetDiagParser.IpProtoTcp, s.Protocol);
        }

        [Fact]
        public void Parse_Ipv6AndMappedIpv4_MappedAddressesReadAsIpv4()
        {
            byte[] mapped = IPAddress.Parse("::ffff:192.0.2.7").GetAddressBytes();
            byte[] v6 = IPAddress.Parse("2001:db8::1").GetAddressBytes();
            byte[] b = Concat(Socket(10, 1, mapped, 1, v6, 2, 0, 5, attributes: 12));
            var sockets = new List<DiagSocket>();
            var counts = default(DiagCounts);

            Assert.Equal(DiagStatus.More, InetDiagParser.Parse(b, b.Length, InetDiagParser.IpProtoTcp, sockets, ref counts));
            Assert.Equal(IPAddress.Parse("192.0.2.7"), sockets[0].LocalAddress);
            Assert.Equal(IPAddress.Parse("2001:db8::1"), sockets[0].RemoteAddress);
        }

        [Fact]
        public void Parse_KernelError_ReturnsErrorWithTheErrno()
        {
            byte[] b = Error(13);
            var counts = default(DiagCounts);

            Assert.Equal(DiagStatus.Error, InetDiagParser.Parse(b, b.Length, 6, new List<DiagSocket>(), ref counts));
            Assert.Equal(13, counts.Errno);
        }

        [Fact]
        public void Parse_EveryTruncation_NeverThrowsAndYieldsNoSocket()
        {
            byte[] whole = Socket(2, 1, s_loopback, 1, s_loopback, 2, 0, 9);
            for (int cut = 0; cut < whole.Length; cut++)
            {
                var b = (byte[])whole.Clone();
                for (int i = cut; i < b.Length; i++)
                {
                    b[i] = 0xAB;
                }

                var sockets = new List<DiagSocket>();
                var counts = default(DiagCounts);
                InetDiagParser.Parse(b, cut, 6, sockets, ref counts);

                Assert.Empty(sockets);
                Assert.Equal(cut == 0 ? 0 : 1, counts.Malformed);
            }
        }

        [Fact]
        public void Parse_MessageShorterThanAnInetDiagMsg_OrOfAnotherFamily_IsMalformed()
        {
            byte[] shortOne = Socket(2, 1, s_loopback, 1, s_loopback, 2, 0, 9);
            BitConverter.GetBytes(16u + 40u).CopyTo(shortOne, 0);
            byte[] unix = Socket(1, 1, s_loopback, 1, s_loopback, 2, 0, 9);
            foreach ((byte[] b, int length) in new[] { (shortOne, 56), (unix, unix.Length) })
            {
                var sockets = new List<DiagSocket>();
                var counts = default(DiagCounts);
                InetDiagParser.Parse(b, length, 6, sockets, ref counts);
                Assert.Empty(sockets);
                Assert.Equal(1, counts.Malformed);
            }
        }

        [Fact]
        public void Parse_RandomBytes_NeverThrows()
        {
            var random = new Random(3);
            for (int i = 0; i < 5000; i++)
            {
                var b = new byte[random.Next(0, 300)];
                random.NextBytes(b);
                if (b.Length >= 6 && random.Next(2) == 0)
                {
                    BitConverter.GetBytes((uint)random.Next(0, b.Length + 8)).CopyTo(b, 0);
                    BitConverter.GetBytes((ushort)20).CopyTo(b, 4);
                }

                var counts = default(DiagCounts);
                InetDiagParser.Parse(b, random.Next(-3, b.Length + 3), 6, new List<DiagSocket>(), ref counts);
            }
        }

        [Fact]
        public void BuildRequest_IsADumpOfOneFamilyProtocolAndStateSet()
        {
            byte[] b = InetDiagParser.BuildRequest(10, 6, 0x406, 9);

            Assert.Equal(72, b.Length);
            Assert.Equal(72u, BitConverter.ToUInt32(b, 0));
            Assert.Equal(20, BitConverter.ToUInt16(b, 4));
            Assert.Equal(0x301, BitConverter.ToUInt16(b, 6));
            Assert.Equal(9u, BitConverter.ToUInt32(b, 8));
            Assert.Equal(10, b[16]);
            Assert.Equal(6, b[17]);
            Assert.Equal(0x406u, BitConverter.ToUInt32(b, 20));
        }

        [Theory]
        [InlineData("socket:[12345]", 12345ul)]
        [InlineData("socket:[0]", 0ul)]
        [InlineData("socket:[]", 0ul)]
        [InlineData("socket:[12a]", 0ul)]
        [InlineData("pipe:[12345]", 0ul)]
        [InlineData("/dev/null", 0ul)]
        [InlineData("socket:[99999999999999999999999]", 0ul)]
        public void ParseSocketLink_ReadsOnlySocketInodes(string link, ulong expected)
        {
            byte[] text = Encoding.ASCII.GetBytes(link);

            Assert.Equal(expected, SocketOwnerMap.ParseSocketLink(text, text.Length));
        }
    }
}
