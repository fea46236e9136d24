using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Engine
{
    /// <summary>Which live sensors a monitor asks for.</summary>
    public sealed class LiveSensorOptions
    {
        /// <summary>Process start and exit (Linux: the netlink process connector; Windows: ETW kernel process).</summary>
        public bool Processes { get; init; } = true;

        /// <summary>File create, write, delete and rename (Linux: fanotify; Windows: ETW file).</summary>
        public bool Files { get; init; } = true;

        /// <summary>Outbound connections per process (Linux: sock_diag or /proc/net; Windows: ETW TCP/IP).</summary>
        public bool Network { get; init; } = true;

        /// <summary>Deny execution of blocked hashes before it starts (Linux: fanotify FAN_OPEN_EXEC_PERM).</summary>
        public bool ExecGuard { get; init; } = true;

        /// <summary>The product folder (the sensors' own files, the quarantine they must never report on).</summary>
        public string? ProductHome { get; init; }
    }

    /// <summary>
    /// The one place a monitor gets its live sensors from: the sources of this operating system and build, as
    /// <see cref="LiveSensorOptions"/> asks. Every front end (the CLI, the service, the cmdlets) calls it, so they all
    /// run the same sensors.
    /// </summary>
    public static class LiveSensors
    {
        /// <summary>
        /// The live sources for this machine. <paramref name="indicators"/> and <paramref name="policy"/> are the
        /// monitor's in force (<see cref="MonitorSession.Indicators"/>, <see cref="MonitorSession.Policy"/>), for a
        /// pre-execution guard to decide with.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">
        /// <c>MonitorRequiresElevation</c> when the sensors need a privilege this process lacks (root on Linux);
        /// <c>MonitorNoSensor</c> when this build has no live sensor for the platform, naming it and why.
        /// </exception>
        public static IReadOnlyList<IEventSource> Create(LiveSensorOptions options, Func<IIndicatorLookup> indicators, Func<IBlockingPolicy> policy)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            if (indicators is null)
            {
                throw new ArgumentNullException(nameof(indicators));
            }

            if (policy is null)
            {
                throw new ArgumentNullException(nameof(policy));
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                uint euid = EffectiveUserId();
                if (euid != 0)
                {
                    throw new BehaviorBlockingException(ErrorIds.MonitorRequiresElevation, FailureKind.AccessDenied,
                        $"the Linux live sensors (netlink process connector, fanotify) need root: this process runs with effective uid {euid}. "
                        + "Run the monitor as root (sudo behaviorblock monitor) or as the installed service.");
                }

                // The Linux sensors (proc connector, fanotify file events and exec guard, connections) join here.
                throw new BehaviorBlockingException(ErrorIds.MonitorNoSensor, FailureKind.NotSupported,
                    "no Linux live sensor is part of this build: the netlink process connector, fanotify and connection sensors are not available, so there is nothing to monitor. "
                    + "Replay recorded telemetry with 'behaviorblock scan' instead.");
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                throw new BehaviorBlockingException(ErrorIds.MonitorNoSensor, FailureKind.NotSupported,
                    "no Windows live sensor is part of this build: the ETW (TraceEvent) sensor is not available, so there is nothing to monitor. "
                    + "Replay recorded telemetry with 'behaviorblock scan' instead.");
            }

            throw new BehaviorBlockingException(ErrorIds.MonitorNoSensor, FailureKind.NotSupported,
                $"there is no live sensor for this operating system ({RuntimeInformation.OSDescription}): live monitoring runs on Linux and Windows. "
                + "Replay recorded telemetry with 'behaviorblock scan' instead.");
        }

        private static uint EffectiveUserId()
        {
            try
            {
                return Libc.geteuid();
            }
            catch (DllNotFoundException)
            {
                return uint.MaxValue;
            }
            catch (EntryPointNotFoundException)
            {
                return uint.MaxValue;
            }
        }
    }
}
