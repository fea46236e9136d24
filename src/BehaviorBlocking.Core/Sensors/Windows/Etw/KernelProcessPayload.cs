using System;
using System.Globalization;
using System.Text;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// Reads the token user's SID from a kernel Process event's payload, which TraceEvent skips: after
    /// UniqueProcessKey (pointer), ProcessId, ParentId, SessionId, ExitStatus (4 bytes each),
    /// DirectoryTableBase (pointer) and, from version 4 on, Flags (4 bytes), comes a TOKEN_USER
    /// (two pointers' worth) followed by the SID itself.
    /// </summary>
    internal static class KernelProcessPayload
    {
        /// <summary>The SID as <c>S-1-5-…</c>, or null when the payload has none or is too short.</summary>
        public static string? UserSid(byte[] payload, int pointerSize, int version)
        {
            if (payload is null || (pointerSize != 4 && pointerSize != 8) || version < 3)
            {
                return null;
            }

            int offset = pointerSize + 16 + pointerSize + (version >= 4 ? 4 : 0);
            if (offset + pointerSize > payload.Length)
            {
                return null;
            }

            // A null TOKEN_USER pointer: no SID follows.
            bool empty = pointerSize == 8 ? BitConverter.ToUInt64(payload, offset) == 0 : BitConverter.ToUInt32(payload, offset) == 0;
            if (empty)
            {
                return null;
            }

            int sid = offset + (2 * pointerSize);
            if (sid + 8 > payload.Length)
            {
                return null;
            }

            byte revision = payload[sid];
            int subAuthorities = payload[sid + 1];
            if (revision != 1 || subAuthorities > 15 || sid + 8 + (4 * subAuthorities) > payload.Length)
            {
                return null;
            }

            ulong authority = 0;
            for (int i = 0; i < 6; i++)
            {
                authority = (authority << 8) | payload[sid + 2 + i];
            }

            var text = new StringBuilder("S-1-");
            text.Append(authority >= (1UL << 32) ? "0x" + authority.ToString("X12", CultureInfo.InvariantCulture) : authority.ToString(CultureInfo.InvariantCulture));
            for (int i = 0; i < subAuthorities; i++)
            {
                text.Append('-').Append(BitConverter.ToUInt32(payload, sid + 8 + (4 * i)).ToString(CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }
    }
}
