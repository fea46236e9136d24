using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks policy files without installing them: every problem with its line, column and JSON path.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "BlockingPolicy")]
    [OutputType(typeof(PolicyValidation), typeof(bool))]
    public sealed class TestBlockingPolicyCommand : BehaviorCmdlet
    {
        /// <summary>The policy files to check.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Writes only True (valid) or False for each file.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (string path in Path)
            {
                PolicyValidation validation;
                try
                {
                    validation = PolicyFile.Validate(GetUnresolvedProviderPathFromPSPath(path), DateTimeOffset.UtcNow);
                }
                catch (BehaviorBlockingException ex)
                {
                    // A file that is missing or unreadable cannot be checked: reported, and the next one is.
                    if (Quiet)
                    {
                        WriteObject(false);
                    }
                    else
                    {
                        WriteItemError(ex, path);
                    }

                    continue;
                }

                WriteObject(Quiet ? validation.IsValid : validation);
            }
        }
    }
}
