using System;
using System.IO;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>The policy in force and the store's indicators as a scan takes them: problems handed back, never thrown.</summary>
    [Collection(ProductHomeCollection.Name)]
    public sealed class ScanPolicyTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string? _previousHome = Environment.GetEnvironmentVariable(ProductHome.EnvironmentVariable);

        public ScanPolicyTests() => Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, _temp.FullPath);

        public void Dispose()
        {
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, _previousHome ?? TestProductHome.Folder);
            _temp.Dispose();
        }

        [Fact]
        public void InForceOrDefault_NoPolicyFile_AuditWithoutProblem()
        {
            BlockingPolicy policy = ScanPolicy.InForceOrDefault(out BehaviorBlockingException? problem);

            Assert.Null(problem);
            Assert.Equal(PolicyMode.Audit, policy.Mode);
        }

        [Fact]
        public void InForceOrDefault_InvalidPolicyInForce_AuditAndTheProblemNamesTheFile()
        {
            string file = Path.Combine(_temp.FullPath, PolicyFile.FileName);
            File.WriteAllText(file, "{\"schemaVersion\": 1, \"mode\": \"Sometimes\"}");

            BlockingPolicy policy = ScanPolicy.InForceOrDefault(out BehaviorBlockingException? problem);

            Assert.Equal(PolicyMode.Audit, policy.Mode);
            Assert.NotNull(problem);
            Assert.Equal(ErrorIds.PolicyFileInvalid, problem!.ErrorId);
            Assert.Contains(file, problem.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void StoredIndicators_NoStore_NullWithoutProblemAndNoFileCreated()
        {
            string store = Path.Combine(_temp.FullPath, "none.db");

            Assert.Null(ScanPolicy.StoredIndicators(store, out BehaviorBlockingException? problem));
            Assert.Null(problem);
            Assert.False(File.Exists(store));
        }

        [Fact]
        public void StoredIndicators_FileThatIsNoStore_NullWithTheProblem()
        {
            string store = Path.Combine(_temp.FullPath, "junk.db");
            File.WriteAllText(store, "not a database, not even close to one; long enough to be read as a header........");

            Assert.Null(ScanPolicy.StoredIndicators(store, out BehaviorBlockingException? problem));
            Assert.NotNull(problem);
            Assert.Contains(store, problem!.Message, StringComparison.Ordinal);
        }
    }
}
