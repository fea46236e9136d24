using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>Settings of a <see cref="FanotifyFileSensor"/>.</summary>
    public sealed class FanotifyFileSensorOptions
    {
        /// <summary>
        /// Folders to watch: the filesystem holding each is marked and only events under one of them are
        /// reported. Null (the default) watches every real filesystem mounted now (from
        /// <c>/proc/self/mountinfo</c>; proc, sysfs, cgroup, devpts, devtmpfs and other pseudo filesystems are left out).
        /// </summary>
        public IReadOnlyList<string>? Paths { get; init; }

        /// <summary>Skip (and count) events caused by this process, so the monitor does not watch its own store and logs. Default true.</summary>
        public bool SkipOwnEvents { get; init; } = true;

        /// <summary>How long one wait for events lasts, in milliseconds (1–250): the longest cancellation takes.</summary>
        public int PollMilliseconds { get; init; } = 200;
    }

    /// <summary>Counters of a <see cref="FanotifyFileSensor"/>, read at one moment.</summary>
    public sealed class FanotifyFileSensorCounters
    {
        /// <summary>Events written.</summary>
        public long Events { get; init; }

        /// <summary>Times the kernel's queue overflowed (<c>FAN_Q_OVERFLOW</c>): events were lost in the kernel.</summary>
        public long Overflows { get; init; }

        /// <summary>Events skipped because their directory could not be turned back into a path (deleted since, or on an unmarked filesystem).</summary>
        public long UnresolvedPaths { get; init; }

        /// <summary>Events caused by this process, skipped.</summary>
        public long OwnEventsSkipped { get; init; }

        /// <summary>Malformed bytes met while parsing what the kernel returned (counted, never thrown).</summary>
        public long Malformed { get; init; }

        /// <summary>Failed reads of the group (other than "nothing queued").</summary>
        public long ReadFailures { get; init; }

        /// <summary>Filesystems marked.</summary>
        public int MarkedFileSystems { get; init; }
    }

    /// <summary>
    /// Live file events from fanotify: create, write-and-close, delete and rename of files on the marked
    /// filesystems, with the process that did it. One notification group (<c>FAN_CLASS_NOTIF</c>,
    /// <c>FAN_REPORT_DFID_NAME</c>) with a filesystem mark per filesystem reports every one of them with the
    /// directory's file handle and the entry name; <c>FAN_RENAME</c> reports both names of a rename in one
    /// event. A handle is turned into a path with <c>open_by_handle_at</c> against a descriptor kept per
    /// marked filesystem. Events are written as <see cref="LinuxEvents"/> records (11 with
    /// <c>FileEvent=create|close-write</c>, 23, 1001) and normalized by <see cref="WindowsEventNormalizer"/>.
    /// Needs root (CAP_SYS_ADMIN and CAP_DAC_READ_SEARCH).
    /// </summary>
    public sealed class FanotifyFileSensor : IEventSource, Engine.ISourceHealth, IDisposable
    {
        /// <summary>The field of event 11 saying which it was: <c>create</c> or <c>close-write</c>.</summary>
        public const string FileEventField = "FileEvent";

        private const ulong Mask = Fanotify.Create | Fanotify.CloseWrite | Fanotify.Delete | Fanotify.Rename;
        private const string What = "file sensor";

        private readonly FanotifyFileSensorOptions _options;
        private readonly string[]? _prefixes;
        private readonly TaskCompletionSource<bool> _started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _disposed = new CancellationTokenSource();
        private readonly ManualResetEventSlim _stopped = new ManualResetEventSlim(true);
        private readonly int _ownPid = CurrentProcess.Id;
        private readonly FanotifyParseCounts _parse = new FanotifyParseCounts();
        private long _events;
        private long _overflows;
        private long _unresolved;
        private long _own;
        private long _readFailures;
        private long _malformed;
        private int _marked;

        /// <summary>Creates the sensor; nothing is opened until <see cref="Run"/>.</summary>
        public FanotifyFileSensor(FanotifyFileSensorOptions? options = null)
        {
            _options = options ?? new FanotifyFileSensorOptions();
            if (_options.PollMilliseconds < 1 || _options.PollMilliseconds > 250)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "PollMilliseconds must be 1-250.");
            }

            if (_options.Paths is not null)
            {
                _prefixes = new string[_options.Paths.Count];
                for (int i = 0; i < _prefixes.Length; i++)
                {
                    string path = System.IO.Path.GetFullPath(_options.Paths[i]).TrimEnd('/');
                    _prefixes[i] = path.Length == 0 ? "/" : path;
                }
            }
        }

        /// <inheritdoc />
        public string Name => "fanotify-files";

        /// <inheritdoc />
        public bool IsLive => true;

        /// <summary>Completes when the marks are in place and events are being read (faulted with the product error when they could not be).</summary>
        public Task Started => _started.Task;

        /// <summary>The counters now.</summary>
        public FanotifyFileSensorCounters Counters => new FanotifyFileSensorCounters
        {
            Events = Interlocked.Read(ref _events),
            Overflows = Interlocked.Read(ref _overflows),
            UnresolvedPaths = Interlocked.Read(ref _unresolved),
            OwnEventsSkipped = Interlocked.Read(ref _own),
            Malformed = Interlocked.Read(ref _malformed),
            ReadFailures = Interlocked.Read(ref _readFailures),
            MarkedFileSystems = Volatile.Read(ref _marked),
        };

        /// <inheritdoc />
        IReadOnlyList<KeyValuePair<string, long>> Engine.ISourceHealth.Counters()
        {
            FanotifyFileSensorCounters c = Counters;
            return new[]
            {
                new KeyValuePair<string, long>("fileEvents", c.Events),
                new KeyValuePair<string, long>("overflows", c.Overflows),
                new KeyValuePair<string, long>("unresolvedPaths", c.UnresolvedPaths),
                new KeyValuePair<string, long>("ownEventsSkipped", c.OwnEventsSkipped),
                new KeyValuePair<string, long>("malformed", c.Malformed),
                new KeyValuePair<string, long>("readFailures", c.ReadFailures),
                new KeyValuePair<string, long>("markedFileSystems", c.MarkedFileSystems),
            };
        }

        /// <inheritdoc />
        /// <exception cref="BehaviorBlockingException"><c>FanotifyRequiresPrivilege</c> without root; <c>FanotifyUnavailable</c> when the kernel or a path cannot be used.</exception>
        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            _stopped.Reset();
            FanotifyGroup? group = null;
            try
            {
                group = FanotifyGroup.Open(Fanotify.ClassNotif | Fanotify.CloseOnExec | Fanotify.NonBlock | Fanotify.ReportDfidName,
                    (uint)(Fanotify.ReadOnly | Fanotify.LargeFile | Fanotify.OpenCloseOnExec), What);
                Volatile.Write(ref _marked, group.MarkAll(_options.Paths, Mask, fileSystem: true, keepMountFd: true, What, writer));
                _started.TrySetResult(true);
                Loop(group, writer, stop.Token);
            }
            catch (Exception ex)
            {
                _started.TrySetException(ex);
                throw;
            }
            finally
            {
                group?.Dispose();
                _stopped.Set();
            }
        }

        /// <summary>Stops <see cref="Run"/> (within one poll interval) and waits for it to close its descriptors.</summary>
        public void Dispose()
        {
            _disposed.Cancel();
            _stopped.Wait(TimeSpan.FromSeconds(2));
        }

        private void Loop(FanotifyGroup group, IEventWriter writer, CancellationToken cancellationToken)
        {
            var buffer = new byte[64 * 1024];
            var events = new List<FanotifyEvent>(256);
            var actors = new LinuxActors();
            var normalizer = new WindowsEventNormalizer();
            bool reportedMalformed = false;
            bool reportedReadFailure = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!group.Wait(_options.PollMilliseconds))
                {
                    writer.Flush();
                    continue;
                }

                while (!cancellationToken.IsCancellationRequested)
                {
                    int read = group.Read(buffer);
                    if (read == 0)
                    {
                        break;
                    }

                    if (read < 0)
                    {
                        Interlocked.Increment(ref _readFailures);
                        if (!reportedReadFailure)
                        {
                            reportedReadFailure = true;
                            writer.Problem(new ReplayProblem(Name, 0, Engine.ErrorIds.FanotifyUnavailable,
                                "read of the fanotify group failed: " + Internal.Libc.Describe(Internal.Libc.Errno()) + " (counted; reported once)."));
                        }

                        break;
                    }

                    FanotifyBuffer.ParseRead(buffer, read, events, _parse, ref _malformed, ref reportedMalformed, Name, writer);

                    DateTimeOffset now = DateTimeOffset.UtcNow;
                    foreach (FanotifyEvent e in events)
                    {
                        try
                        {
                            Emit(e, now, group, actors, normalizer, writer);
                        }
                        catch (Exception ex) when (!(ex is OutOfMemoryException))
                        {
                            // One event that cannot be turned into a record must not stop the sensor.
                            Interlocked.Increment(ref _malformed);
                            if (!reportedMalformed)
                            {
                                reportedMalformed = true;
                                writer.Problem(new ReplayProblem(Name, 0, Engine.ErrorIds.RecordMalformed,
                                    "a file event could not be recorded: " + ex.Message + " (counted; reported once)."));
                            }
                        }
                    }
                }

                writer.Flush();
            }
        }

        private void Emit(FanotifyEvent e, DateTimeOffset now, FanotifyGroup group, LinuxActors actors, WindowsEventNormalizer normalizer, IEventWriter writer)
        {
            if (e.Fd >= 0)
            {
                // Not expected from a FID group; never leak one.
                Internal.Libc.close(e.Fd);
            }

            if ((e.Mask & Fanotify.QueueOverflow) != 0)
            {
                Interlocked.Increment(ref _overflows);
                return;
            }

            if ((e.Mask & Fanotify.OnDir) != 0)
            {
                return;
            }

            if (_options.SkipOwnEvents && e.Pid == _ownPid)
            {
                Interlocked.Increment(ref _own);
                return;
            }

            foreach (EventRecord record in Records(e, now, group, actors))
            {
                BehaviorEvent normalized = normalizer.Normalize(record);
                writer.Write(normalized);
                Interlocked.Increment(ref _events);
            }
        }

        private IEnumerable<EventRecord> Records(FanotifyEvent e, DateTimeOffset now, FanotifyGroup group, LinuxActors actors)
        {
            if ((e.Mask & Fanotify.Rename) != 0)
            {
                FanotifyName? from = e.Find(Fanotify.InfoOldDfidName);
                FanotifyName? to = e.Find(Fanotify.InfoNewDfidName);
                string? source = from is FanotifyName f ? group.Resolve(f) : null;
                string? target = to is FanotifyName t ? group.Resolve(t) : null;
                if (source is null || target is null)
                {
                    Interlocked.Increment(ref _unresolved);
                }
                else if (Wanted(source) || Wanted(target))
                {
                    yield return LinuxRecords.Build(LinuxEvents.FileRename, now, e.Pid, actors.Lookup(e.Pid),
                        LinuxRecords.Field(LinuxEvents.SourceFilename, source), LinuxRecords.Field(LinuxEvents.TargetFilename, target));
                }
            }

            if ((e.Mask & (Fanotify.Create | Fanotify.CloseWrite | Fanotify.Delete)) == 0)
            {
                yield break;
            }

            string? path = e.Find(Fanotify.InfoDfidName) is FanotifyName entry ? group.Resolve(entry) : null;
            if (path is null)
            {
                Interlocked.Increment(ref _unresolved);
                yield break;
            }

            if (!Wanted(path))
            {
                yield break;
            }

            LinuxActor? actor = actors.Lookup(e.Pid);

            // The kernel merges events on one name that are still queued: report them in the order they must have happened.
            if ((e.Mask & Fanotify.Create) != 0)
            {
                yield return LinuxRecords.Build(LinuxEvents.FileCreate, now, e.Pid, actor,
                    LinuxRecords.Field(LinuxEvents.TargetFilename, path), LinuxRecords.Field(FileEventField, "create"));
            }

            if ((e.Mask & Fanotify.CloseWrite) != 0)
            {
                yield return LinuxRecords.Build(LinuxEvents.FileCreate, now, e.Pid, actor,
                    LinuxRecords.Field(LinuxEvents.TargetFilename, path), LinuxRecords.Field(FileEventField, "close-write"));
            }

            if ((e.Mask & Fanotify.Delete) != 0)
            {
                yield return LinuxRecords.Build(LinuxEvents.FileDelete, now, e.Pid, actor, LinuxRecords.Field(LinuxEvents.TargetFilename, path));
            }
        }

        private bool Wanted(string path)
        {
            if (_prefixes is null)
            {
                return true;
            }

            foreach (string prefix in _prefixes)
            {
                if (prefix == "/" || path == prefix || (path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] == '/'))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
