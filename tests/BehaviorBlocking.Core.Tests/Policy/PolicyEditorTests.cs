using System;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>Edits of the policy in force: built on the current document, validated by parsing back, installed through the audited path.</summary>
    public sealed class PolicyEditorTests : IDisposable
    {
        private const string Existing = "{\n  \"schemaVersion\": 1,\n  \"version\": \"v1\",\n  \"mode\": \"Audit\",\n  \"defaults\": {\"action\": \"KillProcess\"},\n"
            + "  \"tactics\": {\"Execution\": {\"threshold\": 0.7}},\n  \"rules\": {\"r-1\": {\"action\": \"None\"}},\n"
            + "  \"exclusions\": [{\"image\": \"/opt/a/*\", \"justification\": \"a\"}, {\"user\": \"svc*\", \"justification\": \"b\"}, {\"host\": \"LAB-*\", \"justification\": \"c\"}]\n}";

        private static readonly PolicyActor Admin = new PolicyActor("admin", "MGMT-01");
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string Target => _temp.Combine("home", PolicyFile.FileName);

        private string Store => _temp.Combine("home", "store.db");

        private void WriteExisting()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
            File.WriteAllText(Target, Existing);
        }

        [Fact]
        public void Edit_NoPolicyFile_StartsFromTheDefaultAuditPolicy()
        {
            PolicyEditPlan plan = PolicyEditor.Edit(new PolicyEdit { Mode = PolicyMode.Block }, Target);

            Assert.True(plan.Previous.IsDefault);
            Assert.True(plan.TurnsBlockOn);
            Assert.Equal(new[] { "mode: Audit -> Block" }, plan.Changes);
            Assert.False(File.Exists(Target));
        }

        [Fact]
        public void Edit_SettingsForTactics_MergesExistingEntryAddsMissingOneAndKeepsTheRest()
        {
            WriteExisting();

            PolicyEditPlan plan = PolicyEditor.Edit(new PolicyEdit
            {
                Tactics = new[] { Tactic.Execution, Tactic.Persistence },
                Settings = new ResponseSettings { Quarantine = true },
            }, Target);

            PolicyDocument document = plan.Document;
            Assert.Equal(new[] { "Execution", "Persistence" }, document.Tactics.Select(t => t.Key));
            Assert.Equal(0.7, document.Tactics[0].Settings.Threshold);
            Assert.True(document.Tactics[0].Settings.Quarantine);
            Assert.Equal(ResponseAction.KillProcess, document.Defaults.Action);
            Assert.Single(document.Rules);
            Assert.Equal(3, document.Exclusions.Count);
            Assert.False(plan.TurnsBlockOn);
        }

        [Fact]
        public void Edit_DefaultsThreshold_ChangesOnlyTheDefaultsAndInstallsWithOneAuditRow()
        {
            WriteExisting();
            PolicyEditPlan plan = PolicyEditor.Edit(new PolicyEdit { Settings = new ResponseSettings { Threshold = 0.95 }, Version = "v2" }, Target);

            PolicySetResult result = plan.Install(Store, Admin);

            Assert.Equal(new[] { "version: v1 -> v2", "defaults.threshold: (unset) -> 0.95" }, result.Change.Changes);
            LoadedPolicy installed = PolicyFile.Load(Target);
            Assert.Equal(0.95, installed.Document.Defaults.Threshold);
            Assert.Equal(ResponseAction.KillProcess, installed.Document.Defaults.Action);
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            Assert.Equal("admin", Assert.Single(history.List()).User);
        }

        [Fact]
        public void Edit_ThresholdOutOfRange_IsPolicyFileInvalidAndTheFileStaysByteIdentical()
        {
            WriteExisting();
            byte[] before = File.ReadAllBytes(Target);

            var ex = Assert.Throws<PolicyInvalidException>(() => PolicyEditor.Edit(new PolicyEdit { Settings = new ResponseSettings { Threshold = 1.5 } }, Target));

            Assert.Contains("$.defaults.threshold", ex.Message);
            Assert.Equal(before, File.ReadAllBytes(Target));
        }

        [Fact]
        public void AddExclusion_NoCondition_IsPolicyFileInvalid()
        {
            var ex = Assert.Throws<PolicyInvalidException>(() => PolicyEditor.AddExclusion(new ExclusionDraft { Justification = "why" }, Target));

            Assert.Contains("$.exclusions[0]", ex.Message);
            Assert.False(File.Exists(Target));
        }

        [Fact]
        public void AddExclusion_Conditions_AppendsAtTheEndWithAnUpperCaseHash()
        {
            WriteExisting();
            var expires = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));

            PolicyEditPlan plan = PolicyEditor.AddExclusion(new ExclusionDraft { Sha256 = new string('a', 64), Host = "LAB-*", Expires = expires, Justification = "lab" }, Target);

            PolicyExclusion added = plan.Document.Exclusions[3];
            Assert.Equal(3, added.Index);
            Assert.Equal(new[] { ExclusionField.Sha256, ExclusionField.Host }, added.Conditions.Select(c => c.Field));
            Assert.Equal(new string('A', 64), added.Conditions[0].Value);
            Assert.Equal(expires.ToUniversalTime(), added.Expires);
            Assert.Equal(TimeSpan.Zero, added.Expires!.Value.Offset);
        }

        [Fact]
        public void RemoveExclusions_SeveralIndexes_RemovesThoseOfThePolicyInForceAndReportsMissingOnes()
        {
            WriteExisting();

            PolicyEditPlan plan = PolicyEditor.RemoveExclusions(new[] { 0, 2, 9 }, Target);

            PolicyExclusion kept = Assert.Single(plan.Document.Exclusions);
            Assert.Equal("b", kept.Justification);
            Assert.Equal(0, kept.Index);
            Assert.Equal(new[] { 9 }, plan.MissingExclusions);
        }

        [Fact]
        public void Install_PolicyReplacedAfterThePlan_IsPolicyChangedDuringEditAndKeepsTheOtherPolicy()
        {
            WriteExisting();
            PolicyEditPlan plan = PolicyEditor.Edit(new PolicyEdit { Mode = PolicyMode.Off }, Target);
            File.WriteAllText(Target, "{\"schemaVersion\": 1, \"version\": \"other\", \"mode\": \"Audit\"}");
            byte[] other = File.ReadAllBytes(Target);

            var ex = Assert.Throws<BehaviorBlockingException>(() => plan.Install(Store, Admin));

            Assert.Equal("PolicyChangedDuringEdit", ex.ErrorId);
            Assert.Equal(other, File.ReadAllBytes(Target));
            using PolicyHistory history = PolicyHistory.OpenReadOnly(Store);
            Assert.Empty(history.List());
        }

        [Fact]
        public void FromFile_InvalidSource_IsPolicyFileInvalidNamingTheSource()
        {
            string source = _temp.Combine("bad.json");
            File.WriteAllText(source, "{\"schemaVersion\": 1, \"version\": \"v9\", \"mode\": \"Blok\"}");

            var ex = Assert.Throws<PolicyInvalidException>(() => PolicyEditor.FromFile(source, Target));

            Assert.Equal(source, ex.Path);
        }

        [Fact]
        public void FromFile_BlockSource_SaysItTurnsBlockOnAndInstallsTheFileAsWritten()
        {
            WriteExisting();
            string source = _temp.Combine("block.json");
            File.WriteAllText(source, "{\"schemaVersion\": 1, \"version\": \"v3\", \"mode\": \"Block\"}");

            PolicyEditPlan plan = PolicyEditor.FromFile(source, Target);
            plan.Install(Store, Admin);

            Assert.True(plan.TurnsBlockOn);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(Target));
        }
    }
}
