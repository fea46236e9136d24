using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>Replay scan runs in the store: the <c>scans</c> table and its <c>scan_inputs</c> rows, in <see cref="StoreEncoding"/>.</summary>
    internal sealed class ScanTable
    {
        private readonly StoreDatabase _database;

        public ScanTable(StoreDatabase database)
        {
            _database = database;
        }

        /// <summary>Records one scan run (its <see cref="ScanRecord.Id"/> is ignored) and returns its id; ids only grow.</summary>
        /// <remarks>A scan records itself as <see cref="ScanStatus.Running"/> when it starts and is updated when it ends.</remarks>
        public long Record(ScanRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            try
            {
                using (SqliteTransaction transaction = _database.Begin())
                {
                    long id;
                    using (SqliteCommand command = _database.Command(transaction, @"
INSERT INTO scans (status, started, finished, files, events, malformed, detections)
VALUES ($status, $started, $finished, $files, $events, $malformed, $detections);
SELECT last_insert_rowid();"))
                    {
                        command.Parameters.AddWithValue("$started", StoreEncoding.Time(record.Started));
                        BindOutcome(command, record);
                        id = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                    }

                    if (record.Inputs != null && record.Inputs.Count > 0)
                    {
                        using (SqliteCommand command = _database.Command(transaction, "INSERT INTO scan_inputs (scan_id, ordinal, input) VALUES ($scan_id, $ordinal, $input);"))
                        {
                            command.Parameters.AddWithValue("$scan_id", id);
                            SqliteParameter ordinal = command.Parameters.Add("$ordinal", SqliteType.Integer);
                            SqliteParameter input = command.Parameters.Add("$input", SqliteType.Text);
                            for (int i = 0; i < record.Inputs.Count; i++)
                            {
                                ordinal.Value = i;
                                input.Value = record.Inputs[i] ?? string.Empty;
                                command.ExecuteNonQuery();
                            }
                        }
                    }

                    transaction.Commit();
                    return id;
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>Sets the status, end time and counts of the recorded scan <see cref="ScanRecord.Id"/> (its start and inputs stay).</summary>
        public void Update(ScanRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            try
            {
                using (SqliteCommand command = _database.Command(null, @"
UPDATE scans SET status = $status, finished = $finished, files = $files, events = $events,
                 malformed = $malformed, detections = $detections
WHERE id = $id;"))
                {
                    command.Parameters.AddWithValue("$id", record.Id);
                    BindOutcome(command, record);
                    if (command.ExecuteNonQuery() != 1)
                    {
                        throw new ArgumentException("No scan " + record.Id.ToString(CultureInfo.InvariantCulture) + " is recorded in '" + _database.FilePath + "'.", nameof(record));
                    }
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>The recorded scans in the order they were recorded; with <paramref name="last"/>, only that many of the most recent.</summary>
        public IReadOnlyList<ScanRecord> List(int? last)
        {
            if (last.HasValue && last.Value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(last), "Last cannot be negative.");
            }

            if (last == 0)
            {
                return Array.Empty<ScanRecord>();
            }

            string matching = last.HasValue
                ? "SELECT id, status, started, finished, files, events, malformed, detections FROM scans ORDER BY id DESC LIMIT $last"
                : "SELECT id, status, started, finished, files, events, malformed, detections FROM scans";
            try
            {
                using (SqliteTransaction transaction = _database.Begin(deferred: true))
                {
                    var inputs = new Dictionary<long, List<string>>();
                    using (SqliteCommand command = _database.Command(transaction, @"
SELECT scan_id, input FROM scan_inputs WHERE scan_id IN (SELECT id FROM (" + matching + @"))
ORDER BY scan_id, ordinal;"))
                    {
                        Bind(command, last);
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            while (reader.Read())
                            {
                                long id = reader.GetInt64(0);
                                if (!inputs.TryGetValue(id, out List<string>? items))
                                {
                                    items = new List<string>();
                                    inputs.Add(id, items);
                                }

                                items.Add(reader.GetString(1));
                            }
                        }
                    }

                    var scans = new List<ScanRecord>();
                    using (SqliteCommand command = _database.Command(transaction, "SELECT * FROM (" + matching + ") ORDER BY id;"))
                    {
                        Bind(command, last);
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            while (reader.Read())
                            {
                                long id = reader.GetInt64(0);
                                if (!StoreEncoding.TryParse(reader.GetInt64(1), out ScanStatus status))
                                {
                                    throw _database.Damaged("scan " + id.ToString(CultureInfo.InvariantCulture) + " has status code " + reader.GetInt64(1).ToString(CultureInfo.InvariantCulture));
                                }

                                scans.Add(new ScanRecord
                                {
                                    Id = id,
                                    Status = status,
                                    Started = ParseTime(reader.GetString(2), "started", id),
                                    Finished = reader.IsDBNull(3) ? null : ParseTime(reader.GetString(3), "finished", id),
                                    Inputs = inputs.TryGetValue(id, out List<string>? items) ? items : (IReadOnlyList<string>)Array.Empty<string>(),
                                    Files = reader.GetInt64(4),
                                    Events = reader.GetInt64(5),
                                    Malformed = reader.GetInt64(6),
                                    Detections = reader.GetInt64(7),
                                });
                            }
                        }
                    }

                    transaction.Commit();
                    return scans;
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        private static void BindOutcome(SqliteCommand command, ScanRecord record)
        {
            command.Parameters.AddWithValue("$status", StoreEncoding.Code(record.Status));
            command.Parameters.AddWithValue("$finished", record.Finished.HasValue ? (object)StoreEncoding.Time(record.Finished.Value) : DBNull.Value);
            command.Parameters.AddWithValue("$files", record.Files);
            command.Parameters.AddWithValue("$events", record.Events);
            command.Parameters.AddWithValue("$malformed", record.Malformed);
            command.Parameters.AddWithValue("$detections", record.Detections);
        }

        private static void Bind(SqliteCommand command, int? last)
        {
            if (last.HasValue)
            {
                command.Parameters.AddWithValue("$last", last.Value);
            }
        }

        private DateTimeOffset ParseTime(string text, string column, long id)
        {
            if (!StoreEncoding.TryParseTime(text, out DateTimeOffset time))
            {
                throw _database.Damaged("scan " + id.ToString(CultureInfo.InvariantCulture) + " has " + column + " '" + text + "'");
            }

            return time;
        }
    }
}
