using System;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;
using BehaviorBlocking.Events;

namespace BehaviorBlocking.Rules
{
    /// <summary>
    /// Builds the regular expressions of one rule set. They run on .NET's backtracking engine (compiled
    /// to IL for the first <see cref="RuleLimits.MaxCompiledRegexes"/>, interpreted after), each match
    /// bounded by a timeout. A regex that times out is switched, when the runtime has the linear-time
    /// engine (<c>RegexOptions.NonBacktracking</c>, .NET 7+) and the pattern allows it (no
    /// backreferences, lookarounds, atomic groups), to that engine for good and run again, so the event
    /// is still judged. Linear is not the default: it costs 0.1-1.5 MB and a few milliseconds per
    /// pattern where a compiled one costs about 15 KB.
    /// </summary>
    internal sealed class RegexFactory
    {
        /// <summary><c>RegexOptions.NonBacktracking</c>, which netstandard2.0 does not name.</summary>
        internal const RegexOptions NonBacktracking = (RegexOptions)1024;

        private static readonly bool s_runtimeHasLinearEngine = DetectLinearEngine();
        private int _compiled;

        public RegexFactory(bool linearFallback, TimeSpan timeout)
        {
            LinearFallback = linearFallback && s_runtimeHasLinearEngine;
            Timeout = timeout;
        }

        /// <summary>True when this runtime accepts <c>RegexOptions.NonBacktracking</c> (checked once, by constructing one).</summary>
        public static bool RuntimeHasLinearEngine => s_runtimeHasLinearEngine;

        /// <summary>Whether a regex that times out may switch to the linear-time engine.</summary>
        public bool LinearFallback { get; }

        public TimeSpan Timeout { get; }

        /// <summary>Regexes compiled to IL so far.</summary>
        public int Compiled => _compiled;

        /// <summary>Builds the test of one <c>|re</c> value; throws <see cref="RuleUnsupportedException"/> when the pattern is refused.</summary>
        public RegexTest Create(string pattern, RegexOptions options, string field)
        {
            int depth = GroupDepth(pattern);
            if (depth > RuleLimits.MaxRegexGroupDepth)
            {
                throw new RuleUnsupportedException(string.Format(CultureInfo.InvariantCulture,
                    "regular expression on '{0}' nests groups {1} deep; at most {2} are allowed", field, depth, RuleLimits.MaxRegexGroupDepth));
            }

            bool compile = _compiled < RuleLimits.MaxCompiledRegexes && pattern.Length <= RuleLimits.MaxCompiledRegexLength;
            Regex regex;
            try
            {
                regex = new Regex(pattern, options | (compile ? RegexOptions.Compiled : RegexOptions.None), Timeout);
            }
            catch (ArgumentException ex)
            {
                throw new RuleUnsupportedException($"regular expression on '{RuleCompiler.Shorten(field)}' does not compile: {ex.Message}");
            }

            if (compile)
            {
                _compiled++;
            }

            return new RegexTest(regex, pattern, options, field, LinearFallback, Timeout);
        }

        /// <summary>How deep groups nest (escapes and character classes skipped); bounds what the regex parser and compiler recurse over.</summary>
        internal static int GroupDepth(string pattern)
        {
            int depth = 0, max = 0;
            bool inClass = false;
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                if (c == '\\')
                {
                    i++;
                }
                else if (inClass)
                {
                    inClass = c != ']';
                }
                else if (c == '[')
                {
                    inClass = true;

                    // A ']' right after '[' or '[^' is a literal member.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        i++;
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        i++;
                    }
                }
                else if (c == '(')
                {
                    max = Math.Max(max, ++depth);
                }
                else if (c == ')' && depth > 0)
                {
                    depth--;
                }
            }

            return max;
        }

        private static bool DetectLinearEngine()
        {
            try
            {
                return new Regex("a|b", NonBacktracking).IsMatch("b");
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException)
            {
                // .NET Framework (Windows PowerShell 5.1) and .NET 6: the option value is out of range.
                return false;
            }
        }
    }

    /// <summary>One <c>|re</c> value: a regex on the backtracking engine until it times out, then (when it can be) on the linear-time engine.</summary>
    internal sealed class RegexTest : ValueTest
    {
        private const int Backtracking = 0, Linear = 1, LinearRefused = 2;
        private readonly string _pattern;
        private readonly RegexOptions _options;
        private readonly bool _linearFallback;
        private readonly TimeSpan _timeout;
        private readonly object _switch = new object();
        private Regex _regex;
        private int _engine;

        public RegexTest(Regex regex, string pattern, RegexOptions options, string field, bool linearFallback, TimeSpan timeout)
        {
            _regex = regex;
            _pattern = pattern;
            _options = options;
            Field = field;
            _linearFallback = linearFallback;
            _timeout = timeout;
        }

        /// <summary>The rule field (with its modifiers) the regex is on.</summary>
        public string Field { get; }

        /// <summary>True once the regex runs on the linear-time engine.</summary>
        public bool IsLinear => Volatile.Read(ref _engine) == Linear;

        public override bool Test(string value, BehaviorEvent e)
        {
            Regex regex = _regex;
            try
            {
                return regex.IsMatch(value);
            }
            catch (RegexMatchTimeoutException)
            {
                throw new RuleRegexTimeoutException(Field, _timeout, SwitchToLinear(regex));
            }
        }

        /// <summary>
        /// After <paramref name="timedOut"/> timed out: true when the regex now runs on the linear-time engine
        /// and that was not the one that timed out, so evaluating again is worth it. The rule set is shared by
        /// runs on other threads: the switch happens once, under a lock, and is seen by all of them.
        /// </summary>
        private bool SwitchToLinear(Regex timedOut)
        {
            if (!_linearFallback)
            {
                return false;
            }

            lock (_switch)
            {
                if (_engine == Backtracking)
                {
                    try
                    {
                        _regex = new Regex(_pattern, _options | RegexFactory.NonBacktracking, _timeout);
                        Volatile.Write(ref _engine, Linear);
                    }
                    catch (NotSupportedException)
                    {
                        // Backreferences, lookarounds, atomic groups, conditionals: backtracking only.
                        Volatile.Write(ref _engine, LinearRefused);
                    }
                }

                return _engine == Linear && !ReferenceEquals(_regex, timedOut);
            }
        }
    }

    /// <summary>A rule regex timed out on a value; <see cref="Recovered"/> when it now runs on the linear-time engine and the rule should be evaluated again.</summary>
    internal sealed class RuleRegexTimeoutException : Exception
    {
        public RuleRegexTimeoutException(string field, TimeSpan timeout, bool recovered)
            : base(string.Format(CultureInfo.InvariantCulture, "regular expression on '{0}' ran past {1:N0} ms", field, timeout.TotalMilliseconds))
        {
            Field = field;
            Recovered = recovered;
        }

        public string Field { get; }

        public bool Recovered { get; }
    }
}
