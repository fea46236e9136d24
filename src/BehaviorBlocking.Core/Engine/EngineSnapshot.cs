using System;
using System.Threading;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// What an engine decides with, as one immutable value: the rule set, the classifier and the policy.
    /// A running monitor swaps in a new snapshot atomically (<see cref="BehaviorEngine.Swap"/>); each event
    /// is processed, and each verdict decided, against the one snapshot read when the event came in.
    /// </summary>
    public sealed class EngineSnapshot
    {
        /// <summary>Creates a snapshot (generation 1).</summary>
        public EngineSnapshot(RuleSet rules, ITreeClassifier? classifier, IBlockingPolicy policy)
            : this(rules, classifier, policy, 1)
        {
        }

        private EngineSnapshot(RuleSet rules, ITreeClassifier? classifier, IBlockingPolicy policy, long generation)
        {
            Rules = rules ?? throw new ArgumentNullException(nameof(rules));
            Classifier = classifier;
            Policy = policy ?? throw new ArgumentNullException(nameof(policy));
            Generation = generation;
        }

        /// <summary>The rules.</summary>
        public RuleSet Rules { get; }

        /// <summary>The classifier, or null for rules alone.</summary>
        public ITreeClassifier? Classifier { get; }

        /// <summary>The policy.</summary>
        public IBlockingPolicy Policy { get; }

        /// <summary>Counts the snapshots derived from the first one (each <c>With…</c> adds one), for the record.</summary>
        public long Generation { get; }

        /// <summary>This snapshot with another policy.</summary>
        public EngineSnapshot WithPolicy(IBlockingPolicy policy) => new EngineSnapshot(Rules, Classifier, policy, Generation + 1);

        /// <summary>This snapshot with another rule set.</summary>
        public EngineSnapshot WithRules(RuleSet rules) => new EngineSnapshot(rules, Classifier, Policy, Generation + 1);

        /// <summary>This snapshot with another classifier (null: rules alone).</summary>
        public EngineSnapshot WithClassifier(ITreeClassifier? classifier) => new EngineSnapshot(Rules, classifier, Policy, Generation + 1);

        /// <inheritdoc />
        public override string ToString() => $"snapshot {Generation}: rules {Rules.Version}, model {Classifier?.Version ?? "none"}, policy {Policy.Version}";
    }

    /// <summary>Holds the snapshot in force; read with one volatile read, replaced with one interlocked exchange.</summary>
    public sealed class EngineSnapshotCell
    {
        private EngineSnapshot _current;

        /// <summary>Creates a cell holding <paramref name="initial"/>.</summary>
        public EngineSnapshotCell(EngineSnapshot initial)
        {
            _current = initial ?? throw new ArgumentNullException(nameof(initial));
        }

        /// <summary>The snapshot in force.</summary>
        public EngineSnapshot Current => Volatile.Read(ref _current);

        /// <summary>Puts <paramref name="next"/> in force and returns the one it replaced.</summary>
        public EngineSnapshot Swap(EngineSnapshot next) =>
            Interlocked.Exchange(ref _current, next ?? throw new ArgumentNullException(nameof(next)));

        /// <summary>Puts <paramref name="next"/> in force only if <paramref name="expected"/> still is; true when it did.</summary>
        public bool TrySwap(EngineSnapshot expected, EngineSnapshot next) =>
            ReferenceEquals(Interlocked.CompareExchange(ref _current, next ?? throw new ArgumentNullException(nameof(next)), expected), expected);
    }

    /// <summary>What a reload did: the snapshot in force after it, and the error when the new one could not be built (the old one stays).</summary>
    public sealed class SnapshotReload
    {
        internal SnapshotReload(EngineSnapshot inForce, EngineSnapshot previous, Exception? error)
        {
            InForce = inForce;
            Previous = previous;
            Error = error;
        }

        /// <summary>The snapshot in force now.</summary>
        public EngineSnapshot InForce { get; }

        /// <summary>The snapshot that was in force before.</summary>
        public EngineSnapshot Previous { get; }

        /// <summary>Why the new snapshot was not built; null when it is in force.</summary>
        public Exception? Error { get; }

        /// <summary>True when the new snapshot is in force.</summary>
        public bool Swapped => Error is null;
    }
}
