using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Tests.Verdicts;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>The facade: where rules and models are found, and what happens when the model cannot be used.</summary>
    public sealed class BehaviorEngineTests : IDisposable
    {
        private const string SmallRule =
            "title: Encoded PowerShell\nid: enc\nstatus: experimental\nlevel: medium\ntags:\n  - attack.execution\n" +
            "logsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel\n" +
            "behaviorblocking:\n  variant: EncodedPs\n";

        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose()
        {
            _kit.Dispose();
            _temp.Dispose();
        }

        /// <summary>The model the build copies beside the test binaries (models/ of the test output).</summary>
        internal static string ShippedModel
        {
            get
            {
                string path = Path.Combine(AppContext.BaseDirectory, "models", EngineLocations.ModelFileName);
                Assert.True(File.Exists(path) && File.Exists(ModelManifest.PathFor(path)), "the shipped model and its manifest are not in the test output: " + path);
                return path;
            }
        }

        private EngineOptions RulesOnly(string? modelPath) => new EngineOptions
        {
            BuiltInRules = false,
            RuleDirectories = new[] { _kit.Write("enc.yml", SmallRule).Folder },
            UseModel = modelPath is not null,
            ModelPath = modelPath,
        };

        private List<Detection> Scan(BehaviorEngine engine)
        {
            var detections = new List<Detection>();
            EngineRun run = engine.CreateRun(detections.Add);
            run.Pipeline.Process(_kit.Start(1, 100, @"C:\Office\winword.exe", "winword.exe", 10, SysmonEvents.Explorer));
            run.Pipeline.Process(_kit.Start(2, 200, @"C:\x\powershell.exe", "powershell -enc AAAA", 100, @"C:\Office\winword.exe"));
            run.Pipeline.EndRecording();
            return detections;
        }

        [Fact]
        public void Locations_InProcess_ResolveBesideTheCoreAssembly()
        {
            string core = Path.GetDirectoryName(typeof(EngineLocations).Assembly.Location)!;

            Assert.Equal(core, EngineLocations.CoreDirectory);
            Assert.Equal(Path.Combine(core, "rules"), EngineLocations.BuiltInRulesDirectory);
            Assert.Equal(Path.Combine(core, "models", "behavior.onnx"), EngineLocations.BuiltInModelPath);
            Assert.Equal(Path.Combine(core, "runtimes", "linux-x64", "native"), EngineLocations.NativeDirectory("linux-x64"));
        }

        [Fact]
        public void Locations_CoreLoadedFromAnotherFolder_ResolveIntoThatFolderNotTheProcessBase()
        {
            string folder = _temp.Combine("module");
            CopyCoreWithDependencies(folder);
            Directory.CreateDirectory(Path.Combine(folder, "rules"));
            File.WriteAllText(Path.Combine(folder, "rules", "enc.yml"), SmallRule);
            Directory.CreateDirectory(Path.Combine(folder, "models"));
            string models = Path.Combine(AppContext.BaseDirectory, "models");
            if (Directory.Exists(models))
            {
                foreach (string file in Directory.GetFiles(models, "behavior.*"))
                {
                    File.Copy(file, Path.Combine(folder, "models", Path.GetFileName(file)));
                }
            }

            var context = new FolderLoadContext(folder, isCollectible: true);
            try
            {
                Assembly core = context.LoadCore();
                Assert.NotSame(typeof(EngineLocations).Assembly, core);
                Type locations = core.GetType("BehaviorBlocking.Engine.EngineLocations", throwOnError: true)!;
                string Read(string property) => (string)locations.GetProperty(property)!.GetValue(null)!;

                string coreDirectory = Read(nameof(EngineLocations.CoreDirectory));
                string rules = Read(nameof(EngineLocations.BuiltInRulesDirectory));
                string model = Read(nameof(EngineLocations.BuiltInModelPath));

                Assert.Equal(folder, coreDirectory);
                Assert.NotEqual(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(coreDirectory));
                Assert.Equal(Path.Combine(folder, "rules"), rules);
                Assert.Equal(Path.Combine(folder, "models", "behavior.onnx"), model);

                // The copy's engine loads the copy's rule pack: one rule, not the test output's hundreds.
                Type optionsType = core.GetType("BehaviorBlocking.Engine.EngineOptions", throwOnError: true)!;
                object options = Activator.CreateInstance(optionsType)!;
                optionsType.GetProperty(nameof(EngineOptions.UseModel))!.SetValue(options, false);
                Type engineType = core.GetType("BehaviorBlocking.Engine.BehaviorEngine", throwOnError: true)!;
                object engine = engineType.GetMethod(nameof(BehaviorEngine.Create))!.Invoke(null, new[] { options })!;
                try
                {
                    object ruleSet = engineType.GetProperty(nameof(BehaviorEngine.Rules))!.GetValue(engine)!;
                    var loaded = (ICollection)ruleSet.GetType().GetProperty("Rules")!.GetValue(ruleSet)!;
                    Assert.Single(loaded);
                }
                finally
                {
                    ((IDisposable)engine).Dispose();
                }
            }
            finally
            {
                context.Unload();
            }
        }

        [Fact]
        public void Create_DefaultOptionsWithoutModel_LoadsTheBuiltInPack()
        {
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { UseModel = false });

            Assert.True(engine.Rules.Rules.Count > 200, "built-in rules loaded: " + engine.Rules.Rules.Count);
            Assert.Null(engine.Classifier);
            Assert.Null(engine.ModelPath);
            Assert.Empty(engine.Warnings);
        }

        [Fact]
        public void Create_MissingModel_WarnsModelNotFoundAndRunsWithRulesAlone()
        {
            string missing = _temp.Combine("nowhere", "behavior.onnx");

            using BehaviorEngine engine = BehaviorEngine.Create(RulesOnly(missing));

            EngineWarning warning = Assert.Single(engine.Warnings);
            Assert.Equal(ErrorIds.ModelNotFound, warning.ErrorId);
            Assert.Equal(missing, warning.Target);
            Assert.Contains("rules alone", warning.Message);
            Assert.Null(engine.Classifier);
            Assert.Null(engine.ModelPath);
            Assert.Single(engine.Rules.Rules);
            Assert.Equal("Behavior:Win32/Execution.EncodedPs!rule", Assert.Single(Scan(engine)).Name);
        }

        [Fact]
        public void Create_CorruptModel_WarnsAndRunsWithRulesAlone()
        {
            string corrupt = _temp.Combine("corrupt", "behavior.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(corrupt)!);
            var bytes = new byte[4096];
            new Random(7).NextBytes(bytes);
            File.WriteAllBytes(corrupt, bytes);
            File.Copy(ModelManifest.PathFor(ShippedModel), ModelManifest.PathFor(corrupt));

            using BehaviorEngine engine = BehaviorEngine.Create(RulesOnly(corrupt));

            EngineWarning warning = Assert.Single(engine.Warnings);
            Assert.Equal(ErrorIds.ModelInvalid, warning.ErrorId);
            Assert.Equal(corrupt, warning.Target);
            Assert.Null(engine.Classifier);
            Assert.Single(Scan(engine));
        }

        [Fact]
        public void Create_ShippedModel_LoadsTheClassifier()
        {
            string model = ShippedModel;

            using BehaviorEngine engine = BehaviorEngine.Create(RulesOnly(model));

            Assert.True(engine.Warnings.Count == 0, string.Join("; ", engine.Warnings));
            Assert.NotNull(engine.Classifier);
            Assert.Equal(model, engine.ModelPath);
            Assert.NotNull(engine.CreateRun(_ => { }).Features);
        }

        [Fact]
        public void Create_UnloadableRule_WarnsRuleSkippedAndLoadsTheRest()
        {
            _kit.Write("broken.yml", "title: broken\nid: broken\ndetection: [unclosed\n");

            using BehaviorEngine engine = BehaviorEngine.Create(RulesOnly(null));

            EngineWarning warning = Assert.Single(engine.Warnings);
            Assert.Equal(ErrorIds.RuleSkipped, warning.ErrorId);
            Assert.EndsWith("broken.yml", warning.Target);
            Assert.Single(engine.Rules.Rules);
        }

        /// <summary>Copies BehaviorBlocking.Core.dll and the assemblies it needs (transitively) from the test output into <paramref name="folder"/>.</summary>
        private static void CopyCoreWithDependencies(string folder)
        {
            Directory.CreateDirectory(folder);
            var pending = new Queue<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var copied = new List<string>();
            pending.Enqueue("BehaviorBlocking.Core");
            while (pending.Count > 0)
            {
                string name = pending.Dequeue();
                string source = Path.Combine(AppContext.BaseDirectory, name + ".dll");
                if (!seen.Add(name) || !File.Exists(source))
                {
                    // Framework assemblies are not in the output; the load context falls back to the default one for them.
                    continue;
                }

                copied.Add(name);
                File.Copy(source, Path.Combine(folder, name + ".dll"));
                using var stream = File.OpenRead(source);
                using var pe = new PEReader(stream);
                MetadataReader metadata = pe.GetMetadataReader();
                foreach (AssemblyReferenceHandle handle in metadata.AssemblyReferences)
                {
                    pending.Enqueue(metadata.GetString(metadata.GetAssemblyReference(handle).Name));
                }
            }

            Assert.Contains("YamlDotNet", copied);
        }
    }
}
