using System;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Turns raw Windows event field strings into typed values. Every method is total:
    /// a missing, placeholder or malformed value yields null, never an exception, because
    /// one odd optional field must not cost the whole event.
    /// </summary>
    internal static class EventFieldParser
    {
        /// <summary>Free text (command lines, script text, registry data): null for absent, empty or <c>-</c>.</summary>
        public static string? Text(string? value)
        {
            if (value is null || value.Length == 0 || (value.Length == 1 && value[0] == '-'))
            {
                return null;
            }

            return value;
        }

        /// <summary>
        /// A name or identifier (path, account, object name): like <see cref="Text"/>, and also
        /// null for blank values and for all-zero hex placeholders such as <c>0x0</c> or <c>0x00000000</c>.
        /// </summary>
        public static string? Name(string? value)
        {
            if (Text(value) is not string text)
            {
                return null;
            }

            if (IsBlank(text) || IsZeroHex(text))
            {
                return null;
            }

            return text;
        }

        /// <summary>A GUID kept as given (braces and case untouched); null for placeholders and the all-zero GUID.</summary>
        public static string? Guid(string? value)
        {
            if (Name(value) is not string text)
            {
                return null;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '0' && c != '-' && c != '{' && c != '}')
                {
                    return text;
                }
            }

            return null;
        }

        /// <summary>
        /// An integer written in decimal (Sysmon) or as <c>0x</c> hex (Security log process ids);
        /// null when absent, malformed or outside the range of <see cref="int"/>.
        /// </summary>
        public static int? Integer(string? value)
        {
            if (value is null || value.Length == 0)
            {
                return null;
            }

            ulong result = 0;
            if (value.Length > 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
            {
                if (value.Length > 18)
                {
                    return null;
                }

                for (int i = 2; i < value.Length; i++)
                {
                    int digit = HexDigit(value[i]);
                    if (digit < 0)
                    {
                        return null;
                    }

                    result = (result << 4) | (uint)digit;
                }
            }
            else
            {
                if (value.Length > 19)
                {
                    return null;
                }

                for (int i = 0; i < value.Length; i++)
                {
                    char c = value[i];
                    if (c < '0' || c > '9')
                    {
                        return null;
                    }

                    result = (result * 10) + (uint)(c - '0');
                }
            }

            return result <= int.MaxValue ? (int)result : null;
        }

        /// <summary>
        /// A process id (decimal or <c>0x</c> hex). Zero means "no process" (the Security log
        /// writes <c>0x0</c> for network logons) and becomes null like any placeholder.
        /// </summary>
        public static int? ProcessId(string? value)
        {
            int? id = Integer(value);
            return id == 0 ? null : id;
        }

        /// <summary>A TCP/UDP port; 0 (what the Security log writes when there is no remote port) becomes null.</summary>
        public static int? Port(string? value)
        {
            int? port = Integer(value);
            return port == 0 ? null : port;
        }

        /// <summary>A boolean rendered as <c>true</c>/<c>false</c> in any case, or <c>1</c>/<c>0</c>.</summary>
        public static bool? Boolean(string? value)
        {
            if (value is null)
            {
                return null;
            }

            if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || value == "1")
            {
                return true;
            }

            if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase) || value == "0")
            {
                return false;
            }

            return null;
        }

        /// <summary>
        /// An IP address as a name; the IPv4-mapped IPv6 prefix the Security log puts on
        /// IPv4 clients (<c>::ffff:10.0.0.5</c>) is removed so addresses compare with Sysmon's.
        /// </summary>
        public static string? IpAddress(string? value)
        {
            if (Name(value) is not string text)
            {
                return null;
            }

            const string MappedPrefix = "::ffff:";
            if (text.Length > MappedPrefix.Length
                && text.StartsWith(MappedPrefix, StringComparison.OrdinalIgnoreCase)
                && text.IndexOf('.', MappedPrefix.Length) > 0)
            {
                return text.Substring(MappedPrefix.Length);
            }

            return text;
        }

        /// <summary>
        /// A value Sysmon's WMI events wrap in a leading space and double quotes
        /// (<c> "Evil"</c>): surrounding blanks and one enclosing pair of quotes are removed.
        /// </summary>
        public static string? Unquoted(string? value)
        {
            if (Name(value) is not string text)
            {
                return null;
            }

            string trimmed = text.Trim();
            if (trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[trimmed.Length - 1] == '"')
            {
                trimmed = trimmed.Substring(1, trimmed.Length - 2);
            }

            return trimmed.Length == 0 ? null : trimmed;
        }

        /// <summary>
        /// Joins an account as <c>DOMAIN\user</c>; the user alone when the domain is a placeholder
        /// or the user is already qualified (<c>user@realm</c>, <c>DOMAIN\user</c>); null without a user.
        /// </summary>
        public static string? Account(string? domain, string? user)
        {
            string? userName = Name(user);
            if (userName is null)
            {
                return null;
            }

            string? domainName = Name(domain);
            if (domainName is null || userName.IndexOf('\\') >= 0 || userName.IndexOf('@') >= 0)
            {
                return userName;
            }

            return domainName + "\\" + userName;
        }

        /// <summary>
        /// Parses Sysmon's <c>UtcTime</c> (<c>yyyy-MM-dd HH:mm:ss.fff</c>, UTC; 0 to 7 fraction
        /// digits) and the ISO form some collectors re-render it in, strictly: anything else is
        /// rejected so the record's <c>TimeCreated</c> is used instead.
        /// </summary>
        public static bool TryParseSysmonUtcTime(string? value, out DateTimeOffset time) => IsoTime.TryParseStrict(value, out time);

        private static int Digits(string value, int start, int count)
        {
            int result = 0;
            for (int i = start; i < start + count; i++)
            {
                char c = value[i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                result = (result * 10) + (c - '0');
            }

            return result;
        }

        private static int HexDigit(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }

        private static bool IsBlank(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                if (!char.IsWhiteSpace(text[i]))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsZeroHex(string text)
        {
            if (text.Length < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
            {
                return false;
            }

            for (int i = 2; i < text.Length; i++)
            {
                if (text[i] != '0')
                {
                    return false;
                }
            }

            return true;
        }
    }
}
