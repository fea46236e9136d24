using System;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Adds a local allow or block indicator for a file's SHA-256 or path; a block takes effect in scans, the monitor and (on Linux) before the file runs.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "BehaviorIndicator", DefaultParameterSetName = Sha256Set, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Indicator))]
    public sealed class AddBehaviorIndicatorCommand : BehaviorCmdlet
    {
        private const string Sha256Set = "Sha256";
        private const string PathSet = "Path";

        /// <summary>The file's SHA-256 (64 hexadecimal digits).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = Sha256Set, ValueFromPipelineByPropertyName = true)]
        [Alias("Hash")]
        [ValidateNotNullOrEmpty]
        public string Sha256 { get; set; } = string.Empty;

        /// <summary>The file's absolute path (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        /// <summary>Allow or Block.</summary>
        [Parameter(Mandatory = true)]
        public IndicatorVerdict Verdict { get; set; }

        /// <summary>When the indicator stops applying; must be in the future.</summary>
        [Parameter]
        public DateTime? Expires { get; set; }

        /// <summary>Why it exists (kept with it).</summary>
        [Parameter]
        public string? Comment { get; set; }

        /// <summary>Writes the indicator added.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void Process()
        {
            IndicatorKind kind = ParameterSetName == PathSet ? IndicatorKind.Path : IndicatorKind.Sha256;
            string value = kind == IndicatorKind.Path ? Path : Sha256;
            if (!ShouldProcess((kind == IndicatorKind.Path ? "path " : "SHA-256 ") + value, "Add a " + Verdict + " indicator"))
            {
                return;
            }

            try
            {
                Indicator added = IndicatorService.Add(ProductHome.DefaultStorePath, new IndicatorDraft(kind, value, Verdict, IndicatorSource.Manual)
                {
                    Expires = Expires.HasValue ? new DateTimeOffset(Expires.Value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(Expires.Value, DateTimeKind.Local) : Expires.Value).ToUniversalTime() : (DateTimeOffset?)null,
                    Comment = Comment,
                    CreatedBy = Environment.UserName,
                });
                if (PassThru)
                {
                    WriteObject(added);
                }
            }
            catch (BehaviorBlockingException ex)
            {
                WriteItemError(ex, value);
            }
        }
    }
}
