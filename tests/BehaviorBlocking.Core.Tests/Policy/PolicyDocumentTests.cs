using System;
using System.IO;
using System.Linq;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>The policy document's parser: what it reads, and every refusal with its line, column and JSON path.</summary>
    public sealed class PolicyDocumentTests
    {
        private static readonly string PolicyData = Path.Combine(AppContext.BaseDirectory, "data", "policy");

        private static PolicyProblem Refused(string json)
        {
            PolicyParseResult result = PolicyDocument.Parse(json);
            Assert.False(result.IsValid);
            Assert.Null(result.Document);
            return Assert.Single(result.Errors);
        }

        private static void AssertProblem(PolicyProblem problem, long line, long column, string path, string messagePart)
        {
            Assert.True(problem.Line == line && problem.Column == column && problem.Path == path && problem.Message.Contains(messagePart, StringComparison.Ordinal),
                $"expected {line}:{column} {path} '{messagePart}', got {problem}");
        }

        [Fact]
        public void Parse_BlockExample_ReadsEveryPart()
        {
            PolicyParseResult result = PolicyDocument.Parse(File.ReadAllBytes(Path.Combine(PolicyData, "block.json")));

            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            PolicyDocument document = result.Document!;
            Assert.Equal("2026-12-02.block", document.Version);
            Assert.Equal(PolicyMode.Block, document.Mode);
            Assert.Equal(0.9, document.Defaults.Threshold);
            Assert.Equal(new[] { "Execution", "Persistence", "CredentialAccess", "Discovery" }, document.Tactics.Select(t => t.Key));
            Assert.Equal(ResponseAction.KillProcess, document.Tactics[1].Settings.Action);
            Assert.True(document.Tactics[1].Settings.Remediate);
            Assert.Null(document.Tactics[1].Settings.Threshold);
            Assert.Equal(ResponseAction.Suspend, Assert.Single(document.Rules).Settings.Action);
            Assert.Equal(0.5, Assert.Single(document.Detections).Settings.Threshold);
            Assert.Equal(7, document.Exclusions.Count);
            Assert.Equal(new[] { ExclusionField.ParentImage, ExclusionField.CommandLine }, document.Exclusions[1].Conditions.Select(c => c.Field));
            Assert.Equal(new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero), document.Exclusions[2].Expires);
            Assert.Equal(@"image C:\Tools\*.exe: admin tools, change CHG-1042", document.Exclusions[0].ToString());
        }

        [Fact]
        public void Parse_MinimalDocument_IsAuditWithBuiltInDefaults()
        {
            PolicyDocument document = PolicyDocument.Parse("{\"schemaVersion\": 1, \"version\": \"v1\"}").Document!;

            Assert.Equal(PolicyMode.Audit, document.Mode);
            Assert.True(document.Defaults.IsEmpty);
            Assert.Empty(document.Exclusions);
        }

        [Fact]
        public void ToJson_ParsedAgain_GivesTheSameDocument()
        {
            PolicyDocument document = PolicyDocument.Parse(File.ReadAllBytes(Path.Combine(PolicyData, "block.json"))).Document!;

            string json = document.ToJson();
            PolicyDocument again = PolicyDocument.Parse(json).Document!;

            Assert.Equal(json, again.ToJson());
            Assert.Empty(PolicyChanges.Between(document, again));
        }

        [Fact]
        public void Parse_ByteOrderMarkAndComments_AreAccepted()
        {
            byte[] bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("/* c */ {\"schemaVersion\": 1, // v\n\"version\": \"v\"}")).ToArray();

            Assert.True(PolicyDocument.Parse(bytes).IsValid);
        }

        [Fact]
        public void Parse_SyntaxError_GivesLineAndCharacterColumn()
        {
            // 'ü' is two bytes: the column counts characters, not bytes.
            PolicyProblem problem = Refused("{\n  \"schemaVersion\": 1,\n  \"version\": \"ü\",\n  \"mode\": Audit\n}");

            AssertProblem(problem, 4, 11, "$", "not valid JSON");
        }

        [Fact]
        public void Parse_TrailingComma_IsASyntaxError()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\",}"), 1, 37, "$", "not valid JSON");
        }

        [Fact]
        public void Parse_NotAnObject_IsRefused()
        {
            AssertProblem(Refused("[1]"), 1, 1, "$", "must be a JSON object, not an array");
        }

        [Fact]
        public void Parse_Empty_IsRefused()
        {
            Assert.Single(PolicyDocument.Parse(string.Empty).Errors);
            Assert.Single(PolicyDocument.Parse("   ").Errors);
        }

        [Fact]
        public void Parse_ContentAfterTheObject_IsRefused()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\"} {}"), 1, 38, "$", "not valid JSON");
        }

        [Fact]
        public void Parse_UnknownKey_NamesItAndSuggestsTheRightCase()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\",\n \"Mode\": \"Block\"}"), 2, 2, "$.Mode", "did you mean 'mode'?");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"extra\": 1}"), 1, 38, "$.extra", "unknown key 'extra'");
        }

        [Fact]
        public void Parse_UnknownKeyInSettingsAndExclusion_IsRefusedWithItsPath()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"defaults\": {\"kill\": true}}"), 1, 51, "$.defaults.kill", "unknown key 'kill'");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"image\": \"a*\", \"why\": \"x\", \"justification\": \"j\"}]}"),
                1, 69, "$.exclusions[0].why", "unknown key 'why'");
        }

        [Fact]
        public void Parse_DuplicateKey_NamesBothPlaces()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\",\n\"mode\": \"Audit\",\n\"mode\": \"Block\"}"), 3, 1, "$.mode", "appears more than once (first at line 2, column 1)");
        }

        [Fact]
        public void Parse_DuplicateRuleIdIgnoringCase_IsRefused()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"rules\": {\"Abc\": {\"action\": \"None\"}, \"aBC\": {\"action\": \"None\"}}}"),
                1, 75, "$.rules['aBC']", "appears more than once");
        }

        [Fact]
        public void Parse_WrongTypes_AreRefusedWithWhatWasFound()
        {
            AssertProblem(Refused("{\"schemaVersion\": \"1\", \"version\": \"v\"}"), 1, 19, "$.schemaVersion", "found a string");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": 2}"), 1, 33, "$.version", "expected a string, found a number");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"mode\": 1}"), 1, 46, "$.mode", "expected one of Off, Audit, Block, found a number");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"defaults\": {\"quarantine\": \"yes\"}}"), 1, 65, "$.defaults.quarantine", "expected true or false");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": []}"), 1, 49, "$.tactics", "expected an object of tactic names");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": {}}"), 1, 52, "$.exclusions", "expected an array");
        }

        [Fact]
        public void Parse_BadEnumValues_ListTheAllowedOnes()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"mode\": \"block\"}"), 1, 46, "$.mode", "'block' is not one of Off, Audit, Block");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"defaults\": {\"action\": \"Kill\"}}"), 1, 61, "$.defaults.action", "'Kill' is not one of None, KillProcess, KillTree, Suspend");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": {\"Evasion\": {\"action\": \"None\"}}}"), 1, 50, "$.tactics.Evasion", "'Evasion' is not a tactic");
        }

        [Theory]
        [InlineData("1.5")]
        [InlineData("-0.1")]
        [InlineData("1e400")]
        public void Parse_ThresholdOutOfRange_IsRefused(string value)
        {
            PolicyProblem problem = Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": {\"Execution\": {\"threshold\": " + value + "}}}");

            Assert.Equal("$.tactics.Execution.threshold", problem.Path);
            Assert.Equal(77, problem.Column);
        }

        [Fact]
        public void Parse_ThresholdBounds_AreAccepted()
        {
            Assert.True(PolicyDocument.Parse("{\"schemaVersion\": 1, \"version\": \"v\", \"defaults\": {\"threshold\": 0}, \"tactics\": {\"Impact\": {\"threshold\": 1}}}").IsValid);
        }

        [Fact]
        public void Parse_SchemaVersionOtherThanOne_IsRefused()
        {
            AssertProblem(Refused("{\"schemaVersion\": 2, \"version\": \"v\"}"), 1, 19, "$.schemaVersion", "schema version 2 is not supported");
        }

        [Fact]
        public void Parse_MissingRequiredKeys_AreRefusedAtTheObject()
        {
            PolicyParseResult result = PolicyDocument.Parse("\n  {\"mode\": \"Audit\"}");

            Assert.Equal(2, result.Errors.Count);
            AssertProblem(result.Errors[0], 2, 3, "$", "'schemaVersion' is required");
            AssertProblem(result.Errors[1], 2, 3, "$", "'version' is required");
        }

        [Fact]
        public void Parse_EmptyOverride_IsRefused()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": {\"Impact\": {}}}"), 1, 60, "$.tactics.Impact", "sets nothing");
        }

        [Theory]
        [InlineData("*", "only wildcards")]
        [InlineData("*?*", "only wildcards")]
        [InlineData(" ", "the value is empty")]
        [InlineData("a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q*", "17 '*' wildcards")]
        [InlineData("a\\u0007b", "control character")]
        public void Parse_BadGlob_IsRefusedWithTheReason(string pattern, string reason)
        {
            string json = "{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"commandLine\": \"" + pattern + "\", \"justification\": \"j\"}]}";

            AssertProblem(Refused(json), 1, 69, "$.exclusions[0].commandLine", reason);
        }

        [Theory]
        [InlineData("abc")]
        [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0G")]
        [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A081")]
        public void Parse_BadSha256_IsRefused(string hash)
        {
            string json = "{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [\n  {\"sha256\": \"" + hash + "\", \"justification\": \"j\"}]}";

            AssertProblem(Refused(json), 2, 14, "$.exclusions[0].sha256", "not a SHA-256");
        }

        [Fact]
        public void Parse_Sha256_IsKeptUpperCase()
        {
            PolicyDocument document = PolicyDocument.Parse("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"sha256\": \"" + PolicyVerdicts.Sha.ToLowerInvariant() + "\", \"justification\": \"j\"}]}").Document!;

            Assert.Equal(PolicyVerdicts.Sha, document.Exclusions[0].Conditions[0].Value);
        }

        [Fact]
        public void Parse_ExclusionWithoutJustificationOrCondition_IsRefused()
        {
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"image\": \"a*\"}]}"), 1, 53, "$.exclusions[0]", "'justification' is required");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"justification\": \"j\"}]}"), 1, 53, "$.exclusions[0]", "has no condition");
            AssertProblem(Refused("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [3]}"), 1, 53, "$.exclusions[0]", "expected an exclusion object");
        }

        [Theory]
        [InlineData("2027-13-01")]
        [InlineData("next week")]
        [InlineData("2027-01-01T25:00:00Z")]
        public void Parse_BadExpiry_IsRefused(string expires)
        {
            string json = "{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"image\": \"a*\", \"expires\": \"" + expires + "\", \"justification\": \"j\"}]}";

            AssertProblem(Refused(json), 1, 80, "$.exclusions[0].expires", "not an ISO 8601 date or time");
        }

        [Theory]
        [InlineData("2027-01-31", "2027-01-31T00:00:00Z")]
        [InlineData("2027-01-31T18:00:00Z", "2027-01-31T18:00:00Z")]
        [InlineData("2027-01-31T18:00:00+01:00", "2027-01-31T17:00:00Z")]
        [InlineData("2027-01-31T18:00", "2027-01-31T18:00:00Z")]
        public void Parse_Expiry_IsReadAsUtc(string expires, string utc)
        {
            string json = "{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"image\": \"a*\", \"expires\": \"" + expires + "\", \"justification\": \"j\"}]}";

            Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), PolicyDocument.Parse(json).Document!.Exclusions[0].Expires);
        }

        [Fact]
        public void Parse_SeveralProblems_AreAllReportedInOrder()
        {
            string json = "{\n\"schemaVersion\": 1,\n\"version\": \"v\",\n\"mode\": \"Blok\",\n\"defaults\": {\"threshold\": 2},\n\"exclusions\": [{\"sha256\": \"x\", \"justification\": \"j\"}]\n}";

            PolicyParseResult result = PolicyDocument.Parse(json);

            Assert.Equal(new long[] { 4, 5, 6 }, result.Errors.Select(e => e.Line));
            Assert.Equal(new[] { "$.mode", "$.defaults.threshold", "$.exclusions[0].sha256" }, result.Errors.Select(e => e.Path));
        }

        [Fact]
        public void Parse_ManyProblems_StopsAtTheLimit()
        {
            string json = "{\"schemaVersion\": 1, \"version\": \"v\", " + string.Join(", ", Enumerable.Range(0, 200).Select(i => $"\"k{i}\": 1")) + "}";

            Assert.Equal(PolicyParser.MaxErrors, PolicyDocument.Parse(json).Errors.Count);
        }

        [Fact]
        public void Parse_LargerThanTheLimit_IsRefusedBeforeParsing()
        {
            byte[] big = new byte[PolicyDocument.MaxBytes + 1];
            Array.Fill(big, (byte)' ');

            AssertProblem(Assert.Single(PolicyDocument.Parse(big).Errors), 1, 1, "$", "the limit is 1,048,576 bytes");
        }

        [Fact]
        public void Parse_InvalidUtf8InAString_IsRefusedNotThrown()
        {
            byte[] bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\": 1, \"version\": \"v\", \"exclusions\": [{\"image\": \"a\u00ff\", \"justification\": \"j\"}]}");
            int at = Array.IndexOf(bytes, (byte)0xC3);
            bytes[at] = 0xFF;

            PolicyParseResult result = PolicyDocument.Parse(bytes);

            Assert.False(result.IsValid);
            Assert.Equal(1, Assert.Single(result.Errors).Line);
        }

        [Fact]
        public void Parse_DeepNesting_IsRefusedNotThrown()
        {
            string json = "{\"schemaVersion\": 1, \"version\": \"v\", \"x\": " + new string('[', 100) + new string(']', 100) + "}";

            Assert.False(PolicyDocument.Parse(json).IsValid);
        }

        [Fact]
        public void Warnings_ExpiredAndSignerExclusions_AreNamedWithPositions()
        {
            PolicyDocument document = PolicyDocument.Parse(File.ReadAllBytes(Path.Combine(PolicyData, "block.json"))).Document!;

            var warnings = document.Warnings(new DateTimeOffset(2027, 7, 1, 0, 0, 0, TimeSpan.Zero));

            Assert.Equal(2, warnings.Count);
            Assert.Equal("$.exclusions[2]", warnings[0].Path);
            Assert.Contains("expired at 2027-06-30T00:00:00Z and is ignored", warnings[0].Message);
            Assert.Equal(22, warnings[0].Line);
            Assert.Equal("$.exclusions[6].signer", warnings[1].Path);
            Assert.Single(document.Warnings(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        }

        [Fact]
        public void Docs_JsonExamples_AreValidAndTheSameAsTheExampleFiles()
        {
            string doc = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "policy.md"));
            string[] blocks = System.Text.RegularExpressions.Regex.Matches(doc, "```json\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
                .Select(m => m.Groups[1].Value).ToArray();

            Assert.Equal(3, blocks.Length);
            foreach (string block in blocks)
            {
                PolicyParseResult result = PolicyDocument.Parse(block);
                Assert.True(result.IsValid, string.Join("\n", result.Errors));
            }

            Assert.Equal(File.ReadAllText(Path.Combine(PolicyData, "audit.json")).Replace("\r", string.Empty), blocks[1]);
            Assert.Equal(File.ReadAllText(Path.Combine(PolicyData, "block.json")).Replace("\r", string.Empty), blocks[2]);
        }

        [Fact]
        public void Parse_TacticNames_AreExactlyTheTacticEnum()
        {
            foreach (string tactic in Enum.GetNames(typeof(Tactic)))
            {
                Assert.True(PolicyDocument.Parse("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": {\"" + tactic + "\": {\"action\": \"None\"}}}").IsValid, tactic);
            }

            Assert.False(PolicyDocument.Parse("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": {\"3\": {\"action\": \"None\"}}}").IsValid);
            Assert.False(PolicyDocument.Parse("{\"schemaVersion\": 1, \"version\": \"v\", \"tactics\": {\"execution\": {\"action\": \"None\"}}}").IsValid);
        }
    }
}
