using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Response;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>One row of the <c>actions</c> table: a response step, the detection it belongs to (none for a manual block of a pid, path or hash) and who took it.</summary>
    public sealed class ActionRecord
    {
        internal ActionRecord(long sequence, Guid? detectionId, ResponseStep step)
        {
            Sequence = sequence;
            DetectionId = detectionId;
            Step = step;
        }

        /// <summary>Position in the log (only grows).</summary>
        public long Sequence { get; }

        /// <summary>The detection the step was taken for, or null.</summary>
        public Guid? DetectionId { get; }

        /// <summary>The step; its <see cref="ResponseStep.Actor"/> says who took it.</summary>
        public ResponseStep Step { get; }
    }

    /// <summary>
    /// The log of response steps in the store (<c>actions</c>, schema version 5): what <c>block</c> did,
    /// with or without a detection, and what policy responders did (written with their detection by
    /// <see cref="DetectionStore.Upsert"/>). Steps are appended, never changed. Not thread-safe.
    /// </summary>
    public sealed class ActionLog : IDisposable
    {
        internal const string Columns = "seq, detection_id, time, kind, target, outcome, detail, reference, actor";

        internal const string InsertSql = @"
INSERT INTO actions (detection_id, time, kind, target, outcome, detail, reference, actor)
VALUES ($detection_id, $time, $kind, $target, $outcome, $detail, $reference, $actor);";

        private readonly StoreDatabase _database;

        private ActionLog(StoreDatabase database)
        {
            _database = database;
        }

        /// <summary>Full path of the database file.</summary>
        public string FilePath => _database.FilePath;

        /// <summary>Opens (creating and migrating when needed) the store at <paramref name="path"/>; errors as <see cref="DetectionStore.Open(string)"/>.</summary>
        public static ActionLog Open(string path) => new ActionLog(StoreDatabase.Open(path, StoreSchema.CurrentVersion));

        /// <summary>Opens an existing store for reading; errors as <see cref="DetectionStore.OpenReadOnly(string)"/>.</summary>
        public static ActionLog OpenReadOnly(string path) => new ActionLog(StoreDatabase.OpenReadOnly(path));

        /// <summary>Appends steps in one transaction, for the detection <paramref name="detectionId"/> or none.</summary>
        public void Record(IEnumerable<ResponseStep> steps, Guid? detectionId)
        {
            if (steps is null)
            {
                throw new ArgumentNullException(nameof(steps));
            }

            _database.ThrowIfDisposed();
            try
            {
                using (SqliteTransaction transaction = _database.Begin())
                using (SqliteCommand insert = _database.Command(transaction, InsertSql))
                {
                    AddParameters(insert);
                    insert.Parameters["$detection_id"].Value = detectionId.HasValue ? (object)StoreEncoding.Id(detectionId.Value) : DBNull.Value;
                    foreach (ResponseStep step in steps)
                    {
                        Bind(insert, step ?? throw new ArgumentException("The steps contain a null item.", nameof(steps)));
                        insert.ExecuteNonQuery();
                    }

                    transaction.Commit();
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>The steps recorded, oldest first: all, or those of one detection.</summary>
        /// <param name="detectionId">Only this detection's steps; null for every step.</param>
        /// <param name="last">Only this many of the most recent.</param>
        public IReadOnlyList<ActionRecord> List(Guid? detectionId = null, int? last = null)
        {
            _database.ThrowIfDisposed();
            if (last.HasValue && last.Value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(last), "Last cannot be negative.");
            }

            string where = detectionId.HasValue ? " WHERE detection_id = $detection_id" : string.Empty;
            string sql = last.HasValue
                ? "SELECT * FROM (SELECT " + Columns + " FROM actions" + where + " ORDER BY seq DESC LIMIT $last) ORDER BY seq;"
                : "SELECT " + Columns + " FROM actions" + where + " ORDER BY seq;";
            try
            {
                var records = new List<ActionRecord>();
                using (SqliteCommand command = _database.Command(null, sql))
                {
                    if (detectionId.HasValue)
                    {
                        command.Parameters.AddWithValue("$detection_id", StoreEncoding.Id(detectionId.Value));
                    }

                    if (last.HasValue)
                    {
                        command.Parameters.AddWithValue("$last", last.Value);
                    }

                    using (SqliteDataReader reader = command.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            records.Add(Read(_database, reader));
                        }
                    }
                }

                return records;
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>Closes the database file.</summary>
        public void Dispose() => _database.Dispose();

        internal static void AddParameters(SqliteCommand insert)
        {
            insert.Parameters.Add("$detection_id", SqliteType.Text);
            insert.Parameters.Add("$time", SqliteType.Text);
            insert.Parameters.Add("$kind", SqliteType.Integer);
            insert.Parameters.Add("$target", SqliteType.Text);
            insert.Parameters.Add("$outcome", SqliteType.Integer);
            insert.Parameters.Add("$detail", SqliteType.Text);
            insert.Parameters.Add("$reference", SqliteType.Text);
            insert.Parameters.Add("$actor", SqliteType.Text);
        }

        /// <summary>Binds a step to the insert (all but the detection id).</summary>
        internal static void Bind(SqliteCommand insert, ResponseStep step)
        {
            SqliteParameterCollection p = insert.Parameters;
            p["$time"].Value = StoreEncoding.Time(step.Time);
            p["$kind"].Value = (long)step.Kind;
            p["$target"].Value = step.Target;
            p["$outcome"].Value = (long)step.Outcome;
            p["$detail"].Value = step.Detail is null ? DBNull.Value : (object)step.Detail;
            p["$reference"].Value = step.Reference is null ? DBNull.Value : (object)step.Reference;
            p["$actor"].Value = step.Actor;
        }

        /// <summary>Reads a row selected with <see cref="Columns"/>; a value this version cannot read is reported as damage.</summary>
        internal static ActionRecord Read(StoreDatabase database, SqliteDataReader reader)
        {
            long seq = reader.GetInt64(0);
            string what = "action " + seq.ToString(CultureInfo.InvariantCulture);
            Guid? detectionId = null;
            if (!reader.IsDBNull(1))
            {
                if (!StoreEncoding.TryParseId(reader.GetString(1), out Guid id))
                {
                    throw database.Damaged(what + " has a detection id '" + reader.GetString(1) + "'");
                }

                detectionId = id;
            }

            if (!StoreEncoding.TryParseTime(reader.GetString(2), out DateTimeOffset time))
            {
                throw database.Damaged(what + " has a time '" + reader.GetString(2) + "'");
            }

            long kind = reader.GetInt64(3);
            long outcome = reader.GetInt64(5);
            if (!Enum.IsDefined(typeof(ResponseKind), (int)kind) || kind != (int)kind)
            {
                throw database.Damaged(what + " has kind code " + kind.ToString(CultureInfo.InvariantCulture));
            }

            if (!Enum.IsDefined(typeof(StepOutcome), (int)outcome) || outcome != (int)outcome)
            {
                throw database.Damaged(what + " has outcome code " + outcome.ToString(CultureInfo.InvariantCulture));
            }

            var step = new ResponseStep((ResponseKind)(int)kind, reader.GetString(4), (StepOutcome)(int)outcome,
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), time)
            {
                Actor = reader.GetString(8),
            };
            return new ActionRecord(seq, detectionId, step);
        }
    }
}
