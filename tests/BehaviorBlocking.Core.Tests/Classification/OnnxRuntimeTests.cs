using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Internal;
using Microsoft.ML.OnnxRuntime;

namespace BehaviorBlocking.Tests.Classification
{
    /// <summary>The runtime of the Microsoft.ML.OnnxRuntime package, found beside the Core assembly.</summary>
    public class OnnxRuntimeTests
    {
        [Fact]
        public void LibraryPath_TestOutput_IsTheLibraryUnderTheCoreFoldersRuntimes()
        {
            string expected = Path.Combine(EngineLocations.NativeDirectory(EngineLocations.CurrentRid()!), OnnxRuntimeLocator.Library.LibraryFileName);

            string? loaded = OnnxRuntime.LibraryPath;

            Assert.Equal(NativeLibraryMechanism.Resolver, OnnxRuntimeLocator.Library.Mechanism);
            Assert.Equal(expected, loaded);
            Assert.Equal(OnnxRuntime.NativeDirectory, Path.GetDirectoryName(loaded));
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                Assert.Contains(expected, File.ReadAllText("/proc/self/maps"), StringComparison.Ordinal);
            }
        }

        [Fact]
        public void Version_Loaded_IsThePackagesRuntime()
        {
            Assert.StartsWith("1.31.", OnnxRuntime.Version, StringComparison.Ordinal);
            Assert.Equal(OnnxRuntime.Version, OnnxRuntime.EnsureAvailable());
        }

        [Fact]
        public void ImportName_IsTheNameTheOrtAssemblyImports()
        {
            Type nativeMethods = typeof(OrtEnv).Assembly.GetType("Microsoft.ML.OnnxRuntime.NativeMethods", throwOnError: true)!;
            MethodInfo apiBase = nativeMethods.GetMethod("OrtGetApiBase", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!;

            DllImportAttribute import = apiBase.GetCustomAttribute<DllImportAttribute>()!;

            Assert.Equal(OnnxRuntimeLocator.ImportName, import.Value);
        }

        [Fact]
        public void LibraryFileName_ThisPlatform_IsTheFileThePackageShips()
        {
            string expected = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "onnxruntime.dll"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libonnxruntime.dylib"
                : "libonnxruntime.so";

            Assert.Equal(expected, OnnxRuntimeLocator.Library.LibraryFileName);
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", EngineLocations.CurrentRid()!, "native", expected)));
        }

        [Fact]
        public void Unavailable_StaticConstructorFailedOnMissingLibrary_NamesTheFolderAndTheReason()
        {
            var failure = new TypeInitializationException(
                "Microsoft.ML.OnnxRuntime.NativeMethods",
                new DllNotFoundException("Unable to load shared library 'onnxruntime'"));

            BehaviorBlockingException error = OnnxRuntime.Unavailable(failure);

            Assert.Equal(OnnxRuntime.UnavailableErrorId, error.ErrorId);
            Assert.Equal(FailureKind.Unavailable, error.Kind);
            Assert.Contains(OnnxRuntime.NativeDirectory, error.Message, StringComparison.Ordinal);
            Assert.Contains("DllNotFoundException: Unable to load shared library 'onnxruntime'", error.Message, StringComparison.Ordinal);
            Assert.Equal(OnnxRuntime.NativeDirectory, error.Target);
            Assert.Same(failure, error.InnerException);
        }

        [Fact]
        public void IsLoadFailure_LoaderAndOrtErrors_AreLoadFailuresAndOthersAreNot()
        {
            Exception[] loadFailures =
            {
                new DllNotFoundException(),
                new EntryPointNotFoundException(),
                new BadImageFormatException(),
                new TypeInitializationException("T", null),
            };

            Assert.All(loadFailures, e => Assert.True(OnnxRuntime.IsLoadFailure(e), e.GetType().Name));
            Assert.False(OnnxRuntime.IsLoadFailure(new InvalidOperationException()));
            Assert.False(OnnxRuntime.IsLoadFailure(new IOException()));
        }

        [Fact]
        public void ErrorIds_AreListedInTheErrorsHelp()
        {
            string help = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "about", "about_BehaviorBlocking_Errors.md"));

            foreach (string id in new[] { OnnxRuntime.UnavailableErrorId, OnnxModel.InvalidErrorId, OnnxTreeClassifier.NotFoundErrorId })
            {
                Assert.Contains("`" + id + "`", help, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("fetch.sh", help, StringComparison.Ordinal);
        }
    }
}
