using System;
using System.Collections.Generic;
using System.Globalization;

namespace BehaviorBlocking.Sensors.Windows
{
    /// <summary>
    /// Sysmon's event field names and field text, shared by every source written in its schema: the Windows ETW sensor
    /// (<see cref="Etw.WindowsEtwEvents"/>) and the Linux sensors (<see cref="Linux.LinuxEvents"/>) name and fill their fields from here.
    /// </summary>
    internal static class SysmonFields
    {
        /// <summary>When it happened, <c>yyyy-MM-dd HH:mm:ss.fff</c> UTC.</summary>
        internal const string UtcTime = "UtcTime";

        /// <summary>Process guid.</summary>
        internal const string ProcessGuid = "ProcessGuid";

        /// <summary>Process id.</summary>
        internal const string ProcessId = "ProcessId";

        /// <summary>Full path of the executable.</summary>
        internal const string Image = "Image";

        /// <summary>Command line.</summary>
        internal const string CommandLine = "CommandLine";

        /// <summary>Account of the process.</summary>
        internal const string User = "User";

        /// <summary><c>SHA256=HEX</c> of the executable.</summary>
        internal const string Hashes = "Hashes";

        /// <summary>Parent process guid.</summary>
        internal const string ParentProcessGuid = "ParentProcessGuid";

        /// <summary>Parent process id.</summary>
        internal const string ParentProcessId = "ParentProcessId";

        /// <summary>Parent executable.</summary>
        internal const string ParentImage = "ParentImage";

        /// <summary>Parent command line.</summary>
        internal const string ParentCommandLine = "ParentCommandLine";

        /// <summary>Parent's account.</summary>
        internal const string ParentUser = "ParentUser";

        /// <summary>File acted upon (new name of a rename).</summary>
        internal const string TargetFilename = "TargetFilename";

        /// <summary>Old name of a rename.</summary>
        internal const string SourceFilename = "SourceFilename";

        /// <summary>Transport protocol.</summary>
        internal const string Protocol = "Protocol";

        /// <summary><c>true</c> when this host initiated the connection.</summary>
        internal const string Initiated = "Initiated";

        /// <summary><c>true</c> when the local address is IPv6.</summary>
        internal const string SourceIsIpv6 = "SourceIsIpv6";

        /// <summary>Local address.</summary>
        internal const string SourceIp = "SourceIp";

        /// <summary>Local port.</summary>
        internal const string SourcePort = "SourcePort";

        /// <summary><c>true</c> when the remote address is IPv6.</summary>
        internal const string DestinationIsIpv6 = "DestinationIsIpv6";

        /// <summary>Remote address.</summary>
        internal const string DestinationIp = "DestinationIp";

        /// <summary>Remote port.</summary>
        internal const string DestinationPort = "DestinationPort";

        /// <summary>Sysmon's <c>UtcTime</c> text: <c>yyyy-MM-dd HH:mm:ss.fff</c>.</summary>
        internal static string UtcTimeText(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

        /// <summary>Adds the field when its value is known (not null).</summary>
        internal static void AddIfKnown(List<KeyValuePair<string, string>> fields, string name, string? value)
        {
            if (value is not null)
            {
                fields.Add(new KeyValuePair<string, string>(name, value));
            }
        }
    }
}
