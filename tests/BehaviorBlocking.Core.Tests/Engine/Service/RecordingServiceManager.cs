using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Engine.Service;

namespace BehaviorBlocking.Tests.Engine.Service
{
    /// <summary>
    /// A service manager that records every systemctl call and answers from a script: the exit code per verb and
    /// the text of 'systemctl show' (the state a real systemd would report after the calls so far).
    /// </summary>
    internal sealed class RecordingServiceManager : IServiceManagerCommands
    {
        public RecordingServiceManager(bool running) => ManagerRunning = running;

        public bool ManagerRunning { get; }

        public List<string> Calls { get; } = new List<string>();

        public List<string> Verified { get; } = new List<string>();

        /// <summary>The exit code a verb (the first argument) ends with; missing verbs succeed.</summary>
        public Dictionary<string, int> ExitCodes { get; } = new Dictionary<string, int>();

        /// <summary>What 'show' prints; set by the test for the state it plays.</summary>
        public string ShowText { get; set; } = "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\nNRestarts=0\nExecMainStartTimestamp=\n";

        /// <summary>What 'verify' answers; null plays systemd-analyze not installed.</summary>
        public ServiceCommandResult? VerifyResult { get; set; } = new ServiceCommandResult("systemd-analyze verify", 0, string.Empty, string.Empty);

        /// <summary>The unit text the verifier was shown (read while the candidate file exists).</summary>
        public string? VerifiedText { get; private set; }

        public ServiceCommandResult Systemctl(IReadOnlyList<string> arguments)
        {
            string line = string.Join(" ", arguments);
            Calls.Add(line);
            int exit = ExitCodes.TryGetValue(arguments[0], out int code) ? code : 0;
            string output = arguments[0] == "show" ? ShowText : string.Empty;
            return new ServiceCommandResult("systemctl " + line, exit, output, exit == 0 ? string.Empty : "Failed to " + arguments[0] + ": scripted failure");
        }

        public ServiceCommandResult? VerifyUnit(string unitFile)
        {
            Verified.Add(unitFile);
            VerifiedText = System.IO.File.ReadAllText(unitFile);
            return VerifyResult;
        }

        public IEnumerable<string> Verbs => Calls.Select(c => c.Split(' ')[0]);
    }
}
