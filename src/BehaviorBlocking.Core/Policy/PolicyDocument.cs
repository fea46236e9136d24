using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// What one policy entry (the defaults, a tactic, a rule id or a detection name) sets; a field
    /// left null is taken from the next less specific entry (detection name, rule id, tactic,
    /// defaults, then the built-in values).
    /// </summary>
    public sealed class ResponseSettings
    {
        /// <summary>Built-in threshold when no entry sets one.</summary>
        public const double BuiltInThreshold = 0.8;

        /// <summary>The built-in values: threshold 0.8, KillTree, no quarantine, no hash block, no remediation.</summary>
        public static ResponseSettings BuiltIn { get; } = new ResponseSettings
        {
            Threshold = BuiltInThreshold,
            Action = ResponseAction.KillTree,
            Quarantine = false,
            BlockHash = false,
            Remediate = false,
        };

        /// <summary>Score (0–1) a verdict must reach for the action to be taken.</summary>
        public double? Threshold { get; init; }

        /// <summary>What to do to the processes.</summary>
        public ResponseAction? Action { get; init; }

        /// <summary>Quarantine the implicated image.</summary>
        public bool? Quarantine { get; init; }

        /// <summary>Block the implicated image's hash.</summary>
        public bool? BlockHash { get; init; }

        /// <summary>Remove the persistence the evidence names.</summary>
        public bool? Remediate { get; init; }

        /// <summary>True when no field is set.</summary>
        public bool IsEmpty => Threshold is null && Action is null && Quarantine is null && BlockHash is null && Remediate is null;

        /// <summary>The fields that are set, as <c>threshold 0.7, action None</c>.</summary>
        public override string ToString()
        {
            var parts = new List<string>();
            if (Threshold.HasValue)
            {
                parts.Add("threshold " + PolicyDocument.Number(Threshold.Value));
            }

            if (Action.HasValue)
            {
                parts.Add("action " + Action.Value);
            }

            AddFlag(parts, "quarantine", Quarantine);
            AddFlag(parts, "blockHash", BlockHash);
            AddFlag(parts, "remediate", Remediate);
            return string.Join(", ", parts);
        }

        private static void AddFlag(List<string> parts, string name, bool? value)
        {
            if (value.HasValue)
            {
                parts.Add(name + " " + (value.Value ? "true" : "false"));
            }
        }
    }

    /// <summary>Which part of the policy an override belongs to.</summary>
    public enum PolicyScope
    {
        /// <summary>An ATT&amp;CK tactic (<c>tactics</c>).</summary>
        Tactic = 0,

        /// <summary>A rule id (<c>rules</c>).</summary>
        Rule,

        /// <summary>A detection name (<c>detections</c>).</summary>
        Detection,
    }

    /// <summary>The settings of one tactic, rule id or detection name.</summary>
    public sealed class PolicyOverride
    {
        /// <summary>Creates an override.</summary>
        public PolicyOverride(PolicyScope scope, string key, ResponseSettings settings)
        {
            Scope = scope;
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        }

        /// <summary>Tactic, rule or detection.</summary>
        public PolicyScope Scope { get; }

        /// <summary>The tactic name, rule id or detection name.</summary>
        public string Key { get; }

        /// <summary>What it sets.</summary>
        public ResponseSettings Settings { get; }

        /// <summary>Where it sits in the document, as a JSON path (<c>$.tactics.Execution</c>, <c>$.rules['id']</c>).</summary>
        public string Path => PolicyDocument.OverridePath(Scope, Key);
    }

    /// <summary>What an exclusion condition compares.</summary>
    public enum ExclusionField
    {
        /// <summary>The implicated process's image path (glob).</summary>
        Image = 0,

        /// <summary>The implicated image's SHA-256 (exact).</summary>
        Sha256,

        /// <summary>The implicated image's signer (glob), where the sensor reports one.</summary>
        Signer,

        /// <summary>The implicated process's command line (glob).</summary>
        CommandLine,

        /// <summary>The implicated process's parent image path (glob).</summary>
        ParentImage,

        /// <summary>The account the implicated process ran as (glob, case-insensitive).</summary>
        User,

        /// <summary>The device (glob, case-insensitive).</summary>
        Host,

        /// <summary>The rules of the verdict's evidence (glob, case-insensitive): every one must match.</summary>
        RuleId,

        /// <summary>The detection name (glob, case-insensitive).</summary>
        DetectionName,
    }

    /// <summary>One condition of an exclusion.</summary>
    public sealed class ExclusionCondition
    {
        internal ExclusionCondition(ExclusionField field, string value, PolicyGlob? glob)
        {
            Field = field;
            Value = value;
            Glob = glob;
        }

        /// <summary>What it compares.</summary>
        public ExclusionField Field { get; }

        /// <summary>The pattern (or the upper-case SHA-256).</summary>
        public string Value { get; }

        /// <summary>The compiled pattern; null for <see cref="ExclusionField.Sha256"/>.</summary>
        internal PolicyGlob? Glob { get; }

        /// <summary>The JSON key of the field.</summary>
        public string Key => PolicyDocument.ExclusionKey(Field);

        /// <inheritdoc />
        public override string ToString() => Key + " " + Value;
    }

    /// <summary>
    /// One exclusion: every condition must match for it to apply. Until <see cref="Expires"/> (when
    /// set) it makes a verdict <c>Excluded</c> with its justification as the reason.
    /// </summary>
    public sealed class PolicyExclusion
    {
        internal PolicyExclusion(int index, IReadOnlyList<ExclusionCondition> conditions, DateTimeOffset? expires, string justification, PolicyProblemPosition position)
        {
            Index = index;
            Conditions = conditions;
            Expires = expires;
            Justification = justification;
            Position = position;
        }

        /// <summary>Its index in <c>exclusions</c>.</summary>
        public int Index { get; }

        /// <summary>The conditions, all of which must match.</summary>
        public IReadOnlyList<ExclusionCondition> Conditions { get; }

        /// <summary>When it stops applying, UTC; null for never.</summary>
        public DateTimeOffset? Expires { get; }

        /// <summary>Why it exists.</summary>
        public string Justification { get; }

        /// <summary>Where it starts in its file.</summary>
        internal PolicyProblemPosition Position { get; }

        /// <summary>True when it applies at <paramref name="now"/>.</summary>
        public bool IsActive(DateTimeOffset now) => Expires is null || Expires.Value > now;

        /// <summary>What it excludes and why, as <c>image C:\Tools\*.exe: admin tools</c>.</summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            for (int i = 0; i < Conditions.Count; i++)
            {
                text.Append(i == 0 ? string.Empty : " and ").Append(Conditions[i]);
            }

            if (Expires.HasValue)
            {
                text.Append(" until ").Append(PolicyDocument.Time(Expires.Value));
            }

            return text.Append(": ").Append(Justification).ToString();
        }
    }

    /// <summary>
    /// A policy document (schema version 1) as read from its JSON: the mode, the defaults and the
    /// per-tactic, per-rule and per-detection overrides, and the exclusions. Immutable; see
    /// docs/policy.md for the schema. <see cref="BlockingPolicy"/> is the snapshot built from it.
    /// </summary>
    public sealed class PolicyDocument
    {
        /// <summary>The only schema version this code reads and writes.</summary>
        public const int CurrentSchemaVersion = 1;

        /// <summary>Largest policy file accepted, in bytes (1 MiB).</summary>
        public const int MaxBytes = 1024 * 1024;

        /// <summary>Version string of the default policy (no policy file).</summary>
        public const string DefaultVersion = "default";

        internal PolicyDocument(string version, PolicyMode mode, ResponseSettings defaults, IReadOnlyList<PolicyOverride> tactics,
            IReadOnlyList<PolicyOverride> rules, IReadOnlyList<PolicyOverride> detections, IReadOnlyList<PolicyExclusion> exclusions)
        {
            Version = version;
            Mode = mode;
            Defaults = defaults;
            Tactics = tactics;
            Rules = rules;
            Detections = detections;
            Exclusions = exclusions;
        }

        /// <summary>This document with another mode (a monitor's <c>--mode</c> override); the same document when the mode is already that.</summary>
        internal PolicyDocument WithMode(PolicyMode mode) =>
            mode == Mode ? this : new PolicyDocument(Version, mode, Defaults, Tactics, Rules, Detections, Exclusions);

        /// <summary>The policy in force when there is no policy file: Audit, built-in defaults, nothing else.</summary>
        public static PolicyDocument Default { get; } = new PolicyDocument(DefaultVersion, PolicyMode.Audit, new ResponseSettings(),
            Array.Empty<PolicyOverride>(), Array.Empty<PolicyOverride>(), Array.Empty<PolicyOverride>(), Array.Empty<PolicyExclusion>());

        /// <summary>Schema version (always <see cref="CurrentSchemaVersion"/>).</summary>
        public int SchemaVersion => CurrentSchemaVersion;

        /// <summary>The administrator's version string for this policy.</summary>
        public string Version { get; }

        /// <summary>Off, Audit or Block.</summary>
        public PolicyMode Mode { get; }

        /// <summary>The <c>defaults</c> entry as written (unset fields take <see cref="ResponseSettings.BuiltIn"/>).</summary>
        public ResponseSettings Defaults { get; }

        /// <summary>Per-tactic entries, in document order.</summary>
        public IReadOnlyList<PolicyOverride> Tactics { get; }

        /// <summary>Per-rule-id entries, in document order.</summary>
        public IReadOnlyList<PolicyOverride> Rules { get; }

        /// <summary>Per-detection-name entries, in document order.</summary>
        public IReadOnlyList<PolicyOverride> Detections { get; }

        /// <summary>Exclusions, in document order.</summary>
        public IReadOnlyList<PolicyExclusion> Exclusions { get; }

        /// <summary>Reads a policy document from UTF-8 JSON; never throws for any input.</summary>
        /// <param name="utf8">The file's bytes (a UTF-8 byte-order mark is allowed).</param>
        public static PolicyParseResult Parse(byte[] utf8) => PolicyParser.Parse(utf8 ?? throw new ArgumentNullException(nameof(utf8)));

        /// <summary>Reads a policy document from JSON text.</summary>
        public static PolicyParseResult Parse(string json) => Parse(Encoding.UTF8.GetBytes(json ?? throw new ArgumentNullException(nameof(json))));

        /// <summary>
        /// What is worth a warning at <paramref name="now"/> though the document is valid: exclusions
        /// that have expired (they are ignored), and signer exclusions (they match only where a sensor
        /// reports the image's signer).
        /// </summary>
        public IReadOnlyList<PolicyProblem> Warnings(DateTimeOffset now)
        {
            var warnings = new List<PolicyProblem>();
            foreach (PolicyExclusion exclusion in Exclusions)
            {
                string path = "$.exclusions[" + exclusion.Index.ToString(CultureInfo.InvariantCulture) + "]";
                if (!exclusion.IsActive(now))
                {
                    warnings.Add(new PolicyProblem(exclusion.Position, path,
                        "the exclusion expired at " + Time(exclusion.Expires!.Value) + " and is ignored (" + exclusion + ")"));
                }

                foreach (ExclusionCondition condition in exclusion.Conditions)
                {
                    if (condition.Field == ExclusionField.Signer)
                    {
                        warnings.Add(new PolicyProblem(exclusion.Position, path + ".signer",
                            "signer exclusions match only where the sensor reports the image's signer; replayed and Linux telemetry carry none, so there it never matches"));
                    }
                }
            }

            return warnings;
        }

        /// <summary>The document as canonical indented JSON: keys in schema order, only what is set. Parsing it gives the same document.</summary>
        public string ToJson()
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    WriteTo(writer);
                }

                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        /// <summary>Writes the document as a JSON object.</summary>
        public void WriteTo(Utf8JsonWriter writer)
        {
            if (writer is null)
            {
                throw new ArgumentNullException(nameof(writer));
            }

            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", SchemaVersion);
            writer.WriteString("version", Version);
            writer.WriteString("mode", Mode.ToString());
            if (!Defaults.IsEmpty)
            {
                writer.WritePropertyName("defaults");
                WriteSettings(writer, Defaults);
            }

            WriteOverrides(writer, "tactics", Tactics);
            WriteOverrides(writer, "rules", Rules);
            WriteOverrides(writer, "detections", Detections);
            if (Exclusions.Count > 0)
            {
                writer.WriteStartArray("exclusions");
                foreach (PolicyExclusion exclusion in Exclusions)
                {
                    writer.WriteStartObject();
                    foreach (ExclusionCondition condition in exclusion.Conditions)
                    {
                        writer.WriteString(condition.Key, condition.Value);
                    }

                    if (exclusion.Expires.HasValue)
                    {
                        writer.WriteString("expires", Time(exclusion.Expires.Value));
                    }

                    writer.WriteString("justification", exclusion.Justification);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        /// <summary>The JSON key of an exclusion field.</summary>
        internal static string ExclusionKey(ExclusionField field) => field switch
        {
            ExclusionField.Image => "image",
            ExclusionField.Sha256 => "sha256",
            ExclusionField.Signer => "signer",
            ExclusionField.CommandLine => "commandLine",
            ExclusionField.ParentImage => "parentImage",
            ExclusionField.User => "user",
            ExclusionField.Host => "host",
            ExclusionField.RuleId => "ruleId",
            _ => "detectionName",
        };

        internal static string ScopeKey(PolicyScope scope) => scope switch
        {
            PolicyScope.Tactic => "tactics",
            PolicyScope.Rule => "rules",
            _ => "detections",
        };

        internal static string OverridePath(PolicyScope scope, string key) => scope == PolicyScope.Tactic
            ? "$.tactics." + key
            : "$." + ScopeKey(scope) + "['" + key.Replace("\\", "\\\\").Replace("'", "\\'") + "']";

        internal static string Number(double value) => value.ToString("0.###############", CultureInfo.InvariantCulture);

        internal static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

        internal static bool IsTacticName(string name)
        {
            foreach (string tactic in Enum.GetNames(typeof(Tactic)))
            {
                if (string.Equals(tactic, name, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        private static void WriteOverrides(Utf8JsonWriter writer, string name, IReadOnlyList<PolicyOverride> overrides)
        {
            if (overrides.Count == 0)
            {
                return;
            }

            writer.WriteStartObject(name);
            foreach (PolicyOverride entry in overrides)
            {
                writer.WritePropertyName(entry.Key);
                WriteSettings(writer, entry.Settings);
            }

            writer.WriteEndObject();
        }

        private static void WriteSettings(Utf8JsonWriter writer, ResponseSettings settings)
        {
            writer.WriteStartObject();
            if (settings.Threshold.HasValue)
            {
                writer.WriteNumber("threshold", settings.Threshold.Value);
            }

            if (settings.Action.HasValue)
            {
                writer.WriteString("action", settings.Action.Value.ToString());
            }

            if (settings.Quarantine.HasValue)
            {
                writer.WriteBoolean("quarantine", settings.Quarantine.Value);
            }

            if (settings.BlockHash.HasValue)
            {
                writer.WriteBoolean("blockHash", settings.BlockHash.Value);
            }

            if (settings.Remediate.HasValue)
            {
                writer.WriteBoolean("remediate", settings.Remediate.Value);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>A line and column (both from 1; the column counts characters) in a policy file.</summary>
    public readonly struct PolicyProblemPosition
    {
        /// <summary>Creates a position.</summary>
        public PolicyProblemPosition(long line, long column)
        {
            Line = line;
            Column = column;
        }

        /// <summary>Line, from 1.</summary>
        public long Line { get; }

        /// <summary>Column in characters, from 1.</summary>
        public long Column { get; }
    }

    /// <summary>Why a policy document is refused (or worth a warning), and where.</summary>
    public sealed class PolicyProblem
    {
        /// <summary>Creates a problem.</summary>
        public PolicyProblem(PolicyProblemPosition position, string path, string message)
        {
            Line = position.Line;
            Column = position.Column;
            Path = path ?? throw new ArgumentNullException(nameof(path));
            Message = message ?? throw new ArgumentNullException(nameof(message));
        }

        /// <summary>Line, from 1.</summary>
        public long Line { get; }

        /// <summary>Column in characters, from 1.</summary>
        public long Column { get; }

        /// <summary>JSON path of the value (<c>$.tactics.Execution.threshold</c>).</summary>
        public string Path { get; }

        /// <summary>What is wrong.</summary>
        public string Message { get; }

        /// <summary>As <c>FILE:LINE:COLUMN: PATH: MESSAGE</c>.</summary>
        public string Format(string? file) =>
            (file ?? "policy") + ":" + Line.ToString(CultureInfo.InvariantCulture) + ":" + Column.ToString(CultureInfo.InvariantCulture) + ": " + Path + ": " + Message;

        /// <inheritdoc />
        public override string ToString() => Format(null);
    }

    /// <summary>What reading a policy document gave: the document, or the reasons it was refused.</summary>
    public sealed class PolicyParseResult
    {
        internal PolicyParseResult(PolicyDocument? document, IReadOnlyList<PolicyProblem> errors)
        {
            Document = document;
            Errors = errors;
        }

        /// <summary>The document; null when it was refused.</summary>
        public PolicyDocument? Document { get; }

        /// <summary>Why it was refused, in document order (at most <see cref="PolicyParser.MaxErrors"/>); empty when valid.</summary>
        public IReadOnlyList<PolicyProblem> Errors { get; }

        /// <summary>True when the document was read.</summary>
        public bool IsValid => Document is not null;
    }
}
