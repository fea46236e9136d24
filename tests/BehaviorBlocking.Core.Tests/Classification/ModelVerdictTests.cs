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

            public void Predict(float[] features, float[] probabilities)
            {
                if (_fail)
                {
                    throw new BehaviorBlockingException("ModelInvalid", FailureKind.InvalidData, "model broke");
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

        private (List<Detection> Detections, VerdictEngine Detector) Run(ITreeClassifier classifier, params BehaviorEvent[] events)
        {
            RuleSet rules = _kit
                .Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation", "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "medium", "attack.execution", "EncodedPs"))
                .Write("dll.yml", RuleTestKit.Rule("dll", "category: process_creation", "  sel:\n    Image|endswith: '\\rundll32.exe'\n  condition: sel", "medium", "attack.defense_evasion", "Rundll"))
                .Load();
            var collector = new TreeFeatureCollector();
            var verdicts = new VerdictEngine(new VerdictOptions { Classifier = classifier, Features = collector });
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

        [Fact]
        public void Options_ClassifierWithoutFeatures_IsRefused()
        {
            Assert.Throws<ArgumentException>(() => new VerdictEngine(new VerdictOptions { Classifier = new FixedClassifier(new float[3]) }));
        }
    }
}
