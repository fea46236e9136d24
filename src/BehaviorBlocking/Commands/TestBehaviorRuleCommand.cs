using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Sensors.Replay;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks Sigma rule files with the engine's loader and, with -RecordPath, how many events of a recording each rule matches.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "BehaviorRule")]
    [OutputType(typeof(RuleCheck), typeof(bool))]
    public sealed class TestBehaviorRuleCommand : BehaviorCmdlet
    {
        private readonly List<string> _paths = new List<string>();

        /// <summary>Rule files or directories (directories are read recursively).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Recorded telemetry (JSON Lines or event XML, .gz or not, files or directories) to replay against only these rules.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? RecordPath { get; set; }

        /// <summary>Writes only $true (every rule loads and, with -RecordPath, every rule matched at least one event) or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (string path in Path)
            {
                _paths.Add(GetUnresolvedProviderPathFromPSPath(path));
            }
        }

        /// <inheritdoc />
        protected override void End()
        {
            string[]? recordings = RecordPath?.Select(GetUnresolvedProviderPathFromPSPath).ToArray();
            var problems = new List<ReplayProblem>();
            IReadOnlyList<RuleCheck> checks = RuleChecker.Check(_paths, recordings, problems.Add, Cancellation);
            foreach (ReplayProblem problem in problems)
            {
                WriteWarning(problem.ToString());
            }

            if (Quiet)
            {
                WriteObject(checks.Count > 0 && checks.All(c => c.Loaded && (recordings is null || c.Matches > 0)));
                return;
            }

            foreach (RuleCheck check in checks)
            {
                WriteObject(check);
            }
        }
    }
}
