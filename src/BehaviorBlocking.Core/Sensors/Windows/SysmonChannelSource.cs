using System;
using System.Collections.Concurrent;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows.Etw;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Reads Sysmon's own channel (<c>Microsoft-Windows-Sysmon/Operational</c>) live where Sysmon is
    /// installed: an <c>EventLogWatcher</c> hands each new record's XML to a bounded queue (a full queue
    /// drops and counts), and <see cref="Run"/> parses it with the replay's event-XML reader and normalizes
    /// it as a recorded Sysmon event. Windows only.
    /// </summary>
    public sealed class SysmonChannelSource : IEventSource
    {
        /// <summary>The channel read.</summary>
        public const string ChannelName = SysmonEventMapper.Channel;

        private const int IdleWaitMilliseconds = 200;
        private const int MaxRecordChars = 1024 * 1024;

        private readonly ConcurrentQueue<string> _queue = new ConcurrentQueue<string>();
        private readonly SemaphoreSlim _signal = new SemaphoreSlim(0);
        private readonly int _capacity;
        private int _queued;
        private long _dropped;
        private long _badRecords;
        private long _received;

        /// <summary>Creates a reader; <paramref name="queueCapacity"/> records may wait for the consumer.</summary>
        public SysmonChannelSource(int queueCapacity = 65536)
        {
            _capacity = Math.Max(1, queueCapacity);
        }

        /// <inheritdoc />
        public string Name => "sysmon";

        /// <inheritdoc />
        public bool IsLive => true;

        /// <summary>Records delivered by the event log.</summary>
        public long Received => Interlocked.Read(ref _received);

        /// <summary>Records dropped because the consumer was behind.</summary>
        public long Dropped => Interlocked.Read(ref _dropped);

        /// <summary>Records whose XML could not be read or normalized (skipped and reported).</summary>
        public long BadRecords => Interlocked.Read(ref _badRecords);

        /// <summary>
        /// Whether Sysmon's channel exists here; <paramref name="reason"/> says why not (not Windows, Sysmon not
        /// installed, the event log cannot be asked).
        /// </summary>
        public static bool IsInstalled(out string reason)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                reason = "Sysmon's channel exists on Windows only";
                return false;
            }

            return ChannelExists(out reason);
        }

        /// <summary>Reads the channel until <paramref name="cancellationToken"/> is cancelled.</summary>
        /// <exception cref="BehaviorBlockingException"><c>EtwSensorNotSupported</c> off Windows; <c>SysmonChannelUnavailable</c> when Sysmon is not installed or its channel cannot be read.</exception>
        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                throw EtwPreconditions.NotWindows("Sysmon channel reader");
            }

            if (!ChannelExists(out string reason))
            {
                throw new BehaviorBlockingException(ErrorIds.SysmonChannelUnavailable, FailureKind.NotFound,
                    $"Sysmon's channel '{ChannelName}' cannot be read: {reason}.") { Target = ChannelName };
            }

            Watch(writer, cancellationToken);
        }

        /// <summary>Parses one event's XML (as <c>EventRecord.ToXml()</c> gives it) with the replay's reader; null with the problem reported when it cannot be read.</summary>
        internal static EventRecord? ParseXml(string xml, string source, Action<ReplayProblem> report)
        {
            using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml)))
            {
                var reader = new EventXmlRecordReader(stream, source, report, MaxRecordChars, new UTF8Encoding(false));
                return reader.Next();
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static bool ChannelExists(out string reason)
        {
            try
            {
                using (var session = new System.Diagnostics.Eventing.Reader.EventLogSession())
                {
                    foreach (string name in session.GetLogNames())
                    {
                        if (string.Equals(name, ChannelName, StringComparison.OrdinalIgnoreCase))
                        {
                            reason = string.Empty;
                            return true;
                        }
                    }
                }

                reason = "Sysmon is not installed (no such channel in the event log)";
                return false;
            }
            catch (Exception ex) when (ex is System.Diagnostics.Eventing.Reader.EventLogException || ex is UnauthorizedAccessException || ex is InvalidOperationException)
            {
                reason = "the event log could not be asked (" + ex.Message + ")";
                return false;
            }
            catch (PlatformNotSupportedException ex)
            {
                // The netstandard2.0 build of System.Diagnostics.EventLog loaded where the Windows one should have been.
                reason = "this host's System.Diagnostics.EventLog cannot read the event log (" + ex.Message + ")";
                return false;
            }
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private void Watch(IEventWriter writer, CancellationToken cancellationToken)
        {
            var query = new System.Diagnostics.Eventing.Reader.EventLogQuery(ChannelName, System.Diagnostics.Eventing.Reader.PathType.LogName);
            using (var watcher = new System.Diagnostics.Eventing.Reader.EventLogWatcher(query))
            {
                watcher.EventRecordWritten += (sender, e) =>
                {
                    // Copy and enqueue only: the XML is parsed on the consumer thread.
                    using (System.Diagnostics.Eventing.Reader.EventRecord? record = e.EventRecord)
                    {
                        if (record is null)
                        {
                            return;
                        }

                        Interlocked.Increment(ref _received);
                        if (Interlocked.Increment(ref _queued) > _capacity)
                        {
                            Interlocked.Decrement(ref _queued);
                            Interlocked.Increment(ref _dropped);
                            return;
                        }

                        _queue.Enqueue(record.ToXml());
                        if (_signal.CurrentCount == 0)
                        {
                            _signal.Release();
                        }
                    }
                };
                try
                {
                    watcher.Enabled = true;
                }
                catch (Exception ex) when (ex is System.Diagnostics.Eventing.Reader.EventLogException || ex is UnauthorizedAccessException)
                {
                    throw new BehaviorBlockingException(ErrorIds.SysmonChannelUnavailable, FailureKind.NotFound,
                        $"Sysmon's channel '{ChannelName}' cannot be watched: {ex.Message} (reading it needs an elevated process or membership in Event Log Readers).", ex)
                    { Target = ChannelName };
                }

                try
                {
                    Consume(writer, cancellationToken);
                }
                finally
                {
                    watcher.Enabled = false;
                }
            }
        }

        private void Consume(IEventWriter writer, CancellationToken cancellationToken)
        {
            var normalizer = new WindowsEventNormalizer();
            string source = "eventlog:" + ChannelName;
            while (!cancellationToken.IsCancellationRequested)
            {
                bool any = false;
                while (_queue.TryDequeue(out string? xml))
                {
                    Interlocked.Decrement(ref _queued);
                    any = true;
                    bool bad = false;
                    try
                    {
                        EventRecord? record = ParseXml(xml, source, problem =>
                        {
                            bad = true;
                            writer.Problem(problem);
                        });
                        if (record is not null)
                        {
                            writer.Write(normalizer.Normalize(record));
                        }
                    }
                    catch (BehaviorBlockingException ex)
                    {
                        bad = true;
                        writer.Problem(new ReplayProblem(source, 0, ex.ErrorId, ex.Message));
                    }

                    if (bad)
                    {
                        Interlocked.Increment(ref _badRecords);
                    }

                    if (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }

                if (any)
                {
                    writer.Flush();
                }

                _signal.Wait(IdleWaitMilliseconds);
            }
        }
    }
}
