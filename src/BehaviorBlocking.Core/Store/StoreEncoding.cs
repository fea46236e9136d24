using System;
using System.Globalization;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// How the store writes values into columns (schema version 3 on). It is the store's own and
    /// independent of the detection record's JSON, so either can change without the other.
    /// </summary>
    /// <remarks>
    /// Codes are written into files and never change meaning: a new enum member gets a new code,
    /// a renamed member keeps its code. Tactic codes are the ATT&amp;CK tactic numbers (TA0003 is 3),
    /// Generic is 0. Times are UTC text of fixed width with seven fractional digits, so text order
    /// is time order and ticks round-trip. Ids are lowercase hyphenated uuids.
    /// </remarks>
    internal static class StoreEncoding
    {
        private const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

        public static string Time(DateTimeOffset time)
        {
            return time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);
        }

        public static bool TryParseTime(string text, out DateTimeOffset time)
        {
            return DateTimeOffset.TryParseExact(
                text,
                TimeFormat,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out time);
        }

        public static string Id(Guid id)
        {
            return id.ToString("D");
        }

        public static bool TryParseId(string text, out Guid id)
        {
            return Guid.TryParseExact(text, "D", out id);
        }

        public static long Code(DetectionPlatform platform)
        {
            switch (platform)
            {
                case DetectionPlatform.Win32: return 0;
                case DetectionPlatform.Linux: return 1;
                default: throw Unknown(platform);
            }
        }

        public static bool TryParse(long code, out DetectionPlatform platform)
        {
            switch (code)
            {
                case 0: platform = DetectionPlatform.Win32; return true;
                case 1: platform = DetectionPlatform.Linux; return true;
                default: platform = default; return false;
            }
        }

        public static long Code(Tactic tactic)
        {
            switch (tactic)
            {
                case Tactic.Generic: return 0;
                case Tactic.InitialAccess: return 1;
                case Tactic.Execution: return 2;
                case Tactic.Persistence: return 3;
                case Tactic.PrivilegeEscalation: return 4;
                case Tactic.DefenseEvasion: return 5;
                case Tactic.CredentialAccess: return 6;
                case Tactic.Discovery: return 7;
                case Tactic.LateralMovement: return 8;
                case Tactic.Collection: return 9;
                case Tactic.Exfiltration: return 10;
                case Tactic.CommandAndControl: return 11;
                case Tactic.Impact: return 40;
                default: throw Unknown(tactic);
            }
        }

        public static bool TryParse(long code, out Tactic tactic)
        {
            switch (code)
            {
                case 0: tactic = Tactic.Generic; return true;
                case 1: tactic = Tactic.InitialAccess; return true;
                case 2: tactic = Tactic.Execution; return true;
                case 3: tactic = Tactic.Persistence; return true;
                case 4: tactic = Tactic.PrivilegeEscalation; return true;
                case 5: tactic = Tactic.DefenseEvasion; return true;
                case 6: tactic = Tactic.CredentialAccess; return true;
                case 7: tactic = Tactic.Discovery; return true;
                case 8: tactic = Tactic.LateralMovement; return true;
                case 9: tactic = Tactic.Collection; return true;
                case 10: tactic = Tactic.Exfiltration; return true;
                case 11: tactic = Tactic.CommandAndControl; return true;
                case 40: tactic = Tactic.Impact; return true;
                default: tactic = default; return false;
            }
        }

        // Ascending with urgency, so SQL can compare severities.
        public static long Code(Severity severity)
        {
            switch (severity)
            {
                case Severity.Informational: return 0;
                case Severity.Low: return 1;
                case Severity.Medium: return 2;
                case Severity.High: return 3;
                case Severity.Critical: return 4;
                default: throw Unknown(severity);
            }
        }

        public static bool TryParse(long code, out Severity severity)
        {
            switch (code)
            {
                case 0: severity = Severity.Informational; return true;
                case 1: severity = Severity.Low; return true;
                case 2: severity = Severity.Medium; return true;
                case 3: severity = Severity.High; return true;
                case 4: severity = Severity.Critical; return true;
                default: severity = default; return false;
            }
        }

        public static long Code(DetectionAction action)
        {
            switch (action)
            {
                case DetectionAction.Audited: return 0;
                case DetectionAction.Blocked: return 1;
                case DetectionAction.BlockFailed: return 2;
                case DetectionAction.Excluded: return 3;
                default: throw Unknown(action);
            }
        }

        public static bool TryParse(long code, out DetectionAction action)
        {
            switch (code)
            {
                case 0: action = DetectionAction.Audited; return true;
                case 1: action = DetectionAction.Blocked; return true;
                case 2: action = DetectionAction.BlockFailed; return true;
                case 3: action = DetectionAction.Excluded; return true;
                default: action = default; return false;
            }
        }

        public static long Code(ScanStatus status)
        {
            switch (status)
            {
                case ScanStatus.Running: return 0;
                case ScanStatus.Completed: return 1;
                case ScanStatus.Cancelled: return 2;
                case ScanStatus.Failed: return 3;
                default: throw Unknown(status);
            }
        }

        public static bool TryParse(long code, out ScanStatus status)
        {
            switch (code)
            {
                case 0: status = ScanStatus.Running; return true;
                case 1: status = ScanStatus.Completed; return true;
                case 2: status = ScanStatus.Cancelled; return true;
                case 3: status = ScanStatus.Failed; return true;
                default: status = default; return false;
            }
        }

        private static ArgumentException Unknown<T>(T value)
            where T : struct, Enum
        {
            return new ArgumentException(
                "'" + Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)
                + "' is not a " + typeof(T).Name + " the store has a code for.");
        }
    }
}
