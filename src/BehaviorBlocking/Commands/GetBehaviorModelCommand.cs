using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the classifier model the engine would load (the installed one, else the built-in one), or a model file named.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorModel")]
    [OutputType(typeof(BehaviorModelInfo))]
    public sealed class GetBehaviorModelCommand : BehaviorCmdlet
    {
        /// <summary>A model file (.onnx, its manifest beside it) or manifest (.json) to describe instead of the one the engine would load.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            if (Path is null)
            {
                WriteObject(ModelInspector.Describe());
                return;
            }

            foreach (string path in Path)
            {
                string full = GetUnresolvedProviderPathFromPSPath(path);
                try
                {
                    WriteObject(ModelInspector.Describe(full));
                }
                catch (BehaviorBlockingException ex)
                {
                    WriteItemError(ex, path);
                }
            }
        }
    }
}
