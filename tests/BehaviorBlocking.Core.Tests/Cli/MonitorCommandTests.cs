using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BehaviorBlocking.Cli;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Pipeline;
using BehaviorBlocking.Store;
using BehaviorBlocking.Tests.Engine;
using BehaviorBlocking.Tests.Rules;
using BehaviorBlocking.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.Cli
{
    // With the whole-machine live tests: one of these runs this machine's real sensors (exec guard on every mount).
    [Xunit.Collection(BehaviorBlocking.Tests.EndToEnd.LiveMachineCollection.Name)]
    public sealed class MonitorCommandTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "bb-cli-monitor-" + Guid.NewGuid().ToString("N"));
        private readonly RuleTestKit _rules = new RuleTestKit();
        private readonly string _marker = "bbcli" + Guid.NewGuid().ToString("N").Substring(0, 12);

        public MonitorCommandTests()
        {
            Directory.CreateDirectory(_dir);
            _rules.Write("marker.yml", RuleTestKit.Rule("cli-" + _marker, "category: process_creation",
                "  sel:\n    CommandLine|contains: '" + _marker + "'\n  condition: sel", "high", "attack.execution", "Monitor"));
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            _rules.Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        private static (int Exit, string Out, string Err) Run(Func<MonitorSourceContext, IReadOnlyList<IEventSource>>? sources, params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = Program.Run(args, stdout, stderr, Array.Empty<IDetector>, null, sources);
            return (exit, stdout.ToString(), stderr.ToString());
        }

        [Theory]
        [InlineData("--mode", "off")]
        [InlineData("--mode", "kill")]
        [InlineData("--duration", "0")]
        [InlineData("--duration", "soon")]
        [InlineData("--duration", "-5s")]
        [InlineData("--stats-interval", "0s")]
        [InlineData("--format", "xml")]
        [InlineData("--store", "a.db", "--no-store")]
        [InlineData("--bogus")]
        [InlineData("--duration")]
        public void Monitor_BadArguments_ExitTwoNamingTheOption(params string[] arguments)
        {
            var (exit, output, err) = Run(null, new[] { "monitor" }.Concat(arguments).ToArray());

            Assert.Equal(Program.ExitUsage, exit);
            Assert.Equal(string.Empty, output);
            Assert.Contains(arguments[0], err, StringComparison.Ordinal);
        }

        [Fact]
        public void Monitor_ThisMachinesSensors_RunAsRootOrFailNamingThePrivilege()
        {
            var (exit, output, err) = Run(null, "monitor", "--no-builtin-rules", "--no-model", "--no-store", "--duration", "1500ms",
                "--stats-interval", "500ms", "--format", "jsonl");

            if (OperatingSystem.IsLinux() && BehaviorBlocking.Internal.Libc.geteuid() == 0)
            {
                // The real sensors: the process connector, the exec guard, fanotify file events and sock_diag connections.
                Assert.True(exit == Program.ExitOk, err);
                Assert.Equal(string.Empty, output);
                string health = err.Split('\n').Last(l => l.StartsWith("{", StringComparison.Ordinal));
                foreach (string source in new[] { "linux-process", "linux-network" })
                {
                    Assert.Contains(source, health, StringComparison.Ordinal);
                }

                Assert.DoesNotContain("\"failed\"", health, StringComparison.OrdinalIgnoreCase);
                return;
            }

            Assert.Equal(Program.ExitFailed, exit);
            Assert.Equal(string.Empty, output);
            string id = OperatingSystem.IsLinux() ? ErrorIds.MonitorRequiresElevation : ErrorIds.MonitorNoSensor;
            Assert.Contains("behaviorblock: " + id + ": ", err, StringComparison.Ordinal);
            Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        [Fact]
        public void Monitor_Jsonl_StdoutCarriesOnlyDetectionRecords_HealthGoesToStderr_AndTheRunIsStored()
        {
            string store = Path.Combine(_dir, "m.db");
            var push = new PushSource("cli-test");
            push.Push(MonitorTestKit.Start(3101, _marker));
            push.Push(MonitorTestKit.Start(3102, "benign"));

            var (exit, output, err) = Run(_ => new IEventSource[] { push }, "monitor", "--rules", _rules.Folder, "--no-builtin-rules", "--no-model",
                "--store", store, "--format", "jsonl", "--duration", "1500ms", "--stats-interval", "200ms");

            Assert.True(exit == Program.ExitOk, err);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            Assert.All(lines, line => Assert.Equal(3101, DetectionJson.Parse(line).ProcessId));
            string[] health = err.Split('\n').Where(l => l.StartsWith("{", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(health);
            using (JsonDocument last = JsonDocument.Parse(health.Last()))
            {
                Assert.Equal("health", last.RootElement.GetProperty("type").GetString());
                Assert.Equal("Stopped", last.RootElement.GetProperty("state").GetString());
                Assert.Equal(2, last.RootElement.GetProperty("events").GetInt64());
            }

            using DetectionStore opened = DetectionStore.OpenReadOnly(store);
            Assert.Equal(3101, Assert.Single(opened.Query(new DetectionQuery())).ProcessId);
            Assert.Contains(opened.ListScans(), s => s.Inputs.Contains("monitor:cli-test") && s.Status == ScanStatus.Completed);
        }

        [Fact]
        public void Monitor_Table_OneLinePerDetection_AndHealthLinesOnStderr()
        {
            var push = new PushSource();
            push.Push(MonitorTestKit.Start(3201, _marker));

            var (exit, output, err) = Run(_ => new IEventSource[] { push }, "monitor", "--rules", _rules.Folder, "--no-builtin-rules", "--no-model",
                "--no-store", "--duration", "1s", "--stats-interval", "300ms", "--service");

            Assert.True(exit == Program.ExitOk, err);
            string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("Behavior:", line, StringComparison.Ordinal);
            Assert.Contains("pid 3201", line, StringComparison.Ordinal);
            Assert.Contains("behaviorblock: health: up", err, StringComparison.Ordinal);
            Assert.Contains("monitor ended", err, StringComparison.Ordinal);
        }

        [Fact]
        public void Monitor_EverySourceFails_TheMonitorEndsAndExitsOne()
        {
            var (exit, _, err) = Run(_ => new IEventSource[] { new FailingSource() }, "monitor", "--no-builtin-rules", "--no-model", "--no-store");

            Assert.Equal(Program.ExitFailed, exit);
            Assert.Contains(ErrorIds.MonitorSourceFailed, err, StringComparison.Ordinal);
            Assert.Contains("the test sensor broke", err, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("30s", 30)]
        [InlineData("10m", 600)]
        [InlineData("2h", 7200)]
        [InlineData("1d", 86400)]
        [InlineData("250ms", 0.25)]
        [InlineData("45", 45)]
        [InlineData("1.5s", 1.5)]
        public void TryParseSpan_Units_GiveTheirSeconds(string text, double seconds)
        {
            Assert.True(MonitorCommand.TryParseSpan(text, "--duration", out TimeSpan value, out string? error), error);
            Assert.Equal(seconds, value.TotalSeconds, 6);
        }

        [UnixFact]
        public void ServiceNotifier_SendsTheStateAsOneDatagram()
        {
            string path = Path.Combine(_dir, "notify.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.ReceiveTimeout = 5000;
            using var notifier = new ServiceNotifier(path, null);

            Assert.True(notifier.Send("READY=1\nSTATUS=monitoring"));
            Assert.True(notifier.Send("STOPPING=1"));

            var buffer = new byte[256];
            Assert.Equal("READY=1\nSTATUS=monitoring", Encoding.UTF8.GetString(buffer, 0, listener.Receive(buffer)));
            Assert.Equal("STOPPING=1", Encoding.UTF8.GetString(buffer, 0, listener.Receive(buffer)));
        }

        [UnixFact]
        public void ServiceNotifier_NoListener_SendFailsQuietly()
        {
            using var notifier = new ServiceNotifier(Path.Combine(_dir, "nobody.sock"), null);
            Assert.False(notifier.Send("READY=1"));
        }
    }
}
