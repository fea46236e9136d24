using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Tests.Rules
{
    /// <summary>Rules written as SigmaHQ writes them now load with the right tactic and log source.</summary>
    public class SigmaCompatibilityTests
    {
        [Theory]
        [InlineData("attack.initial-access", Tactic.InitialAccess)]
        [InlineData("attack.execution", Tactic.Execution)]
        [InlineData("attack.persistence", Tactic.Persistence)]
        [InlineData("attack.privilege-escalation", Tactic.PrivilegeEscalation)]
        [InlineData("attack.defense-evasion", Tactic.DefenseEvasion)]
        [InlineData("attack.stealth", Tactic.DefenseEvasion)]
        [InlineData("attack.defense-impairment", Tactic.DefenseEvasion)]
        [InlineData("attack.defense_impairment", Tactic.DefenseEvasion)]
        [InlineData("attack.credential-access", Tactic.CredentialAccess)]
        [InlineData("attack.credential_access", Tactic.CredentialAccess)]
        [InlineData("attack.discovery", Tactic.Discovery)]
        [InlineData("attack.lateral-movement", Tactic.LateralMovement)]
        [InlineData("attack.collection", Tactic.Collection)]
        [InlineData("attack.command-and-control", Tactic.CommandAndControl)]
        [InlineData("attack.exfiltration", Tactic.Exfiltration)]
        [InlineData("attack.impact", Tactic.Impact)]
        [InlineData("attack.t1059.001", Tactic.Generic)]
        public void Tags_BothSpellingsAndTheCurrentTacticSet_MapToTheProductsTactics(string tag, Tactic expected)
        {
            using var kit = new RuleTestKit();
            // SigmaHQ lists the technique first at times; the first tactic tag decides.
            kit.Write("r.yml", RuleTestKit.Rule("5f0b2a9e-1c3d-4e5f-8a7b-000000000001", "category: process_creation",
                "  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel", tags: "attack.t1059.001, " + tag + ", attack.execution"));
            SigmaRule rule = Assert.Single(kit.Load().Rules);
            Assert.Equal(expected == Tactic.Generic ? Tactic.Execution : expected, rule.Tactic);
            Assert.Contains("T1059.001", rule.Techniques);
        }

        [Theory]
        [InlineData("attack.stealth", "Stealth")]
        [InlineData("attack.defense-impairment", "Defense Impairment")]
        [InlineData("attack.defense-evasion", null)]
        [InlineData("attack.credential-access", null)]
        public void Tags_ATacticTheProductNamesOtherwise_IsKeptInTheRuleAndTheDetectionsEvidence(string tag, string? attack)
        {
            using var kit = new RuleTestKit();
            kit.Write("r.yml", RuleTestKit.Rule("5f0b2a9e-1c3d-4e5f-8a7b-000000000006", "category: process_creation",
                "  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel", tags: tag + ", attack.t1070"));
            RuleSet rules = kit.Load();
            Assert.Equal(attack, Assert.Single(rules.Rules).AttackTactic);

            Detection detection = Assert.Single(RuleTestKit.Run(rules, kit.ProcessStart(1, 4242, @"C:\Users\a\x.exe", "x.exe")));
            string evidence = Assert.Single(detection.Evidence, e => e.Kind == "rule").Description;
            if (attack is null)
            {
                Assert.DoesNotContain("ATT&CK tactic", evidence, System.StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(Tactic.DefenseEvasion, detection.Tactic);
                Assert.Contains("ATT&CK tactic " + attack, evidence, System.StringComparison.Ordinal);
            }
        }

        [Theory]
        [InlineData("service: dns-client")]
        [InlineData("service: appxdeployment-server")]
        [InlineData("service: appxpackaging-om")]
        [InlineData("service: appmodel-runtime")]
        [InlineData("service: iis-configuration")]
        [InlineData("service: smbclient-security")]
        [InlineData("service: smbclient-connectivity")]
        [InlineData("service: smbserver-security")]
        [InlineData("service: smbserver-connectivity")]
        [InlineData("service: lsa-server")]
        [InlineData("service: ldap")]
        [InlineData("service: applocker")]
        [InlineData("service: security-mitigations")]
        [InlineData("service: driver-framework")]
        [InlineData("service: kernel-shimengine")]
        [InlineData("service: shell-core")]
        [InlineData("service: ntfs")]
        [InlineData("service: vhdmp")]
        [InlineData("service: hyper-v-worker")]
        [InlineData("service: diagnosis-scripted")]
        [InlineData("service: certificateservicesclient-lifecycle-system")]
        [InlineData("service: microsoft-servicebus-client")]
        [InlineData("service: winrm")]
        [InlineData("service: dns-server-analytic")]
        [InlineData("category: file_rename")]
        [InlineData("category: file_access")]
        [InlineData("category: antivirus")]
        public void Logsources_OfSigmaHQsWindowsRules_Load(string logsource)
        {
            using var kit = new RuleTestKit();
            kit.Write("r.yml", RuleTestKit.Rule("5f0b2a9e-1c3d-4e5f-8a7b-000000000002", logsource,
                "  sel:\n    EventID: 1\n  condition: sel"));
            RuleSet rules = kit.Load();
            Assert.Empty(rules.Skipped.Select(s => s.ToString()));
            Assert.Single(rules.Rules);
        }

        [Fact]
        public void AppLocker_RuleOfTheService_SeesEveryAppLockerChannel()
        {
            using var kit = new RuleTestKit();
            kit.Write("r.yml", RuleTestKit.Rule("5f0b2a9e-1c3d-4e5f-8a7b-000000000003", "service: applocker",
                "  sel:\n    EventID: 8004\n  condition: sel"));
            RuleSet rules = kit.Load();
            Assert.Single(RuleTestKit.Matches(rules, kit.Event("Microsoft-Windows-AppLocker/EXE and DLL", 8004, 1, ("PolicyName", "EXE"))));
            Assert.Single(RuleTestKit.Matches(rules, kit.Event("Microsoft-Windows-AppLocker/MSI and Script", 8004, 2, ("PolicyName", "SCRIPT"))));
            Assert.Empty(RuleTestKit.Matches(rules, kit.Event("Security", 8004, 3)));
        }

        [Fact]
        public void FileAccess_SigmaFieldNames_ReadTheObjectAccessEvent()
        {
            using var kit = new RuleTestKit();
            kit.Write("r.yml", RuleTestKit.Rule("5f0b2a9e-1c3d-4e5f-8a7b-000000000004", "category: file_access",
                "  sel:\n    FileName|endswith: '\\Login Data'\n    Image|endswith: '\\powershell.exe'\n  condition: sel"));
            RuleSet rules = kit.Load();
            Assert.Single(RuleTestKit.Matches(rules, kit.Event("Security", 4663, 1,
                ("ObjectType", "File"), ("ObjectName", @"C:\Users\a\AppData\Local\Google\Chrome\User Data\Default\Login Data"),
                ("ProcessName", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"), ("AccessMask", "0x1"))));
            Assert.Empty(RuleTestKit.Matches(rules, kit.Event("Security", 4663, 2,
                ("ObjectType", "File"), ("ObjectName", @"C:\Users\a\AppData\Local\Google\Chrome\User Data\Default\Login Data"),
                ("ProcessName", @"C:\Program Files\Google\Chrome\Application\chrome.exe"))));
        }

        [Fact]
        public void Antivirus_SigmaFieldNames_ReadTheDefenderDetection()
        {
            using var kit = new RuleTestKit();
            kit.Write("r.yml", RuleTestKit.Rule("5f0b2a9e-1c3d-4e5f-8a7b-000000000005", "category: antivirus",
                "  sel:\n    Signature|contains: 'Mimikatz'\n  condition: sel", tags: "attack.credential-access"));
            RuleSet rules = kit.Load();
            Assert.Single(RuleTestKit.Matches(rules, kit.Event("Microsoft-Windows-Windows Defender/Operational", 1116, 1,
                ("Threat Name", "HackTool:Win32/Mimikatz.D"), ("Path", @"file:_C:\Users\a\Downloads\m.exe"))));
            Assert.Empty(RuleTestKit.Matches(rules, kit.Event("Microsoft-Windows-Windows Defender/Operational", 1116, 2,
                ("Threat Name", "Trojan:Win32/Wacatac.B!ml"), ("Path", @"file:_C:\Users\a\Downloads\x.exe"))));
        }
    }
}
