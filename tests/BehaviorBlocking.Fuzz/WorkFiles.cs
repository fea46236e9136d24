using System;
using System.Globalization;
using System.IO;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>
    /// Files the targets whose public API reads from disk (rule files, recordings) write each input
    /// to: one folder per process, under BEHAVIORBLOCKING_FUZZ_WORK when set (the afl script points
    /// it into out/fuzz), else the temp folder.
    /// </summary>
    internal static class WorkFiles
    {
        private static readonly Lazy<string> s_directory = new Lazy<string>(() =>
        {
            string parent = Environment.GetEnvironmentVariable("BEHAVIORBLOCKING_FUZZ_WORK") is { Length: > 0 } configured
                ? configured
                : Path.GetTempPath();
            string dir = Path.Combine(parent, "behaviorblocking-fuzz-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            return dir;
        });

        /// <summary>Writes <paramref name="content"/> to the file <paramref name="name"/> of this process's folder and returns its path.</summary>
        public static string Write(string name, byte[] content)
        {
            string path = Path.Combine(s_directory.Value, name);
            try
            {
                File.WriteAllBytes(path, content);
            }
            catch (DirectoryNotFoundException)
            {
                // Cleaned by an earlier Clean() in this process (tests do that): make it again.
                Directory.CreateDirectory(s_directory.Value);
                File.WriteAllBytes(path, content);
            }

            return path;
        }

        /// <summary>Removes this process's folder, if it made one.</summary>
        public static void Clean()
        {
            if (!s_directory.IsValueCreated)
            {
                return;
            }

            try
            {
                Directory.Delete(s_directory.Value, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover work folder holds only the last input.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
