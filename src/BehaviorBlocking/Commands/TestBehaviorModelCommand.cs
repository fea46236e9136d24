using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks a classifier model as the engine checks what it loads: manifest, SHA-256, feature schema, input and output shapes, and probe rows.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "BehaviorModel")]
    [OutputType(typeof(BehaviorModel), typeof(bool))]
    public sealed class TestBehaviorModelCommand : BehaviorCmdlet
    {
        /// <summary>The model (.onnx with its .json manifest beside it, or the manifest).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Writes only $true or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            BehaviorModel model = ModelReport.Inspect(GetUnresolvedProviderPathFromPSPath(Path));
            WriteObject(Quiet ? (object)model.Valid : model);
        }
    }
}
