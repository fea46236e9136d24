using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Store;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Commands
{
    /// <summary>Modes a monitor can be started in, in place of the policy's own.</summary>
    public enum MonitorMode
    {
        /// <summary>Record only: nothing on this machine is acted on.</summary>
        Audit = 0,

        /// <summary>Act as the policy says: stop process trees, quarantine, block hashes, remediate.</summary>
        Block,
    }

    /// <summary>
    /// <para type="synopsis">Starts live behavioral protection of this machine, or replays recorded telemetry (-Path) through the same engine; detections go to the store and the pipeline.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "BehaviorMonitor", DefaultParameterSetName = LiveSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BehaviorMonitor), ParameterSetName = new[] { LiveSet })]
    [OutputType(typeof(Detection))]
    public sealed class StartBehaviorMonitorCommand : BehaviorCmdlet
    {
        private const string LiveSet = "Live";
        private const string ReplaySet = "Replay";
        private readonly List<string> _paths = new List<string>();

        /// <summary>Recorded telemetry to replay (JSON Lines or event XML, .gz or not, files or directories).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ReplaySet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>A policy file applied to the replay as a what-if (default: the policy in force, else Audit).</summary>
        [Parameter(ParameterSetName = ReplaySet)]
        [ValidateNotNullOrEmpty]
        public string? PolicyPath { get; set; }

        /// <summary>Live: Audit or Block in place of the policy's mode.</summary>
        [Parameter(ParameterSetName = LiveSet)]
        public MonitorMode? Mode { get; set; }

        /// <summary>Live: stream detections to the pipeline until Ctrl+C or -Duration, then stop the monitor.</summary>
        [Parameter(ParameterSetName = LiveSet)]
        public SwitchParameter Wait { get; set; }

        /// <summary>Live: stop after this long (with -Wait, the cmdlet returns then).</summary>
        [Parameter(ParameterSetName = LiveSet)]
        public TimeSpan? Duration { get; set; }

        /// <summary>Live: with -Mode Block, start without asking to confirm (scripts).</summary>
        [Parameter(ParameterSetName = LiveSet)]
        public SwitchParameter Force { get; set; }

        /// <summary>Sigma rule directories or files to load besides the built-in pack.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? RulePath { get; set; }

        /// <summary>Leaves the built-in rule pack out.</summary>
        [Parameter]
        public SwitchParameter ExcludeBuiltInRules { get; set; }

        /// <summary>Another classifier model (.onnx with its manifest); default: the installed model, else the built-in one.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ModelPath { get; set; }

        /// <summary>Rules alone, no classifier (verdicts named !rule).</summary>
        [Parameter]
        public SwitchParameter NoModel { get; set; }

        /// <summary>Does not write detections to the store (a Block monitor can then kill, but not quarantine, block hashes or remediate).</summary>
        [Parameter]
        public SwitchParameter NoStore { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            if (ParameterSetName == ReplaySet)
            {
                _paths.AddRange(Path.Select(GetUnresolvedProviderPathFromPSPath));
            }
        }

        /// <inheritdoc />
        protected override void End()
        {
            string? storePath = NoStore ? null : ProductHome.DefaultStorePath;
            if (ParameterSetName == ReplaySet)
            {
                Replay(storePath);
            }
            else
            {
                Live(storePath);
            }
        }

        private EngineOptions Options(IBlockingPolicy policy, Func<IReadOnlyList<IDetector>>? detectors) => new EngineOptions
        {
            Policy = policy,
            BuiltInRules = !ExcludeBuiltInRules,
            RuleDirectories = RulePath?.Select(GetUnresolvedProviderPathFromPSPath).ToArray() ?? Array.Empty<string>(),
            RulePacksHome = RulePacks.DefaultHome(),
            UseModel = !NoModel,
            ModelPath = ModelPath is null ? null : GetUnresolvedProviderPathFromPSPath(ModelPath),
            ExtraDetectors = detectors,
        };

        private void Replay(string? storePath)
        {
            ReplaySetup setup = ReplaySetup.For(PolicyPath is null ? null : GetUnresolvedProviderPathFromPSPath(PolicyPath), storePath);
            foreach (string warning in setup.Warnings)
            {
                WriteWarning(warning);
            }

            using BehaviorEngine engine = BehaviorEngine.Create(Options(setup.Policy, setup.Detectors));
            WriteEngineWarnings(engine);
            var observer = new ReplayObserver(this);
            var progress = new ProgressRecord(1, "Replaying recorded telemetry", "Starting");
            ScanResult result = ScanService.Run(engine, new ScanRequest { Paths = _paths, StorePath = storePath }, observer, Cancellation);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            foreach (string warning in result.Warnings())
            {
                WriteWarning(warning);
            }

            if (result.Statistics.Files == result.Statistics.FilesUnreadable && result.Statistics.Files > 0)
            {
                ThrowFailure(new BehaviorBlockingException(ErrorIds.InputUnreadable, FailureKind.InvalidData, "No input could be read: " + string.Join(", ", _paths) + "."), _paths);
            }
        }

        private void Live(string? storePath)
        {
            PolicyMode? mode = Mode switch
            {
                MonitorMode.Audit => PolicyMode.Audit,
                MonitorMode.Block => PolicyMode.Block,
                _ => null,
            };
            string target = "this machine (" + Environment.MachineName + ")";
            string action = mode == PolicyMode.Block
                ? "Monitor in Block mode: stop process trees, quarantine files and block hashes as the policy says"
                : "Monitor " + (mode == PolicyMode.Audit ? "in Audit mode" : "in the policy's mode");
            if (!ShouldProcess(target, action))
            {
                return;
            }

            if (mode == PolicyMode.Block && !Force && !ShouldContinue(action + " on " + target + "?", "Start a Block-mode monitor"))
            {
                return;
            }

            if (MonitorRegistry.All.Count > 0)
            {
                ThrowFailure(new BehaviorBlockingException(ErrorIds.MonitorAlreadyRunning, FailureKind.InvalidData,
                    "A monitor already runs in this process (" + MonitorRegistry.All[0].Id.ToString("D") + "); stop it with Stop-BehaviorMonitor first."), target);
            }

            var request = new MonitorRequest
            {
                StorePath = storePath,
                Mode = mode,
                Duration = Duration,
                SourceFactory = context => LiveSensors.Create(new LiveSensorOptions { ProductHome = context.ProductHome }, context.Indicators, context.Policy),
            };
            BehaviorEngine engine = BehaviorEngine.Create(Options(AuditPolicy.Instance, null));
            WriteEngineWarnings(engine);
            var monitor = new RunningMonitor(storePath);
            try
            {
                monitor.Start(engine, request);
            }
            catch
            {
                engine.Dispose();
                throw;
            }

            MonitorRegistry.Add(monitor);
            if (!Wait)
            {
                WriteObject(monitor.Snapshot());
                return;
            }

            try
            {
                while (!Cancellation.IsCancellationRequested && !monitor.Session.WaitForEnd(TimeSpan.FromMilliseconds(250)))
                {
                    Drain(monitor);
                }
            }
            finally
            {
                // Ctrl+C or the end of -Duration: stop cleanly, then show what was raised until the end.
                BehaviorMonitor final = MonitorRegistry.Stop(monitor.Id) ?? monitor.Snapshot();
                if (!Cancellation.IsCancellationRequested)
                {
                    Drain(monitor);
                    if (final.State == MonitorState.Failed)
                    {
                        WriteError(ErrorRecords.From(new BehaviorBlockingException(ErrorIds.MonitorFailed, FailureKind.Internal,
                            "The monitor failed: " + monitor.Session.Failure?.Message), target));
                    }
                }
            }
        }

        private void Drain(RunningMonitor monitor)
        {
            foreach (string problem in monitor.TakeProblems())
            {
                WriteWarning(problem);
            }

            foreach (Detection detection in monitor.TakeDetections())
            {
                WriteObject(detection);
            }
        }

        private void WriteEngineWarnings(BehaviorEngine engine)
        {
            foreach (EngineWarning warning in engine.Warnings)
            {
                WriteWarning(warning.ToString());
            }
        }

        /// <summary>ScanService calls it on the cmdlet's own thread (the scan runs there; only reading is in the background).</summary>
        private sealed class ReplayObserver : IScanObserver
        {
            private readonly StartBehaviorMonitorCommand _cmdlet;
            private readonly int _thread = Thread.CurrentThread.ManagedThreadId;
            private readonly ProgressRecord _progress = new ProgressRecord(1, "Replaying recorded telemetry", "Starting");

            public ReplayObserver(StartBehaviorMonitorCommand cmdlet) => _cmdlet = cmdlet;

            public void OnDetection(Detection detection)
            {
                Check();
                _cmdlet.WriteObject(detection);
            }

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem)
            {
                Check();
                _cmdlet.WriteWarning(problem.ToString());
            }

            public void OnProgress(ScanProgress progress)
            {
                Check();
                _progress.StatusDescription = progress.FilesDone + " of " + progress.FilesTotal + " files, " + progress.Events.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " events";
                _progress.CurrentOperation = progress.File;
                _progress.PercentComplete = Math.Min(100, Math.Max(0, progress.PercentComplete));
                _cmdlet.WriteProgress(_progress);
            }

            public void OnStoreFailure(BehaviorBlockingException error)
            {
                Check();
                _cmdlet.WriteWarning(error.ErrorId + ": " + error.Message + " Detections are still written to the pipeline.");
            }

            // Writing from another thread would corrupt the pipeline: fail loudly in testing rather than silently.
            private void Check()
            {
                if (Thread.CurrentThread.ManagedThreadId != _thread)
                {
                    throw new InvalidOperationException("The scan called its observer off the cmdlet's thread.");
                }
            }
        }
    }
}
