using System;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>Detections for tests, and a field-by-field comparison.</summary>
    internal static class DetectionFixtures
    {
        public static readonly Guid FullId = new Guid("3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01");

        public static Detection Full()
        {
            return new Detection
            {
                Id = FullId,
                Name = "Behavior:Win32/Persistence.RunKey!ml",
                Platform = DetectionPlatform.Win32,
                Tactic = Tactic.Persistence,
                Techniques = new[] { "T1547.001", "T1112" },
                Score = 0.93,
                Severity = Severity.High,
                Action = DetectionAction.Blocked,
                Host = "WS-01",
                ProcessGuid = "{a1b2c3d4-0000-0000-0000-000000000001}",
                ProcessId = 4242,
                Image = @"C:\Windows\System32\reg.exe",
                CommandLine = @"reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v x /d ""C:\Users\jürgen\payload.exe""",
                ParentImage = @"C:\Windows\System32\cmd.exe",
                User = @"CORP\jürgen",
                FirstSeen = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567),
                LastSeen = new DateTimeOffset(2024, 5, 1, 10, 0, 5, TimeSpan.Zero),
                SourceFile = "logs/ws01.jsonl",
                Evidence = new[]
                {
                    new Evidence("rule", "persistence_run_key", "Run key written", new DateTimeOffset(2024, 5, 1, 10, 0, 1, TimeSpan.Zero)),
                    new Evidence("feature", "reg_run_writes", "1 Run-key write", null),
                },
                ModelVersion = "2024.05.1",
                RuleSetVersion = "7",
            };
        }

        public static Detection Minimal(Guid id)
        {
            return new Detection
            {
                Id = id,
                Name = "Behavior:Linux/Generic.A1!rule",
            };
        }

        public static Detection At(
            DateTimeOffset lastSeen,
            Tactic tactic = Tactic.Execution,
            string host = "host-a",
            string name = "Behavior:Linux/Execution.Shell!rule",
            string? processGuid = null,
            Guid? id = null,
            Evidence[]? evidence = null)
        {
            return new Detection
            {
                Id = id ?? Guid.NewGuid(),
                Name = name,
                Platform = DetectionPlatform.Linux,
                Tactic = tactic,
                Techniques = new[] { "T1059.004" },
                Score = 0.5,
                Severity = Severity.Medium,
                Action = DetectionAction.Audited,
                Host = host,
                ProcessGuid = processGuid,
                ProcessId = 100,
                Image = "/bin/sh",
                FirstSeen = lastSeen.AddSeconds(-1),
                LastSeen = lastSeen,
                Evidence = evidence ?? Array.Empty<Evidence>(),
            };
        }

        public static void AssertSame(Detection expected, Detection actual)
        {
            Assert.Equal(expected.Id, actual.Id);
            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.Platform, actual.Platform);
            Assert.Equal(expected.Tactic, actual.Tactic);
            Assert.Equal(expected.Techniques, actual.Techniques);
            Assert.Equal(expected.Score, actual.Score);
            Assert.Equal(expected.Severity, actual.Severity);
            Assert.Equal(expected.Action, actual.Action);
            Assert.Equal(expected.Host, actual.Host);
            Assert.Equal(expected.ProcessGuid, actual.ProcessGuid);
            Assert.Equal(expected.ProcessId, actual.ProcessId);
            Assert.Equal(expected.Image, actual.Image);
            Assert.Equal(expected.CommandLine, actual.CommandLine);
            Assert.Equal(expected.ParentImage, actual.ParentImage);
            Assert.Equal(expected.User, actual.User);
            Assert.Equal(expected.FirstSeen.UtcTicks, actual.FirstSeen.UtcTicks);
            Assert.Equal(TimeSpan.Zero, actual.FirstSeen.Offset);
            Assert.Equal(expected.LastSeen.UtcTicks, actual.LastSeen.UtcTicks);
            Assert.Equal(TimeSpan.Zero, actual.LastSeen.Offset);
            Assert.Equal(expected.SourceFile, actual.SourceFile);
            Assert.Equal(expected.ModelVersion, actual.ModelVersion);
            Assert.Equal(expected.RuleSetVersion, actual.RuleSetVersion);
            Assert.Equal(expected.Evidence.Count, actual.Evidence.Count);
            for (int i = 0; i < expected.Evidence.Count; i++)
            {
                Assert.Equal(expected.Evidence[i].Kind, actual.Evidence[i].Kind);
                Assert.Equal(expected.Evidence[i].Id, actual.Evidence[i].Id);
                Assert.Equal(expected.Evidence[i].Description, actual.Evidence[i].Description);
                Assert.Equal(expected.Evidence[i].Time?.UtcTicks, actual.Evidence[i].Time?.UtcTicks);
            }
        }
    }
}
