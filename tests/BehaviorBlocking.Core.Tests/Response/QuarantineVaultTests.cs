using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using BehaviorBlocking.Response;
using BehaviorBlocking.Tests.TestSupport;

namespace BehaviorBlocking.Tests.Response
{
    public sealed class QuarantineVaultTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public QuarantineVaultTests()
        {
            Directory.CreateDirectory(_temp.Combine("files"));
        }

        private string VaultFolder => _temp.Combine("home", "quarantine");

        public void Dispose() => _temp.Dispose();

        [UnixFact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        public void AddThenRestore_RoundTrip_ContentHashModeAndOwnerRestored()
        {
            string file = WriteFile("payload.bin", 300_000, seed: 1);
            string sha = Sha(file);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherExecute);
            if (OperatingSystem.IsLinux() && Environment.UserName == "root")
            {
                Chown(file, 4242, 4343);
            }

            var vault = new QuarantineVault(VaultFolder, null);
            QuarantineEntry entry = vault.Add(file, null, "test");

            Assert.False(File.Exists(file));
            Assert.Equal(sha, entry.Sha256);
            Assert.Equal(300_000, entry.Length);
            Assert.Equal(Convert.ToInt32("741", 8), entry.Mode);
            string stored = Path.Combine(VaultFolder, entry.Id.ToString("D") + ".bbq");
            Assert.True(File.Exists(stored));
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(stored) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(VaultFolder));
            Assert.False(ContainsRun(File.ReadAllBytes(stored), File.ReadAllBytes(_temp.Combine("originals", "payload.bin"))), "the stored content shows the original's bytes");

            QuarantineEntry restored = new QuarantineVault(VaultFolder, null).Restore(entry.Id);

            Assert.Equal(QuarantineState.Restored, restored.State);
            Assert.Equal(sha, Sha(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(file));
            if (OperatingSystem.IsLinux() && Environment.UserName == "root")
            {
                Assert.Equal((4242L, 4343L), Owner(file));
                Assert.Equal(4242, entry.UserId);
            }

            QuarantineEntry listed = Assert.Single(new QuarantineVault(VaultFolder, null).List());
            Assert.Equal(QuarantineState.Restored, listed.State);
            Assert.Equal(file, listed.OriginalPath);
            Assert.True(new FileInfo(stored).Length < 4096, "the restored entry kept its content");
            var again = Assert.Throws<BehaviorBlockingException>(() => vault.Restore(entry.Id));
            Assert.Equal("QuarantineAlreadyRestored", again.ErrorId);
        }

        [Fact]
        public void Restore_TargetExists_RefusesAndLeavesBoth()
        {
            string file = WriteFile("a.bin", 1000, seed: 2);
            var vault = new QuarantineVault(VaultFolder, null);
            QuarantineEntry entry = vault.Add(file, null, "test");
            File.WriteAllText(file, "someone else's");

            var ex = Assert.Throws<BehaviorBlockingException>(() => vault.Restore(entry.Id));

            Assert.Equal("QuarantineRestoreTargetExists", ex.ErrorId);
            Assert.Contains(file, ex.Message);
            Assert.Equal("someone else's", File.ReadAllText(file));
            Assert.Equal(QuarantineState.Held, vault.Get(entry.Id)!.State);
            Assert.Single(Directory.GetFiles(_temp.Combine("files")));
        }

        [Fact]
        public void Restore_FlippedContentByte_RefusesAsCorruptAndWritesNothing()
        {
            string file = WriteFile("b.bin", 70_000, seed: 3);
            var vault = new QuarantineVault(VaultFolder, null);
            QuarantineEntry entry = vault.Add(file, null, "test");
            string stored = entry.VaultFile!;
            byte[] bytes = File.ReadAllBytes(stored);
            bytes[bytes.Length - 100] ^= 0x01;
            File.WriteAllBytes(stored, bytes);

            var ex = Assert.Throws<BehaviorBlockingException>(() => vault.Restore(entry.Id));

            Assert.Equal("QuarantineEntryCorrupt", ex.ErrorId);
            Assert.Contains("SHA-256", ex.Message);
            Assert.Empty(Directory.GetFileSystemEntries(_temp.Combine("files")));
            Assert.DoesNotContain(Directory.GetFiles(VaultFolder), f => !f.EndsWith(".bbq", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal));
        }

