using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    /// <summary>Writes rules to a temp folder, loads them, and runs events through the real pipeline.</summary>
    internal sealed class RuleTestKit : IDisposable
    {
        public static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);
        private static readonly WindowsEventNormalizer Normalizer = new WindowsEventNormalizer();
        private int _record;

        public RuleTestKit() => Directory.CreateDirectory(Folder);

        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "bb-rules-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => Directory.Delete(Folder, recursive: true);

        public RuleTestKit Write(string name, string yaml)
        {
            File.WriteAllText(Path.Combine(Folder, name), yaml.Replace("\r\n", "\n"));
            return this;
        }

        public RuleSet Load() => RuleSet.Load(new[] { new RuleSource(Folder, "test") });

        public RuleSet Load(RuleLoadOptions options) => RuleSet.Load(new[] { new RuleSource(Folder, "test") }, options);

        public RuleTestKit WriteBytes(string name, byte[] bytes)
        {
            File.WriteAllBytes(Path.Combine(Folder, name), bytes);
            return this;
        }

        /// <summary>Runs <paramref name="work"/> on its own thread and fails if it has not finished in <paramref name="seconds"/>: a hang fails the test instead of stalling the run.</summary>
        public static T Within<T>(double seconds, Func<T> work)
        {
            var task = System.Threading.Tasks.Task.Factory.StartNew(work, System.Threading.Tasks.TaskCreationOptions.LongRunning);
            Assert.True(task.Wait(TimeSpan.FromSeconds(seconds)), $"did not finish within {seconds} s");
            return task.Result;
        }

        /// <summary>Bytes allocated by <paramref name="work"/> on the calling thread (other tests running in parallel do not count).</summary>
        public static long Allocated(Action work)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        public static string Rule(string id, string logsource, string detection, string level = "high", string tags = "attack.execution", string variant = "Test")
        {
            return $"title: Rule {id}\nid: {id}\nstatus: experimental\nlevel: {level}\ntags:\n" +
                string.Join(string.Empty, tags.Split(',').Select(t => "  - " + t.Trim() + "\n")) +
                $"logsource:\n  product: windows\n  {logsource}\ndetection:\n{detection}\nbehaviorblocking:\n  variant: {variant}\n";
        }

        public BehaviorEvent Event(string channel, int eventId, double seconds, params (string Name, string Value)[] fields)
        {
            var list = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList();
            bool linux = channel == BehaviorBlocking.Sensors.Linux.LinuxEvents.Channel;
            if (linux || channel.Contains("Sysmon", StringComparison.Ordinal))
            {
                list.Add(new KeyValuePair<string, string>("UtcTime", T0.AddSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff")));
            }

            return Normalizer.Normalize(new EventRecord
            {
                EventId = eventId,
                Channel = channel,
                Provider = linux ? BehaviorBlocking.Sensors.Linux.LinuxEvents.Provider
                    : channel.Contains("Sysmon", StringComparison.Ordinal) ? "Microsoft-Windows-Sysmon" : "Microsoft-Windows-Security-Auditing",
                Computer = "WS01.example.local",
                TimeCreated = T0.AddSeconds(seconds),
                RecordId = ++_record,
                Fields = list,
            });
        }

        public BehaviorEvent ProcessStart(double seconds, int pid, string image, string commandLine, int parentPid = 500, string parentImage = @"C:\Windows\System32\cmd.exe")
        {
            return Event("Microsoft-Windows-Sysmon/Operational", 1, seconds,
                ("ProcessGuid", "{00000000-0000-0000-0000-" + pid.ToString("D12") + "}"), ("ProcessId", pid.ToString()), ("Image", image),
                ("CommandLine", commandLine), ("User", @"EXAMPLE\alice"), ("ParentProcessGuid", "{00000000-0000-0000-0000-" + parentPid.ToString("D12") + "}"),
                ("ParentProcessId", parentPid.ToString()), ("ParentImage", parentImage), ("ParentCommandLine", parentImage));
        }

        /// <summary>Runs events through a pipeline with the rule detector; returns the detections emitted.</summary>
        public static List<Detection> Run(RuleSet rules, params BehaviorEvent[] events)
        {
            var detections = new List<Detection>();
            var pipeline = new BehaviorPipeline(new IDetector[] { new RuleDetector(rules) }, detections.Add);
            foreach (BehaviorEvent e in events)
            {
                pipeline.Process(e);
            }

            pipeline.EndRecording();
            return detections;
        }

        /// <summary>Ids of the rules a single event matches.</summary>
        public static IReadOnlyList<string> Matches(RuleSet rules, BehaviorEvent e)
        {
            var detector = new RuleDetector(rules);
            var pipeline = new BehaviorPipeline(new IDetector[] { detector }, _ => { });
            pipeline.Process(e);
            return detector.Statistics().Where(s => s.Matches > 0).Select(s => s.Rule.Id).ToList();
        }
    }
}
