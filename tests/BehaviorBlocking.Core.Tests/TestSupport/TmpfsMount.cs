using System;
using System.Diagnostics;
using System.IO;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>
    /// A tmpfs of the test's own, mounted on a fresh temp folder (root only), so fanotify marks placed on it
    /// gate nothing else on the machine. Dispose unmounts it (lazily, so a stuck file cannot keep it) and removes the folder.
    /// </summary>
    internal sealed class TmpfsMount : IDisposable
    {
        public TmpfsMount()
        {
            FullPath = Path.Combine(Path.GetTempPath(), "behaviorblocking-tmpfs-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(FullPath);
            (int code, string output) = Run("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", FullPath);
            if (code != 0)
            {
                Directory.Delete(FullPath);
                throw new InvalidOperationException("mount -t tmpfs failed (" + code + "): " + output);
            }
        }

        public string FullPath { get; }

        public string Combine(string name) => Path.Combine(FullPath, name);

        /// <summary>Copies an executable into the tmpfs, mode 0755; returns its path.</summary>
        public string CopyExecutable(string source, string name)
        {
            string target = Combine(name);
            File.Copy(source, target);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(target, (UnixFileMode)0x1ED);
            }
            return target;
        }

        public static (int Code, string Output) Run(string file, params string[] arguments)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(true);
            }

            return (process.ExitCode, output);
        }

        public void Dispose()
        {
            Run("umount", "-l", FullPath);
            try
            {
                Directory.Delete(FullPath, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
