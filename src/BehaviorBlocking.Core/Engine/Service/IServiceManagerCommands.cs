using System.Collections.Generic;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>
    /// The commands the systemd installer gives the service manager: the seam between the installer's decisions and
    /// <c>systemctl</c> itself. <see cref="SystemctlCommands"/> runs the real tools; tests record the calls.
    /// </summary>
    public interface IServiceManagerCommands
    {
        /// <summary>Whether systemd runs as the system's service manager (<c>/run/systemd/system</c> exists).</summary>
        bool ManagerRunning { get; }

        /// <summary>Runs <c>systemctl</c> with <paramref name="arguments"/> and returns its exit code and output.</summary>
        ServiceCommandResult Systemctl(IReadOnlyList<string> arguments);

        /// <summary>Runs <c>systemd-analyze verify</c> on a unit file; null when systemd-analyze is not installed.</summary>
        ServiceCommandResult? VerifyUnit(string unitFile);
    }

    /// <summary>How one service-manager command ended.</summary>
    public sealed class ServiceCommandResult
    {
        /// <summary>Creates a result.</summary>
        public ServiceCommandResult(string command, int exitCode, string output, string error)
        {
            Command = command;
            ExitCode = exitCode;
            Output = output;
            Error = error;
        }

        /// <summary>The command as a person would type it (for messages).</summary>
        public string Command { get; }

        /// <summary>The exit code (0 is success).</summary>
        public int ExitCode { get; }

        /// <summary>What the command wrote to standard output.</summary>
        public string Output { get; }

        /// <summary>What the command wrote to standard error.</summary>
        public string Error { get; }

        /// <summary>Whether the command succeeded.</summary>
        public bool Succeeded => ExitCode == 0;

        /// <summary>The command, its exit code and its output in one line, for an error message.</summary>
        public string Describe()
        {
            string said = (Error.Trim() + " " + Output.Trim()).Trim();
            return $"'{Command}' exited with {ExitCode}" + (said.Length == 0 ? "." : ": " + said);
        }
    }
}
