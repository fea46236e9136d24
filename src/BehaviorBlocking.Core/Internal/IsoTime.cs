using System;
using System.Globalization;

namespace BehaviorBlocking.Internal
{
    /// <summary>
    /// Fast parsing of the ISO 8601 UTC timestamps recordings carry, with a lenient fallback. The one
    /// path every time read from recorded input goes through: total (never throws), and a time whose
    /// offset is outside ±14:00 or whose UTC instant leaves years 1–9999 is rejected like any other
    /// malformed value.
    /// </summary>
    internal static class IsoTime
    {
        /// <summary>The largest UTC offset <see cref="DateTimeOffset"/> accepts.</summary>
        private static readonly long s_maxOffsetTicks = TimeSpan.FromHours(14).Ticks;

        /// <summary>
        /// Parses <c>yyyy-MM-ddTHH:mm:ss[.f{1,7}][Z|±hh:mm]</c> (a space may stand for the T; no zone
        /// means UTC) without allocating; anything else goes through <see cref="DateTimeOffset.TryParse(string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/>.
        /// </summary>
        public static bool TryParse(string? text, out DateTimeOffset value)
        {
            value = default;
            if (string.IsNullOrEmpty(text))
            {
                return false;
            }

            if (TryParseFixed(text!, out value))
            {
                return true;
            }

            try
            {
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
            }
            catch (ArgumentException)
            {
                // Defensive: the runtime's parser is documented total, but a recording must never be able to prove otherwise.
                value = default;
                return false;
            }
        }

        /// <summary>Parses only the fixed form of <see cref="TryParse"/> (at most 7 fraction digits), with no lenient fallback.</summary>
        public static bool TryParseStrict(string? text, out DateTimeOffset value)
        {
            value = default;
            return !string.IsNullOrEmpty(text) && TryParseFixed(text!, out value);
        }

        private static bool TryParseFixed(string s, out DateTimeOffset value)
        {
            value = default;
            if (s.Length < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
            {
                return false;
            }

            if (!Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day)
                || !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || !Digits(s, 17, 2, out int second))
            {
                return false;
            }

            int i = 19;
            long fractionTicks = 0;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                int digits = 0;
                long scale = TimeSpan.TicksPerSecond;
                while (i < s.Length && s[i] >= '0' && s[i] <= '9')
                {
                    if (digits == 7)
                    {
                        // Finer than a tick: not a form any sensor writes.
                        return false;
                    }

                    scale /= 10;
                    fractionTicks += (s[i] - '0') * scale;
                    digits++;
                    i++;
                }

                if (digits == 0)
                {
                    return false;
                }
            }

            TimeSpan offset = TimeSpan.Zero;
            if (i < s.Length)
            {
                char zone = s[i];
                if ((zone == 'Z' || zone == 'z') && i == s.Length - 1)
                {
                }
                else if ((zone == '+' || zone == '-') && s.Length == i + 6 && s[i + 3] == ':'
                    && Digits(s, i + 1, 2, out int offHours) && Digits(s, i + 4, 2, out int offMinutes))
                {
                    offset = new TimeSpan(offHours, offMinutes, 0);
                    if (offMinutes > 59 || offset.Ticks > s_maxOffsetTicks)
                    {
                        return false;
                    }

                    if (zone == '-')
                    {
                        offset = offset.Negate();
                    }
                }
                else
                {
                    return false;
                }
            }

            if (month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year < 1 ? 1 : year, month) || hour > 23 || minute > 59 || second > 59 || year < 1)
            {
                return false;
            }

            // The clock time is valid; its UTC instant may still fall outside years 1–9999 (0001-01-01T00:00+01:00).
            long utcTicks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fractionTicks - offset.Ticks;
            if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
            {
                return false;
            }

            value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
            return true;
        }

        private static bool Digits(string s, int start, int count, out int result)
        {
            result = 0;
            for (int i = start; i < start + count; i++)
            {
                int d = s[i] - '0';
                if (d < 0 || d > 9)
                {
                    return false;
                }

                result = (result * 10) + d;
            }

            return true;
        }
    }
}
