using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using BehaviorBlocking.Detections;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// The detection store: a SQLite file in WAL mode holding detections, their evidence and
    /// the scan runs that produced them. The schema version lives in <c>PRAGMA user_version</c>
    /// and is migrated forward on open.
    /// </summary>
    /// <remarks>
    /// An instance is not thread-safe: use it from one thread at a time. Several instances (in
    /// this or other processes) may share one file; WAL lets readers run beside a writer, and
    /// writers wait for each other up to the busy timeout.
    /// </remarks>
    public sealed class DetectionStore : IDisposable
    {
        /// <summary>Error id raised when the file was written by a newer version of the product.</summary>
        public const string SchemaTooNewErrorId = Engine.ErrorIds.StoreSchemaTooNew;

        /// <summary>Error id raised when the file is not a SQLite database or is damaged.</summary>
        public const string CorruptErrorId = Engine.ErrorIds.StoreCorrupt;

        /// <summary>Error id raised when the store's location cannot be created or written.</summary>
        public const string AccessDeniedErrorId = Engine.ErrorIds.StoreAccessDenied;

        /// <summary>Error id raised when the store cannot be used right now (locked, disk full, I/O error, no native SQLite).</summary>
        public const string UnavailableErrorId = Engine.ErrorIds.StoreUnavailable;

        private const int BusyTimeoutMilliseconds = 5000;

        private const string DetectionColumns =
            "id, name, platform, tactic, techniques, score, severity, action, host, process_guid, process_id, "
            + "image, command_line, parent_image, user_name, first_seen, last_seen, source_file, model_version, rule_set_version";

        private const string SchemaVersion1 = @"
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

        // Host comparisons ignore case, so the host indexes carry NOCASE to serve them.
        private const string SchemaVersion2 = @"
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

        // Ordered; each runs in its own transaction. Never edit a shipped entry: append one.
        private static readonly Migration[] s_migrations =
        {
            new Migration(1, SchemaVersion1),
            new Migration(2, SchemaVersion2),
        };

        private static readonly object s_nativeLock = new object();
        private static volatile bool s_nativeReady;

        private readonly SqliteConnection _connection;
        private bool _disposed;

        private DetectionStore(SqliteConnection connection, string filePath, int schemaVersion)
        {
            _connection = connection;
            FilePath = filePath;
            SchemaVersion = schemaVersion;
        }

        /// <summary>The schema version this code creates and understands.</summary>
        public static int CurrentSchemaVersion => s_migrations[s_migrations.Length - 1].Version;

        /// <summary>Full path of the database file.</summary>
        public string FilePath { get; }

        /// <summary>Schema version of the open database (always <see cref="CurrentSchemaVersion"/> after <see cref="Open(string)"/>).</summary>
        public int SchemaVersion { get; }

        /// <summary>
        /// Opens the store at <paramref name="path"/>, creating its folder and file when missing and
        /// migrating the schema to <see cref="CurrentSchemaVersion"/>.
        /// </summary>
        /// <param name="path">The database file, e.g. <see cref="ProductHome.DefaultStorePath"/>.</param>
        /// <exception cref="BehaviorBlockingException">
        /// <c>StoreSchemaTooNew</c> or <c>StoreCorrupt</c> (InvalidData), <c>StoreAccessDenied</c>
        /// (AccessDenied), <c>StoreUnavailable</c> (Unavailable).
        /// </exception>
        public static DetectionStore Open(string path)
        {
            return Open(path, CurrentSchemaVersion);
        }

        /// <summary>Opens the store migrated only as far as <paramref name="targetVersion"/>; tests build older databases with it.</summary>
        internal static DetectionStore Open(string path, int targetVersion)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("A store path is required.", nameof(path));
            }

            string fullPath = Path.GetFullPath(path);
            SqliteNativeLocator.EnsureLoaded();
            EnsureNativeLibrary();
            CreateFolder(fullPath);

            var builder = new SqliteConnectionStringBuilder
            {
                DataSource = fullPath,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Cache = SqliteCacheMode.Private,

                // Without pooling, Dispose really closes the file (so it can be moved or deleted).
                Pooling = false,
                DefaultTimeout = 30,
            };
            var connection = new SqliteConnection(builder.ToString());
            try
            {
                connection.Open();
                Execute(connection, null, "PRAGMA busy_timeout = " + BusyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture) + ";");

                // Check before anything writes to the file: a newer schema must stay untouched.
                int version = ReadUserVersion(connection, null);
                if (version > CurrentSchemaVersion)
                {
                    throw SchemaTooNew(fullPath, version);
                }

                Execute(connection, null, "PRAGMA journal_mode = WAL;");
                Execute(connection, null, "PRAGMA foreign_keys = ON;");
                MigrateTo(connection, targetVersion, fullPath);
                version = ReadUserVersion(connection, null);
                return new DetectionStore(connection, fullPath, version);
            }
            catch (SqliteException ex)
            {
                connection.Dispose();
                throw Translate(ex, fullPath);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>Applies every migration up to <paramref name="target"/> that the database lacks, one transaction each.</summary>
        internal static void MigrateTo(SqliteConnection connection, int target)
        {
            if (connection is null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            MigrateTo(connection, target, connection.DataSource);
        }

        /// <summary>Inserts or replaces detections (and all their evidence) in one transaction.</summary>
        /// <param name="detections">Detections to store; one with an id already stored replaces it.</param>
        public void Upsert(IEnumerable<Detection> detections)
        {
            if (detections is null)
            {
                throw new ArgumentNullException(nameof(detections));
            }

            ThrowIfDisposed();
            try
            {
                using (SqliteTransaction transaction = _connection.BeginTransaction())
                using (SqliteCommand upsert = Command(transaction, @"
INSERT INTO detections (" + DetectionColumns + @")
VALUES ($id, $name, $platform, $tactic, $techniques, $score, $severity, $action, $host, $process_guid, $process_id,
        $image, $command_line, $parent_image, $user_name, $first_seen, $last_seen, $source_file, $model_version, $rule_set_version)
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name, platform = excluded.platform, tactic = excluded.tactic, techniques = excluded.techniques,
    score = excluded.score, severity = excluded.severity, action = excluded.action, host = excluded.host,
    process_guid = excluded.process_guid, process_id = excluded.process_id, image = excluded.image,
    command_line = excluded.command_line, parent_image = excluded.parent_image, user_name = excluded.user_name,
    first_seen = excluded.first_seen, last_seen = excluded.last_seen, source_file = excluded.source_file,
    model_version = excluded.model_version, rule_set_version = excluded.rule_set_version;"))
                using (SqliteCommand deleteEvidence = Command(transaction, "DELETE FROM evidence WHERE detection_id = $id;"))
                using (SqliteCommand insertEvidence = Command(transaction, @"
INSERT INTO evidence (detection_id, ordinal, kind, evidence_id, description, time)
VALUES ($id, $ordinal, $kind, $evidence_id, $description, $time);"))
                {
                    AddParameters(upsert, SqliteType.Text, "$id", "$name", "$platform", "$tactic", "$techniques");
                    AddParameters(upsert, SqliteType.Real, "$score");
                    AddParameters(upsert, SqliteType.Text, "$severity", "$action", "$host", "$process_guid");
                    AddParameters(upsert, SqliteType.Integer, "$process_id");
                    AddParameters(
                        upsert,
                        SqliteType.Text,
                        "$image",
                        "$command_line",
                        "$parent_image",
                        "$user_name",
                        "$first_seen",
                        "$last_seen",
                        "$source_file",
                        "$model_version",
                        "$rule_set_version");
                    AddParameters(deleteEvidence, SqliteType.Text, "$id");
                    AddParameters(insertEvidence, SqliteType.Text, "$id");
                    AddParameters(insertEvidence, SqliteType.Integer, "$ordinal");
                    AddParameters(insertEvidence, SqliteType.Text, "$kind", "$evidence_id", "$description", "$time");
                    upsert.Prepare();
                    deleteEvidence.Prepare();
                    insertEvidence.Prepare();

                    foreach (Detection detection in detections)
                    {
                        if (detection is null)
                        {
                            throw new ArgumentException("The detections contain a null item.", nameof(detections));
                        }

                        if (double.IsNaN(detection.Score) || double.IsInfinity(detection.Score))
                        {
                            throw new ArgumentException("Detection " + detection.Id.ToString("D") + " has a score that is not a finite number.", nameof(detections));
                        }

                        string id = detection.Id.ToString("D");
                        SqliteParameterCollection p = upsert.Parameters;
                        p["$id"].Value = id;
                        p["$name"].Value = detection.Name ?? string.Empty;
                        p["$platform"].Value = detection.Platform.ToString();
                        p["$tactic"].Value = detection.Tactic.ToString();
                        p["$techniques"].Value = DetectionJson.WriteStringArray(detection.Techniques);
                        p["$score"].Value = detection.Score;
                        p["$severity"].Value = detection.Severity.ToString();
                        p["$action"].Value = detection.Action.ToString();
                        p["$host"].Value = detection.Host ?? string.Empty;
                        p["$process_guid"].Value = OrNull(detection.ProcessGuid);
                        p["$process_id"].Value = detection.ProcessId.HasValue ? (object)detection.ProcessId.Value : DBNull.Value;
                        p["$image"].Value = OrNull(detection.Image);
                        p["$command_line"].Value = OrNull(detection.CommandLine);
                        p["$parent_image"].Value = OrNull(detection.ParentImage);
                        p["$user_name"].Value = OrNull(detection.User);
                        p["$first_seen"].Value = DetectionJson.FormatTime(detection.FirstSeen);
                        p["$last_seen"].Value = DetectionJson.FormatTime(detection.LastSeen);
                        p["$source_file"].Value = OrNull(detection.SourceFile);
                        p["$model_version"].Value = OrNull(detection.ModelVersion);
                        p["$rule_set_version"].Value = OrNull(detection.RuleSetVersion);
                        upsert.ExecuteNonQuery();

                        deleteEvidence.Parameters["$id"].Value = id;
                        deleteEvidence.ExecuteNonQuery();

                        int ordinal = 0;
                        foreach (Evidence evidence in detection.Evidence)
                        {
                            SqliteParameterCollection e = insertEvidence.Parameters;
                            e["$id"].Value = id;
                            e["$ordinal"].Value = ordinal++;
                            e["$kind"].Value = evidence.Kind;
                            e["$evidence_id"].Value = evidence.Id;
                            e["$description"].Value = evidence.Description;
                            e["$time"].Value = evidence.Time.HasValue ? (object)DetectionJson.FormatTime(evidence.Time.Value) : DBNull.Value;
                            insertEvidence.ExecuteNonQuery();
                        }
                    }

                    transaction.Commit();
                }
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, FilePath);
            }
        }

        /// <summary>Returns the stored detections that match, ordered by last evidence (oldest first), then id.</summary>
        /// <param name="query">The filters to apply.</param>
        public IReadOnlyList<Detection> Query(DetectionQuery query)
        {
            if (query is null)
            {
                throw new ArgumentNullException(nameof(query));
            }

            if (query.Last.HasValue && query.Last.Value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(query), "Last cannot be negative.");
            }

            ThrowIfDisposed();
            var selection = new Selection();
            if (query.Since.HasValue)
            {
                selection.Add("last_seen >= $since", "$since", DetectionJson.FormatTime(query.Since.Value));
            }

            if (query.Until.HasValue)
            {
                selection.Add("last_seen <= $until", "$until", DetectionJson.FormatTime(query.Until.Value));
            }

            if (query.Tactic.HasValue)
            {
                selection.Add("tactic = $tactic", "$tactic", query.Tactic.Value.ToString());
            }

            if (query.Host != null)
            {
                selection.Add("host = $host COLLATE NOCASE", "$host", query.Host);
            }

            if (query.Name != null)
            {
                selection.Add("name = $name", "$name", query.Name);
            }

            if (query.ProcessGuid != null)
            {
                selection.Add("process_guid = $process_guid", "$process_guid", query.ProcessGuid);
            }

            selection.Last = query.Last;
            return Load(selection);
        }

        /// <summary>Returns the stored detection with this id, or null.</summary>
        /// <param name="id">The detection's id.</param>
        public Detection? Get(Guid id)
        {
            ThrowIfDisposed();
            var selection = new Selection();
            selection.Add("id = $id", "$id", id.ToString("D"));
            IReadOnlyList<Detection> found = Load(selection);
            return found.Count == 0 ? null : found[0];
        }

        /// <summary>Returns how many detections are stored.</summary>
        public long Count()
        {
            ThrowIfDisposed();
            try
            {
                using (SqliteCommand command = Command(null, "SELECT COUNT(*) FROM detections;"))
                {
                    return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                }
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, FilePath);
            }
        }

        /// <summary>
        /// Deletes detections whose last evidence is older than <paramref name="now"/> minus
        /// <paramref name="maxAge"/>, then the oldest beyond <paramref name="maxCount"/>; their
        /// evidence goes with them. Both limits are optional.
        /// </summary>
        /// <param name="maxAge">Keep detections seen within this long before <paramref name="now"/>.</param>
        /// <param name="maxCount">Keep at most this many detections (the most recent).</param>
        /// <param name="now">The current time.</param>
        /// <returns>The number of detections deleted.</returns>
        public int ApplyRetention(TimeSpan? maxAge, long? maxCount, DateTimeOffset now)
        {
            if (maxAge.HasValue && maxAge.Value < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(maxAge), "A retention age cannot be negative.");
            }

            if (maxCount.HasValue && maxCount.Value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxCount), "A retention count cannot be negative.");
            }

            ThrowIfDisposed();
            try
            {
                int deleted = 0;
                using (SqliteTransaction transaction = _connection.BeginTransaction())
                {
                    if (maxAge.HasValue)
                    {
                        DateTimeOffset utcNow = now.ToUniversalTime();
                        DateTimeOffset cutoff = utcNow - DateTimeOffset.MinValue < maxAge.Value ? DateTimeOffset.MinValue : utcNow - maxAge.Value;
                        using (SqliteCommand command = Command(transaction, "DELETE FROM detections WHERE last_seen < $cutoff;"))
                        {
                            command.Parameters.AddWithValue("$cutoff", DetectionJson.FormatTime(cutoff));
                            deleted += command.ExecuteNonQuery();
                        }
                    }

                    if (maxCount.HasValue)
                    {
                        using (SqliteCommand command = Command(transaction, @"
DELETE FROM detections WHERE id IN (
    SELECT id FROM detections ORDER BY last_seen DESC, id DESC LIMIT -1 OFFSET $keep);"))
                        {
                            command.Parameters.AddWithValue("$keep", maxCount.Value);
                            deleted += command.ExecuteNonQuery();
                        }
                    }

                    transaction.Commit();
                }

                return deleted;
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, FilePath);
            }
        }

        /// <summary>Records one replay scan run and returns its id in the store.</summary>
        /// <param name="record">What the scan read and found.</param>
        public long RecordScan(ScanRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            ThrowIfDisposed();
            try
            {
                using (SqliteTransaction transaction = _connection.BeginTransaction())
                {
                    long id;
                    using (SqliteCommand command = Command(transaction, @"
INSERT INTO scans (started, finished, inputs, files, events, malformed, detections)
VALUES ($started, $finished, $inputs, $files, $events, $malformed, $detections);"))
                    {
                        command.Parameters.AddWithValue("$started", DetectionJson.FormatTime(record.Started));
                        command.Parameters.AddWithValue("$finished", DetectionJson.FormatTime(record.Finished));
                        command.Parameters.AddWithValue("$inputs", DetectionJson.WriteStringArray(record.Inputs ?? Array.Empty<string>()));
                        command.Parameters.AddWithValue("$files", record.Files);
                        command.Parameters.AddWithValue("$events", record.Events);
                        command.Parameters.AddWithValue("$malformed", record.Malformed);
                        command.Parameters.AddWithValue("$detections", record.Detections);
                        command.ExecuteNonQuery();
                    }

                    using (SqliteCommand command = Command(transaction, "SELECT last_insert_rowid();"))
                    {
                        id = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                    }

                    transaction.Commit();
                    return id;
                }
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, FilePath);
            }
        }

        /// <summary>Closes the database file.</summary>
        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _connection.Dispose();
            }
        }

        private static void MigrateTo(SqliteConnection connection, int target, string filePath)
        {
            if (target < 0 || target > CurrentSchemaVersion)
            {
                throw new ArgumentOutOfRangeException(nameof(target), "Schema versions run from 0 to " + CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture) + ".");
            }

            foreach (Migration migration in s_migrations)
            {
                if (migration.Version > target)
                {
                    break;
                }

                // BEGIN IMMEDIATE takes the write lock first, so two processes opening a new
                // file at once cannot both apply the same step; re-read the version under it.
                using (SqliteTransaction transaction = connection.BeginTransaction(deferred: false))
                {
                    int current = ReadUserVersion(connection, transaction);
                    if (current > CurrentSchemaVersion)
                    {
                        throw SchemaTooNew(filePath, current);
                    }

                    if (current >= migration.Version)
                    {
                        continue;
                    }

                    Execute(connection, transaction, migration.Sql);
                    Execute(connection, transaction, "PRAGMA user_version = " + migration.Version.ToString(CultureInfo.InvariantCulture) + ";");
                    transaction.Commit();
                }
            }
        }

        private static void EnsureNativeLibrary()
        {
            if (s_nativeReady)
            {
                return;
            }

            lock (s_nativeLock)
            {
                if (s_nativeReady)
                {
                    return;
                }

                try
                {
                    SQLitePCL.Batteries_V2.Init();
                }
                catch (Exception ex) when (ex is DllNotFoundException || ex is BadImageFormatException || ex is EntryPointNotFoundException || ex is TypeInitializationException)
                {
                    throw new BehaviorBlockingException(
                        UnavailableErrorId,
                        FailureKind.Unavailable,
                        "The SQLite native library (e_sqlite3) could not be loaded: " + ex.Message,
                        ex);
                }

                s_nativeReady = true;
            }
        }

        private static void CreateFolder(string fullPath)
        {
            string? folder = Path.GetDirectoryName(fullPath);
            if (string.IsNullOrEmpty(folder))
            {
                return;
            }

            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException || ex is IOException)
            {
                throw new BehaviorBlockingException(
                    AccessDeniedErrorId,
                    FailureKind.AccessDenied,
                    "Cannot create the store folder '" + folder + "' for '" + fullPath + "': " + ex.Message,
                    ex)
                {
                    Target = fullPath,
                };
            }
        }

        private static int ReadUserVersion(SqliteConnection connection, SqliteTransaction? transaction)
        {
            using (SqliteCommand command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "PRAGMA user_version;";
                return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
            }
        }

        private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
        {
            using (SqliteCommand command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }
        }

        private static void AddParameters(SqliteCommand command, SqliteType type, params string[] names)
        {
            foreach (string name in names)
            {
                command.Parameters.Add(name, type);
            }
        }

        private static object OrNull(string? value)
        {
            return value is null ? DBNull.Value : value;
        }

        private static BehaviorBlockingException SchemaTooNew(string filePath, int version)
        {
            return new BehaviorBlockingException(
                SchemaTooNewErrorId,
                FailureKind.InvalidData,
                "The store '" + filePath + "' has schema version " + version.ToString(CultureInfo.InvariantCulture)
                + ", newer than version " + CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture)
                + " that this version of BehaviorBlocking understands; use a newer version or another store.")
            {
                Target = filePath,
            };
        }

        private static Exception Translate(SqliteException ex, string filePath)
        {
            // Extended result codes carry the primary code in their low byte.
            switch (ex.SqliteErrorCode & 0xFF)
            {
                case 11: // SQLITE_CORRUPT
                case 26: // SQLITE_NOTADB
                    return new BehaviorBlockingException(
                        CorruptErrorId,
                        FailureKind.InvalidData,
                        "The store '" + filePath + "' is not a BehaviorBlocking database or is damaged: " + ex.Message,
                        ex)
                    {
                        Target = filePath,
                    };
                case 3: // SQLITE_PERM
                case 8: // SQLITE_READONLY
                case 14: // SQLITE_CANTOPEN
                case 23: // SQLITE_AUTH
                    return new BehaviorBlockingException(
                        AccessDeniedErrorId,
                        FailureKind.AccessDenied,
                        "The store '" + filePath + "' cannot be opened for writing: " + ex.Message,
                        ex)
                    {
                        Target = filePath,
                    };
                case 5: // SQLITE_BUSY
                case 6: // SQLITE_LOCKED
                case 10: // SQLITE_IOERR
                case 13: // SQLITE_FULL
                    return new BehaviorBlockingException(
                        UnavailableErrorId,
                        FailureKind.Unavailable,
                        "The store '" + filePath + "' cannot be used right now: " + ex.Message,
                        ex)
                    {
                        Target = filePath,
                    };
                default:
                    return ex;
            }
        }

        private static T ParseName<T>(string text, string column, string id, string filePath)
            where T : struct, Enum
        {
            if (!Enum.TryParse(text, ignoreCase: false, out T value) || !Enum.IsDefined(typeof(T), value))
            {
                throw Damaged(filePath, "detection " + id + " has " + column + " '" + text + "'");
            }

            return value;
        }

        private static DateTimeOffset ParseTime(string text, string column, string id, string filePath)
        {
            if (!DetectionJson.TryParseTime(text, out DateTimeOffset time))
            {
                throw Damaged(filePath, "detection " + id + " has " + column + " '" + text + "'");
            }

            return time;
        }

        private static BehaviorBlockingException Damaged(string filePath, string what)
        {
            return new BehaviorBlockingException(
                CorruptErrorId,
                FailureKind.InvalidData,
                "The store '" + filePath + "' holds a value this version cannot read: " + what + ".")
            {
                Target = filePath,
            };
        }

        private static string? NullableString(SqliteDataReader reader, int ordinal)
        {
            return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        }

        private IReadOnlyList<Detection> Load(Selection selection)
        {
            if (selection.Last == 0)
            {
                return Array.Empty<Detection>();
            }

            string filter = selection.Conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", selection.Conditions);
            string matching = selection.Last.HasValue
                ? "SELECT " + DetectionColumns + " FROM detections" + filter + " ORDER BY last_seen DESC, id DESC LIMIT $last"
                : "SELECT " + DetectionColumns + " FROM detections" + filter;

            try
            {
                // One read transaction: both queries see the same snapshot.
                using (SqliteTransaction transaction = _connection.BeginTransaction(deferred: true))
                {
                    // Evidence for every match in one query (ordered so each list fills in ordinal order).
                    var evidence = new Dictionary<string, List<Evidence>>(StringComparer.Ordinal);
                    using (SqliteCommand command = Command(transaction, @"
SELECT detection_id, kind, evidence_id, description, time FROM evidence
WHERE detection_id IN (SELECT id FROM (" + matching + @"))
ORDER BY detection_id, ordinal;"))
                    {
                        selection.Bind(command);
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            while (reader.Read())
                            {
                                string detectionId = reader.GetString(0);
                                string? timeText = NullableString(reader, 4);
                                DateTimeOffset? time = timeText is null ? null : ParseTime(timeText, "evidence time", detectionId, FilePath);
                                if (!evidence.TryGetValue(detectionId, out List<Evidence>? items))
                                {
                                    items = new List<Evidence>();
                                    evidence.Add(detectionId, items);
                                }

                                items.Add(new Evidence(reader.GetString(1), reader.GetString(2), reader.GetString(3), time));
                            }
                        }
                    }

                    var detections = new List<Detection>();
                    using (SqliteCommand command = Command(transaction, "SELECT * FROM (" + matching + ") ORDER BY last_seen, id;"))
                    {
                        selection.Bind(command);
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            while (reader.Read())
                            {
                                detections.Add(ReadDetection(reader, evidence));
                            }
                        }
                    }

                    transaction.Commit();
                    return detections;
                }
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, FilePath);
            }
        }

        private Detection ReadDetection(SqliteDataReader reader, Dictionary<string, List<Evidence>> evidence)
        {
            string id = reader.GetString(0);
            if (!Guid.TryParseExact(id, "D", out Guid guid))
            {
                throw Damaged(FilePath, "a detection id '" + id + "'");
            }

            string[] techniques;
            try
            {
                techniques = DetectionJson.ReadStringArray(reader.GetString(4));
            }
            catch (Exception ex) when (ex is FormatException || ex is System.Text.Json.JsonException)
            {
                throw Damaged(FilePath, "detection " + id + " has techniques that are not a JSON array of strings");
            }

            return new Detection
            {
                Id = guid,
                Name = reader.GetString(1),
                Platform = ParseName<DetectionPlatform>(reader.GetString(2), "platform", id, FilePath),
                Tactic = ParseName<Tactic>(reader.GetString(3), "tactic", id, FilePath),
                Techniques = techniques,
                Score = reader.GetDouble(5),
                Severity = ParseName<Severity>(reader.GetString(6), "severity", id, FilePath),
                Action = ParseName<DetectionAction>(reader.GetString(7), "action", id, FilePath),
                Host = reader.GetString(8),
                ProcessGuid = NullableString(reader, 9),
                ProcessId = reader.IsDBNull(10) ? null : reader.GetInt32(10),
                Image = NullableString(reader, 11),
                CommandLine = NullableString(reader, 12),
                ParentImage = NullableString(reader, 13),
                User = NullableString(reader, 14),
                FirstSeen = ParseTime(reader.GetString(15), "first_seen", id, FilePath),
                LastSeen = ParseTime(reader.GetString(16), "last_seen", id, FilePath),
                SourceFile = NullableString(reader, 17),
                Evidence = evidence.TryGetValue(id, out List<Evidence>? items) ? items : (IReadOnlyList<Evidence>)Array.Empty<Evidence>(),
                ModelVersion = NullableString(reader, 18),
                RuleSetVersion = NullableString(reader, 19),
            };
        }

        private SqliteCommand Command(SqliteTransaction? transaction, string sql)
        {
            SqliteCommand command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }

        private void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(DetectionStore));
            }
        }

        private sealed class Migration
        {
            public Migration(int version, string sql)
            {
                Version = version;
                Sql = sql;
            }

            public int Version { get; }

            public string Sql { get; }
        }

        /// <summary>A WHERE clause built from fixed fragments, with every value passed as a parameter.</summary>
        private sealed class Selection
        {
            private readonly List<KeyValuePair<string, object>> _parameters = new List<KeyValuePair<string, object>>();

            public List<string> Conditions { get; } = new List<string>();

            public int? Last { get; set; }

            public void Add(string condition, string parameter, object value)
            {
                Conditions.Add(condition);
                _parameters.Add(new KeyValuePair<string, object>(parameter, value));
            }

            public void Bind(SqliteCommand command)
            {
                foreach (KeyValuePair<string, object> parameter in _parameters)
                {
                    command.Parameters.AddWithValue(parameter.Key, parameter.Value);
                }

                if (Last.HasValue)
                {
                    command.Parameters.AddWithValue("$last", Last.Value);
                }
            }
        }
    }
}
