using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;
using BehaviorBlocking.Commands.Internal;
using BehaviorBlocking.Help;

namespace BehaviorBlocking.Module.Tests
{
    /// <summary>
    /// What every cmdlet of the module must be, checked over the built assembly, the manifest, the format file and the
    /// help pages together: approved verbs, declared output types with views, ShouldProcess on every state change,
    /// -PassThru on silent cmdlets, exports equal to the cmdlets, every cmdlet and parameter documented.
    /// </summary>
    public sealed class ModuleContractTests
    {
        // Verbs whose cmdlets change state: processes, the policy, the stores, the service, this machine.
        private static readonly HashSet<string> s_changing = new HashSet<string>(StringComparer.Ordinal)
        {
            VerbsCommon.Set, VerbsCommon.Add, VerbsCommon.Remove, VerbsData.Restore, VerbsCommon.Undo, VerbsLifecycle.Install,
            VerbsLifecycle.Uninstall, VerbsLifecycle.Start, VerbsLifecycle.Stop, VerbsLifecycle.Invoke, VerbsData.Import,
        };

        // Verbs whose cmdlets write nothing by default, so they take -PassThru to hand back what they changed.
        private static readonly HashSet<string> s_silent = new HashSet<string>(StringComparer.Ordinal)
        {
            VerbsCommon.Set, VerbsCommon.Add, VerbsCommon.Remove, VerbsData.Restore, VerbsCommon.Undo, VerbsLifecycle.Install,
            VerbsLifecycle.Uninstall, VerbsLifecycle.Stop,
        };

        private static readonly string s_repoRoot = FindRepoRoot();

        public static IEnumerable<object[]> Cmdlets() => CmdletTypes().Select(t => new object[] { Attribute(t).VerbName + "-" + Attribute(t).NounName });

