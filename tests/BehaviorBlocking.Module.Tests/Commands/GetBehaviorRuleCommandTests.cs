using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class GetBehaviorRuleCommandTests
    {
        [Fact]
        public void GetBehaviorRule_NoParameters_ListsTheBuiltInPackSortedByTactic()
        {
            using var session = new ModuleSession();
            var rules = session.Invoke<SigmaRule>("Get-BehaviorRule");
            // One rule a file, two or more in a file that pairs evidence rules with a correlation.
            int expected = RuleSet.Load(new[] { new RuleSource(Path.Combine(AppContext.BaseDirectory, "rules"), "builtin") }).Rules.Count;
            Assert.True(expected >= Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "rules"), "*.yml", SearchOption.AllDirectories).Length);
            Assert.Equal(expected, rules.Count);
            Assert.Equal(rules.OrderBy(r => r.Tactic).Select(r => r.Tactic), rules.Select(r => r.Tactic));
            Assert.Empty(session.Errors);
            Assert.Empty(session.Warnings);
        }

        [Fact]
        public void GetBehaviorRule_TacticAndTechniqueWildcard_FiltersBoth()
        {
            using var session = new ModuleSession();
            var rules = session.Invoke<SigmaRule>("Get-BehaviorRule -Tactic CredentialAccess -Technique 'T1003*'");
            Assert.NotEmpty(rules);
            Assert.All(rules, r =>
            {
                Assert.Equal(Tactic.CredentialAccess, r.Tactic);
                Assert.Contains(r.Techniques, t => t.StartsWith("T1003", System.StringComparison.Ordinal));
            });
        }

        [Fact]
        public void GetBehaviorRule_UnknownExactId_WritesRuleNotFoundAndGoesOn()
        {
            using var session = new ModuleSession();
            string known = session.Invoke<SigmaRule>("Get-BehaviorRule | Select-Object -First 1")[0].Id;
            var rules = session.Invoke<SigmaRule>("Get-BehaviorRule -Id $known, 'no-such-rule'", ("known", known));
            Assert.Equal(known, Assert.Single(rules).Id);
            ErrorRecord error = Assert.Single(session.Errors);
            Assert.Equal("RuleNotFound,BehaviorBlocking.Commands.GetBehaviorRuleCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("no-such-rule", error.TargetObject);
        }

        [Fact]
        public void GetBehaviorRule_ExtraDirectoryWithABadRule_LoadsTheGoodOneAndWarnsAboutTheOther()
        {
            using var session = new ModuleSession();
            string dir = Path.Combine(session.Home, "rules");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "good.yml"), "title: Marker\nid: 6a1f7c55-0000-4000-8000-000000000001\nstatus: test\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    CommandLine|contains: bbmarker\n  condition: sel\nlevel: high\ntags:\n  - attack.execution\n");
            File.WriteAllText(Path.Combine(dir, "bad.yml"), "title: [unclosed\n");
            var rules = session.Invoke<SigmaRule>("Get-BehaviorRule -Path $dir -ExcludeBuiltIn", ("dir", dir));
            Assert.Equal("Marker", Assert.Single(rules).Title);
            Assert.Contains(session.Warnings, w => w.Contains("bad.yml", System.StringComparison.Ordinal));
        }
    }
}
