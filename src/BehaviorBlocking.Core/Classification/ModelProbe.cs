using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Features;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// The rows a model must answer with probabilities before it is used (validate, install, and every
    /// engine start): the all-zero row, all ones, all -1, all 10^6, the benign medians, each feature in
    /// turn at 10^6 with the rest at the medians, and random rows from a fixed seed. Each goes through
    /// <see cref="ITreeClassifier.Predict"/>, the path scans use, and each output must pass
    /// <see cref="ClassifierOutput.CheckProbabilities"/>. Not-a-number and infinite inputs are not
    /// probed: the feature schema has no missing values (every feature is a finite count, flag or score).
    /// </summary>
    public static class ModelProbe
    {
        /// <summary>Seed of the random probe rows (fixed: a model passes or fails the same way every time).</summary>
        public const int Seed = 20261201;

        /// <summary>Number of random probe rows.</summary>
        public const int RandomRows = 32;

        /// <summary>The extreme value probed (beyond any value the engine computes).</summary>
        public const float Extreme = 1e6f;

        /// <summary>Runs every probe row; returns how many ran. Throws <c>ModelInvalid</c> naming the row, the class and the value at the first failure.</summary>
        /// <param name="classifier">The loaded classifier.</param>
        /// <param name="name">How the error names the model (its path).</param>
        /// <exception cref="BehaviorBlockingException"><c>ModelInvalid</c> when a probe row fails its run or gives other than probabilities.</exception>
        public static int Check(ITreeClassifier classifier, string name)
        {
            if (classifier is null)
            {
                throw new ArgumentNullException(nameof(classifier));
            }

            var probabilities = new float[classifier.Classes.Count];
            int rows = 0;
            foreach (KeyValuePair<string, float[]> probe in Rows(FeatureSchema.Count, classifier.BenignMedians))
            {
                // Values a run does not write stay NaN and fail the check.
                for (int i = 0; i < probabilities.Length; i++)
                {
                    probabilities[i] = float.NaN;
                }

                try
                {
                    classifier.Predict(probe.Value, probabilities);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    throw Invalid(name, $"on the probe row {probe.Key} its run failed: {ex.Message}", ex);
                }

                string? problem = ClassifierOutput.CheckProbabilities(probabilities, probabilities.Length, classifier.Classes);
                if (problem is not null)
                {
                    throw Invalid(name, $"on the probe row {probe.Key} {problem}", null);
                }

                rows++;
            }

            return rows;
        }

        /// <summary>The probe rows, each with how the error names it.</summary>
        internal static IEnumerable<KeyValuePair<string, float[]>> Rows(int featureCount, IReadOnlyList<float> medians)
        {
            yield return Row("'all zeros'", featureCount, 0);
            yield return Row("'all ones'", featureCount, 1);
            yield return Row("'all -1'", featureCount, -1);
            yield return Row("'all 1000000'", featureCount, Extreme);
            bool haveMedians = medians.Count == featureCount;
            var baseline = new float[featureCount];
            if (haveMedians)
            {
                for (int i = 0; i < featureCount; i++)
                {
                    baseline[i] = medians[i];
                }

                yield return new KeyValuePair<string, float[]>("'benign medians'", (float[])baseline.Clone());
            }

            for (int i = 0; i < featureCount; i++)
            {
                var row = (float[])baseline.Clone();
                row[i] = Extreme;
                string feature = i < FeatureSchema.Count ? FeatureSchema.Names[i] : i.ToString(CultureInfo.InvariantCulture);
                yield return new KeyValuePair<string, float[]>($"'{feature} = 1000000, the rest at the {(haveMedians ? "benign medians" : "zero")}'", row);
            }

            var random = new Random(Seed);
            for (int r = 0; r < RandomRows; r++)
            {
                var row = new float[featureCount];
                for (int i = 0; i < featureCount; i++)
                {
                    double pick = random.NextDouble();
                    row[i] = pick < 0.4 ? 0
                        : pick < 0.6 ? 1
                        : pick < 0.9 ? (float)(random.NextDouble() * 8)
                        : (float)(8 + (random.NextDouble() * 992));
                }

                yield return new KeyValuePair<string, float[]>($"'random {r + 1} of {RandomRows} (seed {Seed})'", row);
            }
        }

        private static KeyValuePair<string, float[]> Row(string name, int featureCount, float value)
        {
            var row = new float[featureCount];
            for (int i = 0; i < featureCount; i++)
            {
                row[i] = value;
            }

            return new KeyValuePair<string, float[]>(name, row);
        }

        private static BehaviorBlockingException Invalid(string name, string why, Exception? inner) =>
            new BehaviorBlockingException(OnnxModel.InvalidErrorId, FailureKind.InvalidData, $"the model '{name}' is refused: {why}", inner) { Target = name };
    }
}
