using System;
using System.Threading;
using BehaviorBlocking.Pipeline;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>Runs a live event source on a thread of its own into a <see cref="CollectingEventWriter"/>; Dispose cancels it and waits for it to stop.</summary>
    internal sealed class LiveSourceRun : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Thread _thread;

        public LiveSourceRun(IEventSource source)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    source.Run(Writer, _stop.Token);
                }
                catch (Exception ex)
                {
                    Failure = ex;
                }
            })
            { IsBackground = true, Name = "test " + source.Name };
            _thread.Start();
        }

        public CollectingEventWriter Writer { get; } = new CollectingEventWriter();

        public Exception? Failure { get; private set; }

        /// <summary>True when the source returned within <paramref name="timeout"/> after being cancelled.</summary>
        public bool Stop(TimeSpan timeout)
        {
            _stop.Cancel();
            return _thread.Join(timeout);
        }

        public void Dispose()
        {
            Stop(TimeSpan.FromSeconds(5));
            _stop.Dispose();
        }
    }
}
