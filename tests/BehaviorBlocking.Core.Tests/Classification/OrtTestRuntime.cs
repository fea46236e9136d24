using System;
using System.IO;
using System.Text.Json;
using BehaviorBlocking.Classification;

namespace BehaviorBlocking.Tests.Classification
{
    /// <summary>The tiny test model through the real ONNX Runtime of the Microsoft.ML.OnnxRuntime package.</summary>
    internal static class OrtTestRuntime
    {
        public static string ModelsFolder => Path.Combine(AppContext.BaseDirectory, "data", "models");

        public static OnnxModel LoadTinyClassifier()
        {
            return OnnxRuntime.LoadModel(File.ReadAllBytes(Path.Combine(ModelsFolder, "tiny-classifier.onnx")), "tiny-classifier.onnx");
        }

        public static ExpectedRows LoadExpected()
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelsFolder, "tiny-classifier.expected.json")));
            JsonElement root = document.RootElement;
            JsonElement rows = root.GetProperty("rows");
            int featureCount = root.GetProperty("featureCount").GetInt32();
            int classCount = root.GetProperty("classes").GetArrayLength();
            int count = rows.GetArrayLength();
            var features = new float[count * featureCount];
            var labels = new long[count];
            var probabilities = new float[count * classCount];
            int row = 0;
            foreach (JsonElement item in rows.EnumerateArray())
            {
                int column = 0;
                foreach (JsonElement value in item.GetProperty("features").EnumerateArray())
                {
                    features[(row * featureCount) + column++] = value.GetSingle();
                }

                labels[row] = item.GetProperty("label").GetInt64();
                column = 0;
                foreach (JsonElement value in item.GetProperty("probabilities").EnumerateArray())
                {
                    probabilities[(row * classCount) + column++] = value.GetSingle();
                }

                row++;
            }

            return new ExpectedRows(featureCount, classCount, features, labels, probabilities);
        }
    }

    internal sealed class ExpectedRows
    {
        public ExpectedRows(int featureCount, int classCount, float[] features, long[] labels, float[] probabilities)
        {
            FeatureCount = featureCount;
            ClassCount = classCount;
            Features = features;
            Labels = labels;
            Probabilities = probabilities;
        }

        public int FeatureCount { get; }

        public int ClassCount { get; }

        public int Rows => Labels.Length;

        public float[] Features { get; }

        public long[] Labels { get; }

        public float[] Probabilities { get; }

        public float[] Row(int row)
        {
            var values = new float[FeatureCount];
            Array.Copy(Features, row * FeatureCount, values, 0, FeatureCount);
            return values;
        }
    }
}
