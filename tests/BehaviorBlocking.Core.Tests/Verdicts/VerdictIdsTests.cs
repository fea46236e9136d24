using System;
using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Verdicts
{
    /// <summary>Detection ids are name-based UUIDs: the same verdict always gets the same id.</summary>
    public sealed class VerdictIdsTests
    {
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);

        private static ProcessNode Root(string? guid = "{00000000-0000-0000-0000-000000000100}", int pid = 100, DateTimeOffset? start = null)
        {
            return new ProcessNode(1, "WS1", pid) { ProcessGuid = guid, StartTime = start ?? T0, FirstSeen = start ?? T0 };
        }

        [Fact]
        public void For_SameInputs_GivesSameId()
        {
            Guid a = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Execution, T0);
            Guid b = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Execution, T0);

            Assert.Equal(a, b);
            Assert.NotEqual(Guid.Empty, a);
        }

        [Fact]
        public void For_KnownName_MatchesIndependentVersion5Implementation()
        {
            // Computed with Python's uuid.uuid5 over the product namespace and the documented name layout
            // (HOST|recording|ROOT-GUID|Tactic|first-signal UTC ticks): ids stay stable across versions.
            Assert.Equal(new Guid("40930b67-8c4a-5bd5-87aa-5156b027d9c3"), VerdictIds.For("ws1", null, Root(), Tactic.Execution, T0));
            Assert.Equal(new Guid("2c8c00b1-c265-5e26-80f6-c2be1161696d"), VerdictIds.For("WS1", null, null, Tactic.Execution, T0));
        }

        [Fact]
        public void For_EachPartOfTheVerdict_ChangesTheId()
        {
            Guid baseline = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Execution, T0);
            var variants = new Dictionary<string, Guid>
            {
                ["tactic"] = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Persistence, T0),
                ["host"] = VerdictIds.For("WS2", "rec.jsonl", Root(), Tactic.Execution, T0),
                ["recording"] = VerdictIds.For("WS1", "other.jsonl", Root(), Tactic.Execution, T0),
                ["no recording"] = VerdictIds.For("WS1", null, Root(), Tactic.Execution, T0),
                ["root guid"] = VerdictIds.For("WS1", "rec.jsonl", Root("{00000000-0000-0000-0000-000000000101}"), Tactic.Execution, T0),
                ["host-level"] = VerdictIds.For("WS1", "rec.jsonl", null, Tactic.Execution, T0),
                ["first signal"] = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Execution, T0.AddTicks(1)),
                ["salt 1"] = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Execution, T0, salt: 1),
                ["salt 2"] = VerdictIds.For("WS1", "rec.jsonl", Root(), Tactic.Execution, T0, salt: 2),
            };

            foreach (KeyValuePair<string, Guid> variant in variants)
            {
                Assert.True(variant.Value != baseline, variant.Key + " did not change the id");
            }

            Assert.Equal(variants.Count, new HashSet<Guid>(variants.Values).Count);
        }

        [Fact]
        public void For_RootWithoutGuid_UsesPidAndStart()
        {
            Guid a = VerdictIds.For("WS1", null, Root(guid: null, pid: 100), Tactic.Execution, T0);

            Assert.Equal(a, VerdictIds.For("WS1", null, Root(guid: null, pid: 100), Tactic.Execution, T0));
            Assert.NotEqual(a, VerdictIds.For("WS1", null, Root(guid: null, pid: 101), Tactic.Execution, T0));
            Assert.NotEqual(a, VerdictIds.For("WS1", null, Root(guid: null, pid: 100, start: T0.AddSeconds(1)), Tactic.Execution, T0));
        }

        [Fact]
        public void For_HostAndGuidCase_DoNotChangeTheId()
        {
            Assert.Equal(
                VerdictIds.For("WS1", null, Root("{ABCDEF00-0000-0000-0000-000000000100}"), Tactic.Execution, T0),
                VerdictIds.For("ws1", null, Root("{abcdef00-0000-0000-0000-000000000100}"), Tactic.Execution, T0));
        }

        [Fact]
        public void For_SameInstantInAnotherOffset_GivesSameId()
        {
            Assert.Equal(
                VerdictIds.For("WS1", null, Root(), Tactic.Execution, T0),
                VerdictIds.For("WS1", null, Root(), Tactic.Execution, T0.ToOffset(TimeSpan.FromHours(2))));
        }

        [Fact]
        public void For_RecordingNamedRelativeOrFull_GivesSameId()
        {
            string relative = "rec-" + Guid.NewGuid().ToString("N") + ".jsonl";

            Assert.Equal(
                VerdictIds.For("WS1", relative, Root(), Tactic.Execution, T0),
                VerdictIds.For("WS1", Path.GetFullPath(relative), Root(), Tactic.Execution, T0));
        }

        [Theory]
        [InlineData(Tactic.Execution, 0)]
        [InlineData(Tactic.Impact, 3)]
        [InlineData(Tactic.CredentialAccess, 17)]
        public void For_AnyInput_IsRfc4122Version5(Tactic tactic, int salt)
        {
            Guid id = VerdictIds.For("WS1", "rec.jsonl", Root(), tactic, T0, salt);
            string text = id.ToString("N");

            Assert.Equal('5', text[12]);
            Assert.Contains(text[16], "89ab");
        }
    }
}
