using System.IO;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Engine.Service;
using BehaviorBlocking.Tests.TestSupport;
using Xunit;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>Which program the service manager starts: the apphost, or the dotnet host with the assembly.</summary>
    public sealed class ServiceLauncherTests : System.IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string File(string name)
        {
            string path = _temp.Combine(name);
            System.IO.File.WriteAllText(path, "x");
            return path;
        }

        [Fact]
        public void Resolve_Apphost_RunsItAlone()
        {
            string apphost = File("behaviorblock");
            ServiceLauncher launcher = ServiceLauncher.Resolve(null, apphost, _temp.Combine("behaviorblock.dll"));
            Assert.Equal(apphost, launcher.Executable);
            Assert.Empty(launcher.LeadingArguments);
        }

        [Fact]
        public void Resolve_DotnetHost_RunsHostWithAssembly()
        {
            string host = File("dotnet");
            string dll = File("behaviorblock.dll");
            ServiceLauncher launcher = ServiceLauncher.Resolve(null, host, dll);
            Assert.Equal(host, launcher.Executable);
            Assert.Equal(new[] { dll }, launcher.LeadingArguments);
        }

        [Fact]
        public void Resolve_ExecOverride_WinsOverProcess()
        {
            string exec = File("my behaviorblock");
            ServiceLauncher launcher = ServiceLauncher.Resolve(exec, File("dotnet"), File("behaviorblock.dll"));
            Assert.Equal(exec, launcher.Executable);
            Assert.Empty(launcher.LeadingArguments);
        }

        [Fact]
        public void Resolve_ExecOverrideDll_RunsThroughThisHostOrDotnetHostPath()
        {
            string dll = File("behaviorblock.dll");
            string host = File("dotnet");
            Assert.Equal(host, ServiceLauncher.Resolve(dll, host, null).Executable);
            Assert.Equal(new[] { dll }, ServiceLauncher.Resolve(dll, File("behaviorblock"), null, dotnetHostPath: host).LeadingArguments);

            var ex = Assert.Throws<BehaviorBlockingException>(() => ServiceLauncher.Resolve(dll, File("apphost"), null, dotnetHostPath: null));
            Assert.Equal(ErrorIds.ServiceExecutableNotFound, ex.ErrorId);
        }

        [Theory]
        [InlineData("relative/behaviorblock")]
        [InlineData("/no/such/folder/behaviorblock")]
        public void Resolve_ExecMissingOrRelative_FailsNamingIt(string exec)
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => ServiceLauncher.Resolve(exec, File("behaviorblock"), null));
            Assert.Equal(ErrorIds.ServiceExecutableNotFound, ex.ErrorId);
            Assert.Contains(exec, ex.Message, System.StringComparison.Ordinal);
        }

        [Fact]
        public void Resolve_NoProcessPath_FailsAskingForExec()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => ServiceLauncher.Resolve(null, null, null));
            Assert.Contains("--exec", ex.Message, System.StringComparison.Ordinal);
        }
    }
}
