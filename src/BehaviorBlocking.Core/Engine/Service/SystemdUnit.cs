using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// Renders the systemd unit of the always-on service. Every choice is explained in the service documentation;
    /// the short form: notify-type start with a watchdog, restart always (a SIGKILL or a plain SIGTERM from anyone
    /// but systemctl must not end protection), root with only the capabilities the sensors and responders need, no
    /// new privileges, and none of the options that give the service its own mount namespace (fanotify mount marks
    /// and the responders must see and change the real file system).
    /// </summary>
    public static class SystemdUnit
    {
        /// <summary>
        /// The capabilities the monitor keeps, and why: CAP_NET_ADMIN the netlink process connector; CAP_SYS_ADMIN
        /// fanotify (permission events); CAP_KILL killing and suspending other users' processes; CAP_SYS_PTRACE
        /// reading other users' /proc entries (exe, fd, environ); CAP_DAC_READ_SEARCH reading and hashing any file;
        /// CAP_DAC_OVERRIDE and CAP_FOWNER rewriting persistence files and moving files out of other users' (and
        /// sticky) folders for remediation and quarantine; CAP_CHOWN keeping an original file's owner when it is
        /// rewritten or restored.
        /// </summary>
        public static IReadOnlyList<string> Capabilities { get; } = new[]
        {
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_KILL", "CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE",
        };

        /// <summary>The socket families the monitor uses: unix (journal, notify socket), netlink (proc connector, sock_diag), IPv4 and IPv6.</summary>
        public static IReadOnlyList<string> AddressFamilies { get; } = new[] { "AF_UNIX", "AF_NETLINK", "AF_INET", "AF_INET6" };

        /// <summary>The exit code after which systemd does not restart the service: a usage error, which a restart repeats.</summary>
        public const int UsageExitCode = 2;

        /// <summary>The unit file name of a service name (<c>behaviorblock.service</c>).</summary>
        public static string FileName(string serviceName) => serviceName + ".service";

        /// <summary>The text of the unit file for <paramref name="definition"/>.</summary>
        public static string Render(ServiceDefinition definition)
        {
            if (definition is null)
            {
                throw new ArgumentNullException(nameof(definition));
            }

            var exec = new StringBuilder(QuoteArgument(definition.Executable));
            foreach (string argument in definition.Arguments)
            {
                exec.Append(' ').Append(QuoteArgument(argument));
            }

            var text = new StringBuilder();
            void Line(string line) => text.Append(line).Append('\n');

            Line("# Written by 'behaviorblock service install'; 'behaviorblock service uninstall' removes it.");
            Line("# Edit with 'systemctl edit " + FileName(definition.Name) + "' (a drop-in), not here: a new install rewrites this file.");
            Line("[Unit]");
            Line("Description=" + EscapeSpecifiers(SingleLine(definition.Description, "Description")));
            Line("After=local-fs.target");
            Line("StartLimitIntervalSec=0");
            Line(string.Empty);
            Line("[Service]");
            Line("Type=notify");
            Line("NotifyAccess=main");
            Line("ExecStart=" + exec);
            Line("Environment=" + QuoteEnvironment(Store.ProductHome.EnvironmentVariable, definition.ProductHome));
            Line("User=root");
            Line("Restart=always");
            Line("RestartSec=" + Seconds(definition.RestartDelay));
            Line("RestartPreventExitStatus=" + UsageExitCode.ToString(CultureInfo.InvariantCulture));
            Line("TimeoutStartSec=" + Seconds(definition.StartTimeout));
            Line("TimeoutStopSec=30s");
            Line("WatchdogSec=" + Seconds(definition.WatchdogInterval));
            Line("OOMScoreAdjust=-900");
            Line("LimitNOFILE=65536");
            Line("UMask=0077");
            Line("CapabilityBoundingSet=" + string.Join(" ", Capabilities));
            Line("AmbientCapabilities=" + string.Join(" ", Capabilities));
            Line("NoNewPrivileges=yes");
            Line("RestrictAddressFamilies=" + string.Join(" ", AddressFamilies));
            Line("RestrictNamespaces=yes");
            Line("RestrictRealtime=yes");
            Line("LockPersonality=yes");
            Line("SystemCallArchitectures=native");
            Line("# No per-service mount namespace: fanotify mount marks would watch the service's copy of the mounts");
            Line("# and miss every other process, and quarantine and remediation write where malware writes.");
            Line("PrivateTmp=no");
            Line("ProtectSystem=no");
            Line("ProtectHome=no");
            Line("StandardOutput=journal");
            Line("StandardError=journal");
            Line("SyslogIdentifier=" + definition.Name);
            Line(string.Empty);
            Line("[Install]");
            Line("WantedBy=multi-user.target");
            return text.ToString();
        }

        /// <summary>
        /// One word of <c>ExecStart=</c>, double-quoted so spaces and a lone <c>;</c> stay inside it: backslash and
        /// double quote are backslash-escaped, <c>%</c> (specifiers) doubled, <c>$</c> (variable expansion) doubled.
        /// A value with a control character cannot be written and is refused.
        /// </summary>
        public static string QuoteArgument(string value) =>
            "\"" + SingleLine(value, "A command-line argument").Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("%", "%%").Replace("$", "$$") + "\"";

        /// <summary>
        /// One <c>Environment=</c> assignment, double-quoted: backslash and double quote backslash-escaped and
        /// <c>%</c> doubled. <c>$</c> stays as it is (Environment= does not expand variables).
        /// </summary>
        public static string QuoteEnvironment(string name, string value) =>
            "\"" + name + "=" + SingleLine(value, name).Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("%", "%%") + "\"";

        private static string EscapeSpecifiers(string value) => value.Replace("%", "%%");

        private static string Seconds(TimeSpan span)
        {
            if (span < TimeSpan.FromSeconds(1))
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceDefinitionInvalid, FailureKind.InvalidData, $"A service time must be at least one second, not {span}.");
            }

            return ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
        }

        private static string SingleLine(string value, string what)
        {
            if (value is null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            foreach (char c in value)
            {
                if (c < ' ' || c == '\u007f')
                {
                    throw new BehaviorBlockingException(ErrorIds.ServiceDefinitionInvalid, FailureKind.InvalidData,
                        $"{what} holds a control character (U+{(int)c:X4}), which a unit file line cannot carry: '{value.Replace("\n", "\\n").Replace("\0", "\\0")}'.") { Target = value };
                }
            }

            return value;
        }
    }
}
