using System;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine
{
    public sealed class DetectionWatchTests : IDisposable
    {
        private static readonly DateTimeOffset s_t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Poll_NoStoreYet_ReturnsNothingThenPicksUpTheStoreOnceCreated()
        {
            string path = _temp.Combine("store.db");
            var watch = new DetectionWatch(new DetectionQuery(), path);
            Assert.Empty(watch.Poll());
            Assert.False(System.IO.File.Exists(path));

            Detection d = DetectionFixtures.At(s_t0);
            using (DetectionStore store = DetectionStore.Open(path))
            {
                store.Upsert(new[] { d });
            }

            Assert.Equal(d.Id, Assert.Single(watch.Poll()).Id);
        }

        [Fact]
        public void Poll_Later_ReturnsOnlyNewAndChangedMatches()
        {
            string path = _temp.Combine("store.db");
            Detection old = DetectionFixtures.At(s_t0, Tactic.Execution);
            Detection other = DetectionFixtures.At(s_t0.AddHours(1), Tactic.Discovery);
            using DetectionStore store = DetectionStore.Open(path);
            store.Upsert(new[] { old, other });
            var watch = new DetectionWatch(new DetectionQuery { Tactic = Tactic.Execution, Last = 1 }, path);

            Assert.Equal(old.Id, Assert.Single(watch.Poll()).Id);
            Assert.Empty(watch.Poll());

            Detection fresh = DetectionFixtures.At(s_t0.AddHours(2), Tactic.Execution);
            Detection freshOther = DetectionFixtures.At(s_t0.AddHours(2), Tactic.Discovery);
            Detection updated = DetectionFixtures.At(s_t0.AddHours(3), Tactic.Execution, id: old.Id);
            store.Upsert(new[] { fresh, freshOther, updated });

            Assert.Equal(new[] { fresh.Id, old.Id }, watch.Poll().Select(d => d.Id));
            Assert.Empty(watch.Poll());
        }
    }
}