        [Fact]
        public void Assembly_HasCmdlets_AllDerivingFromBehaviorCmdletAndSealed()
        {
            Type[] cmdlets = CmdletTypes().ToArray();
            Assert.NotEmpty(cmdlets);
            Assert.All(cmdlets, t =>
            {
                Assert.True(t.IsSealed, t.Name + " is not sealed");
                Assert.True(typeof(BehaviorCmdlet).IsAssignableFrom(t), t.Name + " does not derive from BehaviorCmdlet");
                Assert.Equal(Attribute(t).VerbName + Attribute(t).NounName + "Command", t.Name);
                Assert.Equal("BehaviorBlocking.Commands", t.Namespace);
            });
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_UsesAnApprovedVerbAndAProductNoun(string name)
        {
            CmdletAttribute attribute = Attribute(Type(name));
            Assert.Contains(attribute.VerbName, ApprovedVerbs());
            Assert.True(attribute.NounName.StartsWith("Behavior", StringComparison.Ordinal) || attribute.NounName.StartsWith("Blocking", StringComparison.Ordinal),
                name + ": nouns start with Behavior or Blocking");
            Assert.False(attribute.NounName.EndsWith("s", StringComparison.Ordinal) && !attribute.NounName.EndsWith("ss", StringComparison.Ordinal), name + ": nouns are singular");
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_DeclaresItsOutputTypes_AndEachHasAFormatView(string name)
        {
            Type type = Type(name);
            Type[] outputs = OutputTypes(type).ToArray();
            Assert.True(outputs.Length > 0, name + " declares no [OutputType]");
            HashSet<string> viewed = ViewedTypeNames();
            foreach (Type output in outputs.Where(NeedsView))
            {
                Assert.True(viewed.Contains(output.FullName!), name + " writes " + output.FullName + ", which has no view in BehaviorBlocking.format.ps1xml");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_ThatChangesState_SupportsShouldProcess(string name)
        {
            CmdletAttribute attribute = Attribute(Type(name));
            if (s_changing.Contains(attribute.VerbName))
            {
                Assert.True(attribute.SupportsShouldProcess, name + " changes state and does not support -WhatIf/-Confirm");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_ThatIsSilent_TakesPassThru(string name)
        {
            Type type = Type(name);
            if (s_silent.Contains(Attribute(type).VerbName))
            {
                PropertyInfo? passThru = type.GetProperty("PassThru");
                Assert.True(passThru is not null && passThru.PropertyType == typeof(SwitchParameter) && passThru.GetCustomAttributes<ParameterAttribute>().Any(),
                    name + " writes nothing by default and has no -PassThru switch");
            }
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_WithSeveralParameterSets_NamesADefault(string name)
        {
            Type type = Type(name);
            var sets = Parameters(type).SelectMany(p => p.GetCustomAttributes<ParameterAttribute>()).Select(a => a.ParameterSetName)
                .Where(s => s != ParameterAttribute.AllParameterSets).Distinct().ToList();
            if (sets.Count > 1)
            {
                string? defaultSet = Attribute(type).DefaultParameterSetName;
                Assert.False(string.IsNullOrEmpty(defaultSet), name + " has parameter sets " + string.Join(", ", sets) + " and no DefaultParameterSetName");
                Assert.Contains(defaultSet, sets);
            }
        }

        [Fact]
        public void Manifest_ExportsExactlyTheCmdletsOfTheAssembly()
        {
            using PowerShell shell = PowerShell.Create();
            shell.AddCommand("Import-PowerShellDataFile").AddParameter("Path", Path.Combine(s_repoRoot, "module", "BehaviorBlocking.psd1"));
            var data = (System.Collections.Hashtable)shell.Invoke()[0].BaseObject;
            string[] exported = ((object[])data["CmdletsToExport"]!).Cast<string>().OrderBy(n => n, StringComparer.Ordinal).ToArray();
            string[] cmdlets = Cmdlets().Select(c => (string)c[0]).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(cmdlets, exported);
            Assert.Empty((object[])data["FunctionsToExport"]!);
            Assert.Empty((object[])data["AliasesToExport"]!);
            Assert.Empty((object[])data["VariablesToExport"]!);
        }

        [Fact]
        public void HelpPages_DocumentExactlyTheCmdlets()
        {
            string[] pages = Directory.GetFiles(Path.Combine(s_repoRoot, "docs", "cmdlets"), "*.md").Select(Path.GetFileNameWithoutExtension).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;
            string[] cmdlets = Cmdlets().Select(c => (string)c[0]).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(cmdlets, pages);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void HelpPage_DocumentsEveryParameterAndNoOther_WithTwoExamplesOneAPipeline(string name)
        {
            HelpPage page = MarkdownHelpReader.Read(Path.Combine(s_repoRoot, "docs", "cmdlets", name + ".md"));
            Assert.Equal(name, page.Name);
            Type type = Type(name);
            var actual = Parameters(type).Select(p => p.Name).ToList();
            if (Attribute(type).SupportsShouldProcess)
            {
                actual.Add("WhatIf");
                actual.Add("Confirm");
            }

            Assert.Equal(actual.OrderBy(n => n, StringComparer.Ordinal), page.Parameters.Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal));
            foreach (PropertyInfo property in Parameters(type))
            {
                HelpParameter documented = page.Parameters.Single(p => p.Name == property.Name);
                Assert.Equal(TypeName(property.PropertyType), documented.Type);
                bool mandatory = property.GetCustomAttributes<ParameterAttribute>().Any(a => a.Mandatory);
                bool everywhere = property.GetCustomAttributes<ParameterAttribute>().All(a => a.Mandatory);
                Assert.True(!documented.Required || mandatory, name + " -" + property.Name + " is documented as required and is not mandatory");
                Assert.True(documented.Required || !everywhere, name + " -" + property.Name + " is mandatory and documented as not required");
            }

            Assert.True(page.Examples.Count >= 2, name + " has fewer than two examples");
            Assert.Contains(page.Examples, e => e.Code.Contains('|', StringComparison.Ordinal));
            Assert.NotEmpty(page.Outputs);
            Assert.All(page.Outputs, o => Assert.Contains(o.Name, OutputTypes(type).Select(t => t.FullName!).Append("None")));
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Cmdlet_HasPesterTestsOfItsOwn(string name)
        {
            string file = Path.Combine(s_repoRoot, "tests", "pester", name + ".Tests.ps1");
            Assert.True(File.Exists(file), name + " has no " + file);
            Assert.Contains(name, File.ReadAllText(file), StringComparison.Ordinal);
        }

        [Fact]
        public void FormatFile_IsValidXml_AndEveryViewNamesAType()
        {
            XDocument format = XDocument.Load(Path.Combine(s_repoRoot, "module", "BehaviorBlocking.format.ps1xml"));
            var views = format.Descendants("View").ToList();
            Assert.NotEmpty(views);
            Assert.All(views, v => Assert.NotEmpty(v.Descendants("TypeName")));
            Assert.Equal(views.Count, views.Select(v => (string)v.Element("Name")!).Distinct().Count());
        }

        internal static IEnumerable<Type> CmdletTypes() =>
            typeof(BehaviorCmdlet).Assembly.GetTypes().Where(t => t.GetCustomAttribute<CmdletAttribute>() is not null).OrderBy(t => t.Name, StringComparer.Ordinal);

        private static Type Type(string name) => CmdletTypes().Single(t => Attribute(t).VerbName + "-" + Attribute(t).NounName == name);

        private static CmdletAttribute Attribute(Type type) => type.GetCustomAttribute<CmdletAttribute>()!;

        private static IEnumerable<PropertyInfo> Parameters(Type type) => type.GetProperties().Where(p => p.GetCustomAttributes<ParameterAttribute>().Any());

        private static IEnumerable<Type> OutputTypes(Type type) =>
            type.GetCustomAttributes<OutputTypeAttribute>().SelectMany(a => a.Type).Select(t => t.Type).Where(t => t is not null)!;

        // Plain values (bool for -Quiet, strings) use PowerShell's own formatting.
        private static bool NeedsView(Type type) => !(type.IsPrimitive || type == typeof(string) || type.Namespace == "System");

        private static HashSet<string> ViewedTypeNames()
        {
            XDocument format = XDocument.Load(Path.Combine(s_repoRoot, "module", "BehaviorBlocking.format.ps1xml"));
            return new HashSet<string>(format.Descendants("TypeName").Select(e => e.Value.Trim()), StringComparer.Ordinal);
        }

        private static HashSet<string> ApprovedVerbs()
        {
            var verbs = new HashSet<string>(StringComparer.Ordinal);
            foreach (Type holder in new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) })
            {
                foreach (FieldInfo field in holder.GetFields(BindingFlags.Public | BindingFlags.Static))
                {
                    verbs.Add((string)field.GetValue(null)!);
                }
            }

            return verbs;
        }

        // The type as PlatyPS writes it: the short name, generic arguments and array brackets kept.
        private static string TypeName(Type type)
        {
            if (type.IsArray)
            {
                return TypeName(type.GetElementType()!) + "[]";
            }

            Type? nullable = Nullable.GetUnderlyingType(type);
            if (nullable is not null)
            {
                return TypeName(nullable);
            }

            return type.Name;
        }

        private static string FindRepoRoot()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "BehaviorBlocking.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("The repository root (BehaviorBlocking.sln) is not above " + AppContext.BaseDirectory);
        }
    }
}
