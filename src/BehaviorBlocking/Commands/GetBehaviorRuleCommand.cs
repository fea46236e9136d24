using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets the Sigma rules the engine loads: the built-in pack and any rule directories named.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BehaviorRule")]
    [OutputType(typeof(SigmaRule))]
    public sealed class GetBehaviorRuleCommand : BehaviorCmdlet
    {
        /// <summary>Rule ids to get; wildcards are allowed.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("RuleId")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        /// <summary>Rule titles to get; wildcards are allowed.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Title { get; set; }

        /// <summary>Only rules of these ATT&amp;CK tactics.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(TacticCompleter))]
        public Tactic[]? Tactic { get; set; }

        /// <summary>Only rules tagged with these ATT&amp;CK techniques (T1059, T1059.001); wildcards are allowed.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Technique { get; set; }

        /// <summary>Rule directories or files to load besides (or, with -ExcludeBuiltIn, instead of) the built-in pack.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Leaves the built-in pack out.</summary>
        [Parameter]
        public SwitchParameter ExcludeBuiltIn { get; set; }

        private RuleSet? _rules;

        /// <inheritdoc />
        protected override void Begin()
        {
            var sources = new List<RuleSource>();
            if (!ExcludeBuiltIn)
            {
                sources.Add(new RuleSource(EngineLocations.BuiltInRulesDirectory, "builtin"));
            }

            foreach (string path in Path ?? Array.Empty<string>())
            {
                string full = GetUnresolvedProviderPathFromPSPath(path);
                sources.Add(new RuleSource(full, full));
            }

            _rules = RuleSet.Load(sources);
            foreach (RuleLoadIssue issue in _rules.Skipped)
            {
                WriteWarning("Rule skipped: " + issue);
            }
        }

        /// <inheritdoc />
        protected override void Process()
        {
            IEnumerable<SigmaRule> rules = _rules!.Rules
                .Where(rule => Matches(Id, rule.Id) && Matches(Title, rule.Title))
                .Where(rule => Tactic is null || Tactic.Contains(rule.Tactic))
                .Where(rule => Technique is null || rule.Techniques.Any(technique => Matches(Technique, technique)))
                .OrderBy(rule => rule.Tactic)
                .ThenBy(rule => rule.Title, StringComparer.Ordinal);
            foreach (SigmaRule rule in rules)
            {
                WriteObject(rule);
            }

            // Naming one rule exactly (no wildcard) that does not exist is an error, as Get-Item would say.
            foreach (string id in Id ?? Array.Empty<string>())
            {
                if (!WildcardPattern.ContainsWildcardCharacters(id) && !_rules.Rules.Any(rule => string.Equals(rule.Id, id, StringComparison.OrdinalIgnoreCase)))
                {
                    WriteItemError(new BehaviorBlockingException(ErrorIds.RuleNotFound, FailureKind.NotFound, "No loaded rule has the id '" + id + "'."), id);
                }
            }
        }

        private static bool Matches(string[]? patterns, string value)
        {
            if (patterns is null)
            {
                return true;
            }

            foreach (string pattern in patterns)
            {
                if (WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant).IsMatch(value))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