        [Fact]
        public void List_FlippedHeaderByte_ListsTheEntryAsBrokenAndOthersNormally()
        {
            var vault = new QuarantineVault(VaultFolder, null);
            QuarantineEntry good = vault.Add(WriteFile("good.bin", 100, seed: 4), null, "test");
            QuarantineEntry bad = vault.Add(WriteFile("bad.bin", 100, seed: 5), null, "test");
            byte[] bytes = File.ReadAllBytes(bad.VaultFile!);
            bytes[40] ^= 0x20;
            File.WriteAllBytes(bad.VaultFile!, bytes);

            IReadOnlyList<QuarantineEntry> listed = vault.List();

            Assert.Equal(2, listed.Count);
            Assert.Equal(QuarantineState.Held, listed.Single(e => e.Id == good.Id).State);
            QuarantineEntry broken = listed.Single(e => e.Id == bad.Id);
            Assert.Equal(QuarantineState.Broken, broken.State);
            Assert.Contains("checksum", broken.Problem);
            Assert.Equal("QuarantineEntryCorrupt", Assert.Throws<BehaviorBlockingException>(() => vault.Restore(bad.Id)).ErrorId);
        }

        [Fact]
        public void Add_GuardRailRefuses_LeavesTheFileAndWritesNothing()
        {
            string file = WriteFile("critical.bin", 100, seed: 6);
            var vault = new QuarantineVault(VaultFolder, new RefuseAll("a platform-critical file"));

            var ex = Assert.Throws<BehaviorBlockingException>(() => vault.Add(file, null, "test"));

            Assert.Equal("QuarantineRefused", ex.ErrorId);
            Assert.Contains("a platform-critical file", ex.Message);
            Assert.True(File.Exists(file));
            Assert.Empty(vault.List());
        }

        [UnixFact]
        public void Add_SymbolicLink_RefusedAndNeitherLinkNorTargetTouched()
        {
            string target = WriteFile("target.bin", 100, seed: 7);
            string link = _temp.Combine("files", "link.bin");
            File.CreateSymbolicLink(link, target);
            var vault = new QuarantineVault(VaultFolder, null);

            var ex = Assert.Throws<BehaviorBlockingException>(() => vault.Add(link, null, "test"));

            Assert.Equal("QuarantineSourceNotRegularFile", ex.ErrorId);
            Assert.Contains("symbolic link", ex.Message);
            Assert.True(File.Exists(target));
            Assert.NotNull(new FileInfo(link).LinkTarget);
            Assert.Empty(vault.List());
        }

        [Fact]
        public void Add_MissingOrTooLargeOrDirectory_RefusedWithIds()
        {
            var vault = new QuarantineVault(VaultFolder, null, new QuarantineOptions { MaxFileBytes = 1000 });
            string big = WriteFile("big.bin", 1001, seed: 8);

            Assert.Equal("QuarantineSourceNotFound", Assert.Throws<BehaviorBlockingException>(() => vault.Add(_temp.Combine("files", "none"), null, "t")).ErrorId);
            Assert.Equal("QuarantineFileTooLarge", Assert.Throws<BehaviorBlockingException>(() => vault.Add(big, null, "t")).ErrorId);
            Assert.Equal("QuarantineSourceNotRegularFile", Assert.Throws<BehaviorBlockingException>(() => vault.Add(_temp.Combine("files"), null, "t")).ErrorId);
            Assert.Equal("QuarantineEntryNotFound", Assert.Throws<BehaviorBlockingException>(() => vault.Restore(Guid.NewGuid())).ErrorId);
            Assert.True(File.Exists(big));
        }

