using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using BehaviorBlocking.Tests.Verdicts;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>Installing a model is all or nothing: whatever fails, the installed pair still loads and scans as before.</summary>
    public sealed class ModelInstallerTests : IDisposable
    {
        private const string SmallRule =
            "title: Encoded PowerShell\nid: enc\nstatus: experimental\nlevel: medium\ntags:\n  - attack.execution\n" +
            "logsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel\n" +
            "behaviorblocking:\n  variant: EncodedPs\n";

        private readonly TempDirectory _temp = new TempDirectory();
        private readonly RuleTestKit _kit = new RuleTestKit();

        public ModelInstallerTests() => _kit.Write("enc.yml", SmallRule);

        public void Dispose()
        {
            _kit.Dispose();
            _temp.Dispose();
        }

        public static IEnumerable<object[]> FailingSteps()
        {
            foreach (ModelInstaller.Step step in new[] { ModelInstaller.Step.StageModel, ModelInstaller.Step.NameModel, ModelInstaller.Step.StageManifest, ModelInstaller.Step.VerifyStaged, ModelInstaller.Step.Commit })
            {
                yield return new object[] { step.ToString(), "io" };
                yield return new object[] { step.ToString(), "denied" };
            }
        }

        private string Target => _temp.Combine("home", "models", "behavior.json");

        private string Folder => Path.GetDirectoryName(Target)!;

        /// <summary>A good model (Execution at <paramref name="execution"/> for every tree) with its manifest, in a folder of its own.</summary>
        private string Good(string name, float execution) =>
            OnnxTestModels.WriteWithManifest(_temp.Combine("source", name), OnnxTestModels.GoodStump(execution), "good-" + name);

        private string Bad(string name, byte[] model, Action<JsonObject>? edit = null) =>
            OnnxTestModels.WriteWithManifest(_temp.Combine("source", name), model, "bad-" + name, edit);

        /// <summary>Scans two trees with the model at <paramref name="modelPath"/>; the detection records, as JSON.</summary>
        private List<string> Scan(string modelPath)
        {
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { BuiltInRules = false, RuleDirectories = new[] { _kit.Folder }, ModelPath = modelPath });
            Assert.True(engine.Warnings.Count == 0, string.Join("; ", engine.Warnings));
            var detections = new List<Detection>();
            EngineRun run = engine.CreateRun(detections.Add);

            // A fresh kit numbers the records the same way every scan.
            using var events = new RuleTestKit();
            run.Pipeline.Process(events.Start(1, 100, @"C:\Office\winword.exe", "winword.exe", 10, SysmonEvents.Explorer));
            run.Pipeline.Process(events.Start(2, 200, @"C:\x\powershell.exe", "powershell -enc AAAA", 100, @"C:\Office\winword.exe"));
            run.Pipeline.Process(events.Start(3, 300, @"C:\x\powershell.exe", "powershell -enc BBBB", 20, SysmonEvents.Explorer));
            run.Pipeline.EndRecording();
            Assert.NotEmpty(detections);
            return detections.Select(DetectionJson.Serialize).ToList();
        }

        /// <summary>Every file of the models folder but the install lock, with its bytes.</summary>
        private Dictionary<string, byte[]> Snapshot() => Directory.GetFileSystemEntries(Folder)
            .Where(p => Path.GetFileName(p) != ".install.lock")
            .ToDictionary(p => Path.GetFileName(p), p => File.Exists(p) ? File.ReadAllBytes(p) : Array.Empty<byte>(), StringComparer.Ordinal);

        private static string ModelFileOf(string source) => "behavior-" + ModelManifest.Read(ModelManifest.PathFor(source)).Sha256.Substring(0, 16) + ".onnx";

        private static void AssertSame(Dictionary<string, byte[]> before, Dictionary<string, byte[]> after)
        {
            Assert.Equal(before.Keys.OrderBy(k => k, StringComparer.Ordinal), after.Keys.OrderBy(k => k, StringComparer.Ordinal));
            foreach (KeyValuePair<string, byte[]> file in before)
            {
                Assert.True(file.Value.AsSpan().SequenceEqual(after[file.Key]), file.Key + " changed");
            }
        }

        [Fact]
        public void Install_GoodModel_CommitsAManifestNamingTheModelFileBesideIt()
        {
            string source = Good("a", 0.8f);

            string installed = ModelInstaller.Install(source, Target);

            Assert.Equal(Target, installed);
            string modelFile = ModelFileOf(source);
            Assert.Equal(new[] { ".install.lock", "behavior.json", modelFile }.OrderBy(n => n, StringComparer.Ordinal), Directory.GetFiles(Folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(Path.Combine(Folder, modelFile)));
            JsonObject written = JsonNode.Parse(File.ReadAllText(Target))!.AsObject();
            JsonObject original = JsonNode.Parse(File.ReadAllText(ModelManifest.PathFor(source)))!.AsObject();
            Assert.Equal(modelFile, (string?)written["model"]);
            written.Remove("model");
            Assert.True(JsonNode.DeepEquals(original, written), "the installed manifest differs from the source's beyond the model key");
            using OnnxTreeClassifier loaded = BehaviorEngine.LoadModel(Target);
            Assert.Equal("good-a", loaded.Version);
            Assert.Equal(Path.Combine(Folder, modelFile), loaded.Path);
            Assert.Equal(Scan(source), Scan(Target));
        }

        [Fact]
        public void Install_ShippedModel_FreshAndOverAnUnreadableOldPair_Loads()
        {
            string source = BehaviorEngineTests.ShippedModel;
            string fresh = _temp.Combine("fresh", "models", "behavior.onnx");
            Directory.CreateDirectory(Folder);
            File.WriteAllText(Path.Combine(Folder, "behavior.onnx"), "old model");
            File.WriteAllText(Target, "old manifest");

            foreach (string target in new[] { fresh, Path.Combine(Folder, "behavior.onnx") })
            {
                string installed = ModelInstaller.Install(source, target);

                Assert.Equal(ModelManifest.PathFor(target), installed);
                string folder = Path.GetDirectoryName(target)!;
                Assert.Equal(new[] { ".install.lock", "behavior.json", ModelFileOf(source) }.OrderBy(n => n, StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
                using OnnxTreeClassifier loaded = BehaviorEngine.LoadModel(installed);
                Assert.Equal(FeatureSchema.Version, loaded.FeatureSchemaVersion);
            }
        }

        [Fact]
        public void Install_OverAWorkingOldPair_KeepsItAsThePreviousModelUntilTheNextInstall()
        {
            string old = Good("old", 0.6f);
            Directory.CreateDirectory(Folder);
            File.Copy(old, Path.Combine(Folder, "behavior.onnx"));
            File.Copy(ModelManifest.PathFor(old), Target);
            string a = Good("a", 0.8f);
            string b = Good("b", 0.7f);

            ModelInstaller.Install(a, Target);
            Assert.True(File.Exists(Path.Combine(Folder, "behavior.onnx")), "the previous model went at once");
            ModelInstaller.Install(b, Target);

            Assert.Equal(new[] { ".install.lock", "behavior.json", ModelFileOf(a), ModelFileOf(b) }.OrderBy(n => n, StringComparer.Ordinal),
                Directory.GetFiles(Folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(Scan(b), Scan(Target));
        }

        [Theory]
        [MemberData(nameof(FailingSteps))]
        public void Install_FailureAtAStep_LeavesTheInstalledModelLoadingAndScanningIdentically(string failing, string kind)
        {
            ModelInstaller.Install(Good("installed", 0.8f), Target);
            List<string> before = Scan(Target);
            Dictionary<string, byte[]> files = Snapshot();
            var step = Enum.Parse<ModelInstaller.Step>(failing);

            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(Good("next", 0.7f), Target, s =>
            {
                if (s == step)
                {
                    throw kind == "io" ? new IOException("disk full (injected)") : new UnauthorizedAccessException("read-only folder (injected)");
                }
            }));

            Assert.Equal(ErrorIds.ModelInstallFailed, ex.ErrorId);
            Assert.Equal(FailureKind.AccessDenied, ex.Kind);
            Assert.Contains(Target, ex.Message);
            Assert.Contains("(injected)", ex.Message);
            Assert.Contains("the installed model is unchanged", ex.Message);
            AssertSame(files, Snapshot());
            Assert.Equal(before, Scan(Target));
        }

        [Fact]
        public void Install_FailureWhileCleaningUp_StillInstallsTheNewModel()
        {
            ModelInstaller.Install(Good("installed", 0.8f), Target);
            string next = Good("next", 0.7f);

            ModelInstaller.Install(next, Target, s =>
            {
                if (s == ModelInstaller.Step.CleanUp)
                {
                    throw new IOException("busy (injected)");
                }
            });

            Assert.Equal(Scan(next), Scan(Target));
        }

        [Fact]
        public void Install_ModelFailingProbes_IsRefusedAndTheInstalledModelIsUnchanged()
        {
            ModelInstaller.Install(Good("installed", 0.8f), Target);
            List<string> before = Scan(Target);
            Dictionary<string, byte[]> files = Snapshot();
            int processes = FeatureSchema.IndexOf("processes");
            float[] benign = OnnxTestModels.Weights("Benign", 0.9f);

            foreach ((string name, float value, string message) in new[] { ("nan", float.NaN, "probability NaN"), ("above-one", 5f, "probability 5;") })
            {
                string bad = Bad(name, OnnxTestModels.Stump(FeatureSchema.Count, processes, 0.5f, benign, OnnxTestModels.Weights("Execution", value)));

                var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(bad, Target));

                Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
                Assert.Contains("probe row", ex.Message);
                Assert.Contains(message, ex.Message);
                AssertSame(files, Snapshot());
                Assert.Equal(before, Scan(Target));
            }
        }

        [Fact]
        public void Install_ManifestFailingValidation_IsRefusedAndTheInstalledModelIsUnchanged()
        {
            ModelInstaller.Install(Good("installed", 0.8f), Target);
            List<string> before = Scan(Target);
            Dictionary<string, byte[]> files = Snapshot();
            byte[] model = OnnxTestModels.GoodStump(0.7f);

            foreach ((Action<JsonObject> edit, string message) in new (Action<JsonObject>, string)[]
            {
                (m => m["sha256"] = new string('0', 64), "SHA-256"),
                (m => m["featureSchema"] = 999, "feature schema 999"),
                (m => m["classes"]!.AsArray().RemoveAt(8), "gives 9 classes; its manifest says 79 and 8"),
                (m => m.Remove("version"), "not valid"),
            })
            {
                string bad = Bad("manifest-" + Guid.NewGuid().ToString("N"), model, edit);

                var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(bad, Target));

                Assert.Equal(ErrorIds.ModelInvalid, ex.ErrorId);
                Assert.Contains(message, ex.Message);
                AssertSame(files, Snapshot());
                Assert.Equal(before, Scan(Target));
            }
        }

        [Fact]
        public void Install_ModelsFolderIsAFile_FailsNamingItAndChangesNothing()
        {
            Directory.CreateDirectory(_temp.Combine("home"));
            File.WriteAllText(Folder, "not a folder");
            string source = Good("a", 0.8f);

            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(source, Target));
            var deeper = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(source, Path.Combine(Folder, "more", "behavior.json")));

            Assert.Equal(ErrorIds.ModelInstallFailed, ex.ErrorId);
            Assert.Equal($"cannot install the model at '{Target}': '{Folder}' is a file, not a folder; move it away or point BEHAVIORBLOCKING_HOME elsewhere", ex.Message);
            Assert.Equal(Folder, ex.Target);
            Assert.Equal(ErrorIds.ModelInstallFailed, deeper.ErrorId);
            Assert.Contains($"'{Folder}' is a file", deeper.Message);
            Assert.Equal("not a folder", File.ReadAllText(Folder));
        }

        [Fact]
        public void Install_InstalledManifestPathIsAFolder_FailsAtTheCommitAndLeavesNothingBehind()
        {
            Directory.CreateDirectory(Target);

            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(Good("a", 0.8f), Target));

            Assert.Equal(ErrorIds.ModelInstallFailed, ex.ErrorId);
            Assert.Equal(new[] { ".install.lock", "behavior.json" }, Directory.GetFileSystemEntries(Folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Empty(Directory.GetFileSystemEntries(Target));
        }

        [Fact]
        public void Install_AnotherInstallRunning_FailsClearlyAndChangesNothing()
        {
            ModelInstaller.Install(Good("installed", 0.8f), Target);
            Dictionary<string, byte[]> files = Snapshot();

            using (new FileStream(Path.Combine(Folder, ".install.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(Good("next", 0.7f), Target));

                Assert.Equal(ErrorIds.ModelInstallFailed, ex.ErrorId);
                Assert.Contains("is another install into", ex.Message);
            }

            AssertSame(files, Snapshot());
        }

        [Fact]
        public void Install_WhileAnotherThreadLoadsTheInstalledModel_EveryLoadSeesAMatchingPair()
        {
            string a = Good("a", 0.8f);
            string b = Good("b", 0.7f);
            ModelInstaller.Install(a, Target);
            var failures = new List<string>();
            int loads = 0;
            using var stop = new ManualResetEventSlim();
            var reader = new Thread(() =>
            {
                while (!stop.IsSet || loads == 0)
                {
                    try
                    {
                        using OnnxTreeClassifier loaded = OnnxTreeClassifier.Load(Target);
                        loads++;
                    }
                    catch (BehaviorBlockingException ex)
                    {
                        lock (failures)
                        {
                            failures.Add(ex.Message);
                        }
                    }
                }
            });
            reader.Start();

            for (int i = 0; i < 20; i++)
            {
                ModelInstaller.Install(i % 2 == 0 ? b : a, Target);
            }

            stop.Set();
            reader.Join();
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
            Assert.True(loads > 0);
            Assert.Equal(Scan(a), Scan(Target));
        }

        [Fact]
        public void Install_FromAnInstalledManifest_InstallsTheModelItNames()
        {
            string a = Good("a", 0.8f);
            ModelInstaller.Install(a, Target);
            string other = _temp.Combine("other", "models", "behavior.json");

            ModelInstaller.Install(Target, other);

            Assert.Equal(Scan(a), Scan(other));
        }

        [Fact]
        public void Install_InvalidModel_ThrowsAndChangesNothingAtTheTarget()
        {
            string bad = _temp.Combine("bad", "behavior.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(bad)!);
            File.WriteAllBytes(bad, new byte[] { 1, 2, 3, 4 });
            File.Copy(ModelManifest.PathFor(BehaviorEngineTests.ShippedModel), ModelManifest.PathFor(bad));
            Directory.CreateDirectory(Folder);
            File.WriteAllText(Path.Combine(Folder, "behavior.onnx"), "old model");
            File.WriteAllText(Target, "old manifest");
            string fresh = _temp.Combine("fresh", "models", "behavior.onnx");

            var overExisting = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(bad, Target));
            var intoNothing = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(bad, fresh));

            Assert.Equal(ErrorIds.ModelInvalid, overExisting.ErrorId);
            Assert.Equal(ErrorIds.ModelInvalid, intoNothing.ErrorId);
            Assert.Equal("old model", File.ReadAllText(Path.Combine(Folder, "behavior.onnx")));
            Assert.Equal("old manifest", File.ReadAllText(Target));
            Assert.Equal(new[] { "behavior.json", "behavior.onnx" }, Directory.GetFiles(Folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
            Assert.False(Directory.Exists(Path.GetDirectoryName(fresh)), "a refused install created the target folder");
        }

        [Fact]
        public void Install_MissingModel_ThrowsModelNotFound()
        {
            var ex = Assert.Throws<BehaviorBlockingException>(() => ModelInstaller.Install(_temp.Combine("none.onnx"), Target));

            Assert.Equal(ErrorIds.ModelNotFound, ex.ErrorId);
            Assert.False(Directory.Exists(_temp.Combine("home")));
        }
    }
}
