using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// A classifier model loaded into one ONNX Runtime session, created once and reused. The model
    /// takes one float tensor [rows, features] and returns a label tensor (int64 [rows]) and a
    /// probability tensor (float [rows, classes]); a model whose probabilities pass through ZipMap (a
    /// sequence of maps) is refused, so export classifiers without ZipMap.
    /// </summary>
    /// <remarks>
    /// Thread safety: <see cref="Run"/> may be called from any number of threads at once (ORT's Run
    /// is thread-safe on one session). <see cref="Dispose"/> may race with Run: the session is
    /// released once the runs in flight have finished, and later runs throw ObjectDisposedException.
    /// </remarks>
    public sealed class OnnxModel : IDisposable
    {
        /// <summary>Error id when ONNX Runtime refuses a model or the model is not a supported classifier.</summary>
        public const string InvalidErrorId = Engine.ErrorIds.ModelInvalid;

        private const int GraphOptimizationAll = 99;

        private readonly OnnxRuntime _runtime;
        private readonly OrtSessionHandle _session;

        internal OnnxModel(OnnxRuntime runtime, byte[] model, string name)
        {
            _runtime = runtime;
            Name = name;
            _session = new OrtSessionHandle(runtime.Api);
            try
            {
                CreateSession(model);
                var inputs = DescribeInputs();
                InputNames = inputs.Names;
                InputShape = inputs.Shape;
                FeatureCount = checked((int)inputs.Shape[inputs.Shape.Count - 1]);
                var outputs = DescribeOutputs();
                OutputNames = outputs.Names;
                LabelOutputName = outputs.Label;
                ProbabilityOutputName = outputs.Probability;
                ClassCount = outputs.ClassCount;
                _session.InputNames = new[] { Utf8.ToNative(InputNames[0]) };
                _session.OutputNames = new[] { Utf8.ToNative(LabelOutputName), Utf8.ToNative(ProbabilityOutputName) };
            }
            catch
            {
                _session.Dispose();
                throw;
            }
        }

        /// <summary>How errors name the model (as given when it was loaded).</summary>
        public string Name { get; }

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
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when ORT fails the run or returns other than a label and probability tensor.</exception>
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

            bool referenced = false;
            GCHandle pinned = default;
            IntPtr input = IntPtr.Zero;
            var outputs = new IntPtr[2];
            try
            {
                _session.DangerousAddRef(ref referenced);
                OrtApiTable api = _runtime.Api;
                pinned = GCHandle.Alloc(features, GCHandleType.Pinned);
                int count = rows * FeatureCount;
                Check(api.CreateTensorWithDataAsOrtValue(
                    _runtime.CpuMemory,
                    pinned.AddrOfPinnedObject(),
                    new UIntPtr((ulong)count * sizeof(float)),
                    new long[] { rows, FeatureCount },
                    (UIntPtr)2u,
                    OrtApiTable.ElementFloat,
                    out input));
                Check(api.Run(
                    _session.DangerousGetHandle(),
                    IntPtr.Zero,
                    _session.InputNames,
                    new[] { input },
                    (UIntPtr)1u,
                    _session.OutputNames,
                    (UIntPtr)2u,
                    outputs));

                IntPtr labelData = ReadTensor(outputs[0], OrtApiTable.ElementInt64, LabelOutputName, rows, out int labelColumns);
                if (labelColumns != 1)
                {
                    throw Invalid($"its label output '{LabelOutputName}' returned {labelColumns} values per row; expected 1");
                }

                long[] labels = new long[rows];
                Marshal.Copy(labelData, labels, 0, rows);

                IntPtr probabilityData = ReadTensor(outputs[1], OrtApiTable.ElementFloat, ProbabilityOutputName, rows, out int classes);
                float[] probabilities = new float[rows * classes];
                Marshal.Copy(probabilityData, probabilities, 0, probabilities.Length);
                return new ClassifierOutput(labels, probabilities, classes);
            }
            finally
            {
                OrtApiTable api = _runtime.Api;
                for (int i = 0; i < outputs.Length; i++)
                {
                    api.ReleaseValue(outputs[i]);
                }

                api.ReleaseValue(input);
                if (pinned.IsAllocated)
                {
                    pinned.Free();
                }

                if (referenced)
                {
                    _session.DangerousRelease();
                }
            }
        }

        /// <summary>Releases the session (after any run still in flight).</summary>
        public void Dispose()
        {
            _session.Dispose();
        }

        private void CreateSession(byte[] model)
        {
            OrtApiTable api = _runtime.Api;
            IntPtr options = IntPtr.Zero;
            try
            {
                Check(api.CreateSessionOptions(out options));
                Check(api.SetSessionGraphOptimizationLevel(options, GraphOptimizationAll));

                // One thread per run: the engine runs models from several threads itself.
                Check(api.SetIntraOpNumThreads(options, 1));
                Check(api.CreateSessionFromArray(_runtime.Environment, model, (UIntPtr)(uint)model.Length, options, out IntPtr session));
                _session.Attach(session);
            }
            finally
            {
                api.ReleaseSessionOptions(options);
            }
        }

        private (IReadOnlyList<string> Names, IReadOnlyList<long> Shape) DescribeInputs()
        {
            OrtApiTable api = _runtime.Api;
            IntPtr session = _session.DangerousGetHandle();
            Check(api.SessionGetInputCount(session, out UIntPtr count));
            if (count.ToUInt64() != 1)
            {
                throw Invalid($"it has {count} inputs; a classifier takes one float tensor [rows, features]");
            }

            Check(api.SessionGetInputName(session, UIntPtr.Zero, _runtime.Allocator, out IntPtr nameText));
            string name = api.TakeAllocatedString(_runtime.Allocator, nameText);
            Check(api.SessionGetInputTypeInfo(session, UIntPtr.Zero, out IntPtr typeInfo));
            TensorDescription input = Describe(typeInfo);
            if (input.OnnxType != OrtApiTable.OnnxTypeTensor || input.ElementType != OrtApiTable.ElementFloat
                || input.Shape.Length != 2 || input.Shape[1] < 1)
            {
                throw Invalid($"its input '{name}' is {input}; a classifier takes one float tensor [rows, features]");
            }

            return (new[] { name }, input.Shape);
        }

        private (IReadOnlyList<string> Names, string Label, string Probability, int ClassCount) DescribeOutputs()
        {
            OrtApiTable api = _runtime.Api;
            IntPtr session = _session.DangerousGetHandle();
            Check(api.SessionGetOutputCount(session, out UIntPtr countValue));
            int count = checked((int)countValue.ToUInt64());
            var names = new string[count];
            string? label = null;
            string? probability = null;
            int classCount = -1;
            for (int i = 0; i < count; i++)
            {
                Check(api.SessionGetOutputName(session, (UIntPtr)(uint)i, _runtime.Allocator, out IntPtr nameText));
                names[i] = api.TakeAllocatedString(_runtime.Allocator, nameText);
                Check(api.SessionGetOutputTypeInfo(session, (UIntPtr)(uint)i, out IntPtr typeInfo));
                TensorDescription output = Describe(typeInfo);
                if (output.OnnxType == OrtApiTable.OnnxTypeSequence || output.OnnxType == OrtApiTable.OnnxTypeMap)
                {
                    throw Invalid(
                        $"its output '{names[i]}' is {output} (a ZipMap); export the classifier without ZipMap so probabilities are a float tensor [rows, classes]");
                }

                if (output.OnnxType != OrtApiTable.OnnxTypeTensor)
                {
                    throw Invalid($"its output '{names[i]}' is {output}; expected tensors only");
                }

                if (label is null && output.ElementType == OrtApiTable.ElementInt64)
                {
                    label = names[i];
                }
                else if (probability is null && output.ElementType == OrtApiTable.ElementFloat && output.Shape.Length == 2)
                {
                    probability = names[i];
                    classCount = output.Shape[1] > 0 ? checked((int)output.Shape[1]) : -1;
                }
            }

            if (label is null || probability is null)
            {
                throw Invalid(
                    $"it has no {(label is null ? "int64 label tensor" : "float probability tensor [rows, classes]")} among its outputs ({string.Join(", ", names)})");
            }

            return (names, label, probability, classCount);
        }

        /// <summary>Reads and releases an OrtTypeInfo.</summary>
        private TensorDescription Describe(IntPtr typeInfo)
        {
            OrtApiTable api = _runtime.Api;
            try
            {
                Check(api.GetOnnxTypeFromTypeInfo(typeInfo, out int onnxType));
                if (onnxType != OrtApiTable.OnnxTypeTensor)
                {
                    return new TensorDescription(onnxType, 0, Array.Empty<long>());
                }

                // The tensor info belongs to the type info; it is not released on its own.
                Check(api.CastTypeInfoToTensorInfo(typeInfo, out IntPtr tensorInfo));
                Check(api.GetTensorElementType(tensorInfo, out int elementType));
                return new TensorDescription(onnxType, elementType, Dimensions(tensorInfo));
            }
            finally
            {
                api.ReleaseTypeInfo(typeInfo);
            }
        }

        /// <summary>Checks an output tensor's element type and row count; returns its data and values per row.</summary>
        private IntPtr ReadTensor(IntPtr value, int elementType, string name, int rows, out int columns)
        {
            OrtApiTable api = _runtime.Api;
            Check(api.GetValueType(value, out int onnxType));
            if (onnxType != OrtApiTable.OnnxTypeTensor)
            {
                throw Invalid($"its output '{name}' returned a {OnnxTypeName(onnxType)}, not a tensor");
            }

            Check(api.GetTensorTypeAndShape(value, out IntPtr info));
            long[] shape;
            int actualType;
            try
            {
                Check(api.GetTensorElementType(info, out actualType));
                shape = Dimensions(info);
            }
            finally
            {
                api.ReleaseTensorTypeAndShapeInfo(info);
            }

            long elements = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                elements *= shape[i];
            }

            if (actualType != elementType || shape.Length == 0 || shape[0] != rows || elements % rows != 0)
            {
                throw Invalid($"its output '{name}' returned {new TensorDescription(onnxType, actualType, shape)} for {rows} rows");
            }

            columns = checked((int)(elements / rows));
            Check(api.GetTensorMutableData(value, out IntPtr data));
            return data;
        }

        private long[] Dimensions(IntPtr tensorInfo)
        {
            OrtApiTable api = _runtime.Api;
            Check(api.GetDimensionsCount(tensorInfo, out UIntPtr rank));
            var dimensions = new long[checked((int)rank.ToUInt64())];
            if (dimensions.Length > 0)
            {
                Check(api.GetDimensions(tensorInfo, dimensions, rank));
            }

            return dimensions;
        }

        private void Check(IntPtr status)
        {
            string? error = _runtime.Api.TakeError(status);
            if (error != null)
            {
                throw new BehaviorBlockingException(
                    InvalidErrorId,
                    FailureKind.InvalidData,
                    $"ONNX Runtime cannot use the model '{Name}': {error}")
                {
                    Target = Name,
                };
            }
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

        private static string OnnxTypeName(int onnxType)
        {
            switch (onnxType)
            {
                case OrtApiTable.OnnxTypeTensor: return "tensor";
                case OrtApiTable.OnnxTypeSequence: return "sequence";
                case OrtApiTable.OnnxTypeMap: return "map";
                default: return "value of ONNX type " + onnxType.ToString(CultureInfo.InvariantCulture);
            }
        }

        private readonly struct TensorDescription
        {
            public TensorDescription(int onnxType, int elementType, long[] shape)
            {
                OnnxType = onnxType;
                ElementType = elementType;
                Shape = shape;
            }

            public int OnnxType { get; }

            public int ElementType { get; }

            public long[] Shape { get; }

            public override string ToString()
            {
                if (OnnxType != OrtApiTable.OnnxTypeTensor)
                {
                    return "a " + OnnxTypeName(OnnxType);
                }

                string element = ElementType == OrtApiTable.ElementFloat ? "float"
                    : ElementType == OrtApiTable.ElementInt64 ? "int64"
                    : "element type " + ElementType.ToString(CultureInfo.InvariantCulture);
                var dimensions = new string[Shape.Length];
                for (int i = 0; i < Shape.Length; i++)
                {
                    dimensions[i] = Shape[i] < 0 ? "?" : Shape[i].ToString(CultureInfo.InvariantCulture);
                }

                return $"a {element} tensor [{string.Join(", ", dimensions)}]";
            }
        }
    }
}
