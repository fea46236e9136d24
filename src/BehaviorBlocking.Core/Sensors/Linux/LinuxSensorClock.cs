using System;
using BehaviorBlocking.Internal;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// Turns kernel timestamps (nanoseconds of CLOCK_MONOTONIC, as the process connector stamps its events)
    /// into UTC wall-clock time: the wall-clock time of the monotonic clock's zero (boot time) is measured
    /// once and again every few seconds, so a clock step (NTP) is followed. Not thread-safe.
    /// </summary>
    internal sealed class LinuxSensorClock
    {
        private const long RefreshNs = 5_000_000_000;
        private long _bootWallNs;
        private long _measuredAtNs = long.MinValue;

        /// <summary>Nanoseconds of CLOCK_MONOTONIC now.</summary>
        internal static long MonotonicNs() => Now(Libc.ClockMonotonic);

        /// <summary>UTC time of a CLOCK_MONOTONIC timestamp.</summary>
        internal DateTimeOffset ToUtc(ulong monotonicNs)
        {
            long now = MonotonicNs();
            if (_measuredAtNs == long.MinValue || now - _measuredAtNs > RefreshNs)
            {
                _bootWallNs = Now(Libc.ClockRealtime) - now;
                _measuredAtNs = now;
            }

            long wallNs = _bootWallNs + (long)monotonicNs;
            return DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(wallNs / 100);
        }

        /// <summary>The text of a process guid in events (braces, lower case, as Sysmon writes it).</summary>
        internal static string GuidText(Guid guid) => guid.ToString("B");

        /// <summary>CPU time the calling thread has used, in 100 ns ticks (0 when it cannot be read).</summary>
        internal static long ThreadCpuTicks() => Now(Libc.ClockThreadCpuTime) / 100;

        private static long Now(int clock)
        {
            if (Libc.clock_gettime(clock, out Timespec t) != 0)
            {
                return 0;
            }

            return (t.Seconds * 1_000_000_000L) + t.Nanoseconds;
        }
    }
}
