using System;
using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Response
{
    /// <summary>
    /// What a responder acts through on this machine: the process controller and guard rails, the
    /// quarantine, the indicator store and the remediator. A member left null means this build or
    /// platform has none: a step that needs it is recorded as <see cref="StepOutcome.NotSupported"/>,
    /// never as done. The same components serve the live responder (<see cref="ActiveResponder"/>)
    /// and <c>behaviorblock block</c>, so both act, and refuse, alike. Dispose closes the store
    /// connections the components of <see cref="ForThisMachine"/> opened.
    /// </summary>
    public sealed class ResponseComponents : IDisposable
    {
        private readonly List<IDisposable> _owned = new List<IDisposable>();

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
        /// The components of this platform: one <see cref="Response.GuardRails"/> shared by all of them, this
        /// platform's process controller (<see cref="ProcessControllers.ForThisPlatform"/>), the
        /// <see cref="QuarantineVault"/> in <c>&lt;productHome&gt;/quarantine</c>, the indicator store over
        /// <paramref name="storePath"/> and this platform's remediator with its backups in the same store.
        /// </summary>
        /// <remarks>
        /// The vault and the store are opened when a step first needs them, not here: a what-if block or a kill
        /// writes nothing it does not need, and a store (or vault) that cannot be opened fails only the steps
        /// that use it (<see cref="StepOutcome.Failed"/> or <see cref="StepOutcome.AccessDenied"/> with the
        /// store's error id and reason); a later step tries again.
        /// </remarks>
        /// <param name="productHome">The product folder (<c>ProductHome.Resolve()</c>).</param>
        /// <param name="storePath">The store file indicators and remediation backups are written to.</param>
        public static ResponseComponents ForThisMachine(string productHome, string storePath) => GuardedBy(new GuardRails(), productHome, storePath);

        /// <summary>
        /// The components of this platform with other guard rails (tests narrow what a Block-mode monitor over the whole
        /// machine may touch to the processes they started).
        /// </summary>
        internal static ResponseComponents GuardedBy(IGuardRails guards, string productHome, string storePath)
        {
            if (productHome is null)
            {
                throw new ArgumentNullException(nameof(productHome));
            }

            if (storePath is null)
            {
                throw new ArgumentNullException(nameof(storePath));
            }

            if (guards is null)
            {
                throw new ArgumentNullException(nameof(guards));
            }

            var quarantine = new OnDemandQuarantine(Path.Combine(productHome, QuarantineVault.FolderName), guards);
            var indicators = new OnDemandIndicatorSink(storePath);
            var remediator = new OnDemandRemediator(storePath, guards);
            var components = new ResponseComponents
            {
                GuardRails = guards,
                Processes = ProcessControllers.ForThisPlatform(guards),
                Quarantine = quarantine,
                Indicators = indicators,
                Remediator = remediator,
            };
            components._owned.Add(indicators);
            components._owned.Add(remediator);
            return components;
        }

        /// <summary>Closes the store connections the components opened (a step taken afterwards opens them again).</summary>
        public void Dispose()
        {
            foreach (IDisposable owned in _owned)
            {
                owned.Dispose();
            }
        }

        /// <summary>Opens a resource when first asked; a failure is thrown to the step that asked, and the next one tries again.</summary>
        private sealed class OnDemand<T> : IDisposable
            where T : class
        {
            private readonly Func<T> _open;
            private readonly object _gate = new object();
            private T? _value;

            public OnDemand(Func<T> open) => _open = open;

            public T Value
            {
                get
                {
                    lock (_gate)
                    {
                        return _value ??= _open();
                    }
                }
            }

            public void Dispose()
            {
                lock (_gate)
                {
                    (_value as IDisposable)?.Dispose();
                    _value = null;
                }
            }
        }

        /// <summary>The quarantine vault, created (with its folder, and recovery of an interrupted move) on first use.</summary>
        private sealed class OnDemandQuarantine : IQuarantine
        {
            private readonly OnDemand<QuarantineVault> _vault;

            public OnDemandQuarantine(string folder, IGuardRails guards) => _vault = new OnDemand<QuarantineVault>(() => new QuarantineVault(folder, guards));

            public QuarantineEntry Add(string path, Guid? detectionId, string reason) => _vault.Value.Add(path, detectionId, reason);

            public QuarantineEntry Restore(Guid id) => _vault.Value.Restore(id);

            public IReadOnlyList<QuarantineEntry> List() => _vault.Value.List();
        }

        /// <summary>The indicator store as the place block indicators go, opened on first use.</summary>
        private sealed class OnDemandIndicatorSink : IIndicatorSink, IDisposable
        {
            private readonly OnDemand<IndicatorStore> _store;

            public OnDemandIndicatorSink(string storePath) => _store = new OnDemand<IndicatorStore>(() => IndicatorStore.Open(storePath));

            public Indicator Block(string sha256, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy) =>
                _store.Value.Block(sha256, source, detectionId, comment, createdBy);

            public void Dispose() => _store.Dispose();
        }

        /// <summary>This platform's remediator over the remediation store, opened on first use.</summary>
        private sealed class OnDemandRemediator : IRemediator, IDisposable
        {
            private readonly OnDemand<RemediationStore> _store;
            private readonly OnDemand<BackedUpRemediator> _remediator;

            public OnDemandRemediator(string storePath, IGuardRails guards)
            {
                _store = new OnDemand<RemediationStore>(() => RemediationStore.Open(storePath));
                _remediator = new OnDemand<BackedUpRemediator>(() => Remediators.ForThisPlatform(_store.Value, guards));
            }

            // The platform's own answer, without opening the store for it.
            public bool IsSupported => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux)
                || System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows);

            public ResponseStep Remediate(PersistenceArtifact artifact, Guid? detectionId, bool whatIf) => _remediator.Value.Remediate(artifact, detectionId, whatIf);

            public RemediationRecord Undo(Guid id) => _remediator.Value.Undo(id);

            public IReadOnlyList<RemediationRecord> List() => _remediator.Value.List();

            public void Dispose()
            {
                _remediator.Dispose();
                _store.Dispose();
            }
        }
    }
}
