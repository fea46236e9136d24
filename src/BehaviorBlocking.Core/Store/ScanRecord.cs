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

        /// <summary>Whether the scan is running, completed, was cancelled or failed; a killed scan stays <see cref="ScanStatus.Running"/>.</summary>
        public ScanStatus Status { get; init; }

        /// <summary>When the scan started, UTC.</summary>
        public DateTimeOffset Started { get; init; }

        /// <summary>When the scan ended, UTC; null while it runs (or when it was killed).</summary>
        public DateTimeOffset? Finished { get; init; }

        /// <summary>The inputs as given on the command line (files or folders).</summary>
        public IReadOnlyList<string> Inputs { get; init; } = s_none;

        /// <summary>Number of files read (zero until the scan ends).</summary>
        public long Files { get; init; }

        /// <summary>Number of events read.</summary>
        public long Events { get; init; }

        /// <summary>Number of malformed records skipped.</summary>
        public long Malformed { get; init; }

        /// <summary>Number of detections reported.</summary>
        public long Detections { get; init; }
    }
}
