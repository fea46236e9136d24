using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Tests.Engine
{
    /// <summary>The error-id catalog is complete, and the errors page documents exactly its ids with their kinds.</summary>
    public sealed class ErrorIdsTests
    {
        private static readonly Regex s_tableRow = new Regex(@"^\|\s*`(?<id>[^`]+)`\s*\|(?<kind>[^|]*)\|", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        private static Dictionary<string, string> Constants() => typeof(ErrorIds)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

        private static List<(string Id, string Kind)> Documented()
        {
            string doc = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "about", "about_BehaviorBlocking_Errors.md"));
            return s_tableRow.Matches(doc).Select(m => (m.Groups["id"].Value, m.Groups["kind"].Value.Trim())).ToList();
        }

        [Fact]
        public void All_EveryConstant_AppearsExactlyOnce()
        {
            Dictionary<string, string> constants = Constants();
            List<string> all = ErrorIds.All.Select(e => e.Key).ToList();

            Assert.NotEmpty(constants);
            foreach (KeyValuePair<string, string> constant in constants)
            {
                Assert.True(all.Count(id => id == constant.Value) == 1, $"ErrorIds.{constant.Key} appears {all.Count(id => id == constant.Value)} times in ErrorIds.All");
            }

            Assert.Equal(constants.Values.OrderBy(v => v, StringComparer.Ordinal), all.OrderBy(v => v, StringComparer.Ordinal));
        }

        [Fact]
        public void All_EachId_IsPascalCaseAndNamedLikeItsConstant()
        {
            foreach (KeyValuePair<string, string> constant in Constants())
            {
                Assert.Matches("^[A-Z][A-Za-z0-9]+$", constant.Value);
                Assert.Equal(constant.Key, constant.Value);
            }
        }

        [Fact]
        public void All_ComparedWithErrorsPage_ListsExactlyTheDocumentedIds()
        {
            List<string> documented = Documented().Select(d => d.Id).ToList();
            List<string> catalog = ErrorIds.All.Select(e => e.Key).ToList();

            Assert.Equal(documented.Distinct().Count(), documented.Count);
            string[] undocumented = catalog.Except(documented).ToArray();
            string[] unknown = documented.Except(catalog).ToArray();
            Assert.True(undocumented.Length == 0, "in ErrorIds.All but not in about_BehaviorBlocking_Errors.md: " + string.Join(", ", undocumented));
            Assert.True(unknown.Length == 0, "in about_BehaviorBlocking_Errors.md but not in ErrorIds.All: " + string.Join(", ", unknown));
        }

        [Fact]
        public void All_KindOfEachId_MatchesTheErrorsPage()
        {
            Dictionary<string, string> kinds = ErrorIds.All.ToDictionary(e => e.Key, e => e.Value.ToString());

            foreach ((string id, string kind) in Documented().Where(d => kinds.ContainsKey(d.Id)))
            {
                Assert.True(kinds[id] == kind, $"{id}: the page says {kind}, the catalog {kinds[id]}");
            }
        }
    }
}