        [Fact]
        public void Add_CrashAtEveryStep_OriginalOrCompleteCopyExistsAndReopenRecovers()
        {
            int steps = 0;
            int finishedByRecovery = 0;
            for (int crashAt = 0; ; crashAt++)
            {
                string dir = _temp.Combine("crash-add-" + crashAt);
                Directory.CreateDirectory(dir);
                string file = Path.Combine(dir, "victim.bin");
                byte[] content = Content(200_000, seed: 9);
                File.WriteAllBytes(file, content);
                string vaultFolder = Path.Combine(dir, "vault");
                var faulty = new CrashingFileSystem(crashAt);
                bool completed;
                try
                {
                    new QuarantineVault(vaultFolder, null, null, faulty, null).Add(file, null, "crash test");
                    completed = true;
                }
                catch (SimulatedCrash)
                {
                    completed = false;
                }

                AssertNeverLost(file, content, vaultFolder);
                var reopened = new QuarantineVault(vaultFolder, null);
                AssertNeverLost(file, content, vaultFolder);
                Assert.DoesNotContain(Directory.GetFiles(vaultFolder), f => f.EndsWith(".tmp", StringComparison.Ordinal));
                IReadOnlyList<QuarantineEntry> entries = reopened.List();
                Assert.All(entries, e => Assert.Equal(QuarantineState.Held, e.State));
                finishedByRecovery += reopened.Recovered.Count(r => r.StartsWith("finished the interrupted quarantine", StringComparison.Ordinal));
                if (entries.Count == 1)
                {
                    // Recovery finished an entry whose original was left: the original is gone, the copy restores.
                    Assert.False(File.Exists(file), $"crash at step {crashAt}: both the original and the entry are left");
                    reopened.Restore(entries[0].Id);
                    Assert.Equal(content, File.ReadAllBytes(file));
                }
                else
                {
                    Assert.True(File.Exists(file), $"crash at step {crashAt}: neither the original nor a copy");
                    Assert.Equal(content, File.ReadAllBytes(file));
                }

                if (completed)
                {
                    steps = crashAt;
                    break;
                }
            }

            // Open (folder), then: create, header, content chunks, sync, rename, folder sync, removal, folder sync.
            Assert.True(steps >= 9, $"only {steps} steps were interrupted");
            Assert.True(finishedByRecovery >= 1, "no crash fell between the rename and the removal of the original");
        }

        [Fact]
        public void Restore_CrashAtEveryStep_FileInOneOfTheTwoPlacesAndReopenRecovers()
        {
            int steps = 0;
            int finishedByRecovery = 0;
            for (int crashAt = 0; ; crashAt++)
            {
                string dir = _temp.Combine("crash-restore-" + crashAt);
                Directory.CreateDirectory(dir);
                string file = Path.Combine(dir, "victim.bin");
                byte[] content = Content(150_000, seed: 10);
                File.WriteAllBytes(file, content);
                string vaultFolder = Path.Combine(dir, "vault");
                Guid id = new QuarantineVault(vaultFolder, null).Add(file, null, "crash test").Id;
                var faulty = new CrashingFileSystem(crashAt);
                bool completed;
                try
                {
                    new QuarantineVault(vaultFolder, null, null, faulty, null).Restore(id);
                    completed = true;
                }
                catch (SimulatedCrash)
                {
                    completed = false;
                }

                AssertNeverLost(file, content, vaultFolder);
                var reopened = new QuarantineVault(vaultFolder, null);
                AssertNeverLost(file, content, vaultFolder);
                Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".bbq-restore", StringComparison.Ordinal));
                Assert.DoesNotContain(Directory.GetFiles(vaultFolder), f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.EndsWith(".restoring", StringComparison.Ordinal));
                finishedByRecovery += reopened.Recovered.Count(r => r.StartsWith("finished the interrupted restore", StringComparison.Ordinal));
                QuarantineEntry entry = reopened.Get(id)!;
                if (File.Exists(file))
                {
                    Assert.Equal(content, File.ReadAllBytes(file));
                    Assert.Equal(QuarantineState.Restored, entry.State);
                }
                else
                {
                    Assert.Equal(QuarantineState.Held, entry.State);
                    reopened.Restore(id);
                    Assert.Equal(content, File.ReadAllBytes(file));
                }

