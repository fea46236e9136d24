namespace BehaviorBlocking.Internal
{
    /// <summary>Hex text of bytes (digests): upper case, two digits a byte, no separators.</summary>
    internal static class HexText
    {
        private const string Digits = "0123456789ABCDEF";

        /// <summary><paramref name="bytes"/> as upper-case hex.</summary>
        internal static string Upper(byte[] bytes)
        {
            char[] text = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                text[2 * i] = Digits[bytes[i] >> 4];
                text[(2 * i) + 1] = Digits[bytes[i] & 0xF];
            }

            return new string(text);
        }
    }
}
