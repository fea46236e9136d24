using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// The allow/block indicators in the store's <c>indicators</c> table. One indicator per artifact: adding a
    /// hash or path that is there already updates that indicator (verdict, source, expiry, comment) and keeps
    /// its id and creation time; only a feed never replaces an indicator added by hand or by a detection. <see cref="Snapshot"/> gives the immutable lookup detectors and the policy use.
    /// </summary>
    /// <remarks>Not thread-safe, like <see cref="DetectionStore"/>; several instances may share a file.</remarks>
    public sealed class IndicatorStore : IIndicatorSink, IDisposable
    {
        private const string Columns = "id, kind, value, verdict, source, created, expires, comment, detection_id, created_by";

        private readonly StoreDatabase _database;
        private readonly Func<DateTimeOffset> _clock;

        private IndicatorStore(StoreDatabase database, Func<DateTimeOffset>? clock)
        {
            _database = database;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>Full path of the database file.</summary>
        public string FilePath => _database.FilePath;

        /// <summary>Opens (creating and migrating when needed) the store at <paramref name="path"/>.</summary>
        /// <exception cref="BehaviorBlockingException">The store's error ids (<c>StoreCorrupt</c>, <c>StoreAccessDenied</c>, ...).</exception>
        public static IndicatorStore Open(string path) => new IndicatorStore(StoreDatabase.Open(path, StoreSchema.CurrentVersion), null);

        /// <summary>Opens an existing store to read indicators without writing to it.</summary>
        /// <exception cref="BehaviorBlockingException"><c>StoreNotFound</c> and the store's other error ids.</exception>
        public static IndicatorStore OpenReadOnly(string path) => new IndicatorStore(StoreDatabase.OpenReadOnly(path), null);

        internal static IndicatorStore Open(string path, Func<DateTimeOffset> clock) => new IndicatorStore(StoreDatabase.Open(path, StoreSchema.CurrentVersion), clock);

        /// <summary>Adds an indicator, or updates the one for the same artifact; returns it as stored.</summary>
        /// <exception cref="BehaviorBlockingException"><c>IndicatorInvalid</c> naming the value and the reason.</exception>
        public Indicator Add(IndicatorDraft draft)
        {
            if (draft is null)
            {
                throw new ArgumentNullException(nameof(draft));
            }

            DateTimeOffset now = _clock();
            string value = Validated(draft, now);
            return Guard(() =>
            {
                using (SqliteTransaction transaction = _database.Begin())
                {
                    Indicator stored = Upsert(transaction, draft, value, now);
                    transaction.Commit();
                    return stored;
                }
            });
        }

        /// <summary>Adds or updates every indicator of a feed in one transaction: all or nothing.</summary>
        /// <exception cref="BehaviorBlockingException"><c>IndicatorInvalid</c> when one of them is invalid (nothing is stored).</exception>
        public IReadOnlyList<Indicator> Import(IReadOnlyList<IndicatorDraft> drafts)
        {
            if (drafts is null)
            {
                throw new ArgumentNullException(nameof(drafts));
            }

            DateTimeOffset now = _clock();
            var values = new string[drafts.Count];
            for (int i = 0; i < drafts.Count; i++)
            {
                values[i] = Validated(drafts[i], now);
            }

            return Guard(() =>
            {
                var stored = new List<Indicator>(drafts.Count);
                using (SqliteTransaction transaction = _database.Begin())
                {
                    for (int i = 0; i < drafts.Count; i++)
                    {
                        stored.Add(Upsert(transaction, drafts[i], values[i], now));
                    }

                    transaction.Commit();
                }

                return stored;
            });
        }

        /// <summary>Removes the indicator with this id and returns it.</summary>
        /// <exception cref="BehaviorBlockingException"><c>IndicatorNotFound</c> when there is none.</exception>
        public Indicator Remove(Guid id)
        {
            return Guard(() =>
            {
                using (SqliteTransaction transaction = _database.Begin())
                {
                    Indicator? found = null;
                    using (SqliteCommand command = _database.Command(transaction, "SELECT " + Columns + " FROM indicators WHERE id = $id;"))
                    {
                        command.Parameters.AddWithValue("$id", StoreEncoding.Id(id));
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            if (reader.Read())
                            {
                                found = Read(reader);
                            }
                        }
                    }

                    if (found is null)
                    {
                        throw new BehaviorBlockingException(ErrorIds.IndicatorNotFound, FailureKind.NotFound,
                            "No indicator " + StoreEncoding.Id(id) + " in '" + _database.FilePath + "'.")
                        {
                            Target = StoreEncoding.Id(id),
                        };
                    }

                    using (SqliteCommand command = _database.Command(transaction, "DELETE FROM indicators WHERE id = $id;"))
                    {
                        command.Parameters.AddWithValue("$id", StoreEncoding.Id(id));
                        command.ExecuteNonQuery();
                    }

                    transaction.Commit();
                    return found;
                }
            });
        }

        /// <summary>The indicators, oldest first (then in the order added); expired ones only with <paramref name="includeExpired"/>.</summary>
        public IReadOnlyList<Indicator> List(bool includeExpired = false)
        {
            string sql = "SELECT " + Columns + " FROM indicators"
                + (includeExpired ? string.Empty : " WHERE expires IS NULL OR expires > $now")
                + " ORDER BY created, rowid;";
            return Guard(() =>
            {
                var found = new List<Indicator>();
                using (SqliteCommand command = _database.Command(null, sql))
                {
                    command.Parameters.AddWithValue("$now", StoreEncoding.Time(_clock()));
                    using (SqliteDataReader reader = command.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            found.Add(Read(reader));
                        }
                    }
                }

                return found;
            });
        }

        /// <summary>
        /// SQLite's <c>PRAGMA data_version</c> of this connection: it changes whenever another connection committed
        /// a change to the file, so a monitor polls it to learn, for one cheap statement, that indicators may have changed.
        /// </summary>
        internal long DataVersion() => Guard(() =>
        {
            using (SqliteCommand command = _database.Command(null, "PRAGMA data_version;"))
            {
                return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
        });

        /// <summary>An immutable lookup over every stored indicator (expired ones are ignored at lookup time, so the snapshot stays right as time passes).</summary>
        public IndicatorSet Snapshot() => new IndicatorSet(List(includeExpired: true));

        /// <summary>
        /// The block indicator for a SHA-256: the responders' block-hash step and <c>block --sha256</c> write
        /// through this. A block indicator already in force for the hash is returned as it is (its source, comment
        /// and expiry stay: a detection does not turn a person's temporary block into its own); otherwise one is
        /// added, or the indicator there for the hash (an allow, or an expired block) becomes this block, keeping its id.
        /// </summary>
        /// <exception cref="BehaviorBlockingException"><c>IndicatorInvalid</c> for a value that is not a SHA-256, and the store's own errors.</exception>
        public Indicator Block(string sha256, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy)
        {
            if (sha256 is null)
            {
                throw new ArgumentNullException(nameof(sha256));
            }

            var draft = new IndicatorDraft(IndicatorKind.Sha256, sha256, IndicatorVerdict.Block, source)
            {
                DetectionId = detectionId,
                Comment = comment is null || comment.Length <= IndicatorValues.MaxCommentLength ? comment : comment.Substring(0, IndicatorValues.MaxCommentLength),
                CreatedBy = createdBy is null || createdBy.Length <= IndicatorValues.MaxCreatedByLength ? createdBy : createdBy.Substring(0, IndicatorValues.MaxCreatedByLength),
            };
            DateTimeOffset now = _clock();
            string value = Validated(draft, now);
            return Guard(() =>
            {
                using (SqliteTransaction transaction = _database.Begin())
                {
                    Indicator? existing = null;
                    using (SqliteCommand command = _database.Command(transaction, "SELECT " + Columns + " FROM indicators WHERE kind = $kind AND match_key = $match_key;"))
                    {
                        command.Parameters.AddWithValue("$kind", (long)IndicatorKind.Sha256);
                        command.Parameters.AddWithValue("$match_key", IndicatorValues.MatchKey(IndicatorKind.Sha256, value));
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            if (reader.Read())
                            {
                                existing = Read(reader);
                            }
                        }
                    }

                    if (existing is not null && existing.Verdict == IndicatorVerdict.Block && (existing.Expires is null || existing.Expires.Value > now))
                    {
                        return existing;
                    }

                    Indicator stored = Upsert(transaction, draft, value, now);
                    transaction.Commit();
                    return stored;
                }
            });
        }

        /// <summary>Closes the file.</summary>
        public void Dispose() => _database.Dispose();

        private static string Validated(IndicatorDraft draft, DateTimeOffset now)
        {
            string? value = draft.Validate(now, out string? error);
            if (value is null)
            {
                throw new BehaviorBlockingException(ErrorIds.IndicatorInvalid, FailureKind.InvalidData,
                    "The " + (draft.Kind == IndicatorKind.Sha256 ? "SHA-256" : "path") + " indicator is invalid: " + error + ".")
                {
                    Target = draft.Value,
                };
            }

            return value;
        }

        private Indicator Upsert(SqliteTransaction transaction, IndicatorDraft draft, string value, DateTimeOffset now)
        {
            string key = IndicatorValues.MatchKey(draft.Kind, value);
            using (SqliteCommand command = _database.Command(transaction, @"
INSERT INTO indicators (id, kind, value, verdict, source, created, expires, comment, detection_id, created_by, match_key)
VALUES ($id, $kind, $value, $verdict, $source, $created, $expires, $comment, $detection_id, $created_by, $match_key)
ON CONFLICT (kind, match_key) DO UPDATE SET
    value = excluded.value, verdict = excluded.verdict, source = excluded.source, expires = excluded.expires,
    comment = excluded.comment, detection_id = excluded.detection_id, created_by = excluded.created_by
WHERE excluded.source <> 2 OR indicators.source = 2;"))
            {
                command.Parameters.AddWithValue("$id", StoreEncoding.Id(Guid.NewGuid()));
                command.Parameters.AddWithValue("$kind", (long)draft.Kind);
                command.Parameters.AddWithValue("$value", value);
                command.Parameters.AddWithValue("$verdict", (long)draft.Verdict);
                command.Parameters.AddWithValue("$source", (long)draft.Source);
                command.Parameters.AddWithValue("$created", StoreEncoding.Time(now));
                command.Parameters.AddWithValue("$expires", draft.Expires.HasValue ? (object)StoreEncoding.Time(draft.Expires.Value) : DBNull.Value);
                command.Parameters.AddWithValue("$comment", (object?)draft.Comment ?? DBNull.Value);
                command.Parameters.AddWithValue("$detection_id", draft.DetectionId.HasValue ? (object)StoreEncoding.Id(draft.DetectionId.Value) : DBNull.Value);
                command.Parameters.AddWithValue("$created_by", (object?)draft.CreatedBy ?? DBNull.Value);
                command.Parameters.AddWithValue("$match_key", key);
                command.ExecuteNonQuery();
            }

            using (SqliteCommand command = _database.Command(transaction, "SELECT " + Columns + " FROM indicators WHERE kind = $kind AND match_key = $match_key;"))
            {
                command.Parameters.AddWithValue("$kind", (long)draft.Kind);
                command.Parameters.AddWithValue("$match_key", key);
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    reader.Read();
                    return Read(reader);
                }
            }
        }

        private Indicator Read(SqliteDataReader reader)
        {
            string idText = reader.GetString(0);
            if (!StoreEncoding.TryParseId(idText, out Guid id))
            {
                throw _database.Damaged("an indicator has the id '" + idText + "'");
            }

            long kind = reader.GetInt64(1);
            long verdict = reader.GetInt64(3);
            long source = reader.GetInt64(4);
            if (!Enum.IsDefined(typeof(IndicatorKind), (int)kind) || !Enum.IsDefined(typeof(IndicatorVerdict), (int)verdict) || !Enum.IsDefined(typeof(IndicatorSource), (int)source))
            {
                throw _database.Damaged("indicator " + idText + " has kind, verdict or source code " + kind.ToString(CultureInfo.InvariantCulture) + "/"
                    + verdict.ToString(CultureInfo.InvariantCulture) + "/" + source.ToString(CultureInfo.InvariantCulture));
            }

            return new Indicator(id, (IndicatorKind)kind, reader.GetString(2), (IndicatorVerdict)verdict, (IndicatorSource)source, Time(reader.GetString(5), "created", idText))
            {
                Expires = reader.IsDBNull(6) ? null : Time(reader.GetString(6), "expires", idText),
                Comment = reader.IsDBNull(7) ? null : reader.GetString(7),
                DetectionId = reader.IsDBNull(8) ? null : ParseId(reader.GetString(8), idText),
                CreatedBy = reader.IsDBNull(9) ? null : reader.GetString(9),
            };
        }

        private DateTimeOffset Time(string text, string column, string id)
        {
            if (!StoreEncoding.TryParseTime(text, out DateTimeOffset time))
            {
                throw _database.Damaged("indicator " + id + " has " + column + " '" + text + "'");
            }

            return time;
        }

        private Guid ParseId(string text, string id)
        {
            if (!StoreEncoding.TryParseId(text, out Guid parsed))
            {
                throw _database.Damaged("indicator " + id + " has detection id '" + text + "'");
            }

            return parsed;
        }

        private T Guard<T>(Func<T> call)
        {
            _database.ThrowIfDisposed();
            try
            {
                return call();
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }
    }
}
