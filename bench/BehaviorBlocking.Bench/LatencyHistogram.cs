using System;
using System.Diagnostics;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Log-linear histogram of durations (64 linear sub-buckets per power of two, so any
    /// percentile is within 1.6% of the true value) in constant memory, whatever the count.
    /// </summary>
    public sealed class LatencyHistogram
    {
        private const int SubBucketBits = 6;
        private const int SubBuckets = 1 << SubBucketBits;
        private readonly long[] _counts = new long[64 * SubBuckets];
        private long _max;

        /// <summary>Creates an empty histogram named for the report.</summary>
        public LatencyHistogram(string name) => Name = name;

        /// <summary>What was measured, e.g. <c>pipeline.event</c>.</summary>
        public string Name { get; }

        /// <summary>Values recorded.</summary>
        public long Count { get; private set; }

        /// <summary>Records one duration given in <see cref="Stopwatch"/> ticks.</summary>
        public void RecordTicks(long stopwatchTicks) => RecordNanoseconds((long)(stopwatchTicks * (1e9 / Stopwatch.Frequency)));

        /// <summary>Records one duration in nanoseconds.</summary>
        public void RecordNanoseconds(long nanoseconds)
        {
            long v = Math.Max(0, nanoseconds);
            _counts[Index(v)]++;
            Count++;
            if (v > _max)
            {
                _max = v;
            }
        }

        /// <summary>The value at quantile <paramref name="q"/> (0..1), in microseconds.</summary>
        public double PercentileMicroseconds(double q)
        {
            if (Count == 0)
            {
                return 0;
            }

            long rank = Math.Max(1, (long)Math.Ceiling(q * Count));
            long seen = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                seen += _counts[i];
                if (seen >= rank)
                {
                    return Math.Min(UpperBound(i), _max) / 1000.0;
                }
            }

            return _max / 1000.0;
        }

        /// <summary>The largest value, in microseconds.</summary>
        public double MaxMicroseconds => _max / 1000.0;

        /// <summary>Summary for the report.</summary>
        public LatencyResult ToResult() => new LatencyResult(
            Name, Count, PercentileMicroseconds(0.5), PercentileMicroseconds(0.99), PercentileMicroseconds(0.999), MaxMicroseconds);

        private static int Index(long v)
        {
            if (v < SubBuckets)
            {
                return (int)v;
            }

            // v >> exponent keeps the top SubBucketBits bits, so sub lies in [SubBuckets/2, SubBuckets).
            int exponent = 63 - LeadingZeros((ulong)v) - SubBucketBits + 1;
            int sub = (int)(v >> exponent);
            return (exponent * SubBuckets) + sub + SubBuckets;
        }

        private static long UpperBound(int index)
        {
            if (index < SubBuckets)
            {
                return index;
            }

            int exponent = (index - SubBuckets) / SubBuckets;
            long sub = (index - SubBuckets) % SubBuckets;
            return ((sub + 1) << exponent) - 1;
        }

        private static int LeadingZeros(ulong v) => System.Numerics.BitOperations.LeadingZeroCount(v);
    }
}