                if (completed)
                {
                    steps = crashAt;
                    break;
                }
            }

            Assert.True(steps >= 10, $"only {steps} steps were interrupted");
            Assert.True(finishedByRecovery >= 1, "no crash fell between moving the file into place and marking the entry");
        }

        [UnixFact]
        public void Reopen_OriginalReplacedByAnotherFileAfterCrash_KeepsBoth()
        {
            string dir = _temp.Combine("swap");
            Directory.CreateDirectory(dir);
            string file = Path.Combine(dir, "victim.bin");
            byte[] content = Content(10_000, seed: 11);
            File.WriteAllBytes(file, content);
            string vaultFolder = Path.Combine(dir, "vault");

            // Crash right before the original is removed.
            var crash = Assert.Throws<SimulatedCrash>(() => new QuarantineVault(vaultFolder, null, null, new CrashingFileSystem(int.MaxValue, stopBefore: "DeleteIfSame"), null).Add(file, null, "t"));
            Assert.Equal("DeleteIfSame", crash.Step);

            // Another file with the same content now has the name (the copied one was moved away, so its inode
            // stays taken and the new file has another): it is not the file copied, and both are kept.
            File.Move(file, file + ".moved");
            File.WriteAllBytes(file, content);
            var reopened = new QuarantineVault(vaultFolder, null);

            Assert.Equal(content, File.ReadAllBytes(file));
            Assert.True(File.Exists(file + ".moved"));
            Assert.Single(reopened.List());
            Assert.Empty(reopened.Recovered);
        }

        private static void AssertNeverLost(string file, byte[] content, string vaultFolder)
        {
            bool original = File.Exists(file) && File.ReadAllBytes(file).AsSpan().SequenceEqual(content);
            bool copy = false;
            if (Directory.Exists(vaultFolder))
            {
                copy = VaultInspection.HasCompleteCopy(vaultFolder, Sha(content));
            }

            Assert.True(original || copy, "neither the original nor a complete quarantined copy exists");
        }

        private string WriteFile(string name, int length, int seed)
        {
            string path = _temp.Combine("files", name);
            byte[] content = Content(length, seed);
            File.WriteAllBytes(path, content);
            Directory.CreateDirectory(_temp.Combine("originals"));
            File.WriteAllBytes(_temp.Combine("originals", name), content);
            return path;
        }

        private static byte[] Content(int length, int seed)
        {
            var bytes = new byte[length];
            new Random(seed).NextBytes(bytes);

            // An ELF magic and a recognisable text, so the check that they are gone means something.
            if (length >= 64)
            {
                bytes[0] = 0x7F;
                bytes[1] = (byte)'E';
                bytes[2] = (byte)'L';
                bytes[3] = (byte)'F';
                System.Text.Encoding.ASCII.GetBytes("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR").CopyTo(bytes, 8);
            }

            return bytes;
        }

        private static bool ContainsRun(byte[] haystack, byte[] original)
        {
            byte[] needle = original.AsSpan(0, 16).ToArray();
            return haystack.AsSpan().IndexOf(needle) >= 0;
        }

        private static string Sha(string path) => Sha(File.ReadAllBytes(path));

        private static string Sha(byte[] content) => Convert.ToHexString(SHA256.HashData(content));

        private static void Chown(string path, int uid, int gid)
        {
            using var p = System.Diagnostics.Process.Start("chown", uid + ":" + gid + " " + path)!;
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        private static (long, long) Owner(string path)
        {
            using var p = new System.Diagnostics.Process { StartInfo = new System.Diagnostics.ProcessStartInfo("stat", "-c %u:%g " + path) { RedirectStandardOutput = true } };
            p.Start();
            string[] parts = p.StandardOutput.ReadToEnd().Trim().Split(':');
            p.WaitForExit();
            return (long.Parse(parts[0]), long.Parse(parts[1]));
        }

        private sealed class RefuseAll : IGuardRails
        {
            private readonly string _reason;

            public RefuseAll(string reason) => _reason = reason;

            public string? RefuseProcess(int processId) => _reason;

            public string? RefuseFile(string path) => _reason;
        }
    }
}
