using System;
using System.IO;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Classification
{
    public class OnnxRuntimeTests
    {
        [Fact]
        public void Load_MissingLibraryPath_ThrowsModelRuntimeUnavailableNamingPath()
        {
            using var temp = new TempDirectory();
            string missing = temp.Combine("nowhere", "libonnxruntime.so.1");

            var error = Assert.Throws<BehaviorBlockingException>(() => OnnxRuntime.Load(missing));

            Assert.Equal(OnnxRuntime.UnavailableErrorId, error.ErrorId);
            Assert.Equal(FailureKind.Unavailable, error.Kind);
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Load_FolderWithoutLibrary_NamesEveryPathTried()
        {
            using var temp = new TempDirectory();

            var error = Assert.Throws<BehaviorBlockingException>(() => OnnxRuntime.Load(temp.FullPath));

            Assert.Equal(OnnxRuntime.UnavailableErrorId, error.ErrorId);
            foreach (string candidate in OnnxRuntime.CandidatePaths(temp.FullPath, AppContext.BaseDirectory))
            {
                Assert.Contains(candidate, error.Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void Load_FileThatIsNotALibrary_ThrowsModelRuntimeUnavailableWithLoaderReason()
        {
            using var temp = new TempDirectory();
            string fake = temp.Combine("libonnxruntime.so.1");
            File.WriteAllText(fake, "not a shared library");

            var error = Assert.Throws<BehaviorBlockingException>(() => OnnxRuntime.Load(fake));

            Assert.Equal(OnnxRuntime.UnavailableErrorId, error.ErrorId);
            Assert.Contains(fake + ": ", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(fake + ": not found", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void CandidatePaths_NoExplicitPath_RuntimesFolderComesBeforeAssemblyFolder()
        {
            string baseDirectory = Path.GetFullPath("app");

            var paths = OnnxRuntime.CandidatePaths(null, baseDirectory);

            string runtimes = Path.Combine(baseDirectory, "runtimes", OnnxRuntime.CurrentRid()!, "native");
            Assert.StartsWith(runtimes, paths[0], StringComparison.Ordinal);
            Assert.Equal(baseDirectory, Path.GetDirectoryName(paths[paths.Count - 1]));
        }

        [Fact]
        public void Load_DefaultPlaces_FindsTheFetchedLibraryUnderRuntimes()
        {
            OnnxRuntime runtime = OrtTestRuntime.Load();

            string expectedFolder = Path.Combine(AppContext.BaseDirectory, "runtimes", OnnxRuntime.CurrentRid()!, "native");
            Assert.Equal(expectedFolder, Path.GetDirectoryName(runtime.LibraryPath));
            Assert.StartsWith("1.", runtime.Version, StringComparison.Ordinal);
            Assert.Same(runtime, OnnxRuntime.Load());
        }
    }
}
