using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Engine
{
    /// <summary>
    /// The indicators a monitor has in force: one immutable <see cref="IndicatorSet"/> read with one volatile read
    /// (<see cref="Current"/>), replaced when the store's table changed or the responder blocked a hash. It is itself
    /// a lookup over the set in force, so the policy and the kill-on-start detector built once see every change.
    /// </summary>
    internal sealed class MonitorIndicators : IIndicatorLookup
    {
        private readonly object _gate = new object();
        private IndicatorSet _current;
        private string _fingerprint;

        public MonitorIndicators(IndicatorSet initial)
        {
            _current = initial ?? throw new ArgumentNullException(nameof(initial));
            _fingerprint = Fingerprint(initial);
        }

        /// <summary>The set in force.</summary>
        public IndicatorSet Current => Volatile.Read(ref _current);

        /// <summary>Times the set in force was replaced.</summary>
        public long Changes => Interlocked.Read(ref _changes);

        private long _changes;

        /// <inheritdoc />
        public IReadOnlyList<Indicator> All => Current.All;

        /// <inheritdoc />
        public Indicator? Match(string? sha256, string? path, DateTimeOffset now) => Current.Match(sha256, path, now);

        /// <summary>Puts <paramref name="set"/> in force when it differs from the set in force; true when it did.</summary>
        public bool Replace(IndicatorSet set)
        {
            string fingerprint = Fingerprint(set);
            lock (_gate)
            {
                if (fingerprint == _fingerprint)
                {
                    return false;
                }

                _fingerprint = fingerprint;
                Volatile.Write(ref _current, set);
                Interlocked.Increment(ref _changes);
                return true;
            }
        }

        /// <summary>Puts one indicator in force at once (the responder just wrote it), replacing one with its id.</summary>
        public void Add(Indicator indicator)
        {
            lock (_gate)
            {
                var all = new List<Indicator>(Current.All.Count + 1);
                foreach (Indicator existing in Current.All)
                {
                    if (existing.Id != indicator.Id)
                    {
                        all.Add(existing);
                    }
                }

                all.Add(indicator);
                var set = new IndicatorSet(all);
                _fingerprint = Fingerprint(set);
                Volatile.Write(ref _current, set);
                Interlocked.Increment(ref _changes);
            }
        }

        private static string Fingerprint(IndicatorSet set)
        {
            var text = new StringBuilder(set.All.Count * 48);
            foreach (Indicator indicator in set.All)
            {
                text.Append(indicator.Id.ToString("N")).Append(indicator.Verdict).Append(indicator.Value)
                    .Append(indicator.Expires?.UtcTicks ?? 0).Append(';');
            }

            return text.ToString();
        }
    }

    /// <summary>Where a monitor's responder writes block indicators: the store, then the monitor's set in force at once.</summary>
    internal sealed class InForceIndicatorSink : IIndicatorSink
    {
        private readonly IIndicatorSink _inner;
        private readonly MonitorIndicators _indicators;

        public InForceIndicatorSink(IIndicatorSink inner, MonitorIndicators indicators)
        {
            _inner = inner;
            _indicators = indicators;
        }

        public Indicator Block(string sha256, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy)
        {
            Indicator added = _inner.Block(sha256, source, detectionId, comment, createdBy);
            _indicators.Add(added);
            return added;
        }
    }
}
