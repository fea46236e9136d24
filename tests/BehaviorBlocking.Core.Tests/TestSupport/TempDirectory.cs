using System;
using System.IO;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
    internal sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            FullPath = Path.Combine(Path.GetTempPath(), "behaviorblocking-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(FullPath);
        }

        public string FullPath { get; }

        public string Combine(params string[] parts)
        {
            string path = FullPath;
            foreach (string part in parts)
            {
                path = Path.Combine(path, part);
            }

            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(FullPath, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder must not fail a test.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
