using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Cli
{
    /// <summary>The modes <c>monitor --mode</c> takes.</summary>
    internal enum MonitorModeOption
    {
        Audit,
        Block,
    }

    /// <summary>
    /// <c>behaviorblock monitor</c>: live protection (an adapter over <see cref="MonitorSession"/>). Detections go to
    /// stdout as they become final (a line each, or JSON Lines), health to stderr every stats interval. Ctrl+C and
    /// SIGTERM stop cleanly: the sources stop, what was queued is processed and stored, the run is recorded.
    /// </summary>
    internal static class MonitorCommand
    {
        private static readonly Regex s_duration = new Regex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<unit>ms|s|m|h|d)?$", RegexOptions.CultureInvariant);

        public static Command Create(CliConsole console)
        {
            var mode = new Option<MonitorModeOption?>("--mode")
            {
                Description = "Audit (record only) or Block (act as the policy says) in place of the policy's own mode. Default: the policy in force.",
                HelpName = "audit|block",
            };
            Option<TimeSpan?> duration = Span("--duration", "Stop after this long (30s, 10m, 2h, 1d; a bare number is seconds). Default: until Ctrl+C or SIGTERM.");
            Option<TimeSpan?> statsInterval = Span("--stats-interval", "Write the monitor's health every interval (default 10s).");
            Option<OutputFormat> format = CliOptions.Format();
            Option<string?> store = CliOptions.Store();
            var noStore = new Option<bool>("--no-store") { Description = "Do not store detections (Block can then kill, but not quarantine, block hashes or remediate)." };
            var service = new Option<bool>("--service")
            {
                Description = "Run under a service manager: plain lines only, health on stderr, and READY=1 / WATCHDOG=1 / STOPPING=1 to $NOTIFY_SOCKET when set.",
            };
            var command = new Command("monitor", "Watch this machine live: detect, and by policy block, as it happens.") { mode, duration, statsInterval, format, store, noStore, service };
            var rules = new RuleOptions();
            rules.AddTo(command);
            command.Validators.Add(result =>
            {
                if (result.GetResult(store) is not null && result.GetValue(noStore))
                {
                    result.AddError("--store and --no-store cannot be used together.");
                }
            });
            command.SetAction(parsed =>
            {
                string? storePath = parsed.GetValue(noStore) ? null : CliOptions.StorePath(parsed.GetValue(store));
                PolicyMode? modeOverride = parsed.GetValue(mode) switch
                {
                    MonitorModeOption.Audit => PolicyMode.Audit,
                    MonitorModeOption.Block => PolicyMode.Block,
                    _ => null,
                };
                var request = new MonitorRequest
                {
                    StorePath = storePath,
                    Mode = modeOverride,
                    Duration = parsed.GetValue(duration),
                    StatsInterval = parsed.GetValue(statsInterval) ?? TimeSpan.FromSeconds(10),
                    SourceFactory = console.LiveSources ?? (context => LiveSensors.Create(new LiveSensorOptions { ProductHome = context.ProductHome }, context.Indicators, context.Policy)),
                };
                using BehaviorEngine engine = rules.Build(parsed, console);
                return Run(console, engine, request, parsed.GetValue(format), parsed.GetValue(service));
            });
            return command;
        }

        /// <summary>Parses a duration: a number and a unit (ms, s, m, h, d), or a bare number of seconds; above zero.</summary>
        internal static bool TryParseSpan(string text, string option, out TimeSpan value, out string? error)
        {
            Match match = s_duration.Match(text.Trim());
            value = default;
            error = $"{option}: '{text}' is not a duration above zero (such as 30s, 10m, 2h, 1d, or a number of seconds).";
            if (!match.Success || !double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
            {
                return false;
            }

            double seconds = match.Groups["unit"].Value switch
            {
                "ms" => n / 1000,
                "m" => n * 60,
                "h" => n * 3600,
                "d" => n * 86400,
                _ => n,
            };
            if (!(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(seconds);
            error = null;
            return true;
        }

        private static Option<TimeSpan?> Span(string name, string description) => new Option<TimeSpan?>(name)
        {
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[result.Tokens.Count - 1].Value;
                if (TryParseSpan(text, name, out TimeSpan value, out string? error))
                {
                    return value;
                }

                result.AddError(error!);
                return null;
            },
        };

        private static int Run(CliConsole console, BehaviorEngine engine, MonitorRequest request, OutputFormat format, bool service)
        {
            if (service && RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                // Started by the service control manager: it owns the process's life and stops the monitor through the token.
                return WindowsServiceHost.Run(token => Run(console, engine, request, format, service, token));
            }

            return Run(console, engine, request, format, service, CancellationToken.None);
        }

        private static int Run(CliConsole console, BehaviorEngine engine, MonitorRequest request, OutputFormat format, bool service, CancellationToken managerStop)
        {
            using var stop = new ManualResetEventSlim(false);
            using CancellationTokenRegistration onManagerStop = managerStop.Register(() => stop.Set());
            using var notifier = service ? ServiceNotifier.FromEnvironment() : null;
            void RequestStop(string why)
            {
                if (!stop.IsSet)
                {
                    console.Error.WriteLine($"behaviorblock: {why}: stopping; what was queued is still processed and stored.");
                    stop.Set();
                }
            }

            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                RequestStop("interrupted");
            };
            Console.CancelKeyPress += onCancel;
            using PosixSignalRegistration? onTerm = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? null
                : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
                {
                    context.Cancel = true;
                    RequestStop("SIGTERM");
                });
            var observer = new Observer(console, format, service);
            try
            {
                using var session = new MonitorSession(engine, request, observer);
                session.Start();
                MonitorHealth started = session.Health();
                console.Error.WriteLine($"behaviorblock: monitoring with {started.Sources.Count} source(s), {started.Mode} mode (policy {started.PolicyVersion}), "
                    + $"{started.RuleCount:N0} rules, model {started.ModelVersion}; store {request.StorePath ?? "none"}.");
                notifier?.Send("READY=1\nSTATUS=monitoring");
                TimeSpan tick = notifier?.WatchdogInterval ?? TimeSpan.FromSeconds(1);
                var handles = new[] { stop.WaitHandle, session.Ended };
                while (WaitHandle.WaitAny(handles, tick) == WaitHandle.WaitTimeout)
                {
                    notifier?.Send("WATCHDOG=1");
                }

                notifier?.Send("STOPPING=1");
                MonitorHealth final = session.Stop();
                console.Error.WriteLine("behaviorblock: monitor ended: " + final.ToLine());
                if (final.State == MonitorState.Failed)
                {
                    console.Error.WriteLine("behaviorblock: " + ErrorIds.MonitorFailed + ": " + session.Failure?.Message);
                    return Program.ExitFailed;
                }

                foreach (MonitorSourceHealth source in final.Sources)
                {
                    if (source.State == LiveSourceState.Failed)
                    {
                        console.Error.WriteLine($"behaviorblock: {ErrorIds.MonitorSourceFailed}: source {source.Name} failed: {source.LastError}");
                        return Program.ExitFailed;
                    }
                }

                return observer.StoreFailed ? Program.ExitFailed : Program.ExitOk;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }

        /// <summary>Writes detections as they come (a line, or JSON Lines on stdout) and health and problems to stderr.</summary>
        private sealed class Observer : IMonitorObserver
        {
            private const int ProblemsShown = 200;
            private readonly CliConsole _console;
            private readonly OutputFormat _format;
            private readonly bool _service;
            private readonly HashSet<Guid> _seen = new HashSet<Guid>();
            private int _problems;

            public Observer(CliConsole console, OutputFormat format, bool service)
            {
                _console = console;
                _format = format;
                _service = service;
            }

            public bool StoreFailed { get; private set; }

            public void OnDetection(Detection detection)
            {
                if (_format == OutputFormat.Jsonl)
                {
                    _console.Out.WriteLine(DetectionJson.Serialize(detection));
                    _console.Out.Flush();
                    return;
                }

                if (_seen.Count > 100_000)
                {
                    _seen.Clear();
                }

                bool update = !_seen.Add(detection.Id);
                _console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0:yyyy-MM-ddTHH:mm:ssZ}  {1,-8} {2,-11} {3}  pid {4}  {5}{6}",
                    detection.LastSeen.UtcDateTime, detection.Severity, detection.Action, detection.Name,
                    detection.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "?", detection.Image ?? "?", update ? "  (update)" : string.Empty));
                _console.Out.Flush();
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnHealth(MonitorHealth health)
            {
                _console.Error.WriteLine(_format == OutputFormat.Jsonl ? health.ToJson() : "behaviorblock: " + health.ToLine());
                _console.Error.Flush();
            }

            public void OnProblem(MonitorProblem problem)
            {
                if (++_problems <= ProblemsShown)
                {
                    _console.Error.WriteLine("behaviorblock: warning: " + problem);
                }
                else if (_problems == ProblemsShown + 1)
                {
                    _console.Error.WriteLine("behaviorblock: warning: more problems are not shown; the health's lastErrors keeps the latest.");
                }
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
                StoreFailed = true;
                _console.Fail(error);
                _console.Error.WriteLine("behaviorblock: the monitor goes on without the store: detections are still reported, but no longer stored.");
            }
        }
    }

    /// <summary>
    /// Tells a service manager how the service is (systemd's notify protocol): a datagram of <c>KEY=value</c> lines to
    /// the unix socket named by <c>$NOTIFY_SOCKET</c> (a path, or <c>@name</c> in the abstract namespace). A failed send
    /// is ignored: the manager's own timeout is the fallback.
    /// </summary>
    internal sealed class ServiceNotifier : IDisposable
    {
        private readonly Socket _socket;
        private readonly UnixDomainSocketEndPoint _endpoint;

        internal ServiceNotifier(string socketPath, TimeSpan? watchdogInterval)
        {
            // '@' names an abstract socket: its address starts with a NUL byte.
            string address = socketPath.StartsWith('@') ? "\0" + socketPath.Substring(1) : socketPath;
            _endpoint = new UnixDomainSocketEndPoint(address);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            WatchdogInterval = watchdogInterval;
        }

        /// <summary>How often to send <c>WATCHDOG=1</c> (half the manager's timeout), or null when no watchdog is asked for.</summary>
        public TimeSpan? WatchdogInterval { get; }

        /// <summary>Messages sent and failed.</summary>
        public int Sent { get; private set; }

        /// <summary>The notifier the environment asks for, or null when <c>$NOTIFY_SOCKET</c> is not set.</summary>
        public static ServiceNotifier? FromEnvironment()
        {
            string? socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
            if (string.IsNullOrEmpty(socket))
            {
                return null;
            }

            TimeSpan? watchdog = null;
            string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
            string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
            if (long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out long micros) && micros > 0
                && (string.IsNullOrEmpty(pid) || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
            {
                watchdog = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, micros * 10 / 2));
            }

            try
            {
                return new ServiceNotifier(socket, watchdog);
            }
            catch (SocketException)
            {
                return null;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        /// <summary>Sends one message (several <c>KEY=value</c> lines).</summary>
        public bool Send(string message)
        {
            try
            {
                _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint);
                Sent++;
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
