using System;
using BehaviorBlocking.Bench;

namespace BehaviorBlocking.Tests.Bench
{
    public class LatencyHistogramTests
    {
        [Fact]
        public void Percentiles_UniformValues_WithinBucketResolution()
        {
            var histogram = new LatencyHistogram("t");
            for (long ns = 1; ns <= 1_000_000; ns++)
            {
                histogram.RecordNanoseconds(ns);
            }

            Assert.Equal(1_000_000, histogram.Count);
            Assert.InRange(histogram.PercentileMicroseconds(0.5), 500 * 0.98, 500 * 1.02);
            Assert.InRange(histogram.PercentileMicroseconds(0.99), 990 * 0.98, 990 * 1.02);
            Assert.InRange(histogram.PercentileMicroseconds(0.999), 999 * 0.98, 1000);
            Assert.Equal(1000, histogram.MaxMicroseconds);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(63)]
        [InlineData(64)]
        [InlineData(65)]
        [InlineData(1_234_567)]
        [InlineData(long.MaxValue / 2)]
        public void Percentiles_SingleValue_ReportedWithinResolution(long ns)
        {
            var histogram = new LatencyHistogram("t");
            histogram.RecordNanoseconds(ns);

            double us = histogram.PercentileMicroseconds(0.5);
            Assert.InRange(us, ns / 1000.0, Math.Max(ns * 1.016, ns + 1) / 1000.0);
        }

        [Fact]
        public void Percentiles_Empty_AreZero()
        {
            Assert.Equal(0, new LatencyHistogram("t").PercentileMicroseconds(0.99));
        }
    }
}
