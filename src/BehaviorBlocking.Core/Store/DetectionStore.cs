using System;
using System.Collections.Generic;
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
    /// writers wait for each other up to the busy timeout. Values are stored in the store's own
    /// column encoding, never in the detection record's JSON, so the two evolve separately.
    /// </remarks>
    public sealed class DetectionStore : IDisposable
    {
        /// <summary>Error id raised when the file was written by a newer version of the product.</summary>
        public const string SchemaTooNewErrorId = Engine.ErrorIds.StoreSchemaTooNew;

        /// <summary>Error id raised when the file is not a SQLite database, is damaged, or holds values this version cannot read.</summary>
        public const string CorruptErrorId = Engine.ErrorIds.StoreCorrupt;

        /// <summary>Error id raised when the store's location cannot be created or written.</summary>
        public const string AccessDeniedErrorId = Engine.ErrorIds.StoreAccessDenied;

        /// <summary>Error id raised when the store cannot be used right now (locked, disk full, I/O error, no native SQLite).</summary>
        public const string UnavailableErrorId = Engine.ErrorIds.StoreUnavailable;

        /// <summary>Error id raised when the file's tables are not those of the schema version it claims.</summary>
        public const string SchemaMismatchErrorId = Engine.ErrorIds.StoreSchemaMismatch;

        private readonly StoreDatabase _database;
        private readonly DetectionTable _detections;
        private readonly ScanTable _scans;

        private DetectionStore(StoreDatabase database)
        {
            _database = database;
            _detections = new DetectionTable(database);
            _scans = new ScanTable(database);
        }

        /// <summary>The schema version this code creates and understands.</summary>
        public static int CurrentSchemaVersion => StoreSchema.CurrentVersion;

        /// <summary>Full path of the database file.</summary>
        public string FilePath => _database.FilePath;

        /// <summary>Schema version of the open database (always <see cref="CurrentSchemaVersion"/> after <see cref="Open(string)"/>).</summary>
        public int SchemaVersion => _database.SchemaVersion;

        /// <summary>
        /// Opens the store at <paramref name="path"/>, creating its folder and file when missing and
        /// migrating the schema to <see cref="CurrentSchemaVersion"/>.
        /// </summary>
        /// <param name="path">The database file, e.g. <see cref="ProductHome.DefaultStorePath"/>.</param>
        /// <exception cref="BehaviorBlockingException">
        /// <c>StorePathIsDirectory</c>, <c>StoreSchemaTooNew</c>, <c>StoreSchemaMismatch</c> or
        /// <c>StoreCorrupt</c> (InvalidData), <c>StoreAccessDenied</c> (AccessDenied),
        /// <c>StoreUnavailable</c> (Unavailable).
        /// </exception>
        public static DetectionStore Open(string path)
        {
            return Open(path, CurrentSchemaVersion);
        }

        /// <summary>
        /// Opens an existing store for queries without writing to it, so a store the user may only
        /// read (a read-only file, or a read-only folder where SQLite cannot create its <c>-shm</c>
        /// file) can still be queried. Writing through it fails with <c>StoreAccessDenied</c>. A store
        /// of an older schema version is migrated first, which needs write access.
        /// </summary>
        /// <param name="path">The database file.</param>
        /// <exception cref="BehaviorBlockingException">
        /// <c>StoreNotFound</c> (NotFound), <c>StorePathIsDirectory</c>, <c>StoreSchemaTooNew</c>,
        /// <c>StoreSchemaMismatch</c> or <c>StoreCorrupt</c> (InvalidData), <c>StoreAccessDenied</c>
        /// (AccessDenied), <c>StoreUnavailable</c> (Unavailable).
        /// </exception>
        public static DetectionStore OpenReadOnly(string path)
        {
            return new DetectionStore(StoreDatabase.OpenReadOnly(path));
        }

        /// <summary>Opens the store migrated only as far as <paramref name="targetVersion"/>; tests build older databases with it.</summary>
        internal static DetectionStore Open(string path, int targetVersion)
        {
            return new DetectionStore(StoreDatabase.Open(path, targetVersion));
        }

        /// <summary>Applies every migration up to <paramref name="target"/> that the database lacks, one transaction each.</summary>
        internal static void MigrateTo(SqliteConnection connection, int target)
        {
            if (connection is null)
            {
                throw new ArgumentNullException(nameof(connection));
            }

            StoreDatabase.MigrateTo(connection, target, connection.DataSource);
        }

        /// <summary>Inserts or replaces detections (and all their techniques and evidence) in one transaction.</summary>
        /// <param name="detections">
        /// Detections to store; one with an id already stored replaces that row in place (it keeps
        /// its insertion order) and its evidence, so storing the same verdict again never duplicates it.
        /// </param>
        public void Upsert(IEnumerable<Detection> detections)
        {
            _database.ThrowIfDisposed();
            Guard(() => _detections.Upsert(detections));
        }

        /// <summary>Returns the stored detections that match, ordered by last evidence (oldest first), then id.</summary>
        /// <param name="query">The filters to apply.</param>
        public IReadOnlyList<Detection> Query(DetectionQuery query)
        {
            _database.ThrowIfDisposed();
            return Guard(() => _detections.Query(query));
        }

        /// <summary>Returns the stored detection with this id, or null.</summary>
        /// <param name="id">The detection's id.</param>
        public Detection? Get(Guid id)
        {
            _database.ThrowIfDisposed();
            return Guard(() => _detections.Get(id));
        }

        /// <summary>Returns how many detections are stored.</summary>
        public long Count()
        {
            _database.ThrowIfDisposed();
            return Guard(() => _detections.Count());
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
            _database.ThrowIfDisposed();
            return Guard(() => _detections.ApplyRetention(maxAge, maxCount, now));
        }

        /// <summary>Records one replay scan run and returns its id in the store.</summary>
        /// <remarks>A scan records itself as <see cref="ScanStatus.Running"/> when it starts, then <see cref="UpdateScan"/> records how it ended.</remarks>
        /// <param name="record">What the scan read and found; its <see cref="ScanRecord.Id"/> is ignored.</param>
        public long RecordScan(ScanRecord record)
        {
            _database.ThrowIfDisposed();
            return Guard(() => _scans.Record(record));
        }

        /// <summary>Sets the status, end time and counts of a recorded scan; its start time and inputs stay.</summary>
        /// <param name="record">The scan's <see cref="ScanRecord.Id"/> (from <see cref="RecordScan"/>) with its outcome.</param>
        public void UpdateScan(ScanRecord record)
        {
            _database.ThrowIfDisposed();
            Guard(() => _scans.Update(record));
        }

        /// <summary>Returns the recorded scan runs, oldest first, each with its <see cref="ScanRecord.Id"/>.</summary>
        /// <param name="last">Only this many of the most recent; null for all, zero returns nothing.</param>
        public IReadOnlyList<ScanRecord> ListScans(int? last = null)
        {
            _database.ThrowIfDisposed();
            return Guard(() => _scans.List(last));
        }

        // The one place every call leaves the store: a SQLite failure never escapes untranslated.
        private T Guard<T>(Func<T> call)
        {
            try
            {
                return call();
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        private void Guard(Action call)
        {
            Guard(() =>
            {
                call();
                return true;
            });
        }

        /// <summary>Closes the database file.</summary>
        public void Dispose()
        {
            _detections.Dispose();
            _database.Dispose();
        }
    }
}
