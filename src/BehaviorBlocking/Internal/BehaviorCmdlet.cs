using System;
using System.Management.Automation;
using System.Threading;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>
    /// The base of every BehaviorBlocking cmdlet: turns the engine's <see cref="BehaviorBlockingException"/>s into
    /// <see cref="ErrorRecord"/>s in one place, and cancels long work when the user presses Ctrl+C
    /// (<see cref="StopProcessing"/> cancels <see cref="Cancellation"/>).
    /// </summary>
    /// <remarks>
    /// Derived cmdlets override <see cref="Begin"/>, <see cref="Process"/> and <see cref="End"/>. An engine exception
    /// escaping one of them is a terminating error (a precondition that dooms every item); one bad item among many
    /// is reported with <see cref="WriteItemError"/> and the cmdlet goes on.
    /// </remarks>
    public abstract class BehaviorCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Cancelled when the pipeline is stopped (Ctrl+C, <c>Select-Object -First</c>, a closed runspace).</summary>
        protected CancellationToken Cancellation => _stop.Token;

        /// <summary>Work before the first pipeline object.</summary>
        protected virtual void Begin()
        {
        }

        /// <summary>Work for each pipeline object (or once without pipeline input).</summary>
        protected virtual void Process()
        {
        }

        /// <summary>Work after the last pipeline object.</summary>
        protected virtual void End()
        {
        }

        /// <inheritdoc />
        protected sealed override void BeginProcessing() => Guard(Begin, null);

        /// <inheritdoc />
        protected sealed override void ProcessRecord() => Guard(Process, null);

        /// <inheritdoc />
        protected sealed override void EndProcessing() => Guard(End, null);

        /// <inheritdoc />
        protected override void StopProcessing()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The cmdlet already finished; there is nothing left to stop.
            }
        }

        /// <summary>Reports one failed item as a non-terminating error and lets the cmdlet continue with the next.</summary>
        /// <param name="exception">What failed.</param>
        /// <param name="target">The input that failed (a path, a PID, a detection), used when the exception names none.</param>
        protected void WriteItemError(Exception exception, object? target) => WriteError(ErrorRecords.From(exception, target));

        /// <summary>Ends the cmdlet with a terminating error built from <paramref name="exception"/>.</summary>
        protected void ThrowFailure(Exception exception, object? target) => ThrowTerminatingError(ErrorRecords.From(exception, target));

        /// <summary>
        /// One state change per id: asks ShouldProcess naming the target as a person recognises it, makes the change,
        /// writes its result when <paramref name="passThru"/>, and reports an engine error for that id alone (the others go on).
        /// </summary>
        protected void ChangeEach<TResult>(Guid[] ids, Func<Guid, string> target, string action, Func<Guid, TResult> change, bool passThru)
        {
            foreach (Guid id in ids)
            {
                if (!ShouldProcess(target(id), action))
                {
                    continue;
                }

                try
                {
                    TResult result = change(id);
                    if (passThru)
                    {
                        WriteObject(result);
                    }
                }
                catch (BehaviorBlockingException ex)
                {
                    WriteItemError(ex, id);
                }
            }
        }

        /// <summary>Disposes the cancellation source.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases what the cmdlet holds; derived cmdlets that own resources override it and call the base.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                _stop.Dispose();
            }
        }

        private void Guard(Action step, object? target)
        {
            try
            {
                step();
            }
            catch (BehaviorBlockingException ex)
            {
                ThrowTerminatingError(ErrorRecords.From(ex, target));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The user stopped the pipeline: PowerShell ends it; nothing to report.
            }
        }
    }
}
