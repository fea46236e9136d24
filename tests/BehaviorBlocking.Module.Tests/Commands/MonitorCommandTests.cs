using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Module.Tests.TestSupport;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Module.Tests.Commands
{
    public sealed class MonitorCommandTests
    {
        [Fact]
        public void StartBehaviorMonitor_Replay_StreamsTheSampleDetectionsAndStoresThem()
        {
            using var session = new ModuleSession();
            var detections = session.Invoke<Detection>("Start-BehaviorMonitor -Path $p", ("p", ModuleSession.SamplesPath));
            Assert.Equal(9, detections.Count);
            Assert.All(detections, d => Assert.StartsWith("Behavior:Win32/", d.Name, StringComparison.Ordinal));
            Assert.True(File.Exists(ProductHome.DefaultStorePath));
            using DetectionStore store = DetectionStore.Open(ProductHome.DefaultStorePath);
            Assert.Equal(9, store.Count());
        }

        [Fact]
        public void StartBehaviorMonitor_ReplayNoStore_WritesNoStore_AndMalformedLinesAreWarningsWithFileAndLine()
        {
            using var session = new ModuleSession();
            string recording = Path.Combine(session.Home + "-files", "bad.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(recording)!);
            File.WriteAllText(recording, "{not json\n{\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"WS1\",\"TimeCreated\":\"2024-03-01T10:00:00Z\",\"EventRecordID\":1,\"ProcessId\":\"100\",\"Image\":\"C:\\\\x\\\\cmd.exe\"}\n");
            var detections = session.Invoke("Start-BehaviorMonitor -Path $p -NoStore", ("p", recording));
            Assert.Empty(detections);
            Assert.Contains(session.Warnings, w => w.Contains("bad.jsonl", StringComparison.Ordinal) && w.Contains("1", StringComparison.Ordinal));
            Assert.False(File.Exists(ProductHome.DefaultStorePath));
        }

        [Fact]
        public void StartBehaviorMonitor_ReplayOfNothingReadable_IsATerminatingError()
        {
            using var session = new ModuleSession();
            session.Invoke("Start-BehaviorMonitor -Path $p -NoStore", ("p", Path.Combine(session.Home, "missing.jsonl")));
            Assert.Contains(session.Errors, e => e.FullyQualifiedErrorId.StartsWith("InputUnreadable", StringComparison.Ordinal) || e.FullyQualifiedErrorId.StartsWith("InputNotFound", StringComparison.Ordinal));
        }

        [Fact]
        public void StartBehaviorMonitor_LiveWhatIf_StartsNothing()
        {
            using var session = new ModuleSession();
            Assert.Empty(session.Invoke("Start-BehaviorMonitor -Mode Block -WhatIf"));
            Assert.Empty(session.Invoke("Get-BehaviorMonitor"));
        }

        [LinuxRootFact]
        public void LiveMonitor_AsRoot_StartsReportsHealthAndStopsCleanly_ASecondOneIsRefused()
        {
            using var session = new ModuleSession();
            BehaviorMonitor started = Assert.Single(session.Invoke<BehaviorMonitor>("Start-BehaviorMonitor -Mode Audit -NoModel"));
            try
            {
                Assert.Equal(BehaviorBlocking.Policy.PolicyMode.Audit, started.Mode);
                Assert.NotEmpty(started.Sources);
                session.Invoke("Start-BehaviorMonitor -Mode Audit");
                Assert.Equal("MonitorAlreadyRunning", Assert.Single(session.Errors).FullyQualifiedErrorId.Split(',')[0]);

                using (Process.Start("/bin/true")!)
                {
                }

                BehaviorMonitor health = default!;
                for (int i = 0; i < 50; i++)
                {
                    health = Assert.Single(session.Invoke<BehaviorMonitor>("Get-BehaviorMonitor"));
                    if (health.Events > 0)
                    {
                        break;
                    }

                    System.Threading.Thread.Sleep(100);
                }

                Assert.True(health.Events > 0, "the live monitor counted events");
            }
            finally
            {
                BehaviorMonitor final = Assert.Single(session.Invoke<BehaviorMonitor>("Get-BehaviorMonitor | Stop-BehaviorMonitor -PassThru"));
                Assert.Equal(MonitorState.Stopped, final.State);
            }

            Assert.Empty(session.Invoke("Get-BehaviorMonitor"));
            session.Invoke("Stop-BehaviorMonitor -Id $id", ("id", started.Id));
            Assert.Equal("MonitorNotFound", Assert.Single(session.Errors).FullyQualifiedErrorId.Split(',')[0]);
        }
    }
}
