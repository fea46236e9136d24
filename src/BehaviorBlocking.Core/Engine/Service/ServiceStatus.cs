using System;
using System.Collections.Generic;
using System.Globalization;

namespace BehaviorBlocking.Engine.Service
{
    /// <summary>The service's active state as the service manager reports it (systemd's ActiveState).</summary>
    public enum ServiceActiveState
    {
        /// <summary>Not known: the service manager is not running here, or reported a state this version does not know.</summary>
        Unknown = 0,

        /// <summary>Running (systemd: active).</summary>
        Active,

        /// <summary>Reloading its configuration.</summary>
        Reloading,

        /// <summary>Not running (stopped, or never started).</summary>
        Inactive,

        /// <summary>Stopped after a failure.</summary>
        Failed,

        /// <summary>Starting (before READY=1, or waiting to restart).</summary>
        Activating,

        /// <summary>Stopping.</summary>
        Deactivating,

        /// <summary>In maintenance (systemd 250+: clean-up of its folders).</summary>
        Maintenance,

        /// <summary>Refreshing (systemd 254+).</summary>
        Refreshing,
    }

    /// <summary>What <c>behaviorblock service status</c> reports: whether the service is installed, running, and how often it was restarted.</summary>
    public sealed class ServiceStatus
    {
        /// <summary>The properties read from <c>systemctl show</c>.</summary>
        public static IReadOnlyList<string> SystemdProperties { get; } = new[]
        {
            "LoadState", "ActiveState", "SubState", "UnitFileState", "MainPID", "NRestarts", "ExecMainStartTimestamp", "FragmentPath",
        };

        /// <summary>Creates a status.</summary>
        public ServiceStatus(string name, bool installed, string? unitPath, bool managerRunning)
        {
            Name = name;
            Installed = installed;
            UnitPath = unitPath;
            ManagerRunning = managerRunning;
        }

        /// <summary>The service name.</summary>
        public string Name { get; }

        /// <summary>Whether the service's definition (unit file, service entry) exists.</summary>
        public bool Installed { get; }

        /// <summary>Where the definition is (the unit file), when there is one.</summary>
        public string? UnitPath { get; }

        /// <summary>Whether the service manager runs here; when not, the states below are unknown.</summary>
        public bool ManagerRunning { get; }

        /// <summary>Whether the manager has loaded the unit (<c>loaded</c>, <c>not-found</c>, <c>masked</c>...).</summary>
        public string? LoadState { get; init; }

        /// <summary>Running, stopped, failed...</summary>
        public ServiceActiveState ActiveState { get; init; }

        /// <summary>The manager's finer state (<c>running</c>, <c>auto-restart</c>, <c>dead</c>...).</summary>
        public string? SubState { get; init; }

        /// <summary>Whether the service starts at boot (<c>enabled</c>, <c>disabled</c>...).</summary>
        public string? StartupState { get; init; }

        /// <summary>The service's main process, while it runs.</summary>
        public int? MainProcessId { get; init; }

        /// <summary>How often the manager restarted the service since it was (re)loaded.</summary>
        public int? Restarts { get; init; }

        /// <summary>When the current (or last) main process started, UTC.</summary>
        public DateTimeOffset? StartedAt { get; init; }

        /// <summary>Whether the service is running.</summary>
        public bool IsRunning => ActiveState == ServiceActiveState.Active || ActiveState == ServiceActiveState.Reloading;

        /// <summary>
        /// A status from the text of <c>systemctl show UNIT -p ...</c> (lines of <c>Key=Value</c>, in any order).
        /// Unknown keys are ignored; a value that does not parse leaves its property unknown.
        /// </summary>
        public static ServiceStatus FromSystemctlShow(string name, string text, bool installed, string? unitPath)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in (text ?? string.Empty).Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int equals = line.IndexOf('=');
                if (equals > 0)
                {
                    values[line.Substring(0, equals)] = line.Substring(equals + 1);
                }
            }

            string? Value(string key) => values.TryGetValue(key, out string? v) && v.Length > 0 ? v : null;
            int? Number(string key) => int.TryParse(Value(key), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : (int?)null;

            int? mainPid = Number("MainPID");
            return new ServiceStatus(name, installed, Value("FragmentPath") ?? unitPath, managerRunning: true)
            {
                LoadState = Value("LoadState"),
                ActiveState = ParseActiveState(Value("ActiveState")),
                SubState = Value("SubState"),
                StartupState = Value("UnitFileState"),
                MainProcessId = mainPid is > 0 ? mainPid : null,
                Restarts = Number("NRestarts"),
                StartedAt = ParseTimestamp(Value("ExecMainStartTimestamp")),
            };
        }

        /// <summary>systemd's ActiveState word as the enum; an unknown word is <see cref="ServiceActiveState.Unknown"/>.</summary>
        public static ServiceActiveState ParseActiveState(string? word) => word switch
        {
            "active" => ServiceActiveState.Active,
            "reloading" => ServiceActiveState.Reloading,
            "inactive" => ServiceActiveState.Inactive,
            "failed" => ServiceActiveState.Failed,
            "activating" => ServiceActiveState.Activating,
            "deactivating" => ServiceActiveState.Deactivating,
            "maintenance" => ServiceActiveState.Maintenance,
            "refreshing" => ServiceActiveState.Refreshing,
            _ => ServiceActiveState.Unknown,
        };

        /// <summary>
        /// A systemd timestamp (<c>Wed 2026-12-02 05:41:37 UTC</c>, with <c>--timestamp=us+utc</c> microseconds too).
        /// A zone other than UTC is taken as this machine's local time zone (systemctl prints local abbreviations,
        /// which do not name an offset). Empty or <c>n/a</c> is null.
        /// </summary>
        public static DateTimeOffset? ParseTimestamp(string? text)
        {
            if (string.IsNullOrWhiteSpace(text) || text == "n/a")
            {
                return null;
            }

            string[] parts = text!.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);

            // [weekday] date time [zone]
            int first = parts.Length > 0 && parts[0].Length == 3 && char.IsLetter(parts[0][0]) ? 1 : 0;
            if (parts.Length < first + 2)
            {
                return null;
            }

            string stamp = parts[first] + " " + parts[first + 1];
            string[] formats = { "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.ffffff" };
            if (!DateTime.TryParseExact(stamp, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime local))
            {
                return null;
            }

            string zone = parts.Length > first + 2 ? parts[first + 2] : string.Empty;
            if (zone == "UTC" || zone == "GMT" || zone == "Z")
            {
                return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Utc));
            }

            TimeSpan offset = TimeZoneInfo.Local.GetUtcOffset(local);
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
    }
}
