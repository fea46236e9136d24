using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Sensors.Windows.Etw
{
    /// <summary>
    /// Turns the kernel's names into the ones Sysmon writes and rules are written against: registry
    /// paths from <c>\REGISTRY\MACHINE\…</c> to <c>HKLM\…</c>, file paths from
    /// <c>\Device\HarddiskVolume3\…</c> to <c>C:\…</c>.
    /// </summary>
    internal static class EtwPaths
    {
        private const string RegistryMachine = @"\REGISTRY\MACHINE";
        private const string RegistryUser = @"\REGISTRY\USER";
        private const string ControlSetPrefix = @"HKLM\SYSTEM\ControlSet";

        /// <summary>
        /// <c>\REGISTRY\MACHINE\X</c> → <c>HKLM\X</c>, <c>\REGISTRY\USER\X</c> → <c>HKU\X</c>, and the numbered
        /// control set (<c>HKLM\SYSTEM\ControlSet001</c>) → <c>HKLM\System\CurrentControlSet</c> as Sysmon writes it.
        /// Other names are returned as they are.
        /// </summary>
        public static string Registry(string keyName)
        {
            string name = keyName;
            if (StartsWithSegment(name, RegistryMachine))
            {
                name = "HKLM" + name.Substring(RegistryMachine.Length);
            }
            else if (StartsWithSegment(name, RegistryUser))
            {
                name = "HKU" + name.Substring(RegistryUser.Length);
            }

            if (name.StartsWith(ControlSetPrefix, StringComparison.OrdinalIgnoreCase))
            {
                int digits = ControlSetPrefix.Length;
                int end = digits;
                while (end < name.Length && name[end] >= '0' && name[end] <= '9')
                {
                    end++;
                }

                if (end > digits && (end == name.Length || name[end] == '\\'))
                {
                    name = @"HKLM\System\CurrentControlSet" + name.Substring(end);
                }
            }

            return name;
        }

        /// <summary>A key name relative to <paramref name="baseKey"/> made absolute (either may be empty).</summary>
        public static string CombineKey(string? baseKey, string? relative)
        {
            if (string.IsNullOrEmpty(baseKey))
            {
                return relative ?? string.Empty;
            }

            if (string.IsNullOrEmpty(relative))
            {
                return baseKey!;
            }

            return baseKey!.TrimEnd('\\') + "\\" + relative!.TrimStart('\\');
        }

        /// <summary>
        /// A kernel file path in DOS form: the longest device prefix of <paramref name="devices"/> (device
        /// name → drive, e.g. <c>\Device\HarddiskVolume3</c> → <c>C:</c>) that ends at a path separator is
        /// replaced, <c>\??\</c> and <c>\\?\</c> prefixes are dropped, <c>\SystemRoot</c> becomes
        /// <paramref name="systemRoot"/>. Other paths (network redirector names, unknown devices) are returned as they are.
        /// </summary>
        public static string File(string path, IReadOnlyList<KeyValuePair<string, string>> devices, string? systemRoot)
        {
            if (path.Length == 0)
            {
                return path;
            }

            if (path.StartsWith(@"\??\", StringComparison.Ordinal) || path.StartsWith(@"\\?\", StringComparison.Ordinal))
            {
                return path.Substring(4);
            }

            if (systemRoot is not null && StartsWithSegment(path, @"\SystemRoot"))
            {
                return systemRoot.TrimEnd('\\') + path.Substring(@"\SystemRoot".Length);
            }

            int best = -1;
            int bestLength = 0;
            for (int i = 0; i < devices.Count; i++)
            {
                string device = devices[i].Key;
                if (device.Length > bestLength && StartsWithSegment(path, device))
                {
                    best = i;
                    bestLength = device.Length;
                }
            }

            return best < 0 ? path : devices[best].Value.TrimEnd('\\') + path.Substring(bestLength);
        }

        /// <summary>The last path segment (file name) of <paramref name="path"/>.</summary>
        public static string FileName(string path)
        {
            int slash = path.LastIndexOf('\\');
            return slash < 0 ? path : path.Substring(slash + 1);
        }

        // True when text starts with prefix (ignoring case) and the prefix ends at a '\' or at the end.
        private static bool StartsWithSegment(string text, string prefix) =>
            text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && (text.Length == prefix.Length || text[prefix.Length] == '\\');
    }
}
