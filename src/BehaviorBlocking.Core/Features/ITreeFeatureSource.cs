using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Features
{
    /// <summary>Where the verdict stage reads a tree's current feature vector for the classifier.</summary>
    public interface ITreeFeatureSource
    {
        /// <summary>Writes the open tree's features into <paramref name="features"/> (length <see cref="FeatureSchema.Count"/>); false when the tree has none.</summary>
        bool TryFill(ProcessTree tree, float[] features);
    }
}
