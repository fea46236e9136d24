using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Sensors.Windows.Etw;

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

                return Selected(Linux(options, indicators, policy), "Linux");
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return Selected(Windows(options), "Windows");
            }

            throw new BehaviorBlockingException(ErrorIds.MonitorNoSensor, FailureKind.NotSupported,
                $"there is no live sensor for this operating system ({RuntimeInformation.OSDescription}): live monitoring runs on Linux and Windows. "
                + "Replay recorded telemetry with 'behaviorblock scan' instead.");
        }

        private static List<IEventSource> Linux(LiveSensorOptions options, Func<IIndicatorLookup> indicators, Func<IBlockingPolicy> policy)
        {
            // One hash cache: an executable the exec guard hashed is not read again when the process sensor reports its start.
            var hashes = new ExecutableHashCache();
            var sources = new List<IEventSource>();
            if (options.ExecGuard)
            {
                // First, so execs are decided from the moment the monitor runs.
                sources.Add(new ExecGuard(new IndicatorExecutionGate(indicators, policy), hashes));
            }

            if (options.Processes)
            {
                sources.Add(new LinuxProcessSensor(hashes));
            }

            if (options.Files)
            {
                sources.Add(new FanotifyFileSensor());
            }

            if (options.Network)
            {
                sources.Add(new LinuxNetworkSensor());
            }

            return sources;
        }

        private static List<IEventSource> Windows(LiveSensorOptions options)
        {
            var sources = new List<IEventSource>();
            if (options.Processes || options.Files || options.Network)
            {
                // One real-time session carries process, image, file, registry, TCP/IP, PowerShell and DNS events.
                sources.Add(new EtwSensor());
            }

            if (SysmonChannelSource.IsInstalled(out _))
            {
                sources.Add(new SysmonChannelSource());
            }

            return sources;
        }

        private static IReadOnlyList<IEventSource> Selected(List<IEventSource> sources, string platform)
        {
            if (sources.Count == 0)
            {
                throw new BehaviorBlockingException(ErrorIds.MonitorNoSensor, FailureKind.NotSupported,
                    $"no {platform} live sensor was asked for: processes, files, network and the exec guard are all switched off, so there is nothing to monitor.");
            }

            return sources;
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
