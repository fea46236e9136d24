using System;
using System.Globalization;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>What must hold before the ETW sensor touches ETW: Windows, and an elevated process.</summary>
    internal static class EtwPreconditions
    {
        /// <summary>
        /// Throws <see cref="ErrorIds.EtwSensorNotSupported"/> off Windows (before anything Windows-only is
        /// called), and <see cref="ErrorIds.EtwSensorRequiresElevation"/> when <paramref name="isElevated"/>
        /// says no. An answer of null (the check itself is unavailable) lets the session start, which then
        /// fails with the same elevation error if access is denied.
        /// </summary>
        public static void Check(string sensor, bool isWindows, Func<bool?> isElevated, int processId)
        {
            if (!isWindows)
            {
                throw NotWindows(sensor);
            }

            if (isElevated() == false)
            {
                throw NotElevated(processId);
            }
        }

        /// <summary>The error for a Windows-only sensor started elsewhere.</summary>
        public static BehaviorBlockingException NotWindows(string sensor) => new BehaviorBlockingException(
            ErrorIds.EtwSensorNotSupported,
            FailureKind.NotSupported,
            $"The {sensor} runs on Windows only (it reads Event Tracing for Windows); this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}. "
            + "On Linux the Linux sensors watch the machine; recorded Windows logs can be replayed with 'behaviorblock scan'.");

        /// <summary>The error for a process that may not start a kernel trace session.</summary>
        public static BehaviorBlockingException NotElevated(int processId) => new BehaviorBlockingException(
            ErrorIds.EtwSensorRequiresElevation,
            FailureKind.AccessDenied,
            "The Windows ETW sensor needs an elevated process: a kernel trace session (process, image, file, registry and TCP/IP events) "
            + "can be started only with Administrator rights. This process (PID " + processId.ToString(CultureInfo.InvariantCulture)
            + ") is not elevated. Run the monitor from an elevated PowerShell (Run as administrator) or as the service, which runs as LocalSystem.");
    }
}
