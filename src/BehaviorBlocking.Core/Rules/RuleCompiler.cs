using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Rules
{
    /// <summary>A detection rule ready to run: its condition compiled into matchers, its events resolved.</summary>
    internal sealed class CompiledRule
    {
        private Requirement? _requirement;
        private bool _requirementKnown;

        public CompiledRule(SigmaRule rule, Matcher condition, EventSource[] sources, int[]? eventIds)
        {
            Ordinal = -1;
            Rule = rule;
            Condition = condition;
            Sources = sources;
            EventIds = eventIds;
        }

        public SigmaRule Rule { get; }

        /// <summary>Position in its rule set (per-rule counters are arrays indexed by it).</summary>
        public int Ordinal { get; set; }

        public Matcher Condition { get; }

        public EventSource[] Sources { get; }

        /// <summary>For channel-wide (service) logsources: the event ids the condition requires, when it names them; else null.</summary>
        public int[]? EventIds { get; }

        /// <summary>Set when a correlation refers to this rule and asks that it not report on its own.</summary>
        public bool Suppressed { get; set; }

        /// <summary>Correlations that count this rule's matches.</summary>
        public List<CompiledCorrelation> Correlations { get; } = new List<CompiledCorrelation>();

        /// <summary>The literal prefilter of its condition (derived once, shared by every plan the rule is in), or null.</summary>
        public Requirement? Requirement
        {
            get
            {
                if (!_requirementKnown)
                {
                    _requirement = Rules.Requirement.Of(Condition);
                    _requirementKnown = true;
                }

                return _requirement;
            }
        }
    }

    /// <summary>Compiles Sigma rule documents (see docs/rules.md for the supported subset).</summary>
    internal static class RuleCompiler
    {
        private static readonly Regex s_technique = new Regex(@"^attack\.(t\d{4}(\.\d{3})?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex s_conditionToken = new Regex(@"\(|\)|[^\s()]+", RegexOptions.CultureInvariant);
        private static readonly string[] s_dashes = { "-", "/", "\u2013", "\u2014", "\u2015" };

        private static readonly Dictionary<string, Tactic> s_tactics = new Dictionary<string, Tactic>(StringComparer.OrdinalIgnoreCase)
        {
            ["attack.initial_access"] = Tactic.InitialAccess,
            ["attack.execution"] = Tactic.Execution,
            ["attack.persistence"] = Tactic.Persistence,
            ["attack.privilege_escalation"] = Tactic.PrivilegeEscalation,
            ["attack.defense_evasion"] = Tactic.DefenseEvasion,
            ["attack.defense_impairment"] = Tactic.DefenseEvasion,
            ["attack.stealth"] = Tactic.DefenseEvasion,
            ["attack.credential_access"] = Tactic.CredentialAccess,
            ["attack.discovery"] = Tactic.Discovery,
            ["attack.lateral_movement"] = Tactic.LateralMovement,
            ["attack.collection"] = Tactic.Collection,
            ["attack.command_and_control"] = Tactic.CommandAndControl,
            ["attack.exfiltration"] = Tactic.Exfiltration,
            ["attack.impact"] = Tactic.Impact,
        };

        // ATT&CK's current tactics that the product's tactic set (the detection names) folds into another.
        private static readonly Dictionary<string, string> s_attackTactics = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["attack.stealth"] = "Stealth",
            ["attack.defense_impairment"] = "Defense Impairment",
        };

        /// <summary>Reads the descriptive part every rule kind shares.</summary>
        public static SigmaRule ReadMetadata(YamlMap document, string file, string origin, RuleKind kind)
        {
            string id = document.GetString("id") ?? throw new RuleUnsupportedException("the rule has no id");
            string title = document.GetString("title") ?? throw new RuleUnsupportedException("the rule has no title");
            List<string> tags = document.GetStrings("tags");
            Tactic tactic = Tactic.Generic;
            string? attackTactic = null;
            bool tacticFound = false;
            var techniques = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string tag in tags)
            {
                // SigmaHQ writes tactics with hyphens now (attack.credential-access), older rules with underscores.
                if (!tacticFound && s_tactics.TryGetValue(tag.Replace('-', '_'), out Tactic t))
                {
                    tactic = t;
                    tacticFound = true;
                    s_attackTactics.TryGetValue(tag.Replace('-', '_'), out attackTactic);
                }

                Match technique = s_technique.Match(tag);
                if (technique.Success)
                {
                    string code = technique.Groups[1].Value.ToUpperInvariant();
                    if (seen.Add(code))
                    {
                        techniques.Add(code);
                    }
                }
            }

            RuleLevel level = ParseLevel(document.GetString("level"));
            YamlMap? logsource = document.GetMap("logsource");
            string? variant = document.GetMap("behaviorblocking")?.GetString("variant");
            if (variant is not null && !DetectionName.IsValidVariant(variant))
            {
                throw new RuleUnsupportedException($"behaviorblocking.variant '{Shorten(variant)}' is not 1-16 letters or digits");
            }

            return new SigmaRule
            {
                Id = id,
                Name = document.GetString("name"),
                Title = title,
                Description = document.GetString("description"),
                Status = document.GetString("status"),
                Level = level,
                Kind = kind,
                Tactic = tactic,
                Techniques = techniques,
                Tags = tags,
                Variant = variant ?? DeriveVariant(id),
                AttackTactic = attackTactic,
                Product = logsource?.GetString("product"),
                Category = logsource?.GetString("category"),
                Service = logsource?.GetString("service"),
                SourceFile = file,
                Origin = origin,
            };
        }

        /// <summary>A stable variant for rules that do not name one: <c>R</c> and 8 hex digits of a hash of the id.</summary>
        public static string DeriveVariant(string id)
        {
            using var sha = SHA256.Create();
            byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(id));
            return "R" + BitConverter.ToString(hash, 0, 4).Replace("-", string.Empty);
        }

        /// <summary>Compiles a detection rule document; its regexes come from the set's <paramref name="regexes"/>.</summary>
        public static CompiledRule CompileDetection(YamlMap document, SigmaRule rule, RegexFactory regexes)
        {
            EventSource[] sources = Logsources.Resolve(rule.Product, rule.Category, rule.Service, out string? reason)
                ?? throw new RuleUnsupportedException(reason!);
            YamlMap detection = document.GetMap("detection") ?? throw new RuleUnsupportedException("the rule has no detection");
            if (detection.TryGet("timeframe", out _))
            {
                throw new RuleUnsupportedException("detection timeframe (Sigma v1 aggregation) is not supported; use a correlation rule");
            }

            var selections = new Dictionary<string, Matcher>(StringComparer.Ordinal);
            var weights = new Dictionary<string, long>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (KeyValuePair<string, object?> entry in detection.Entries)
            {
                if (entry.Key == "condition")
                {
                    continue;
                }

                Matcher selection = CompileSelection(entry.Value, rule, entry.Key, regexes);
                selections[entry.Key] = selection;
                weights[entry.Key] = Weight(selection);
                order.Add(entry.Key);
            }

            List<string> conditions = detection.GetStrings("condition");
            if (conditions.Count == 0)
            {
                throw new RuleUnsupportedException("the detection has no condition");
            }

            var roots = new List<Matcher>();
            long expanded = 0;
            foreach (string condition in conditions)
            {
                if (condition.IndexOf('|') >= 0)
                {
                    throw new RuleUnsupportedException("condition aggregations ('| count() ...') are not supported; use a correlation rule");
                }

                if (condition.Length > RuleLimits.MaxConditionLength)
                {
                    throw new RuleUnsupportedException(string.Format(CultureInfo.InvariantCulture,
                        "the condition has {0:N0} characters; at most {1:N0} are allowed", condition.Length, RuleLimits.MaxConditionLength));
                }

                var parser = new ConditionParser(condition, selections, weights, order, expanded);
                roots.Add(parser.Parse());
                expanded = parser.Expanded;
            }

            Matcher root = roots.Count == 1 ? roots[0] : new OrMatcher(roots.ToArray());
            return new CompiledRule(rule, root, sources, Requirement.EventIdsOf(root));
        }

        /// <summary>Tests in a selection (each value, at least one per field): what one reference to it in a condition costs.</summary>
        private static long Weight(Matcher selection)
        {
            switch (selection)
            {
                case FieldMatcher field:
                    return Math.Max(1, field.Tests.Length);
                case KeywordMatcher keywords:
                    return Math.Max(1, keywords.Tests.Length);
                case AndMatcher and:
                    long andWeight = 0;
                    foreach (Matcher part in and.Parts)
                    {
                        andWeight += Weight(part);
                    }

                    return andWeight;
                case OrMatcher or:
                    long orWeight = 0;
                    foreach (Matcher part in or.Parts)
                    {
                        orWeight += Weight(part);
                    }

                    return orWeight;
                default:
                    return 1;
            }
        }

        private static RuleLevel ParseLevel(string? level) => level?.ToLowerInvariant() switch
        {
            "informational" => RuleLevel.Informational,
            "low" => RuleLevel.Low,
            "medium" => RuleLevel.Medium,
            "high" => RuleLevel.High,
            "critical" => RuleLevel.Critical,
            null => RuleLevel.Medium,
            _ => throw new RuleUnsupportedException($"unknown level '{Shorten(level!)}'"),
        };

        private static Matcher CompileSelection(object? node, SigmaRule rule, string name, RegexFactory regexes)
        {
            switch (node)
            {
                case YamlMap map:
                    return CompileMap(map, rule, regexes);
                case List<object?> list when list.Count > 0 && list.TrueForAll(i => i is YamlMap):
                    var alternatives = new Matcher[list.Count];
                    for (int i = 0; i < list.Count; i++)
                    {
                        alternatives[i] = CompileMap((YamlMap)list[i]!, rule, regexes);
                    }

                    return new OrMatcher(alternatives);
                case List<object?> list when list.TrueForAll(i => i is string):
                    return CompileField(string.Empty, list, rule, regexes);
                case string keyword:
                    return CompileField(string.Empty, new List<object?> { keyword }, rule, regexes);
                default:
                    throw new RuleUnsupportedException($"selection '{Shorten(name)}' is neither a map, a list of maps nor a list of values");
            }
        }

        private static Matcher CompileMap(YamlMap map, SigmaRule rule, RegexFactory regexes)
        {
            if (map.Entries.Count == 0)
            {
                throw new RuleUnsupportedException("a selection map is empty");
            }

            var parts = new Matcher[map.Entries.Count];
            for (int i = 0; i < parts.Length; i++)
            {
                KeyValuePair<string, object?> entry = map.Entries[i];
                parts[i] = CompileField(entry.Key, entry.Value, rule, regexes);
            }

            return parts.Length == 1 ? parts[0] : new AndMatcher(parts);
        }

        private static Matcher CompileField(string key, object? value, SigmaRule rule, RegexFactory regexes)
        {
            string[] parts = key.Split('|');
            string field = parts[0];
            var modifiers = new List<string>();
            for (int i = 1; i < parts.Length; i++)
            {
                modifiers.Add(parts[i].ToLowerInvariant());
            }

            var values = new List<string?>();
            switch (value)
            {
                case null:
                    values.Add(null);
                    break;
                case string s:
                    values.Add(s);
                    break;
                case List<object?> list:
                    foreach (object? item in list)
                    {
                        if (item is null || item is string)
                        {
                            values.Add((string?)item);
                        }
                        else
                        {
                            throw new RuleUnsupportedException($"field '{Shorten(key)}' has a value that is not a scalar");
                        }
                    }

                    break;
                default:
                    throw new RuleUnsupportedException($"field '{Shorten(key)}' has a value that is not a scalar or a list");
            }

            bool cased = false, all = false, windash = false, isRegex = false, cidr = false, fieldref = false;
            bool? exists = null;
            string? shape = null, base64 = null, encoding = null, numeric = null;
            // Whether a regex is also compiled to IL is the factory's choice (a budget per set).
            var regexOptions = RegexOptions.CultureInvariant;
            foreach (string modifier in modifiers)
            {
                switch (modifier)
                {
                    case "contains":
                    case "startswith":
                    case "endswith":
                        shape = modifier;
                        break;
                    case "all":
                        all = true;
                        break;
                    case "cased":
                        cased = true;
                        break;
                    case "windash":
                        windash = true;
                        break;
                    case "re":
                        isRegex = true;
                        break;
                    case "i":
                        regexOptions |= RegexOptions.IgnoreCase;
                        break;
                    case "m":
                        regexOptions |= RegexOptions.Multiline;
                        break;
                    case "s":
                        regexOptions |= RegexOptions.Singleline;
                        break;
                    case "cidr":
                        cidr = true;
                        break;
                    case "base64":
                    case "base64offset":
                        base64 = modifier;
                        break;
                    case "wide":
                    case "utf16le":
                    case "utf16be":
                    case "utf16":
                        encoding = modifier;
                        break;
                    case "exists":
                        exists = true;
                        break;
                    case "lt":
                    case "lte":
                    case "gt":
                    case "gte":
                        numeric = modifier;
                        break;
                    case "fieldref":
                        fieldref = true;
                        break;
                    default:
                        throw new RuleUnsupportedException($"modifier '{Shorten(modifier)}' (field '{Shorten(field)}') is not supported");
                }
            }

            if (encoding is not null && base64 is null)
            {
                throw new RuleUnsupportedException($"encoding modifier '{encoding}' without base64 (field '{Shorten(field)}') is not supported");
            }

            FieldReader? reader = field.Length == 0 ? null : FieldAccess.Compile(field, rule.Category, rule.Service);
            if (exists.HasValue)
            {
                if (reader is null || values.Count != 1 || !bool.TryParse(values[0], out bool want))
                {
                    throw new RuleUnsupportedException($"'exists' on '{Shorten(key)}' needs a field and true or false");
                }

                return new FieldMatcher(field, FieldAccess.ReaderKey(field, rule.Category, rule.Service), reader, Array.Empty<ValueTest>(), false, false, want);
            }

            var tests = new List<ValueTest>();
            bool matchNull = false;
            foreach (string? raw in values)
            {
                if (raw is null)
                {
                    matchNull = true;
                    continue;
                }

                // Matching costs up to value length times pattern length (substring search, wildcards), so a pattern is bounded too.
                if (raw.Length > RuleLimits.MaxValueLength)
                {
                    throw new RuleUnsupportedException(string.Format(CultureInfo.InvariantCulture,
                        "a value of field '{0}' has {1:N0} characters; at most {2:N0} are allowed", Shorten(field.Length == 0 ? "(keywords)" : field), raw.Length, RuleLimits.MaxValueLength));
                }

                if (isRegex)
                {
                    tests.Add(regexes.Create(raw, regexOptions, key));
                    continue;
                }

                if (cidr)
                {
                    tests.Add(CidrTest.Parse(raw) ?? throw new RuleUnsupportedException($"'{Shorten(raw)}' is not a CIDR range (field '{Shorten(field)}', modifier 'cidr')"));
                    continue;
                }

                if (numeric is not null)
                {
                    if (!NumericTest.TryNumber(raw, out double bound))
                    {
                        throw new RuleUnsupportedException($"'{Shorten(raw)}' is not a number (field '{Shorten(field)}', modifier '{numeric}')");
                    }

                    tests.Add(new NumericTest(numeric, bound));
                    continue;
                }

                if (fieldref)
                {
                    tests.Add(new FieldRefTest(FieldAccess.Compile(raw, rule.Category, rule.Service), cased));
                    continue;
                }

                // One value is one test: its windash and base64 forms are alternatives, so 'all' still means every value.
                var forms = new List<ValueTest>();
                foreach (string variant in windash ? WindashVariants(raw) : new[] { raw })
                {
                    if (base64 is not null)
                    {
                        foreach (string encoded in Base64Forms(variant, base64, encoding))
                        {
                            forms.Add(new PatternTest(BuildPattern(ValuePattern.Escape(encoded), shape ?? (base64 == "base64offset" ? "contains" : null), cased)));
                        }
                    }
                    else
                    {
                        string effectiveShape = shape ?? (field.Length == 0 ? "contains" : string.Empty);
                        forms.Add(new PatternTest(BuildPattern(variant, effectiveShape, cased)));
                    }
                }

                tests.Add(forms.Count == 1 ? forms[0] : new AnyOfTest(forms.ToArray()));
            }

            ValueTest[] compiled = tests.ToArray();
            if (reader is null)
            {
                if (compiled.Length == 0)
                {
                    throw new RuleUnsupportedException("a keyword selection has no values");
                }

                return new KeywordMatcher(compiled, all);
            }

            return new FieldMatcher(field, FieldAccess.ReaderKey(field, rule.Category, rule.Service), reader, compiled, all && compiled.Length > 0, matchNull, null);
        }

        private static ValuePattern BuildPattern(string value, string? shape, bool cased) => shape switch
        {
            "contains" => ValuePattern.FromSigma(value, cased, leadingWildcard: true, trailingWildcard: true),
            "startswith" => ValuePattern.FromSigma(value, cased, leadingWildcard: false, trailingWildcard: true),
            "endswith" => ValuePattern.FromSigma(value, cased, leadingWildcard: true, trailingWildcard: false),
            _ => ValuePattern.FromSigma(value, cased),
        };

        private static IEnumerable<string> WindashVariants(string value)
        {
            if (value.IndexOf('-') < 0)
            {
                yield return value;
                yield break;
            }

            foreach (string dash in s_dashes)
            {
                yield return value.Replace("-", dash);
            }
        }

        /// <summary>The base64 text(s) the value appears as when encoded (at each of the 3 offsets for base64offset).</summary>
        private static IEnumerable<string> Base64Forms(string value, string mode, string? encoding)
        {
            byte[] bytes = encoding switch
            {
                "wide" or "utf16le" => Encoding.Unicode.GetBytes(value),
                "utf16be" => Encoding.BigEndianUnicode.GetBytes(value),
                "utf16" => Concat(new byte[] { 0xFF, 0xFE }, Encoding.Unicode.GetBytes(value)),
                _ => Encoding.UTF8.GetBytes(value),
            };
            if (mode == "base64")
            {
                yield return Convert.ToBase64String(bytes);
                yield break;
            }

            // The value can start at any offset mod 3 inside a longer encoded text; keep only the
            // characters that do not depend on the surrounding bytes.
            int[] startTrim = { 0, 2, 3 };
            int[] endTrim = { 0, 3, 2 };
            for (int shift = 0; shift < 3; shift++)
            {
                byte[] padded = Concat(new byte[shift], bytes);
                string encoded = Convert.ToBase64String(padded);
                int end = encoded.Length - ((bytes.Length + shift) % 3 == 0 ? 0 : endTrim[(bytes.Length + shift) % 3]);
                int start = startTrim[shift];
                if (end > start)
                {
                    yield return encoded.Substring(start, end - start);
                }
            }
        }

        private static byte[] Concat(byte[] a, byte[] b)
        {
            var result = new byte[a.Length + b.Length];
            Buffer.BlockCopy(a, 0, result, 0, a.Length);
            Buffer.BlockCopy(b, 0, result, a.Length, b.Length);
            return result;
        }

        /// <summary>A value as it appears in a message: at most 200 characters.</summary>
        internal static string Shorten(string text) => text.Length <= 200 ? text : text.Substring(0, 200) + "...";

        /// <summary>
        /// Recursive-descent parser of Sigma conditions: or, and, not, parentheses, 1/all/any of pattern|them.
        /// Each parenthesis and <c>not</c> is one level of recursion, at most <see cref="RuleLimits.MaxConditionDepth"/>:
        /// that also bounds the depth of the matcher tree, which the prefilter and evaluation walk recursively.
        /// </summary>
        private sealed class ConditionParser
        {
            private readonly List<string> _tokens = new List<string>();
            private readonly Dictionary<string, Matcher> _selections;
            private readonly Dictionary<string, long> _weights;
            private readonly List<string> _order;
            private readonly string _text;
            private int _position;
            private int _depth;

            public ConditionParser(string text, Dictionary<string, Matcher> selections, Dictionary<string, long> weights, List<string> order, long expanded)
            {
                _text = text;
                _selections = selections;
                _weights = weights;
                _order = order;
                Expanded = expanded;
                foreach (Match m in s_conditionToken.Matches(text))
                {
                    _tokens.Add(m.Value);
                }
            }

            /// <summary>
            /// Tests of the selections referred to so far, once per reference: a selection named a thousand
            /// times is evaluated (and prefiltered) a thousand times, so the condition may not multiply a
            /// rule past <see cref="RuleLimits.MaxConditionExpansion"/>.
            /// </summary>
            public long Expanded { get; private set; }

            public Matcher Parse()
            {
                Matcher result = ParseOr();
                if (_position != _tokens.Count)
                {
                    throw Error($"unexpected '{_tokens[_position]}'");
                }

                return result;
            }

            private Matcher ParseOr()
            {
                var parts = new List<Matcher> { ParseAnd() };
                while (Accept("or"))
                {
                    parts.Add(ParseAnd());
                }

                return parts.Count == 1 ? parts[0] : new OrMatcher(parts.ToArray());
            }

            private Matcher ParseAnd()
            {
                var parts = new List<Matcher> { ParseNot() };
                while (Accept("and"))
                {
                    parts.Add(ParseNot());
                }

                return parts.Count == 1 ? parts[0] : new AndMatcher(parts.ToArray());
            }

            private Matcher ParseNot()
            {
                if (!Accept("not"))
                {
                    return ParsePrimary();
                }

                Enter();
                Matcher inner = ParseNot();
                _depth--;
                return new NotMatcher(inner);
            }

            private void Refer(string selection)
            {
                Expanded += _weights[selection];
                if (Expanded > RuleLimits.MaxConditionExpansion)
                {
                    throw Error(string.Format(CultureInfo.InvariantCulture,
                        "it refers to more than {0:N0} values, counting a selection each time it is named", RuleLimits.MaxConditionExpansion));
                }
            }

            private void Enter()
            {
                if (++_depth > RuleLimits.MaxConditionDepth)
                {
                    throw Error($"parentheses and 'not' nest deeper than {RuleLimits.MaxConditionDepth} levels");
                }
            }

            private Matcher ParsePrimary()
            {
                if (_position >= _tokens.Count)
                {
                    throw Error("the condition ends too early");
                }

                string token = _tokens[_position++];
                if (token == "(")
                {
                    Enter();
                    Matcher inner = ParseOr();
                    if (!Accept(")"))
                    {
                        throw Error("a parenthesis is not closed");
                    }

                    _depth--;
                    return inner;
                }

                string lower = token.ToLowerInvariant();
                if ((lower == "1" || lower == "any" || lower == "all") && Accept("of"))
                {
                    if (_position >= _tokens.Count)
                    {
                        throw Error($"'{token} of' names nothing");
                    }

                    string target = _tokens[_position++];
                    List<Matcher> matched = Resolve(target);
                    if (matched.Count == 0)
                    {
                        throw Error($"'{token} of {target}' matches no selection");
                    }

                    return lower == "all" ? new AndMatcher(matched.ToArray()) : new OrMatcher(matched.ToArray());
                }

                if (lower == "and" || lower == "or" || lower == ")")
                {
                    throw Error($"unexpected '{token}'");
                }

                if (_selections.TryGetValue(token, out Matcher? selection))
                {
                    Refer(token);
                    return selection;
                }

                throw Error($"'{token}' is not a selection of this rule");
            }

            private List<Matcher> Resolve(string target)
            {
                var matched = new List<Matcher>();
                bool them = string.Equals(target, "them", StringComparison.OrdinalIgnoreCase);
                ValuePattern pattern = ValuePattern.FromSigma(target, cased: true);
                foreach (string name in _order)
                {
                    if (them ? !name.StartsWith("_", StringComparison.Ordinal) : pattern.IsMatch(name))
                    {
                        Refer(name);
                        matched.Add(_selections[name]);
                    }
                }

                return matched;
            }

            private bool Accept(string word)
            {
                if (_position < _tokens.Count && string.Equals(_tokens[_position], word, StringComparison.OrdinalIgnoreCase))
                {
                    _position++;
                    return true;
                }

                return false;
            }

            private RuleUnsupportedException Error(string what) => new RuleUnsupportedException($"condition '{Shorten(_text)}': {what}");
        }
    }
}
