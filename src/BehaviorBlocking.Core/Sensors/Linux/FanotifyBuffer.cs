using System;
using System.Collections.Generic;
using System.Text;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>The kernel's fanotify constants the product uses (<c>linux/fanotify.h</c>).</summary>
    internal static class Fanotify
    {
        // fanotify_init flags
        internal const uint ClassNotif = 0x0;
        internal const uint ClassContent = 0x4;
        internal const uint CloseOnExec = 0x1;
        internal const uint NonBlock = 0x2;
        internal const uint ReportDirFid = 0x400;
        internal const uint ReportName = 0x800;
        internal const uint ReportDfidName = ReportDirFid | ReportName;

        // fanotify_mark flags
        internal const uint MarkAdd = 0x1;
        internal const uint MarkMount = 0x10;
        internal const uint MarkFileSystem = 0x100;

        // event mask bits
        internal const ulong CloseWrite = 0x8;
        internal const ulong MovedFrom = 0x40;
        internal const ulong MovedTo = 0x80;
        internal const ulong Create = 0x100;
        internal const ulong Delete = 0x200;
        internal const ulong QueueOverflow = 0x4000;
        internal const ulong OpenExecPerm = 0x40000;
        internal const ulong Rename = 0x10000000;
        internal const ulong OnDir = 0x40000000;

        // responses
        internal const uint Allow = 0x1;
        internal const uint Deny = 0x2;

        // info record types
        internal const byte InfoDfidName = 2;
        internal const byte InfoOldDfidName = 10;
        internal const byte InfoNewDfidName = 12;

        internal const int NoFd = -1;
        internal const byte MetadataVersion = 3;
        internal const int MetadataSize = 24;

        internal const int ReadOnly = 0;
        internal const int LargeFile = 0x8000;
        internal const int OpenCloseOnExec = 0x80000;
        internal const int OpenPath = 0x200000;
        internal const int OpenDirectory = 0x10000;
    }

    /// <summary>One name an fanotify event carries: which record it came from, the directory's file handle and the entry name.</summary>
    internal readonly struct FanotifyName
    {
        internal FanotifyName(byte infoType, ulong fileSystemId, byte[] handle, string name)
        {
            InfoType = infoType;
            FileSystemId = fileSystemId;
            Handle = handle;
            Name = name;
        }

        /// <summary><see cref="Fanotify.InfoDfidName"/>, <see cref="Fanotify.InfoOldDfidName"/> or <see cref="Fanotify.InfoNewDfidName"/>.</summary>
        internal byte InfoType { get; }

        /// <summary>The filesystem id (<c>__kernel_fsid_t</c>, as <c>statfs</c> reports it).</summary>
        internal ulong FileSystemId { get; }

        /// <summary>The directory's <c>struct file_handle</c> (handle_bytes, handle_type, f_handle) as <c>open_by_handle_at</c> takes it.</summary>
        internal byte[] Handle { get; }

        /// <summary>The entry name in that directory (may be empty or <c>.</c> for an event on the directory itself).</summary>
        internal string Name { get; }
    }

    /// <summary>One event read from an fanotify descriptor.</summary>
    internal sealed class FanotifyEvent
    {
        private static readonly FanotifyName[] s_noNames = new FanotifyName[0];

        internal FanotifyEvent(ulong mask, int fd, int pid, IReadOnlyList<FanotifyName>? names)
        {
            Mask = mask;
            Fd = fd;
            Pid = pid;
            Names = names ?? s_noNames;
        }

        internal ulong Mask { get; }

        /// <summary>The event's open descriptor (content groups), or <see cref="Fanotify.NoFd"/>.</summary>
        internal int Fd { get; }

        internal int Pid { get; }

        internal IReadOnlyList<FanotifyName> Names { get; }

        /// <summary>The name of the record of <paramref name="infoType"/>, if the event has one.</summary>
        internal FanotifyName? Find(byte infoType)
        {
            for (int i = 0; i < Names.Count; i++)
            {
                if (Names[i].InfoType == infoType)
                {
                    return Names[i];
                }
            }

            return null;
        }
    }

    /// <summary>What <see cref="FanotifyBuffer.Parse"/> met that it could not use; it never throws.</summary>
    internal sealed class FanotifyParseCounts
    {
        /// <summary>Buffers that ended inside an event's metadata or body (the rest of the buffer is dropped).</summary>
        internal long Truncated;

        /// <summary>Events whose lengths are impossible (shorter than the metadata, longer than the buffer).</summary>
        internal long BadLength;

        /// <summary>Events of a metadata version this reader does not know.</summary>
        internal long BadVersion;

        /// <summary>Info records that are too short or overrun their event (the event is kept without them).</summary>
        internal long BadInfo;

        internal long Total => Truncated + BadLength + BadVersion + BadInfo;
    }

    /// <summary>
    /// Parses what <c>read</c> returned from an fanotify descriptor: <c>struct fanotify_event_metadata</c>
    /// records, each followed by info records (<c>struct fanotify_event_info_fid</c> with a file handle and,
    /// for the DFID_NAME kinds, a NUL-terminated name). Every length is checked against the buffer; a bad one
    /// is counted and parsing stops (or, for a bad info record, that event keeps what was valid), so hostile
    /// or truncated bytes never throw and never read past <c>length</c>.
    /// </summary>
    internal static class FanotifyBuffer
    {
        /// <summary>
        /// A reader's step: clears <paramref name="into"/>, parses the bytes read into it, adds what was malformed to
        /// <paramref name="malformed"/> and reports that once per run through <paramref name="writer"/> (the sensors
        /// never throw for what the kernel returned).
        /// </summary>
        internal static void ParseRead(byte[] buffer, int length, List<FanotifyEvent> into, FanotifyParseCounts counts, ref long malformed,
            ref bool reported, string source, Pipeline.IEventWriter writer)
        {
            into.Clear();
            long before = counts.Total;
            Parse(buffer, length, into, counts);
            if (counts.Total == before)
            {
                return;
            }

            System.Threading.Interlocked.Add(ref malformed, counts.Total - before);
            if (!reported)
            {
                reported = true;
                writer.Problem(new Replay.ReplayProblem(source, 0, Engine.ErrorIds.RecordMalformed,
                    "the kernel returned fanotify bytes this reader cannot parse (counted; reported once)."));
            }
        }

        /// <summary>Appends the events in the first <paramref name="length"/> bytes of <paramref name="buffer"/> to <paramref name="into"/>.</summary>
        internal static void Parse(byte[] buffer, int length, List<FanotifyEvent> into, FanotifyParseCounts counts)
        {
            length = Math.Max(0, Math.Min(length, buffer.Length));
            int at = 0;
            while (at < length)
            {
                int left = length - at;
                if (left < Fanotify.MetadataSize)
                {
                    counts.Truncated++;
                    return;
                }

                uint eventLength = BitConverter.ToUInt32(buffer, at);
                byte version = buffer[at + 4];
                ushort metadataLength = BitConverter.ToUInt16(buffer, at + 6);
                if (version != Fanotify.MetadataVersion)
                {
                    counts.BadVersion++;
                    return;
                }

                if (metadataLength < Fanotify.MetadataSize || eventLength < metadataLength)
                {
                    counts.BadLength++;
                    return;
                }

                if (eventLength > (uint)left)
                {
                    counts.Truncated++;
                    return;
                }

                ulong mask = BitConverter.ToUInt64(buffer, at + 8);
                int fd = BitConverter.ToInt32(buffer, at + 16);
                int pid = BitConverter.ToInt32(buffer, at + 20);
                List<FanotifyName>? names = null;
                int info = at + metadataLength;
                int end = at + (int)eventLength;
                while (info < end)
                {
                    if (end - info < 4)
                    {
                        counts.BadInfo++;
                        break;
                    }

                    byte type = buffer[info];
                    int recordLength = BitConverter.ToUInt16(buffer, info + 2);
                    if (recordLength < 4 || recordLength > end - info)
                    {
                        counts.BadInfo++;
                        break;
                    }

                    if (type == Fanotify.InfoDfidName || type == Fanotify.InfoOldDfidName || type == Fanotify.InfoNewDfidName)
                    {
                        if (TryReadName(buffer, info, recordLength, type, out FanotifyName name))
                        {
                            (names ??= new List<FanotifyName>(2)).Add(name);
                        }
                        else
                        {
                            counts.BadInfo++;
                        }
                    }

                    info += recordLength;
                }

                into.Add(new FanotifyEvent(mask, fd, pid, names));
                at = end;
            }
        }

        // fanotify_event_info_fid: header (4), fsid (8), file_handle { u32 handle_bytes; s32 handle_type; f_handle[] }, name\0.
        private static bool TryReadName(byte[] buffer, int at, int recordLength, byte type, out FanotifyName name)
        {
            name = default;
            const int HandleAt = 12;
            if (recordLength < HandleAt + 8)
            {
                return false;
            }

            ulong fsid = BitConverter.ToUInt64(buffer, at + 4);
            uint handleBytes = BitConverter.ToUInt32(buffer, at + HandleAt);
            if (handleBytes > (uint)(recordLength - HandleAt - 8))
            {
                return false;
            }

            int handleLength = 8 + (int)handleBytes;
            var handle = new byte[handleLength];
            Buffer.BlockCopy(buffer, at + HandleAt, handle, 0, handleLength);
            int nameAt = at + HandleAt + handleLength;
            int recordEnd = at + recordLength;
            int nul = nameAt;
            while (nul < recordEnd && buffer[nul] != 0)
            {
                nul++;
            }

            if (nul == recordEnd)
            {
                // The name must end inside its record.
                return false;
            }

            name = new FanotifyName(type, fsid, handle, Encoding.UTF8.GetString(buffer, nameAt, nul - nameAt));
            return true;
        }
    }
}
