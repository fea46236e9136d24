using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>
    /// Writes small ONNX models byte by byte (the protobuf encoding of onnx.proto: ModelProto, GraphProto,
    /// NodeProto, AttributeProto, ValueInfoProto, TensorProto), so tests can build broken classifiers
    /// without Python's onnx package. Only the fields these models need are written.
    /// </summary>
    internal static class OnnxTestModels
    {
        private const int ElementFloat = 1;
        private const int ElementInt64 = 7;
        private const int ElementBool = 9;

        /// <summary>Classes of the shipped model's manifest, the class order every test model uses.</summary>
        public static IReadOnlyList<string> ShippedClasses => ShippedManifest().Classes;

        /// <summary>
        /// A TreeEnsembleClassifier (ai.onnx.ml) with one tree: feature <paramref name="feature"/> &lt;=
        /// <paramref name="threshold"/> goes to the leaf weighted <paramref name="low"/>, else to <paramref name="high"/>
        /// (one weight per class, post_transform NONE, so the weights are the probabilities).
        /// </summary>
        public static byte[] Stump(int featureCount, int feature, float threshold, float[] low, float[] high) =>
            Tree(featureCount, new[] { (0, feature, threshold, 1, 2) }, new Dictionary<int, float[]> { [1] = low, [2] = high });

        /// <summary>
        /// A TreeEnsembleClassifier with one tree: <paramref name="branches"/> (node, feature, threshold, node when
        /// &lt;=, node when &gt;) and <paramref name="leaves"/> (node → one weight per class, the probabilities).
        /// </summary>
        public static byte[] Tree(int featureCount, (int Node, int Feature, float Threshold, int True, int False)[] branches, Dictionary<int, float[]> leaves)
        {
            var ids = new List<long>();
            var features = new List<long>();
            var values = new List<float>();
            var modes = new List<string>();
            var trueIds = new List<long>();
            var falseIds = new List<long>();
            foreach ((int id, int feature, float threshold, int whenTrue, int whenFalse) in branches)
            {
                ids.Add(id);
                features.Add(feature);
                values.Add(threshold);
                modes.Add("BRANCH_LEQ");
                trueIds.Add(whenTrue);
                falseIds.Add(whenFalse);
            }

            var classNodes = new List<long>();
            var classIds = new List<long>();
            var weights = new List<float>();
            int classes = 0;
            foreach (KeyValuePair<int, float[]> leaf in leaves)
            {
                ids.Add(leaf.Key);
                features.Add(0);
                values.Add(0);
                modes.Add("LEAF");
                trueIds.Add(0);
                falseIds.Add(0);
                classes = leaf.Value.Length;
                for (int c = 0; c < leaf.Value.Length; c++)
                {
                    classNodes.Add(leaf.Key);
                    classIds.Add(c);
                    weights.Add(leaf.Value[c]);
                }
            }

            var node = new Proto()
                .String(1, "features")
                .String(2, "label")
                .String(2, "probabilities")
                .String(3, "tree")
                .String(4, "TreeEnsembleClassifier")
                .String(7, "ai.onnx.ml")
                .Message(5, Ints("nodes_treeids", new long[ids.Count]))
                .Message(5, Ints("nodes_nodeids", ids.ToArray()))
                .Message(5, Ints("nodes_featureids", features.ToArray()))
                .Message(5, Floats("nodes_values", values.ToArray()))
                .Message(5, Strings("nodes_modes", modes.ToArray()))
                .Message(5, Ints("nodes_truenodeids", trueIds.ToArray()))
                .Message(5, Ints("nodes_falsenodeids", falseIds.ToArray()))
                .Message(5, Ints("class_treeids", new long[classNodes.Count]))
                .Message(5, Ints("class_nodeids", classNodes.ToArray()))
                .Message(5, Ints("class_ids", classIds.ToArray()))
                .Message(5, Floats("class_weights", weights.ToArray()))
                .Message(5, Ints("classlabels_int64s", Range(classes)))
                .Message(5, new Proto().String(1, "post_transform").Bytes(4, Encoding.UTF8.GetBytes("NONE")).Varint(20, 3));
            var graph = new Proto()
                .Message(1, node)
                .String(2, "tree")
                .Message(11, Tensor("features", ElementFloat, -1, featureCount))
                .Message(12, Tensor("label", ElementInt64, -1))
                .Message(12, Tensor("probabilities", ElementFloat, -1, classes));
            return Model(graph);
        }

        /// <summary>
        /// A model every probe row passes that gives NaN for trees of exactly two processes
        /// (log1p(2) = 1.0986 lies in (1.09, 1.11]), as real scans have them: only the scan-time guard can catch it.
        /// </summary>
        public static byte[] NaNForTwoProcessTrees()
        {
            int processes = BehaviorBlocking.Features.FeatureSchema.IndexOf("processes");
            float[] benign = Weights("Benign", 0.9f);
            return Tree(BehaviorBlocking.Features.FeatureSchema.Count,
                new[] { (0, processes, 1.09f, 1, 2), (2, processes, 1.11f, 3, 4) },
                new Dictionary<int, float[]> { [1] = benign, [3] = Weights("Execution", float.NaN), [4] = benign });
        }

        /// <summary>
        /// A model that runs as long as its input says: it loops max(|feature|) times over the input (so a row
        /// holding 10^12 hangs it, a row of zeros answers at once), then gives the sigmoid of the first
        /// <paramref name="classCount"/> features as probabilities and their ArgMax as the label. Without
        /// <paramref name="declareClassCount"/> the probability output's class dimension is left free.
        /// </summary>
        public static byte[] Looping(int featureCount, int classCount, bool declareClassCount = true)
        {
            var body = new Proto()
                .Message(1, Node("Identity", new[] { "cond_in" }, new[] { "cond_out" }))
                .Message(1, Node("Identity", new[] { "v_in" }, new[] { "v_out" }))
                .String(2, "body")
                .Message(11, Tensor("iteration", ElementInt64))
                .Message(11, Tensor("cond_in", ElementBool))
                .Message(11, Tensor("v_in", ElementFloat, -1, featureCount))
                .Message(12, Tensor("cond_out", ElementBool))
                .Message(12, Tensor("v_out", ElementFloat, -1, featureCount));
            var reduceMax = Node("ReduceMax", new[] { "magnitudes" }, new[] { "largest" })
                .Message(5, new Proto().String(1, "keepdims").Varint(3, 0).Varint(20, 2));
            var cast = Node("Cast", new[] { "largest" }, new[] { "trip_count" })
                .Message(5, new Proto().String(1, "to").Varint(3, ElementInt64).Varint(20, 2));
            var loop = Node("Loop", new[] { "trip_count", "keep_going", "features" }, new[] { "looped" })
                .Message(5, new Proto().String(1, "body").Message(6, body).Varint(20, 5));
            var argMax = Node("ArgMax", new[] { "probabilities" }, new[] { "label" })
                .Message(5, new Proto().String(1, "axis").Varint(3, 1).Varint(20, 2))
                .Message(5, new Proto().String(1, "keepdims").Varint(3, 0).Varint(20, 2));
            var graph = new Proto()
                .Message(1, Node("Abs", new[] { "features" }, new[] { "magnitudes" }))
                .Message(1, reduceMax)
                .Message(1, cast)
                .Message(1, loop)
                .Message(1, Node("Slice", new[] { "looped", "starts", "ends", "axes" }, new[] { "first" }))
                .Message(1, Node("Sigmoid", new[] { "first" }, new[] { "probabilities" }))
                .Message(1, argMax)
                .String(2, "looping")
                .Message(5, new Proto().Varint(2, ElementBool).Packed(5, new long[] { 1 }).String(8, "keep_going"))
                .Message(5, Int64Tensor("starts", new long[] { 1 }, 0))
                .Message(5, Int64Tensor("ends", new long[] { 1 }, classCount))
                .Message(5, Int64Tensor("axes", new long[] { 1 }, 1))
                .Message(11, Tensor("features", ElementFloat, -1, featureCount))
                .Message(12, Tensor("label", ElementInt64, -1))
                .Message(12, Tensor("probabilities", ElementFloat, -1, declareClassCount ? classCount : -1));
            return Model(graph);
        }

        /// <summary>The stump the install tests use as a good model: Execution at <paramref name="execution"/> once a tree has more than one process.</summary>
        public static byte[] GoodStump(float execution) =>
            Stump(BehaviorBlocking.Features.FeatureSchema.Count, BehaviorBlocking.Features.FeatureSchema.IndexOf("processes"), 0.5f, Weights("Benign", 0.9f), Weights("Execution", execution));

        /// <summary>Per class, the weight <paramref name="value"/> for <paramref name="className"/> and the rest of 1 spread evenly (or 0 when the value is not a number).</summary>
        public static float[] Weights(string className, float value)
        {
            IReadOnlyList<string> classes = ShippedClasses;
            var weights = new float[classes.Count];
            float rest = float.IsNaN(value) ? float.NaN : Math.Max(0, 1 - value) / (classes.Count - 1);
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = classes[i] == className ? value : rest;
            }

            return weights;
        }

        /// <summary>
        /// Writes <paramref name="model"/> as <c>behavior.onnx</c> into <paramref name="folder"/> with a manifest
        /// made from the shipped one (its features, classes and medians; this model's SHA-256 and <paramref name="version"/>);
        /// <paramref name="editManifest"/> may change it further. Returns the model path.
        /// </summary>
        public static string WriteWithManifest(string folder, byte[] model, string version, Action<JsonObject>? editManifest = null)
        {
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, EngineLocations.ModelFileName);
            File.WriteAllBytes(path, model);
            JsonObject manifest = JsonNode.Parse(File.ReadAllText(ShippedManifestPath))!.AsObject();
            manifest["version"] = version;
            manifest["sha256"] = Sha256(model);
            editManifest?.Invoke(manifest);
            File.WriteAllText(ModelManifest.PathFor(path), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return path;
        }

        /// <summary>Lower-case hex SHA-256.</summary>
        public static string Sha256(byte[] bytes)
        {
            using SHA256 sha = SHA256.Create();
            return Convert.ToHexString(sha.ComputeHash(bytes)).ToLowerInvariant();
        }

        private static string ShippedManifestPath => ModelManifest.PathFor(Path.Combine(AppContext.BaseDirectory, "models", EngineLocations.ModelFileName));

        private static ModelManifest ShippedManifest() => ModelManifest.Read(ShippedManifestPath);

        private static byte[] Model(Proto graph)
        {
            return new Proto()
                .Varint(1, 8)
                .String(2, "BehaviorBlocking tests")
                .Message(7, graph)
                .Message(8, new Proto().String(1, string.Empty).Varint(2, 17))
                .Message(8, new Proto().String(1, "ai.onnx.ml").Varint(2, 3))
                .ToArray();
        }

        private static Proto Node(string op, string[] inputs, string[] outputs)
        {
            var node = new Proto();
            foreach (string input in inputs)
            {
                node.String(1, input);
            }

            foreach (string output in outputs)
            {
                node.String(2, output);
            }

            return node.String(3, op + "_" + outputs[0]).String(4, op);
        }

        /// <summary>A ValueInfoProto of a tensor; a dimension of -1 is the free row count "N"; no dimensions is a scalar.</summary>
        private static Proto Tensor(string name, int elementType, params long[] dimensions)
        {
            var shape = new Proto();
            foreach (long d in dimensions)
            {
                shape.Message(1, d < 0 ? new Proto().String(2, "N") : new Proto().Varint(1, d));
            }

            var tensorType = new Proto().Varint(1, elementType).Message(2, shape);
            return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
        }

        private static Proto Int64Tensor(string name, long[] dimensions, params long[] values)
        {
            var tensor = new Proto();
            foreach (long d in dimensions)
            {
                tensor.Varint(1, d);
            }

            return tensor.Varint(2, ElementInt64).Packed(7, values).String(8, name);
        }

        private static Proto Ints(string name, params long[] values) => new Proto().String(1, name).Packed(8, values).Varint(20, 7);

        private static Proto Floats(string name, params float[] values) => new Proto().String(1, name).PackedFloats(7, values).Varint(20, 6);

        private static Proto Strings(string name, params string[] values)
        {
            var attribute = new Proto().String(1, name);
            foreach (string value in values)
            {
                attribute.Bytes(9, Encoding.UTF8.GetBytes(value));
            }

            return attribute.Varint(20, 8);
        }

        private static long[] Range(int count)
        {
            var values = new long[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = i;
            }

            return values;
        }

        /// <summary>One protobuf message being written: fields in order, each a tag then its value.</summary>
        private sealed class Proto
        {
            private readonly MemoryStream _bytes = new MemoryStream();

            public Proto Varint(int field, long value)
            {
                Tag(field, 0);
                Raw((ulong)value);
                return this;
            }

            public Proto Bytes(int field, byte[] value)
            {
                Tag(field, 2);
                Raw((ulong)value.Length);
                _bytes.Write(value, 0, value.Length);
                return this;
            }

            public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

            public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

            public Proto Packed(int field, long[] values)
            {
                var packed = new Proto();
                foreach (long v in values)
                {
                    packed.Raw((ulong)v);
                }

                return Bytes(field, packed.ToArray());
            }

            public Proto PackedFloats(int field, float[] values)
            {
                var packed = new byte[values.Length * 4];
                for (int i = 0; i < values.Length; i++)
                {
                    BitConverter.TryWriteBytes(new Span<byte>(packed, i * 4, 4), values[i]);
                }

                return Bytes(field, packed);
            }

            public byte[] ToArray() => _bytes.ToArray();

            private void Tag(int field, int wireType) => Raw(((ulong)field << 3) | (uint)wireType);

            private void Raw(ulong value)
            {
                while (value >= 0x80)
                {
                    _bytes.WriteByte((byte)(value | 0x80));
                    value >>= 7;
                }

                _bytes.WriteByte((byte)value);
            }
        }
    }
}
