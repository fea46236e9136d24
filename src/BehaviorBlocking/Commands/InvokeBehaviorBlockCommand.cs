using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Blocks what a person names: a stored detection, a process tree, a file or a hash, through the engine's responder and guard rails.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "BehaviorBlock", DefaultParameterSetName = ByIdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(BlockResult))]
    public sealed class InvokeBehaviorBlockCommand : BehaviorCmdlet
    {
        private const string ByDetectionSet = "ByDetection";
        private const string ByIdSet = "ById";
        private const string ByProcessIdSet = "ByProcessId";
        private const string ByPathSet = "ByPath";
        private const string BySha256Set = "BySha256";

        /// <summary>Detections to block (from <c>Get-BehaviorDetection</c>); the store's record of each is acted on.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ByDetectionSet)]
        [ValidateNotNull]
        public Detection? Detection { get; set; }

        /// <summary>Ids of stored detections to block.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
        [Alias("DetectionId")]
        [ArgumentCompleter(typeof(DetectionIdCompleter))]
        public Guid[]? Id { get; set; }

        /// <summary>A live process of this machine (its tree is killed unless -Action says otherwise).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByProcessIdSet)]
        [ValidateRange(1, int.MaxValue)]
        public int ProcessId { get; set; }

        /// <summary>A file of this machine (quarantined unless -Action BlockHash).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByPathSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>A SHA-256 to block.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = BySha256Set)]
        [ValidateNotNullOrEmpty]
        public string? Sha256 { get; set; }

        /// <summary>The one step to take; without it a detection gets the steps the policy in force asks for.</summary>
        [Parameter]
        [ValidateSet(nameof(ResponseKind.KillTree), nameof(ResponseKind.KillProcess), nameof(ResponseKind.Suspend), nameof(ResponseKind.Quarantine),
            nameof(ResponseKind.BlockHash), nameof(ResponseKind.Remediate))]
        public ResponseKind? Action { get; set; }

        /// <summary>Why, for the record (indicator comment, quarantine reason).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Comment { get; set; }

        private ResponseComponents? _components;
        private BlockingPolicy? _policy;

        /// <inheritdoc />
        protected override void Begin()
        {
            _components = ResponseComponents.ForThisMachine(ProductHome.Resolve(), ProductHome.DefaultStorePath);
        }

        /// <inheritdoc />
        protected override void Process()
        {
            switch (ParameterSetName)
            {
                case ByDetectionSet:
                    Block(new BlockRequest { DetectionId = Detection!.Id }, Detection);
                    break;
                case ByIdSet:
                    foreach (Guid id in Id!)
                    {
                        Block(new BlockRequest { DetectionId = id }, id);
                    }

                    break;
                case ByProcessIdSet:
                    Block(new BlockRequest { ProcessId = ProcessId }, ProcessId);
                    break;
                case ByPathSet:
                    Block(new BlockRequest { Path = GetUnresolvedProviderPathFromPSPath(Path) }, Path);
                    break;
                default:
                    Block(new BlockRequest { Sha256 = Sha256 }, Sha256);
                    break;
            }
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _components?.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Block(BlockRequest target, object? input)
        {
            bool whatIf = IsWhatIf();
            var request = new BlockRequest
            {
                DetectionId = target.DetectionId,
                ProcessId = target.ProcessId,
                Path = target.Path,
                Sha256 = target.Sha256,
                Action = Action,
                Comment = Comment,
                WhatIf = whatIf,
                StorePath = ProductHome.DefaultStorePath,
                Policy = target.DetectionId.HasValue && Action is null ? PolicyInForce() : null,
            };
            try
            {
                string name = BlockService.DescribeTarget(request);
                string verb = Action is ResponseKind kind ? kind.ToString()
                    : request.DetectionId.HasValue ? "Block as the policy in force asks"
                    : request.ProcessId.HasValue ? nameof(ResponseKind.KillTree)
                    : request.Path is null ? nameof(ResponseKind.BlockHash) : nameof(ResponseKind.Quarantine);

                // With -WhatIf the prompt is only reported; the engine still says what each step would do, changing nothing.
                if (!ShouldProcess(name, verb) && !whatIf)
                {
                    return;
                }

                BlockResult result = BlockService.Run(request, _components!);
                WriteObject(result);
                if (!result.Succeeded && !whatIf)
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.BlockNotCompleted, FailureKind.Unavailable,
                        "Not every step of the block of " + name + " was done; see the Steps of the result."), input);
                }
            }
            catch (BehaviorBlockingException ex)
            {
                WriteItemError(ex, input);
            }
            catch (ArgumentException ex)
            {
                WriteItemError(ex, input);
            }
            catch (InvalidOperationException ex)
            {
                // The policy in force asks for nothing for this detection: the person must name the step.
                WriteItemError(new ArgumentException(ex.Message, nameof(Action), ex), input);
            }
        }

        private BlockingPolicy PolicyInForce()
        {
            if (_policy is null)
            {
                _policy = ScanPolicy.InForceOrDefault(out BehaviorBlockingException? problem);
                if (problem is not null)
                {
                    WriteWarning(problem.ErrorId + ": " + problem.Message + " Blocking uses the default Audit policy.");
                }
            }

            return _policy;
        }

        private bool IsWhatIf()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? value))
            {
                return value is SwitchParameter bound ? bound.IsPresent : LanguagePrimitives.IsTrue(value);
            }

            return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
        }
    }
}
