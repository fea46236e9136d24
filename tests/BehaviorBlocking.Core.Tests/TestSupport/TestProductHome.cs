using System;
using System.IO;
using System.Runtime.CompilerServices;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>
    /// Points BEHAVIORBLOCKING_HOME at a folder of this test process before any test runs, so no test
    /// can write into the machine's real product folder (as root that is /var/lib/behaviorblocking)
    /// by leaving a store, policy or quarantine path at its default.
    /// </summary>
    internal static class TestProductHome
    {
        /// <summary>The folder every test sees as the product folder unless it sets its own.</summary>
        internal static string Folder { get; private set; } = string.Empty;

        [ModuleInitializer]
        internal static void Initialize()
        {
            string? given = Environment.GetEnvironmentVariable(ProductHome.EnvironmentVariable);
            if (!string.IsNullOrEmpty(given))
            {
                Folder = given;
                return;
            }

            Folder = Path.Combine(Path.GetTempPath(), "behaviorblocking-tests-home-" + Environment.ProcessId);
            Environment.SetEnvironmentVariable(ProductHome.EnvironmentVariable, Folder);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    if (Directory.Exists(Folder))
                    {
                        Directory.Delete(Folder, recursive: true);
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            };
        }
    }

    /// <summary>
    /// Tests that set or clear BEHAVIORBLOCKING_HOME. The variable is process-wide, so they run alone,
    /// after the parallel tests, never beside a test that reads it. Each puts back what it found.
    /// </summary>
    [Xunit.CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ProductHomeCollection
    {
        /// <summary>The collection's name.</summary>
        public const string Name = "product home (environment variable)";
    }
}
