using System;
using System.Runtime.InteropServices;
using System.Text;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// NUL-terminated UTF-8 strings across the ORT boundary (names, messages). Marshal's Ansi helpers
    /// use the system code page on Windows, which is not what ORT speaks.
    /// </summary>
    internal static class Utf8
    {
        /// <summary>Reads a NUL-terminated UTF-8 string; an empty string for a null pointer.</summary>
        public static string FromNative(IntPtr text)
        {
            if (text == IntPtr.Zero)
            {
                return string.Empty;
            }

            int length = 0;
            while (Marshal.ReadByte(text, length) != 0)
            {
                length++;
            }

            var bytes = new byte[length];
            Marshal.Copy(text, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>A NUL-terminated UTF-8 copy in unmanaged memory; free it with Marshal.FreeHGlobal.</summary>
        public static IntPtr ToNative(string text)
        {
            byte[] bytes = NulTerminated(text);
            IntPtr native = Marshal.AllocHGlobal(bytes.Length);
            Marshal.Copy(bytes, 0, native, bytes.Length);
            return native;
        }

        /// <summary>A NUL-terminated UTF-8 copy as a managed array (pinned by the marshaller for a call).</summary>
        public static byte[] NulTerminated(string text)
        {
            int length = Encoding.UTF8.GetByteCount(text);
            var bytes = new byte[length + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }
    }
}
