using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Policy
{
    /// <summary>Changes to the policy in force: the mode, the version, and settings for the defaults or for some tactics.</summary>
    public sealed class PolicyEdit
    {
        /// <summary>The new mode; null keeps it.</summary>
        public PolicyMode? Mode { get; init; }

        /// <summary>The new version string; null keeps it.</summary>
        public string? Version { get; init; }

        /// <summary>The settings to change (fields left null are kept).</summary>
        public ResponseSettings Settings { get; init; } = new ResponseSettings();

        /// <summary>The tactics whose entries get <see cref="Settings"/>; null or empty changes the defaults.</summary>
        public IReadOnlyList<Tactic>? Tactics { get; init; }
    }

    /// <summary>A new exclusion: at least one condition and a justification.</summary>
    public sealed class ExclusionDraft
    {
        /// <summary>Image path pattern (glob).</summary>
        public string? Image { get; init; }

        /// <summary>SHA-256 of the image (64 hex digits).</summary>
        public string? Sha256 { get; init; }

        /// <summary>Signer pattern (glob).</summary>
        public string? Signer { get; init; }

        /// <summary>Command-line pattern (glob).</summary>
        public string? CommandLine { get; init; }

        /// <summary>Parent image path pattern (glob).</summary>
        public string? ParentImage { get; init; }

        /// <summary>Account pattern (glob).</summary>
        public string? User { get; init; }

        /// <summary>Device name pattern (glob).</summary>
        public string? Host { get; init; }

        /// <summary>Rule id pattern (glob).</summary>
        public string? RuleId { get; init; }

        /// <summary>Detection name pattern (glob).</summary>
        public string? DetectionName { get; init; }

        /// <summary>When it stops applying; null for never.</summary>
        public DateTimeOffset? Expires { get; init; }

        /// <summary>Why it exists (required).</summary>
        public string Justification { get; init; } = string.Empty;

        internal IReadOnlyList<ExclusionCondition> Conditions()
        {
            var conditions = new List<ExclusionCondition>();
            Add(conditions, ExclusionField.Image, Image);
            Add(conditions, ExclusionField.Sha256, Sha256);
            Add(conditions, ExclusionField.Signer, Signer);
            Add(conditions, ExclusionField.CommandLine, CommandLine);
            Add(conditions, ExclusionField.ParentImage, ParentImage);
            Add(conditions, ExclusionField.User, User);
            Add(conditions, ExclusionField.Host, Host);
            Add(conditions, ExclusionField.RuleId, RuleId);
            Add(conditions, ExclusionField.DetectionName, DetectionName);
            return conditions;
        }

        // Patterns are compiled when the edited document is parsed back; an unusable one is refused there with its path.
        private static void Add(List<ExclusionCondition> into, ExclusionField field, string? value)
        {
            if (value is not null)
            {
                into.Add(new ExclusionCondition(field, value, null));
            }
        }
    }

    /// <summary>
    /// A policy change worked out but not yet made: the policy it replaces, the validated new document and its
    /// bytes, and what changes. <see cref="Install"/> makes it the policy in force through <see cref="PolicyFile.Set(byte[], string, string?, string?, PolicyActor?, DateTimeOffset?)"/>.
    /// </summary>
    public sealed class PolicyEditPlan
    {
        private readonly byte[] _bytes;

        internal PolicyEditPlan(string targetPath, string source, LoadedPolicy previous, PolicyDocument document, byte[] bytes, IReadOnlyList<int> missing)
        {
            TargetPath = targetPath;
            Source = source;
            Previous = previous;
            Document = document;
            _bytes = bytes;
            MissingExclusions = missing;
            Changes = PolicyChanges.Between(previous.Document, document);
        }

        /// <summary>The policy file that will be written.</summary>
        public string TargetPath { get; }

        /// <summary>Where the new document came from (a file, or the policy file itself for an edit).</summary>
        public string Source { get; }

        /// <summary>The policy in force before the change.</summary>
        public LoadedPolicy Previous { get; }

        /// <summary>The new, validated document.</summary>
        public PolicyDocument Document { get; }

        /// <summary>What changes, one line each (<c>mode: Audit -> Block</c>); empty when nothing does.</summary>
        public IReadOnlyList<string> Changes { get; }

        /// <summary>Exclusion indexes asked to be removed that the policy in force does not have.</summary>
        public IReadOnlyList<int> MissingExclusions { get; }

        /// <summary>True when the change switches the policy to Block from another mode.</summary>
        public bool TurnsBlockOn => Document.Mode == PolicyMode.Block && Previous.Document.Mode != PolicyMode.Block;

        /// <summary>The changes on one line (<c>mode: Audit -> Block; version: 1 -> 2</c>), or <c>no changes</c>.</summary>
        public string Summary => Changes.Count == 0 ? "no changes" : string.Join("; ", Changes);

        /// <summary>
        /// Installs the new document atomically with its audit-trail row in the store at <paramref name="storePath"/> (default the
        /// product folder's), provided the policy file is still the one <see cref="Previous"/> read.
        /// </summary>
        /// <exception cref="BehaviorBlockingException">
        /// <c>PolicyChangedDuringEdit</c> when another install came in between; <c>PolicyInstallFailed</c>, the store's errors. The policy in force is unchanged.
        /// </exception>
        public PolicySetResult Install(string? storePath = null, PolicyActor? actor = null, DateTimeOffset? now = null) =>
            PolicyFile.Set(_bytes, Source, TargetPath, storePath ?? ProductHome.DefaultStorePath, actor, now, checkPrevious: true, Previous.Sha256);
    }

    /// <summary>
    /// Works out policy changes against the policy in force (or the default Audit policy): the current document plus
    /// the changes gives a new document, which is written as JSON and parsed back, so an edit is validated exactly as
    /// a policy file is and refused with <c>PolicyFileInvalid</c> before anything is written.
    /// </summary>
    public static class PolicyEditor
    {
        /// <summary>A plan installing the policy file at <paramref name="sourcePath"/> in place of the policy at <paramref name="targetPath"/> (default <see cref="PolicyFile.DefaultPath"/>).</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileNotFound</c>, <c>PolicyFileUnreadable</c>, <c>PolicyFileInvalid</c>.</exception>
        public static PolicyEditPlan FromFile(string sourcePath, string? targetPath = null)
        {
            byte[] bytes = PolicyFile.ReadBytes(sourcePath, out string source);
            PolicyParseResult parsed = PolicyDocument.Parse(bytes);
            if (!parsed.IsValid)
            {
                throw new PolicyInvalidException(source, parsed.Errors);
            }

            string target = System.IO.Path.GetFullPath(targetPath ?? PolicyFile.DefaultPath);
            return new PolicyEditPlan(target, source, CurrentOrDefault(target), parsed.Document!, bytes, Array.Empty<int>());
        }

        /// <summary>A plan applying <paramref name="edit"/> to the policy in force at <paramref name="targetPath"/>.</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileInvalid</c> for an edit the schema refuses or a policy in force that cannot be read.</exception>
        public static PolicyEditPlan Edit(PolicyEdit edit, string? targetPath = null)
        {
            if (edit is null)
            {
                throw new ArgumentNullException(nameof(edit));
            }

            return Plan(targetPath, Array.Empty<int>(), current =>
            {
                ResponseSettings defaults = current.Defaults;
                var tactics = new List<PolicyOverride>(current.Tactics);
                if (edit.Tactics is null || edit.Tactics.Count == 0)
                {
                    defaults = Merge(defaults, edit.Settings);
                }
                else
                {
                    foreach (Tactic tactic in edit.Tactics)
                    {
                        string key = tactic.ToString();
                        int at = tactics.FindIndex(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase));
                        if (at >= 0)
                        {
                            tactics[at] = new PolicyOverride(PolicyScope.Tactic, tactics[at].Key, Merge(tactics[at].Settings, edit.Settings));
                        }
                        else if (!edit.Settings.IsEmpty)
                        {
                            tactics.Add(new PolicyOverride(PolicyScope.Tactic, key, edit.Settings));
                        }
                    }
                }

                return new PolicyDocument(edit.Version ?? current.Version, edit.Mode ?? current.Mode, defaults, tactics,
                    current.Rules, current.Detections, current.Exclusions);
            });
        }

        /// <summary>A plan adding <paramref name="draft"/> at the end of the exclusions of the policy in force.</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileInvalid</c>: no condition, no justification, an unusable pattern or hash.</exception>
        public static PolicyEditPlan AddExclusion(ExclusionDraft draft, string? targetPath = null)
        {
            if (draft is null)
            {
                throw new ArgumentNullException(nameof(draft));
            }

            return Plan(targetPath, Array.Empty<int>(), current =>
            {
                var exclusions = new List<PolicyExclusion>(current.Exclusions)
                {
                    new PolicyExclusion(current.Exclusions.Count, draft.Conditions(), draft.Expires?.ToUniversalTime(), draft.Justification, default),
                };
                return With(current, exclusions);
            });
        }

        /// <summary>
        /// A plan removing the exclusions at <paramref name="indexes"/> (indexes of the policy in force, all at once, so
        /// removing several does not shift the others); indexes it does not have are in <see cref="PolicyEditPlan.MissingExclusions"/>.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileInvalid</c> for a policy in force that cannot be read.</exception>
        public static PolicyEditPlan RemoveExclusions(IEnumerable<int> indexes, string? targetPath = null)
        {
            var remove = new HashSet<int>(indexes ?? throw new ArgumentNullException(nameof(indexes)));
            string target = System.IO.Path.GetFullPath(targetPath ?? PolicyFile.DefaultPath);
            LoadedPolicy previous = CurrentOrDefault(target);
            var missing = new List<int>();
            foreach (int index in remove)
            {
                if (index < 0 || index >= previous.Document.Exclusions.Count)
                {
                    missing.Add(index);
                }
            }

            missing.Sort();
            var kept = new List<PolicyExclusion>();
            foreach (PolicyExclusion exclusion in previous.Document.Exclusions)
            {
                if (!remove.Contains(exclusion.Index))
                {
                    kept.Add(new PolicyExclusion(kept.Count, exclusion.Conditions, exclusion.Expires, exclusion.Justification, exclusion.Position));
                }
            }

            return Build(target, previous, With(previous.Document, kept), missing);
        }

        private static PolicyEditPlan Plan(string? targetPath, IReadOnlyList<int> missing, Func<PolicyDocument, PolicyDocument> change)
        {
            string target = System.IO.Path.GetFullPath(targetPath ?? PolicyFile.DefaultPath);
            LoadedPolicy previous = CurrentOrDefault(target);
            return Build(target, previous, change(previous.Document), missing);
        }

        private static PolicyEditPlan Build(string target, LoadedPolicy previous, PolicyDocument edited, IReadOnlyList<int> missing)
        {
            // Written out and read back: the edit meets every rule a policy file meets, and what is installed is what was checked.
            byte[] bytes = Encoding.UTF8.GetBytes(edited.ToJson() + "\n");
            PolicyParseResult parsed = PolicyDocument.Parse(bytes);
            if (!parsed.IsValid)
            {
                throw new PolicyInvalidException(target, parsed.Errors);
            }

            return new PolicyEditPlan(target, target, previous, parsed.Document!, bytes, missing);
        }

        private static LoadedPolicy CurrentOrDefault(string target) => PolicyFile.LoadInForce(target);

        private static PolicyDocument With(PolicyDocument current, IReadOnlyList<PolicyExclusion> exclusions) =>
            new PolicyDocument(current.Version, current.Mode, current.Defaults, current.Tactics, current.Rules, current.Detections, exclusions);

        private static ResponseSettings Merge(ResponseSettings current, ResponseSettings change) => new ResponseSettings
        {
            Threshold = change.Threshold ?? current.Threshold,
            Action = change.Action ?? current.Action,
            Quarantine = change.Quarantine ?? current.Quarantine,
            BlockHash = change.BlockHash ?? current.BlockHash,
            Remediate = change.Remediate ?? current.Remediate,
        };
    }
}
