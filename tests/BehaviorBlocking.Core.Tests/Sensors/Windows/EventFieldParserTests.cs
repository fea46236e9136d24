using System;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Tests.Events
{
    public class EventFieldParserTests
    {
        [Theory]
        [InlineData("3360", 3360)]
        [InlineData("0x1a2c", 0x1a2c)]
        [InlineData("0X0000000000000E74", 0xe74)]
        [InlineData("0", 0)]
        [InlineData("2147483647", int.MaxValue)]
        [InlineData("2147483648", null)]
        [InlineData("0xFFFFFFFF", null)]
        [InlineData("-", null)]
        [InlineData("", null)]
        [InlineData(null, null)]
        [InlineData("0x", null)]
        [InlineData("12ab", null)]
        [InlineData("-5", null)]
        public void Integer_DecimalOrHex_ParsesOrReturnsNull(string? value, int? expected)
        {
            Assert.Equal(expected, EventFieldParser.Integer(value));
        }

        [Theory]
        [InlineData("0x0", null)]
        [InlineData("0", null)]
        [InlineData("0x300", 0x300)]
        public void ProcessId_Zero_ReturnsNull(string value, int? expected)
        {
            Assert.Equal(expected, EventFieldParser.ProcessId(value));
        }

        [Theory]
        [InlineData("-", null)]
        [InlineData("", null)]
        [InlineData("   ", null)]
        [InlineData("0x0", null)]
        [InlineData("0x00000000", null)]
        [InlineData("0x01", "0x01")]
        [InlineData("admmig", "admmig")]
        public void Name_Placeholders_ReturnNull(string value, string? expected)
        {
            Assert.Equal(expected, EventFieldParser.Name(value));
        }

        [Theory]
        [InlineData("-", null)]
        [InlineData("", null)]
        [InlineData("0x0", "0x0")]
        [InlineData(" ", " ")]
        public void Text_OnlyEmptyAndDash_ReturnNull(string value, string? expected)
        {
            Assert.Equal(expected, EventFieldParser.Text(value));
        }

        [Theory]
        [InlineData("{00000000-0000-0000-0000-000000000000}", null)]
        [InlineData("{7CF65FC7-E247-6017-0804-000000001B00}", "{7CF65FC7-E247-6017-0804-000000001B00}")]
        [InlineData("7cf65fc7-e247-6017-0804-000000001b00", "7cf65fc7-e247-6017-0804-000000001b00")]
        public void Guid_AllZero_ReturnsNullOtherwiseKeptAsGiven(string value, string? expected)
        {
            Assert.Equal(expected, EventFieldParser.Guid(value));
        }

        [Theory]
        [InlineData("OFFSEC", "admmig", @"OFFSEC\admmig")]
        [InlineData("-", "admmig", "admmig")]
        [InlineData("OFFSEC", "-", null)]
        [InlineData("OFFSEC.LAN", "admmig@OFFSEC.LAN", "admmig@OFFSEC.LAN")]
        public void Account_DomainAndUser_JoinsOrKeepsQualifiedName(string domain, string user, string? expected)
        {
            Assert.Equal(expected, EventFieldParser.Account(domain, user));
        }

        [Theory]
        [InlineData("::ffff:10.23.23.9", "10.23.23.9")]
        [InlineData("::1", "::1")]
        [InlineData("fe80::1", "fe80::1")]
        [InlineData("-", null)]
        public void IpAddress_MappedIpv4_Unwrapped(string value, string? expected)
        {
            Assert.Equal(expected, EventFieldParser.IpAddress(value));
        }

        [Theory]
        [InlineData(" \"Evil\"", "Evil")]
        [InlineData("plain", "plain")]
        [InlineData(" \"\"", null)]
        public void Unquoted_WmiValue_StripsBlanksAndQuotes(string value, string? expected)
        {
            Assert.Equal(expected, EventFieldParser.Unquoted(value));
        }

        [Theory]
        [InlineData("true", true)]
        [InlineData("False", false)]
        [InlineData("1", true)]
        [InlineData("yes", null)]
        public void Boolean_Rendering_Parsed(string value, bool? expected)
        {
            Assert.Equal(expected, EventFieldParser.Boolean(value));
        }

        [Theory]
        [InlineData("2021-02-01 11:13:11.180", 2021, 2, 1, 11, 13, 11, 1800000)]
        [InlineData("2021-02-01 11:13:11", 2021, 2, 1, 11, 13, 11, 0)]
        [InlineData("2022-05-13T08:54:05.1230000Z", 2022, 5, 13, 8, 54, 5, 1230000)]
        [InlineData("2024-02-29 23:59:59.9999999", 2024, 2, 29, 23, 59, 59, 9999999)]
        public void TryParseSysmonUtcTime_ValidForms_ParsedAsUtc(string value, int year, int month, int day, int hour, int minute, int second, long fractionTicks)
        {
            Assert.True(EventFieldParser.TryParseSysmonUtcTime(value, out DateTimeOffset time));
            Assert.Equal(new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).AddTicks(fractionTicks), time);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("2023-02-29 00:00:00.000")]
        [InlineData("2021-13-01 00:00:00.000")]
        [InlineData("2021-02-01 24:00:00.000")]
        [InlineData("2021/02/01 11:13:11.180")]
        [InlineData("2021-02-01 11:13:11.12345678")]
        [InlineData("2021-02-01 11:13:11,180")]
        public void TryParseSysmonUtcTime_Malformed_ReturnsFalse(string? value)
        {
            Assert.False(EventFieldParser.TryParseSysmonUtcTime(value, out _));
        }
    }
}
