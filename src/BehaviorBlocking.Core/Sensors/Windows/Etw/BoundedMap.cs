using System.Collections.Generic;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// A dictionary that holds at most <see cref="Capacity"/> entries: adding past it evicts the oldest
    /// entry still present. The ETW state (processes, file and key names, pending creates) is kept in
    /// these so a long-running session's memory stays bounded whatever the kernel reports. Not thread-safe.
    /// </summary>
    internal sealed class BoundedMap<TKey, TValue>
        where TKey : notnull
    {
        private readonly Dictionary<TKey, Entry> _entries;
        private readonly Queue<KeyValuePair<TKey, long>> _order = new Queue<KeyValuePair<TKey, long>>();
        private long _sequence;

        public BoundedMap(int capacity)
        {
            Capacity = capacity < 1 ? 1 : capacity;
            _entries = new Dictionary<TKey, Entry>();
        }

        /// <summary>Most entries held.</summary>
        public int Capacity { get; }

        /// <summary>Entries held.</summary>
        public int Count => _entries.Count;

        /// <summary>Entries evicted to stay within <see cref="Capacity"/>.</summary>
        public long Evicted { get; private set; }

        public bool TryGetValue(TKey key, out TValue value)
        {
            if (_entries.TryGetValue(key, out Entry entry))
            {
                value = entry.Value;
                return true;
            }

            value = default!;
            return false;
        }

        /// <summary>Adds or replaces; a replaced entry counts as new for eviction order.</summary>
        public void Set(TKey key, TValue value)
        {
            long sequence = ++_sequence;
            bool existed = _entries.ContainsKey(key);
            _entries[key] = new Entry(value, sequence);
            _order.Enqueue(new KeyValuePair<TKey, long>(key, sequence));
            if (!existed)
            {
                while (_entries.Count > Capacity && _order.Count > 0)
                {
                    KeyValuePair<TKey, long> oldest = _order.Dequeue();
                    if (_entries.TryGetValue(oldest.Key, out Entry current) && current.Sequence == oldest.Value)
                    {
                        _entries.Remove(oldest.Key);
                        Evicted++;
                    }
                }
            }

            // Stale order entries (replaced or removed keys) are dropped once they outnumber the live ones.
            if (_order.Count > (2 * Capacity) + 16)
            {
                Compact();
            }
        }

        public bool Remove(TKey key) => _entries.Remove(key);

        /// <summary>Removes and returns the entry of <paramref name="key"/>.</summary>
        public bool Take(TKey key, out TValue value)
        {
            if (_entries.TryGetValue(key, out Entry entry))
            {
                _entries.Remove(key);
                value = entry.Value;
                return true;
            }

            value = default!;
            return false;
        }

        private void Compact()
        {
            int count = _order.Count;
            for (int i = 0; i < count; i++)
            {
                KeyValuePair<TKey, long> item = _order.Dequeue();
                if (_entries.TryGetValue(item.Key, out Entry current) && current.Sequence == item.Value)
                {
                    _order.Enqueue(item);
                }
            }
        }

        private readonly struct Entry
        {
            public Entry(TValue value, long sequence)
            {
                Value = value;
                Sequence = sequence;
            }

            public TValue Value { get; }

            public long Sequence { get; }
        }
    }
}
