using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>
    /// The keys of the record being parsed, compared as <see cref="Events.EventRecord.GetField"/> compares
    /// them (ordinal, ignoring case), to find repeated keys. Cleared per record in O(1) (a stamp),
    /// so it costs one probe per key on the hot path and allocates only when a record has more keys than ever.
    /// </summary>
    internal sealed class RecordKeySet
    {
        private readonly List<string> _unhashed = new List<string>();
        private Slot[] _slots = new Slot[256];
        private int _stamp = 1;
        private int _count;

        /// <summary>Starts a new record.</summary>
        public void Clear()
        {
            _count = 0;
            _unhashed.Clear();
            if (++_stamp == int.MaxValue)
            {
                Array.Clear(_slots, 0, _slots.Length);
                _stamp = 1;
            }
        }

        /// <summary>
        /// Adds a key; false when the record already has it. <paramref name="caseFoldedHash"/> comes from
        /// <see cref="Internal.Utf8StringCache"/> (0: non-ASCII, compared one by one).
        /// </summary>
        public bool Add(string name, uint caseFoldedHash)
        {
            if (caseFoldedHash == 0)
            {
                // Rare: non-ASCII keys follow the full case rules, so compare with every key of the record.
                for (int i = 0; i < _slots.Length && _count > 0; i++)
                {
                    if (_slots[i].Stamp == _stamp && string.Equals(_slots[i].Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        return false;
                    }
                }

                if (Contains(_unhashed, name))
                {
                    return false;
                }

                _unhashed.Add(name);
                return true;
            }

            if (_unhashed.Count > 0 && Contains(_unhashed, name))
            {
                return false;
            }

            if ((_count + 1) * 2 > _slots.Length)
            {
                Grow();
            }

            int mask = _slots.Length - 1;
            for (int i = (int)caseFoldedHash & mask; ; i = (i + 1) & mask)
            {
                ref Slot slot = ref _slots[i];
                if (slot.Stamp != _stamp)
                {
                    slot.Stamp = _stamp;
                    slot.Hash = caseFoldedHash;
                    slot.Name = name;
                    _count++;
                    return true;
                }

                if (slot.Hash == caseFoldedHash && (ReferenceEquals(slot.Name, name) || string.Equals(slot.Name, name, StringComparison.OrdinalIgnoreCase)))
                {
                    return false;
                }
            }
        }

        private static bool Contains(List<string> names, string name)
        {
            for (int i = 0; i < names.Count; i++)
            {
                if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private void Grow()
        {
            Slot[] old = _slots;
            _slots = new Slot[old.Length * 2];
            int mask = _slots.Length - 1;
            foreach (Slot entry in old)
            {
                if (entry.Stamp == _stamp)
                {
                    int i = (int)entry.Hash & mask;
                    while (_slots[i].Stamp == _stamp)
                    {
                        i = (i + 1) & mask;
                    }

                    _slots[i] = entry;
                }
            }
        }

        private struct Slot
        {
            public int Stamp;
            public uint Hash;
            public string? Name;
        }
    }
}
