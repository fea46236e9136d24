using System;
using System.Collections.Generic;
using System.Net;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>One socket of a sock_diag dump: addresses, ports, state, owner uid and inode.</summary>
    internal readonly struct DiagSocket
    {
        internal DiagSocket(byte protocol, byte state, IPAddress localAddress, int localPort, IPAddress remoteAddress, int remotePort, uint uid, ulong inode)
        {
            Protocol = protocol;
            State = state;
            LocalAddress = localAddress;
            LocalPort = localPort;
            RemoteAddress = remoteAddress;
            RemotePort = remotePort;
            Uid = uid;
            Inode = inode;
        }

        /// <summary>IPPROTO_TCP (6) or IPPROTO_UDP (17).</summary>
        internal byte Protocol { get; }

        /// <summary>TCP state (1 established, 2 SYN sent, 10 listen; a connected UDP socket reports 1).</summary>
        internal byte State { get; }

        /// <summary>Local address (an IPv4-mapped IPv6 address is given as IPv4).</summary>
        internal IPAddress LocalAddress { get; }

        /// <summary>Local port.</summary>
        internal int LocalPort { get; }

        /// <summary>Remote address (an IPv4-mapped IPv6 address is given as IPv4).</summary>
        internal IPAddress RemoteAddress { get; }

        /// <summary>Remote port.</summary>
        internal int RemotePort { get; }

        /// <summary>Owner's uid.</summary>
        internal uint Uid { get; }

        /// <summary>Socket inode (<c>socket:[N]</c> in /proc/PID/fd); 0 for a connection not yet accepted.</summary>
        internal ulong Inode { get; }
    }

    /// <summary>How a datagram of a sock_diag dump ended.</summary>
    internal enum DiagStatus
    {
        /// <summary>More datagrams follow.</summary>
        More,

        /// <summary>The dump ended (NLMSG_DONE).</summary>
        Done,

        /// <summary>The kernel answered with an error (NLMSG_ERROR); the errno is in the counts.</summary>
        Error,
    }

    /// <summary>What parsing a sock_diag datagram found.</summary>
    internal struct DiagCounts
    {
        /// <summary>Sockets copied out.</summary>
        public int Sockets;

        /// <summary>Messages whose lengths did not fit, or of an address family other than AF_INET/AF_INET6.</summary>
        public int Malformed;

        /// <summary>The errno of an NLMSG_ERROR answer.</summary>
        public int Errno;
    }

    /// <summary>
    /// Builds sock_diag requests (<c>inet_diag_req_v2</c>) and parses the answers (<c>inet_diag_msg</c>,
    /// 72 bytes, followed by attributes the sensor does not ask for). Every length is checked against the
    /// received length; nothing here throws on any input.
    /// </summary>
    internal static class InetDiagParser
    {
        internal const int AfInet = 2;
        internal const int AfInet6 = 10;
        internal const byte IpProtoTcp = 6;
        internal const byte IpProtoUdp = 17;
        internal const byte StateEstablished = 1;
        internal const byte StateSynSent = 2;
        internal const byte StateListen = 10;
        internal const int MessageSize = 72;
        internal const ushort SockDiagByFamily = 20;

        private const int HeaderSize = 16;
        private const ushort NlmsgError = 2;
        private const ushort NlmsgDone = 3;
        private const ushort NlmFRequest = 0x1;
        private const ushort NlmFDump = 0x300;

        /// <summary>A dump request for one family and protocol and the TCP states in <paramref name="states"/> (a bit per state).</summary>
        internal static byte[] BuildRequest(int family, byte protocol, uint states, uint sequence)
        {
            const int Length = HeaderSize + 56;
            var message = new byte[Length];
            BitConverter.GetBytes((uint)Length).CopyTo(message, 0);
            BitConverter.GetBytes(SockDiagByFamily).CopyTo(message, 4);
            BitConverter.GetBytes((ushort)(NlmFRequest | NlmFDump)).CopyTo(message, 6);
            BitConverter.GetBytes(sequence).CopyTo(message, 8);
            message[16] = (byte)family;
            message[17] = protocol;
            BitConverter.GetBytes(states).CopyTo(message, 20);

            // The socket id (48 bytes) stays zero: a dump matches every socket.
            return message;
        }

        /// <summary>Parses the first <paramref name="length"/> bytes of one received datagram of a dump of <paramref name="protocol"/> sockets.</summary>
        internal static DiagStatus Parse(byte[] buffer, int length, byte protocol, List<DiagSocket> sockets, ref DiagCounts counts)
        {
            if (buffer is null || sockets is null)
            {
                return DiagStatus.Done;
            }

            int end = Math.Min(Math.Max(length, 0), buffer.Length);
            int offset = 0;
            while (end - offset >= HeaderSize)
            {
                uint messageLength = BitConverter.ToUInt32(buffer, offset);
                ushort type = BitConverter.ToUInt16(buffer, offset + 4);
                if (messageLength < HeaderSize || messageLength > (uint)(end - offset))
                {
                    counts.Malformed++;
                    return DiagStatus.Done; // nothing after a bad length can be located; end this dump
                }

                int payload = offset + HeaderSize;
                int payloadLength = (int)messageLength - HeaderSize;
                if (type == NlmsgDone)
                {
                    return DiagStatus.Done;
                }

                if (type == NlmsgError)
                {
                    counts.Errno = payloadLength >= 4 ? -BitConverter.ToInt32(buffer, payload) : 0;
                    return counts.Errno == 0 ? DiagStatus.Done : DiagStatus.Error;
                }

                if (type == SockDiagByFamily)
                {
                    if (payloadLength < MessageSize || !TryRead(buffer, payload, protocol, out DiagSocket socket))
                    {
                        counts.Malformed++;
                    }
                    else
                    {
                        sockets.Add(socket);
                        counts.Sockets++;
                    }
                }

                long next = offset + (((long)messageLength + 3) & ~3L);
                if (next >= end)
                {
                    return DiagStatus.More;
                }

                offset = (int)next;
            }

            if (end - offset > 0)
            {
                counts.Malformed++;
            }

            return DiagStatus.More;
        }

        private static bool TryRead(byte[] b, int at, byte protocol, out DiagSocket socket)
        {
            int family = b[at];
            if (family != AfInet && family != AfInet6)
            {
                socket = default;
                return false;
            }

            // inet_diag_sockid: ports in network byte order, then 16-byte source and destination addresses.
            int localPort = (b[at + 4] << 8) | b[at + 5];
            int remotePort = (b[at + 6] << 8) | b[at + 7];
            IPAddress local = Address(b, at + 8, family);
            IPAddress remote = Address(b, at + 24, family);
            uint uid = BitConverter.ToUInt32(b, at + 64);
            uint inode = BitConverter.ToUInt32(b, at + 68);
            socket = new DiagSocket(protocol, b[at + 1], local, localPort, remote, remotePort, uid, inode);
            return true;
        }

        private static IPAddress Address(byte[] b, int at, int family)
        {
            if (family == AfInet)
            {
                return new IPAddress(new[] { b[at], b[at + 1], b[at + 2], b[at + 3] });
            }

            var bytes = new byte[16];
            Array.Copy(b, at, bytes, 0, 16);
            var address = new IPAddress(bytes);
            return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        }
    }
}
