using System.Collections.Generic;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// Keeps the ETW callback from copying every FileIO operation end (one per read, write and close):
    /// only the end of a create that may have made a file (not FILE_OPEN, not a directory) is copied.
    /// Used by the one callback thread; bounded (past <see cref="Capacity"/> pending creates it starts over,
    /// losing at most the outcome of those creates).
    /// </summary>
    internal sealed class FileCreateFilter
    {
        private const int FileOpen = 1;
        private const int FileDirectoryFile = 0x1;
        private readonly HashSet<ulong> _pending = new HashSet<ulong>();

        public FileCreateFilter(int capacity = 65536)
        {
            Capacity = capacity;
        }

        /// <summary>Most creates awaiting their end.</summary>
        public int Capacity { get; }

        /// <summary>Creates whose end was forgotten because too many were pending.</summary>
        public long Forgotten { get; private set; }

        /// <summary>A create was seen; true when it is one whose outcome matters (and so the create itself is copied).</summary>
        public bool OnCreate(ulong irp, int disposition, int options)
        {
            if (disposition == FileOpen || (options & FileDirectoryFile) != 0 || irp == 0)
            {
                return false;
            }

            if (_pending.Count >= Capacity)
            {
                Forgotten += _pending.Count;
                _pending.Clear();
            }

            _pending.Add(irp);
            return true;
        }

        /// <summary>An operation ended; true when it ends a create that <see cref="OnCreate"/> kept.</summary>
        public bool OnOperationEnd(ulong irp) => _pending.Remove(irp);
    }
}
