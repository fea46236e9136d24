using System;
using System.Diagnostics;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Normalize + graph + detectors over synthetic corpus-shaped events at growing sizes, each
    /// next to generating the same events alone: cost per event must stay flat and memory must
    /// plateau as the graph evicts.
    /// </summary>
    internal static class ScalingBench
    {
        public static void Run(BenchContext context)
        {
            foreach (long size in context.Options.ScalingSizes)
            {
                context.Options.Progress($"bench:   {size:N0} events");
                double generateSeconds = TimeGeneration(size);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                long allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
                var generator = new SyntheticTelemetry();
                var normalizer = new WindowsEventNormalizer();
                var pipeline = new BehaviorPipeline(context.ScanDetectors(), _ => { });
                using ResourceSampler sampler = ResourceSampler.Start(50);
                var clock = Stopwatch.StartNew();
                for (long i = 0; i < size; i++)
                {
                    pipeline.Process(normalizer.Normalize(generator.Next()));
                }

                clock.Stop();
                MemoryResult memory = sampler.Stop();
                long allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
                double seconds = clock.Elapsed.TotalSeconds;
                double engineSeconds = Math.Max(0, seconds - generateSeconds);
                context.Report.Scaling.Add(new ScalingResult(
                    size, Math.Round(seconds, 3), Math.Round(size / Math.Max(engineSeconds, 1e-9)), Math.Round(engineSeconds * 1e9 / size, 1),
                    Math.Round((double)allocated / size, 1), pipeline.Graph.ProcessCount, pipeline.Graph.RetainedEvents, memory));
            }

            context.Report.Notes.Add("scaling: events per second and ns per event are the engine's (normalize, graph, detectors): "
                + "the time to generate the same events, measured alone in the same run, is subtracted; allocation includes generation");
        }

        private static double TimeGeneration(long size)
        {
            var generator = new SyntheticTelemetry();
            var clock = Stopwatch.StartNew();
            for (long i = 0; i < size; i++)
            {
                generator.Next();
            }

            return clock.Elapsed.TotalSeconds;
        }
    }
}
