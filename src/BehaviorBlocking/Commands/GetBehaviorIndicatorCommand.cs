using System;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the local allow and block indicators (by SHA-256 or path) that scans, the monitor and the exec guard use.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorIndicator")]
    [OutputType(typeof(Indicator))]
    public sealed class GetBehaviorIndicatorCommand : BehaviorCmdlet
    {
        /// <summary>Indicator ids.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public Guid[]? Id { get; set; }

        /// <summary>Indicator values (a SHA-256 or a path); wildcards are allowed.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Value { get; set; }

        /// <summary>Only Sha256 or Path indicators.</summary>
        [Parameter]
        public IndicatorKind? Kind { get; set; }

        /// <summary>Only Allow or Block indicators.</summary>
        [Parameter]
        public IndicatorVerdict? Verdict { get; set; }

        /// <summary>Also the indicators that have expired.</summary>
        [Parameter]
        public SwitchParameter IncludeExpired { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            var patterns = Value?.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
            foreach (Indicator indicator in IndicatorService.List(ProductHome.DefaultStorePath, IncludeExpired))
            {
                if ((Id is null || Id.Contains(indicator.Id))
                    && (patterns is null || patterns.Any(p => p.IsMatch(indicator.Value)))
                    && (Kind is null || indicator.Kind == Kind)
                    && (Verdict is null || indicator.Verdict == Verdict))
                {
                    WriteObject(indicator);
                }
            }
        }
    }
}
