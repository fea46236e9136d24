using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Samples the process's resident set and the managed heap on a background thread while a
    /// measurement runs: peak, and steady (the median of the second half of the samples).
    /// </summary>
    public sealed class ResourceSampler : IDisposable
    {
        private readonly List<long> _rss = new List<long>();
        private readonly List<long> _heap = new List<long>();
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _stop = new ManualResetEventSlim();
        private readonly TimeSpan _interval;

        private ResourceSampler(TimeSpan interval)
        {
            _interval = interval;
            _thread = new Thread(Run) { IsBackground = true, Name = "bench resource sampler" };
        }

        /// <summary>Starts sampling every <paramref name="intervalMs"/> milliseconds.</summary>
        public static ResourceSampler Start(int intervalMs = 20)
        {
            var sampler = new ResourceSampler(TimeSpan.FromMilliseconds(intervalMs));
            sampler.Sample();
            sampler._thread.Start();
            return sampler;
        }

        /// <summary>Stops and summarizes.</summary>
        public MemoryResult Stop()
        {
            _stop.Set();
            _thread.Join();
            Sample();
            lock (_rss)
            {
                return new MemoryResult(
                    Mb(Max(_rss)), Mb(SteadyMedian(_rss)), Mb(Max(_heap)), Mb(SteadyMedian(_heap)), _rss.Count);
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (!_stop.IsSet)
            {
                _stop.Set();
                _thread.Join();
            }

            _stop.Dispose();
        }

        private void Run()
        {
            while (!_stop.Wait(_interval))
            {
                Sample();
            }
        }

        private void Sample()
        {
            using Process self = Process.GetCurrentProcess();
            long rss = self.WorkingSet64;
            long heap = GC.GetTotalMemory(forceFullCollection: false);
            lock (_rss)
            {
                _rss.Add(rss);
                _heap.Add(heap);
            }
        }

        private static long Max(List<long> values)
        {
            long max = 0;
            foreach (long v in values)
            {
                max = Math.Max(max, v);
            }

            return max;
        }

        private static long SteadyMedian(List<long> values)
        {
            if (values.Count == 0)
            {
                return 0;
            }

            var second = values.GetRange(values.Count / 2, values.Count - (values.Count / 2));
            second.Sort();
            return second[second.Count / 2];
        }

        private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);
    }
}
