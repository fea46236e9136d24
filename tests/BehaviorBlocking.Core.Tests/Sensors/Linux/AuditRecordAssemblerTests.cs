using System;
using BehaviorBlocking.Sensors.Linux;

namespace BehaviorBlocking.Tests.Sensors.Linux
{
    public sealed class AuditRecordAssemblerTests
    {
        private const string Header = "audit(1764650000.123:4242): ";

        private static string Syscall(string header = Header, string success = "yes", string pid = "4321", string key = "\"behaviorblock\"") =>
            header + "arch=c000003e syscall=59 success=" + success + " exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=4300 pid=" + pid
            + " auid=4294967295 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=(none) ses=4294967295 comm=\"cat\" exe=\"/usr/bin/cat\" subj=unconfined key=" + key;

        private static AuditExec? Event(AuditRecordAssembler assembler, string execve, string header = Header, string? syscall = null)
        {
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditSyscall, syscall ?? Syscall(header)));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditExecve, header + execve));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditCwd, header + "cwd=\"/tmp/work\""));
            Assert.Null(assembler.Add(1302, header + "item=0 name=\"/usr/bin/cat\" inode=1 dev=08:01 mode=0100755"));
            return assembler.Add(AuditRecordAssembler.AuditEoe, header);
        }

        [Fact]
        public void Add_PlainArguments_GivesTheExecWithEveryField()
        {
            AuditExec exec = Assert.IsType<AuditExec>(Event(new AuditRecordAssembler("behaviorblock"), "argc=2 a0=\"cat\" a1=\"/etc/shadow\""));

            Assert.Equal(4321, exec.Pid);
            Assert.Equal(4300, exec.ParentPid);
            Assert.Equal(1000u, exec.Uid);
            Assert.Equal("/usr/bin/cat", exec.Exe);
            Assert.Equal("/tmp/work", exec.Cwd);
            Assert.Equal("cat /etc/shadow", exec.CommandLine);
            Assert.Equal(4242ul, exec.Serial);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764650000123), exec.Time);
            Assert.False(exec.Truncated);
        }

        [Fact]
        public void Add_HexArguments_AreDecoded()
        {
            // sh -c 'cat /etc/shadow > /dev/null': the third argument holds spaces, so the kernel writes it in hex.
            string hex = Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes("cat /etc/shadow > /dev/null"));
            AuditExec exec = Assert.IsType<AuditExec>(Event(new AuditRecordAssembler("behaviorblock"), "argc=3 a0=\"sh\" a1=\"-c\" a2=" + hex));

            Assert.Equal("sh -c cat /etc/shadow > /dev/null", exec.CommandLine);
        }

        [Fact]
        public void Add_LongArgumentSplitInChunksAndOverTwoRecords_IsJoinedInOrder()
        {
            var assembler = new AuditRecordAssembler("behaviorblock");
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditSyscall, Syscall()));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditExecve, Header + "argc=3 a0=\"echo\" a1_len=12 a1[0]=" + Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes("hello "))));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditExecve, Header + "a1[1]=\"world!\" a2=\"end\""));
            AuditExec exec = Assert.IsType<AuditExec>(assembler.Add(AuditRecordAssembler.AuditEoe, Header));

            Assert.Equal("echo hello world! end", exec.CommandLine);
            Assert.Null(exec.Cwd);
        }

        [Fact]
        public void Add_HexEncodedExecutableAndFolder_AreDecoded()
        {
            var assembler = new AuditRecordAssembler("behaviorblock");
            string exe = Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes("/tmp/my tool"));
            string syscall = Syscall().Replace("exe=\"/usr/bin/cat\"", "exe=" + exe, StringComparison.Ordinal);
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditSyscall, syscall));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditExecve, Header + "argc=1 a0=" + exe));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditCwd, Header + "cwd=" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes("/tmp/a b"))));
            AuditExec exec = Assert.IsType<AuditExec>(assembler.Add(AuditRecordAssembler.AuditEoe, Header));

            Assert.Equal("/tmp/my tool", exec.Exe);
            Assert.Equal("/tmp/my tool", exec.CommandLine);
            Assert.Equal("/tmp/a b", exec.Cwd);
        }

        [Fact]
        public void Add_FailedExecOrAnotherRulesKey_IsIgnored()
        {
            var assembler = new AuditRecordAssembler("behaviorblock");
            Assert.Null(Event(assembler, "argc=1 a0=\"cat\"", syscall: Syscall(success: "no")));
            Assert.Null(Event(assembler, "argc=1 a0=\"cat\"", header: "audit(1764650000.124:4243): ", syscall: Syscall("audit(1764650000.124:4243): ", key: "\"other\"")));
            Assert.Null(Event(assembler, "argc=1 a0=\"cat\"", header: "audit(1764650000.125:4244): ", syscall: Syscall("audit(1764650000.125:4244): ", key: "(null)")));

            Assert.Equal(3, assembler.Ignored);
            Assert.Equal(0, assembler.PendingCount);
        }

        [Fact]
        public void Add_MissingFields_GivesWhatIsKnownOrNothing()
        {
            var assembler = new AuditRecordAssembler("behaviorblock");

            // No EXECVE record: not an exec with arguments.
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditSyscall, Syscall()));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditEoe, Header));

            // No exe, no uid, no cwd: the command line still comes.
            string bare = "audit(1764650001.000:5000): arch=c000003e syscall=59 success=yes pid=77 key=\"behaviorblock\"";
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditSyscall, bare));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditExecve, "audit(1764650001.000:5000): argc=1 a0=\"true\""));
            AuditExec exec = Assert.IsType<AuditExec>(assembler.Add(AuditRecordAssembler.AuditEoe, "audit(1764650001.000:5000): "));
            Assert.Equal(77, exec.Pid);
            Assert.Null(exec.Exe);
            Assert.Null(exec.Uid);
            Assert.Equal("true", exec.CommandLine);
        }

        [Theory]
        [InlineData("")]
        [InlineData("garbage")]
        [InlineData("audit(")]
        [InlineData("audit(abc.def:ghi): pid=1")]
        [InlineData("audit(1.2:3")]
        [InlineData("audit(99999999999999999999.1:1): pid=1")]
        [InlineData("audit(1.1000:1): pid=1")]
        public void Add_Garbage_IsCountedNeverThrown(string text)
        {
            var assembler = new AuditRecordAssembler("behaviorblock");

            Assert.Null(assembler.Add(AuditRecordAssembler.AuditSyscall, text));
            Assert.Null(assembler.Add(AuditRecordAssembler.AuditExecve, text));
            Assert.Equal(2, assembler.Malformed);
        }

        [Fact]
        public void Add_BadHexAndBadNumbers_AreCountedAndTheRestKept()
        {
            var assembler = new AuditRecordAssembler("behaviorblock");
            AuditExec exec = Assert.IsType<AuditExec>(Event(assembler, "argc=3 a0=\"cat\" a1=ZZ12 a2=\"x\" a=b =c junk"));

            Assert.Equal("cat  x", exec.CommandLine);
            Assert.Equal(1, assembler.Malformed);
        }

        [Fact]
        public void Add_BeyondTheBounds_TruncatesArgumentsAndBytesAndPendingEvents()
        {
            var assembler = new AuditRecordAssembler("behaviorblock", maxArguments: 3, maxBytes: 64, maxPending: 2);
            AuditExec few = Assert.IsType<AuditExec>(Event(assembler, "argc=5 a0=\"a\" a1=\"b\" a2=\"c\" a3=\"d\" a4=\"e\""));
            Assert.Equal("a b c", few.CommandLine);
            Assert.True(few.Truncated);

            string big = new string('x', 100);
            AuditExec longOne = Assert.IsType<AuditExec>(Event(assembler, "argc=1 a0=\"" + big + "\"", header: "audit(1.000:2): ", syscall: Syscall("audit(1.000:2): ")));
            Assert.Equal(64, longOne.CommandLine!.Length);
            Assert.True(longOne.Truncated);

            // Three events whose end never comes: the oldest is finished (or dropped) to keep two pending.
            for (int i = 0; i < 3; i++)
            {
                string header = "audit(2.000:" + (100 + i) + "): ";
                assembler.Add(AuditRecordAssembler.AuditSyscall, Syscall(header));
                assembler.Add(AuditRecordAssembler.AuditExecve, header + "argc=1 a0=\"p" + i + "\"");
            }

            Assert.Equal(2, assembler.PendingCount);
            Assert.Equal(1, assembler.DroppedPending);
        }

        /// <summary>A record as the kernel sends it to the audit daemon: nlmsg_len is the text's length alone (audit's quirk).</summary>
        private static byte[] Datagram(int type, string text)
        {
            byte[] body = System.Text.Encoding.ASCII.GetBytes(text);
            var data = new byte[16 + body.Length];
            BitConverter.GetBytes((uint)body.Length).CopyTo(data, 0);
            BitConverter.GetBytes((ushort)type).CopyTo(data, 4);
            body.CopyTo(data, 16);
            return data;
        }

        [Fact]
        public void HandleDatagram_KernelRecords_AreAssembledAndTakenByPidAndTime()
        {
            using var reader = new LinuxAuditExecReader();
            foreach (byte[] datagram in new[]
            {
                Datagram(AuditRecordAssembler.AuditSyscall, Syscall()),
                Datagram(1321, Header + "fver=0 fp=0"),
                Datagram(AuditRecordAssembler.AuditExecve, Header + "argc=2 a0=\"cat\" a1=\"/etc/shadow\""),
                Datagram(AuditRecordAssembler.AuditCwd, Header + "cwd=\"/root\""),
                Datagram(1327, Header + "proctitle=636174"),
                Datagram(AuditRecordAssembler.AuditEoe, Header),
                new byte[] { 1, 2, 3 },
            })
            {
                reader.HandleDatagram(datagram, datagram.Length);
            }

            DateTimeOffset time = DateTimeOffset.FromUnixTimeMilliseconds(1764650000123);
            Assert.Equal(1, reader.Execs);
            Assert.Equal(1, reader.Malformed);
            Assert.Null(reader.TryTake(4321, time.AddSeconds(10), null));
            Assert.Null(reader.TryTake(4321, time, "/usr/bin/other"));
            Assert.Null(reader.TryTake(4322, time, null));
            AuditExec exec = Assert.IsType<AuditExec>(reader.TryTake(4321, time.AddMilliseconds(30), "/usr/bin/cat"));
            Assert.Equal("cat /etc/shadow", exec.CommandLine);
            Assert.Equal("/root", exec.Cwd);
            Assert.Null(reader.TryTake(4321, time, null));
        }

        [Fact]
        public void HasOwnKey_TheRuleItBuilds_IsRecognisedAndAnotherKeyIsNot()
        {
            byte[] rule = LinuxAuditExecReader.BuildRule((0xC000003Eu, new[] { 59, 322 }));
            Assert.True(LinuxAuditExecReader.HasOwnKey(rule, 0, rule.Length));

            byte[] other = (byte[])rule.Clone();
            other[other.Length - 1] = (byte)'X';
            Assert.False(LinuxAuditExecReader.HasOwnKey(other, 0, other.Length));
            Assert.False(LinuxAuditExecReader.HasOwnKey(rule, 0, 100));
        }

        [Fact]
        public void Decide_AnotherLiveDaemon_IsNotTakenOver_ADeadOneIs()
        {
            var owned = new AuditStatus { Enabled = 1, Pid = 999_999 };

            (LinuxAuditState state, string? reason) = LinuxAuditExecReader.Decide(owned, 1234, pid => pid == 999_999);
            Assert.Equal(LinuxAuditState.OwnedByAnotherProcess, state);
            Assert.Contains("PID 999999", reason);

            Assert.Equal(LinuxAuditState.Active, LinuxAuditExecReader.Decide(owned, 1234, _ => false).State);
            Assert.Equal(LinuxAuditState.Active, LinuxAuditExecReader.Decide(default, 1234, _ => true).State);
            Assert.Equal(LinuxAuditState.InUseInThisProcess, LinuxAuditExecReader.Decide(new AuditStatus { Pid = 1234 }, 1234, _ => true).State);
            Assert.Equal(LinuxAuditState.LeftAlone, LinuxAuditExecReader.Decide(new AuditStatus { Enabled = 2 }, 1234, _ => false).State);
            Assert.Equal(LinuxAuditState.LeftAlone, LinuxAuditExecReader.Decide(new AuditStatus { Failure = 2 }, 1234, _ => false).State);
        }
    }
}
