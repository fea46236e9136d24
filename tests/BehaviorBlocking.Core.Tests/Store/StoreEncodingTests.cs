using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Tests.Store
{
    public sealed class StoreEncodingTests
    {
        [Fact]
        public void Code_EveryTactic_IsItsAttackNumberAndRoundTrips()
        {
            var expected = new Dictionary<Tactic, long>
            {
                [Tactic.Generic] = 0,
                [Tactic.InitialAccess] = 1,
                [Tactic.Execution] = 2,
                [Tactic.Persistence] = 3,
                [Tactic.PrivilegeEscalation] = 4,
                [Tactic.DefenseEvasion] = 5,
                [Tactic.CredentialAccess] = 6,
                [Tactic.Discovery] = 7,
                [Tactic.LateralMovement] = 8,
                [Tactic.Collection] = 9,
                [Tactic.Exfiltration] = 10,
                [Tactic.CommandAndControl] = 11,
                [Tactic.Impact] = 40,
            };

            Assert.Equal(Enum.GetValues<Tactic>().OrderBy(t => t), expected.Keys.OrderBy(t => t));
            foreach (KeyValuePair<Tactic, long> pair in expected)
            {
                Assert.Equal(pair.Value, StoreEncoding.Code(pair.Key));
                Assert.True(StoreEncoding.TryParse(pair.Value, out Tactic back));
                Assert.Equal(pair.Key, back);
            }
        }

        [Fact]
        public void Code_OtherEnums_AreFixedAndRoundTrip()
        {
            Assert.Equal(new long[] { 0, 1 }, new[] { DetectionPlatform.Win32, DetectionPlatform.Linux }.Select(StoreEncoding.Code));
            Assert.Equal(
                new long[] { 0, 1, 2, 3, 4 },
                new[] { Severity.Informational, Severity.Low, Severity.Medium, Severity.High, Severity.Critical }.Select(StoreEncoding.Code));
            Assert.Equal(
                new long[] { 0, 1, 2, 3 },
                new[] { DetectionAction.Audited, DetectionAction.Blocked, DetectionAction.BlockFailed, DetectionAction.Excluded }.Select(StoreEncoding.Code));
            Assert.All(Enum.GetValues<DetectionPlatform>(), v => Assert.True(StoreEncoding.TryParse(StoreEncoding.Code(v), out DetectionPlatform b) && b == v));
            Assert.All(Enum.GetValues<Severity>(), v => Assert.True(StoreEncoding.TryParse(StoreEncoding.Code(v), out Severity b) && b == v));
            Assert.All(Enum.GetValues<DetectionAction>(), v => Assert.True(StoreEncoding.TryParse(StoreEncoding.Code(v), out DetectionAction b) && b == v));
        }

        [Fact]
        public void TryParse_UnknownCode_ReturnsFalse()
        {
            Assert.False(StoreEncoding.TryParse(12, out Tactic _));
            Assert.False(StoreEncoding.TryParse(-1, out Severity _));
            Assert.False(StoreEncoding.TryParse(2, out DetectionPlatform _));
            Assert.False(StoreEncoding.TryParse(4, out DetectionAction _));
        }

        [Fact]
        public void Code_ValueWithoutCode_ThrowsArgumentException()
        {
            Assert.Throws<ArgumentException>(() => StoreEncoding.Code((Severity)7));
        }

        [Fact]
        public void Time_AnyOffset_IsFixedWidthUtcThatSortsAndRoundTripsTicks()
        {
            var times = new[]
            {
                DateTimeOffset.MinValue,
                new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1),
                new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(2),
                DateTimeOffset.MaxValue,
            };

            string[] texts = times.Select(StoreEncoding.Time).ToArray();

            Assert.Equal("0001-01-01T00:00:00.0000000Z", texts[0]);
            Assert.Equal("2024-05-01T10:00:00.0000001Z", texts[1]);
            Assert.All(texts, t => Assert.Equal(28, t.Length));
            Assert.Equal(texts.OrderBy(t => t, StringComparer.Ordinal), texts);
            for (int i = 0; i < times.Length; i++)
            {
                Assert.True(StoreEncoding.TryParseTime(texts[i], out DateTimeOffset back));
                Assert.Equal(times[i].UtcTicks, back.UtcTicks);
                Assert.Equal(TimeSpan.Zero, back.Offset);
            }

            Assert.False(StoreEncoding.TryParseTime("2024-05-01T10:00:00Z", out _));
        }
    }
}
