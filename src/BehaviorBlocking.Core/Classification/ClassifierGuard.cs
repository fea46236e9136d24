using System;
using System.Globalization;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Classification
{
    /// <summary>
    /// The one way a run's predictions reach a score: calls the classifier, turns anything it throws and
    /// any output that is not a probability (<see cref="ClassifierOutput.CheckProbabilities"/>) into a
    /// counted failure, and after <see cref="FailureLimit"/> failures in a row switches the classifier off
    /// for the rest of the run and says why (<see cref="DisabledReason"/>). A failure leaves the verdict to
    /// the rules: a broken model never crashes a run, never scores a verdict, and never goes quiet.
    /// </summary>
    /// <remarks>Owned by one thread (the verdict stage's consumer).</remarks>
    internal sealed class ClassifierGuard
    {
        /// <summary>Failures in a row after which the classifier is switched off for the run.</summary>
        public const int DefaultFailureLimit = 5;

        private readonly ITreeClassifier _classifier;
        private int _failuresInARow;

        public ClassifierGuard(ITreeClassifier classifier, int failureLimit)
        {
            _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
            FailureLimit = failureLimit;
        }

        /// <summary>The classifier guarded.</summary>
        public ITreeClassifier Classifier => _classifier;

        /// <summary>Failures in a row that switch the classifier off; 0 or less never does.</summary>
        public int FailureLimit { get; }

        /// <summary>Predictions that failed (threw, or gave other than probabilities).</summary>
        public long Failures { get; private set; }

        /// <summary>The first failure: error id and message.</summary>
        public string? FirstError { get; private set; }

        /// <summary>Why the classifier was switched off, or null while it is on.</summary>
        public string? DisabledReason { get; private set; }

        /// <summary>
        /// Predicts one vector; true when <paramref name="probabilities"/> now holds one probability per class
        /// (each in [0, 1]); false when the classifier is off or failed (counted).
        /// </summary>
        public bool TryPredict(float[] features, float[] probabilities)
        {
            if (DisabledReason is not null)
            {
                return false;
            }

            // A value the classifier does not write stays NaN and fails the check, instead of a stale one passing.
            int classes = _classifier.Classes.Count;
            for (int i = 0; i < classes && i < probabilities.Length; i++)
            {
                probabilities[i] = float.NaN;
            }

            string? problem;
            try
            {
                _classifier.Predict(features, probabilities);
                problem = ClassifierOutput.CheckProbabilities(probabilities, classes, _classifier.Classes);
                if (problem is not null)
                {
                    problem = ErrorIds.ModelInvalid + ": the model " + _classifier.Version + " gave an output that is not a probability: " + problem;
                }
            }
            catch (BehaviorBlockingException ex)
            {
                problem = ex.ErrorId + ": " + ex.Message;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // Whatever a classifier throws is its failure, not the run's.
                problem = ErrorIds.ModelInvalid + ": the model " + _classifier.Version + " failed: " + ex.GetType().Name + ": " + ex.Message;
            }

            if (problem is null)
            {
                _failuresInARow = 0;
                return true;
            }

            Failures++;
            FirstError ??= problem;
            _failuresInARow++;
            if (FailureLimit > 0 && _failuresInARow >= FailureLimit)
            {
                DisabledReason = string.Format(CultureInfo.InvariantCulture,
                    "{0}: the model {1} failed {2} times in a row and is switched off for the rest of this run; verdicts are decided by rules alone (!rule). Last failure: {3}",
                    ErrorIds.ModelDisabled, _classifier.Version, _failuresInARow, problem);
            }

            return false;
        }
    }
}
