using System.Linq;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class GetBlockingExclusionCommandTests
    {
        [Fact]
        public void GetBlockingExclusion_DefaultPolicy_WritesNothing()
        {
            using var session = new ModuleSession();

            Assert.Empty(session.Invoke("Get-BlockingExclusion"));
        }

        [Fact]
        public void GetBlockingExclusion_ActiveAndIndex_FilterTheExclusions()
        {
            using var session = new ModuleSession();
            session.Invoke("Add-BlockingExclusion -Image '/opt/a/*' -Justification a; "
                + "Add-BlockingExclusion -User 'svc*' -Expires ([DateTimeOffset]'2020-01-01Z') -Justification b; "
                + "Add-BlockingExclusion -RuleId 'r-*' -Justification c");

            var active = session.Invoke<BlockingExclusion>("Get-BlockingExclusion -Active");
            var second = session.Invoke<BlockingExclusion>("Get-BlockingExclusion -Index 1");

            Assert.Equal(new[] { 0, 2 }, active.Select(e => e.Index));
            BlockingExclusion expired = Assert.Single(second);
            Assert.False(expired.Active);
            Assert.Equal("b", expired.Justification);
            Assert.Equal(ExclusionField.User, Assert.Single(expired.Conditions).Field);
        }
    }
}
