using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Lab;
using BehaviorBlocking.Events;
using BehaviorBlocking.Features;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Rules;
using BehaviorBlocking.Tests.Rules;

namespace BehaviorBlocking.Tests.Features
{
    public sealed class TreeFeatureCollectorTests : IDisposable
    {
        private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
        private readonly RuleTestKit _kit = new RuleTestKit();

        public void Dispose() => _kit.Dispose();

        private static float F(TreeFeatureRow row, string name) => row.Features[FeatureSchema.IndexOf(name)];

        private List<TreeFeatureRow> Collect(RuleSet rules, params BehaviorEvent[] events)
        {
            var collector = new TreeFeatureCollector();
            var rows = new List<TreeFeatureRow>();
            collector.TreeCompleted += rows.Add;
            var pipeline = new BehaviorPipeline(new IDetector[] { new RuleDetector(rules), collector }, _ => { });
            foreach (BehaviorEvent e in events)
            {
                pipeline.Process(e);
            }

            pipeline.EndRecording();
            return rows;
        }

        [Fact]
        public void Schema_NamesAreUniqueAndIndexed()
        {
            Assert.Equal(FeatureSchema.Count, FeatureSchema.Names.Distinct().Count());
            Assert.Equal(0, FeatureSchema.IndexOf(FeatureSchema.Names[0]));
            Assert.Throws<ArgumentException>(() => FeatureSchema.IndexOf("nope"));
        }

