using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>
    /// Makes files and folders read-only for this process, for real: by permissions for an ordinary
    /// user, and for root (whom permissions do not stop) by the immutable attribute (<c>chattr +i</c>).
    /// Each path is checked to refuse a write before it counts; dispose makes them writable again.
    /// </summary>
    internal sealed class ReadOnlyPaths : IDisposable
    {
        private readonly List<(string Path, bool Folder)> _made = new List<(string, bool)>();

        /// <summary>Why the last path could not be made read-only (the test then says so and stops).</summary>
        public string? Reason { get; private set; }

        /// <summary>Makes <paramref name="path"/> read-only; false (with <see cref="Reason"/>) where this machine cannot.</summary>
        public bool TryMake(string path)
        {
            bool folder = Directory.Exists(path);
            if (!OperatingSystem.IsLinux())
            {
                Reason = "read-only files and folders are only set up on Linux";
                return false;
            }

            if (Environment.IsPrivilegedProcess)
            {
                if (!Chattr("+i", path, out string error))
                {
                    Reason = "running as root, and 'chattr +i " + path + "' failed: " + error;
                    return false;
                }
            }
            else
            {
                File.SetUnixFileMode(path, folder
                    ? UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                    : UnixFileMode.UserRead | UnixFileMode.GroupRead);
            }

            _made.Add((path, folder));
            if (Refuses(path, folder))
            {
                return true;
            }

            Reason = "'" + path + "' still accepts writes";
            return false;
        }

        public void Dispose()
        {
            for (int i = _made.Count - 1; i >= 0; i--)
            {
                (string path, bool folder) = _made[i];
                if (Environment.IsPrivilegedProcess)
                {
                    Chattr("-i", path, out _);
                }
                else if (OperatingSystem.IsLinux())
                {
                    File.SetUnixFileMode(path, folder
                        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        : UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }

            _made.Clear();
        }

        private static bool Refuses(string path, bool folder)
        {
            try
            {
                if (folder)
                {
                    string probe = Path.Combine(path, "probe-" + Guid.NewGuid().ToString("N"));
                    File.WriteAllText(probe, "x");
                    File.Delete(probe);
                }
                else
                {
                    using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
                    {
                    }
                }

                return false;
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException)
            {
                return true;
            }
        }

        private static bool Chattr(string flag, string path, out string error)
        {
            try
            {
                var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                start.ArgumentList.Add(flag);
                start.ArgumentList.Add(path);
                using Process process = Process.Start(start)!;
                error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                error = ex.Message;
                return false;
            }
        }
    }
}
