using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    public sealed class RuleSetTests : IDisposable
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private bool Matches(string detection, BehaviorEvent e, string logsource = "category: process_creation")
        {
            RuleSet rules = _kit.Write("r.yml", RuleTestKit.Rule("r1", logsource, detection)).Load();
            Assert.Empty(rules.Skipped);
            return RuleTestKit.Matches(rules, e).Contains("r1");
        }

        private BehaviorEvent Ps(string commandLine, string image = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe") =>
            _kit.ProcessStart(1, 4000, image, commandLine);

        [Theory]
        [InlineData("    Image|endswith: '\\powershell.exe'\n    CommandLine|contains: ' -enc '", true)]
        [InlineData("    Image|endswith: '\\cmd.exe'", false)]
        [InlineData("    CommandLine|startswith: 'POWERSHELL'", true)]
        [InlineData("    CommandLine|contains|all:\n      - '-nop'\n      - 'hidden'", true)]
        [InlineData("    CommandLine|contains|all:\n      - '-nop'\n      - 'missing'", false)]
        [InlineData("    CommandLine|contains:\n      - 'missing'\n      - 'hidden'", true)]
        [InlineData("    CommandLine|re: '-enc\\s+[A-Za-z0-9+/=]{8,}'", true)]
        [InlineData("    CommandLine|re: '-ENC'", false)]
        [InlineData("    CommandLine|re|i: '-ENC'", true)]
        [InlineData("    CommandLine|cased|contains: 'HIDDEN'", false)]
        [InlineData("    CommandLine|contains|all|windash:\n      - ' /nop'\n      - ' /w'", false)]
        [InlineData("    CommandLine|contains|all|windash:\n      - ' -nop'\n      - ' -w'", true)]
        [InlineData("    OriginalFileName|exists: false", true)]
        [InlineData("    User|exists: true", true)]
        [InlineData("    ProcessId|gte: 4000\n    ProcessId|lt: 4001", true)]
        [InlineData("    ProcessId|gt: 4000", false)]
        [InlineData("    IntegrityLevel: null", true)]
        [InlineData("    Image|fieldref: ParentImage", false)]
        public void Compile_FieldModifiers_MatchAsSigmaDefines(string selection, bool expected)
        {
            Assert.Equal(expected, Matches("  sel:\n" + selection + "\n  condition: sel", Ps("powershell -nop -w hidden -enc SQBFAFgA")));
        }

        [Theory]
        [InlineData("powershell /enc AAAA", true)]
        [InlineData("powershell \u2013enc AAAA", true)]
        [InlineData("powershell -enc AAAA", true)]
        [InlineData("powershell enc AAAA", false)]
        public void Compile_Windash_MatchesEveryDashForm(string commandLine, bool expected)
        {
            Assert.Equal(expected, Matches("  sel:\n    CommandLine|windash|contains: ' -enc '\n  condition: sel", Ps(System.Text.RegularExpressions.Regex.Unescape(commandLine))));
        }

        [Fact]
        public void Compile_Base64Modifiers_FindEncodedText()
        {
            string encodedUtf16 = Convert.ToBase64String(Encoding.Unicode.GetBytes("xx IEX (New-Object Net.WebClient)"));
            BehaviorEvent e = Ps("powershell -enc " + encodedUtf16);

            Assert.True(Matches("  sel:\n    CommandLine|wide|base64offset|contains: 'IEX (New-Object'\n  condition: sel", e));
            Assert.False(Matches("  sel:\n    CommandLine|wide|base64offset|contains: 'Invoke-Mimikatz'\n  condition: sel", e));
            string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("whoami /all"));
            Assert.True(Matches("  sel:\n    CommandLine|base64|contains: 'whoami /all'\n  condition: sel", Ps("cmd /c echo " + plain)));
        }

        [Fact]
        public void Compile_Cidr_MatchesAddressesInRange()
        {
            BehaviorEvent Net(string ip) => _kit.Event(Sysmon, 3, 1, ("ProcessId", "10"), ("Image", @"C:\x\a.exe"), ("DestinationIp", ip), ("DestinationPort", "443"));
            string detection = "  sel:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n      - 'fd00::/8'\n  condition: sel";

            Assert.True(Matches(detection, Net("10.20.30.40"), "category: network_connection"));
            Assert.True(Matches(detection, Net("fd12::1"), "category: network_connection"));
            Assert.False(Matches(detection, Net("11.0.0.1"), "category: network_connection"));
        }

        [Theory]
        [InlineData("sel_img and not filter", false)]
        [InlineData("sel_img and (filter or sel_cmd)", true)]
        [InlineData("1 of sel_*", true)]
        [InlineData("all of sel_*", true)]
        [InlineData("all of them", false)]
        [InlineData("1 of them and not 1 of filter*", false)]
        [InlineData("not sel_img", false)]
        [InlineData("sel_img or nomatch", true)]
        [InlineData("nomatch", false)]
        public void Compile_Conditions_CombineSelections(string condition, bool expected)
        {
            string detection = "  sel_img:\n    Image|endswith: '\\powershell.exe'\n  sel_cmd:\n    CommandLine|contains: 'hidden'\n" +
                "  filter:\n    ParentImage|endswith: '\\cmd.exe'\n  nomatch:\n    Image: 'x'\n  condition: " + condition;

            Assert.Equal(expected, Matches(detection, Ps("powershell -w hidden")));
        }

        [Fact]
        public void Compile_ListOfMapsAndKeywords_AreAlternatives()
        {
            Assert.True(Matches("  sel:\n    - Image|endswith: '\\nope.exe'\n    - CommandLine|contains: 'hidden'\n  condition: sel", Ps("powershell -w hidden")));
            Assert.True(Matches("  keywords:\n    - 'nothing'\n    - 'Hidden'\n  condition: keywords", Ps("powershell -w hidden")));
            Assert.False(Matches("  keywords:\n    - 'nothing'\n  condition: keywords", Ps("powershell -w hidden")));
        }

        [Fact]
        public void Compile_ProcessCreation_SecurityEventAnswersToSysmonNames()
        {
            BehaviorEvent security = _kit.Event("Security", 4688, 1, ("NewProcessId", "0x1a2c"), ("NewProcessName", @"C:\Windows\System32\whoami.exe"),
                ("CommandLine", "whoami /all"), ("ProcessId", "0x44"), ("ParentProcessName", @"C:\Windows\System32\cmd.exe"),
                ("SubjectUserName", "alice"), ("SubjectDomainName", "EXAMPLE"), ("TargetUserName", "-"), ("TargetDomainName", "-"));

            Assert.True(Matches("  sel:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: '\\cmd.exe'\n    ProcessId: 6700\n  condition: sel", security));
            Assert.True(Matches("  sel:\n    NewProcessName|endswith: '\\whoami.exe'\n  condition: sel", security));
        }

        [Fact]
        public void Index_RuleIsOnlyTriedOnEventsOfItsLogsource()
        {
            RuleSet rules = _kit
                .Write("a.yml", RuleTestKit.Rule("proc", "category: process_creation", "  sel:\n    Image|endswith: '.exe'\n  condition: sel"))
                .Write("b.yml", RuleTestKit.Rule("regadd", "category: registry_add", "  sel:\n    TargetObject|contains: 'Run'\n  condition: sel"))
                .Write("c.yml", RuleTestKit.Rule("sec", "service: security", "  sel:\n    EventID: 4624\n    LogonType: '3'\n  condition: sel"))
                .Load();
            var detector = new RuleDetector(rules);
            var pipeline = new BehaviorBlocking.Pipeline.BehaviorPipeline(new IDetector[] { detector }, _ => { });

            pipeline.Process(Ps("powershell"));
            pipeline.Process(_kit.Event(Sysmon, 12, 2, ("EventType", "DeleteKey"), ("ProcessId", "10"), ("Image", @"C:\x\a.exe"), ("TargetObject", @"HKLM\Software\Run")));
            pipeline.Process(_kit.Event(Sysmon, 12, 3, ("EventType", "CreateKey"), ("ProcessId", "10"), ("Image", @"C:\x\a.exe"), ("TargetObject", @"HKLM\Software\Run")));
            pipeline.Process(_kit.Event("Security", 4625, 4, ("LogonType", "3")));
            pipeline.Process(_kit.Event("Security", 4624, 5, ("LogonType", "3")));

            var stats = detector.Statistics().ToDictionary(s => s.Rule.Id);
            Assert.Equal((1, 1), (stats["proc"].Evaluations, stats["proc"].Matches));
            Assert.Equal((1, 1), (stats["regadd"].Evaluations, stats["regadd"].Matches));
            Assert.Equal((1, 1), (stats["sec"].Evaluations, stats["sec"].Matches));
        }

        [Fact]
        public void Load_UnsupportedAndBrokenRules_AreSkippedWithReasonsAndTheRestLoad()
        {
            RuleSet rules = _kit
                .Write("good.yml", RuleTestKit.Rule("good", "category: process_creation", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"))
                .Write("badmod.yml", RuleTestKit.Rule("badmod", "category: process_creation", "  sel:\n    Image|sounds_like: 'a'\n  condition: sel"))
                .Write("badsrc.yml", RuleTestKit.Rule("badsrc", "category: firewall", "  sel:\n    Image: 'a'\n  condition: sel"))
                .Write("macos.yml", RuleTestKit.Rule("macos", "category: process_creation", "  sel:\n    Image: 'a'\n  condition: sel").Replace("product: windows", "product: macos"))
                .Write("badcond.yml", RuleTestKit.Rule("badcond", "category: process_creation", "  sel:\n    Image: 'a'\n  condition: sel and ("))
                .Write("agg.yml", RuleTestKit.Rule("agg", "category: process_creation", "  sel:\n    Image: 'a'\n  condition: sel | count() > 5"))
                .Write("noid.yml", "title: no id\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    Image: a\n  condition: sel\n")
                .Write("dup.yml", RuleTestKit.Rule("good", "category: process_creation", "  sel:\n    Image: 'b'\n  condition: sel"))
                .Write("yaml.yml", "title: [unclosed\nid: x\n")
                .Write("notarule.yml", "just: a mapping\n")
                .Write("readme.txt", "ignored")
                .Load();

            Assert.Equal(new[] { "good" }, rules.Rules.Select(r => r.Id));
            Assert.Equal(9, rules.Skipped.Count);
            string Reason(string file) => rules.Skipped.Single(s => s.File.EndsWith(file, StringComparison.Ordinal)).Reason;
            Assert.Contains("modifier 'sounds_like'", Reason("badmod.yml"));
            Assert.Contains("category 'firewall'", Reason("badsrc.yml"));
            Assert.Contains("product 'macos'", Reason("macos.yml"));
            Assert.Contains("condition 'sel and (': the condition ends too early", Reason("badcond.yml"));
            Assert.Contains("aggregations", Reason("agg.yml"));
            Assert.Contains("no id", Reason("noid.yml"));
            Assert.Contains("already has id good", Reason("good.yml"));
            Assert.EndsWith("dup.yml", rules.Rules[0].SourceFile);
            Assert.Contains("invalid YAML", Reason("yaml.yml"));
            Assert.Contains("neither detection nor correlation", Reason("notarule.yml"));
        }

        [Fact]
        public void Load_Metadata_TacticTechniquesVariantAndVersion()
        {
            RuleSet rules = _kit.Write("m.yml", RuleTestKit.Rule("m", "category: process_creation", "  sel:\n    Image: a\n  condition: sel",
                level: "critical", tags: "attack.credential_access, attack.t1003.001, attack.persistence, attack.T1547", variant: "LsassDump")).Load();

            SigmaRule rule = Assert.Single(rules.Rules);
            Assert.Equal(Tactic.CredentialAccess, rule.Tactic);
            Assert.Equal(new[] { "T1003.001", "T1547" }, rule.Techniques);
            Assert.Equal(RuleLevel.Critical, rule.Level);
            Assert.Equal("LsassDump", rule.Variant);
            Assert.Matches("^1-[0-9a-f]{12}$", rules.Version);
            Assert.Matches("^R[0-9A-F]{8}$", RuleCompiler.DeriveVariant("abc"));
        }

        private static string Pc(string id, string detection) => RuleTestKit.Rule(id, "category: process_creation", detection);

        [Fact]
        public void Load_SkippedRule_LeavesItsIdToALaterRuleThatLoads()
        {
            RuleSet rules = _kit
                .Write("a.yml", Pc("shared", "  sel:\n    Image|sounds_like: 'a'\n  condition: sel"))
                .Write("b.yml", Pc("shared", "  sel:\n    Image|endswith: '\\b.exe'\n  condition: sel"))
                .Write("c.yml", Pc("shared", "  sel:\n    Image|endswith: '\\c.exe'\n  condition: sel"))
                .Load();

            SigmaRule loaded = Assert.Single(rules.Rules);
            Assert.EndsWith("b.yml", loaded.SourceFile);
            Assert.Equal(2, rules.Skipped.Count);
            Assert.Contains("modifier 'sounds_like'", rules.Skipped.Single(s => s.File.EndsWith("a.yml", StringComparison.Ordinal)).Reason);
            Assert.Equal("another rule already has id shared", rules.Skipped.Single(s => s.File.EndsWith("c.yml", StringComparison.Ordinal)).Reason);
        }

        [Fact]
        public void Load_CorrelationThatFails_LeavesItsIdToALaterCorrelation()
        {
            string Correlation(string refersTo) =>
                "title: Corr\nid: corr\ncorrelation:\n  type: event_count\n  rules:\n    - " + refersTo + "\n  timespan: 5m\n  condition:\n    gte: 2\n";
            RuleSet rules = _kit
                .Write("base.yml", Pc("base", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"))
                .Write("c1.yml", Correlation("missing"))
                .Write("c2.yml", Correlation("base"))
                .Load();

            Assert.Equal(new[] { "base", "corr" }, rules.Rules.Select(r => r.Id));
            Assert.EndsWith("c2.yml", rules.Rules[1].SourceFile);
            Assert.Contains("'missing', which is not loaded", Assert.Single(rules.Skipped).Reason);
        }

        [Theory]
        [InlineData("ProcessId|gte: 'abc'", "'abc' is not a number (field 'ProcessId', modifier 'gte')")]
        [InlineData("DestinationIp|cidr: '10.0.0.0/99'", "'10.0.0.0/99' is not a CIDR range (field 'DestinationIp', modifier 'cidr')")]
        [InlineData("Image|contains|sounds_like: 'a'", "modifier 'sounds_like' (field 'Image') is not supported")]
        public void Load_BadValueOrModifier_MessageNamesTheFieldAndModifierOnce(string selection, string reason)
        {
            RuleSet rules = _kit.Write("r.yml", Pc("r", "  sel:\n    " + selection + "\n  condition: sel")).Load();

            Assert.Equal(reason, Assert.Single(rules.Skipped).Reason);
        }

        [Fact]
        public void Load_SelfAliasAliasBombAndDeepNesting_SkippedWithFileAndLineAndTheRestLoad()
        {
            _kit.Write("bomb.yml", YamlTreeTests.AliasBomb())
                .Write("self.yml", Pc("self", "  sel:\n    Image: a\n  condition: sel") + "x: &a [1, *a]\n")
                .Write("deep.yml", Pc("deep", "  sel:\n    Image: a\n  condition: sel") + "x: " + new string('[', 100_000) + new string(']', 100_000) + "\n")
                .Write("good.yml", Pc("good", "  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"));

            RuleSet rules = RuleTestKit.Within(30, () => _kit.Load());

            Assert.Equal(new[] { "good" }, rules.Rules.Select(r => r.Id));
            string Issue(string file) => rules.Skipped.Single(s => s.File.EndsWith(file, StringComparison.Ordinal)).ToString();
            Assert.EndsWith("bomb.yml:11 (bomb-1): more than 200,000 YAML nodes (aliases expanded) (reading of the file stopped there)", Issue("bomb.yml"));
            Assert.EndsWith("self.yml:16 (self): alias '*a' refers to a node that contains it (a cycle) (reading of the file stopped there)", Issue("self.yml"));
            Assert.EndsWith("deep.yml:16 (deep): YAML nested deeper than 64 levels (reading of the file stopped there)", Issue("deep.yml"));
        }

        [Fact]
        public void Load_TwentyThousandNestedParentheses_RefusedAndTheRestLoad()
        {
            string condition = new string('(', 20_000) + "sel" + new string(')', 20_000);
            RuleSet rules = RuleTestKit.Within(30, () => _kit
                .Write("parens.yml", Pc("parens", "  sel:\n    Image: a\n  condition: '" + condition + "'"))
                .Write("good.yml", Pc("good", "  sel:\n    Image: b\n  condition: sel"))
                .Load());

            Assert.Equal(new[] { "good" }, rules.Rules.Select(r => r.Id));
            Assert.Equal("the condition has 40,003 characters; at most 8,192 are allowed", Assert.Single(rules.Skipped).Reason);
        }

        [Theory]
        [InlineData("(", ")", RuleLimits.MaxConditionDepth, true)]
        [InlineData("(", ")", RuleLimits.MaxConditionDepth + 1, false)]
        [InlineData("not ", "", RuleLimits.MaxConditionDepth, true)]
        [InlineData("not ", "", 2000, false)]
        [InlineData("(not ", ")", 1000, false)]
        public void Load_ConditionNesting_LoadsUpToTheDepthLimit(string open, string close, int levels, bool loads)
        {
            string condition = string.Concat(Enumerable.Repeat(open, levels)) + "sel" + string.Concat(Enumerable.Repeat(close, levels));

            RuleSet rules = _kit.Write("r.yml", Pc("r", "  sel:\n    Image: a\n  condition: '" + condition + "'")).Load();

            Assert.Equal(loads, rules.Rules.Count == 1);
            if (!loads)
            {
                Assert.EndsWith($"parentheses and 'not' nest deeper than {RuleLimits.MaxConditionDepth} levels", Assert.Single(rules.Skipped).Reason);
            }
        }

        [Fact]
        public void Load_ConditionNamingALargeSelectionOverAndOver_Refused()
        {
            string values = string.Concat(Enumerable.Range(0, 1000).Select(i => "      - 'v" + i + "'\n"));
            string condition = string.Join(" or ", Enumerable.Repeat("sel", (RuleLimits.MaxConditionExpansion / 1000) + 1));

            RuleSet rules = _kit
                .Write("many.yml", Pc("many", "  sel:\n    CommandLine|contains:\n" + values + "  condition: " + condition))
                .Write("twice.yml", Pc("twice", "  sel:\n    CommandLine|contains:\n" + values + "  condition: sel or (sel and sel)"))
                .Load();

            Assert.Equal(new[] { "twice" }, rules.Rules.Select(r => r.Id));
            Assert.Contains($"it refers to more than {RuleLimits.MaxConditionExpansion:N0} values", Assert.Single(rules.Skipped).Reason);
        }

        private static string ManyValues(string id, int count, int seed)
        {
            var random = new Random(seed);
            var values = new StringBuilder();
            for (int i = 0; i < count; i++)
            {
                values.Append("      - '");
                for (int c = 0; c < 20; c++)
                {
                    values.Append("abcdefghijklmnopqrstuvwxyz0123456789"[random.Next(36)]);
                }

                values.Append("'\n");
            }

            return Pc(id, "  sel:\n    CommandLine|contains:\n" + values + "  condition: sel");
        }

        [Fact]
        public void Load_TwoMegabytesOfValues_LoadInMemoryProportionalToThem()
        {
            // 100,000 values of 20 characters: their prefilter automata once took a 300-byte row per character (about 1 GB).
            for (int f = 0; f < 4; f++)
            {
                _kit.Write($"v{f}.yml", ManyValues($"v{f}", 25_000, f));
            }

            RuleSet? rules = null;
            long allocated = RuleTestKit.Within(60, () => RuleTestKit.Allocated(() => rules = _kit.Load()));

            Assert.Equal(4, rules!.Rules.Count);
            Assert.True(allocated < 1_000_000_000, $"{allocated:N0} bytes allocated");
            string value = ManyValues("x", 1, 2).Split('\'')[^2];
            BehaviorEvent e = Ps("powershell " + value.ToUpperInvariant());
            Assert.Equal(new[] { "v2" }, RuleTestKit.Matches(rules, e));
        }

        [Fact]
        public void Load_RulePastTheCharacterLimit_RefusedWithTheLine()
        {
            RuleSet rules = _kit.Write("big.yml", ManyValues("big", 60_000, 1)).Load();

            RuleLoadIssue issue = Assert.Single(rules.Skipped);
            Assert.Equal("big", issue.RuleId);
            Assert.True(issue.Line > 40_000, issue.ToString());
            Assert.StartsWith($"more than {RuleLimits.MaxCharactersPerRule:N0} characters of values", issue.Reason);
        }

        [Fact]
        public void Load_ValueLongerThanTheLimit_RefusedNamingTheField()
        {
            RuleSet rules = _kit
                .Write("long.yml", Pc("long", "  sel:\n    CommandLine|contains: '" + new string('a', RuleLimits.MaxValueLength + 1) + "'\n  condition: sel"))
                .Write("edge.yml", Pc("edge", "  sel:\n    CommandLine|contains: '" + new string('a', RuleLimits.MaxValueLength) + "'\n  condition: sel"))
                .Load();

            Assert.Equal(new[] { "edge" }, rules.Rules.Select(r => r.Id));
            Assert.Equal($"a value of field 'CommandLine' has {RuleLimits.MaxValueLength + 1:N0} characters; at most {RuleLimits.MaxValueLength:N0} are allowed", Assert.Single(rules.Skipped).Reason);
        }

        [Fact]
        public void Load_SetBudget_RulesPastItAreRefusedAndSkippedOnesDoNotSpendIt()
        {
            var options = new RuleLoadOptions { MaxCharactersPerSet = 1300 };
            RuleSet rules = _kit
                .Write("a.yml", Pc("a", "  sel:\n    Image|sounds_like: '" + new string('x', 400) + "'\n  condition: sel"))
                .Write("b.yml", Pc("b", "  sel:\n    Image|endswith: '" + new string('b', 400) + "'\n  condition: sel"))
                .Write("c.yml", Pc("c", "  sel:\n    Image|endswith: '" + new string('c', 400) + "'\n  condition: sel"))
                .Write("d.yml", Pc("d", "  sel:\n    Image|endswith: '" + new string('d', 400) + "'\n  condition: sel"))
                .Load(options);

            Assert.Equal(new[] { "b", "c" }, rules.Rules.Select(r => r.Id));
            Assert.StartsWith("the rule set is full: its rules may hold at most 1,300 characters", rules.Skipped.Single(s => s.RuleId == "d").Reason);
        }

        [Fact]
        public void Load_SelectionOfManyAlternatives_DerivesItsPrefilterInLinearTime()
        {
            // A list of 30,000 maps: the literals of an 'or' were re-copied for every alternative (quadratic).
            string alternatives = string.Concat(Enumerable.Range(0, 30_000).Select(i => "    - CommandLine|contains: 'v" + i.ToString("D5") + "'\n"));
            _kit.Write("alt.yml", Pc("alt", "  sel:\n" + alternatives + "  condition: sel"));

            RuleSet? rules = null;
            long allocated = RuleTestKit.Within(60, () => RuleTestKit.Allocated(() => rules = _kit.Load()));

            Assert.Single(rules!.Rules);
            Assert.True(allocated < 500_000_000, $"{allocated:N0} bytes allocated");
            Assert.Equal(new[] { "alt" }, RuleTestKit.Matches(rules, Ps("cmd /c V29999")));
            Assert.Empty(RuleTestKit.Matches(rules, Ps("cmd /c v3000")));
        }
    }
}
