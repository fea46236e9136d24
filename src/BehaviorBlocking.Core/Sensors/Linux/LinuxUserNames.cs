using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace BehaviorBlocking.Sensors.Linux
{
    /// <summary>
    /// Account names by uid from /etc/passwd, cached. An unknown uid re-reads the file at most every few
    /// seconds (a new account appears without a restart) and is otherwise named by its number. Not thread-safe.
    /// </summary>
    internal sealed class LinuxUserNames
    {
        private static readonly long s_rereadTicks = Stopwatch.Frequency * 5;
        private readonly string _passwdPath;
        private Dictionary<uint, string> _names = new Dictionary<uint, string>();
        private long _loadedAt = long.MinValue;

        internal LinuxUserNames(string passwdPath = "/etc/passwd") => _passwdPath = passwdPath;

        /// <summary>The account name of <paramref name="uid"/>, or its number as text.</summary>
        internal string NameOf(uint uid)
        {
            if (_names.TryGetValue(uid, out string? name))
            {
                return name;
            }

            long now = Stopwatch.GetTimestamp();
            if (_loadedAt == long.MinValue || now - _loadedAt > s_rereadTicks)
            {
                _loadedAt = now;
                _names = Load(_passwdPath);
                if (_names.TryGetValue(uid, out name))
                {
                    return name;
                }
            }

            return uid.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>Parses passwd text (<c>name:x:uid:gid:...</c>); the first line naming a uid wins.</summary>
        internal static Dictionary<uint, string> Parse(string text)
        {
            var names = new Dictionary<uint, string>();
            foreach (string line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                string[] parts = line.Split(':');
                if (parts.Length >= 3 && parts[0].Length > 0
                    && uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
                    && !names.ContainsKey(uid))
                {
                    names[uid] = parts[0];
                }
            }

            return names;
        }

        private static Dictionary<uint, string> Load(string path)
        {
            try
            {
                return Parse(File.ReadAllText(path));
            }
            catch (IOException)
            {
                return new Dictionary<uint, string>();
            }
            catch (UnauthorizedAccessException)
            {
                return new Dictionary<uint, string>();
            }
        }
    }
}
