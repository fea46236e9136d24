using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks Sigma rule files with the engine's loader and, optionally, counts the events of a recording each rule matches.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "BehaviorRule")]
    [OutputType(typeof(RuleTestResult), typeof(bool))]
    public sealed class TestBehaviorRuleCommand : BehaviorCmdlet
    {
        /// <summary>Rule files or directories (read recursively for .yml and .yaml files).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary>A recording (JSONL or XML, as Invoke-BehaviorScan reads it) to replay against only these rules.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RecordPath { get; set; }

        /// <summary>Writes one Boolean: every rule loaded and, with -RecordPath, every loaded rule matched at least one event.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        private readonly List<string> _paths = new List<string>();

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
            string? record = RecordPath is null ? null : GetUnresolvedProviderPathFromPSPath(RecordPath);
            var problems = new List<string>();
            IReadOnlyList<RuleTestResult> results = RuleTester.Test(_paths, record, problem => problems.Add(problem.ToString()), Cancellation);
            foreach (string problem in problems)
            {
                WriteWarning("Record skipped: " + problem);
            }

            if (Quiet)
            {
                WriteObject(results.Count > 0 && results.All(r => r.Status == RuleTestStatus.Loaded && (record is null || r.Matches > 0)));
                return;
            }

            foreach (RuleTestResult result in results)
            {
                WriteObject(result);
            }
        }
    }
}
