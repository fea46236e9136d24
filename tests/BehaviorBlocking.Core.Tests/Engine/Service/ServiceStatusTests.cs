using System;
using BehaviorBlocking.Engine.Service;
using Xunit;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>Status from the text systemctl show prints (captured from systemd 252 on this machine).</summary>
    public sealed class ServiceStatusTests
    {
        // systemctl show bbx.service -p ActiveState,SubState,MainPID,NRestarts,ExecMainStartTimestamp (systemd 252), after a kill -9 and restart.
        private const string Running =
            "MainPID=91\nNRestarts=1\nExecMainStartTimestamp=Wed 2026-12-02 05:41:44 UTC\nActiveState=active\nSubState=running\n";

        // A unit that systemd does not know (after uninstall).
        private const string Gone =
            "MainPID=0\nNRestarts=0\nExecMainStartTimestamp=\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nFragmentPath=\nUnitFileState=\n";

        [Fact]
        public void FromSystemctlShow_Running_ReadsEveryProperty()
        {
            ServiceStatus status = ServiceStatus.FromSystemctlShow("bbx", Running + "LoadState=loaded\nUnitFileState=enabled\nFragmentPath=/etc/systemd/system/bbx.service\n", installed: true, unitPath: null);
            Assert.True(status.ManagerRunning);
            Assert.True(status.IsRunning);
            Assert.Equal(ServiceActiveState.Active, status.ActiveState);
            Assert.Equal("running", status.SubState);
            Assert.Equal("loaded", status.LoadState);
            Assert.Equal("enabled", status.StartupState);
            Assert.Equal(91, status.MainProcessId);
            Assert.Equal(1, status.Restarts);
            Assert.Equal(new DateTimeOffset(2026, 12, 2, 5, 41, 44, TimeSpan.Zero), status.StartedAt);
            Assert.Equal("/etc/systemd/system/bbx.service", status.UnitPath);
        }

        [Fact]
        public void FromSystemctlShow_NotFound_NoProcessNoTime()
        {
            ServiceStatus status = ServiceStatus.FromSystemctlShow("bbx", Gone, installed: false, unitPath: null);
            Assert.False(status.IsRunning);
            Assert.Equal(ServiceActiveState.Inactive, status.ActiveState);
            Assert.Equal("not-found", status.LoadState);
            Assert.Null(status.MainProcessId);
            Assert.Equal(0, status.Restarts);
            Assert.Null(status.StartedAt);
            Assert.Null(status.UnitPath);
            Assert.Null(status.StartupState);
        }

        [Fact]
        public void FromSystemctlShow_CrLfUnknownKeysAndBadNumbers_Tolerated()
        {
            ServiceStatus status = ServiceStatus.FromSystemctlShow("x", "ActiveState=auto-something\r\nMainPID=abc\r\nNRestarts=-1\r\nSomethingNew=1\r\nnoequals\r\n", installed: true, unitPath: "/u");
            Assert.Equal(ServiceActiveState.Unknown, status.ActiveState);
            Assert.Null(status.MainProcessId);
            Assert.Null(status.Restarts);
            Assert.Equal("/u", status.UnitPath);
        }

        [Theory]
        [InlineData("active", ServiceActiveState.Active)]
        [InlineData("activating", ServiceActiveState.Activating)]
        [InlineData("failed", ServiceActiveState.Failed)]
        [InlineData("deactivating", ServiceActiveState.Deactivating)]
        [InlineData("reloading", ServiceActiveState.Reloading)]
        [InlineData("maintenance", ServiceActiveState.Maintenance)]
        [InlineData("", ServiceActiveState.Unknown)]
        public void ParseActiveState_Words(string word, ServiceActiveState expected) => Assert.Equal(expected, ServiceStatus.ParseActiveState(word));

        [Theory]
        [InlineData("Wed 2026-12-02 05:41:44.123456 UTC", 2026, 12, 2, 5, 41, 44, 1234560)]
        [InlineData("2026-12-02 05:41:44 UTC", 2026, 12, 2, 5, 41, 44, 0)]
        public void ParseTimestamp_Utc(string text, int y, int mo, int d, int h, int mi, int s, long extraTicks) =>
            Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero).AddTicks(extraTicks), ServiceStatus.ParseTimestamp(text));

        [Theory]
        [InlineData("n/a")]
        [InlineData("")]
        [InlineData(null)]
        [InlineData("Wed garbage")]
        public void ParseTimestamp_NoTime_IsNull(string? text) => Assert.Null(ServiceStatus.ParseTimestamp(text));

        [Fact]
        public void ParseTimestamp_LocalZone_UsesThisMachinesOffset()
        {
            var local = new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Unspecified);
            DateTimeOffset expected = new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local)).ToUniversalTime();
            Assert.Equal(expected, ServiceStatus.ParseTimestamp("Wed 2026-07-01 12:00:00 CEST"));
        }
    }
}
