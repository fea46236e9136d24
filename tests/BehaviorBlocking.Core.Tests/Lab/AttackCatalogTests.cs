using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Lab;

namespace BehaviorBlocking.Tests.Lab
{
    /// <summary>The technique catalog: what a valid row reads as, each kind of bad row reported with file and line, and the repository's catalog.</summary>
    public class AttackCatalogTests
    {
        internal static readonly string RepositoryCatalog = Path.Combine(TestPaths.RepositoryRoot, "docs", "attack", "techniques.tsv");

        private const string File = "techniques.tsv";

        internal static string Catalog(params string[] rows) =>
            "# a comment\n" + AttackCatalog.Header + "\n" + string.Join("\n", rows) + "\n";

        private static AttackCatalog Parse(string text) => AttackCatalog.Parse(new StringReader(text), File);

        private static AttackCatalogException Fails(string text) => Assert.Throws<AttackCatalogException>(() => Parse(text));

        [Fact]
        public void Parse_ValidRows_ReadsTacticsPlatformsAndSourcesInTheProductOrder()
        {
            AttackCatalog catalog = Parse(Catalog(
                "T1059\tCommand and Scripting Interpreter\tExecution\tWindows;Linux\tlinux_process;process_creation",
                "T1059.001\tPowerShell\tExecution\tWindows\tpowershell_script;process_creation",
                "T1078\tValid Accounts\tPersistence;InitialAccess\tLinux;Windows\tlogon;linux_process",
                "T1495\tFirmware Corruption\tImpact\tWindows;Linux\t-"));

            Assert.Equal(new[] { "T1059", "T1059.001", "T1078", "T1495" }, catalog.Techniques.Select(t => t.Id));
            AttackTechnique powershell = catalog.Find("T1059.001")!;
            Assert.Equal("PowerShell", powershell.Name);
            Assert.Equal("T1059", powershell.ParentId);
            Assert.Equal(4, powershell.Line);
            Assert.Equal(new[] { "process_creation", "powershell_script" }, powershell.Sources);
            AttackTechnique valid = catalog.Find("T1078")!;
            Assert.Equal(new[] { Tactic.InitialAccess, Tactic.Persistence }, valid.Tactics);
            Assert.Equal(new[] { AttackPlatform.Windows, AttackPlatform.Linux }, valid.Platforms);
            Assert.True(valid.IsObservableOn(AttackPlatform.Linux));
            Assert.False(catalog.Find("T1495")!.IsObservable);
            Assert.Null(catalog.Find("T9999"));
            Assert.Equal(new[] { "T1059.001" }, catalog.SubTechniquesOf(catalog.Find("T1059")!).Select(t => t.Id));
        }

        [Fact]
        public void Parse_DuplicateId_ReportsFileLineAndTheFirstLine()
        {
            var ex = Fails(Catalog(
                "T1059\tCommand and Scripting Interpreter\tExecution\tWindows\tprocess_creation",
                "T1059\tCommand and Scripting Interpreter\tExecution\tWindows\tprocess_creation"));

            Assert.Equal(new[] { "techniques.tsv:4: duplicate id T1059 (first on line 3)" }, ex.Problems);
            Assert.Contains("techniques.tsv:4: duplicate id T1059", ex.Message);
        }

        [Theory]
        [InlineData("t1059")]
        [InlineData("T105")]
        [InlineData("T1059.1")]
        [InlineData("T1059.0001")]
        [InlineData("TA0002")]
        public void Parse_MalformedId_ReportsFileAndLine(string id)
        {
            var ex = Fails(Catalog(id + "\tSomething\tExecution\tWindows\tprocess_creation"));

            Assert.Equal($"techniques.tsv:3: '{id}' is not a technique id (T1234 or T1234.001)", Assert.Single(ex.Problems));
        }

        [Fact]
        public void Parse_SubTechniqueWithoutParent_ReportsTheSubTechniquesLine()
        {
            var ex = Fails(Catalog(
                "T1003\tOS Credential Dumping\tCredentialAccess\tWindows\tprocess_access",
                "T1059.001\tPowerShell\tExecution\tWindows\tpowershell_script"));

            Assert.Equal("techniques.tsv:4: sub-technique T1059.001 has no parent row T1059", Assert.Single(ex.Problems));
        }

        [Fact]
        public void Parse_UnknownSourceTacticOrPlatform_EachReportedWithItsLine()
        {
            var ex = Fails(Catalog(
                "T1059\tCommand and Scripting Interpreter\tExecution\tWindows\tprocess_creation;etw_magic",
                "T1003\tOS Credential Dumping\tCredentialAccess;Stealth\tWindows\tprocess_access",
                "T1005\tData from Local System\tCollection\tmacOS\t-"));

            Assert.Equal(3, ex.Problems.Count);
            Assert.StartsWith("techniques.tsv:3: T1059: unknown source 'etw_magic'", ex.Problems[0]);
            Assert.StartsWith("techniques.tsv:4: T1003: unknown tactic 'Stealth'", ex.Problems[1]);
            Assert.StartsWith("techniques.tsv:5: T1005: unknown platform 'macOS'", ex.Problems[2]);
        }

        [Fact]
        public void Parse_SourceOfAPlatformTheRowDoesNotList_IsReported()
        {
            var ex = Fails(Catalog("T1059\tCommand and Scripting Interpreter\tExecution\tWindows\tlinux_process"));

            Assert.Equal("techniques.tsv:3: T1059: source 'linux_process' is a Linux log and the row does not list that platform", Assert.Single(ex.Problems));
        }

        [Fact]
        public void Parse_WrongColumnCountOrMissingHeader_IsReported()
        {
            var columns = Fails(Catalog("T1059\tCommand and Scripting Interpreter\tExecution\tWindows"));
            Assert.Equal("techniques.tsv:3: 4 tab-separated columns; a row has 5 (id, name, tactics, platforms, sources)", Assert.Single(columns.Problems));

            var header = Fails("T1059\tCommand and Scripting Interpreter\tExecution\tWindows\tprocess_creation\n");
            Assert.StartsWith("techniques.tsv:1: the first line that is not a comment must be the header", Assert.Single(header.Problems));
        }

        [Fact]
        public void Load_RepositoryCatalog_IsValidAndCoversBothPlatformsWithoutPreAttackTactics()
        {
            AttackCatalog catalog = AttackCatalog.Load(RepositoryCatalog);

            Assert.InRange(catalog.Techniques.Count, 400, 550);
            Assert.True(catalog.Techniques.Count(t => t.Platforms.Contains(AttackPlatform.Windows)) >= 260, "Windows rows");
            Assert.True(catalog.Techniques.Count(t => t.Platforms.Contains(AttackPlatform.Linux)) >= 200, "Linux rows");
            Assert.All(catalog.Techniques, t => Assert.DoesNotContain(Tactic.Generic, t.Tactics));
            Assert.Contains(catalog.Techniques, t => !t.IsObservable);
            Assert.Equal("LSASS Memory", catalog.Find("T1003.001")?.Name);
        }
    }
}
