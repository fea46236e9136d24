using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// The real <c>systemctl</c> and <c>systemd-analyze</c>. A command prefix (such as <c>nsenter -t PID -m -p --</c>)
    /// and the root under which the manager's <c>/run</c> is seen let the same code drive a systemd that runs in
    /// other namespaces.
    /// </summary>
    public sealed class SystemctlCommands : IServiceManagerCommands
    {
        private static readonly string[] s_toolFolders = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
        private readonly IReadOnlyList<string> _prefix;
        private readonly string _managerRoot;
        private readonly TimeSpan _timeout;

        /// <summary>systemctl of this system's manager.</summary>
        public SystemctlCommands()
            : this(Array.Empty<string>(), "/")
        {
        }

        /// <summary>
        /// systemctl run through <paramref name="prefix"/> (its first word is the program), for a manager whose root
        /// file system is seen here at <paramref name="managerRoot"/> (<c>/proc/PID/root</c>).
        /// </summary>
        public SystemctlCommands(IReadOnlyList<string> prefix, string managerRoot, TimeSpan? timeout = null)
        {
            _prefix = prefix ?? throw new ArgumentNullException(nameof(prefix));
            _managerRoot = managerRoot ?? throw new ArgumentNullException(nameof(managerRoot));

            // Longer than a start's TimeoutStartSec: 'enable --now' of a notify service waits for READY=1.
            _timeout = timeout ?? TimeSpan.FromSeconds(150);
        }

        /// <summary>Whether <c>systemctl</c> is installed here (Linux only).</summary>
        public static bool ToolsInstalled => Find("systemctl") is not null;

        /// <inheritdoc />
        public bool ManagerRunning => Directory.Exists(Path.Combine(_managerRoot, "run/systemd/system"));

        /// <inheritdoc />
        public ServiceCommandResult Systemctl(IReadOnlyList<string> arguments)
        {
            string systemctl = _prefix.Count > 0 ? "systemctl" : Find("systemctl") ?? throw new BehaviorBlockingException(
                ErrorIds.ServiceNotSupported, FailureKind.NotSupported, "systemctl is not installed (looked in " + string.Join(", ", s_toolFolders) + "); this system has no systemd.");
            var words = new List<string>(_prefix) { systemctl };
            words.AddRange(arguments);
            return Run(words);
        }

        /// <inheritdoc />
        public ServiceCommandResult? VerifyUnit(string unitFile)
        {
            string? analyze = Find("systemd-analyze");
            return analyze is null ? null : Run(new[] { analyze, "verify", unitFile });
        }

        /// <summary>
        /// One argument string for <see cref="ProcessStartInfo.Arguments"/> that the runtime splits back into exactly
        /// <paramref name="words"/> (the rules of CommandLineToArgvW, which .NET applies on every platform).
        /// </summary>
        internal static string JoinArguments(IEnumerable<string> words)
        {
            var line = new StringBuilder();
            foreach (string word in words)
            {
                if (line.Length > 0)
                {
                    line.Append(' ');
                }

                line.Append('"');
                int backslashes = 0;
                foreach (char c in word)
                {
                    if (c == '\\')
                    {
                        backslashes++;
                        continue;
                    }

                    line.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes);
                    backslashes = 0;
                    line.Append(c);
                }

                line.Append('\\', backslashes * 2).Append('"');
            }

            return line.ToString();
        }

        private static string? Find(string tool) =>
            s_toolFolders.Select(folder => Path.Combine(folder, tool)).FirstOrDefault(File.Exists);

        private ServiceCommandResult Run(IReadOnlyList<string> words)
        {
            string shown = string.Join(" ", words.Select(w => w.IndexOf(' ') >= 0 ? "'" + w + "'" : w));
            var start = new ProcessStartInfo(words[0], JoinArguments(words.Skip(1)))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };

            // systemctl must not page or ask for a password: its output is parsed, and nobody is there to answer.
            start.Environment["SYSTEMD_PAGER"] = string.Empty;
            start.Environment["SYSTEMD_COLORS"] = "0";
            start.Environment["LC_ALL"] = "C";

            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("no process");
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is InvalidOperationException)
            {
                throw new BehaviorBlockingException(ErrorIds.ServiceManagerFailed, FailureKind.Unavailable, $"Cannot run '{shown}': {ex.Message}", ex);
            }

            using (process)
            {
                process.StandardInput.Close();
                Task<string> output = process.StandardOutput.ReadToEndAsync();
                Task<string> error = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit((int)_timeout.TotalMilliseconds))
                {
                    try
                    {
                        process.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                        // It ended between the timeout and the kill.
                    }

                    throw new BehaviorBlockingException(ErrorIds.ServiceManagerFailed, FailureKind.Unavailable,
                        $"'{shown}' did not finish within {_timeout.TotalSeconds:0} s and was stopped.");
                }

                process.WaitForExit();
                return new ServiceCommandResult(shown, process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
            }
        }
    }
}
