using System;
using System.Collections.Generic;
using System.Text;

namespace BehaviorBlocking.Policy
{
    /// <summary>The policy in force as a record: where it lives, its hash, mode, effective defaults, overrides, exclusions and warnings.</summary>
    public sealed class BlockingPolicyInfo
    {
        private BlockingPolicyInfo(LoadedPolicy loaded, string path, DateTimeOffset now)
        {
            PolicyDocument document = loaded.Document;
            Path = path;
            IsDefault = loaded.IsDefault;
            Sha256 = loaded.Sha256;
            Version = document.Version;
            Mode = document.Mode;
            ResponseSettings d = document.Defaults;
            ResponseSettings builtIn = ResponseSettings.BuiltIn;
            Defaults = new ResponseSettings
            {
                Threshold = d.Threshold ?? builtIn.Threshold,
                Action = d.Action ?? builtIn.Action,
                Quarantine = d.Quarantine ?? builtIn.Quarantine,
                BlockHash = d.BlockHash ?? builtIn.BlockHash,
                Remediate = d.Remediate ?? builtIn.Remediate,
            };
            Tactics = document.Tactics;
            Rules = document.Rules;
            Detections = document.Detections;
            var exclusions = new List<BlockingExclusion>();
            foreach (PolicyExclusion exclusion in document.Exclusions)
            {
                exclusions.Add(new BlockingExclusion(exclusion, now));
            }

            Exclusions = exclusions;
            Warnings = document.Warnings(now);
        }

        /// <summary>The policy file (where the policy in force lives, or would live for the default policy).</summary>
        public string Path { get; }

        /// <summary>True when there is no policy file and the default Audit policy applies.</summary>
        public bool IsDefault { get; }

        /// <summary>SHA-256 (upper-case hex) of the file; null for the default policy.</summary>
        public string? Sha256 { get; }

        /// <summary>The policy's version string.</summary>
        public string Version { get; }

        /// <summary>Off, Audit or Block.</summary>
        public PolicyMode Mode { get; }

        /// <summary>The defaults in effect: the document's, with the built-in values where it sets none.</summary>
        public ResponseSettings Defaults { get; }

        /// <summary>Per-tactic overrides, in document order.</summary>
        public IReadOnlyList<PolicyOverride> Tactics { get; }

        /// <summary>Per-rule-id overrides, in document order.</summary>
        public IReadOnlyList<PolicyOverride> Rules { get; }

        /// <summary>Per-detection-name overrides, in document order.</summary>
        public IReadOnlyList<PolicyOverride> Detections { get; }

        /// <summary>The exclusions, in document order.</summary>
        public IReadOnlyList<BlockingExclusion> Exclusions { get; }

        /// <summary>What is worth knowing though the policy is valid (expired exclusions, signer exclusions).</summary>
        public IReadOnlyList<PolicyProblem> Warnings { get; }

        /// <summary>The policy in force at <paramref name="path"/> (default <see cref="PolicyFile.DefaultPath"/>), or the default Audit policy when there is no file.</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileUnreadable</c>, <c>PolicyFileInvalid</c> for a file that cannot be used.</exception>
        public static BlockingPolicyInfo InForce(string? path = null, DateTimeOffset? now = null)
        {
            string full = System.IO.Path.GetFullPath(path ?? PolicyFile.DefaultPath);
            return From(PolicyFile.LoadInForce(full), full, now ?? DateTimeOffset.UtcNow);
        }

        /// <summary>The record of <paramref name="loaded"/>, its exclusions' state at <paramref name="now"/>.</summary>
        public static BlockingPolicyInfo From(LoadedPolicy loaded, string path, DateTimeOffset now) =>
            new BlockingPolicyInfo(loaded ?? throw new ArgumentNullException(nameof(loaded)), path ?? throw new ArgumentNullException(nameof(path)), now);
    }

    /// <summary>One exclusion of the policy in force, with whether it applies now.</summary>
    public sealed class BlockingExclusion
    {
        internal BlockingExclusion(PolicyExclusion exclusion, DateTimeOffset now)
        {
            Index = exclusion.Index;
            Conditions = exclusion.Conditions;
            Expires = exclusion.Expires;
            Justification = exclusion.Justification;
            Active = exclusion.IsActive(now);
            var text = new StringBuilder();
            foreach (ExclusionCondition condition in exclusion.Conditions)
            {
                text.Append(text.Length == 0 ? string.Empty : " and ").Append(condition);
            }

            Condition = text.ToString();
        }

        /// <summary>Its index in <c>exclusions</c> (what Remove-BlockingExclusion takes).</summary>
        public int Index { get; }

        /// <summary>The conditions, all of which must match.</summary>
        public IReadOnlyList<ExclusionCondition> Conditions { get; }

        /// <summary>The conditions on one line (<c>image C:\Tools\*.exe and user CORP\svc</c>).</summary>
        public string Condition { get; }

        /// <summary>When it stops applying, UTC; null for never.</summary>
        public DateTimeOffset? Expires { get; }

        /// <summary>Why it exists.</summary>
        public string Justification { get; }

        /// <summary>True when it applies now (not expired).</summary>
        public bool Active { get; }

        /// <summary>Every exclusion of the policy in force at <paramref name="path"/> (default <see cref="PolicyFile.DefaultPath"/>).</summary>
        /// <exception cref="BehaviorBlockingException"><c>PolicyFileUnreadable</c>, <c>PolicyFileInvalid</c>.</exception>
        public static IReadOnlyList<BlockingExclusion> InForce(string? path = null, DateTimeOffset? now = null) =>
            BlockingPolicyInfo.InForce(path, now).Exclusions;

        /// <inheritdoc />
        public override string ToString() => "[" + Index + "] " + Condition + ": " + Justification;
    }
}
