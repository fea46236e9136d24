using System;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// What a responder acts through on this machine: the process controller and guard rails, the
    /// quarantine, the indicator store and the remediator. A member left null means this build or
    /// platform has none: a step that needs it is recorded as <see cref="StepOutcome.NotSupported"/>,
    /// never as done. The same components serve the live responder (<see cref="ActiveResponder"/>)
    /// and <c>behaviorblock block</c>, so both act, and refuse, alike.
    /// </summary>
    public sealed class ResponseComponents
    {
        /// <summary>Acts on live processes; it checks <see cref="GuardRails"/> itself before any signal.</summary>
        public IProcessController? Processes { get; init; }

        /// <summary>What nothing may act on; also consulted before a file is quarantined and to choose where a tree is killed from.</summary>
        public IGuardRails? GuardRails { get; init; }

        /// <summary>The quarantine vault.</summary>
        public IQuarantine? Quarantine { get; init; }

        /// <summary>Where block indicators are written.</summary>
        public IIndicatorSink? Indicators { get; init; }

        /// <summary>Removes persistence with a backup.</summary>
        public IRemediator? Remediator { get; init; }

        /// <summary>The names of this machine (which detections are about it).</summary>
        public MachineIdentity Machine { get; init; } = MachineIdentity.Current;

        /// <summary>
        /// The components of this platform, with the product folder <paramref name="productHome"/> for the
        /// quarantine and the store. Each platform piece is plugged in here as it is built; one not yet
        /// available stays null, and what needs it is reported as not supported.
        /// </summary>
        /// <param name="productHome">The product folder (<c>ProductHome.Resolve()</c>).</param>
        /// <param name="storePath">The store file indicators are written to.</param>
        public static ResponseComponents ForThisMachine(string productHome, string storePath)
        {
            if (productHome is null)
            {
                throw new ArgumentNullException(nameof(productHome));
            }

            if (storePath is null)
            {
                throw new ArgumentNullException(nameof(storePath));
            }

            // Each platform's pieces are set here as they join the build: the process controller with its guard
            // rails for this OS, the quarantine vault under productHome, the indicator store over storePath and
            // the remediator. Until then every step that needs a missing piece is recorded as NotSupported.
            return new ResponseComponents();
        }
    }
}
