using System;
using System.Globalization;
using System.IO;
using Microsoft.Data.Sqlite;

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
        /// migrates it to <paramref name="targetVersion"/>.
        /// </summary>
        public static StoreDatabase Open(string path, int targetVersion)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new ArgumentException("A store path is required.", nameof(path));
            }

            string fullPath = Path.GetFullPath(path);

            // Loads e_sqlite3 from runtimes/<rid>/native beside the Core assembly (the module's folder inside pwsh).
            SqliteNativeLocator.EnsureLoaded();
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
                if (version > StoreSchema.CurrentVersion)
                {
                    throw SchemaTooNew(fullPath, version);
                }

                Execute(connection, null, "PRAGMA journal_mode = WAL;");
                Execute(connection, null, "PRAGMA foreign_keys = ON;");
                MigrateTo(connection, targetVersion, fullPath);
                version = ReadUserVersion(connection, null);
                return new StoreDatabase(connection, fullPath, version);
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

        /// <summary>Maps a SQLite failure to the store's error ids, naming the file; other failures pass through.</summary>
        public static Exception Translate(SqliteException ex, string filePath)
        {
            // Extended result codes carry the primary code in their low byte.
            switch (ex.SqliteErrorCode & 0xFF)
            {
                case 11: // SQLITE_CORRUPT
                case 26: // SQLITE_NOTADB
                    return new BehaviorBlockingException(
                        DetectionStore.CorruptErrorId,
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
                        DetectionStore.AccessDeniedErrorId,
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
                        DetectionStore.UnavailableErrorId,
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
