using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks a classifier model and makes it the one the engine loads, installed into the product folder all or nothing.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "BehaviorModel", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(BehaviorModel))]
    public sealed class InstallBehaviorModelCommand : BehaviorCmdlet
    {
        /// <summary>The model to install (.onnx with its .json manifest beside it, or the manifest).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Writes the installed model.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            string source = GetUnresolvedProviderPathFromPSPath(Path);
            // Checked before asking: nobody is asked to confirm a model that would be refused anyway.
            BehaviorModel candidate = ModelReport.Inspect(source);
            if (!candidate.Valid)
            {
                WriteItemError(new BehaviorBlockingException(candidate.ErrorId ?? ErrorIds.ModelInvalid,
                    candidate.ErrorId == ErrorIds.ModelNotFound ? FailureKind.NotFound : FailureKind.InvalidData,
                    "The model '" + source + "' is refused; the installed model is unchanged: " + candidate.Problem), source);
                return;
            }

            if (!ShouldProcess("model " + candidate.Version + " from " + source, "Install as the model the engine loads"))
            {
                return;
            }

            string installed = ModelInstaller.Install(source);
            if (PassThru)
            {
                WriteObject(ModelReport.Inspect(installed));
            }
        }
    }
}
