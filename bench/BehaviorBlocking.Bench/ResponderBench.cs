using System;
using System.Collections.Generic;
using System.Diagnostics;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// The response path: the scan path through an engine run (snapshot read per event, policy, what-if responder)
    /// against the bare pipeline with the same rules, and the responders' own cost per verdict event (planning the
    /// steps and recording them; the components are in-memory, so the figure is the responder's overhead, not a kill's).
    /// </summary>
    internal static class ResponderBench
    {
        private const string EngineRunName = "engine.run+builtin-rules+whatif";

        public static void Run(BenchContext context)
        {
            if (context.Options.BuiltInRules is null)
            {
                context.Report.Notes.Add("response: no built-in rules configured, step skipped");
                return;
            }

            var block = new BlockEverything();
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions
            {
                BuiltInRules = false,
                RuleDirectories = new[] { context.Options.BuiltInRules },
                UseModel = false,
                Policy = block,
            });

            ThroughputResult through = context.Measure(EngineRunName, "one thread", () =>
            {
                EngineRun run = engine.CreateRun(_ => { }, responder: WhatIfResponder.Instance);
                var scanner = new ReplayScanner(new WindowsEventNormalizer(), run.Pipeline, new ReplayScanOptions { Pipelined = false });
                return scanner.Run(new[] { context.Options.Corpus }, _ => { }).Events;
            });
            ThroughputResult? bare = context.Find("engine.pipeline+builtin-rules");
            if (bare is not null && bare.EventsPerSecond > 0)
            {
                context.Report.Ratios["engine-run-whatif/bare-pipeline (built-in rules)"] = Math.Round(through.EventsPerSecond / bare.EventsPerSecond, 3);
            }

            LatencyHistogram whatIf = context.Latency("responder.whatif (per verdict event)");
            LatencyHistogram active = context.Latency("responder.active (plan + steps, in-memory components)");
            var timed = new TimedResponders(whatIf, active);
            EngineRun measured = engine.CreateRun(_ => { }, responder: timed);
            new ReplayScanner(new WindowsEventNormalizer(), measured.Pipeline, new ReplayScanOptions { Pipelined = false }).Run(new[] { context.Options.Corpus }, _ => { });
            context.Report.Notes.Add($"response: {timed.Calls} verdict events answered, {timed.Steps} active steps taken against in-memory components");
        }

        private sealed class BlockEverything : IBlockingPolicy
        {
            private static readonly PolicyDecision s_block = new PolicyDecision(ResponseAction.KillTree, false, "bench: block") { Quarantine = true, BlockHash = true, Remediate = true };

            public PolicyMode Mode => PolicyMode.Block;

            public string Version => "bench-block";

            public PolicyDecision Decide(Verdict verdict) => s_block;
        }

        /// <summary>Answers with the what-if responder and, timed apart, runs the active one against in-memory components for the verdict's own host.</summary>
        private sealed class TimedResponders : IResponder
        {
            private readonly LatencyHistogram _whatIf;
            private readonly LatencyHistogram _active;
            private readonly Dictionary<string, ActiveResponder> _byHost = new Dictionary<string, ActiveResponder>(StringComparer.OrdinalIgnoreCase);
            private readonly MemoryIndicators _indicators = new MemoryIndicators();

            public TimedResponders(LatencyHistogram whatIf, LatencyHistogram active)
            {
                _whatIf = whatIf;
                _active = active;
            }

            public long Calls { get; private set; }

            public long Steps { get; private set; }

            public ResponseResult Respond(Verdict verdict, PolicyDecision decision)
            {
                Calls++;
                if (!_byHost.TryGetValue(verdict.Detection.Host, out ActiveResponder? responder))
                {
                    responder = new ActiveResponder(new ResponseComponents
                    {
                        Processes = new GoneController(),
                        Indicators = _indicators,
                        Machine = new MachineIdentity(new[] { verdict.Detection.Host }),
                    });
                    _byHost.Add(verdict.Detection.Host, responder);
                }

                long start = Stopwatch.GetTimestamp();
                ResponseResult answer = WhatIfResponder.Instance.Respond(verdict, decision);
                long between = Stopwatch.GetTimestamp();
                ResponseResult acted = responder.Respond(verdict, decision);
                long end = Stopwatch.GetTimestamp();
                _whatIf.RecordTicks(between - start);
                _active.RecordTicks(end - between);
                Steps += acted.Steps.Count;
                return answer;
            }
        }

        /// <summary>Recorded telemetry's processes are not on this machine: every one is already gone, with no system call.</summary>
        private sealed class GoneController : IProcessController
        {
            private static readonly ProcessActionResult s_gone = new ProcessActionResult(StepOutcome.AlreadyGone, "bench: not on this machine");

            public bool IsSupported => true;

            public ProcessActionResult Act(ProcessAction action, ProcessIdentity target) => s_gone;
        }

        private sealed class MemoryIndicators : IIndicatorSink
        {
            private readonly Dictionary<string, Indicator> _blocked = new Dictionary<string, Indicator>(StringComparer.Ordinal);

            public Indicator Block(string sha256, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy)
            {
                if (!_blocked.TryGetValue(sha256, out Indicator? indicator))
                {
                    indicator = new Indicator(Guid.NewGuid(), IndicatorKind.Sha256, sha256, IndicatorVerdict.Block, source, DateTimeOffset.UtcNow) { DetectionId = detectionId };
                    _blocked.Add(sha256, indicator);
                }

                return indicator;
            }
        }
    }
}
