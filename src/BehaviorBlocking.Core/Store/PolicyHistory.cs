using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>One change of the policy in force, as the audit trail keeps it.</summary>
    public sealed class PolicyChange
    {
        /// <summary>Creates a change record.</summary>
        public PolicyChange(long sequence, DateTimeOffset time, string user, string host, string version, string sha256, string? previousSha256, IReadOnlyList<string> changes, string document)
        {
            Sequence = sequence;
            Time = time.ToUniversalTime();
            User = user ?? throw new ArgumentNullException(nameof(user));
            Host = host ?? throw new ArgumentNullException(nameof(host));
            Version = version ?? throw new ArgumentNullException(nameof(version));
            Sha256 = sha256 ?? throw new ArgumentNullException(nameof(sha256));
            PreviousSha256 = previousSha256;
            Changes = changes ?? throw new ArgumentNullException(nameof(changes));
            Document = document ?? throw new ArgumentNullException(nameof(document));
        }

        /// <summary>Its number in the trail (1, 2, ...); 0 before it is recorded.</summary>
        public long Sequence { get; }

        /// <summary>When the policy was installed, UTC.</summary>
        public DateTimeOffset Time { get; }

        /// <summary>The account that installed it.</summary>
        public string User { get; }

        /// <summary>The machine it was installed on.</summary>
        public string Host { get; }

        /// <summary>The policy's own version string.</summary>
        public string Version { get; }

        /// <summary>SHA-256 of the installed file (upper-case hex).</summary>
        public string Sha256 { get; }

        /// <summary>SHA-256 of the file it replaced (even an invalid one); null when there was no file (the default policy) or it could not be read.</summary>
        public string? PreviousSha256 { get; }

        /// <summary>What changed, one JSON-path-level line each (<c>mode: Audit -> Block</c>).</summary>
        public IReadOnlyList<string> Changes { get; }

        /// <summary>The installed document as written.</summary>
        public string Document { get; }

        internal PolicyChange WithSequence(long sequence) =>
            new PolicyChange(sequence, Time, User, Host, Version, Sha256, PreviousSha256, Changes, Document);
    }

    /// <summary>
    /// The policy audit trail: the <c>policy_changes</c> table of the store (schema version 5). One row
    /// per installed policy; rows are only added. Not thread-safe: one thread at a time, like the store.
    /// </summary>
    public sealed class PolicyHistory : IDisposable
    {
        private readonly StoreDatabase _database;

        private PolicyHistory(StoreDatabase database)
        {
            _database = database;
        }

        /// <summary>Full path of the database file.</summary>
        public string FilePath => _database.FilePath;

        /// <summary>Opens (creating and migrating when needed) the store at <paramref name="path"/>.</summary>
        /// <exception cref="BehaviorBlockingException">The store's errors (see <see cref="DetectionStore.Open(string)"/>).</exception>
        public static PolicyHistory Open(string path) => new PolicyHistory(StoreDatabase.Open(path, StoreSchema.CurrentVersion));

        /// <summary>Opens an existing store to read the trail.</summary>
        /// <exception cref="BehaviorBlockingException"><c>StoreNotFound</c> and the store's other errors.</exception>
        public static PolicyHistory OpenReadOnly(string path) => new PolicyHistory(StoreDatabase.OpenReadOnly(path));

        /// <summary>Records one change (its <see cref="PolicyChange.Sequence"/> is ignored) and returns its sequence number.</summary>
        public long Record(PolicyChange change)
        {
            if (change is null)
            {
                throw new ArgumentNullException(nameof(change));
            }

            return Record(() => change, null, null);
        }

        /// <summary>The recorded changes, oldest first; with <paramref name="last"/>, only that many of the most recent.</summary>
        public IReadOnlyList<PolicyChange> List(int? last = null)
        {
            if (last.HasValue && last.Value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(last), "Last cannot be negative.");
            }

            string sql = last.HasValue
                ? "SELECT * FROM (SELECT seq, time, user_name, host, version, sha256, previous_sha256, changes, document FROM policy_changes ORDER BY seq DESC LIMIT $last) ORDER BY seq;"
                : "SELECT seq, time, user_name, host, version, sha256, previous_sha256, changes, document FROM policy_changes ORDER BY seq;";
            try
            {
                var changes = new List<PolicyChange>();
                using (SqliteCommand command = _database.Command(null, sql))
                {
                    if (last.HasValue)
                    {
                        command.Parameters.AddWithValue("$last", last.Value);
                    }

                    using (SqliteDataReader reader = command.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            long seq = reader.GetInt64(0);
                            if (!StoreEncoding.TryParseTime(reader.GetString(1), out DateTimeOffset time))
                            {
                                throw _database.Damaged("policy change " + seq.ToString(CultureInfo.InvariantCulture) + " has time '" + reader.GetString(1) + "'");
                            }

                            changes.Add(new PolicyChange(seq, time, reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                                reader.IsDBNull(6) ? null : reader.GetString(6), ParseChanges(reader.GetString(7), seq), reader.GetString(8)));
                        }
                    }
                }

                return changes;
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>
        /// Records the change <paramref name="build"/> makes once the write transaction holds the store's lock; the
        /// transaction commits only after <paramref name="beforeCommit"/> succeeded (the policy file was replaced), and
        /// when the commit fails, <paramref name="undo"/> puts the old file back.
        /// </summary>
        internal long Record(Func<PolicyChange> build, Action? beforeCommit, Action? undo)
        {
            _database.ThrowIfDisposed();
            bool applied = false;
            try
            {
                using (SqliteTransaction transaction = _database.Begin())
                {
                    PolicyChange change = build();
                    long seq;
                    using (SqliteCommand command = _database.Command(transaction, @"
INSERT INTO policy_changes (time, user_name, host, version, sha256, previous_sha256, changes, document)
VALUES ($time, $user, $host, $version, $sha256, $previous, $changes, $document);
SELECT last_insert_rowid();"))
                    {
                        command.Parameters.AddWithValue("$time", StoreEncoding.Time(change.Time));
                        command.Parameters.AddWithValue("$user", change.User);
                        command.Parameters.AddWithValue("$host", change.Host);
                        command.Parameters.AddWithValue("$version", change.Version);
                        command.Parameters.AddWithValue("$sha256", change.Sha256);
                        command.Parameters.AddWithValue("$previous", (object?)change.PreviousSha256 ?? DBNull.Value);
                        command.Parameters.AddWithValue("$changes", ChangesJson(change.Changes));
                        command.Parameters.AddWithValue("$document", change.Document);
                        seq = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                    }

                    beforeCommit?.Invoke();
                    applied = true;
                    transaction.Commit();
                    return seq;
                }
            }
            catch (SqliteException ex)
            {
                if (applied)
                {
                    undo?.Invoke();
                }

                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>Closes the database file.</summary>
        public void Dispose() => _database.Dispose();

        private static string ChangesJson(IReadOnlyList<string> changes)
        {
            using (var stream = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(stream))
                {
                    writer.WriteStartArray();
                    foreach (string change in changes)
                    {
                        writer.WriteStringValue(change);
                    }

                    writer.WriteEndArray();
                }

                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        private IReadOnlyList<string> ParseChanges(string json, long seq)
        {
            try
            {
                using (JsonDocument document = JsonDocument.Parse(json))
                {
                    var changes = new List<string>();
                    foreach (JsonElement item in document.RootElement.EnumerateArray())
                    {
                        changes.Add(item.GetString() ?? string.Empty);
                    }

                    return changes;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException)
            {
                throw _database.Damaged("policy change " + seq.ToString(CultureInfo.InvariantCulture) + " has a change list that is not a JSON array of strings");
            }
        }
    }
}
