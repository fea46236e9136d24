using System;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Engine.Service;
using Xunit;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>The unit text: every directive the service relies on, and systemd's quoting of paths and values.</summary>
    public sealed class SystemdUnitTests
    {
        private static ServiceDefinition Definition(string exe = "/opt/behaviorblock/behaviorblock", string home = "/var/lib/behaviorblocking", params string[] args) =>
            new ServiceDefinition(exe, args.Length == 0 ? new[] { "monitor", "--service" } : args, home);

        private static string[] Lines(string text) => text.Split('\n');

        [Fact]
        public void Render_Monitor_HasEveryDirectiveOnce()
        {
            string text = SystemdUnit.Render(Definition());
            string[] expected =
            {
                "[Unit]", "Description=BehaviorBlocking behavioral protection (live monitor)", "After=local-fs.target", "StartLimitIntervalSec=0",
                "[Service]", "Type=notify", "NotifyAccess=main",
                "ExecStart=\"/opt/behaviorblock/behaviorblock\" \"monitor\" \"--service\"",
                "Environment=\"BEHAVIORBLOCKING_HOME=/var/lib/behaviorblocking\"",
                "User=root", "Restart=always", "RestartSec=5s", "RestartPreventExitStatus=2", "TimeoutStartSec=90s", "TimeoutStopSec=30s", "WatchdogSec=30s",
                "OOMScoreAdjust=-900", "LimitNOFILE=65536", "UMask=0077",
                "CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_KILL CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SYS_PTRACE",
                "AmbientCapabilities=CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_KILL CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SYS_PTRACE",
                "NoNewPrivileges=yes", "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6", "RestrictNamespaces=yes", "RestrictRealtime=yes",
                "LockPersonality=yes", "SystemCallArchitectures=native", "PrivateTmp=no", "ProtectSystem=no", "ProtectHome=no",
                "StandardOutput=journal", "StandardError=journal", "SyslogIdentifier=behaviorblock",
                "[Install]", "WantedBy=multi-user.target",
            };

            string[] lines = Lines(text);
            foreach (string line in expected)
            {
                Assert.True(lines.Count(l => l == line) == 1, $"'{line}' is not in the unit exactly once:\n{text}");
            }

            // Sections in order, and every other line a comment, a blank or one of the above.
            Assert.True(Array.IndexOf(lines, "[Unit]") < Array.IndexOf(lines, "[Service]") && Array.IndexOf(lines, "[Service]") < Array.IndexOf(lines, "[Install]"));
            Assert.All(lines, l => Assert.True(l.Length == 0 || l.StartsWith("#", StringComparison.Ordinal) || expected.Contains(l), "unexpected line: " + l));
            Assert.EndsWith("\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        }

        [Fact]
        public void Render_TimesFromDefinition_AreWholeSeconds()
        {
            ServiceDefinition definition = new ServiceDefinition("/x/y", new[] { "monitor" }, "/h")
            {
                RestartDelay = TimeSpan.FromMilliseconds(1500),
                WatchdogInterval = TimeSpan.FromMinutes(2),
                StartTimeout = TimeSpan.FromSeconds(10),
            };

            string[] lines = Lines(SystemdUnit.Render(definition));
            Assert.Contains("RestartSec=2s", lines);
            Assert.Contains("WatchdogSec=120s", lines);
            Assert.Contains("TimeoutStartSec=10s", lines);
        }

        [Fact]
        public void Render_TimeUnderOneSecond_IsRefused()
        {
            var definition = new ServiceDefinition("/x/y", new[] { "monitor" }, "/h") { WatchdogInterval = TimeSpan.FromMilliseconds(100) };
            var ex = Assert.Throws<BehaviorBlockingException>(() => SystemdUnit.Render(definition));
            Assert.Equal(ErrorIds.ServiceDefinitionInvalid, ex.ErrorId);
        }

        [Theory]
        [InlineData("/opt/Behavior Blocking/behaviorblock", "\"/opt/Behavior Blocking/behaviorblock\"")]
        [InlineData("/opt/100%/x", "\"/opt/100%%/x\"")]
        [InlineData("$HOME", "\"$$HOME\"")]
        [InlineData("a\\b", "\"a\\\\b\"")]
        [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
        [InlineData(";", "\";\"")]
        [InlineData("", "\"\"")]
        public void QuoteArgument_SpecialCharacters_EscapedForSystemd(string value, string expected) =>
            Assert.Equal(expected, SystemdUnit.QuoteArgument(value));

        [Theory]
        [InlineData("/var/lib/behavior blocking", "\"BEHAVIORBLOCKING_HOME=/var/lib/behavior blocking\"")]
        [InlineData("/h/%i", "\"BEHAVIORBLOCKING_HOME=/h/%%i\"")]
        [InlineData("/h/$x", "\"BEHAVIORBLOCKING_HOME=/h/$x\"")]
        [InlineData("/h/\"q\\", "\"BEHAVIORBLOCKING_HOME=/h/\\\"q\\\\\"")]
        public void QuoteEnvironment_SpecialCharacters_EscapedForSystemd(string value, string expected) =>
            Assert.Equal(expected, SystemdUnit.QuoteEnvironment("BEHAVIORBLOCKING_HOME", value));

        [Theory]
        [InlineData("/opt/x\ny")]
        [InlineData("/opt/x\0y")]
        [InlineData("/opt/x\ry")]
        public void Render_ControlCharacterInPath_IsRefusedNamingIt(string exe)
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => SystemdUnit.Render(Definition(exe)));
            Assert.Equal(ErrorIds.ServiceDefinitionInvalid, ex.ErrorId);
            Assert.Contains("control character", ex.Message, StringComparison.Ordinal);

            var home = Assert.Throws<BehaviorBlockingException>(() => SystemdUnit.Render(Definition(home: exe)));
            Assert.Equal(ErrorIds.ServiceDefinitionInvalid, home.ErrorId);
        }

        [Fact]
        public void Render_PathsWithSpaces_StayOneWordEach()
        {
            string text = SystemdUnit.Render(Definition("/opt/Behavior Blocking/behaviorblock", "/srv/behavior home", "/opt/Behavior Blocking/behaviorblock.dll", "monitor", "--service"));
            Assert.Contains("ExecStart=\"/opt/Behavior Blocking/behaviorblock\" \"/opt/Behavior Blocking/behaviorblock.dll\" \"monitor\" \"--service\"\n", text, StringComparison.Ordinal);
            Assert.Contains("Environment=\"BEHAVIORBLOCKING_HOME=/srv/behavior home\"\n", text, StringComparison.Ordinal);
        }

        [Fact]
        public void ForMonitor_Mode_AppendedAfterService()
        {
            ServiceLauncher launcher = ServiceLauncher.Resolve("/bin/sh", null, null);
            ServiceDefinition definition = ServiceDefinition.ForMonitor(launcher, "/var/lib/behaviorblocking", "block");
            Assert.Equal("/bin/sh", definition.Executable);
            Assert.Equal(new[] { "monitor", "--service", "--mode", "block" }, definition.Arguments);
            Assert.Equal(new[] { "monitor", "--service" }, ServiceDefinition.ForMonitor(launcher, "/h").Arguments);
        }

        [Theory]
        [InlineData("relative/behaviorblock")]
        [InlineData("")]
        public void Definition_ExecutableNotAbsolute_IsRefused(string exe)
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => new ServiceDefinition(exe, new[] { "monitor" }, "/h"));
            Assert.Equal(ErrorIds.ServiceExecutableNotFound, ex.ErrorId);
        }
    }
}
