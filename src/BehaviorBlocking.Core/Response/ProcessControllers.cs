using System;
using System.Runtime.InteropServices;
using BehaviorBlocking.Response.Linux;
using BehaviorBlocking.Response.Windows;

namespace BehaviorBlocking.Response
{
    /// <summary>Chooses the process controller of the platform the engine runs on.</summary>
    public static class ProcessControllers
    {
        /// <summary>
        /// The Linux or Windows controller; elsewhere (macOS) one that acts on nothing and reports
        /// <see cref="StepOutcome.NotSupported"/>. Every controller puts each process to <paramref name="guards"/> first.
        /// </summary>
        public static IProcessController ForThisPlatform(IGuardRails guards)
        {
            if (guards is null)
            {
                throw new ArgumentNullException(nameof(guards));
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return new LinuxProcessController(guards);
            }

            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return new WindowsProcessController(guards);
            }

            return new UnsupportedProcessController(RuntimeInformation.OSDescription);
        }
    }

    /// <summary>The controller of a platform the engine cannot act on: every action reports <see cref="StepOutcome.NotSupported"/>.</summary>
    public sealed class UnsupportedProcessController : IProcessController
    {
        private readonly string _platform;

        /// <summary>Creates the controller, naming the platform for the reason it gives.</summary>
        public UnsupportedProcessController(string platform) => _platform = platform ?? "this platform";

        /// <summary>Always false.</summary>
        public bool IsSupported => false;

        /// <inheritdoc />
        public ProcessActionResult Act(ProcessAction action, ProcessIdentity target) =>
            new ProcessActionResult(StepOutcome.NotSupported, $"{action} on {target}: acting on processes is not supported on {_platform}");
    }
}
