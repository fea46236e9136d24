using System;
using System.Collections.Generic;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Detections
{
    /// <summary>
    /// One detection: a verdict about a process tree, named after the ATT&amp;CK tactic it
    /// was seen in, with the evidence behind it and what was done about it. The JSON form
    /// (camelCase) is public contract; see <see cref="DetectionJson"/>.
    /// </summary>
    public sealed class Detection
    {
        private static readonly string[] s_none = new string[0];
        private static readonly Evidence[] s_noEvidence = new Evidence[0];
        private static readonly ResponseStep[] s_noActions = new ResponseStep[0];

        /// <summary>Unique id.</summary>
        public Guid Id { get; init; } = Guid.NewGuid();

        /// <summary>Full name, e.g. <c>Behavior:Win32/Persistence.RunKey!ml</c>.</summary>
        public string Name { get; init; } = string.Empty;

        /// <summary>Platform the behavior was seen on.</summary>
        public DetectionPlatform Platform { get; init; }

        /// <summary>ATT&amp;CK tactic of the strongest evidence.</summary>
        public Tactic Tactic { get; init; }

        /// <summary>ATT&amp;CK technique ids such as <c>T1059.001</c>.</summary>
        public IReadOnlyList<string> Techniques { get; init; } = s_none;

        /// <summary>Confidence from 0 to 1.</summary>
        public double Score { get; init; }

        /// <summary>Severity.</summary>
        public Severity Severity { get; init; }

        /// <summary>What was done.</summary>
        public DetectionAction Action { get; init; }

        /// <summary>Device name.</summary>
        public string Host { get; init; } = string.Empty;

        /// <summary>Guid of the process the detection is about (usually the tree's most implicated process).</summary>
        public string? ProcessGuid { get; init; }

        /// <summary>Its process id.</summary>
        public int? ProcessId { get; init; }

        /// <summary>Its executable.</summary>
        public string? Image { get; init; }

        /// <summary>Its command line.</summary>
        public string? CommandLine { get; init; }

        /// <summary>Its parent's executable.</summary>
        public string? ParentImage { get; init; }

        /// <summary>The account it ran as.</summary>
        public string? User { get; init; }

        /// <summary>Time of the first evidence, UTC.</summary>
        public DateTimeOffset FirstSeen { get; init; }

        /// <summary>Time of the latest evidence, UTC.</summary>
        public DateTimeOffset LastSeen { get; init; }

        /// <summary>Replay only: the recording the detection came from, as given on the command line.</summary>
        public string? SourceFile { get; init; }

        /// <summary>The rules, features and events that made the verdict.</summary>
        public IReadOnlyList<Evidence> Evidence { get; init; } = s_noEvidence;

        /// <summary>Version of the model that scored it, when a model did.</summary>
        public string? ModelVersion { get; init; }

        /// <summary>Version of the rule set that matched.</summary>
        public string? RuleSetVersion { get; init; }

        /// <summary>Every response step taken (or reported as what-if) for this detection, in order: by the policy's responder, then by manual blocks.</summary>
        public IReadOnlyList<ResponseStep> Actions { get; init; } = s_noActions;

        /// <summary>The same record with another action (what the response did); its steps stay.</summary>
        public Detection WithAction(DetectionAction action) => action == Action ? this : With(action, Actions);

        /// <summary>The same record with another action and these steps in place of its own.</summary>
        public Detection WithResponse(DetectionAction action, IReadOnlyList<ResponseStep> actions)
        {
            if (actions is null)
            {
                throw new ArgumentNullException(nameof(actions));
            }

            return action == Action && ReferenceEquals(actions, Actions) ? this : With(action, actions);
        }

        /// <summary>The same record with <paramref name="more"/> appended to its steps.</summary>
        public Detection WithMoreActions(IReadOnlyList<ResponseStep> more)
        {
            if (more is null)
            {
                throw new ArgumentNullException(nameof(more));
            }

            if (more.Count == 0)
            {
                return this;
            }

            var all = new List<ResponseStep>(Actions.Count + more.Count);
            all.AddRange(Actions);
            all.AddRange(more);
            return With(Action, all);
        }

        private Detection With(DetectionAction action, IReadOnlyList<ResponseStep> actions) => new Detection
        {
            Id = Id,
            Name = Name,
            Platform = Platform,
            Tactic = Tactic,
            Techniques = Techniques,
            Score = Score,
            Severity = Severity,
            Action = action,
            Host = Host,
            ProcessGuid = ProcessGuid,
            ProcessId = ProcessId,
            Image = Image,
            CommandLine = CommandLine,
            ParentImage = ParentImage,
            User = User,
            FirstSeen = FirstSeen,
            LastSeen = LastSeen,
            SourceFile = SourceFile,
            Evidence = Evidence,
            ModelVersion = ModelVersion,
            RuleSetVersion = RuleSetVersion,
            Actions = actions,
        };
    }
}
