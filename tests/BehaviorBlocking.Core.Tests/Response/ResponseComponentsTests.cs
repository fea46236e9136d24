using System;
using System.IO;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Response
{
    /// <summary>This machine's response components: the real pieces, one set of guard rails, stores opened when first needed.</summary>
    public sealed class ResponseComponentsTests : IDisposable
    {
        private const string Hash = "3F79BB7B435B05321651DAEFD374CDC681DC06FAA65E374E38337B88CA046DEA";
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        [Fact]
        public void ForThisMachine_HasEveryPiece_AndOpensNothingUntilAStepNeedsIt()
        {
            string store = _temp.Combine("store.db");
            string home = _temp.Combine("home");

            using (ResponseComponents components = ResponseComponents.ForThisMachine(home, store))
            {
                Assert.IsType<GuardRails>(components.GuardRails);
                Assert.NotNull(components.Processes);
                Assert.NotNull(components.Quarantine);
                Assert.NotNull(components.Indicators);
                Assert.NotNull(components.Remediator);
                Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsWindows(), components.Processes!.IsSupported);
                Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsWindows(), components.Remediator!.IsSupported);
                Assert.False(File.Exists(store), "no store before a step needs it");
                Assert.False(Directory.Exists(Path.Combine(home, QuarantineVault.FolderName)), "no vault before a step needs it");

                Indicator indicator = components.Indicators!.Block(Hash, IndicatorSource.Detection, null, "test", "policy");

                Assert.True(File.Exists(store));
                Assert.Equal(IndicatorSource.Detection, indicator.Source);
                Assert.Empty(components.Quarantine!.List());
                Assert.True(Directory.Exists(Path.Combine(home, QuarantineVault.FolderName)));
            }

            using IndicatorStore reopened = IndicatorStore.OpenReadOnly(store);
            Assert.Equal(Hash, Assert.Single(reopened.List()).Value);
        }

        [Fact]
        public void ForThisMachine_StoreCannotBeOpened_TheStepThrowsTheStoreError_AndALaterStepTriesAgain()
        {
            string store = _temp.Combine("store.db");
            File.WriteAllText(store, new string('x', 4096));
            using ResponseComponents components = ResponseComponents.ForThisMachine(_temp.Combine("home"), store);

            var error = Assert.Throws<BehaviorBlockingException>(() => components.Indicators!.Block(Hash, IndicatorSource.Manual, null, null, "alice"));
            Assert.StartsWith("Store", error.ErrorId, StringComparison.Ordinal);
            Assert.Throws<BehaviorBlockingException>(() => components.Remediator!.List());

            File.Delete(store);
            Assert.Equal(Hash, components.Indicators!.Block(Hash, IndicatorSource.Manual, null, null, "alice").Value);
        }
    }
}
