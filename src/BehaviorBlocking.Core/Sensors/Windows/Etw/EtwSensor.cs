using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Events;
using BehaviorBlocking.Internal;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Sensors.Replay;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Kernel;
using Microsoft.Diagnostics.Tracing.Session;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>Settings of an <see cref="EtwSensor"/>.</summary>
    public sealed class EtwSensorOptions
    {
        /// <summary>Records that may wait between the ETW callback and the consumer; past it they are dropped and counted.</summary>
        public int QueueCapacity { get; init; } = 65536;

        /// <summary>ETW buffer memory of the session, in MB.</summary>
        public int BufferSizeMB { get; init; } = 64;

        /// <summary>Hash each new process's executable (SHA-256), so kill-on-start by hash works.</summary>
        public bool HashImages { get; init; } = true;
    }

    /// <summary>
    /// The Windows live sensor: one real-time ETW session (<c>BehaviorBlocking-&lt;pid&gt;-&lt;random&gt;</c>)
    /// with the kernel process, image load, file, registry and TCP/IP providers, plus
    /// Microsoft-Windows-PowerShell (4104 script blocks) and Microsoft-Windows-DNS-Client (3008).
    /// The callback only copies fields into an <see cref="EtwRecord"/> and enqueues it (a full queue drops
    /// and counts); <see cref="Run"/> maps them through <see cref="EtwRecordNormalizer"/> and
    /// <see cref="WindowsEventNormalizer"/> on its own thread. Needs Windows 8 or later and an elevated process;
    /// sessions left behind by monitors that died are stopped at start.
    /// </summary>
    public sealed class EtwSensor : IEventSource
    {
        /// <summary>Microsoft-Windows-PowerShell.</summary>
        public static readonly Guid PowerShellProvider = new Guid("A0C1853B-5C40-4B15-8766-3CF1C58F985A");

        /// <summary>Microsoft-Windows-DNS-Client.</summary>
        public static readonly Guid DnsClientProvider = new Guid("1C95126E-7EEA-49A9-A3FE-A378B03DDB4D");

        private const int ScriptBlockEvent = 4104;
        private const int DnsQueryCompletedEvent = 3008;
        private const int IdleWaitMilliseconds = 200;

        private readonly EtwSensorOptions _options;
        private readonly ConcurrentQueue<EtwRecord> _queue = new ConcurrentQueue<EtwRecord>();
        private readonly SemaphoreSlim _signal = new SemaphoreSlim(0);
        private readonly FileCreateFilter _createFilter = new FileCreateFilter();
        private int _queued;
        private long _dropped;
        private long _badRecords;
        private long _received;
        private int _staleStopped;
        private int _eventsLost;

        /// <summary>Creates a sensor; nothing is started until <see cref="Run"/>.</summary>
        public EtwSensor(EtwSensorOptions? options = null)
        {
            _options = options ?? new EtwSensorOptions();
            SessionName = EtwSessionNames.Create(CurrentProcess.Id, new Random());
        }

        /// <inheritdoc />
        public string Name => "etw";

        /// <inheritdoc />
        public bool IsLive => true;

        /// <summary>This sensor's ETW session name.</summary>
        public string SessionName { get; }

        /// <summary>ETW events copied by the callback.</summary>
        public long Received => Interlocked.Read(ref _received);

        /// <summary>Records dropped because the consumer was behind (the queue was full).</summary>
        public long Dropped => Interlocked.Read(ref _dropped);

        /// <summary>Records that could not be mapped (skipped; the first is reported as a problem).</summary>
        public long BadRecords => Interlocked.Read(ref _badRecords);

        /// <summary>Events ETW itself lost (its buffers were full).</summary>
        public int EventsLost => Volatile.Read(ref _eventsLost);

        /// <summary>Sessions of monitors that died, stopped when this one started.</summary>
        public int StaleSessionsStopped => Volatile.Read(ref _staleStopped);

        /// <summary>
        /// Checks the platform and elevation, stops stale sessions, starts the session and maps its events
        /// until <paramref name="cancellationToken"/> is cancelled; the session is stopped before it returns.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">
        /// <c>EtwSensorNotSupported</c> off Windows, <c>EtwSensorRequiresElevation</c> when not elevated,
        /// <c>EtwSessionFailed</c> when the session or a provider cannot be started.
        /// </exception>
        public void Run(IEventWriter writer, CancellationToken cancellationToken)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            bool isWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            EtwPreconditions.Check("Windows ETW sensor", isWindows, IsElevated, CurrentProcess.Id);
            RunOnWindows(writer, cancellationToken);
        }

        // Kept apart so nothing of TraceEvent is touched (or JIT-compiled) before the checks.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static bool? IsElevated() => TraceEventSession.IsElevated();

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private void RunOnWindows(IEventWriter writer, CancellationToken cancellationToken)
        {
            StopStaleSessions();
            var hashes = new FileHashCache();
            var normalizer = new EtwRecordNormalizer(new EtwRecordNormalizerOptions
            {
                Computer = Environment.MachineName,
                BootKey = WindowsNative.BootKey(),
                DeviceMap = WindowsNative.DeviceMap(),
                SystemRoot = Environment.GetEnvironmentVariable("SystemRoot"),
                ResolveAccount = WindowsNative.AccountName,
                HashImage = _options.HashImages ? hashes.Sha256 : null,
            });
            var events = new WindowsEventNormalizer();

            TraceEventSession session;
            try
            {
                session = new TraceEventSession(SessionName) { StopOnDispose = true, BufferSizeMB = _options.BufferSizeMB };
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                throw SessionFailure("could not be created", ex);
            }

            Thread? processing = null;
            Exception? processFailure = null;
            try
            {
                try
                {
                    // The kernel provider first: TraceEvent allows it only before any other provider.
                    session.EnableKernelProvider(
                        KernelTraceEventParser.Keywords.Process | KernelTraceEventParser.Keywords.ImageLoad
                        | KernelTraceEventParser.Keywords.FileIOInit | KernelTraceEventParser.Keywords.FileIO
                        | KernelTraceEventParser.Keywords.DiskFileIO | KernelTraceEventParser.Keywords.Registry
                        | KernelTraceEventParser.Keywords.NetworkTCPIP);
                    session.EnableProvider(PowerShellProvider, TraceEventLevel.Verbose);
                    session.EnableProvider(DnsClientProvider, TraceEventLevel.Verbose);
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new BehaviorBlockingException(ErrorIds.EtwSensorRequiresElevation, FailureKind.AccessDenied,
                        EtwPreconditions.NotElevated(CurrentProcess.Id).Message, ex);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException) && !(ex is BehaviorBlockingException))
                {
                    throw SessionFailure("could not enable its providers", ex);
                }

                Subscribe(session.Source);
                processing = new Thread(() =>
                {
                    try
                    {
                        session.Source.Process();
                    }
                    catch (Exception ex)
                    {
                        processFailure = ex;
                    }

                    _signal.Release();
                })
                {
                    IsBackground = true,
                    Name = "BehaviorBlocking ETW session",
                };
                processing.Start();

                ETWTraceEventSource source = session.Source;
                Consume(writer, normalizer, events, processing, () => source.EventsLost, cancellationToken);
            }
            finally
            {
                // Disposing stops the session, which ends Process() on the processing thread.
                session.Dispose();
                processing?.Join(TimeSpan.FromSeconds(5));
            }

            if (processFailure is not null && !cancellationToken.IsCancellationRequested)
            {
                throw SessionFailure("stopped delivering events", processFailure);
            }
        }

        private void Consume(IEventWriter writer, EtwRecordNormalizer normalizer, WindowsEventNormalizer events, Thread processing, Func<int> eventsLost, CancellationToken cancellationToken)
        {
            var output = new List<EventRecord>(4);
            bool reported = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                bool any = false;
                while (_queue.TryDequeue(out EtwRecord? record))
                {
                    Interlocked.Decrement(ref _queued);
                    any = true;
                    output.Clear();
                    try
                    {
                        normalizer.Normalize(record, output);
                        foreach (EventRecord eventRecord in output)
                        {
                            writer.Write(events.Normalize(eventRecord));
                        }
                    }
                    catch (Exception ex) when (!(ex is OutOfMemoryException))
                    {
                        // One bad record costs itself; the first is reported, all are counted.
                        Interlocked.Increment(ref _badRecords);
                        if (!reported)
                        {
                            reported = true;
                            writer.Problem(new ReplayProblem("etw:" + SessionName, 0, ErrorIds.RecordMalformed,
                                $"an ETW record ({record.Kind}, PID {record.ProcessId}) could not be mapped and was skipped ({ex.GetType().Name}: {ex.Message}); later ones are counted in BadRecords"));
                        }
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

                Volatile.Write(ref _eventsLost, eventsLost());
                if (!processing.IsAlive && _queue.IsEmpty)
                {
                    return;
                }

                _signal.Wait(IdleWaitMilliseconds);
            }
        }

        private void StopStaleSessions()
        {
            IReadOnlyList<string> stale;
            try
            {
                stale = EtwSessionNames.SelectStale(TraceEventSession.GetActiveSessionNames(), CurrentProcess.Id, IsRunning);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // Listing sessions is housekeeping; the session can still start without it.
                Trace.TraceWarning("BehaviorBlocking: could not list ETW sessions: " + ex.Message);
                return;
            }

            foreach (string name in stale)
            {
                try
                {
                    using (TraceEventSession? old = TraceEventSession.GetActiveSession(name))
                    {
                        if (old is not null && old.Stop(noThrow: true))
                        {
                            Interlocked.Increment(ref _staleStopped);
                        }
                    }
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    Trace.TraceWarning("BehaviorBlocking: could not stop stale ETW session " + name + ": " + ex.Message);
                }
            }
        }

        private static bool IsRunning(int pid)
        {
            try
            {
                using (Process process = Process.GetProcessById(pid))
                {
                    return !process.HasExited;
                }
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // It exists but cannot be inspected: treat as running, never stop another's session.
                return true;
            }
        }

        private void Subscribe(ETWTraceEventSource source)
        {
            KernelTraceEventParser kernel = source.Kernel;
            kernel.ProcessStart += data => Enqueue(ProcessRecord(EtwRecordKind.ProcessStart, data));
            kernel.ProcessDCStart += data => Enqueue(ProcessRecord(EtwRecordKind.ProcessRundown, data));
            kernel.ProcessStop += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.ProcessStop, Time = Utc(data), ProcessId = data.ProcessID, ExitCode = data.ExitStatus });
            kernel.ImageLoad += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.ImageLoad, Time = Utc(data), ProcessId = data.ProcessID, Path = data.FileName });
            kernel.FileIOCreate += data =>
            {
                if (_createFilter.OnCreate(data.IrpPtr, (int)data.CreateDisposition, (int)data.CreateOptions))
                {
                    Enqueue(new EtwRecord
                    {
                        Kind = EtwRecordKind.FileCreate, Time = Utc(data), ProcessId = data.ProcessID, IrpPtr = data.IrpPtr, FileObject = data.FileObject,
                        Path = data.FileName, CreateDisposition = (int)data.CreateDisposition, CreateOptions = (int)data.CreateOptions,
                    });
                }
            };
            kernel.FileIOOperationEnd += data =>
            {
                if (_createFilter.OnOperationEnd(data.IrpPtr))
                {
                    Enqueue(new EtwRecord { Kind = EtwRecordKind.FileOperationEnd, Time = Utc(data), ProcessId = data.ProcessID, IrpPtr = data.IrpPtr, Information = data.ExtraInfo, Status = data.NtStatus });
                }
            };
            kernel.FileIOName += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.FileName, Time = Utc(data), FileKey = data.FileKey, Path = data.FileName });
            kernel.FileIOFileCreate += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.FileName, Time = Utc(data), FileKey = data.FileKey, Path = data.FileName });
            kernel.FileIOFileRundown += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.FileName, Time = Utc(data), FileKey = data.FileKey, Path = data.FileName });
            kernel.FileIOWrite += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.FileWrite, Time = Utc(data), ProcessId = data.ProcessID, FileObject = data.FileObject, FileKey = data.FileKey, Path = data.FileName });
            kernel.FileIODelete += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.FileDelete, Time = Utc(data), ProcessId = data.ProcessID, FileObject = data.FileObject, FileKey = data.FileKey, Path = data.FileName });
            kernel.FileIORename += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.FileRename, Time = Utc(data), ProcessId = data.ProcessID, FileObject = data.FileObject, FileKey = data.FileKey, Path = data.FileName });
            kernel.RegistryKCBCreate += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.RegistryKeyName, Time = Utc(data), KeyHandle = data.KeyHandle, Path = data.KeyName });
            kernel.RegistryKCBRundownBegin += data => Enqueue(new EtwRecord { Kind = EtwRecordKind.RegistryKeyName, Time = Utc(data), KeyHandle = data.KeyHandle, Path = data.KeyName });
            kernel.RegistryCreate += data => Enqueue(RegistryRecord(EtwRecordKind.RegistryCreateKey, data));
            kernel.RegistryDelete += data => Enqueue(RegistryRecord(EtwRecordKind.RegistryDeleteKey, data));
            kernel.RegistrySetValue += data => Enqueue(RegistryRecord(EtwRecordKind.RegistrySetValue, data));
            kernel.RegistryDeleteValue += data => Enqueue(RegistryRecord(EtwRecordKind.RegistryDeleteValue, data));
            kernel.TcpIpConnect += data => Enqueue(TcpRecord(EtwRecordKind.TcpConnect, data.ProcessID, data.saddr, data.sport, data.daddr, data.dport, false, data));
            kernel.TcpIpAccept += data => Enqueue(TcpRecord(EtwRecordKind.TcpAccept, data.ProcessID, data.saddr, data.sport, data.daddr, data.dport, false, data));
            kernel.TcpIpConnectIPV6 += data => Enqueue(TcpRecord(EtwRecordKind.TcpConnect, data.ProcessID, data.saddr, data.sport, data.daddr, data.dport, true, data));
            kernel.TcpIpAcceptIPV6 += data => Enqueue(TcpRecord(EtwRecordKind.TcpAccept, data.ProcessID, data.saddr, data.sport, data.daddr, data.dport, true, data));
            source.Dynamic.All += OnUserEvent;
        }

        private void OnUserEvent(TraceEvent data)
        {
            int id = (int)data.ID;
            if (data.ProviderGuid == PowerShellProvider && id == ScriptBlockEvent)
            {
                Enqueue(new EtwRecord
                {
                    Kind = EtwRecordKind.ScriptBlockPart, Time = Utc(data), ProcessId = data.ProcessID,
                    MessageNumber = Integer(data.PayloadByName("MessageNumber")), MessageTotal = Integer(data.PayloadByName("MessageTotal")),
                    Text = data.PayloadByName("ScriptBlockText") as string, ScriptBlockId = Text(data.PayloadByName("ScriptBlockId")),
                    Path = data.PayloadByName("Path") as string,
                });
            }
            else if (data.ProviderGuid == DnsClientProvider && id == DnsQueryCompletedEvent)
            {
                Enqueue(new EtwRecord
                {
                    Kind = EtwRecordKind.DnsQuery, Time = Utc(data), ProcessId = data.ProcessID,
                    QueryName = data.PayloadByName("QueryName") as string, QueryResults = data.PayloadByName("QueryResults") as string,
                    Status = Integer(data.PayloadByName("QueryStatus")),
                });
            }
        }

        private static EtwRecord ProcessRecord(EtwRecordKind kind, ProcessTraceData data) => new EtwRecord
        {
            Kind = kind,
            Time = Utc(data),
            ProcessId = data.ProcessID,
            ParentProcessId = data.ParentID,
            SessionId = data.SessionID,
            Image = string.IsNullOrEmpty(data.KernelImageFileName) ? data.ImageFileName : data.KernelImageFileName,
            CommandLine = data.CommandLine,
            UserSid = KernelProcessPayload.UserSid(data.EventData(), data.PointerSize, data.Version),
        };

        private static EtwRecord RegistryRecord(EtwRecordKind kind, RegistryTraceData data) => new EtwRecord
        {
            Kind = kind,
            Time = Utc(data),
            ProcessId = data.ProcessID,
            KeyHandle = data.KeyHandle,
            Path = data.KeyName,
            ValueName = data.ValueName,
            Status = data.Status,
        };

        private static EtwRecord TcpRecord(EtwRecordKind kind, int pid, System.Net.IPAddress local, int localPort, System.Net.IPAddress remote, int remotePort, bool v6, TraceEvent data) => new EtwRecord
        {
            Kind = kind,
            Time = Utc(data),
            ProcessId = pid,
            SourceIp = local?.ToString(),
            SourcePort = localPort,
            DestinationIp = remote?.ToString(),
            DestinationPort = remotePort,
            IsIpv6 = v6,
        };

        private void Enqueue(EtwRecord record)
        {
            Interlocked.Increment(ref _received);
            if (Interlocked.Increment(ref _queued) > _options.QueueCapacity)
            {
                Interlocked.Decrement(ref _queued);
                Interlocked.Increment(ref _dropped);
                return;
            }

            _queue.Enqueue(record);
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }

        private static DateTimeOffset Utc(TraceEvent data) => new DateTimeOffset(data.TimeStamp.ToUniversalTime(), TimeSpan.Zero);

        private static int Integer(object? value)
        {
            try
            {
                return value is null ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is OverflowException)
            {
                return 0;
            }
        }

        private static string? Text(object? value) => value switch
        {
            null => null,
            Guid guid => guid.ToString("D", CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };

        private BehaviorBlockingException SessionFailure(string what, Exception ex) => new BehaviorBlockingException(
            ErrorIds.EtwSessionFailed,
            FailureKind.Unavailable,
            $"The ETW session '{SessionName}' {what}: {ex.GetType().Name}: {ex.Message}",
            ex)
        {
            Target = SessionName,
        };

        /// <summary>The few Windows calls the sensor makes itself (TraceEvent makes the rest).</summary>
        private static class WindowsNative
        {
            /// <summary>The boot, as the time it happened rounded to 10 s (stable for the boot, unlike the uptime).</summary>
            public static string BootKey()
            {
                ulong uptime = GetTickCount64();
                long boot = (DateTime.UtcNow.Ticks - ((long)uptime * TimeSpan.TicksPerMillisecond)) / (10 * TimeSpan.TicksPerSecond);
                return Environment.MachineName + "/" + boot.ToString(CultureInfo.InvariantCulture);
            }

            /// <summary>Every drive letter's device (<c>\Device\HarddiskVolume3</c> → <c>C:</c>).</summary>
            public static IReadOnlyList<KeyValuePair<string, string>> DeviceMap()
            {
                var map = new List<KeyValuePair<string, string>>();
                var target = new StringBuilder(1024);
                for (char letter = 'A'; letter <= 'Z'; letter++)
                {
                    string drive = letter + ":";
                    target.Clear();
                    if (QueryDosDevice(drive, target, target.Capacity) != 0)
                    {
                        // The buffer holds NUL-separated targets; the first is the device.
                        string device = target.ToString();
                        int nul = device.IndexOf('\0');
                        map.Add(new KeyValuePair<string, string>(nul >= 0 ? device.Substring(0, nul) : device, drive));
                    }
                }

                return map;
            }

            /// <summary><c>DOMAIN\user</c> of a SID, or null.</summary>
            public static string? AccountName(string sid)
            {
                var identifier = new System.Security.Principal.SecurityIdentifier(sid);
                return identifier.IsValidTargetType(typeof(System.Security.Principal.NTAccount))
                    ? identifier.Translate(typeof(System.Security.Principal.NTAccount)).Value
                    : null;
            }

            [DllImport("kernel32.dll")]
            private static extern ulong GetTickCount64();

            [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
            private static extern uint QueryDosDevice(string deviceName, StringBuilder targetPath, int max);
        }
    }
}
