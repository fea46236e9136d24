using System.Linq;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>Which mounted filesystems the fanotify sensors mark by default.</summary>
    public sealed class LinuxMountsTests
    {
        private const string MountInfo =
            "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
            + "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
            + "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw\n"
            + "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
            + "26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw\n"
            + "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
            + "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n"
            + "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
            + "40 27 254:0 /srv /mnt/with\\040space rw - ext4 /dev/vda rw\n"
            + "41 27 8:1 / /data\\040disk rw - xfs /dev/sdb1 rw\n"
            + "garbage line\n";

        [Fact]
        public void RealFileSystems_LeavesOutPseudoFileSystemsAndRepeatsOfOneDevice()
        {
            var real = LinuxMounts.RealFileSystems(LinuxMounts.Parse(MountInfo));

            Assert.Equal(new[] { "/dev/shm", "/", "/data disk" }, real.Select(m => m.MountPoint).ToArray());
            Assert.Equal(new[] { "tmpfs", "ext4", "xfs" }, real.Select(m => m.FileSystemType).ToArray());
        }

        [Fact]
        public void Parse_SkipsMalformedLines()
        {
            Assert.Equal(10, LinuxMounts.Parse(MountInfo).Count);
        }
    }
}
