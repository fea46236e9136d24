using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the detections recorded in the product folder's store, and with -Wait follows new ones.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorDetection")]
    [OutputType(typeof(Detection))]
    public sealed class GetBehaviorDetectionCommand : BehaviorCmdlet
    {
        /// <summary>Detection ids to get.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("DetectionId")]
        [ArgumentCompleter(typeof(DetectionIdCompleter))]
        public Guid[]? Id { get; set; }

        /// <summary>Detection names to get; wildcards are allowed.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DetectionNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Only detections of this ATT&amp;CK tactic.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(TacticCompleter))]
        public Tactic? Tactic { get; set; }

        /// <summary>Only detections from this device (case-insensitive).</summary>
        [Parameter]
        [Alias("Host")]
        [ValidateNotNullOrEmpty]
        public string? ComputerName { get; set; }

        /// <summary>Only detections about the process with this id.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? ProcessId { get; set; }

        /// <summary>Only detections about the process with this guid.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProcessGuid { get; set; }

        /// <summary>Only detections last seen at or after this time (local unless its kind is UTC).</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>Only detections last seen at or before this time (local unless its kind is UTC).</summary>
        [Parameter]
        public DateTime? Until { get; set; }

        /// <summary>Only detections of at least this severity.</summary>
        [Parameter]
        public Severity? Severity { get; set; }

        /// <summary>Only detections whose action is this one.</summary>
        [Parameter]
        public DetectionAction? Action { get; set; }

        /// <summary>Only the N most recent matches.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? Last { get; set; }

        /// <summary>After the current matches, keeps following the store and writes new and updated detections until Ctrl+C.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(1);

        /// <inheritdoc />
        protected override void Process()
        {
            var query = new DetectionQuery
            {
                Ids = Id,
                NamePatterns = Name,
                Tactic = Tactic,
                Host = ComputerName,
                ProcessId = ProcessId,
                ProcessGuid = ProcessGuid,
                Since = Since.HasValue ? new DateTimeOffset(Since.Value).ToUniversalTime() : (DateTimeOffset?)null,
                Until = Until.HasValue ? new DateTimeOffset(Until.Value).ToUniversalTime() : (DateTimeOffset?)null,
                MinimumSeverity = Severity,
                Action = Action,
                Last = Last,
            };
            var watch = new DetectionWatch(query);
            IReadOnlyList<Detection> found = watch.Poll();
            foreach (Detection detection in found)
            {
                WriteObject(detection);
            }

            // Naming one detection by id that is not there is an error for that id, as Get-Item would say; the others are still written.
            foreach (Guid id in Id ?? Array.Empty<Guid>())
            {
                if (Last != 0 && !found.Any(detection => detection.Id == id))
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.DetectionNotFound, FailureKind.NotFound,
                        "No stored detection matching the filters has the id " + id.ToString("D") + "."), id);
                }
            }

            while (Wait && !Cancellation.IsCancellationRequested)
            {
                if (Cancellation.WaitHandle.WaitOne(s_pollInterval))
                {
                    break;
                }

                foreach (Detection detection in watch.Poll())
                {
                    WriteObject(detection);
                }
            }
        }
    }
}
