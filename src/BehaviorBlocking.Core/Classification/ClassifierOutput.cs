using System;

namespace BehaviorBlocking.Classification
{
    /// <summary>What a classifier model returned for a batch of rows: one label and one probability per class for each row.</summary>
    public sealed class ClassifierOutput
    {
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
    }
}
