using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Verifies a model and makes it the one the engine loads, copied into the product folder all or nothing.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "BehaviorModel", SupportsShouldProcess = true)]
    [OutputType(typeof(BehaviorModelInfo))]
    public sealed class InstallBehaviorModelCommand : BehaviorCmdlet
    {
        /// <summary>The model file (.onnx, its manifest beside it) or its manifest (.json).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary>Writes the installed model (as Get-BehaviorModel describes it).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            string full = GetUnresolvedProviderPathFromPSPath(Path);
            ModelVerification verification = ModelInspector.Verify(full);
            try
            {
                verification.ThrowIfFailed("nothing was installed");
            }
            catch (BehaviorBlockingException ex)
            {
                ThrowFailure(ex, Path);
            }

            if (!ShouldProcess($"model {verification.Version} ({full})", "Install as the engine's model"))
            {
                return;
            }

            string installed = ModelInstaller.Install(full);
            if (PassThru)
            {
                WriteObject(ModelInspector.Describe(installed));
            }
        }
    }
}