        [Fact]
        public void Collect_OfficeMacroChain_FeaturesDescribeIt()
        {
            RuleSet rules = _kit.Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation",
                "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "high", "attack.execution", "EncodedPs")).Load();
            string payload = @"C:\Users\alice\AppData\Local\Temp\upd.exe";
            var rows = Collect(rules,
                _kit.ProcessStart(0, 100, @"C:\Office\WINWORD.EXE", "winword.exe doc.docm", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"),
                _kit.ProcessStart(2, 200, @"C:\Windows\System32\cmd.exe", "cmd /c powershell", parentPid: 100, parentImage: @"C:\Office\WINWORD.EXE"),
                _kit.ProcessStart(3, 300, @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell -nop -w hidden -enc " + new string('A', 60), parentPid: 200, parentImage: @"C:\Windows\System32\cmd.exe"),
                _kit.Event(Sysmon, 11, 4, ("ProcessGuid", "{00000000-0000-0000-0000-000000000300}"), ("ProcessId", "300"), ("Image", "powershell.exe"), ("TargetFilename", payload)),
                _kit.ProcessStart(5, 400, payload, payload, parentPid: 300, parentImage: @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"),
                _kit.Event(Sysmon, 13, 6, ("EventType", "SetValue"), ("ProcessGuid", "{00000000-0000-0000-0000-000000000400}"), ("ProcessId", "400"), ("Image", payload),
                    ("TargetObject", @"HKU\S-1\Software\Microsoft\Windows\CurrentVersion\Run\Upd"), ("Details", payload)),
                _kit.Event(Sysmon, 3, 7, ("ProcessGuid", "{00000000-0000-0000-0000-000000000400}"), ("ProcessId", "400"), ("Image", payload),
                    ("DestinationIp", "198.51.100.7"), ("DestinationPort", "8443"), ("Initiated", "true")),
                _kit.Event(Sysmon, 10, 8, ("SourceProcessGUID", "{00000000-0000-0000-0000-000000000400}"), ("SourceProcessId", "400"), ("SourceImage", payload),
                    ("TargetImage", @"C:\Windows\System32\lsass.exe"), ("GrantedAccess", "0x1010")));

            TreeFeatureRow tree = rows.Single(r => r.RootImage!.EndsWith("WINWORD.EXE", StringComparison.Ordinal));
            Assert.Equal(MathF.Log(1 + 4), F(tree, "processes"), 4);
            Assert.Equal(3, F(tree, "depth"));
            Assert.Equal(1, F(tree, "root_parent_explorer"));
            Assert.Equal(1, F(tree, "office_spawns_child"));
            Assert.Equal(1, F(tree, "any_powershell"));
            Assert.Equal(1, F(tree, "cmd_encoded"));
            Assert.Equal(1, F(tree, "cmd_base64_token"));
            Assert.True(F(tree, "cmd_suspicious_tokens") > 0);
            Assert.Equal(1, F(tree, "write_executable"));
            Assert.Equal(1, F(tree, "write_temp_or_public"));
            Assert.Equal(1, F(tree, "exe_written_then_run"));
            Assert.Equal(1, F(tree, "image_from_user_path"));
            Assert.Equal(1, F(tree, "autorun_registry"));
            Assert.Equal(MathF.Log(2), F(tree, "remote_ports_rare"), 4);
            Assert.Equal(MathF.Log(2), F(tree, "lsass_access"), 4);
            Assert.Equal(MathF.Log(2), F(tree, "access_mask_read_memory"), 4);
            Assert.Equal(0.75f, F(tree, "rule_score_execution"), 4);
            Assert.Equal(0, F(tree, "rule_score_persistence"));
            Assert.Equal(4, F(tree, "rule_max_level"));
            Assert.Equal(MathF.Log(1 + 3), F(tree, "first_signal_delay_log_s"), 4);
            Assert.Equal(new[] { new KeyValuePair<Tactic, string>(Tactic.Execution, "enc") }, tree.Signals);
        }

        [Fact]
        public void Collect_TreeWithoutSignals_HasNoSignalDelay()
        {
            var rows = Collect(RuleSet.Empty, _kit.ProcessStart(0, 100, @"C:\x\notepad.exe", "notepad", parentPid: 10, parentImage: @"C:\Windows\explorer.exe"));

            TreeFeatureRow tree = rows.Single(r => r.RootImage == @"C:\x\notepad.exe");
            Assert.Equal(-1, F(tree, "first_signal_delay_log_s"));
            Assert.Equal(0, F(tree, "rule_distinct"));
            Assert.Equal(0, F(tree, "rule_max_level"));
        }

        [Fact]
        public void Label_FollowsTheDocumentedMethod()
        {
            RuleSet rules = _kit.Write("enc.yml", RuleTestKit.Rule("enc", "category: process_creation",
                "  sel:\n    CommandLine|contains: ' -enc '\n  condition: sel", "high", "attack.execution", "EncodedPs")).Load();
            var rows = new List<(TreeFeatureRow, string)>();
            string[] tactics = { "Persistence", "Discovery", "Impact" };
            foreach (string tactic in tactics)
            {
                foreach (TreeFeatureRow row in Collect(rules,
                    _kit.ProcessStart(0, 100, @"C:\Windows\System32\svchost.exe", "svchost.exe -k netsvcs -p 123", parentPid: 10, parentImage: @"C:\Windows\System32\services.exe"),
                    _kit.ProcessStart(1, 200, @"C:\x\powershell.exe", "powershell -enc AAAA", parentPid: 11, parentImage: @"C:\Windows\explorer.exe"),
                    _kit.ProcessStart(2, 300, @"C:\x\odd.exe", "odd.exe " + tactic, parentPid: 12, parentImage: @"C:\Windows\explorer.exe")))
                {
                    rows.Add((row, tactic + ".jsonl"));
                }
            }

            var labels = tactics.Select(t => new FileLabel(t + ".jsonl", t, string.Empty, false)).Append(new FileLabel("other.jsonl", "Execution", string.Empty, false)).ToList();
            rows.Add((Collect(rules, _kit.ProcessStart(0, 200, @"C:\x\powershell.exe", "powershell -enc BBBB", parentPid: 11, parentImage: @"C:\Windows\explorer.exe"))
                .Single(r => r.RootImage == @"C:\x\powershell.exe"), "other.jsonl"));

            IReadOnlyList<LabeledTree> labeled = TreeLabeler.Label(rows, labels);

            Assert.All(labeled.Where(l => l.Row.RootImage!.EndsWith("svchost.exe", StringComparison.Ordinal)), l => Assert.Equal("Benign", l.Label));
            Assert.All(labeled.Where(l => l.Row.RootImage == @"C:\x\odd.exe"), l => Assert.Null(l.Label));
            Assert.All(labeled.Where(l => l.Row.RootImage == @"C:\x\powershell.exe" && l.Recording != "other.jsonl"),
                l => Assert.Equal(("Execution", "rule evidence of another tactic"), (l.Label, l.Reason)));
            Assert.Equal(("Execution", "rule evidence of the labeled tactic"), labeled.Where(l => l.Recording == "other.jsonl").Select(l => (l.Label, l.Reason)).Single());
        }
    }
}
