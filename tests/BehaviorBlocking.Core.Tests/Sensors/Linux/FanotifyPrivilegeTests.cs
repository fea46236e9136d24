using System;
using System.Runtime.InteropServices;
using System.Threading;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Sensors.Linux;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    /// <summary>
    /// Without CAP_SYS_ADMIN both fanotify sources fail with <c>FanotifyRequiresPrivilege</c>. Capabilities are
    /// per thread on Linux, so the test drops CAP_SYS_ADMIN from the effective set of one thread of its own
    /// (capset), runs the source there, and raises it again.
    /// </summary>
    public sealed class FanotifyPrivilegeTests
    {
        private const int CapSysAdmin = 21;

        private static Exception? OnThreadWithoutSysAdmin(Action action)
        {
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                IntPtr header = Marshal.AllocHGlobal(8);
                IntPtr data = Marshal.AllocHGlobal(24);
                try
                {
                    Marshal.WriteInt32(header, 0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3
                    Marshal.WriteInt32(header, 4, 0); // this thread
                    Assert.Equal(0, Internal.Libc.syscall(Capget, header.ToInt64(), data.ToInt64()));
                    int effective = Marshal.ReadInt32(data, 0);
                    Marshal.WriteInt32(data, 0, effective & ~(1 << CapSysAdmin));
                    Assert.Equal(0, Internal.Libc.syscall(Capset, header.ToInt64(), data.ToInt64()));
                    try
                    {
                        action();
                    }
                    catch (Exception ex)
                    {
                        failure = ex;
                    }
                    finally
                    {
                        Marshal.WriteInt32(data, 0, effective);
                        Internal.Libc.syscall(Capset, header.ToInt64(), data.ToInt64());
                    }
                }
                finally
                {
                    Marshal.FreeHGlobal(header);
                    Marshal.FreeHGlobal(data);
                }
            });
            thread.Start();
            thread.Join();
            return failure;
        }

        private static long Capget => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 90 : 125;

        private static long Capset => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 91 : 126;

        [LinuxRootFact]
        public void ExecGuardRun_WithoutSysAdmin_FailsWithFanotifyRequiresPrivilege()
        {
            using var mount = new TmpfsMount();
            var guard = new ExecGuard(new IndicatorExecutionGate(() => IndicatorSet.Empty, () => AuditPolicy.Instance), new ExecutableHashCache(),
                new ExecGuardOptions { Paths = new[] { mount.FullPath } });

            Exception? failure = OnThreadWithoutSysAdmin(() => guard.Run(new CollectingEventWriter(), CancellationToken.None));

            var error = Assert.IsType<BehaviorBlockingException>(failure);
            Assert.Equal("FanotifyRequiresPrivilege", error.ErrorId);
            Assert.Equal(FailureKind.AccessDenied, error.Kind);
            Assert.Contains("CAP_SYS_ADMIN", error.Message);
            Assert.Contains("fanotify_init", error.Message);
        }

        [LinuxRootFact]
        public void FileSensorRun_WithoutSysAdmin_FailsWithFanotifyRequiresPrivilege()
        {
            using var mount = new TmpfsMount();
            var sensor = new FanotifyFileSensor(new FanotifyFileSensorOptions { Paths = new[] { mount.FullPath } });

            Exception? failure = OnThreadWithoutSysAdmin(() => sensor.Run(new CollectingEventWriter(), CancellationToken.None));

            var error = Assert.IsType<BehaviorBlockingException>(failure);
            Assert.Equal("FanotifyRequiresPrivilege", error.ErrorId);
            Assert.Contains("CAP_SYS_ADMIN", error.Message);
            Assert.True(sensor.Started.IsFaulted);
        }
    }
}
