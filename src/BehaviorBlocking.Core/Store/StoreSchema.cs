using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// The store's schema history: every migration in order. A new table (quarantine, indicators,
    /// policy audit, actions) is one more entry at the end. Never edit a shipped entry; files in
    /// the field were built by it.
    /// </summary>
    internal static class StoreSchema
    {
        /// <summary>Version 1: detections with enum names, techniques as a JSON array, and their evidence.</summary>
        internal const string Version1 = @"
CREATE TABLE detections (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    platform         TEXT    NOT NULL,
    tactic           TEXT    NOT NULL,
    techniques       TEXT    NOT NULL,
    score            REAL    NOT NULL,
    severity         TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    host             TEXT    NOT NULL,
    process_guid     TEXT,
    process_id       INTEGER,
    image            TEXT,
    command_line     TEXT,
    parent_image     TEXT,
    user_name        TEXT,
    first_seen       TEXT    NOT NULL,
    last_seen        TEXT    NOT NULL,
    source_file      TEXT,
    model_version    TEXT,
    rule_set_version TEXT
);
CREATE TABLE evidence (
    detection_id TEXT    NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    evidence_id  TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    time         TEXT,
    PRIMARY KEY (detection_id, ordinal)
);";

        /// <summary>Version 2: query indexes (host ones NOCASE, as host comparisons are) and the scans table with inputs as a JSON array.</summary>
        internal const string Version2 = @"
CREATE INDEX ix_detections_last_seen ON detections (last_seen, id);
CREATE INDEX ix_detections_first_seen ON detections (first_seen);
CREATE INDEX ix_detections_tactic ON detections (tactic, last_seen, id);
CREATE INDEX ix_detections_host_process_guid ON detections (host COLLATE NOCASE, process_guid);
CREATE INDEX ix_detections_host_process_id ON detections (host COLLATE NOCASE, process_id);
CREATE INDEX ix_detections_process_guid ON detections (process_guid);
CREATE TABLE scans (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    started     TEXT    NOT NULL,
    finished    TEXT    NOT NULL,
    inputs      TEXT    NOT NULL,
    files       INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    detections  INTEGER NOT NULL
);";

        /// <summary>
        /// Version 3: the store's own encoding (<see cref="StoreEncoding"/>). Enum names become store
        /// codes, the techniques and scan-input JSON arrays become rows, detections get a sequence
        /// number (insertion order, kept by updates) that evidence and techniques hang off. Every
        /// row is copied; a value version 2 could not have written fails a NOT NULL constraint, so
        /// the step rolls back and the file stays at version 2.
        /// </summary>
        internal const string Version3 = @"
DROP INDEX ix_detections_last_seen;
DROP INDEX ix_detections_first_seen;
DROP INDEX ix_detections_tactic;
DROP INDEX ix_detections_host_process_guid;
DROP INDEX ix_detections_host_process_id;
DROP INDEX ix_detections_process_guid;
ALTER TABLE evidence RENAME TO evidence_v2;
ALTER TABLE detections RENAME TO detections_v2;
ALTER TABLE scans RENAME TO scans_v2;

CREATE TABLE detections (
    seq              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    platform         INTEGER NOT NULL,
    tactic           INTEGER NOT NULL,
    score            REAL    NOT NULL,
    severity         INTEGER NOT NULL,
    action           INTEGER NOT NULL,
    host             TEXT    NOT NULL,
    process_guid     TEXT,
    process_id       INTEGER,
    image            TEXT,
    command_line     TEXT,
    parent_image     TEXT,
    user_name        TEXT,
    first_seen       TEXT    NOT NULL,
    last_seen        TEXT    NOT NULL,
    source_file      TEXT,
    model_version    TEXT,
    rule_set_version TEXT
);
CREATE TABLE techniques (
    detection_seq INTEGER NOT NULL REFERENCES detections (seq) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    technique     TEXT    NOT NULL,
    PRIMARY KEY (detection_seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE evidence (
    detection_seq INTEGER NOT NULL REFERENCES detections (seq) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    evidence_id   TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    time          TEXT,
    PRIMARY KEY (detection_seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE scans (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    started     TEXT    NOT NULL,
    finished    TEXT    NOT NULL,
    files       INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    detections  INTEGER NOT NULL
);
CREATE TABLE scan_inputs (
    scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    input   TEXT    NOT NULL,
    PRIMARY KEY (scan_id, ordinal)
) WITHOUT ROWID;

INSERT INTO detections (seq, id, name, platform, tactic, score, severity, action, host, process_guid, process_id,
                        image, command_line, parent_image, user_name, first_seen, last_seen, source_file,
                        model_version, rule_set_version)
SELECT rowid, id, name,
       CASE platform WHEN 'Win32' THEN 0 WHEN 'Linux' THEN 1 END,
       CASE tactic
           WHEN 'Generic' THEN 0 WHEN 'InitialAccess' THEN 1 WHEN 'Execution' THEN 2 WHEN 'Persistence' THEN 3
           WHEN 'PrivilegeEscalation' THEN 4 WHEN 'DefenseEvasion' THEN 5 WHEN 'CredentialAccess' THEN 6
           WHEN 'Discovery' THEN 7 WHEN 'LateralMovement' THEN 8 WHEN 'Collection' THEN 9
           WHEN 'Exfiltration' THEN 10 WHEN 'CommandAndControl' THEN 11 WHEN 'Impact' THEN 40
       END,
       score,
       CASE severity WHEN 'Informational' THEN 0 WHEN 'Low' THEN 1 WHEN 'Medium' THEN 2 WHEN 'High' THEN 3 WHEN 'Critical' THEN 4 END,
       CASE action WHEN 'Audited' THEN 0 WHEN 'Blocked' THEN 1 WHEN 'BlockFailed' THEN 2 WHEN 'Excluded' THEN 3 END,
       host, process_guid, process_id, image, command_line, parent_image, user_name, first_seen, last_seen,
       source_file, model_version, rule_set_version
FROM detections_v2
ORDER BY rowid;

INSERT INTO techniques (detection_seq, ordinal, technique)
SELECT d.rowid,
       CASE WHEN json_type(d.techniques) = 'array' THEN t.key END,
       CASE t.type WHEN 'text' THEN t.value WHEN 'null' THEN '' END
FROM detections_v2 AS d, json_each(d.techniques) AS t;

INSERT INTO evidence (detection_seq, ordinal, kind, evidence_id, description, time)
SELECT d.rowid, e.ordinal, e.kind, e.evidence_id, e.description, e.time
FROM evidence_v2 AS e JOIN detections_v2 AS d ON d.id = e.detection_id;

INSERT INTO scans (id, started, finished, files, events, malformed, detections)
SELECT id, started, finished, files, events, malformed, detections FROM scans_v2 ORDER BY id;

INSERT INTO scan_inputs (scan_id, ordinal, input)
SELECT s.id,
       CASE WHEN json_type(s.inputs) = 'array' THEN i.key END,
       CASE i.type WHEN 'text' THEN i.value WHEN 'null' THEN '' END
FROM scans_v2 AS s, json_each(s.inputs) AS i;

-- Scan ids are never reused: carry the counter over from the renamed table.
DELETE FROM sqlite_sequence WHERE name = 'scans';
INSERT INTO sqlite_sequence (name, seq) SELECT 'scans', seq FROM sqlite_sequence WHERE name = 'scans_v2';

DROP TABLE evidence_v2;
DROP TABLE detections_v2;
DROP TABLE scans_v2;

CREATE INDEX ix_detections_last_seen ON detections (last_seen, id);
CREATE INDEX ix_detections_first_seen ON detections (first_seen);
CREATE INDEX ix_detections_tactic ON detections (tactic, last_seen, id);
CREATE INDEX ix_detections_host_process_guid ON detections (host COLLATE NOCASE, process_guid);
CREATE INDEX ix_detections_host_process_id ON detections (host COLLATE NOCASE, process_id);
CREATE INDEX ix_detections_process_guid ON detections (process_guid);";

        /// <summary>
        /// Version 4: a scan is recorded when it starts (status running, no finish time) and updated
        /// when it ends, so a scan that was killed stays visible. Rows of version 3 were written at
        /// the end of a scan: they become completed. The scan-id counter carries over.
        /// </summary>
        internal const string Version4 = @"
ALTER TABLE scan_inputs RENAME TO scan_inputs_v3;
ALTER TABLE scans RENAME TO scans_v3;

CREATE TABLE scans (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    status      INTEGER NOT NULL,
    started     TEXT    NOT NULL,
    finished    TEXT,
    files       INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    malformed   INTEGER NOT NULL,
    detections  INTEGER NOT NULL
);
CREATE TABLE scan_inputs (
    scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    input   TEXT    NOT NULL,
    PRIMARY KEY (scan_id, ordinal)
) WITHOUT ROWID;

INSERT INTO scans (id, status, started, finished, files, events, malformed, detections)
SELECT id, 1, started, finished, files, events, malformed, detections FROM scans_v3 ORDER BY id;

INSERT INTO scan_inputs (scan_id, ordinal, input)
SELECT scan_id, ordinal, input FROM scan_inputs_v3;

DELETE FROM sqlite_sequence WHERE name = 'scans';
INSERT INTO sqlite_sequence (name, seq) SELECT 'scans', seq FROM sqlite_sequence WHERE name = 'scans_v3';

DROP TABLE scan_inputs_v3;
DROP TABLE scans_v3;";

        /// <summary>
        /// Version 5: response. Every action step with its detection (null detection for a manual
        /// block), allow/block indicators, the policy change audit trail, and remediation backups.
        /// Enum columns hold the Core enums' numeric values.
        /// </summary>
        internal const string Version5 = @"
CREATE TABLE actions (
    seq          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    detection_id TEXT,
    time         TEXT    NOT NULL,
    kind         INTEGER NOT NULL,
    target       TEXT    NOT NULL,
    outcome      INTEGER NOT NULL,
    detail       TEXT,
    reference    TEXT,
    actor        TEXT    NOT NULL
);
CREATE INDEX ix_actions_detection ON actions (detection_id, seq);
CREATE TABLE indicators (
    id           TEXT    NOT NULL PRIMARY KEY,
    kind         INTEGER NOT NULL,
    value        TEXT    NOT NULL,
    verdict      INTEGER NOT NULL,
    source       INTEGER NOT NULL,
    created      TEXT    NOT NULL,
    expires      TEXT,
    comment      TEXT,
    detection_id TEXT,
    created_by   TEXT,
    match_key    TEXT    NOT NULL
);
CREATE UNIQUE INDEX ux_indicators_match_key ON indicators (kind, match_key);
CREATE TABLE policy_changes (
    seq             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    time            TEXT    NOT NULL,
    user_name       TEXT    NOT NULL,
    host            TEXT    NOT NULL,
    version         TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    previous_sha256 TEXT,
    changes         TEXT    NOT NULL,
    document        TEXT    NOT NULL
);
CREATE TABLE remediations (
    id           TEXT    NOT NULL PRIMARY KEY,
    detection_id TEXT,
    time         TEXT    NOT NULL,
    kind         INTEGER NOT NULL,
    location     TEXT    NOT NULL,
    entry        TEXT,
    description  TEXT,
    backup       BLOB    NOT NULL,
    state        INTEGER NOT NULL,
    restored     TEXT
);";

        /// <summary>Every migration, oldest first; each runs in its own transaction.</summary>
        internal static readonly IReadOnlyList<StoreMigration> Migrations = new[]
        {
            new StoreMigration(1, "detections and evidence", Version1),
            new StoreMigration(2, "query indexes and scans", Version2),
            new StoreMigration(3, "the store's own column encoding", Version3),
            new StoreMigration(4, "scans recorded when they start", Version4),
            new StoreMigration(5, "actions, indicators, policy changes and remediations", Version5),
        };

        /// <summary>The schema version this code creates and understands: the last migration's.</summary>
        internal static int CurrentVersion => Migrations[Migrations.Count - 1].Version;

        // What the tables of each version look like, from an in-memory database built by the migrations themselves.
        private static readonly Lazy<string[]> s_layouts = new Lazy<string[]>(BuildLayouts, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>
        /// The store's tables, their columns (name, declared type, NOT NULL, key position) and its
        /// indexes with their columns, one line each in a fixed order; SQLite's own objects are left out.
        /// Two files with the same layout hold the same schema, whatever <c>user_version</c> says.
        /// </summary>
        internal static string Layout(SqliteConnection connection, SqliteTransaction? transaction)
        {
            var lines = new List<string>();
            using (SqliteCommand command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = @"
SELECT 'table ' || m.name || ' ' || p.name || ' ' || p.type || ' ' || p.""notnull"" || ' ' || p.pk
FROM sqlite_master AS m, pragma_table_info(m.name) AS p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
UNION ALL
SELECT 'index ' || m.name || ' on ' || m.tbl_name || ' ' || i.seqno || ' ' || IFNULL(i.name, '(expression)')
FROM sqlite_master AS m, pragma_index_info(m.name) AS i
WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
UNION ALL
SELECT m.type || ' ' || m.name
FROM sqlite_master AS m
WHERE m.type IN ('view', 'trigger') AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\';";
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        lines.Add(reader.GetString(0));
                    }
                }
            }

            lines.Sort(StringComparer.Ordinal);
            return string.Join("\n", lines);
        }

        /// <summary>The layout a file of schema <paramref name="version"/> (0 to <see cref="CurrentVersion"/>) has.</summary>
        internal static string LayoutOf(int version) => s_layouts.Value[version];

        /// <summary>The schema version whose tables look like <paramref name="layout"/>, or null when none does.</summary>
        internal static int? VersionWithLayout(string layout)
        {
            string[] layouts = s_layouts.Value;
            for (int version = layouts.Length - 1; version >= 0; version--)
            {
                if (string.Equals(layouts[version], layout, StringComparison.Ordinal))
                {
                    return version;
                }
            }

            return null;
        }

        private static string[] BuildLayouts()
        {
            var layouts = new string[CurrentVersion + 1];
            using (var connection = new SqliteConnection("Data Source=:memory:"))
            {
                connection.Open();
                layouts[0] = Layout(connection, null);
                foreach (StoreMigration migration in Migrations)
                {
                    using (SqliteCommand command = connection.CreateCommand())
                    {
                        command.CommandText = migration.Sql;
                        command.ExecuteNonQuery();
                    }

                    layouts[migration.Version] = Layout(connection, null);
                }
            }

            return layouts;
        }
    }
}
