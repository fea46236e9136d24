using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class AddBlockingExclusionCommandTests
    {
        [Fact]
        public void AddBlockingExclusion_Conditions_AppendsTheExclusionAndRecordsIt()
        {
            using var session = new ModuleSession();

            var added = session.Invoke<BlockingExclusion>("Add-BlockingExclusion -Image '/opt/tools/*' -ComputerName 'LAB-*' -Justification 'lab tools' -PassThru");

            BlockingExclusion exclusion = Assert.Single(added);
            Assert.Equal(0, exclusion.Index);
            Assert.Equal("image /opt/tools/* and host LAB-*", exclusion.Condition);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Path.Combine(session.Home, ProductHome.StoreFileName));
            Assert.Equal(new[] { "exclusions[0] added (image /opt/tools/* and host LAB-*: lab tools)" }, Assert.Single(history.List()).Changes);
        }

        [Fact]
        public void AddBlockingExclusion_HashFromThePipeline_BindsByPropertyName()
        {
            using var session = new ModuleSession();

            session.Invoke("[pscustomobject]@{ Hash = ('ab' * 32) } | Add-BlockingExclusion -Justification vendor");

            Assert.Equal(string.Concat(Enumerable.Repeat("AB", 32)), PolicyFile.Load(Path.Combine(session.Home, PolicyFile.FileName)).Document.Exclusions[0].Conditions[0].Value);
        }

        [Fact]
        public void AddBlockingExclusion_NoConditionOrBadHash_IsPolicyFileInvalidAndTheFileStaysByteIdentical()
        {
            using var session = new ModuleSession();
            session.Invoke("Add-BlockingExclusion -Image '/opt/a' -Justification a");
            string path = Path.Combine(session.Home, PolicyFile.FileName);
            byte[] before = File.ReadAllBytes(path);

            ErrorRecord none = session.Fails("$ErrorActionPreference = 'Stop'; Add-BlockingExclusion -Justification nothing");
            ErrorRecord badHash = session.Fails("$ErrorActionPreference = 'Stop'; Add-BlockingExclusion -Sha256 xyz -Justification bad");

            Assert.Equal("PolicyFileInvalid,BehaviorBlocking.Commands.AddBlockingExclusionCommand", none.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, badHash.CategoryInfo.Category);
            Assert.Contains("$.exclusions[1].sha256", badHash.Exception.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
        }

        [Fact]
        public void AddBlockingExclusion_WhatIf_ChangesNothing()
        {
            using var session = new ModuleSession();

            session.Invoke("Add-BlockingExclusion -Image '/opt/a' -Justification a -WhatIf");

            Assert.False(File.Exists(Path.Combine(session.Home, PolicyFile.FileName)));
        }
    }
}
