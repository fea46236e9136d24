using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class TestBlockingPolicyCommandTests
    {
        [Fact]
        public void TestBlockingPolicy_InvalidFile_IsAResultWithTheProblemPositionNotAnError()
        {
            using var session = new ModuleSession();
            string bad = Path.Combine(session.Home, "bad.json");
            File.WriteAllText(bad, "{\"schemaVersion\": 1, \"version\": \"v9\", \"mode\": \"Blok\"}");

            PolicyValidation result = Assert.Single(session.Invoke<PolicyValidation>("Get-Item $bad | Test-BlockingPolicy", ("bad", bad)));

            Assert.False(result.IsValid);
            PolicyProblem problem = Assert.Single(result.Errors);
            Assert.Equal((1L, 47L, "$.mode"), (problem.Line, problem.Column, problem.Path));
            Assert.Empty(session.Errors);
        }

        [Fact]
        public void TestBlockingPolicy_Quiet_WritesOneBooleanPerFileAndFalseForAMissingOne()
        {
            using var session = new ModuleSession();
            string good = Path.Combine(session.Home, "good.json");
            File.WriteAllText(good, "{\"schemaVersion\": 1, \"version\": \"v1\", \"mode\": \"Audit\"}");

            var results = session.Invoke<bool>("Test-BlockingPolicy -Path $good, (Join-Path $home2 'none.json') -Quiet", ("good", good), ("home2", session.Home));

            Assert.Equal(new[] { true, false }, results);
        }

        [Fact]
        public void TestBlockingPolicy_MissingFile_WritesPolicyFileNotFoundAndChecksTheNext()
        {
            using var session = new ModuleSession();
            string good = Path.Combine(session.Home, "good.json");
            string missing = Path.Combine(session.Home, "none.json");
            File.WriteAllText(good, "{\"schemaVersion\": 1, \"version\": \"v1\", \"mode\": \"Audit\"}");

            var results = session.Invoke<PolicyValidation>("Test-BlockingPolicy $missing, $good", ("missing", missing), ("good", good));

            Assert.True(Assert.Single(results).IsValid);
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("PolicyFileNotFound,BehaviorBlocking.Commands.TestBlockingPolicyCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(missing, error.TargetObject);
        }
    }
}
