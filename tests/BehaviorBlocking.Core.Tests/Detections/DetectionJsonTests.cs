using System;
using System.IO;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Response;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Detections
{
    public class DetectionJsonTests
    {
        private const string FullRecord =
            "{\"id\":\"3f2c1b7e-9a4d-4c1e-8f00-5b6a7c8d9e01\","
            + "\"name\":\"Behavior:Win32/Persistence.RunKey!ml\","
            + "\"platform\":\"Win32\","
            + "\"tactic\":\"Persistence\","
            + "\"techniques\":[\"T1547.001\",\"T1112\"],"
            + "\"score\":0.93,"
            + "\"severity\":\"High\","
            + "\"action\":\"Blocked\","
            + "\"host\":\"WS-01\","
            + "\"processGuid\":\"{a1b2c3d4-0000-0000-0000-000000000001}\","
            + "\"processId\":4242,"
            + "\"image\":\"C:\\\\Windows\\\\System32\\\\reg.exe\","
            + "\"commandLine\":\"reg add HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run /v x /d \\\"C:\\\\Users\\\\jürgen\\\\payload.exe\\\"\","
            + "\"parentImage\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\","
            + "\"user\":\"CORP\\\\jürgen\","
            + "\"firstSeen\":\"2024-05-01T10:00:00.1234567Z\","
            + "\"lastSeen\":\"2024-05-01T10:00:05.0000000Z\","
            + "\"sourceFile\":\"logs/ws01.jsonl\","
            + "\"evidence\":["
            + "{\"kind\":\"rule\",\"id\":\"persistence_run_key\",\"description\":\"Run key written\",\"time\":\"2024-05-01T10:00:01.0000000Z\"},"
            + "{\"kind\":\"feature\",\"id\":\"reg_run_writes\",\"description\":\"1 Run-key write\",\"time\":null}],"
            + "\"modelVersion\":\"2024.05.1\","
            + "\"ruleSetVersion\":\"7\","
            + "\"actions\":["
            + "{\"kind\":\"KillTree\",\"target\":\"PID 4242 (reg.exe)\",\"outcome\":\"Done\",\"detail\":\"2 processes\",\"reference\":null,"
            + "\"time\":\"2024-05-01T10:00:06.0000000Z\",\"actor\":\"policy\"},"
            + "{\"kind\":\"Quarantine\",\"target\":\"C:\\\\Users\\\\jürgen\\\\payload.exe\",\"outcome\":\"Refused\",\"detail\":\"guard rail: \\\"system\\\" file\","
            + "\"reference\":\"9c1e0f5a-0000-4000-8000-000000000001\",\"time\":\"2024-05-01T10:00:06.0000001Z\",\"actor\":\"manual:CORP\\\\jürgen\"}]}";

        private const string ValidId = "\"id\":\"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0\"";

        [Fact]
        public void Serialize_FullDetection_WritesContractKeysInOrder()
        {
            string json = DetectionJson.Serialize(DetectionFixtures.FullWithActions());

            Assert.Equal(FullRecord, json);
        }

        [Fact]
        public void Serialize_FullDetection_IsOneLine()
        {
            string json = DetectionJson.Serialize(DetectionFixtures.Full());

            Assert.DoesNotContain("\n", json, StringComparison.Ordinal);
            Assert.DoesNotContain("\r", json, StringComparison.Ordinal);
        }

        [Fact]
        public void Serialize_MinimalDetection_WritesEveryKeyWithNulls()
        {
            var id = new Guid("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");

            string json = DetectionJson.Serialize(DetectionFixtures.Minimal(id));

            Assert.Equal(
                "{" + ValidId + ",\"name\":\"Behavior:Linux/Generic.A1!rule\",\"platform\":\"Win32\",\"tactic\":\"Generic\","
                + "\"techniques\":[],\"score\":0,\"severity\":\"Informational\",\"action\":\"Audited\",\"host\":\"\","
                + "\"processGuid\":null,\"processId\":null,\"image\":null,\"commandLine\":null,\"parentImage\":null,\"user\":null,"
                + "\"firstSeen\":\"0001-01-01T00:00:00.0000000Z\",\"lastSeen\":\"0001-01-01T00:00:00.0000000Z\",\"sourceFile\":null,"
                + "\"evidence\":[],\"modelVersion\":null,\"ruleSetVersion\":null,\"actions\":[]}",
                json);
        }

        [Fact]
        public void Parse_SerializedFullDetection_RoundTrips()
        {
            Detection original = DetectionFixtures.FullWithActions();

            Detection parsed = DetectionJson.Parse(DetectionJson.Serialize(original));

            DetectionFixtures.AssertSame(original, parsed);
            Assert.Equal(FullRecord, DetectionJson.Serialize(parsed));
        }

        [Fact]
        public void Parse_SerializedMinimalDetection_RoundTrips()
        {
            Detection original = DetectionFixtures.Minimal(Guid.NewGuid());

            string json = DetectionJson.Serialize(original);
            Detection parsed = DetectionJson.Parse(json);

            DetectionFixtures.AssertSame(original, parsed);
            Assert.Equal(json, DetectionJson.Serialize(parsed));
        }

        [Fact]
        public void Serialize_LocalOffsetTimes_WritesUtc()
        {
            var detection = new Detection
            {
                Id = Guid.NewGuid(),
                Name = "Behavior:Win32/Impact.Wipe!rule",
                FirstSeen = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)),
                LastSeen = new DateTimeOffset(2024, 5, 1, 12, 30, 0, TimeSpan.FromHours(2)),
            };

            string json = DetectionJson.Serialize(detection);

            Assert.Contains("\"firstSeen\":\"2024-05-01T10:00:00.0000000Z\"", json, StringComparison.Ordinal);
            Assert.Contains("\"lastSeen\":\"2024-05-01T10:30:00.0000000Z\"", json, StringComparison.Ordinal);
        }

        [Fact]
        public void Write_ToWriter_MatchesSerialize()
        {
            Detection detection = DetectionFixtures.Full();
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                DetectionJson.Write(writer, detection);
            }

            Assert.Equal(DetectionJson.Serialize(detection), Encoding.UTF8.GetString(stream.ToArray()));
        }

        [Fact]
        public void Parse_ActionWithoutActor_IsThePolicys()
        {
            string json = "{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"kind\":\"BlockHash\",\"target\":\"AB\",\"outcome\":\"WhatIf\",\"time\":\"2024-05-01T10:00:00Z\"}]}";

            ResponseStep step = Assert.Single(DetectionJson.Parse(json).Actions);

            Assert.Equal(ResponseKind.BlockHash, step.Kind);
            Assert.Equal(StepOutcome.WhatIf, step.Outcome);
            Assert.Null(step.Detail);
            Assert.Null(step.Reference);
            Assert.Equal(ResponseStep.PolicyActor, step.Actor);
        }

        [Fact]
        public void WithAction_DetectionWithSteps_KeepsThem()
        {
            Detection original = DetectionFixtures.FullWithActions();

            Detection changed = original.WithAction(DetectionAction.BlockFailed);

            Assert.Equal(DetectionAction.BlockFailed, changed.Action);
            Assert.Same(original.Actions, changed.Actions);
        }

        [Fact]
        public void WithMoreActions_AppendsInOrder()
        {
            Detection original = DetectionFixtures.FullWithActions();
            var more = new ResponseStep(ResponseKind.Remediate, "CronEntry /etc/cron.d/x", StepOutcome.Done);

            Detection changed = original.WithMoreActions(new[] { more });

            Assert.Equal(3, changed.Actions.Count);
            Assert.Same(more, changed.Actions[2]);
            Assert.Equal(2, original.Actions.Count);
        }

        [Fact]
        public void Parse_UnknownKeysAndShortTimes_AreAccepted()
        {
            string json = "{" + ValidId + ",\"name\":\"n\",\"future\":{\"x\":1},\"lastSeen\":\"2024-05-01T12:00:00+02:00\"}";

            Detection parsed = DetectionJson.Parse(json);

            Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), parsed.LastSeen);
            Assert.Equal(TimeSpan.Zero, parsed.LastSeen.Offset);
        }

        [Theory]
        [InlineData("not json", "JSON")]
        [InlineData("[1,2]", "object")]
        [InlineData("{\"name\":\"n\"}", "'id'")]
        [InlineData("{\"id\":\"not-a-uuid\",\"name\":\"n\"}", "'id'")]
        [InlineData("{\"id\":42,\"name\":\"n\"}", "'id'")]
        [InlineData("{" + ValidId + "}", "'name'")]
        [InlineData("{" + ValidId + ",\"name\":\"\"}", "'name'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"tactic\":\"Lurking\"}", "'tactic'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"platform\":\"win32\"}", "'platform'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"severity\":\"3\"}", "'severity'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"action\":\"Audited, Blocked\"}", "'action'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"score\":\"high\"}", "'score'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"processId\":\"12\"}", "'processId'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"techniques\":[\"T1\",7]}", "'techniques[1]'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"lastSeen\":\"05/01/2024 10:00\"}", "'lastSeen'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"evidence\":[{\"id\":\"a\"}]}", "'evidence[0].kind'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"evidence\":[{\"kind\":\"rule\",\"id\":\"a\",\"time\":\"soon\"}]}", "'evidence[0].time'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":{}}", "'actions'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[1]}", "'actions[0]'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"target\":\"t\",\"outcome\":\"Done\",\"time\":\"2024-05-01T10:00:00Z\"}]}", "'actions[0].kind'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"kind\":\"Nuke\",\"target\":\"t\",\"outcome\":\"Done\",\"time\":\"2024-05-01T10:00:00Z\"}]}", "'actions[0].kind'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"kind\":\"KillTree\",\"outcome\":\"Done\",\"time\":\"2024-05-01T10:00:00Z\"}]}", "'actions[0].target'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"kind\":\"KillTree\",\"target\":\"t\",\"outcome\":\"6\",\"time\":\"2024-05-01T10:00:00Z\"}]}", "'actions[0].outcome'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"kind\":\"KillTree\",\"target\":\"t\",\"outcome\":\"Done\"}]}", "'actions[0].time'")]
        [InlineData("{" + ValidId + ",\"name\":\"n\",\"actions\":[{\"kind\":\"KillTree\",\"target\":\"t\",\"outcome\":\"Done\",\"time\":\"later\"}]}", "'actions[0].time'")]
        public void Parse_InvalidRecord_ThrowsDetectionRecordInvalidNamingKey(string json, string expectedInMessage)
        {
            var error = Assert.Throws<BehaviorBlockingException>(() => DetectionJson.Parse(json));

            Assert.Equal("DetectionRecordInvalid", error.ErrorId);
            Assert.Equal(FailureKind.InvalidData, error.Kind);
            Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
            Assert.Equal(json, error.Target);
        }
    }
}
