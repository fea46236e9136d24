using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Sensors.Replay;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Rules
{
    /// <summary>
    /// The administration this product's own users do every day raises nothing: a plain incoming PowerShell
    /// remoting session, an Intune management extension script, a remediation script that only reads state
    /// (tests/data/admin). What is done through such a session still alerts.
    /// </summary>
    public sealed class AdminToolingTests : IDisposable
    {
        private static readonly string AdminDir = Path.Combine(TestPaths.RepositoryRoot, "tests", "data", "admin");
        private readonly string _temp = Path.Combine(Path.GetTempPath(), "bb-admin-" + Guid.NewGuid().ToString("N"));
        private readonly BehaviorEngine _engine = BehaviorEngine.Create(new EngineOptions());

        public AdminToolingTests() => Directory.CreateDirectory(_temp);

        public void Dispose()
        {
            _engine.Dispose();
            Directory.Delete(_temp, recursive: true);
        }

        public static IEnumerable<object[]> Fixtures() =>
            Directory.EnumerateFiles(AdminDir, "*.jsonl").Select(f => new object[] { Path.GetFileName(f) }).OrderBy(o => (string)o[0], StringComparer.Ordinal);

        [Fact]
        public void Fixtures_CoverRemotingIntuneAndRemediation()
        {
            string[] names = Fixtures().Select(o => (string)o[0]).ToArray();
            Assert.Contains("powershell_remoting_session.jsonl", names);
            Assert.Contains("intune_management_extension_script.jsonl", names);
            Assert.Contains("remediation_detection_script.jsonl", names);
        }

        [Theory]
        [MemberData(nameof(Fixtures))]
        public void BuiltInPackAndModel_OnAdministration_RaiseNoDetection(string fixture)
        {
            string path = Path.Combine(AdminDir, fixture);
            Collector observer = Scan(path);

            Assert.Empty(observer.Problems);
            Assert.Equal(File.ReadLines(path).Count(l => l.Trim().Length > 0), observer.Events);
            Assert.True(observer.Detections.Count == 0,
                fixture + " raised " + string.Join(", ", observer.Detections.Select(d => d.Name + " (rules " + string.Join(" ", d.Evidence.Where(e => e.Kind == "rule").Select(e => e.Id)) + ")")));
        }

        [Fact]
        public void BuiltInPack_WhatIsDoneThroughARemoteSession_StillAlerts()
        {
            // The same session, where the remote command dumps LSASS with comsvcs.dll instead of reading state.
            string session = Path.Combine(AdminDir, "powershell_remoting_session.jsonl");
            string[] lines = File.ReadAllLines(session);
            int host = Array.FindIndex(lines, l => l.Contains("wsmprovhost.exe -Embedding", StringComparison.Ordinal) && l.Contains("\"EventID\": 1,", StringComparison.Ordinal));
            Assert.True(host >= 0, "the session fixture has no wsmprovhost start");
            string dump = lines[host]
                .Replace("\"ProcessId\": \"6120\"", "\"ProcessId\": \"6388\"", StringComparison.Ordinal)
                .Replace("{5a1e0c2b-0a12-65ed-2c04-000000000f00}\", \"ProcessId\"", "{5a1e0c2b-0a13-65ed-2d04-000000000f00}\", \"ProcessId\"", StringComparison.Ordinal)
                .Replace("\"Image\": \"C:\\\\Windows\\\\System32\\\\wsmprovhost.exe\"", "\"Image\": \"C:\\\\Windows\\\\System32\\\\rundll32.exe\"", StringComparison.Ordinal)
                .Replace("\"OriginalFileName\": \"wsmprovhost.exe\"", "\"OriginalFileName\": \"RUNDLL32.EXE\"", StringComparison.Ordinal)
                .Replace("\"CommandLine\": \"C:\\\\Windows\\\\system32\\\\wsmprovhost.exe -Embedding\"",
                    "\"CommandLine\": \"rundll32.exe C:\\\\Windows\\\\System32\\\\comsvcs.dll, MiniDump 664 C:\\\\Windows\\\\Temp\\\\m.dmp full\"", StringComparison.Ordinal)
                .Replace("\"ParentProcessGuid\": \"{5a1e0c2b-0001-65ed-1000-000000000f00}\", \"ParentProcessId\": \"912\", \"ParentImage\": \"C:\\\\Windows\\\\System32\\\\svchost.exe\", \"ParentCommandLine\": \"C:\\\\Windows\\\\system32\\\\svchost.exe -k DcomLaunch -p\"",
                    "\"ParentProcessGuid\": \"{5a1e0c2b-0a12-65ed-2c04-000000000f00}\", \"ParentProcessId\": \"6120\", \"ParentImage\": \"C:\\\\Windows\\\\System32\\\\wsmprovhost.exe\", \"ParentCommandLine\": \"C:\\\\Windows\\\\system32\\\\wsmprovhost.exe -Embedding\"", StringComparison.Ordinal)
                .Replace("\"EventRecordID\": ", "\"EventRecordID\": 9", StringComparison.Ordinal);
            Assert.Contains("comsvcs.dll, MiniDump", dump, StringComparison.Ordinal);
            Assert.Contains("\"ParentImage\": \"C:\\\\Windows\\\\System32\\\\wsmprovhost.exe\"", dump, StringComparison.Ordinal);
            string attack = Path.Combine(_temp, "remote_dump.jsonl");
            File.WriteAllLines(attack, lines.Take(host + 1).Append(dump).Concat(lines.Skip(host + 1)));

            Collector observer = Scan(attack);

            Assert.Contains(observer.Detections, d => d.Tactic == Tactic.CredentialAccess);
        }

        private Collector Scan(string path)
        {
            var observer = new Collector();
            ScanResult result = ScanService.Run(_engine, new ScanRequest { Paths = new[] { path } }, observer);
            observer.Events = result.Statistics.Events;
            return observer;
        }

        private sealed class Collector : IScanObserver
        {
            private readonly Dictionary<Guid, Detection> _detections = new Dictionary<Guid, Detection>();

            public List<Detection> Detections => _detections.Values.ToList();

            public List<string> Problems { get; } = new List<string>();

            public long Events { get; set; }

            public void OnDetection(Detection detection) => _detections[detection.Id] = detection;

            public void OnVerdict(VerdictEvent verdictEvent)
            {
            }

            public void OnProblem(ReplayProblem problem) => Problems.Add(problem.ToString());

            public void OnProgress(ScanProgress progress)
            {
            }

            public void OnStoreFailure(BehaviorBlockingException error) => Problems.Add(error.Message);
        }
    }
}
