using System;
using System.Threading;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// The policy a running engine decides with: one immutable <see cref="BlockingPolicy"/> snapshot,
    /// swapped atomically. Every <see cref="Decide"/> reads the current snapshot once, so a verdict is
    /// decided wholly by the old policy or wholly by the new one, never a mix. A reload that fails keeps
    /// the snapshot in force.
    /// </summary>
    public sealed class PolicyInForce : IBlockingPolicy
    {
        private BlockingPolicy _current;

        /// <summary>Starts with <paramref name="initial"/> in force.</summary>
        public PolicyInForce(BlockingPolicy initial)
        {
            _current = initial ?? throw new ArgumentNullException(nameof(initial));
        }

        /// <summary>The snapshot in force.</summary>
        public BlockingPolicy Current => Volatile.Read(ref _current);

        /// <inheritdoc />
        public PolicyMode Mode => Current.Mode;

        /// <inheritdoc />
        public string Version => Current.Version;

        /// <inheritdoc />
        public PolicyDecision Decide(Verdict verdict) => Current.Decide(verdict);

        /// <summary>Puts <paramref name="next"/> in force and returns the snapshot it replaced.</summary>
        public BlockingPolicy Swap(BlockingPolicy next) =>
            Interlocked.Exchange(ref _current, next ?? throw new ArgumentNullException(nameof(next)));

        /// <summary>
        /// Reads the policy file at <paramref name="path"/> (none there: the default Audit policy) and puts
        /// it in force with the current snapshot's clock, indicators and signer. On failure the snapshot in
        /// force stays and <paramref name="error"/> says why (<c>PolicyFileInvalid</c> with the position,
        /// <c>PolicyFileUnreadable</c>).
        /// </summary>
        public bool TryReload(string path, out BehaviorBlockingException? error)
        {
            LoadedPolicy loaded;
            try
            {
                loaded = PolicyFile.LoadInForce(path);
            }
            catch (BehaviorBlockingException ex)
            {
                error = ex;
                return false;
            }

            BlockingPolicy current = Current;
            Swap(current.Rebuild(loaded));
            error = null;
            return true;
        }
    }
}
