using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Features;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Classification
{
    public class OnnxModelTests
    {
        private const float Tolerance = 1e-5f;

        [Fact]
        public void LoadModel_TinyClassifier_ReportsNamesAndShape()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();

            Assert.Equal("tiny-classifier.onnx", model.Name);
            Assert.Equal(new[] { "features" }, model.InputNames);
            Assert.Equal(new[] { "label", "probabilities" }, model.OutputNames);
            Assert.Equal(new long[] { -1, 4 }, model.InputShape);
            Assert.Equal(4, model.FeatureCount);
            Assert.Equal(3, model.ClassCount);
            Assert.Equal("label", model.LabelOutputName);
            Assert.Equal("probabilities", model.ProbabilityOutputName);
        }

        [Fact]
        public void Run_EachExpectedRow_MatchesHandComputedLabelAndProbabilities()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            ExpectedRows expected = OrtTestRuntime.LoadExpected();

            for (int row = 0; row < expected.Rows; row++)
            {
                ClassifierOutput output = model.Run(expected.Row(row), 1);

                Assert.Equal(1, output.Rows);
                Assert.Equal(expected.ClassCount, output.ClassCount);
                Assert.Equal(expected.Labels[row], output.Label(0));
                for (int c = 0; c < expected.ClassCount; c++)
                {
                    Assert.Equal(expected.Probabilities[(row * expected.ClassCount) + c], output.Probability(0, c), Tolerance);
                }
            }
        }

        [Fact]
        public void Run_BatchOfRows_MatchesHandComputedResults()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            ExpectedRows expected = OrtTestRuntime.LoadExpected();

            ClassifierOutput output = model.Run(expected.Features, expected.Rows);

            AssertMatches(expected, output);
        }

        [Fact]
        public void Run_BufferLongerThanRows_UsesOnlyTheLeadingRows()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            ExpectedRows expected = OrtTestRuntime.LoadExpected();

            ClassifierOutput output = model.Run(expected.Features, 2);

            Assert.Equal(2, output.Rows);
            Assert.Equal(expected.Labels[0], output.Label(0));
            Assert.Equal(expected.Labels[1], output.Label(1));
        }

        [Fact]
        public async Task Run_ConcurrentThreads_GiveIdenticalResults()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            ExpectedRows expected = OrtTestRuntime.LoadExpected();
            const int Threads = 4;
            const int RunsPerThread = 200;
            using var start = new Barrier(Threads);
            var workers = new Task[Threads];
            for (int t = 0; t < Threads; t++)
            {
                workers[t] = Task.Factory.StartNew(
                    () =>
                    {
                        start.SignalAndWait();
                        for (int i = 0; i < RunsPerThread; i++)
                        {
                            AssertMatches(expected, model.Run(expected.Features, expected.Rows));
                        }
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
            }

            await Task.WhenAll(workers);
        }

        [Fact]
        public void RunOne_EachExpectedRow_MatchesHandComputedLabelAndProbabilities()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            ExpectedRows expected = OrtTestRuntime.LoadExpected();
            var probabilities = new float[expected.ClassCount];

            for (int row = 0; row < expected.Rows; row++)
            {
                long label = model.RunOne(expected.Row(row), probabilities);

                Assert.Equal(expected.Labels[row], label);
                for (int c = 0; c < expected.ClassCount; c++)
                {
                    Assert.Equal(expected.Probabilities[(row * expected.ClassCount) + c], probabilities[c], Tolerance);
                }
            }
        }

        [Fact]
        public async Task RunOne_ConcurrentThreads_GiveEachThreadItsOwnRowsResult()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            ExpectedRows expected = OrtTestRuntime.LoadExpected();
            const int Threads = 4;
            const int RunsPerThread = 300;
            using var start = new Barrier(Threads);
            var workers = new Task[Threads];
            for (int t = 0; t < Threads; t++)
            {
                int row = t % expected.Rows;
                workers[t] = Task.Factory.StartNew(
                    () =>
                    {
                        float[] features = expected.Row(row);
                        var probabilities = new float[expected.ClassCount];
                        start.SignalAndWait();
                        for (int i = 0; i < RunsPerThread; i++)
                        {
                            Assert.Equal(expected.Labels[row], model.RunOne(features, probabilities));
                            Assert.Equal(expected.Probabilities[row * expected.ClassCount], probabilities[0], Tolerance);
                        }
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
            }

            await Task.WhenAll(workers);
        }

        [Fact]
        public void RunOne_ShortBuffers_ThrowArgumentException()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();

            Assert.Throws<ArgumentException>(() => model.RunOne(new float[3], new float[3]));
            Assert.Throws<ArgumentException>(() => model.RunOne(new float[4], new float[2]));
        }

        [Fact]
        public void RunOne_AfterDispose_ThrowsObjectDisposed()
        {
            OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            model.Dispose();
            model.Dispose();

            Assert.Throws<ObjectDisposedException>(() => model.RunOne(new float[4], new float[3]));
        }

        [Fact]
        public void LoadModel_CorruptFile_ThrowsModelInvalidNamingIt()
        {
            byte[] corrupt = File.ReadAllBytes(Path.Combine(OrtTestRuntime.ModelsFolder, "tiny-classifier.onnx"));
            Array.Resize(ref corrupt, corrupt.Length / 3);
            for (int i = 0; i < corrupt.Length; i += 7)
            {
                corrupt[i] = 0xFF;
            }

            var error = Assert.Throws<BehaviorBlockingException>(() => OnnxRuntime.LoadModel(corrupt, "corrupt-model.onnx"));

            Assert.Equal(OnnxModel.InvalidErrorId, error.ErrorId);
            Assert.Equal(FailureKind.InvalidData, error.Kind);
            Assert.Contains("corrupt-model.onnx", error.Message, StringComparison.Ordinal);
            Assert.Contains("ErrorCode", error.Message, StringComparison.Ordinal);
            Assert.Equal("corrupt-model.onnx", error.Target);
        }

        [Fact]
        public void LoadModel_ProbabilitiesThroughZipMap_ThrowsModelInvalidNamingZipMap()
        {
            byte[] model = File.ReadAllBytes(Path.Combine(OrtTestRuntime.ModelsFolder, "tiny-classifier-zipmap.onnx"));

            var error = Assert.Throws<BehaviorBlockingException>(() => OnnxRuntime.LoadModel(model, "tiny-classifier-zipmap.onnx"));

            Assert.Equal(OnnxModel.InvalidErrorId, error.ErrorId);
            Assert.Contains("ZipMap", error.Message, StringComparison.Ordinal);
            Assert.Contains("'probabilities'", error.Message, StringComparison.Ordinal);
            Assert.Contains("tiny-classifier-zipmap.onnx", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Run_FewerValuesThanRowsNeed_ThrowsArgumentOutOfRange()
        {
            using OnnxModel model = OrtTestRuntime.LoadTinyClassifier();

            Assert.Throws<ArgumentOutOfRangeException>(() => model.Run(new float[7], 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Run(new float[4], 0));
        }

        [Fact]
        public void Run_AfterDispose_ThrowsObjectDisposed()
        {
            OnnxModel model = OrtTestRuntime.LoadTinyClassifier();
            model.Dispose();

            Assert.Throws<ObjectDisposedException>(() => model.Run(new float[4], 1));
        }

        [Fact]
        public void RunOne_RunPastItsTimeLimit_IsStoppedAndTheNextRunOfTheSameBuffersSucceeds()
        {
            byte[] looping = OnnxTestModels.Looping(FeatureSchema.Count, 3);
            using OnnxModel model = OnnxRuntime.LoadModel(looping, "looping.onnx", TimeSpan.FromMilliseconds(150));
            var hang = new float[FeatureSchema.Count];
            hang[5] = 1e12f;
            var probabilities = new float[3];

            // The input makes the loop run for about 1e12 iterations: only the watchdog ends the call at all.
            var ex = Assert.Throws<BehaviorBlockingException>(() => model.RunOne(hang, probabilities));

            Assert.Equal(OnnxModel.InvalidErrorId, ex.ErrorId);
            Assert.Contains("A run of the model 'looping.onnx' took longer than its limit of 0.15 s and was stopped", ex.Message);
            Assert.Equal(TimeSpan.FromMilliseconds(150), model.RunTimeout);

            // The stop flag is cleared: the next run on the same bound buffers answers (sigmoid(0) = 0.5).
            model.RunOne(new float[FeatureSchema.Count], probabilities);
            Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, probabilities);
        }

        [Fact]
        public void Run_BatchPastItsTimeLimit_IsStoppedAndTheNextBatchSucceeds()
        {
            using OnnxModel model = OnnxRuntime.LoadModel(OnnxTestModels.Looping(FeatureSchema.Count, 3), "looping.onnx", TimeSpan.FromMilliseconds(150));
            var rows = new float[2 * FeatureSchema.Count];
            rows[FeatureSchema.Count + 1] = -1e12f;

            var ex = Assert.Throws<BehaviorBlockingException>(() => model.Run(rows, 2));

            Assert.Contains("took longer than its limit", ex.Message);
            ClassifierOutput output = model.Run(new float[2 * FeatureSchema.Count], 2);
            Assert.Equal(0.5f, output.Probability(1, 2));
        }

        [Fact]
        public void LoadModel_TimeLimitNotPositive_IsRefusedAndInfiniteIsAccepted()
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(OrtTestRuntime.ModelsFolder, "tiny-classifier.onnx"));

            Assert.Throws<ArgumentOutOfRangeException>(() => OnnxRuntime.LoadModel(bytes, "tiny.onnx", TimeSpan.Zero));
            using OnnxModel unlimited = OnnxRuntime.LoadModel(bytes, "tiny.onnx", Timeout.InfiniteTimeSpan);
            Assert.Equal(OrtTestRuntime.LoadExpected().Labels[0], unlimited.RunOne(OrtTestRuntime.LoadExpected().Row(0), new float[3]));
        }

        private static void AssertMatches(ExpectedRows expected, ClassifierOutput output)
        {
            Assert.Equal(expected.Rows, output.Rows);
            Assert.Equal(expected.ClassCount, output.ClassCount);
            var probabilities = new float[expected.ClassCount];
            for (int row = 0; row < expected.Rows; row++)
            {
                Assert.Equal(expected.Labels[row], output.Label(row));
                output.CopyProbabilities(row, probabilities);
                for (int c = 0; c < expected.ClassCount; c++)
                {
                    Assert.Equal(expected.Probabilities[(row * expected.ClassCount) + c], probabilities[c], Tolerance);
                }
            }
        }
    }
}
