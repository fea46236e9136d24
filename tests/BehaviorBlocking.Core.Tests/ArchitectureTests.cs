using System.Linq;
using System.Reflection;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Tests
{
    public class ArchitectureTests
    {
        private static readonly Assembly Core = typeof(BehaviorEvent).Assembly;

        [Fact]
        public void Core_DoesNotReferencePowerShell()
        {
            Assert.DoesNotContain(Core.GetReferencedAssemblies(), a => a.Name == "System.Management.Automation");
        }

        [Fact]
        public void Core_DoesNotReferenceLabOrCommandLineCode()
        {
            string[] references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
            Assert.DoesNotContain("BehaviorBlocking.Lab", references);
            Assert.DoesNotContain("behaviorblock", references);
            Assert.DoesNotContain("BehaviorBlocking.Bench", references);
        }

        [Fact]
        public void ModuleProject_DoesNotReferenceLabCode()
        {
            string project = System.IO.File.ReadAllText(System.IO.Path.Combine(TestPaths.RepositoryRoot, "src", "BehaviorBlocking", "BehaviorBlocking.csproj"));
            Assert.DoesNotContain("BehaviorBlocking.Lab", project);
            Assert.DoesNotContain("BehaviorBlocking.Bench", project);
            Assert.DoesNotContain("BehaviorBlocking.Cli", project);
        }

        [Fact]
        public void Core_WindowsEventMappingLivesBesideTheWindowsSensors()
        {
            // Each platform's mapping lives beside its sensors: Linux* mappers in Sensors.Linux, the rest in Sensors.Windows.
            Assert.All(Core.GetTypes().Where(t => t.Name.EndsWith("EventMapper", System.StringComparison.Ordinal) || t.Name == "WindowsEventNormalizer"),
                t => Assert.Equal(t.Name.StartsWith("Linux", System.StringComparison.Ordinal) ? "BehaviorBlocking.Sensors.Linux" : "BehaviorBlocking.Sensors.Windows", t.Namespace));
        }

        [Fact]
        public void Core_TargetsNetStandard20ForWindowsPowerShell()
        {
            var framework = Core.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>();
            Assert.Equal(".NETStandard,Version=v2.0", framework?.FrameworkName);
        }

        [Fact]
        public void Core_ErrorIdsArePascalCaseAndDocumented()
        {
            string doc = System.IO.File.ReadAllText(System.IO.Path.Combine(TestPaths.RepositoryRoot, "docs", "about", "about_BehaviorBlocking_Errors.md"));
            string[] ids = Core.GetTypes()
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.NonPublic))
                .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("ErrorId", System.StringComparison.Ordinal))
                .Select(f => (string)f.GetRawConstantValue()!)
                .Distinct()
                .ToArray();

            Assert.NotEmpty(ids);
            foreach (string id in ids)
            {
                Assert.Matches("^[A-Z][A-Za-z0-9]+$", id);
                Assert.Contains("`" + id + "`", doc);
            }
        }
    }

    internal static class TestPaths
    {
        /// <summary>The repository root, found upwards from the test binaries by BehaviorBlocking.sln.</summary>
        public static string RepositoryRoot
        {
            get
            {
                string? dir = System.AppContext.BaseDirectory;
                while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir, "BehaviorBlocking.sln")))
                {
                    dir = System.IO.Path.GetDirectoryName(dir);
                }

                return dir ?? throw new System.InvalidOperationException("BehaviorBlocking.sln not found above " + System.AppContext.BaseDirectory);
            }
        }
    }
}
