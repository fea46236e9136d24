using System;
using BehaviorBlocking.Cli;

namespace BehaviorBlocking.Tests.Cli
{
    public sealed class CliOptionsTests
    {
        private static readonly DateTimeOffset s_now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        [Theory]
        [InlineData("30s", 0, 0, 30)]
        [InlineData("90m", 0, 90, 0)]
        [InlineData("24h", 24, 0, 0)]
        [InlineData("7d", 7 * 24, 0, 0)]
        [InlineData("2w", 14 * 24, 0, 0)]
        [InlineData("0d", 0, 0, 0)]
        public void TryParseTime_Age_CountsBackFromNow(string text, int hours, int minutes, int seconds)
        {
            Assert.True(CliOptions.TryParseTime(text, "--since", s_now, out DateTimeOffset value, out string? error), error);

            Assert.Equal(s_now - new TimeSpan(hours, minutes, seconds), value);
        }

        [Fact]
        public void TryParseTime_IsoWithOffset_IsUtc()
        {
            Assert.True(CliOptions.TryParseTime("2024-05-01T10:00:00+02:00", "--since", s_now, out DateTimeOffset value, out _));

            Assert.Equal(new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero), value);
            Assert.Equal(TimeSpan.Zero, value.Offset);
        }

        [Fact]
        public void TryParseTime_OldestReachableAge_IsTheYearOneAndOneMoreIsAnError()
        {
            long days = (s_now.UtcDateTime - DateTime.MinValue).Ticks / TimeSpan.TicksPerDay;

            Assert.True(CliOptions.TryParseTime(days + "d", "--since", s_now, out DateTimeOffset oldest, out _));
            Assert.Equal(1, oldest.Year);
            Assert.False(CliOptions.TryParseTime(days + 1 + "d", "--since", s_now, out _, out string? error));
            Assert.Equal($"--since: the age '{days + 1}d' reaches back before the year 1 (at most {days}d).", error);
        }

        [Theory]
        [InlineData("1", 1)]
        [InlineData("2147483647", int.MaxValue)]
        public void TryParseCount_InRange_Parses(string text, int expected)
        {
            Assert.True(CliOptions.TryParseCount(text, "--last", 1, out int value, out _));
            Assert.Equal(expected, value);
        }

        [Theory]
        [InlineData("0")]
        [InlineData("-5")]
        [InlineData("2147483648")]
        [InlineData("1.5")]
        [InlineData("")]
        [InlineData("1e3")]
        public void TryParseCount_OutOfRangeOrNotANumber_NamesTheOptionAndTheRange(string text)
        {
            Assert.False(CliOptions.TryParseCount(text, "--last", 1, out _, out string? error));
            Assert.Equal($"--last: '{text}' is not a whole number from 1 to 2147483647.", error);
        }
    }
}
