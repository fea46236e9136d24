using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// Reads a rule file as text, strictly: at most <see cref="RuleLimits.MaxFileBytes"/> bytes, UTF-8
    /// (with or without a byte-order mark) or UTF-16 with its mark. A byte sequence that is not valid in
    /// the encoding refuses the file, naming the byte offset and line, instead of loading a rule whose
    /// values silently hold U+FFFD and no longer match what the author wrote.
    /// </summary>
    internal static class RuleFileText
    {
        private static readonly Encoding s_utf16Le = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
        private static readonly Encoding s_utf16Be = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

        /// <summary>The file's text, or null with the reason it is refused. I/O errors are thrown.</summary>
        public static string? Read(string path, out string? refusal)
        {
            byte[] bytes;
            int count;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                if (stream.CanSeek && stream.Length > RuleLimits.MaxFileBytes)
                {
                    refusal = TooLarge(stream.Length);
                    return null;
                }

                // Read one byte past the limit, so a file that grows (or does not report its length) is caught too.
                bytes = new byte[stream.CanSeek ? (int)stream.Length + 1 : RuleLimits.MaxFileBytes + 1];
                count = 0;
                int read;
                while (count < bytes.Length && (read = stream.Read(bytes, count, bytes.Length - count)) > 0)
                {
                    count += read;
                    if (count == bytes.Length && count <= RuleLimits.MaxFileBytes)
                    {
                        Array.Resize(ref bytes, Math.Min(bytes.Length * 2, RuleLimits.MaxFileBytes + 1));
                    }
                }

                if (count > RuleLimits.MaxFileBytes)
                {
                    refusal = TooLarge(count);
                    return null;
                }
            }

            return Decode(bytes, count, out refusal);
        }

        /// <summary>Decodes the bytes, or returns null with a reason naming the first invalid sequence.</summary>
        public static string? Decode(byte[] bytes, int count, out string? refusal)
        {
            refusal = null;
            if (count >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
            {
                bool bigEndian = bytes[0] == 0xFE;
                int bad = InvalidUtf16(bytes, 2, count, bigEndian);
                if (bad >= 0)
                {
                    refusal = Invalid(bigEndian ? "UTF-16BE" : "UTF-16LE", bytes, bad, unitBytes: 2, bigEndian);
                    return null;
                }

                return (bigEndian ? s_utf16Be : s_utf16Le).GetString(bytes, 2, count - 2);
            }

            int start = count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            int invalid = InvalidUtf8(bytes, start, count);
            if (invalid >= 0)
            {
                refusal = Invalid("UTF-8", bytes, invalid, unitBytes: 1, bigEndian: false);
                return null;
            }

            return Encoding.UTF8.GetString(bytes, start, count - start);
        }

        /// <summary>The offset of the first byte of the first ill-formed UTF-8 sequence, or -1 (RFC 3629: no overlongs, surrogates or values past U+10FFFF).</summary>
        internal static int InvalidUtf8(byte[] bytes, int start, int count)
        {
            int i = start;
            while (i < count)
            {
                byte b = bytes[i];
                if (b < 0x80)
                {
                    i++;
                    continue;
                }

                int length;
                byte min = 0x80, max = 0xBF;
                if (b >= 0xC2 && b <= 0xDF)
                {
                    length = 2;
                }
                else if (b >= 0xE0 && b <= 0xEF)
                {
                    length = 3;
                    if (b == 0xE0)
                    {
                        min = 0xA0;
                    }
                    else if (b == 0xED)
                    {
                        max = 0x9F;
                    }
                }
                else if (b >= 0xF0 && b <= 0xF4)
                {
                    length = 4;
                    if (b == 0xF0)
                    {
                        min = 0x90;
                    }
                    else if (b == 0xF4)
                    {
                        max = 0x8F;
                    }
                }
                else
                {
                    return i;
                }

                if (i + length > count || bytes[i + 1] < min || bytes[i + 1] > max)
                {
                    return i;
                }

                for (int j = 2; j < length; j++)
                {
                    if (bytes[i + j] < 0x80 || bytes[i + j] > 0xBF)
                    {
                        return i;
                    }
                }

                i += length;
            }

            return -1;
        }

        private static int InvalidUtf16(byte[] bytes, int start, int count, bool bigEndian)
        {
            int i = start;
            while (i + 1 < count)
            {
                int unit = bigEndian ? (bytes[i] << 8) | bytes[i + 1] : bytes[i] | (bytes[i + 1] << 8);
                if (unit >= 0xD800 && unit <= 0xDBFF)
                {
                    if (i + 3 >= count)
                    {
                        return i;
                    }

                    int low = bigEndian ? (bytes[i + 2] << 8) | bytes[i + 3] : bytes[i + 2] | (bytes[i + 3] << 8);
                    if (low < 0xDC00 || low > 0xDFFF)
                    {
                        return i;
                    }

                    i += 4;
                    continue;
                }

                if (unit >= 0xDC00 && unit <= 0xDFFF)
                {
                    return i;
                }

                i += 2;
            }

            return i < count ? i : -1;
        }

        private static string Invalid(string encoding, byte[] bytes, int offset, int unitBytes, bool bigEndian)
        {
            int line = 1;
            for (int i = 0; i < offset; i += unitBytes)
            {
                bool newline = unitBytes == 1 ? bytes[i] == (byte)'\n'
                    : i + 1 < offset && (bigEndian ? bytes[i] == 0 && bytes[i + 1] == (byte)'\n' : bytes[i] == (byte)'\n' && bytes[i + 1] == 0);
                if (newline)
                {
                    line++;
                }
            }

            return string.Format(CultureInfo.InvariantCulture, "the file is not valid {0}: invalid byte sequence at byte offset {1} (line {2})", encoding, offset, line);
        }

        private static string TooLarge(long length) => string.Format(
            CultureInfo.InvariantCulture, "the file is {0:N0} bytes; a rule file may have at most {1:N0}", length, RuleLimits.MaxFileBytes);
    }
}
