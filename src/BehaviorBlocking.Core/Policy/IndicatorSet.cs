using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// An immutable snapshot of indicators with constant-time lookup: hashes by their 256-bit value, Unix
    /// paths exactly, Windows paths without regard to case. Which one decides: a block outranks an allow,
    /// and between equals a hash outranks a path (hash block, path block, hash allow, path allow); expired
    /// indicators are ignored. Safe to share between threads; a lookup allocates nothing.
    /// </summary>
    public sealed class IndicatorSet : IIndicatorLookup
    {
        private readonly Dictionary<Sha256Key, Indicator> _hashes = new Dictionary<Sha256Key, Indicator>();
        private readonly Dictionary<string, Indicator> _unixPaths = new Dictionary<string, Indicator>(StringComparer.Ordinal);
        private readonly Dictionary<string, Indicator> _windowsPaths = new Dictionary<string, Indicator>(StringComparer.OrdinalIgnoreCase);
        private readonly Indicator[] _all;

        /// <summary>Builds a set; of two indicators for the same artifact, a block one is kept over an allow one, then the later one.</summary>
        public IndicatorSet(IEnumerable<Indicator> indicators)
        {
            if (indicators is null)
            {
                throw new ArgumentNullException(nameof(indicators));
            }

            var all = new List<Indicator>();
            foreach (Indicator indicator in indicators)
            {
                all.Add(indicator);
                if (indicator.Kind == IndicatorKind.Sha256)
                {
                    if (IndicatorValues.TryParseSha256(indicator.Value, 0, out Sha256Key key) && indicator.Value.Length == 64)
                    {
                        Put(_hashes, key, indicator);
                    }
                }
                else
                {
                    Put(IndicatorValues.IsWindowsPath(indicator.Value) ? _windowsPaths : _unixPaths, indicator.Value, indicator);
                }
            }

            _all = all.ToArray();
        }

        /// <summary>A set with no indicators.</summary>
        public static IndicatorSet Empty { get; } = new IndicatorSet(Array.Empty<Indicator>());

        /// <inheritdoc />
        public IReadOnlyList<Indicator> All => _all;

        /// <summary>True when the set holds no indicator (nothing can match).</summary>
        public bool IsEmpty => _all.Length == 0;

        /// <inheritdoc />
        /// <remarks><paramref name="sha256"/> may be the 64 hex digits or a Sysmon hash field (<c>SHA1=…,SHA256=…</c>).</remarks>
        public Indicator? Match(string? sha256, string? path, DateTimeOffset now)
        {
            if (_all.Length == 0)
            {
                return null;
            }

            Indicator? byHash = null;
            if (sha256 is not null && _hashes.Count > 0)
            {
                int at = IndicatorValues.FindSha256(sha256);
                if (at >= 0 && IndicatorValues.TryParseSha256(sha256, at, out Sha256Key key) && _hashes.TryGetValue(key, out Indicator? found) && found.IsActive(now))
                {
                    byHash = found;
                    if (found.Verdict == IndicatorVerdict.Block)
                    {
                        return found;
                    }
                }
            }

            Indicator? byPath = null;
            if (path is not null && path.Length > 0)
            {
                Dictionary<string, Indicator> paths = IndicatorValues.IsWindowsPath(path) ? _windowsPaths : _unixPaths;
                if (paths.Count > 0 && paths.TryGetValue(path, out Indicator? found) && found.IsActive(now))
                {
                    byPath = found;
                }
            }

            if (byPath is not null && byPath.Verdict == IndicatorVerdict.Block)
            {
                return byPath;
            }

            return byHash ?? byPath;
        }

        private static void Put<TKey>(Dictionary<TKey, Indicator> map, TKey key, Indicator indicator)
            where TKey : notnull
        {
            if (map.TryGetValue(key, out Indicator? existing) && existing.Verdict == IndicatorVerdict.Block && indicator.Verdict == IndicatorVerdict.Allow)
            {
                return;
            }

            map[key] = indicator;
        }
    }
}
