using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class GetBlockingPolicyHistoryCommandTests
    {
        [Fact]
        public void GetBlockingPolicyHistory_NothingInstalled_WritesNothing()
        {
            using var session = new ModuleSession();

            Assert.Empty(session.Invoke("Get-BlockingPolicyHistory"));
            Assert.Empty(session.Errors);
        }

        [Fact]
        public void GetBlockingPolicyHistory_TwoChanges_ListsThemOldestFirstAndLastOneGivesTheNewest()
        {
            using var session = new ModuleSession();
            session.Invoke("Set-BlockingPolicy -Version v1; Set-BlockingPolicy -Mode Off");

            var all = session.Invoke<PolicyChange>("Get-BlockingPolicyHistory");
            var last = session.Invoke<PolicyChange>("Get-BlockingPolicyHistory -Last 1");

            Assert.Equal(new long[] { 1, 2 }, new[] { all[0].Sequence, all[1].Sequence });
            Assert.Equal(new[] { "version: default -> v1" }, all[0].Changes);
            Assert.Equal(all[0].Sha256, all[1].PreviousSha256);
            Assert.Equal(new[] { "mode: Audit -> Off" }, Assert.Single(last).Changes);
        }
    }
}
