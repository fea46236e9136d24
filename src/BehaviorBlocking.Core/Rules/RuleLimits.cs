namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// What one rule file, rule and rule set may hold (docs/reliability.md). Rule files come from
    /// outside; each limit keeps a hostile or broken one from exhausting the stack, memory or time, and
    /// a rule past one is refused with the reason while the others load. Every limit is far above what
    /// public Sigma rule sets use.
    /// </summary>
    public static class RuleLimits
    {
        /// <summary>Bytes of one rule file.</summary>
        public const int MaxFileBytes = 4 * 1024 * 1024;

        /// <summary>Nesting levels of one YAML document (a Sigma rule needs about five).</summary>
        public const int MaxYamlDepth = 64;

        /// <summary>YAML nodes (keys, values, lists, maps) of one document, aliases expanded.</summary>
        public const int MaxNodesPerRule = 200_000;

        /// <summary>Characters of the scalars (keys and values) of one document, aliases expanded.</summary>
        public const int MaxCharactersPerRule = 1024 * 1024;

        /// <summary>Characters of the scalars of all the rules a set loads.</summary>
        public const int MaxCharactersPerSet = 16 * 1024 * 1024;

        /// <summary>YAML nodes of all the rules a set loads.</summary>
        public const int MaxNodesPerSet = 4_000_000;

        /// <summary>Characters of one value (a literal, wildcard pattern or regular expression) of a selection.</summary>
        public const int MaxValueLength = 8192;

        /// <summary>Characters of one condition.</summary>
        public const int MaxConditionLength = 8192;

        /// <summary>Nesting of parentheses and <c>not</c> in one condition.</summary>
        public const int MaxConditionDepth = 32;

        /// <summary>Values the selections named by a rule's condition hold, counting a selection each time it is named.</summary>
        public const int MaxConditionExpansion = 400_000;

        /// <summary>Rules one correlation may name.</summary>
        public const int MaxCorrelationRules = 100;

        /// <summary>Matches (event_count) or distinct values (value_count) one correlation group keeps within its timespan.</summary>
        public const int MaxCorrelationWindow = 100_000;

        /// <summary>Nesting of groups in one regular expression.</summary>
        public const int MaxRegexGroupDepth = 64;

        /// <summary>Regular expressions of a set compiled to IL (faster, but each costs milliseconds and memory); the rest are interpreted.</summary>
        public const int MaxCompiledRegexes = 256;

        /// <summary>Longest regular expression compiled to IL.</summary>
        public const int MaxCompiledRegexLength = 4096;

        /// <summary>Milliseconds one regular expression may run on one value.</summary>
        public const int RegexTimeoutMilliseconds = 250;

        /// <summary>Timeouts a rule may have that the linear-time engine cannot take over, before the rule is disabled for the run.</summary>
        public const int MaxRegexTimeoutsPerRule = 5;
    }
}
