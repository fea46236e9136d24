using System;
using System.Collections.Generic;
using System.IO;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// What the always-on service runs and how: the executable and its arguments (<c>monitor --service</c>), the
    /// product folder it reads its policy from, and the restart and watchdog timing. Platform installers render it
    /// (a systemd unit, a Windows service entry).
    /// </summary>
    public sealed class ServiceDefinition
    {
        /// <summary>The service's name: the unit <c>behaviorblock.service</c>, the Windows service <c>behaviorblock</c>.</summary>
        public const string DefaultName = "behaviorblock";

        /// <summary>The one-line description shown by systemctl and the Services console.</summary>
        public const string DefaultDescription = "BehaviorBlocking behavioral protection (live monitor)";

        /// <summary>Creates a definition; <paramref name="executable"/> must be an absolute path.</summary>
        public ServiceDefinition(string executable, IReadOnlyList<string> arguments, string productHome)
        {
            if (string.IsNullOrEmpty(executable) || !Path.IsPathRooted(executable))
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceExecutableNotFound, FailureKind.NotFound,
                    $"The service executable must be an absolute path, not '{executable}'.") { Target = executable };
            }

            if (string.IsNullOrEmpty(productHome) || !Path.IsPathRooted(productHome))
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceDefinitionInvalid, FailureKind.InvalidData,
                    $"The service's product folder must be an absolute path, not '{productHome}'.") { Target = productHome };
            }

            Executable = executable;
            Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
            ProductHome = productHome;
        }

        /// <summary>The service name (unit name without <c>.service</c>).</summary>
        public string Name { get; init; } = DefaultName;

        /// <summary>The description shown by the service manager.</summary>
        public string Description { get; init; } = DefaultDescription;

        /// <summary>The absolute path of the program the service manager starts.</summary>
        public string Executable { get; }

        /// <summary>The program's arguments, in order.</summary>
        public IReadOnlyList<string> Arguments { get; }

        /// <summary>The product folder, given to the service as <c>BEHAVIORBLOCKING_HOME</c>.</summary>
        public string ProductHome { get; }

        /// <summary>How long the service manager waits before starting the service again after it died.</summary>
        public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(5);

        /// <summary>How long the service may go without a watchdog ping before systemd kills and restarts it.</summary>
        public TimeSpan WatchdogInterval { get; init; } = TimeSpan.FromSeconds(30);

        /// <summary>How long the service may take to report ready (model and rules load) before the start counts as failed.</summary>
        public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

        /// <summary>
        /// The monitor as a service: <paramref name="launcher"/>'s command, then <c>monitor --service</c> and, when
        /// given, <c>--mode audit|block</c> (without it the monitor takes the mode of the policy in the product folder).
        /// </summary>
        public static ServiceDefinition ForMonitor(ServiceLauncher launcher, string productHome, string? mode = null)
        {
            if (launcher is null)
            {
                throw new ArgumentNullException(nameof(launcher));
            }

            var arguments = new List<string>(launcher.LeadingArguments) { "monitor", "--service" };
            if (mode is not null)
            {
                arguments.Add("--mode");
                arguments.Add(mode);
            }

            return new ServiceDefinition(launcher.Executable, arguments, productHome);
        }
    }
}
