using System;
using System.Collections.Generic;
using System.Globalization;

namespace BehaviorBlocking.Classification
{
    /// <summary>What a classifier model returned for a batch of rows: one label and one probability per class for each row.</summary>
    public sealed class ClassifierOutput
    {
        /// <summary>
        /// Float rounding a probability may carry: a value in [-slack, 1 + slack] is clamped into [0, 1]
        /// (an averaged forest can sum to 1.0000001); anything further out, NaN or infinity is refused.
        /// </summary>
        public const float ProbabilitySlack = 1e-4f;

        private readonly long[] _labels;
        private readonly float[] _probabilities;

        internal ClassifierOutput(long[] labels, float[] probabilities, int classCount)
        {
            _labels = labels;
            _probabilities = probabilities;
            ClassCount = classCount;
        }

        /// <summary>Number of rows in the batch.</summary>
        public int Rows => _labels.Length;

        /// <summary>Number of classes (columns of the probability tensor).</summary>
        public int ClassCount { get; }

        /// <summary>The label the model chose for a row.</summary>
        /// <param name="row">0-based row index.</param>
        public long Label(int row)
        {
            if ((uint)row >= (uint)_labels.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(row));
            }

            return _labels[row];
        }

        /// <summary>The probability (score) the model gave a class for a row.</summary>
        /// <param name="row">0-based row index.</param>
        /// <param name="classIndex">0-based class column, in the order of the model's class labels.</param>
        public float Probability(int row, int classIndex)
        {
            if ((uint)row >= (uint)_labels.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(row));
            }

            if ((uint)classIndex >= (uint)ClassCount)
            {
                throw new ArgumentOutOfRangeException(nameof(classIndex));
            }

            return _probabilities[(row * ClassCount) + classIndex];
        }

        /// <summary>Copies a row's probabilities into <paramref name="destination"/> (at least <see cref="ClassCount"/> long).</summary>
        /// <param name="row">0-based row index.</param>
        /// <param name="destination">Receives the probabilities of every class.</param>
        public void CopyProbabilities(int row, float[] destination)
        {
            if (destination is null)
            {
                throw new ArgumentNullException(nameof(destination));
            }

            if ((uint)row >= (uint)_labels.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(row));
            }

            if (destination.Length < ClassCount)
            {
                throw new ArgumentException("The destination is shorter than the class count.", nameof(destination));
            }

            Array.Copy(_probabilities, row * ClassCount, destination, 0, ClassCount);
        }
    
        /// <summary>
        /// Checks one row of class probabilities, the one test every classifier output passes before it
        /// becomes a score (at scan time and when a model is validated): each value must be a finite number
        /// in [0, 1] up to <see cref="ProbabilitySlack"/>, and is clamped into [0, 1] in place.
        /// </summary>
        /// <param name="probabilities">The row; its first <paramref name="count"/> values are checked and clamped.</param>
        /// <param name="count">Number of classes.</param>
        /// <param name="classes">Class names for the message (may be shorter than the row).</param>
        /// <returns>Null when the row is usable; else what is wrong, naming the class and the value.</returns>
        public static string? CheckProbabilities(float[] probabilities, int count, IReadOnlyList<string>? classes)
        {
            if (probabilities is null)
            {
                throw new ArgumentNullException(nameof(probabilities));
            }

            if (count > probabilities.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }

            for (int i = 0; i < count; i++)
            {
                float p = probabilities[i];
                if (p >= 0 && p <= 1)
                {
                    continue;
                }

                if (p >= -ProbabilitySlack && p <= 1 + ProbabilitySlack)
                {
                    probabilities[i] = p < 0 ? 0 : 1;
                    continue;
                }

                string name = classes is not null && i < classes.Count ? "'" + classes[i] + "'" : i.ToString(CultureInfo.InvariantCulture);
                return string.Format(CultureInfo.InvariantCulture, "it gave class {0} the probability {1}; a probability is a finite number from 0 to 1", name, p.ToString("R", CultureInfo.InvariantCulture));
            }

            return null;
        }
    }
}
