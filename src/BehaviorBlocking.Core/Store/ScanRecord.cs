using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Store
{
    /// <summary>One replay scan run as recorded in the store: when it ran, what it read and what it found.</summary>
    public sealed class ScanRecord
    {
        private static readonly string[] s_none = new string[0];

        /// <summary>The scan's id in the store; zero for a scan not read from the store.</summary>
        public long Id { get; init; }

        /// <summary>When the scan started, UTC.</summary>
        public DateTimeOffset Started { get; init; }

        /// <summary>When the scan finished, UTC.</summary>
        public DateTimeOffset Finished { get; init; }

        /// <summary>The inputs as given on the command line (files or folders).</summary>
        public IReadOnlyList<string> Inputs { get; init; } = s_none;

        /// <summary>Number of files read.</summary>
        public long Files { get; init; }

        /// <summary>Number of events read.</summary>
        public long Events { get; init; }

        /// <summary>Number of malformed records skipped.</summary>
        public long Malformed { get; init; }

        /// <summary>Number of detections reported.</summary>
        public long Detections { get; init; }
    }
}
