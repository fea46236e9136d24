using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// A recording (the input, format decided by content) scanned as <c>behaviorblock scan FILE --no-store</c>
    /// does it: the built-in rules and model, the graph, the verdict stage. Documented: nothing escapes
    /// the scan, bad records are counted problems, no detector, classifier, policy or responder fails,
    /// and every detection is a valid record.
    /// </summary>
    internal static class ReplayTarget
    {
        private static readonly Lazy<BehaviorEngine> s_engine = new Lazy<BehaviorEngine>(CreateEngine);

        public static void Run(byte[] input)
        {
            BehaviorEngine engine = s_engine.Value;
            string file = WorkFiles.Write("recording", input);
            var observer = new Observer();
            ScanResult result = ScanService.Run(engine, new ScanRequest
            {
                Paths = new[] { file },
                StorePath = null,
                Replay = new ReplayScanOptions { Pipelined = false, MaxRecordBytes = ReaderTargets.MaxRecordBytes },
            }, observer);

            ScanStatistics stats = result.Statistics;
            FuzzInvariantException.That(stats.Files == 1, $"one input file counted as {stats.Files}");
            foreach (DetectorHealth health in stats.Detectors)
            {
                FuzzInvariantException.That(health.Failures == 0, $"{health.Name} failed {health.Failures} times: {health.FirstError}");
            }

            FuzzInvariantException.That(result.Classifier.Failures == 0, $"the classifier failed {result.Classifier.Failures} times: {result.Classifier.FirstError}");
            FuzzInvariantException.That(result.Verdicts.PolicyFailures == 0 && result.Verdicts.ResponderFailures == 0,
                $"the verdict stage had {result.Verdicts.PolicyFailures} policy and {result.Verdicts.ResponderFailures} responder failures: {result.Verdicts.FirstError}");
            foreach (ReplayProblem problem in observer.Problems)
            {
                FuzzInvariantException.That(problem.File == file, $"a problem names '{problem.File}', not the input");
            }

            long recordProblems = 0;
            foreach (ReplayProblem problem in observer.Problems)
            {
                // A repeated key is a warning on a record that was read, counted apart from malformed ones.
                recordProblems += problem.IsFileLevel || problem.RecordKept ? 0 : 1;
            }

            FuzzInvariantException.That(stats.Malformed == recordProblems, $"the scan counts {stats.Malformed} malformed records but reported {recordProblems}");
            long duplicateKeys = observer.Problems.Count(p => p.ErrorId == ErrorIds.RecordDuplicateKey);
            FuzzInvariantException.That(stats.DuplicateKeys == duplicateKeys, $"the scan counts {stats.DuplicateKeys} records with repeated keys but reported {duplicateKeys}");
            foreach (Detection detection in observer.Detections)
            {
                DetectionChecks.Check(detection);
            }
        }

        private static BehaviorEngine CreateEngine()
        {
            var engine = BehaviorEngine.Create(new EngineOptions { BuiltInRules = true, UseModel = true, ModelPath = EngineLocations.BuiltInModelPath });
            if (engine.Rules.Rules.Count == 0 || engine.Classifier is null || engine.Warnings.Count > 0)
            {
                // Fuzzing a half-built engine would pass for nothing: say what is missing instead.
                throw new InvalidOperationException("the replay target needs the built-in rules and model beside the fuzz program: " +
                    engine.Rules.Rules.Count + " rules, model " + (engine.Classifier is null ? "not loaded" : "loaded") + "; " + string.Join("; ", engine.Warnings));
            }

            return engine;
        }

        private sealed class Observer : IScanObserver
        {
            public List<Detection> Detections { get; } = new List<Detection>();

            public List<ReplayProblem> Problems { get; } = new List<ReplayProblem>();

            public void OnDetection(Detection detection) => Detections.Add(detection);

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem) => Problems.Add(problem);

            public void OnProgress(ScanProgress progress)
            {
            }

            // The target scans without a store, so a store failure is itself a broken invariant.
            public void OnStoreFailure(BehaviorBlockingException error) =>
                throw new InvalidOperationException("the replay target scans without a store, yet the store failed: " + error.Message, error);
        }
    }
}
