using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>What one input did to a target.</summary>
    internal enum FuzzVerdict
    {
        /// <summary>Accepted, or refused the documented way.</summary>
        Passed,

        /// <summary>An undocumented exception escaped, or an invariant was broken.</summary>
        Crashed,

        /// <summary>Still running when the time limit passed.</summary>
        Hung,
    }

    /// <summary>The outcome of one input.</summary>
    internal sealed class FuzzOutcome
    {
        public FuzzOutcome(FuzzVerdict verdict, Exception? exception, TimeSpan elapsed)
        {
            Verdict = verdict;
            Exception = exception;
            Elapsed = elapsed;
        }

        public FuzzVerdict Verdict { get; }

        public Exception? Exception { get; }

        public TimeSpan Elapsed { get; }

        /// <summary>One line: the exception type, message and the frame it came from.</summary>
        public string Describe()
        {
            switch (Verdict)
            {
                case FuzzVerdict.Passed:
                    return "passed";
                case FuzzVerdict.Hung:
                    return $"still running after {Elapsed.TotalMilliseconds:0} ms";
                default:
                    Exception ex = Exception!;
                    string frame = FirstFrame(ex);
                    return $"{(ex is FuzzInvariantException ? "invariant broken" : ex.GetType().FullName)}: {OneLine(ex.Message)}{(frame.Length > 0 ? " (at " + frame + ")" : string.Empty)}";
            }
        }

        private static string OneLine(string text) => text.Replace("\r", string.Empty).Replace('\n', ' ');

        private static string FirstFrame(Exception ex)
        {
            string? trace = ex.StackTrace;
            if (trace is null || ex is FuzzInvariantException)
            {
                return string.Empty;
            }

            foreach (string line in trace.Split('\n'))
            {
                string frame = line.Trim();
                if (frame.StartsWith("at ", StringComparison.Ordinal))
                {
                    frame = frame.Substring(3);
                    int args = frame.IndexOf('(');
                    return args > 0 ? frame.Substring(0, args) : frame;
                }
            }

            return string.Empty;
        }
    }

    /// <summary>
    /// Runs a target on one input on its own thread, with the runtime's default stack for a thread
    /// (as the product's reader and pipeline threads have), so a deep recursion overflows here as it
    /// would in a scan.
    /// </summary>
    internal static class FuzzRunner
    {
        /// <summary>Runs the input; a run still going after <paramref name="timeout"/> is a hang (its thread is left behind, in the background).</summary>
        public static FuzzOutcome Execute(FuzzTarget target, byte[] input, TimeSpan timeout)
        {
            Exception? failure = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var thread = new Thread(() =>
            {
                try
                {
                    target.Run(input);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            })
            {
                IsBackground = true,
                Name = "fuzz " + target.Name,
            };
            thread.Start();
            if (!thread.Join(timeout))
            {
                return new FuzzOutcome(FuzzVerdict.Hung, null, clock.Elapsed);
            }

            return new FuzzOutcome(failure is null ? FuzzVerdict.Passed : FuzzVerdict.Crashed, failure, clock.Elapsed);
        }

        /// <summary>Runs the input and rethrows what escaped it (afl mode: SharpFuzz reports an escaping exception as a crash).</summary>
        public static void ExecuteOrThrow(FuzzTarget target, byte[] input)
        {
            FuzzOutcome outcome = Execute(target, input, Timeout.InfiniteTimeSpan);
            if (outcome.Exception is not null)
            {
                ExceptionDispatchInfo.Capture(outcome.Exception).Throw();
            }
        }
    }
}
