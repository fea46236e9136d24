using System;
using System.Threading;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// A lock-free latency histogram with four buckets per power of two of microseconds (about 19% wide),
    /// from 1 µs to about 70 minutes: recording is one interlocked increment, a percentile reads every bucket
    /// and answers the bucket's upper bound, so a figure is never better than the truth by more than a bucket.
    /// </summary>
    internal sealed class LatencyHistogram
    {
        private const int PerOctave = 4;
        private const int Buckets = 32 * PerOctave;
        private readonly long[] _counts = new long[Buckets];

        internal void Record(TimeSpan elapsed)
        {
            double micros = elapsed.Ticks / 10.0;
            int bucket = micros <= 1 ? 0 : (int)Math.Ceiling(Math.Log(micros, 2) * PerOctave);
            Interlocked.Increment(ref _counts[Math.Min(Buckets - 1, Math.Max(0, bucket))]);
        }

        internal long Count
        {
            get
            {
                long total = 0;
                for (int i = 0; i < Buckets; i++)
                {
                    total += Interlocked.Read(ref _counts[i]);
                }

                return total;
            }
        }

        /// <summary>The <paramref name="percentile"/> (0–100), or zero when nothing was recorded.</summary>
        internal TimeSpan Percentile(double percentile)
        {
            var counts = new long[Buckets];
            long total = 0;
            for (int i = 0; i < Buckets; i++)
            {
                counts[i] = Interlocked.Read(ref _counts[i]);
                total += counts[i];
            }

            if (total == 0)
            {
                return TimeSpan.Zero;
            }

            long rank = Math.Max(1, (long)Math.Ceiling(total * percentile / 100.0));
            long seen = 0;
            for (int i = 0; i < Buckets; i++)
            {
                seen += counts[i];
                if (seen >= rank)
                {
                    return TimeSpan.FromTicks((long)(Math.Pow(2, (double)i / PerOctave) * 10));
                }
            }

            return TimeSpan.FromTicks((long)(Math.Pow(2, (double)(Buckets - 1) / PerOctave) * 10));
        }
    }
}
