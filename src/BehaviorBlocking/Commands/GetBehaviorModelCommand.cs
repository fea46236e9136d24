using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the classifier model the engine loads (the installed one, else the built-in one), or a given model, with whether it passes the engine's checks here.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorModel")]
    [OutputType(typeof(BehaviorModel))]
    public sealed class GetBehaviorModelCommand : BehaviorCmdlet
    {
        /// <summary>A model (.onnx with its .json manifest beside it, or the manifest); default: the model a scan would use.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            BehaviorModel model = ModelReport.Inspect(Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path));
            if (!model.Valid && Path is null)
            {
                // The engine would run with rules alone: say so, as a scan or the monitor does.
                WriteWarning("The model does not load (" + model.ErrorId + "): " + model.Problem + " Verdicts are named !rule until a valid model is installed.");
            }

            WriteObject(model);
        }
    }
}
