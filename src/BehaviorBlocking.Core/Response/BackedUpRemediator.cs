using System;
using System.Collections.Generic;
using System.IO;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Response
{
    /// <summary>What a remediator found it would remove for one artifact, or why it removes nothing.</summary>
    internal sealed class RemovalPlan
    {
        private RemovalPlan(StepOutcome? outcome, string detail, List<BackupItem> items)
        {
            Outcome = outcome;
            Detail = detail;
            Items = items;
        }

        /// <summary>Set when nothing is to be removed: AlreadyGone, Refused, Failed, NotSupported.</summary>
        public StepOutcome? Outcome { get; }

        /// <summary>What would be removed, for a person; or why nothing is.</summary>
        public string Detail { get; }

        /// <summary>What is to be removed, in order, with its backup.</summary>
        public List<BackupItem> Items { get; }

        public static RemovalPlan Remove(string description, List<BackupItem> items) => new RemovalPlan(null, description, items);

        public static RemovalPlan Nothing(StepOutcome outcome, string why) => new RemovalPlan(outcome, why, new List<BackupItem>());
    }

    /// <summary>What undoing one backed-up item takes: nothing (it is there as it was), putting it back, or a conflict.</summary>
    internal sealed class UndoStep
    {
        private UndoStep(string? conflict, Action? apply)
        {
            Conflict = conflict;
            Apply = apply;
        }

        /// <summary>Why the item cannot be put back exactly, or null.</summary>
        public string? Conflict { get; }

        /// <summary>Puts it back; null when nothing needs doing.</summary>
        public Action? Apply { get; }

        public static UndoStep AsItWas { get; } = new UndoStep(null, null);

        public static UndoStep Restore(Action apply) => new UndoStep(null, apply);

        public static UndoStep Refuse(string why) => new UndoStep(why, null);
    }

    /// <summary>
    /// The removal and undo protocol every remediator follows. Removal: plan (nothing changed), write the
    /// backup of exactly what will be removed to the store and wait until it is on disk, then remove item by
    /// item; a failure part-way puts back what was removed and drops the record, so a failed remediation
    /// leaves everything as it was (or, if even that fails, keeps the backup for <c>remediation undo</c>).
    /// Undo: check every item first and refuse, changing nothing, when any conflicts; then put back, last
    /// removed first; items already as they were are left alone, so an undo after a crash part-way works.
    /// </summary>
    public abstract class BackedUpRemediator : IRemediator
    {
        private readonly RemediationStore _store;

        /// <summary>Creates a remediator recording into <paramref name="store"/>, asking <paramref name="guardRails"/> before any file is removed or rewritten.</summary>
        protected BackedUpRemediator(RemediationStore store, IGuardRails? guardRails)
        {
            _store = store ?? throw new ArgumentNullException(nameof(store));
            GuardRails = guardRails;
        }

        /// <inheritdoc />
        public abstract bool IsSupported { get; }

        /// <summary>The guard rails asked before a file is removed or rewritten.</summary>
        protected IGuardRails? GuardRails { get; }

        /// <summary>Tests: called at each point of a removal ("backup-written", "removed:N"); throwing there is a failure at that point.</summary>
        internal Action<string>? FaultPoint { get; set; }

        /// <summary>Tests: false leaves a failed removal as it stands (as a crash would), backup kept.</summary>
        internal bool RollBackOnFailure { get; set; } = true;

        /// <inheritdoc />
        public ResponseStep Remediate(PersistenceArtifact artifact, Guid? detectionId, bool whatIf)
        {
            if (artifact is null)
            {
                throw new ArgumentNullException(nameof(artifact));
            }

            string target = artifact.Kind + " " + artifact.Location;
            if (!Handles(artifact.Kind) || !IsSupported)
            {
                return Step(target, StepOutcome.NotSupported, artifact.Kind + " persistence cannot be removed on this platform");
            }

            RemovalPlan plan;
            try
            {
                plan = Plan(artifact);
            }
            catch (RefusedPathException ex)
            {
                return Step(target, StepOutcome.Refused, ex.Message);
            }
            catch (IOException ex)
            {
                return Step(target, UnixFiles.IsDenied(ex) ? StepOutcome.AccessDenied : StepOutcome.Failed, ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                return Step(target, StepOutcome.AccessDenied, ex.Message);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // A step never throws: whatever stopped the plan is its detail, and nothing was changed.
                return Step(target, StepOutcome.Failed, ex.GetType().Name + ": " + ex.Message);
            }

            if (plan.Outcome is StepOutcome nothing)
            {
                return Step(target, nothing, plan.Detail);
            }

            if (whatIf)
            {
                return Step(target, StepOutcome.WhatIf, "would remove " + plan.Detail);
            }

            var id = Guid.NewGuid();
            var record = new RemediationRecord(id, artifact, RemediationState.Removed, DateTimeOffset.UtcNow)
            {
                DetectionId = detectionId,
                Description = plan.Detail,
            };
            byte[] backup = new RemediationBackup { Items = plan.Items }.ToBytes();
            try
            {
                _store.Add(record, backup);
            }
            catch (BehaviorBlockingException ex)
            {
                return Step(target, StepOutcome.Failed, "the backup could not be written, so nothing was removed: " + ex.Message);
            }

            int reached = 0;
            try
            {
                FaultPoint?.Invoke("backup-written");
                BeforeRemove(artifact);
                for (; reached < plan.Items.Count; reached++)
                {
                    Remove(plan.Items[reached]);
                    FaultPoint?.Invoke("removed:" + reached);
                }
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return Failed(target, id, plan.Items, reached, ex);
            }

            string? after = AfterChange(artifact, undo: false);
            return Step(target, StepOutcome.Done, "removed " + plan.Detail + (after is null ? string.Empty : "; " + after), id.ToString("D"));
        }

        /// <inheritdoc />
        public RemediationRecord Undo(Guid id)
        {
            (RemediationRecord Record, byte[] Backup) found = _store.Find(id) ?? throw new BehaviorBlockingException(ErrorIds.RemediationNotFound, FailureKind.NotFound,
                "No remediation " + id.ToString("D") + " is recorded in the store '" + _store.FilePath + "'.")
            {
                Target = id,
            };
            RemediationRecord record = found.Record;
            if (record.State == RemediationState.Restored)
            {
                throw new BehaviorBlockingException(ErrorIds.RemediationAlreadyUndone, FailureKind.InvalidData,
                    "Remediation " + id.ToString("D") + " (" + record.Artifact + ") was already undone" + (record.RestoredAt is DateTimeOffset at ? " at " + at.ToString("O") : string.Empty) + ".")
                {
                    Target = id,
                };
            }

            if (!Handles(record.Artifact.Kind) || !IsSupported)
            {
                throw new BehaviorBlockingException(ErrorIds.RemediationNotSupported, FailureKind.NotSupported,
                    "Remediation " + id.ToString("D") + " removed " + record.Artifact.Kind + " persistence, which cannot be put back on this platform; undo it where it was made.")
                {
                    Target = id,
                };
            }

            RemediationBackup backup = RemediationBackup.Parse(found.Backup, id);
            var steps = new List<(BackupItem Item, UndoStep Step)>();
            var conflicts = new List<string>();
            for (int i = backup.Items.Count - 1; i >= 0; i--)
            {
                UndoStep step;
                try
                {
                    step = PlanUndo(backup.Items[i]);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    step = UndoStep.Refuse("'" + backup.Items[i].Path + "' cannot be read: " + ex.Message);
                }

                if (step.Conflict is not null)
                {
                    conflicts.Add(step.Conflict);
                }

                steps.Add((backup.Items[i], step));
            }

            if (conflicts.Count > 0)
            {
                throw new BehaviorBlockingException(ErrorIds.RemediationUndoConflict, FailureKind.InvalidData,
                    "Remediation " + id.ToString("D") + " (" + record.Artifact + ") cannot be undone exactly, so nothing was changed: " + string.Join("; ", conflicts) + ".")
                {
                    Target = id,
                };
            }

            var putBack = new List<string>();
            foreach ((BackupItem item, UndoStep step) in steps)
            {
                if (step.Apply is null)
                {
                    continue;
                }

                try
                {
                    step.Apply();
                    putBack.Add(item.Path);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new BehaviorBlockingException(ErrorIds.RemediationUndoFailed, FailureKind.AccessDenied,
                        "Undoing remediation " + id.ToString("D") + " failed at '" + item.Path + "': " + ex.Message
                        + (putBack.Count == 0 ? "; nothing was put back" : "; put back: " + string.Join(", ", putBack)) + ". Run the undo again once the cause is fixed.", ex)
                    {
                        Target = id,
                    };
                }
            }

            DateTimeOffset now = DateTimeOffset.UtcNow;
            _store.MarkRestored(id, now);
            AfterChange(record.Artifact, undo: true);
            return new RemediationRecord(id, record.Artifact, RemediationState.Restored, record.Time)
            {
                DetectionId = record.DetectionId,
                Description = record.Description,
                RestoredAt = now,
            };
        }

        /// <inheritdoc />
        public IReadOnlyList<RemediationRecord> List() => _store.List();

        /// <summary>True for the kinds this remediator removes.</summary>
        protected internal abstract bool Handles(PersistenceKind kind);

        /// <summary>Finds what removing <paramref name="artifact"/> takes and backs it up in the plan; changes nothing.</summary>
        internal abstract RemovalPlan Plan(PersistenceArtifact artifact);

        /// <summary>Removes one planned item; throws when it cannot (nothing of the item removed, or the item removed whole).</summary>
        internal abstract void Remove(BackupItem item);

        /// <summary>What putting back one item takes now; changes nothing.</summary>
        internal abstract UndoStep PlanUndo(BackupItem item);

        /// <summary>Once the backup is on disk, before the first item is removed (stop a service).</summary>
        internal virtual void BeforeRemove(PersistenceArtifact artifact)
        {
        }

        /// <summary>After a removal or an undo (reload a service manager); what it did, for the step's detail, or null.</summary>
        internal virtual string? AfterChange(PersistenceArtifact artifact, bool undo) => null;

        private ResponseStep Failed(string target, Guid id, List<BackupItem> items, int reached, Exception ex)
        {
            string cause = ex.Message;
            if (!RollBackOnFailure)
            {
                return Step(target, StepOutcome.Failed, cause + "; the backup is kept: undo what was removed with 'behaviorblock remediation undo " + id.ToString("D") + "'", id.ToString("D"));
            }

            try
            {
                for (int i = Math.Min(reached, items.Count - 1); i >= 0; i--)
                {
                    UndoStep step = PlanUndo(items[i]);
                    if (step.Conflict is not null)
                    {
                        throw new IOException(step.Conflict);
                    }

                    step.Apply?.Invoke();
                }

                _store.Forget(id);
                return Step(target, UnixFiles.IsDenied(ex) || ex is UnauthorizedAccessException ? StepOutcome.AccessDenied : StepOutcome.Failed, cause + "; nothing was removed");
            }
            catch (Exception rollback) when (!(rollback is OutOfMemoryException))
            {
                return Step(target, StepOutcome.Partial, cause + "; putting back what was removed failed too (" + rollback.Message
                    + "): undo it with 'behaviorblock remediation undo " + id.ToString("D") + "'", id.ToString("D"));
            }
        }

        private static ResponseStep Step(string target, StepOutcome outcome, string detail, string? reference = null) =>
            new ResponseStep(ResponseKind.Remediate, target, outcome, detail, reference);
    }
}
