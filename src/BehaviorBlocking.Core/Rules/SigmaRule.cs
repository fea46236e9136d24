using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Rules
{
    /// <summary>Sigma rule level: how much one match weighs.</summary>
    public enum RuleLevel
    {
        /// <summary>Context only.</summary>
        Informational = 0,

        /// <summary>Low.</summary>
        Low,

        /// <summary>Medium.</summary>
        Medium,

        /// <summary>High.</summary>
        High,

        /// <summary>Critical.</summary>
        Critical,
    }

    /// <summary>Whether a rule matches single events or correlates matches of other rules.</summary>
    public enum RuleKind
    {
        /// <summary>A detection rule over single events.</summary>
        Detection = 0,

        /// <summary>A correlation rule (event_count, value_count, temporal, temporal_ordered).</summary>
        Correlation,
    }

    /// <summary>A loaded rule's description (what <c>behaviorblock rules list</c> shows).</summary>
    public sealed class SigmaRule : ISignalSource, IAttackTacticSource
    {
        private static readonly string[] s_none = new string[0];

        /// <summary>The rule's id (a UUID in well-formed rules).</summary>
        public string Id { get; init; } = string.Empty;

        /// <summary>Sigma v2 <c>name</c>, by which correlations may refer to the rule.</summary>
        public string? Name { get; init; }

        /// <summary>Title.</summary>
        public string Title { get; init; } = string.Empty;

        /// <summary>Description.</summary>
        public string? Description { get; init; }

        /// <summary>Status (experimental, test, stable...).</summary>
        public string? Status { get; init; }

        /// <summary>Level.</summary>
        public RuleLevel Level { get; init; }

        /// <summary>Detection or correlation.</summary>
        public RuleKind Kind { get; init; }

        /// <summary>The tactic of its first <c>attack.&lt;tactic&gt;</c> tag; Generic when it has none.</summary>
        public Tactic Tactic { get; init; }

        /// <summary>ATT&amp;CK techniques from its tags, e.g. <c>T1059.001</c>.</summary>
        public IReadOnlyList<string> Techniques { get; init; } = s_none;

        /// <summary>All tags as written.</summary>
        public IReadOnlyList<string> Tags { get; init; } = s_none;

        /// <summary>Detection-name variant (the <c>behaviorblocking.variant</c> key, else derived from the id).</summary>
        public string Variant { get; init; } = string.Empty;

        /// <summary>ATT&amp;CK's own tactic where the rule's tactic tag is one the product names otherwise (<c>Stealth</c>, <c>Defense Impairment</c>), else null.</summary>
        public string? AttackTactic { get; init; }

        /// <summary>Logsource product.</summary>
        public string? Product { get; init; }

        /// <summary>Logsource category.</summary>
        public string? Category { get; init; }

        /// <summary>Logsource service.</summary>
        public string? Service { get; init; }

        /// <summary>The file it came from.</summary>
        public string SourceFile { get; init; } = string.Empty;

        /// <summary>Where the rule set it belongs to came from (<c>builtin</c> or a directory).</summary>
        public string Origin { get; init; } = string.Empty;

        /// <inheritdoc />
        /// <inheritdoc />
        Severity ISignalSource.Level => (Severity)Level;

        /// <inheritdoc />
        public override string ToString() => $"{Title} ({Id})";
    }

    /// <summary>A rule file (or one document of it) that was not loaded, and why.</summary>
    public sealed class RuleLoadIssue
    {
        /// <summary>Creates an issue.</summary>
        public RuleLoadIssue(string file, string? ruleId, string reason)
            : this(file, ruleId, reason, null)
        {
        }

        /// <summary>Creates an issue at a line of the file.</summary>
        public RuleLoadIssue(string file, string? ruleId, string reason, int? line)
        {
            File = file;
            RuleId = ruleId;
            Reason = reason;
            Line = line;
        }

        /// <summary>The file.</summary>
        public string File { get; }

        /// <summary>The line (1-based) where the problem was found, when known: the offending YAML node, or the rule's first line in a file of several.</summary>
        public int? Line { get; }

        /// <summary>The rule's id when it could be read.</summary>
        public string? RuleId { get; }

        /// <summary>Why it was skipped.</summary>
        public string Reason { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            string where = Line is int line ? File + ":" + line.ToString(System.Globalization.CultureInfo.InvariantCulture) : File;
            return RuleId is null ? $"{where}: {Reason}" : $"{where} ({RuleCompiler.Shorten(RuleId)}): {Reason}";
        }
    }

    /// <summary>Raised while compiling a rule that the engine cannot support; carries the reason.</summary>
    internal sealed class RuleUnsupportedException : Exception
    {
        public RuleUnsupportedException(string reason)
            : base(reason)
        {
        }
    }
}
