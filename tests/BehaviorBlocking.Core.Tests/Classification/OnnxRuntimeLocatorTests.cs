using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Classification
{
    /// <summary>
    /// The module's situation, in-process: BehaviorBlocking.Core.dll and the netstandard2.0 build of
    /// Microsoft.ML.OnnxRuntime.dll in a folder of their own with the native library under
    /// runtimes/&lt;rid&gt;/native/, loaded into an AssemblyLoadContext of their own, in a host whose
    /// deps.json knows nothing of that folder (as inside pwsh). Without the locator the native would
    /// come from the host's probing (this test host's own copy), never from that folder.
    /// </summary>
    public sealed class OnnxRuntimeLocatorTests : IDisposable
    {
        private static readonly string ModelPath = Path.Combine(TestPaths.RepositoryRoot, "module", "models", "behavior.onnx");
        private readonly TempDirectory _module = new TempDirectory();

        public void Dispose() => _module.Dispose();

        [Fact]
        public void Load_CoreInAModuleFolder_LoadsTheNativeFromThatFoldersRuntimes()
        {
            string native = LayOutModule(corruptNative: false);
            Assembly core = LoadIsolated();

            object classifier = Invoke(core, "BehaviorBlocking.Classification.OnnxTreeClassifier", "Load", ModelPath);
            int classes = ((System.Collections.Generic.IReadOnlyList<string>)classifier.GetType().GetProperty("Classes")!.GetValue(classifier)!).Count;
            var probabilities = new float[classes];
            classifier.GetType().GetMethod("Predict")!.Invoke(classifier, new object[] { new float[FeatureSchema.Count], probabilities });
            string? loaded = (string?)core.GetType("BehaviorBlocking.Classification.OnnxRuntime", throwOnError: true)!
                .GetProperty("LibraryPath")!.GetValue(null);
            ((IDisposable)classifier).Dispose();

            Assert.Equal(native, loaded);
            Assert.InRange(Sum(probabilities), 0.999f, 1.001f);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                Assert.Contains(native, File.ReadAllText("/proc/self/maps"), StringComparison.Ordinal);
            }
        }

        [Fact]
        public void Load_ModuleFolderWithABrokenNative_ThrowsModelRuntimeUnavailableNamingTheFolder()
        {
            string native = LayOutModule(corruptNative: true);
            Assembly core = LoadIsolated();

            var error = Assert.Throws<TargetInvocationException>(() => Invoke(core, "BehaviorBlocking.Classification.OnnxTreeClassifier", "Load", ModelPath));

            Exception inner = error.InnerException!;
            Assert.Equal("BehaviorBlocking.BehaviorBlockingException", inner.GetType().FullName);
            Assert.Equal(OnnxRuntime.UnavailableErrorId, inner.GetType().GetProperty("ErrorId")!.GetValue(inner));
            Assert.Equal("Unavailable", inner.GetType().GetProperty("Kind")!.GetValue(inner)!.ToString());
            Assert.Contains(Path.GetDirectoryName(native)!, inner.Message, StringComparison.Ordinal);
            Assert.Contains("DllNotFoundException", inner.Message, StringComparison.Ordinal);
        }

        /// <summary>Lays out the module folder; returns the full path of its native library.</summary>
        private string LayOutModule(bool corruptNative) =>
            ModuleLayout.LayOut(_module, "ort-netstandard2.0", new[] { "Microsoft.ML.OnnxRuntime.dll" }, OnnxRuntimeLocator.Library.LibraryFileName, corruptNative);

        private Assembly LoadIsolated() => new FolderLoadContext(_module.FullPath).LoadCore();

        private static object Invoke(Assembly core, string typeName, string method, params object[] arguments)
        {
            Type type = core.GetType(typeName, throwOnError: true)!;
            return type.GetMethod(method, BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null)!.Invoke(null, arguments)!;
        }

        private static float Sum(float[] values)
        {
            float sum = 0;
            foreach (float v in values)
            {
                sum += v;
            }

            return sum;
        }
    }
}
