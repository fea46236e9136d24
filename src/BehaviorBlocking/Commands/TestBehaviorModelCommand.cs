using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Verifies a model file and its manifest the way the engine checks what it loads: manifest, SHA-256, ONNX Runtime load, probe rows.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "BehaviorModel")]
    [OutputType(typeof(ModelVerification), typeof(bool))]
    public sealed class TestBehaviorModelCommand : BehaviorCmdlet
    {
        /// <summary>The model file (.onnx, its manifest beside it) or its manifest (.json).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary>Writes only $true when every check passed, else $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            foreach (string path in Path)
            {
                ModelVerification result = ModelInspector.Verify(GetUnresolvedProviderPathFromPSPath(path));
                if (Quiet)
                {
                    WriteObject(result.Passed);
                }
                else
                {
                    WriteObject(result);
                }
            }
        }
    }
}
