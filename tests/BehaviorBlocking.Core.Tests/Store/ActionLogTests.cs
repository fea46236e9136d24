using System;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Store
{
    /// <summary>Response steps in the store: with their detection (replaced with it) and in the action log (appended).</summary>
    public sealed class ActionLogTests : IDisposable
    {
        private static readonly DateTimeOffset s_t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string StorePath => _temp.Combine("store.db");

        private static ResponseStep Step(ResponseKind kind, StepOutcome outcome, int seconds, string? actor = null) =>
            new ResponseStep(kind, "PID 42 (payload.exe)", outcome, outcome + " detail", kind == ResponseKind.Quarantine ? Guid.NewGuid().ToString("D") : null,
                s_t0.AddSeconds(seconds).AddTicks(7)) { Actor = actor ?? ResponseStep.PolicyActor };

        [Fact]
        public void Upsert_DetectionWithSteps_ReadsThemBackInOrder()
        {
            Detection detection = DetectionFixtures.FullWithActions();

            using (DetectionStore store = DetectionStore.Open(StorePath))
            {
                store.Upsert(new[] { detection });
            }

            using DetectionStore read = DetectionStore.OpenReadOnly(StorePath);
            Detection stored = read.Get(detection.Id)!;

            // The manual step of the fixture is not the detection's to write: only the policy's travel with it.
            ResponseStep only = Assert.Single(stored.Actions);
            DetectionFixtures.AssertSame(detection.Actions[0], only);
            Assert.Equal(ResponseStep.PolicyActor, only.Actor);
        }

        [Fact]
        public void Upsert_SameDetectionAgain_ReplacesPolicyStepsAndKeepsManualOnes()
        {
            Detection first = DetectionFixtures.At(s_t0, id: Guid.NewGuid()).WithResponse(DetectionAction.BlockFailed, new[] { Step(ResponseKind.KillTree, StepOutcome.Failed, 1) });
            using DetectionStore store = DetectionStore.Open(StorePath);
            store.Upsert(new[] { first });
            using (ActionLog log = ActionLog.Open(StorePath))
            {
                log.Record(new[] { Step(ResponseKind.KillTree, StepOutcome.Done, 2, "manual:alice") }, first.Id);
            }

            Detection second = first.WithResponse(DetectionAction.Blocked, new[] { Step(ResponseKind.KillTree, StepOutcome.Failed, 1), Step(ResponseKind.Quarantine, StepOutcome.Done, 3) });
            store.Upsert(new[] { second });
            Detection readBack = store.Get(first.Id)!;
            store.Upsert(new[] { readBack });

            Detection stored = store.Get(first.Id)!;
            Assert.Equal(new[] { "policy:KillTree:Failed", "manual:alice:KillTree:Done", "policy:Quarantine:Done" }.OrderBy(x => x),
                stored.Actions.Select(a => a.Actor + ":" + a.Kind + ":" + a.Outcome).OrderBy(x => x));
            Assert.Equal(3, stored.Actions.Count);
            Assert.Equal(DetectionAction.Blocked, stored.Action);
        }

        [Fact]
        public void Record_ManualBlockWithoutDetection_IsListedWithNoDetection()
        {
            ResponseStep step = Step(ResponseKind.BlockHash, StepOutcome.Done, 5, "manual:bob");

            using (ActionLog log = ActionLog.Open(StorePath))
            {
                log.Record(new[] { step }, null);
            }

            using ActionLog read = ActionLog.OpenReadOnly(StorePath);
            ActionRecord record = Assert.Single(read.List());
            Assert.Null(record.DetectionId);
            DetectionFixtures.AssertSame(step, record.Step);
            Assert.Empty(read.List(Guid.NewGuid()));
        }

        [Fact]
        public void List_LastAndDetection_FilterAndKeepOrder()
        {
            Guid id = Guid.NewGuid();
            using ActionLog log = ActionLog.Open(StorePath);
            log.Record(new[] { Step(ResponseKind.KillTree, StepOutcome.Done, 1), Step(ResponseKind.Quarantine, StepOutcome.Done, 2) }, id);
            log.Record(new[] { Step(ResponseKind.BlockHash, StepOutcome.Refused, 3) }, null);

            Assert.Equal(new[] { ResponseKind.Quarantine, ResponseKind.BlockHash }, log.List(last: 2).Select(r => r.Step.Kind));
            Assert.Equal(new[] { ResponseKind.KillTree, ResponseKind.Quarantine }, log.List(id).Select(r => r.Step.Kind));
            Assert.True(log.List().Select(r => r.Sequence).SequenceEqual(log.List().Select(r => r.Sequence).OrderBy(s => s)));
        }

        [Fact]
        public void ApplyRetention_DeletedDetection_TakesItsStepsAndLeavesManualBlocks()
        {
            Detection old = DetectionFixtures.At(s_t0).WithResponse(DetectionAction.Blocked, new[] { Step(ResponseKind.KillTree, StepOutcome.Done, 1) });
            using DetectionStore store = DetectionStore.Open(StorePath);
            store.Upsert(new[] { old });
            using ActionLog log = ActionLog.Open(StorePath);
            log.Record(new[] { Step(ResponseKind.KillTree, StepOutcome.Done, 2, "manual:alice") }, old.Id);
            log.Record(new[] { Step(ResponseKind.BlockHash, StepOutcome.Done, 3, "manual:alice") }, null);

            Assert.Equal(1, store.ApplyRetention(TimeSpan.FromDays(1), null, s_t0.AddDays(30)));

            ActionRecord left = Assert.Single(log.List());
            Assert.Null(left.DetectionId);
        }

        [Fact]
        public void Get_StepWithUnknownOutcomeCode_IsReportedAsDamage()
        {
            Detection detection = DetectionFixtures.At(s_t0).WithResponse(DetectionAction.Blocked, new[] { Step(ResponseKind.KillTree, StepOutcome.Done, 1) });
            using (DetectionStore store = DetectionStore.Open(StorePath))
            {
                store.Upsert(new[] { detection });
            }

            using (var connection = new SqliteConnection("Data Source=" + StorePath + ";Pooling=False"))
            {
                connection.Open();
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = "UPDATE actions SET outcome = 99;";
                command.ExecuteNonQuery();
            }

            using DetectionStore reopened = DetectionStore.OpenReadOnly(StorePath);
            var error = Assert.Throws<BehaviorBlockingException>(() => reopened.Get(detection.Id));
            Assert.Equal(DetectionStore.CorruptErrorId, error.ErrorId);
            Assert.Contains("outcome code 99", error.Message, StringComparison.Ordinal);
        }
    }
}
