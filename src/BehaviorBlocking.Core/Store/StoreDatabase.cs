using System;
using System.Globalization;
using System.IO;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// The open store file: one SQLite connection in WAL mode with foreign keys and a busy
    /// timeout, its schema migrated forward, and SQLite failures turned into the store's error ids.
    /// The tables (<see cref="DetectionTable"/>, <see cref="ScanTable"/>, and those that follow)
    /// run their statements through it.
    /// </summary>
    internal sealed class StoreDatabase : IDisposable
    {
        private const int BusyTimeoutMilliseconds = 5000;

        private bool _disposed;

        private StoreDatabase(SqliteConnection connection, string filePath, int schemaVersion)
        {
            Connection = connection;
            FilePath = filePath;
            SchemaVersion = schemaVersion;
        }

        /// <summary>Full path of the database file.</summary>
        public string FilePath { get; }

        /// <summary>Schema version of the open file.</summary>
        public int SchemaVersion { get; }

        /// <summary>The connection; belongs to one thread at a time, like the store.</summary>
        public SqliteConnection Connection { get; }

        /// <summary>
        /// Opens (creating folder and file when missing) the store at <paramref name="path"/> and
        /// migrates it to <paramref name="targetVersion"/>. Nothing is written to a file whose schema
        /// is newer than this code's or whose tables do not match its version.
        /// </summary>
        public static StoreDatabase Open(string path, int targetVersion)
        {
            string fullPath = StorePath(path);

            // Loads e_sqlite3 from runtimes/<rid>/native beside the Core assembly (the module's folder inside pwsh).
            SqliteNativeLocator.EnsureLoaded();
            CreateFolder(fullPath);

            SqliteConnection? connection = null;
            try
            {
                connection = Connect(fullPath, SqliteOpenMode.ReadWriteCreate, immutable: false);

                // SQLite quietly opens a file it may not write read-only; a store opened to be written must say so now.
                if (raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
                {
                    throw new BehaviorBlockingException(
                        DetectionStore.AccessDeniedErrorId,
                        FailureKind.AccessDenied,
                        "The store '" + fullPath + "' cannot be opened for writing: the file is read-only for this account.")
                    {
                        Target = fullPath,
                    };
                }

                // Check before anything writes to the file: a newer or mislabelled schema must stay untouched.
                int version = CheckSchema(connection, fullPath);

                // WAL with synchronous=NORMAL: a commit is durable against a killed process (the
                // WAL is in the OS's hands at commit); power loss may drop the last commits, never
                // corrupt the file. FULL would add one fsync per detection.
                Execute(connection, null, "PRAGMA journal_mode = WAL;");
                Execute(connection, null, "PRAGMA synchronous = NORMAL;");
                Execute(connection, null, "PRAGMA foreign_keys = ON;");
                MigrateTo(connection, targetVersion, fullPath);
                version = ReadUserVersion(connection, null);
                return new StoreDatabase(connection, fullPath, version);
            }
            catch (SqliteException ex)
            {
                connection?.Dispose();
                throw Translate(ex, fullPath);
            }
            catch
            {
                connection?.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Opens an existing store to read it, without writing to it: read-only (<c>mode=ro</c>,
        /// <c>query_only</c>), so a store the user may only read, in a folder where SQLite cannot
        /// create its <c>-shm</c> file, still answers queries (then opened <c>immutable</c>, which is
        /// safe because nothing can write beside it). A store of an older schema is migrated first,
        /// which needs write access.
        /// </summary>
        public static StoreDatabase OpenReadOnly(string path)
        {
            string fullPath = StorePath(path);
            if (!File.Exists(fullPath))
            {
                throw new BehaviorBlockingException(Engine.ErrorIds.StoreNotFound, FailureKind.NotFound,
                    "No detection store at '" + fullPath + "' (run a scan first, or name one).")
                {
                    Target = fullPath,
                };
            }

            SqliteNativeLocator.EnsureLoaded();
            bool immutable = false;
            while (true)
            {
                SqliteConnection? connection = null;
                try
                {
                    connection = Connect(fullPath, SqliteOpenMode.ReadOnly, immutable);
                    Execute(connection, null, "PRAGMA query_only = ON;");
                    int version = CheckSchema(connection, fullPath);
                    if (version < StoreSchema.CurrentVersion)
                    {
                        connection.Dispose();
                        return OpenToMigrate(fullPath, version);
                    }

                    return new StoreDatabase(connection, fullPath, version);
                }
                catch (SqliteException ex) when (!immutable && CannotOpen(ex))
                {
                    // A WAL store opened read-only needs its -shm file, which a read-only folder cannot
                    // take. Unless a WAL file holds changes not merged into the file, the file alone is
                    // the whole store, and immutable reads it without the -shm.
                    connection?.Dispose();
                    ThrowIfUnmergedWal(ex, fullPath);
                    immutable = true;
                }
                catch (SqliteException ex)
                {
                    connection?.Dispose();
                    throw Translate(ex, fullPath);
                }
                catch
                {
                    connection?.Dispose();
                    throw;
                }
            }
        }

        /// <summary>Applies every migration up to <paramref name="target"/> that the database lacks, one transaction each.</summary>
        public static void MigrateTo(SqliteConnection connection, int target, string filePath)
        {
            if (connection is null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            if (target < 0 || target > StoreSchema.CurrentVersion)
            {
                throw new ArgumentOutOfRangeException(nameof(target), "Schema versions run from 0 to " + StoreSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture) + ".");
            }

            foreach (StoreMigration migration in StoreSchema.Migrations)
            {
                if (migration.Version > target)
                {
                    break;
                }

                // BEGIN IMMEDIATE takes the write lock first, so two processes opening an old
                // file at once cannot both apply the same step; re-read the version under it.
                using (SqliteTransaction transaction = connection.BeginTransaction(deferred: false))
                {
                    int current = ReadUserVersion(connection, transaction);
                    if (current > StoreSchema.CurrentVersion)
                    {
                        throw SchemaTooNew(filePath, current);
                    }

                    if (current >= migration.Version)
                    {
                        continue;
                    }

                    try
                    {
                        Execute(connection, transaction, migration.Sql);
                    }
                    catch (SqliteException ex) when (IsContentError(ex))
                    {
                        // The file's tables or rows are not what its version holds. Nothing is
                        // committed, so the file stays at its version with all its data.
                        throw new BehaviorBlockingException(
                            DetectionStore.CorruptErrorId,
                            FailureKind.InvalidData,
                            "The store '" + filePath + "' could not be migrated from schema version " + current.ToString(CultureInfo.InvariantCulture)
                            + " to " + migration.Version.ToString(CultureInfo.InvariantCulture) + " (" + migration.Summary
                            + "): it holds tables or values that version " + current.ToString(CultureInfo.InvariantCulture)
                            + " does not write. The file is unchanged. " + ex.Message,
                            ex)
                        {
                            Target = filePath,
                        };
                    }

                    Execute(connection, transaction, "PRAGMA user_version = " + migration.Version.ToString(CultureInfo.InvariantCulture) + ";");
                    transaction.Commit();
                }
            }
        }

        /// <summary>Maps every SQLite failure to one of the store's error ids, naming the file; no SqliteException leaves the store.</summary>
        public static BehaviorBlockingException Translate(SqliteException ex, string filePath)
        {
            string store = "The store '" + filePath + "' ";

            // Extended result codes carry the primary code in their low byte.
            switch (ex.SqliteErrorCode & 0xFF)
            {
                case 11: // SQLITE_CORRUPT
                case 26: // SQLITE_NOTADB
                    return Failure(DetectionStore.CorruptErrorId, FailureKind.InvalidData, store + "is not a BehaviorBlocking database or is damaged: ");
                case 3: // SQLITE_PERM
                case 8: // SQLITE_READONLY
                case 14: // SQLITE_CANTOPEN
                case 23: // SQLITE_AUTH
                    return Failure(DetectionStore.AccessDeniedErrorId, FailureKind.AccessDenied, store + "cannot be opened, or not for writing: ");
                case 5: // SQLITE_BUSY
                case 6: // SQLITE_LOCKED
                case 10: // SQLITE_IOERR
                case 13: // SQLITE_FULL
                    return Failure(DetectionStore.UnavailableErrorId, FailureKind.Unavailable, store + "cannot be used right now: ");
                case 1: // SQLITE_ERROR: a table or column the statement needs is missing
                case 19: // SQLITE_CONSTRAINT
                case 20: // SQLITE_MISMATCH
                    return Failure(DetectionStore.SchemaMismatchErrorId, FailureKind.InvalidData,
                        store + "does not have the tables this version of BehaviorBlocking writes (schema version "
                        + StoreSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture) + "); it was changed by something else: ");
                default:
                    return Failure(DetectionStore.UnavailableErrorId, FailureKind.Unavailable, store + "failed: ");
            }

            BehaviorBlockingException Failure(string errorId, FailureKind kind, string message) =>
                new BehaviorBlockingException(errorId, kind, message + ex.Message, ex) { Target = filePath };
        }

        /// <summary>The failure for a stored value this version cannot read.</summary>
        public BehaviorBlockingException Damaged(string what)
        {
            return new BehaviorBlockingException(
                DetectionStore.CorruptErrorId,
                FailureKind.InvalidData,
                "The store '" + FilePath + "' holds a value this version cannot read: " + what + ".")
            {
                Target = FilePath,
            };
        }

        /// <summary>A command on the connection, inside <paramref name="transaction"/> when given.</summary>
        public SqliteCommand Command(SqliteTransaction? transaction, string sql)
        {
            ThrowIfDisposed();
            SqliteCommand command = Connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }

        /// <summary>Starts a transaction; <paramref name="deferred"/> ones take the write lock only when they first write.</summary>
        public SqliteTransaction Begin(bool deferred = false)
        {
            ThrowIfDisposed();
            return Connection.BeginTransaction(deferred);
        }

        /// <summary>Throws <see cref="ObjectDisposedException"/> once the file is closed.</summary>
        public void ThrowIfDisposed()
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(DetectionStore));
            }
        }

        /// <summary>Closes the file.</summary>
        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Connection.Dispose();
            }
        }

        private static bool IsContentError(SqliteException ex)
        {
            // SQLITE_ERROR (a missing table, text that is not JSON), SQLITE_CONSTRAINT (a value
            // without a store code, a duplicate), SQLITE_MISMATCH.
            int primary = ex.SqliteErrorCode & 0xFF;
            return primary == 1 || primary == 19 || primary == 20;
        }

        private static string StorePath(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("A store path is required.", nameof(path));
            }

            string fullPath = Path.GetFullPath(path);
            if (Directory.Exists(fullPath))
            {
                throw new BehaviorBlockingException(
                    Engine.ErrorIds.StorePathIsDirectory,
                    FailureKind.InvalidData,
                    "The store path '" + fullPath + "' is a directory; name the database file (for example '"
                    + Path.Combine(fullPath, ProductHome.StoreFileName) + "').")
                {
                    Target = fullPath,
                };
            }

            return fullPath;
        }

        private static SqliteConnection Connect(string fullPath, SqliteOpenMode mode, bool immutable)
        {
            var builder = new SqliteConnectionStringBuilder
            {
                // immutable=1 is a URI parameter; the URI form percent-encodes the path.
                DataSource = immutable ? new Uri(fullPath).AbsoluteUri + "?immutable=1" : fullPath,
                Mode = mode,
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
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        // SQLITE_CANTOPEN, SQLITE_READONLY (and their extended codes such as SQLITE_READONLY_CANTINIT).
        private static bool CannotOpen(SqliteException ex)
        {
            int primary = ex.SqliteErrorCode & 0xFF;
            return primary == 14 || primary == 8;
        }

        private static void ThrowIfUnmergedWal(SqliteException ex, string fullPath)
        {
            var wal = new FileInfo(fullPath + "-wal");
            if (wal.Exists && wal.Length > 0)
            {
                throw new BehaviorBlockingException(
                    DetectionStore.AccessDeniedErrorId,
                    FailureKind.AccessDenied,
                    "The store '" + fullPath + "' cannot be read: its folder is read-only, and '" + wal.Name
                    + "' beside it holds changes not yet merged into the file, which SQLite can only read with a '-shm' file it cannot create there."
                    + " Open the store once with write access to its folder, or copy the three files somewhere writable. " + ex.Message,
                    ex)
                {
                    Target = fullPath,
                };
            }
        }

        private static StoreDatabase OpenToMigrate(string fullPath, int version)
        {
            try
            {
                return Open(fullPath, StoreSchema.CurrentVersion);
            }
            catch (BehaviorBlockingException ex) when (ex.ErrorId == DetectionStore.AccessDeniedErrorId)
            {
                throw new BehaviorBlockingException(
                    DetectionStore.AccessDeniedErrorId,
                    FailureKind.AccessDenied,
                    "The store '" + fullPath + "' has schema version " + version.ToString(CultureInfo.InvariantCulture)
                    + " and must be migrated to version " + StoreSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture)
                    + " before this version can read it, which needs write access to the file and its folder: " + ex.Message,
                    ex)
                {
                    Target = fullPath,
                };
            }
        }

        // The version a file claims must be one this code knows, and its tables must be that version's.
        // Both are read in one read transaction, so a migration by another process cannot fall between them.
        private static int CheckSchema(SqliteConnection connection, string fullPath)
        {
            int version;
            string layout;
            using (SqliteTransaction transaction = connection.BeginTransaction(deferred: true))
            {
                version = ReadUserVersion(connection, transaction);
                layout = StoreSchema.Layout(connection, transaction);
                transaction.Commit();
            }

            if (version > StoreSchema.CurrentVersion)
            {
                throw SchemaTooNew(fullPath, version);
            }

            if (version < 0)
            {
                throw SchemaMismatch(fullPath, version, "but no BehaviorBlocking version writes a negative one");
            }

            if (string.Equals(layout, StoreSchema.LayoutOf(version), StringComparison.Ordinal))
            {
                return version;
            }

            int? actual = StoreSchema.VersionWithLayout(layout);
            throw SchemaMismatch(fullPath, version, actual.HasValue
                ? "but its tables are those of schema version " + actual.Value.ToString(CultureInfo.InvariantCulture)
                    + " (to repair it, set 'PRAGMA user_version = " + actual.Value.ToString(CultureInfo.InvariantCulture) + ";')"
                : "but its tables are not those of any BehaviorBlocking schema (0 to " + StoreSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture)
                    + "): it is another program's database, or its tables were changed");
        }

        private static BehaviorBlockingException SchemaMismatch(string fullPath, int version, string detail)
        {
            return new BehaviorBlockingException(
                DetectionStore.SchemaMismatchErrorId,
                FailureKind.InvalidData,
                "The store '" + fullPath + "' says it has schema version " + version.ToString(CultureInfo.InvariantCulture)
                + " (PRAGMA user_version) " + detail + ". The file was left unchanged.")
            {
                Target = fullPath,
            };
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
                    DetectionStore.AccessDeniedErrorId,
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

        private static BehaviorBlockingException SchemaTooNew(string filePath, int version)
        {
            return new BehaviorBlockingException(
                DetectionStore.SchemaTooNewErrorId,
                FailureKind.InvalidData,
                "The store '" + filePath + "' has schema version " + version.ToString(CultureInfo.InvariantCulture)
                + ", newer than version " + StoreSchema.CurrentVersion.ToString(CultureInfo.InvariantCulture)
                + " that this version of BehaviorBlocking understands; use a newer version or another store.")
            {
                Target = filePath,
            };
        }
    }
}
