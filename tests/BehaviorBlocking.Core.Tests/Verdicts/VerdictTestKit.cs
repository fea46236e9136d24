using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Verdicts
{
    /// <summary>Sysmon events with every field a verdict's tree snapshot reads, built through the real normalizer.</summary>
    internal static class SysmonEvents
    {
        public const string Channel = "Microsoft-Windows-Sysmon/Operational";

        public const string Host = "WS01.example.local";

        public const string Explorer = @"C:\Windows\explorer.exe";

        public static string GuidOf(int pid) => "{00000000-0000-0000-0000-" + pid.ToString("D12") + "}";

        public static BehaviorEvent Start(this RuleTestKit kit, double seconds, int pid, string image, string commandLine, int parentPid, string parentImage,
            string? hashes = null, string user = @"EXAMPLE\alice")
        {
            var fields = new List<(string, string)>
            {
                ("ProcessGuid", GuidOf(pid)), ("ProcessId", pid.ToString()), ("Image", image), ("CommandLine", commandLine), ("User", user),
                ("ParentProcessGuid", GuidOf(parentPid)), ("ParentProcessId", parentPid.ToString()), ("ParentImage", parentImage), ("ParentCommandLine", parentImage),
            };
            if (hashes is not null)
            {
                fields.Add(("Hashes", hashes));
            }

            return kit.Event(Channel, 1, seconds, fields.ToArray());
        }

        public static BehaviorEvent Exit(this RuleTestKit kit, double seconds, int pid, string image) =>
            kit.Event(Channel, 5, seconds, ("ProcessGuid", GuidOf(pid)), ("ProcessId", pid.ToString()), ("Image", image));

        public static BehaviorEvent FileCreate(this RuleTestKit kit, double seconds, int pid, string image, string target) =>
            kit.Event(Channel, 11, seconds, ("ProcessGuid", GuidOf(pid)), ("ProcessId", pid.ToString()), ("Image", image), ("TargetFilename", target));

        public static BehaviorEvent FailedLogon(this RuleTestKit kit, double seconds, string user = "admin") =>
            kit.Event("Security", 4625, seconds, ("TargetUserName", user), ("LogonType", "3"));
    }

    /// <summary>A pipeline fed event by event that records every verdict event with the moment it was raised.</summary>
    internal sealed class VerdictRecorder
    {
        public VerdictRecorder(IReadOnlyList<IDetector> detectors, VerdictOptions? options = null, ProcessGraphOptions? graphOptions = null)
        {
            Verdicts = new VerdictEngine(options);
            Verdicts.VerdictRaised += e =>
            {
                Events.Add(e);
                RaisedDuringEvent.Add(Pipeline!.Events);
                EmittedBeforeEvent.Add(Detections.Count);
            };
            Pipeline = new BehaviorPipeline(detectors, Verdicts, Detections.Add, graphOptions);
        }

        public BehaviorPipeline Pipeline { get; }

        public VerdictEngine Verdicts { get; }

        /// <summary>Verdict events in the order they were raised.</summary>
        public List<VerdictEvent> Events { get; } = new List<VerdictEvent>();

        /// <summary>For each verdict event, the number (1-based) of the event being processed when it was raised.</summary>
        public List<long> RaisedDuringEvent { get; } = new List<long>();

        /// <summary>For each verdict event, how many detection records had been emitted before it.</summary>
        public List<int> EmittedBeforeEvent { get; } = new List<int>();

        /// <summary>Detection records emitted (at flush points).</summary>
        public List<Detection> Detections { get; } = new List<Detection>();

        public VerdictRecorder Feed(params BehaviorEvent[] events)
        {
            foreach (BehaviorEvent e in events)
            {
                Pipeline.Process(e);
            }

            return this;
        }

        public VerdictRecorder End()
        {
            Pipeline.EndRecording();
            return this;
        }

        public ProcessTree TreeOf(int pid) =>
            Pipeline.Graph.FindByGuid(SysmonEvents.Host, SysmonEvents.GuidOf(pid))?.Tree ?? throw new InvalidOperationException("no process " + pid + " in the graph");
    }

    /// <summary>A policy that answers with a function of the verdict, and remembers what it was asked.</summary>
    internal sealed class DelegatePolicy : IBlockingPolicy
    {
        private readonly Func<Verdict, PolicyDecision> _decide;

        public DelegatePolicy(Func<Verdict, PolicyDecision> decide) => _decide = decide;

        public List<Verdict> Asked { get; } = new List<Verdict>();

        public PolicyMode Mode => PolicyMode.Block;

        public string Version => "test-policy-1";

        public PolicyDecision Decide(Verdict verdict)
        {
            Asked.Add(verdict);
            return _decide(verdict);
        }

        public static DelegatePolicy Always(ResponseAction action) => new DelegatePolicy(_ => new PolicyDecision(action, false, "test: " + action));
    }

    internal sealed class ThrowingPolicy : IBlockingPolicy
    {
        public PolicyMode Mode => PolicyMode.Block;

        public string Version => "throws";

        public PolicyDecision Decide(Verdict verdict) => throw new InvalidOperationException("policy broke");
    }

    internal sealed class ThrowingResponder : IResponder
    {
        public int Calls { get; private set; }

        public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
        {
            Calls++;
            throw new InvalidOperationException("responder broke");
        }
    }

    /// <summary>
    /// A classifier whose answer depends on the tree's features: Execution once the tree has started
    /// at least <c>starts</c> processes, else benign. Deterministic, so two runs can be compared.
    /// </summary>
    internal sealed class ProcessCountClassifier : ITreeClassifier
    {
        private readonly float _threshold;

        public ProcessCountClassifier(int starts) => _threshold = (float)Math.Log(1 + starts) - 1e-4f;

        public string Version => "count-stub-1";

        public IReadOnlyList<string> Classes { get; } = new[] { "Benign", "Execution", "Generic" };

        public int FeatureSchemaVersion => FeatureSchema.Version;

        public IReadOnlyList<float> BenignMedians { get; } = new float[FeatureSchema.Count];

        public void Predict(float[] features, float[] probabilities)
        {
            bool busy = features[FeatureSchema.IndexOf("n_process_start")] >= _threshold;
            probabilities[0] = busy ? 0.05f : 0.8f;
            probabilities[1] = busy ? 0.9f : 0.15f;
            probabilities[2] = 0.05f;
        }
    }

    /// <summary>Text forms for comparing whole results.</summary>
    internal static class Describe
    {
        public static string Detection(Detection d) => DetectionJson.Serialize(d);

        public static string VerdictEvent(VerdictEvent e) =>
            e.Change + " " + DetectionJson.Serialize(e.Detection) + " decision=" + e.Decision + " response=" + e.Response.Action
            + " tree=" + (e.Verdict.Tree is null ? "-" : string.Join(",", e.Verdict.Tree.Processes.Select(p => p.ProcessId)))
            + " tactics=" + string.Join(",", e.Verdict.TreeTactics);
    }
}
