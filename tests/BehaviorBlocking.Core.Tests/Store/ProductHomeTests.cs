using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Store
{
    [Collection(ProductHomeCollection.Name)]
    public class ProductHomeTests
    {
        private static readonly Func<Environment.SpecialFolder, string> s_folders = folder => folder switch
        {
            Environment.SpecialFolder.CommonApplicationData => @"C:\ProgramData",
            Environment.SpecialFolder.LocalApplicationData => "/home/alice/.local/share",
            _ => string.Empty,
        };

        [Theory]
        [InlineData(true, false)]
        [InlineData(false, true)]
        [InlineData(false, false)]
        public void Resolve_EnvironmentOverride_Wins(bool isWindows, bool isElevated)
        {
            using var temp = new TempDirectory();
            string home = temp.Combine("home");

            string resolved = ProductHome.Resolve(Variables(home), isWindows, isElevated, s_folders);

            Assert.Equal(Path.GetFullPath(home), resolved);
        }

        [Fact]
        public void Resolve_RelativeOverride_BecomesFullPath()
        {
            string resolved = ProductHome.Resolve(Variables("relative-home"), false, false, s_folders);

            Assert.Equal(Path.GetFullPath("relative-home"), resolved);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void Resolve_OverrideUnsetOrBlank_FallsBackToPlatformDefault(string? value)
        {
            string resolved = ProductHome.Resolve(Variables(value), false, false, s_folders);

            Assert.Equal(Path.Combine("/home/alice/.local/share", "BehaviorBlocking"), resolved);
        }

        [Fact]
        public void Resolve_Windows_UsesProgramData()
        {
            string resolved = ProductHome.Resolve(Variables(null), true, false, s_folders);

            Assert.Equal(Path.Combine(@"C:\ProgramData", "BehaviorBlocking"), resolved);
        }

        [Fact]
        public void Resolve_UnixAsRoot_UsesVarLib()
        {
            string resolved = ProductHome.Resolve(Variables(null), false, true, s_folders);

            Assert.Equal("/var/lib/behaviorblocking", resolved);
        }

        [Fact]
        public void Resolve_UnixAsUser_UsesLocalApplicationData()
        {
            string resolved = ProductHome.Resolve(Variables(null), false, false, s_folders);

            Assert.Equal(Path.Combine("/home/alice/.local/share", "BehaviorBlocking"), resolved);
        }

        [Fact]
        public void Resolve_NoFolderKnown_ThrowsProductHomeUnavailable()
        {
            var error = Assert.Throws<BehaviorBlockingException>(() => ProductHome.Resolve(Variables(null), false, false, _ => string.Empty));

            Assert.Equal("ProductHomeUnavailable", error.ErrorId);
            Assert.Equal(FailureKind.Unavailable, error.Kind);
            Assert.Contains(ProductHome.EnvironmentVariable, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Resolve_ThisMachine_MatchesPlatformAndEffectiveUser()
        {
            // Reads the real environment; tests that change the variable run alone (ProductHomeCollection).
            string? previous = Environment.GetEnvironmentVariable(ProductHome.EnvironmentVariable);
            try
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, null);
                string expected;
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "BehaviorBlocking");
                }
                else if (Environment.UserName == "root")
                {
                    expected = "/var/lib/behaviorblocking";
                }
                else
                {
                    expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "BehaviorBlocking");
                }

                Assert.Equal(expected, ProductHome.Resolve());
            }
            finally
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, previous);
            }
        }

        [Fact]
        public void DefaultStorePath_EnvironmentOverride_IsStoreFileInOverride()
        {
            using var temp = new TempDirectory();
            string? previous = Environment.GetEnvironmentVariable(ProductHome.EnvironmentVariable);
            try
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, temp.FullPath);

                Assert.Equal(temp.FullPath, ProductHome.Resolve());
                Assert.Equal(Path.Combine(temp.FullPath, "behaviorblocking.db"), ProductHome.DefaultStorePath);
            }
            finally
            {
                Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, previous);
            }
        }

        private static Func<string, string?> Variables(string? home)
        {
            var values = new Dictionary<string, string?>(StringComparer.Ordinal) { [ProductHome.EnvironmentVariable] = home };
            return name => values.TryGetValue(name, out string? value) ? value : null;
        }
    }
}
