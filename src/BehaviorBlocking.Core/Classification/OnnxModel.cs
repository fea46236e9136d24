using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// A classifier model loaded into one ONNX Runtime <see cref="InferenceSession"/>, created once and
    /// reused. The model takes one float tensor [rows, features] and returns a label tensor (int64
    /// [rows]) and a probability tensor (float [rows, classes]); a model whose probabilities pass
    /// through ZipMap (a sequence of maps) is refused, so export classifiers without ZipMap.
    /// </summary>
    /// <remarks>
    /// Thread safety: <see cref="Run"/> and <see cref="RunOne"/> may be called from any number of
    /// threads at once (ORT's Run is thread-safe on one session). <see cref="Dispose"/> may race with
    /// them: the session is released once the runs in flight have finished, and later runs throw
    /// ObjectDisposedException.
    /// Run time: a run that takes longer than <see cref="RunTimeout"/> is stopped by a watchdog (ORT's
    /// terminate flag) and fails with <c>ModelInvalid</c>, so a model that hangs cannot hang its caller.
    /// </remarks>
    public sealed class OnnxModel : IDisposable
    {
        /// <summary>Error id when ONNX Runtime refuses a model or the model is not a supported classifier.</summary>
        public const string InvalidErrorId = Engine.ErrorIds.ModelInvalid;

        // Bit of _state set by Dispose; the low bits count the runs in flight.
        private const int DisposedFlag = 1 << 30;

        private readonly InferenceSession _session;
        private readonly RunWatchdog _watchdog;
        private readonly string[] _inputName;
        private readonly string[] _outputNames;
        private int _state;

        // One set of bound buffers for single-row runs, taken and given back without a lock; a second
        // concurrent caller builds its own.
        private SingleRowRun? _spare;

        internal OnnxModel(byte[] model, string name, TimeSpan runTimeout)
        {
            if (runTimeout <= TimeSpan.Zero && runTimeout != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(runTimeout), "A run time limit is positive, or infinite.");
            }

            Name = name;
            RunTimeout = runTimeout;
            using (var options = new SessionOptions())
            {
                // One thread per run, nothing in parallel: the engine runs models from its own threads.
                options.IntraOpNumThreads = 1;
                options.InterOpNumThreads = 1;
                options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
                options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
                options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
                try
                {
                    _session = new InferenceSession(model, options);
                }
                catch (OnnxRuntimeException ex)
                {
                    throw OrtFailure("cannot use", ex);
                }
            }

            try
            {
                var input = DescribeInput();
                InputNames = new[] { input.Name };
                InputShape = input.Shape;
                FeatureCount = checked((int)input.Shape[input.Shape.Count - 1]);
                var outputs = DescribeOutputs();
                OutputNames = outputs.Names;
                LabelOutputName = outputs.Label;
                ProbabilityOutputName = outputs.Probability;
                ClassCount = outputs.ClassCount;
                _inputName = new[] { input.Name };
                _outputNames = new[] { LabelOutputName, ProbabilityOutputName };
                _watchdog = new RunWatchdog(runTimeout);
            }
            catch
            {
                _session.Dispose();
                throw;
            }

            try
            {
                _spare = ClassCount > 0 ? CreateSingleRowRun() : null;
            }
            catch
            {
                _watchdog.Dispose();
                _session.Dispose();
                throw;
            }
        }

        /// <summary>Time limit of the runs this model is given unless its loader says otherwise.</summary>
        public static TimeSpan DefaultRunTimeout { get; } = TimeSpan.FromSeconds(1);

        /// <summary>How errors name the model (as given when it was loaded).</summary>
        public string Name { get; }

        /// <summary>How long one run may take before it is stopped and fails (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).</summary>
        public TimeSpan RunTimeout { get; }

        /// <summary>The model's input names (a supported classifier has exactly one).</summary>
        public IReadOnlyList<string> InputNames { get; }

        /// <summary>Every output name of the model, in the model's order.</summary>
        public IReadOnlyList<string> OutputNames { get; }

        /// <summary>Shape of the input tensor as declared by the model; -1 marks a free dimension (usually rows).</summary>
        public IReadOnlyList<long> InputShape { get; }

        /// <summary>Number of features per row (the input's last dimension).</summary>
        public int FeatureCount { get; }

        /// <summary>Number of classes the probability output declares, or -1 when the model leaves it free.</summary>
        public int ClassCount { get; }

        /// <summary>Name of the int64 label output.</summary>
        public string LabelOutputName { get; }

        /// <summary>Name of the float probability output.</summary>
        public string ProbabilityOutputName { get; }

        /// <summary>
        /// Classifies <paramref name="rows"/> rows of <see cref="FeatureCount"/> features each, laid out
        /// row after row in <paramref name="features"/> (a longer buffer may be reused; its tail is ignored).
        /// </summary>
        /// <param name="features">Row-major features, at least rows × <see cref="FeatureCount"/> values.</param>
        /// <param name="rows">Number of rows to classify (at least 1).</param>
        /// <returns>The label and class probabilities of every row.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when ORT fails the run, the run passes <see cref="RunTimeout"/>, or it returns other than a label and probability tensor.</exception>
        /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
        public ClassifierOutput Run(float[] features, int rows)
        {
            if (features is null)
            {
                throw new ArgumentNullException(nameof(features));
            }

            if (rows < 1 || (long)rows * FeatureCount > features.Length)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(rows),
                    $"{rows} rows of {FeatureCount} features need {(long)rows * FeatureCount} values; {features.Length} were given.");
            }

            Enter();
            RunSlot? slot = null;
            bool timedOut = false;
            try
            {
                slot = _watchdog.Register(new RunSlot());
                using OrtValue input = OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance,
                    new Memory<float>(features, 0, rows * FeatureCount),
                    new long[] { rows, FeatureCount });
                IDisposableReadOnlyCollection<OrtValue> ran;
                slot.Begin();
                try
                {
                    ran = _session.Run(slot.Options, _inputName, new[] { input }, _outputNames);
                }
                finally
                {
                    timedOut = slot.End();
                }

                using IDisposableReadOnlyCollection<OrtValue> outputs = ran;
                ReadOnlySpan<long> labelData = ReadTensor<long>(outputs[0], TensorElementType.Int64, LabelOutputName, rows, out int labelColumns);
                if (labelColumns != 1)
                {
                    throw Invalid($"its label output '{LabelOutputName}' returned {labelColumns} values per row; expected 1");
                }

                long[] labels = labelData.ToArray();
                float[] probabilities = ReadTensor<float>(outputs[1], TensorElementType.Float, ProbabilityOutputName, rows, out int classes).ToArray();
                return new ClassifierOutput(labels, probabilities, classes);
            }
            catch (OnnxRuntimeException ex)
            {
                throw timedOut ? TimedOut(ex) : OrtFailure("failed a run of", ex);
            }
            finally
            {
                if (slot is not null)
                {
                    _watchdog.Unregister(slot);
                    slot.Dispose();
                }

                Exit();
            }
        }

        /// <summary>
        /// Classifies one row without allocating: the row is copied into an input buffer bound to the
        /// session once, and ORT writes the label and probabilities into bound output buffers.
        /// </summary>
        /// <param name="features">The row's features, at least <see cref="FeatureCount"/> values (a longer buffer's tail is ignored).</param>
        /// <param name="probabilities">Receives one probability per class (at least the class count long).</param>
        /// <returns>The label the model chose.</returns>
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when ORT fails the run or the run passes <see cref="RunTimeout"/>.</exception>
        /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
        public long RunOne(float[] features, float[] probabilities)
        {
            if (features is null)
            {
                throw new ArgumentNullException(nameof(features));
            }

            if (probabilities is null)
            {
                throw new ArgumentNullException(nameof(probabilities));
            }

            if (features.Length < FeatureCount)
            {
                throw new ArgumentException($"One row has {FeatureCount} features; {features.Length} were given.", nameof(features));
            }

            if (ClassCount < 0)
            {
                // Without a declared class count there is nothing to bind the output to ahead of time.
                ClassifierOutput output = Run(features, 1);
                output.CopyProbabilities(0, probabilities);
                return output.Label(0);
            }

            if (probabilities.Length < ClassCount)
            {
                throw new ArgumentException("The destination is shorter than the class count.", nameof(probabilities));
            }

            Enter();
            SingleRowRun? run = null;
            bool timedOut = false;
            try
            {
                run = Interlocked.Exchange(ref _spare, null) ?? CreateSingleRowRun();
                Array.Copy(features, run.Input, FeatureCount);
                run.Slot.Begin();
                try
                {
                    _session.RunWithBinding(run.Slot.Options, run.Binding);
                }
                finally
                {
                    timedOut = run.Slot.End();
                }

                Array.Copy(run.Probabilities, probabilities, ClassCount);
                return run.Label[0];
            }
            catch (OnnxRuntimeException ex)
            {
                throw timedOut ? TimedOut(ex) : OrtFailure("failed a run of", ex);
            }
            finally
            {
                if (run != null && Interlocked.CompareExchange(ref _spare, run, null) != null)
                {
                    run.Dispose();
                }

                Exit();
            }
        }

        /// <summary>Releases the session (after any run still in flight).</summary>
        public void Dispose()
        {
            int state;
            do
            {
                state = Volatile.Read(ref _state);
                if ((state & DisposedFlag) != 0)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _state, state | DisposedFlag, state) != state);

            if (state == 0)
            {
                Release();
            }
        }

        private void Enter()
        {
            while (true)
            {
                int state = Volatile.Read(ref _state);
                if ((state & DisposedFlag) != 0)
                {
                    throw new ObjectDisposedException(nameof(OnnxModel), $"The model '{Name}' was disposed.");
                }

                if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
                {
                    return;
                }
            }
        }

        private void Exit()
        {
            // The last run out of a disposed model releases it.
            if (Interlocked.Decrement(ref _state) == DisposedFlag)
            {
                Release();
            }
        }

        private void Release()
        {
            Interlocked.Exchange(ref _spare, null)?.Dispose();
            _watchdog.Dispose();
            _session.Dispose();
        }

        private SingleRowRun CreateSingleRowRun()
        {
            try
            {
                return new SingleRowRun(_session, _watchdog, _inputName[0], LabelOutputName, ProbabilityOutputName, FeatureCount, ClassCount);
            }
            catch (OnnxRuntimeException ex)
            {
                throw OrtFailure("cannot bind buffers for", ex);
            }
        }

        private (string Name, IReadOnlyList<long> Shape) DescribeInput()
        {
            IReadOnlyList<string> names = _session.InputNames;
            if (names.Count != 1)
            {
                throw Invalid($"it has {names.Count} inputs; a classifier takes one float tensor [rows, features]");
            }

            string name = names[0];
            NodeMetadata input = _session.InputMetadata[name];
            if (!input.IsTensor || input.ElementDataType != TensorElementType.Float || input.Dimensions.Length != 2 || input.Dimensions[1] < 1)
            {
                throw Invalid($"its input '{name}' is {Describe(input)}; a classifier takes one float tensor [rows, features]");
            }

            return (name, Shape(input));
        }

        private (IReadOnlyList<string> Names, string Label, string Probability, int ClassCount) DescribeOutputs()
        {
            IReadOnlyList<string> names = _session.OutputNames;
            string? label = null;
            string? probability = null;
            int classCount = -1;
            foreach (string name in names)
            {
                NodeMetadata output = _session.OutputMetadata[name];
                if (output.OnnxValueType == OnnxValueType.ONNX_TYPE_SEQUENCE || output.OnnxValueType == OnnxValueType.ONNX_TYPE_MAP)
                {
                    throw Invalid(
                        $"its output '{name}' is {Describe(output)} (a ZipMap); export the classifier without ZipMap so probabilities are a float tensor [rows, classes]");
                }

                if (output.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
                {
                    throw Invalid($"its output '{name}' is {Describe(output)}; expected tensors only");
                }

                if (label is null && output.ElementDataType == TensorElementType.Int64)
                {
                    label = name;
                }
                else if (probability is null && output.ElementDataType == TensorElementType.Float && output.Dimensions.Length == 2)
                {
                    probability = name;
                    classCount = output.Dimensions[1] > 0 ? output.Dimensions[1] : -1;
                }
            }

            if (label is null || probability is null)
            {
                throw Invalid(
                    $"it has no {(label is null ? "int64 label tensor" : "float probability tensor [rows, classes]")} among its outputs ({string.Join(", ", names)})");
            }

            return (names, label, probability, classCount);
        }

        /// <summary>Checks an output tensor's element type and row count; returns its data and values per row.</summary>
        private ReadOnlySpan<T> ReadTensor<T>(OrtValue value, TensorElementType elementType, string name, int rows, out int columns)
            where T : unmanaged
        {
            if (!value.IsTensor)
            {
                throw Invalid($"its output '{name}' returned a {value.OnnxType}, not a tensor");
            }

            OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
            long[] shape = info.Shape;
            long elements = info.ElementCount;
            if (info.ElementDataType != elementType || shape.Length == 0 || shape[0] != rows || elements % rows != 0)
            {
                throw Invalid($"its output '{name}' returned {TensorText(info.ElementDataType, shape)} for {rows} rows");
            }

            columns = checked((int)(elements / rows));
            return value.GetTensorDataAsSpan<T>();
        }

        private BehaviorBlockingException OrtFailure(string what, OnnxRuntimeException ex)
        {
            return new BehaviorBlockingException(
                InvalidErrorId,
                FailureKind.InvalidData,
                $"ONNX Runtime {what} the model '{Name}': {ex.Message}",
                ex)
            {
                Target = Name,
            };
        }

        private BehaviorBlockingException TimedOut(OnnxRuntimeException ex)
        {
            return new BehaviorBlockingException(
                InvalidErrorId,
                FailureKind.InvalidData,
                string.Format(CultureInfo.InvariantCulture, "A run of the model '{0}' took longer than its limit of {1:0.###} s and was stopped", Name, RunTimeout.TotalSeconds),
                ex)
            {
                Target = Name,
            };
        }

        private BehaviorBlockingException Invalid(string detail)
        {
            return new BehaviorBlockingException(
                InvalidErrorId,
                FailureKind.InvalidData,
                $"The model '{Name}' is not a supported classifier: {detail}.")
            {
                Target = Name,
            };
        }

        private static long[] Shape(NodeMetadata node)
        {
            var shape = new long[node.Dimensions.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                shape[i] = node.Dimensions[i] < 0 ? -1 : node.Dimensions[i];
            }

            return shape;
        }

        private static string Describe(NodeMetadata node)
        {
            switch (node.OnnxValueType)
            {
                case OnnxValueType.ONNX_TYPE_TENSOR: return TensorText(node.ElementDataType, Shape(node));
                case OnnxValueType.ONNX_TYPE_SEQUENCE: return "a sequence";
                case OnnxValueType.ONNX_TYPE_MAP: return "a map";
                default: return "a value of ONNX type " + node.OnnxValueType.ToString();
            }
        }

        private static string TensorText(TensorElementType elementType, long[] shape)
        {
            string element = elementType == TensorElementType.Float ? "float"
                : elementType == TensorElementType.Int64 ? "int64"
                : elementType.ToString().ToLowerInvariant();
            var dimensions = new string[shape.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                dimensions[i] = shape[i] < 0 ? "?" : shape[i].ToString(CultureInfo.InvariantCulture);
            }

            return $"a {element} tensor [{string.Join(", ", dimensions)}]";
        }

        /// <summary>
        /// Buffers of one single-row run, bound to the session once: ORT reads the input from
        /// <see cref="Input"/> and writes into <see cref="Label"/> and <see cref="Probabilities"/>.
        /// The arrays stay pinned while their tensors live.
        /// </summary>
        private sealed class SingleRowRun : IDisposable
        {
            private readonly RunWatchdog _watchdog;
            private readonly OrtValue _input;
            private readonly OrtValue _label;
            private readonly OrtValue _probabilities;

            public SingleRowRun(InferenceSession session, RunWatchdog watchdog, string inputName, string labelName, string probabilityName, int features, int classes)
            {
                _watchdog = watchdog;
                Input = new float[features];
                Label = new long[1];
                Probabilities = new float[classes];
                _input = OrtValue.CreateTensorValueFromMemory(Input, new long[] { 1, features });
                _label = OrtValue.CreateTensorValueFromMemory(Label, new long[] { 1 });
                _probabilities = OrtValue.CreateTensorValueFromMemory(Probabilities, new long[] { 1, classes });
                Binding = session.CreateIoBinding();
                Binding.BindInput(inputName, _input);
                Binding.BindOutput(labelName, _label);
                Binding.BindOutput(probabilityName, _probabilities);
                Slot = watchdog.Register(new RunSlot());
            }

            public RunSlot Slot { get; }

            public float[] Input { get; }

            public long[] Label { get; }

            public float[] Probabilities { get; }

            public OrtIoBinding Binding { get; }

            public void Dispose()
            {
                _watchdog.Unregister(Slot);
                Slot.Dispose();
                Binding.Dispose();
                _input.Dispose();
                _label.Dispose();
                _probabilities.Dispose();
            }
        }

        /// <summary>
        /// The run options of one run at a time, with when that run started, so the watchdog can stop it.
        /// A flag the watchdog set is cleared when the run ends, before the options are used again.
        /// </summary>
        private sealed class RunSlot : IDisposable
        {
            private readonly object _gate = new object();
            private long _started;
            private bool _stopped;

            public RunOptions Options { get; } = new RunOptions();

            public void Begin() => Interlocked.Exchange(ref _started, Math.Max(1, Stopwatch.GetTimestamp()));

            /// <summary>Marks the run over; true when the watchdog stopped it.</summary>
            public bool End()
            {
                lock (_gate)
                {
                    Interlocked.Exchange(ref _started, 0);
                    bool stopped = _stopped;
                    if (stopped)
                    {
                        Options.Terminate = false;
                        _stopped = false;
                    }

                    return stopped;
                }
            }

            /// <summary>Stops the run in this slot when it has been running longer than <paramref name="limit"/> timestamp ticks.</summary>
            public void StopIfOverdue(long now, long limit)
            {
                lock (_gate)
                {
                    long started = Interlocked.Read(ref _started);
                    if (started != 0 && !_stopped && now - started > limit)
                    {
                        _stopped = true;
                        Options.Terminate = true;
                    }
                }
            }

            public void Dispose() => Options.Dispose();
        }

        /// <summary>
        /// Looks at the model's runs in flight a few times per time limit and stops those past it. Its timer
        /// holds the watchdog and its slots, never the model.
        /// </summary>
        private sealed class RunWatchdog : IDisposable
        {
            private readonly List<RunSlot> _slots = new List<RunSlot>();
            private readonly long _limit;
            private readonly Timer? _timer;
            private bool _disposed;

            public RunWatchdog(TimeSpan timeout)
            {
                if (timeout == Timeout.InfiniteTimeSpan)
                {
                    return;
                }

                _limit = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
                var period = TimeSpan.FromTicks(Math.Min(Math.Max(timeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks), TimeSpan.FromSeconds(1).Ticks));
                _timer = new Timer(state => ((RunWatchdog)state!).Check(), this, period, period);
            }

            public RunSlot Register(RunSlot slot)
            {
                lock (_slots)
                {
                    if (!_disposed)
                    {
                        _slots.Add(slot);
                    }
                }

                return slot;
            }

            public void Unregister(RunSlot slot)
            {
                lock (_slots)
                {
                    _slots.Remove(slot);
                }
            }

            public void Dispose()
            {
                lock (_slots)
                {
                    _disposed = true;
                    _slots.Clear();
                }

                _timer?.Dispose();
            }

            private void Check()
            {
                long now = Stopwatch.GetTimestamp();
                lock (_slots)
                {
                    foreach (RunSlot slot in _slots)
                    {
                        slot.StopIfOverdue(now, _limit);
                    }
                }
            }
        }
    }
}
