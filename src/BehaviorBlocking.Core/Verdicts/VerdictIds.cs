using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Verdicts
{
    /// <summary>
    /// Detection ids that are the same for the same verdict: a name-based UUID (RFC 4122 version 5)
    /// over the host, the recording, the tree's root process, the tactic and the time of the first
    /// signal. Scanning a recording again therefore updates the stored detections instead of adding
    /// copies; a live verdict is unique through its root's guid (or pid and start) and time.
    /// </summary>
    public static class VerdictIds
    {
        // The product's namespace for name-based ids.
        private static readonly byte[] s_namespace = new Guid("6f1f5d0e-6a53-4b53-9a1e-3c8f2b7d4e10").ToByteArray();

        /// <summary>The id of a verdict about <paramref name="root"/>'s tree (or the host, when null).</summary>
        public static Guid For(string host, string? sourceFile, ProcessNode? root, Tactic tactic, DateTimeOffset firstSignal, int salt = 0)
        {
            var name = new StringBuilder(160);
            name.Append(host.ToUpperInvariant()).Append('|');
            name.Append(sourceFile is null ? string.Empty : Normalize(sourceFile)).Append('|');
            if (root is null)
            {
                name.Append("host");
            }
            else if (root.ProcessGuid is not null)
            {
                name.Append(root.ProcessGuid.ToUpperInvariant());
            }
            else
            {
                name.Append(root.ProcessId.ToString(CultureInfo.InvariantCulture)).Append('@')
                    .Append((root.StartTime ?? root.FirstSeen).UtcTicks.ToString(CultureInfo.InvariantCulture));
            }

            name.Append('|').Append(tactic.ToString()).Append('|').Append(firstSignal.UtcTicks.ToString(CultureInfo.InvariantCulture));
            if (salt != 0)
            {
                name.Append('|').Append(salt.ToString(CultureInfo.InvariantCulture));
            }

            return NameBased(name.ToString());
        }

        internal static Guid NameBased(string name)
        {
            byte[] ns = ToNetworkOrder(s_namespace);
            byte[] text = Encoding.UTF8.GetBytes(name);
            var input = new byte[ns.Length + text.Length];
            Buffer.BlockCopy(ns, 0, input, 0, ns.Length);
            Buffer.BlockCopy(text, 0, input, ns.Length, text.Length);
            byte[] hash;
#pragma warning disable CA5350 // SHA-1 is what RFC 4122 version 5 specifies; the id is an identifier, not a security boundary.
            using (var sha1 = SHA1.Create())
            {
                hash = sha1.ComputeHash(input);
            }
#pragma warning restore CA5350

            var bytes = new byte[16];
            Array.Copy(hash, bytes, 16);
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(ToNetworkOrder(bytes));
        }

        private static string Normalize(string path)
        {
            try
            {
                return Path.GetFullPath(path);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException || ex is System.Security.SecurityException)
            {
                return path;
            }
        }

        // Guid's byte layout stores the first three fields little-endian; RFC 4122 hashes them big-endian.
        private static byte[] ToNetworkOrder(byte[] guid)
        {
            var b = (byte[])guid.Clone();
            Array.Reverse(b, 0, 4);
            Array.Reverse(b, 4, 2);
            Array.Reverse(b, 6, 2);
            return b;
        }
    }
}
