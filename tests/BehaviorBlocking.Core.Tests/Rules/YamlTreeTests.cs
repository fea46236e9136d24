using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using BehaviorBlocking.Rules;
using YamlDotNet.Core;

namespace BehaviorBlocking.Tests.Rules
{
    public class YamlTreeTests
    {
        /// <summary>The alias bomb of the report: nine levels of nine aliases, about 600 bytes, 9^9 nodes expanded.</summary>
        internal static string AliasBomb()
        {
            var text = new StringBuilder("title: Bomb\nid: bomb-1\nlogsource:\n  product: windows\n  category: process_creation\n");
            text.Append("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
            string previous = "a";
            foreach (char level in "bcdefghi")
            {
                text.Append(level).Append(": &").Append(level).Append(" [").Append(string.Join(",", Enumerable.Repeat("*" + previous, 9))).Append("]\n");
                previous = level.ToString();
            }

            return text.Append("detection:\n  sel:\n    Image: a\n  condition: sel\n").ToString();
        }

        private static YamlTreeDocument Single(string yaml) => Assert.Single(YamlTree.LoadDocuments(yaml));

        [Fact]
        public void LoadDocuments_SelfAlias_RefusedAsACycleWithItsLine()
        {
            YamlTreeDocument document = RuleTestKit.Within(30, () => Single("title: t\nid: self-1\nx: &a [1, *a]\n"));

            Assert.Null(document.Root);
            Assert.Contains("alias '*a' refers to a node that contains it", document.Refusal);
            Assert.Equal(3, document.Line);
            Assert.Equal("self-1", document.Id);
        }

        [Fact]
        public void LoadDocuments_NineLevelAliasBomb_RefusedAtTheNodeLimitWithoutExpandingIt()
        {
            string bomb = AliasBomb();
            Assert.InRange(bomb.Length, 400, 700);
            YamlTreeDocument? document = null;

            long allocated = RuleTestKit.Within(30, () => RuleTestKit.Allocated(() => document = Single(bomb)));

            Assert.Contains($"more than {RuleLimits.MaxNodesPerRule:N0} YAML nodes (aliases expanded)", document!.Refusal);
            Assert.Equal(11, document.Line);

            // Expanded, it is 387 million nodes; counted, it costs what its 600 bytes parse into.
            Assert.True(allocated < 50_000_000, $"{allocated:N0} bytes allocated");
        }

        [Fact]
        public void LoadDocuments_AliasesBelowTheLimit_ShareTheAnchoredNodeAndCountItExpanded()
        {
            string yaml = "id: r\nlist: &l [a, b, c]\ncopies: [*l, *l, *l]\n";

            YamlTreeDocument document = Single(yaml);

            var root = Assert.IsType<YamlMap>(document.Root);
            var copies = Assert.IsType<List<object?>>(root.Get("copies"));
            Assert.Equal(3, copies.Count);
            Assert.Same(root.Get("list"), copies[0]);
            Assert.Equal(new object?[] { "a", "b", "c" }, (List<object?>)copies[2]!);

            // The root map, its 3 keys, 'r', the list and its 3 items, the copies list, and each alias as the 4 nodes it stands for.
            Assert.Equal(1 + 3 + 1 + 1 + 3 + 1 + (3 * 4), document.Nodes);
        }

        [Fact]
        public void LoadDocuments_AliasOfADeepNode_CountsItsDepthWhereItIsUsed()
        {
            // 40 levels anchored at the top, then used 30 levels down: 70 levels expanded.
            string deep = new string('[', 40) + new string(']', 40);
            string yaml = "a: &d " + deep + "\nb: " + new string('[', 30) + "*d" + new string(']', 30) + "\n";

            YamlTreeDocument document = Single(yaml);

            Assert.Contains($"YAML nested deeper than {RuleLimits.MaxYamlDepth} levels", document.Refusal);
            Assert.Equal(2, document.Line);
        }

        [Fact]
        public void LoadDocuments_HundredThousandNestedBrackets_RefusedAtTheDepthLimitWithoutRecursing()
        {
            string yaml = "id: deep\nx: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

            YamlTreeDocument document = RuleTestKit.Within(30, () => Single(yaml));

            Assert.Equal($"YAML nested deeper than {RuleLimits.MaxYamlDepth} levels (reading of the file stopped there)", document.Refusal);
        }

        [Theory]
        [InlineData(RuleLimits.MaxYamlDepth, true)]
        [InlineData(RuleLimits.MaxYamlDepth + 1, false)]
        public void LoadDocuments_NestingAtTheLimit_LoadsAndOneMoreLevelIsRefused(int levels, bool loads)
        {
            // The root map is level 1, the value's brackets the rest; the innermost holds a scalar.
            int brackets = levels - 2;
            string yaml = "x: " + new string('[', brackets) + "v" + new string(']', brackets) + "\n";

            YamlTreeDocument document = Single(yaml);

            Assert.Equal(loads, document.Refusal is null);
        }

        [Fact]
        public void LoadDocuments_ValuesPastTheCharacterLimit_Refused()
        {
            string half = new string('v', RuleLimits.MaxCharactersPerRule / 2);
            Assert.Null(Single("a: " + half + "\nb: " + half.Substring(10) + "\n").Refusal);

            YamlTreeDocument over = Single("a: " + half + "\nb: " + half + "\n");

            Assert.Contains($"more than {RuleLimits.MaxCharactersPerRule:N0} characters of values", over.Refusal);
        }

        [Theory]
        [InlineData("x: *nothere\n", "alias '*nothere' refers to no anchor before it")]
        [InlineData("x: 1\ny: 2\nx: 3\n", "key 'x' appears twice in one mapping")]
        [InlineData("? [a, b]\n: v\n", "a mapping key is not a scalar")]
        public void LoadDocuments_MalformedStructure_RefusedWithTheReason(string yaml, string reason)
        {
            Assert.Contains(reason, Single(yaml).Refusal);
        }

        [Fact]
        public void LoadDocuments_Scalars_KeepTextAndReadPlainNullsAsNull()
        {
            var root = Assert.IsType<YamlMap>(Single("a: 0x1010\nb: ~\nc: 'null'\nd:\ne: null\nf: \"\"\n").Root);

            Assert.Equal("0x1010", root.Get("a"));
            Assert.Null(root.Get("b"));
            Assert.Equal("null", root.Get("c"));
            Assert.Null(root.Get("d"));
            Assert.Null(root.Get("e"));
            Assert.Equal(string.Empty, root.Get("f"));
        }

        [Fact]
        public void LoadDocuments_RefusedDocument_EarlierOnesLoadAndReadingStops()
        {
            List<YamlTreeDocument> documents = YamlTree.LoadDocuments("id: one\n---\nid: two\nx: &a [*a]\n---\nid: three\n");

            Assert.Equal(2, documents.Count);
            Assert.Null(documents[0].Refusal);
            Assert.Equal("two", documents[1].Id);
            Assert.Equal(4, documents[1].Line);
            Assert.Contains("reading of the file stopped there", documents[1].Refusal);
        }

        [Fact]
        public void LoadDocuments_SyntaxError_Throws()
        {
            Assert.ThrowsAny<YamlException>(() => YamlTree.LoadDocuments("title: a: b\nid: x\n"));
        }
    }
}
