using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>What a process-connector message reported (only the kinds the process sensor acts on).</summary>
    internal enum ProcEventKind
    {
        /// <summary>A task was created (a process, or a thread when child pid and tgid differ).</summary>
        Fork,

        /// <summary>A process executed a new image.</summary>
        Exec,

        /// <summary>A task exited (the process when pid equals tgid).</summary>
        Exit,
    }

    /// <summary>One fork, exec or exit event of the kernel's process connector, copied out of the message.</summary>
    internal readonly struct ProcEvent
    {
        internal ProcEvent(ProcEventKind kind, ulong timestampNs, int pid, int tgid, int parentPid, int parentTgid, int exitCode)
        {
            Kind = kind;
            TimestampNs = timestampNs;
            Pid = pid;
            Tgid = tgid;
            ParentPid = parentPid;
            ParentTgid = parentTgid;
            ExitCode = exitCode;
        }

        /// <summary>Fork, exec or exit.</summary>
        internal ProcEventKind Kind { get; }

        /// <summary>Kernel time of the event, nanoseconds of CLOCK_MONOTONIC.</summary>
        internal ulong TimestampNs { get; }

        /// <summary>Task id: fork's child pid, exec's and exit's process pid.</summary>
        internal int Pid { get; }

        /// <summary>Thread-group id (the process id) of <see cref="Pid"/>.</summary>
        internal int Tgid { get; }

        /// <summary>Fork: the parent's task id; exit (kernels from 4.18): the parent's pid, else 0.</summary>
        internal int ParentPid { get; }

        /// <summary>Fork: the parent's thread-group id; exit (kernels from 4.18): the parent's tgid, else 0.</summary>
        internal int ParentTgid { get; }

        /// <summary>Exit: the wait status (exit code in bits 8–15, signal in 0–6); 0 otherwise.</summary>
        internal int ExitCode { get; }

        /// <summary>True when the event is about a whole process, not one of its other threads.</summary>
        internal bool IsProcess => Pid == Tgid;
    }

    /// <summary>What parsing one datagram of the process connector found.</summary>
    internal struct ProcConnectorCounts
    {
        /// <summary>Fork, exec and exit events copied out.</summary>
        public int Events;

        /// <summary>Well-formed messages of other kinds (uid, gid, sid, comm, ptrace, coredump, acks) or of another connector.</summary>
        public int Ignored;

        /// <summary>Messages (or a trailing remainder) whose lengths do not fit: netlink, connector or event too short, or longer than the datagram.</summary>
        public int Malformed;
    }

    /// <summary>
    /// Parses datagrams of the netlink process connector: netlink header (16 bytes), <c>struct cn_msg</c>
    /// (20 bytes, id <c>CN_IDX_PROC</c>/<c>CN_VAL_PROC</c>), then <c>struct proc_event</c> (what, cpu,
    /// timestamp_ns, then the union). Every length is checked against the datagram's received length before
    /// anything is read; nothing here throws on any input.
    /// </summary>
    internal static class ProcConnectorParser
    {
        internal const int NetlinkHeaderSize = 16;
        internal const int ConnectorHeaderSize = 20;
        internal const int ProcEventHeaderSize = 16;
        internal const uint CnIdxProc = 1;
        internal const uint CnValProc = 1;

        internal const uint ProcEventFork = 0x00000001;
        internal const uint ProcEventExec = 0x00000002;
        internal const uint ProcEventExit = 0x80000000;

        private const ushort NlmsgNoop = 1;
        private const ushort NlmsgError = 2;

        /// <summary>
        /// Parses the first <paramref name="length"/> bytes of <paramref name="buffer"/> (one received datagram,
        /// possibly several netlink messages) and appends the fork, exec and exit events to <paramref name="events"/>.
        /// </summary>
        internal static ProcConnectorCounts Parse(byte[] buffer, int length, List<ProcEvent> events)
        {
            var counts = default(ProcConnectorCounts);
            if (buffer is null || events is null)
            {
                return counts;
            }

            int end = Math.Min(Math.Max(length, 0), buffer.Length);
            int offset = 0;
            while (end - offset >= NetlinkHeaderSize)
            {
                uint messageLength = BitConverter.ToUInt32(buffer, offset);
                ushort type = BitConverter.ToUInt16(buffer, offset + 4);
                if (messageLength < NetlinkHeaderSize || messageLength > (uint)(end - offset))
                {
                    // A length that does not fit the datagram: nothing after it can be located.
                    counts.Malformed++;
                    return counts;
                }

                int payload = offset + NetlinkHeaderSize;
                int payloadLength = (int)messageLength - NetlinkHeaderSize;
                if (type == NlmsgNoop || type == NlmsgError)
                {
                    counts.Ignored++;
                }
                else
                {
                    ParseConnectorMessage(buffer, payload, payloadLength, events, ref counts);
                }

                // NLMSG_ALIGN: messages start on 4-byte boundaries.
                long next = offset + (((long)messageLength + 3) & ~3L);
                if (next >= end)
                {
                    return counts;
                }

                offset = (int)next;
            }

            if (end - offset > 0)
            {
                counts.Malformed++;
            }

            return counts;
        }

        private static void ParseConnectorMessage(byte[] buffer, int offset, int length, List<ProcEvent> events, ref ProcConnectorCounts counts)
        {
            if (length < ConnectorHeaderSize)
            {
                counts.Malformed++;
                return;
            }

            uint idx = BitConverter.ToUInt32(buffer, offset);
            uint val = BitConverter.ToUInt32(buffer, offset + 4);
            int dataLength = BitConverter.ToUInt16(buffer, offset + 16);
            if (dataLength > length - ConnectorHeaderSize)
            {
                counts.Malformed++;
                return;
            }

            if (idx != CnIdxProc || val != CnValProc)
            {
                counts.Ignored++;
                return;
            }

            int data = offset + ConnectorHeaderSize;
            if (dataLength < ProcEventHeaderSize)
            {
                counts.Malformed++;
                return;
            }

            uint what = BitConverter.ToUInt32(buffer, data);
            ulong timestamp = BitConverter.ToUInt64(buffer, data + 8);
            int union = data + ProcEventHeaderSize;
            int unionLength = dataLength - ProcEventHeaderSize;
            switch (what)
            {
                case ProcEventFork:
                    if (unionLength < 16)
                    {
                        counts.Malformed++;
                        return;
                    }

                    // fork: parent_pid, parent_tgid, child_pid, child_tgid.
                    events.Add(new ProcEvent(
                        ProcEventKind.Fork,
                        timestamp,
                        BitConverter.ToInt32(buffer, union + 8),
                        BitConverter.ToInt32(buffer, union + 12),
                        BitConverter.ToInt32(buffer, union),
                        BitConverter.ToInt32(buffer, union + 4),
                        0));
                    counts.Events++;
                    return;

                case ProcEventExec:
                    if (unionLength < 8)
                    {
                        counts.Malformed++;
                        return;
                    }

                    events.Add(new ProcEvent(ProcEventKind.Exec, timestamp, BitConverter.ToInt32(buffer, union), BitConverter.ToInt32(buffer, union + 4), 0, 0, 0));
                    counts.Events++;
                    return;

                case ProcEventExit:
                    if (unionLength < 8)
                    {
                        counts.Malformed++;
                        return;
                    }

                    // exit: process_pid, process_tgid, exit_code, exit_signal, then (4.18+) parent_pid, parent_tgid.
                    int exitCode = unionLength >= 12 ? BitConverter.ToInt32(buffer, union + 8) : 0;
                    int parentPid = unionLength >= 24 ? BitConverter.ToInt32(buffer, union + 16) : 0;
                    int parentTgid = unionLength >= 24 ? BitConverter.ToInt32(buffer, union + 20) : 0;
                    events.Add(new ProcEvent(ProcEventKind.Exit, timestamp, BitConverter.ToInt32(buffer, union), BitConverter.ToInt32(buffer, union + 4), parentPid, parentTgid, exitCode));
                    counts.Events++;
                    return;

                default:
                    counts.Ignored++;
                    return;
            }
        }

        /// <summary>The subscribe (or unsubscribe) request: netlink header, cn_msg for the proc connector, the 4-byte operation.</summary>
        internal static byte[] BuildMulticastRequest(bool listen, int portId)
        {
            const int Length = NetlinkHeaderSize + ConnectorHeaderSize + 4;
            var message = new byte[Length];
            Put32(message, 0, Length);
            Put16(message, 4, 3); // NLMSG_DONE: the connector's message type
            Put32(message, 12, (uint)portId);
            Put32(message, 16, CnIdxProc);
            Put32(message, 20, CnValProc);
            Put16(message, 32, 4); // cn_msg.len
            Put32(message, 36, listen ? 1u : 2u); // PROC_CN_MCAST_LISTEN / PROC_CN_MCAST_IGNORE
            return message;
        }

        private static void Put32(byte[] b, int offset, uint value) => Array.Copy(BitConverter.GetBytes(value), 0, b, offset, 4);

        private static void Put16(byte[] b, int offset, ushort value) => Array.Copy(BitConverter.GetBytes(value), 0, b, offset, 2);
    }
}
