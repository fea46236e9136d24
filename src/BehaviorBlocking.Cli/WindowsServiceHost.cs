using System;
using System.Diagnostics;
using System.Runtime.Versioning;
using System.ServiceProcess;
using System.Threading;
using System.Threading.Tasks;
using BehaviorBlocking.Engine.Service;

namespace BehaviorBlocking.Cli
{
    /// <summary>
    /// Hosts a long-running body (the monitor) as the Windows service the service control manager starts
    /// (<c>behaviorblock monitor --service</c> on Windows): the body runs on its own thread with a token that a stop
    /// or shutdown request cancels; when the body ends on its own with a non-zero code the service stops with that
    /// code, which the failure actions count as a failure and restart. Problems go to the Application Event Log under
    /// <see cref="WindowsServiceInstaller.EventLogSource"/>. Windows only; compile-checked here.
    /// </summary>
    [SupportedOSPlatform("windows")]
    internal sealed class WindowsServiceHost : ServiceBase
    {
        private readonly Func<CancellationToken, int> _body;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private Task<int>? _running;

        private WindowsServiceHost(Func<CancellationToken, int> body)
        {
            _body = body;
            ServiceName = ServiceDefinition.DefaultName;
            CanStop = true;
            CanShutdown = true;
            AutoLog = false;
        }

        /// <summary>
        /// Runs <paramref name="body"/> under the service control manager until it stops the service; returns the
        /// body's exit code. Called only from a process the SCM started (it blocks in StartServiceCtrlDispatcher).
        /// </summary>
        public static int Run(Func<CancellationToken, int> body)
        {
            using var host = new WindowsServiceHost(body);
            ServiceBase.Run(host);
            return host.ExitCode;
        }

        protected override void OnStart(string[] args)
        {
            _running = Task.Factory.StartNew(() => _body(_stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            _running.ContinueWith(Ended, TaskScheduler.Default);
        }

        protected override void OnStop() => StopBody();

        protected override void OnShutdown() => StopBody();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _stop.Dispose();
            }

            base.Dispose(disposing);
        }

        private void StopBody()
        {
            _stop.Cancel();
            RequestAdditionalTime(30000);
            _running?.Wait(TimeSpan.FromSeconds(30));
        }

        private void Ended(Task<int> body)
        {
            if (_stop.IsCancellationRequested)
            {
                ExitCode = body.IsFaulted ? 1 : body.Result;
                return;
            }

            // The body ended without being asked: record why and stop, so the failure actions restart the service.
            ExitCode = body.IsFaulted ? 1 : (body.Result == 0 ? 1 : body.Result);
            Log(body.IsFaulted ? "The monitor failed: " + body.Exception?.GetBaseException().Message : "The monitor ended on its own with exit code " + body.Result + ".", EventLogEntryType.Error);
            Stop();
        }

        private static void Log(string message, EventLogEntryType type)
        {
            try
            {
                EventLog.WriteEntry(WindowsServiceInstaller.EventLogSource, message, type);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception || ex is ArgumentException)
            {
                // The Event Log source is registered by 'service install'; without it nothing more can be said.
            }
        }
    }
}
