using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

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

        /// <summary><see cref="Full"/> with response steps: one by the policy, one by a person, every optional field used once.</summary>
        public static Detection FullWithActions()
        {
            var t = new DateTimeOffset(2024, 5, 1, 10, 0, 6, TimeSpan.Zero);
            return Full().WithResponse(DetectionAction.Blocked, new[]
            {
                new ResponseStep(ResponseKind.KillTree, "PID 4242 (reg.exe)", StepOutcome.Done, "2 processes", null, t),
                new ResponseStep(ResponseKind.Quarantine, @"C:\Users\jürgen\payload.exe", StepOutcome.Refused, "guard rail: \"system\" file",
                    "9c1e0f5a-0000-4000-8000-000000000001", t.AddTicks(1)) { Actor = "manual:CORP\\jürgen" },
            });
        }

        public static Detection Minimal(Guid id)
        {
            return new Detection
            {
                Id = id,
                Name = "Behavior:Linux/Generic.A1!rule",
            };
        }

        /// <summary>
        /// The detections recorded in <c>tests/data/store/v2.sql</c> (written by the version-2
        /// store), in the order they were stored: every field set, every optional field null,
        /// empty strings where null is allowed, odd characters, and one id stored twice.
        /// </summary>
        public static Detection[] StoredInVersion2()
        {
            var t = new DateTimeOffset(2024, 6, 2, 9, 30, 0, TimeSpan.Zero);
            var edge = new[]
            {
                Full(),
                Minimal(new Guid("00000000-0000-0000-0000-00000000000a")),
                new Detection
                {
                    Id = new Guid("00000000-0000-0000-0000-00000000000b"),
                    Name = "Behavior:Linux/Impact.Wipe!ml",
                    Platform = DetectionPlatform.Linux,
                    Tactic = Tactic.Impact,
                    Techniques = new[] { string.Empty, "T1485", "quote \" back\\slash \u00e9 \u2603" },
                    Score = 1.0 / 3.0,
                    Severity = Severity.Critical,
                    Action = DetectionAction.BlockFailed,
                    Host = string.Empty,
                    ProcessGuid = string.Empty,
                    ProcessId = 0,
                    Image = string.Empty,
                    CommandLine = "rm -rf / --no-preserve-root\n\t'\"",
                    ParentImage = string.Empty,
                    User = string.Empty,
                    FirstSeen = DateTimeOffset.MinValue,
                    LastSeen = t.AddTicks(9_999_999),
                    SourceFile = string.Empty,
                    Evidence = new[]
                    {
                        new Evidence("response", "kill", string.Empty, null),
                        new Evidence("event", "Sysmon/1#7", "exec \u2603 [\"x\"]", t),
                    },
                    ModelVersion = string.Empty,
                    RuleSetVersion = string.Empty,
                },
                new Detection
                {
                    Id = new Guid("ffffffff-ffff-ffff-ffff-ffffffffffff"),
                    Name = "Behavior:Win32/CommandAndControl.Beacon!rule",
                    Platform = DetectionPlatform.Win32,
                    Tactic = Tactic.CommandAndControl,
                    Techniques = new[] { "T1071.001" },
                    Score = 0.0,
                    Severity = Severity.Informational,
                    Action = DetectionAction.Excluded,
                    Host = "ws-02.example.local",
                    ProcessId = -1,
                    FirstSeen = t.AddHours(-1),
                    LastSeen = t,
                    Evidence = new[] { new Evidence("indicator", "sha256:ab", "known beacon", t.AddMinutes(-5)) },
                },
            };
            return edge.Concat(EveryCode(t)).ToArray();
        }

        /// <summary>The version-2 scan records of <c>tests/data/store/v2.sql</c>, in the order they were stored.</summary>
        public static ScanRecord[] ScansInVersion2()
        {
            var t = new DateTimeOffset(2024, 6, 2, 9, 30, 0, TimeSpan.Zero);
            return new[]
            {
                new ScanRecord
                {
                    Started = t,
                    Finished = t.AddSeconds(12.5).AddTicks(1),
                    Inputs = new[] { @"C:\logs\ws01.jsonl", "logs/dir", "jürgen \"x\".jsonl" },
                    Files = 3,
                    Events = 12000,
                    Malformed = 2,
                    Detections = 4,
                },
                new ScanRecord { Started = t.AddDays(1), Finished = t.AddDays(1) },
            };
        }

        // One detection per tactic, cycling through platforms, severities and actions, so each
        // stored name of every enum appears at least once.
        private static IEnumerable<Detection> EveryCode(DateTimeOffset t)
        {
            Tactic[] tactics = (Tactic[])Enum.GetValues(typeof(Tactic));
            for (int i = 0; i < tactics.Length; i++)
            {
                yield return new Detection
                {
                    Id = new Guid("00000000-0000-0000-0001-" + i.ToString("x12", CultureInfo.InvariantCulture)),
                    Name = "Behavior:Win32/" + tactics[i] + ".Code!rule",
                    Platform = (DetectionPlatform)(i % 2),
                    Tactic = tactics[i],
                    Techniques = new[] { "T" + (1000 + i).ToString(CultureInfo.InvariantCulture) },
                    Score = i / 13.0,
                    Severity = (Severity)(i % 5),
                    Action = (DetectionAction)(i % 4),
                    Host = "host-" + i.ToString(CultureInfo.InvariantCulture),
                    ProcessId = i,
                    FirstSeen = t.AddMinutes(i),
                    LastSeen = t.AddMinutes(i + 1),
                };
            }
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

            Assert.Equal(expected.Actions.Count, actual.Actions.Count);
            for (int i = 0; i < expected.Actions.Count; i++)
            {
                AssertSame(expected.Actions[i], actual.Actions[i]);
            }
        }

        public static void AssertSame(ResponseStep expected, ResponseStep actual)
        {
            Assert.Equal(expected.Kind, actual.Kind);
            Assert.Equal(expected.Target, actual.Target);
            Assert.Equal(expected.Outcome, actual.Outcome);
            Assert.Equal(expected.Detail, actual.Detail);
            Assert.Equal(expected.Reference, actual.Reference);
            Assert.Equal(expected.Time.UtcTicks, actual.Time.UtcTicks);
            Assert.Equal(TimeSpan.Zero, actual.Time.Offset);
            Assert.Equal(expected.Actor, actual.Actor);
        }
    }
}
