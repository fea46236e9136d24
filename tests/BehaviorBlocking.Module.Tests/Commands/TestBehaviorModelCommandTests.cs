using System.IO;
using System.Linq;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class TestBehaviorModelCommandTests
    {
        [Fact]
        public void TestBehaviorModel_GoodModel_PassesEveryCheck()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "candidates"));
            ModelVerification result = Assert.Single(session.Invoke<ModelVerification>("Test-BehaviorModel $p", ("p", good)));
            Assert.True(result.Passed);
            Assert.Equal(ModelInspector.CheckNames, result.Checks.Select(c => c.Name));
            Assert.All(result.Checks, c => Assert.Equal(ModelCheckOutcome.Passed, c.Outcome));
            Assert.Null(result.FirstFailure);
        }

        [Fact]
        public void TestBehaviorModel_CorruptModel_FailsTheHashCheckAndSkipsTheRest()
        {
            using var session = new ModuleSession();
            string corrupt = ModelCopies.Corrupt(Path.Combine(session.Home, "candidates"));
            ModelVerification result = Assert.Single(session.Invoke<ModelVerification>("Get-Item $p | Test-BehaviorModel", ("p", corrupt)));
            Assert.False(result.Passed);
            ModelCheck failed = result.FirstFailure!;
            Assert.Equal("Sha256", failed.Name);
            Assert.Equal(ErrorIds.ModelInvalid, failed.ErrorId);
            Assert.Contains("altered or corrupt", failed.Message);
            Assert.Equal(new[] { ModelCheckOutcome.Skipped, ModelCheckOutcome.Skipped }, result.Checks.Skip(3).Select(c => c.Outcome));
            Assert.Empty(session.Errors);
        }

        [Fact]
        public void TestBehaviorModel_BrokenManifest_FailsTheManifestCheck()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "candidates"));
            File.WriteAllText(Path.ChangeExtension(good, ".json"), "{ not json");
            ModelVerification result = Assert.Single(session.Invoke<ModelVerification>("Test-BehaviorModel $p", ("p", good)));
            Assert.Equal("Manifest", result.FirstFailure!.Name);
            Assert.Equal(ErrorIds.ModelInvalid, result.FirstFailure.ErrorId);
        }

        [Fact]
        public void TestBehaviorModel_Quiet_WritesOneBooleanPerPath()
        {
            using var session = new ModuleSession();
            string good = ModelCopies.Good(Path.Combine(session.Home, "good"));
            string missing = Path.Combine(session.Home, "missing.onnx");
            var results = session.Invoke<bool>("Test-BehaviorModel $g, $m -Quiet", ("g", good), ("m", missing));
            Assert.Equal(new[] { true, false }, results);
            Assert.Empty(session.Errors);
        }
    }
}
