using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Tests
{
    public class DetectionNameTests
    {
        [Theory]
        [InlineData(DetectionPlatform.Win32, Tactic.Persistence, "RunKey", VerdictSource.Model, "Behavior:Win32/Persistence.RunKey!ml")]
        [InlineData(DetectionPlatform.Linux, Tactic.Generic, "A1", VerdictSource.Rule, "Behavior:Linux/Generic.A1!rule")]
        [InlineData(DetectionPlatform.Win32, Tactic.CommandAndControl, "Beacon", VerdictSource.Rule, "Behavior:Win32/CommandAndControl.Beacon!rule")]
        public void Format_ValidParts_FollowsContractAndRoundTrips(DetectionPlatform platform, Tactic tactic, string variant, VerdictSource source, string expected)
        {
            string name = DetectionName.Format(platform, tactic, variant, source);

            Assert.Equal(expected, name);
            Assert.True(DetectionName.TryParse(name, out var p, out var t, out var v, out var s));
            Assert.Equal((platform, tactic, variant, source), (p, t, v, s));
        }

        [Theory]
        [InlineData("")]
        [InlineData("bad variant")]
        [InlineData("Way-too-long-variant-name")]
        public void Format_InvalidVariant_Throws(string variant)
        {
            Assert.Throws<System.ArgumentException>(() => DetectionName.Format(DetectionPlatform.Win32, Tactic.Impact, variant, VerdictSource.Rule));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("Behavior:Win32/Persistence.RunKey")]
        [InlineData("Behavior:Mac/Persistence.RunKey!ml")]
        [InlineData("Behavior:Win32/Lurking.RunKey!ml")]
        [InlineData("Behavior:Win32/3.RunKey!ml")]
        [InlineData("Trojan:Win32/Persistence.RunKey!ml")]
        public void TryParse_NameOutsideContract_ReturnsFalse(string? name)
        {
            Assert.False(DetectionName.TryParse(name, out _, out _, out _, out _));
        }
    }
}
