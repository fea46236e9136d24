using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using BehaviorBlocking.Help;

namespace BehaviorBlocking.Module.Tests.Help
{
    public sealed class MarkdownHelpReaderTests
    {
        private const string Page = "---\nschema: 2.0.0\n---\n\n# Get-Thing\n\n## SYNOPSIS\nGets things.\n\n## SYNTAX\n\n```\nGet-Thing [-Name] <String[]>\n```\n\n"
            + "## DESCRIPTION\nFirst paragraph\ncontinues.\n\nSecond.\n\n## EXAMPLES\n\n### Example 1: One\n```powershell\nGet-Thing a\n```\n\nRemark one.\n\n"
            + "### Example 2: Two\n```powershell\nGet-Thing | Out-Host\n```\n\n## PARAMETERS\n\n### -Name\nThe names.\n\n```yaml\nType: String[]\nParameter Sets: ByName, ById\nAliases: N, Nm\n\n"
            + "Required: True\nPosition: 0\nDefault value: None\nAccept pipeline input: True (ByValue)\nAccept wildcard characters: True\n```\n\n### -Kind\nThe kind.\n\n```yaml\nType: ThingKind\nParameter Sets: (All)\nAliases:\nAccepted values: A, B\n\n"
            + "Required: False\nPosition: Named\nDefault value: A\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n\n### CommonParameters\nCommon.\n\n## INPUTS\n\n### System.String\nNames.\n\n## OUTPUTS\n\n### Thing\nA thing.\n\n## NOTES\nNote.\n\n"
            + "## RELATED LINKS\n\n[Other](Other.md)\n\n[Site](https://example.org/x)\n";

        [Fact]
        public void Parse_APlatyPSPage_ReadsEverySection()
        {
            HelpPage page = MarkdownHelpReader.Parse(Page, "Get-Thing.md");
            Assert.Equal("Get-Thing", page.Name);
            Assert.Equal(("Get", "Thing"), (page.Verb, page.Noun));
            Assert.Equal("Gets things.", page.Synopsis);
            Assert.Equal(new[] { "First paragraph continues.", "Second." }, page.Description);
            Assert.Equal(new[] { "Example 1: One", "Example 2: Two" }, page.Examples.Select(e => e.Title));
            Assert.Equal("Get-Thing | Out-Host", page.Examples[1].Code);
            Assert.Equal(new[] { "Remark one." }, page.Examples[0].Remarks);
            HelpParameter name = page.Parameters[0];
            Assert.Equal(("Name", "String[]", true, "0", "True (ByValue)", true), (name.Name, name.Type, name.Required, name.Position, name.PipelineInput, name.Wildcards));
            Assert.Equal(new[] { "ByName", "ById" }, name.Sets);
            Assert.Equal(new[] { "N", "Nm" }, name.Aliases);
            Assert.Equal(new[] { "A", "B" }, page.Parameters[1].AcceptedValues);
            Assert.Equal(new[] { HelpParameter.AllSets }, page.Parameters[1].Sets);
            Assert.Equal(2, page.Parameters.Count);
            Assert.Equal(new[] { "ByName", "ById" }, page.ParameterSets());
            Assert.Equal("System.String", Assert.Single(page.Inputs).Name);
            Assert.Equal("Thing", Assert.Single(page.Outputs).Name);
            Assert.Equal(new[] { string.Empty, "https://example.org/x" }, page.Links.Select(l => l.Uri));
        }

        [Theory]
        [InlineData("## OUTPUTS\n", "", "no '## OUTPUTS' section")]
        [InlineData("Accept wildcard characters: True\n```\n\n### -Kind", "Accept wildcard characters: Maybe\n```\n\n### -Kind", "must be True or False")]
        [InlineData("### -Kind\nThe kind.\n", "### -Kind\n", "has no description")]
        [InlineData("Position: 0\n", "", "has no 'Position:' field")]
        [InlineData("[Site](https://example.org/x)", "Site: https://example.org/x", "a related link must be")]
        public void Parse_APageOutsideTheSchema_FailsNamingFileLineAndReason(string replace, string with, string reason)
        {
            var ex = Assert.Throws<HelpFormatException>(() => MarkdownHelpReader.Parse(Page.Replace(replace, with, System.StringComparison.Ordinal), "Get-Thing.md"));
            Assert.StartsWith("Get-Thing.md:", ex.Message, System.StringComparison.Ordinal);
            Assert.Contains(reason, ex.Message, System.StringComparison.Ordinal);
            Assert.True(ex.Line >= 1);
        }

        [Fact]
        public void MamlWriter_WritesACommandWithSyntaxPerSetParametersExamplesAndLinks()
        {
            HelpPage page = MarkdownHelpReader.Parse(Page, "Get-Thing.md");
            var buffer = new StringWriter();
            using (XmlWriter writer = XmlWriter.Create(buffer))
            {
                MamlWriter.Write(new[] { page }, writer);
            }

            XDocument maml = XDocument.Parse(buffer.ToString());
            XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
            XNamespace m = "http://schemas.microsoft.com/maml/2004/10";
            XNamespace dev = "http://schemas.microsoft.com/maml/dev/2004/10";
            XElement cmd = Assert.Single(maml.Root!.Elements(command + "command"));
            Assert.Equal("Get-Thing", cmd.Element(command + "details")!.Element(command + "name")!.Value);
            Assert.Equal("Gets things.", cmd.Element(command + "details")!.Element(m + "description")!.Value);
            // Two sets named by -Name; -Kind (All) is in both.
            var items = cmd.Element(command + "syntax")!.Elements(command + "syntaxItem").ToList();
            Assert.Equal(2, items.Count);
            Assert.All(items, i => Assert.Equal(new[] { "Name", "Kind" }, i.Elements(command + "parameter").Select(p => p.Element(m + "name")!.Value)));
            XElement kind = items[0].Elements(command + "parameter").Last();
            Assert.Equal(new[] { "A", "B" }, kind.Element(command + "parameterValueGroup")!.Elements(command + "parameterValue").Select(v => v.Value));
            XElement name = cmd.Element(command + "parameters")!.Elements(command + "parameter").First();
            Assert.Equal(("true", "true", "0", "N, Nm"), ((string)name.Attribute("required")!, (string)name.Attribute("globbing")!, (string)name.Attribute("position")!, (string)name.Attribute("aliases")!));
            Assert.Equal(new[] { "Get-Thing a", "Get-Thing | Out-Host" }, cmd.Descendants(dev + "code").Select(c => c.Value));
            Assert.Equal(new[] { "Other", "Site" }, cmd.Descendants(m + "linkText").Select(l => l.Value));
        }

        [Fact]
        public void AboutTopicWriter_UpperCasesHeadingsAndIndentsText()
        {
            string text = AboutTopicWriter.Convert("# about_Thing\n\n## Short description\n\nOne line.\n\n```\ncode\n```\n");
            Assert.Equal("TOPIC\n    about_Thing\n\nSHORT DESCRIPTION\n\n    One line.\n\n        code\n", text);
        }
    }
}
