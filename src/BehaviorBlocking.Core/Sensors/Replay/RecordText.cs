using System;
using System.Text;
using System.Text.Json;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// One record cannot be read: thrown by the readers' decoding and checked inside one record's
    /// parse, which turns it into a <c>RecordMalformed</c> report for that record alone.
    /// </summary>
    internal sealed class RecordMalformedException : Exception
    {
        public RecordMalformedException(string message)
            : base(message)
        {
        }
    }

    /// <summary>
    /// The one way text is decoded from recorded input. UTF-8 is strict: invalid bytes, and JSON
    /// escapes of lone surrogates, make the record malformed rather than being replaced silently
    /// (a replacement character could change what a rule sees) or escaping as an exception.
    /// </summary>
    internal static class RecordText
    {
        /// <summary>
        /// What event XML decoding puts in place of invalid bytes: U+FFFF is not an XML character,
        /// so the element that holds it fails to parse and is reported, while bytes between elements are ignored.
        /// </summary>
        public const char XmlInvalidByteMarker = '\uFFFF';

        private static readonly UTF8Encoding s_strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        /// <summary>The current JSON string or property name, decoded strictly.</summary>
        public static string JsonString(ref Utf8JsonReader reader)
        {
            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw new RecordMalformedException(
                    "a string is not valid UTF-8 or holds an unpaired surrogate escape (at byte " + reader.TokenStartIndex + ")");
            }
        }

        /// <summary>Raw UTF-8 bytes of the record (a nested value kept as JSON text), decoded strictly.</summary>
        public static string Utf8(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty)
            {
                return string.Empty;
            }

            byte[] copy = bytes.ToArray();
            try
            {
                return s_strictUtf8.GetString(copy);
            }
            catch (DecoderFallbackException)
            {
                throw new RecordMalformedException("a value is not valid UTF-8");
            }
        }

        /// <summary>A decoder for event XML input in <paramref name="encoding"/> that marks invalid bytes with <see cref="XmlInvalidByteMarker"/>.</summary>
        public static Encoding ForEventXml(Encoding encoding)
        {
            var marking = (Encoding)encoding.Clone();
            marking.DecoderFallback = new DecoderReplacementFallback(XmlInvalidByteMarker.ToString());
            return marking;
        }
    }
}
