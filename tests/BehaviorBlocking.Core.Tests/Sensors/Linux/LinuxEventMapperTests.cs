using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Events;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Sensors.Windows;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public class LinuxEventMapperTests
    {
        private static EventRecord Record(string channel, int id, params (string Key, string Value)[] fields)
        {
            var list = new List<KeyValuePair<string, string>> { new KeyValuePair<string, string>(LinuxEvents.UtcTime, "2026-12-02 05:40:01.250") };
            foreach ((string key, string value) in fields)
            {
                list.Add(new KeyValuePair<string, string>(key, value));
            }

            return new EventRecord { Channel = channel, Provider = LinuxEvents.Provider, Computer = "host1", EventId = id, Fields = list };
        }

        [Theory]
        [InlineData(LinuxEvents.Channel)]
        [InlineData(LinuxEvents.SysmonForLinuxChannel)]
        public void Normalize_ProcessCreate_IsALinuxProcessStartTimedByUtcTime(string channel)
        {
            BehaviorEvent e = new WindowsEventNormalizer().Normalize(Record(channel, LinuxEvents.ProcessCreate,
                (LinuxEvents.ProcessId, "4242"), (LinuxEvents.Image, "/tmp/payload"), (LinuxEvents.CommandLine, "/tmp/payload -x"),
                (LinuxEvents.ParentProcessId, "17"), (LinuxEvents.ParentImage, "/usr/bin/bash"), (LinuxEvents.User, "root"),
                (LinuxEvents.Hashes, "SHA256=" + new string('a', 64))));

            Assert.Equal(EventKind.ProcessStart, e.Kind);
            Assert.Equal(DetectionPlatform.Linux, e.Platform);
            Assert.Equal(new DateTimeOffset(2026, 12, 2, 5, 40, 1, 250, TimeSpan.Zero), e.Time);
            Assert.Equal(4242, e.ProcessId);
            Assert.Equal("/tmp/payload", e.Image);
            Assert.Equal(17, e.ParentProcessId);
            Assert.Equal("/usr/bin/bash", e.ParentImage);
            Assert.Equal("root", e.User);
        }

        [Fact]
        public void Normalize_Rename_TargetPathIsTheOldNameAndTargetNameTheNew()
        {
            BehaviorEvent e = new WindowsEventNormalizer().Normalize(Record(LinuxEvents.Channel, LinuxEvents.FileRename,
                (LinuxEvents.ProcessId, "5"), (LinuxEvents.SourceFilename, "/tmp/x.timer"), (LinuxEvents.TargetFilename, "/etc/systemd/system/x.timer")));

            Assert.Equal(EventKind.FileRename, e.Kind);
            Assert.Equal("/tmp/x.timer", e.TargetPath);
            Assert.Equal("/etc/systemd/system/x.timer", e.TargetName);
        }

        [Fact]
        public void Normalize_ExecutionDenied_CarriesTheRefusedFileHashAndReason()
        {
            string hash = "SHA256=" + new string('b', 64);
            BehaviorEvent e = new WindowsEventNormalizer().Normalize(Record(LinuxEvents.Channel, LinuxEvents.ExecutionDenied,
                (LinuxEvents.ProcessId, "9"), (LinuxEvents.Image, "/usr/bin/dash"), (LinuxEvents.TargetFilename, "/tmp/payload"),
                (LinuxEvents.Hashes, hash), (LinuxEvents.State, "block indicator")));

            Assert.Equal(EventKind.ExecutionDenied, e.Kind);
            Assert.Equal(DetectionPlatform.Linux, e.Platform);
            Assert.Equal("/tmp/payload", e.TargetPath);
            Assert.Equal(hash, e.Hashes);
            Assert.Equal("block indicator", e.Details);
        }

        [Fact]
        public void Normalize_WindowsSysmon_StaysWin32()
        {
            BehaviorEvent e = new WindowsEventNormalizer().Normalize(Record("Microsoft-Windows-Sysmon/Operational", 1, (LinuxEvents.ProcessId, "1")));

            Assert.Equal(DetectionPlatform.Win32, e.Platform);
        }

        [Fact]
        public void ProcessGuid_IsStablePerProcessAndDiffersAcrossStartsAndBoots()
        {
            Guid a = LinuxProcessGuid.For("boot-1", 100, 5000);

            Assert.Equal(a, LinuxProcessGuid.For("boot-1", 100, 5000));
            Assert.NotEqual(a, LinuxProcessGuid.For("boot-1", 100, 5001));
            Assert.NotEqual(a, LinuxProcessGuid.For("boot-2", 100, 5000));
            Assert.NotEqual(a, LinuxProcessGuid.For("boot-1", 101, 5000));
        }

        [Fact]
        public void ProcessGuid_ForRunning_MatchesTheStatStartTimeOfThisProcess()
        {
            int pid = Environment.ProcessId;

            Guid? running = LinuxProcessGuid.ForRunning(pid);

            if (OperatingSystem.IsLinux())
            {
                Assert.NotNull(running);
                Assert.Equal(running, LinuxProcessGuid.ForRunning(pid));
            }
            else
            {
                Assert.Null(running);
            }
        }
    }
}
