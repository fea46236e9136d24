using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class RemoveBlockingExclusionCommandTests
    {
        private const string ThreeExclusions = "Add-BlockingExclusion -Image '/a' -Justification a; "
            + "Add-BlockingExclusion -Image '/b' -Expires ([DateTimeOffset]'2020-01-01Z') -Justification b; "
            + "Add-BlockingExclusion -Image '/c' -Expires ([DateTimeOffset]'2020-01-01Z') -Justification c";

        [Fact]
        public void RemoveBlockingExclusion_SeveralFromThePipeline_RemovesThoseAndRecordsOneChange()
        {
            using var session = new ModuleSession();
            session.Invoke(ThreeExclusions);

            session.Invoke("Get-BlockingExclusion | Where-Object Active -EQ $false | Remove-BlockingExclusion");

            BlockingExclusion kept = Assert.Single(session.Invoke<BlockingExclusion>("Get-BlockingExclusion"));
            Assert.Equal("a", kept.Justification);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Path.Combine(session.Home, ProductHome.StoreFileName));
            Assert.Equal(4, history.List().Count);
        }

        [Fact]
        public void RemoveBlockingExclusion_MissingIndex_WritesPolicyExclusionNotFoundAndRemovesTheOthers()
        {
            using var session = new ModuleSession();
            session.Invoke(ThreeExclusions);

            session.Invoke("Remove-BlockingExclusion -Index 7, 0");

            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("PolicyExclusionNotFound,BehaviorBlocking.Commands.RemoveBlockingExclusionCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(7, error.TargetObject);
            Assert.Equal(new[] { "b", "c" }, session.Invoke<BlockingExclusion>("Get-BlockingExclusion").Select(e => e.Justification));
        }

        [Fact]
        public void RemoveBlockingExclusion_WhatIf_LeavesTheFileByteIdentical()
        {
            using var session = new ModuleSession();
            session.Invoke(ThreeExclusions);
            string path = Path.Combine(session.Home, PolicyFile.FileName);
            byte[] before = File.ReadAllBytes(path);

            session.Invoke("Get-BlockingExclusion | Remove-BlockingExclusion -WhatIf");

            Assert.Equal(before, File.ReadAllBytes(path));
        }
    }
}
