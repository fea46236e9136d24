using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Response;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// Remediations and their backups: the store's <c>remediations</c> table. A backup is committed
    /// with <c>synchronous = FULL</c> (the WAL is on disk when the commit returns) before anything is
    /// removed, so a crash or power loss after it never loses what was removed.
    /// </summary>
    /// <remarks>Not thread-safe: use an instance from one thread at a time (several may share one file).</remarks>
    public sealed class RemediationStore : IDisposable
    {
        private const string Columns = "id, detection_id, time, kind, location, entry, description, state, restored";

        private readonly StoreDatabase _database;

        private RemediationStore(StoreDatabase database)
        {
            _database = database;
        }

        /// <summary>Full path of the database file.</summary>
        public string FilePath => _database.FilePath;

        /// <summary>Opens (creating and migrating when needed) the store at <paramref name="path"/> to record and undo remediations.</summary>
        /// <exception cref="BehaviorBlockingException">The store's error ids (<c>StoreAccessDenied</c>, <c>StoreCorrupt</c>, ...).</exception>
        public static RemediationStore Open(string path)
        {
            StoreDatabase database = StoreDatabase.Open(path, StoreSchema.CurrentVersion);
            try
            {
                // A backup must be on disk before the removal it backs up; NORMAL leaves the last commits to the OS.
                using (SqliteCommand command = database.Command(null, "PRAGMA synchronous = FULL;"))
                {
                    command.ExecuteNonQuery();
                }

                return new RemediationStore(database);
            }
            catch (SqliteException ex)
            {
                database.Dispose();
                throw StoreDatabase.Translate(ex, database.FilePath);
            }
            catch
            {
                database.Dispose();
                throw;
            }
        }

        /// <summary>Opens an existing store only to list remediations.</summary>
        /// <exception cref="BehaviorBlockingException"><c>StoreNotFound</c> and the store's other error ids.</exception>
        public static RemediationStore OpenReadOnly(string path) => new RemediationStore(StoreDatabase.OpenReadOnly(path));

        /// <summary>Every remediation, oldest first.</summary>
        public IReadOnlyList<RemediationRecord> List()
        {
            return Guard(() =>
            {
                var records = new List<RemediationRecord>();
                using (SqliteCommand command = _database.Command(null, "SELECT " + Columns + " FROM remediations ORDER BY time, id;"))
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        records.Add(Read(reader));
                    }
                }

                return (IReadOnlyList<RemediationRecord>)records;
            });
        }

        /// <summary>The remediation with this id, or null.</summary>
        public RemediationRecord? Get(Guid id) => Find(id)?.Record;

        /// <summary>Records a removal's backup, durably, before the removal is made.</summary>
        internal void Add(RemediationRecord record, byte[] backup)
        {
            Guard(() =>
            {
                using (SqliteCommand command = _database.Command(null, @"
INSERT INTO remediations (id, detection_id, time, kind, location, entry, description, backup, state, restored)
VALUES ($id, $detection, $time, $kind, $location, $entry, $description, $backup, $state, NULL);"))
                {
                    command.Parameters.AddWithValue("$id", StoreEncoding.Id(record.Id));
                    command.Parameters.AddWithValue("$detection", record.DetectionId.HasValue ? (object)StoreEncoding.Id(record.DetectionId.Value) : DBNull.Value);
                    command.Parameters.AddWithValue("$time", StoreEncoding.Time(record.Time));
                    command.Parameters.AddWithValue("$kind", (long)record.Artifact.Kind);
                    command.Parameters.AddWithValue("$location", record.Artifact.Location);
                    command.Parameters.AddWithValue("$entry", (object?)record.Artifact.Entry ?? DBNull.Value);
                    command.Parameters.AddWithValue("$description", (object?)record.Description ?? DBNull.Value);
                    command.Parameters.Add("$backup", SqliteType.Blob).Value = backup;
                    command.Parameters.AddWithValue("$state", (long)record.State);
                    command.ExecuteNonQuery();
                }

                return 0;
            });
        }

        /// <summary>The record and its backup, or null.</summary>
        internal (RemediationRecord Record, byte[] Backup)? Find(Guid id)
        {
            return Guard(() =>
            {
                using (SqliteCommand command = _database.Command(null, "SELECT " + Columns + ", backup FROM remediations WHERE id = $id;"))
                {
                    command.Parameters.AddWithValue("$id", StoreEncoding.Id(id));
                    using (SqliteDataReader reader = command.ExecuteReader())
                    {
                        if (!reader.Read())
                        {
                            return ((RemediationRecord, byte[])?)null;
                        }

                        return (Read(reader), (byte[])reader.GetValue(9));
                    }
                }
            });
        }

        /// <summary>Marks a remediation undone.</summary>
        internal void MarkRestored(Guid id, DateTimeOffset at)
        {
            Guard(() =>
            {
                using (SqliteCommand command = _database.Command(null, "UPDATE remediations SET state = $state, restored = $restored WHERE id = $id;"))
                {
                    command.Parameters.AddWithValue("$id", StoreEncoding.Id(id));
                    command.Parameters.AddWithValue("$state", (long)RemediationState.Restored);
                    command.Parameters.AddWithValue("$restored", StoreEncoding.Time(at));
                    command.ExecuteNonQuery();
                }

                return 0;
            });
        }

        /// <summary>Drops the record of a removal that left everything as it was (it failed and was rolled back).</summary>
        internal void Forget(Guid id)
        {
            Guard(() =>
            {
                using (SqliteCommand command = _database.Command(null, "DELETE FROM remediations WHERE id = $id;"))
                {
                    command.Parameters.AddWithValue("$id", StoreEncoding.Id(id));
                    command.ExecuteNonQuery();
                }

                return 0;
            });
        }

        /// <summary>Closes the file.</summary>
        public void Dispose() => _database.Dispose();

        private RemediationRecord Read(SqliteDataReader reader)
        {
            string idText = reader.GetString(0);
            if (!StoreEncoding.TryParseId(idText, out Guid id))
            {
                throw _database.Damaged("remediation id '" + idText + "'");
            }

            Guid? detection = null;
            if (!reader.IsDBNull(1))
            {
                if (!StoreEncoding.TryParseId(reader.GetString(1), out Guid d))
                {
                    throw _database.Damaged("remediation " + idText + " has detection id '" + reader.GetString(1) + "'");
                }

                detection = d;
            }

            if (!StoreEncoding.TryParseTime(reader.GetString(2), out DateTimeOffset time))
            {
                throw _database.Damaged("remediation " + idText + " has time '" + reader.GetString(2) + "'");
            }

            long kind = reader.GetInt64(3);
            if (!Enum.IsDefined(typeof(PersistenceKind), (int)kind))
            {
                throw _database.Damaged("remediation " + idText + " has kind code " + kind.ToString(CultureInfo.InvariantCulture));
            }

            long state = reader.GetInt64(7);
            if (!Enum.IsDefined(typeof(RemediationState), (int)state))
            {
                throw _database.Damaged("remediation " + idText + " has state code " + state.ToString(CultureInfo.InvariantCulture));
            }

            DateTimeOffset? restored = null;
            if (!reader.IsDBNull(8))
            {
                if (!StoreEncoding.TryParseTime(reader.GetString(8), out DateTimeOffset r))
                {
                    throw _database.Damaged("remediation " + idText + " has restore time '" + reader.GetString(8) + "'");
                }

                restored = r;
            }

            var artifact = new PersistenceArtifact((PersistenceKind)kind, reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
            return new RemediationRecord(id, artifact, (RemediationState)state, time)
            {
                DetectionId = detection,
                Description = reader.IsDBNull(6) ? null : reader.GetString(6),
                RestoredAt = restored,
            };
        }

        private T Guard<T>(Func<T> work)
        {
            _database.ThrowIfDisposed();
            try
            {
                return work();
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }
    }
}
