using System;
using System.Collections.Generic;
using System.Globalization;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Response;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Store
{
    /// <summary>
    /// Detections in the store: the <c>detections</c> table and, hanging off each row's sequence
    /// number, its <c>techniques</c> and <c>evidence</c> rows, all in <see cref="StoreEncoding"/>; and,
    /// by detection id, its response steps in <c>actions</c> (the policy's, replaced with the detection;
    /// manual ones, written by <see cref="ActionLog"/>, are kept).
    /// </summary>
    /// <remarks>
    /// A detection id is stored once. Upserting it again updates the row in place (its sequence
    /// number, and so its insertion order, stays) and replaces its techniques and evidence.
    /// Other tables refer to a detection by <c>id</c>, which never changes; <c>seq</c> is internal.
    /// </remarks>
    internal sealed class DetectionTable : IDisposable
    {
        private const string Columns =
            "seq, id, name, platform, tactic, score, severity, action, host, process_guid, process_id, "
            + "image, command_line, parent_image, user_name, first_seen, last_seen, source_file, model_version, rule_set_version";

        // The row's seq comes from a lookup after the upsert, not from RETURNING: RETURNING makes
        // SQLite keep a statement journal in a temporary file for each batch (three times the writes).
        private const string UpsertSql = @"
INSERT INTO detections (id, name, platform, tactic, score, severity, action, host, process_guid, process_id,
                        image, command_line, parent_image, user_name, first_seen, last_seen, source_file,
                        model_version, rule_set_version)
VALUES ($id, $name, $platform, $tactic, $score, $severity, $action, $host, $process_guid, $process_id,
        $image, $command_line, $parent_image, $user_name, $first_seen, $last_seen, $source_file,
        $model_version, $rule_set_version)
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name, platform = excluded.platform, tactic = excluded.tactic, score = excluded.score,
    severity = excluded.severity, action = excluded.action, host = excluded.host,
    process_guid = excluded.process_guid, process_id = excluded.process_id, image = excluded.image,
    command_line = excluded.command_line, parent_image = excluded.parent_image, user_name = excluded.user_name,
    first_seen = excluded.first_seen, last_seen = excluded.last_seen, source_file = excluded.source_file,
    model_version = excluded.model_version, rule_set_version = excluded.rule_set_version;
SELECT seq FROM detections WHERE id = $id;";

        private readonly StoreDatabase _database;
        private UpsertStatements? _statements;

        public DetectionTable(StoreDatabase database)
        {
            _database = database;
        }

        /// <summary>Inserts or replaces detections (with their techniques and evidence) in one transaction.</summary>
        public void Upsert(IEnumerable<Detection> detections)
        {
            if (detections is null)
            {
                throw new ArgumentNullException(nameof(detections));
            }

            try
            {
                using (SqliteTransaction transaction = _database.Begin())
                {
                    UpsertStatements statements = Statements(transaction);
                    SqliteCommand upsert = statements.Upsert;
                    SqliteCommand deleteTechniques = statements.DeleteTechniques;
                    SqliteCommand deleteEvidence = statements.DeleteEvidence;
                    SqliteCommand insertTechnique = statements.InsertTechnique;
                    SqliteCommand insertEvidence = statements.InsertEvidence;
                    SqliteParameterCollection p = upsert.Parameters;
                    SqliteParameter id = p["$id"], name = p["$name"], platform = p["$platform"], tactic = p["$tactic"], score = p["$score"];
                    SqliteParameter severity = p["$severity"], action = p["$action"], host = p["$host"], processGuid = p["$process_guid"];
                    SqliteParameter processId = p["$process_id"], image = p["$image"], commandLine = p["$command_line"], parentImage = p["$parent_image"];
                    SqliteParameter user = p["$user_name"], firstSeen = p["$first_seen"], lastSeen = p["$last_seen"], sourceFile = p["$source_file"];
                    SqliteParameter modelVersion = p["$model_version"], ruleSetVersion = p["$rule_set_version"];
                    SqliteParameter deleteTechniquesSeq = deleteTechniques.Parameters["$seq"];
                    SqliteParameter deleteEvidenceSeq = deleteEvidence.Parameters["$seq"];
                    SqliteParameter techniqueSeq = insertTechnique.Parameters["$seq"];
                    SqliteParameter techniqueOrdinal = insertTechnique.Parameters["$ordinal"];
                    SqliteParameter technique = insertTechnique.Parameters["$technique"];
                    SqliteParameter evidenceSeq = insertEvidence.Parameters["$seq"];
                    SqliteParameter evidenceOrdinal = insertEvidence.Parameters["$ordinal"];
                    SqliteParameter evidenceKind = insertEvidence.Parameters["$kind"];
                    SqliteParameter evidenceId = insertEvidence.Parameters["$evidence_id"];
                    SqliteParameter evidenceDescription = insertEvidence.Parameters["$description"];
                    SqliteParameter evidenceTime = insertEvidence.Parameters["$time"];

                    // Sequence numbers only grow, so a row numbered above the highest one handed out
                    // before this batch was inserted by it and has no old children to delete.
                    long highestBefore = HighestSequence(statements.HighestSequence);
                    var insertedHere = new HashSet<long>();
                    foreach (Detection detection in detections)
                    {
                        if (detection is null)
                        {
                            throw new ArgumentException("The detections contain a null item.", nameof(detections));
                        }

                        if (double.IsNaN(detection.Score) || double.IsInfinity(detection.Score))
                        {
                            throw new ArgumentException("Detection " + StoreEncoding.Id(detection.Id) + " has a score that is not a finite number.", nameof(detections));
                        }

                        id.Value = StoreEncoding.Id(detection.Id);
                        name.Value = detection.Name ?? string.Empty;
                        platform.Value = StoreEncoding.Code(detection.Platform);
                        tactic.Value = StoreEncoding.Code(detection.Tactic);
                        score.Value = detection.Score;
                        severity.Value = StoreEncoding.Code(detection.Severity);
                        action.Value = StoreEncoding.Code(detection.Action);
                        host.Value = detection.Host ?? string.Empty;
                        processGuid.Value = OrNull(detection.ProcessGuid);
                        processId.Value = detection.ProcessId.HasValue ? (object)detection.ProcessId.Value : DBNull.Value;
                        image.Value = OrNull(detection.Image);
                        commandLine.Value = OrNull(detection.CommandLine);
                        parentImage.Value = OrNull(detection.ParentImage);
                        user.Value = OrNull(detection.User);
                        firstSeen.Value = StoreEncoding.Time(detection.FirstSeen);
                        lastSeen.Value = StoreEncoding.Time(detection.LastSeen);
                        sourceFile.Value = OrNull(detection.SourceFile);
                        modelVersion.Value = OrNull(detection.ModelVersion);
                        ruleSetVersion.Value = OrNull(detection.RuleSetVersion);
                        long seq = Convert.ToInt64(upsert.ExecuteScalar(), CultureInfo.InvariantCulture);

                        // Replace, never append: an update keeps the row and drops its old children.
                        if (seq <= highestBefore || !insertedHere.Add(seq))
                        {
                            deleteTechniquesSeq.Value = seq;
                            deleteTechniques.ExecuteNonQuery();
                            deleteEvidenceSeq.Value = seq;
                            deleteEvidence.ExecuteNonQuery();
                        }

                        if (detection.Techniques != null)
                        {
                            techniqueSeq.Value = seq;
                            for (int i = 0; i < detection.Techniques.Count; i++)
                            {
                                techniqueOrdinal.Value = i;
                                technique.Value = detection.Techniques[i] ?? string.Empty;
                                insertTechnique.ExecuteNonQuery();
                            }
                        }

                        WriteActions(statements, detection);
                        if (detection.Evidence != null)
                        {
                            evidenceSeq.Value = seq;
                            for (int i = 0; i < detection.Evidence.Count; i++)
                            {
                                Evidence evidence = detection.Evidence[i]
                                    ?? throw new ArgumentException("Detection " + StoreEncoding.Id(detection.Id) + " has a null evidence item.", nameof(detections));
                                evidenceOrdinal.Value = i;
                                evidenceKind.Value = evidence.Kind;
                                evidenceId.Value = evidence.Id;
                                evidenceDescription.Value = evidence.Description;
                                evidenceTime.Value = evidence.Time.HasValue ? (object)StoreEncoding.Time(evidence.Time.Value) : DBNull.Value;
                                insertEvidence.ExecuteNonQuery();
                            }
                        }
                    }

                    transaction.Commit();
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        // The policy's steps travel with the detection and are replaced with it; a person's (block) are only ever appended.
        private static void WriteActions(UpsertStatements statements, Detection detection)
        {
            SqliteCommand delete = statements.DeleteActions;
            delete.Parameters["$detection_id"].Value = StoreEncoding.Id(detection.Id);
            delete.ExecuteNonQuery();
            if (detection.Actions is null || detection.Actions.Count == 0)
            {
                return;
            }

            SqliteCommand insert = statements.InsertAction;
            insert.Parameters["$detection_id"].Value = StoreEncoding.Id(detection.Id);
            foreach (ResponseStep step in detection.Actions)
            {
                if (step is null)
                {
                    throw new ArgumentException("Detection " + StoreEncoding.Id(detection.Id) + " has a null action.", nameof(detection));
                }

                if (!string.Equals(step.Actor, ResponseStep.PolicyActor, StringComparison.Ordinal))
                {
                    continue;
                }

                ActionLog.Bind(insert, step);
                insert.ExecuteNonQuery();
            }
        }

        /// <summary>The stored detections that match, ordered by last evidence (oldest first), then id.</summary>
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

            var selection = new Selection();
            if (query.Since.HasValue)
            {
                selection.Add("last_seen >= $since", "$since", StoreEncoding.Time(query.Since.Value));
            }

            if (query.Until.HasValue)
            {
                selection.Add("last_seen <= $until", "$until", StoreEncoding.Time(query.Until.Value));
            }

            if (query.Tactic.HasValue)
            {
                selection.Add("tactic = $tactic", "$tactic", StoreEncoding.Code(query.Tactic.Value));
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

            if (query.NamePatterns != null && query.NamePatterns.Count > 0)
            {
                var any = new List<string>();
                for (int i = 0; i < query.NamePatterns.Count; i++)
                {
                    string parameter = "$name_like" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    any.Add("name LIKE " + parameter + " ESCAPE '\\'");
                    selection.Parameter(parameter, LikePattern(query.NamePatterns[i]));
                }

                selection.Conditions.Add("(" + string.Join(" OR ", any) + ")");
            }

            if (query.Ids != null)
            {
                var ids = new List<string>();
                for (int i = 0; i < query.Ids.Count; i++)
                {
                    string parameter = "$id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    ids.Add(parameter);
                    selection.Parameter(parameter, StoreEncoding.Id(query.Ids[i]));
                }

                selection.Conditions.Add(ids.Count == 0 ? "0" : "id IN (" + string.Join(", ", ids) + ")");
            }

            if (query.ProcessId.HasValue)
            {
                selection.Add("process_id = $process_id", "$process_id", query.ProcessId.Value);
            }

            if (query.MinimumSeverity.HasValue)
            {
                // Severity codes ascend with urgency (StoreEncoding), so "at least" is a comparison.
                selection.Add("severity >= $severity", "$severity", StoreEncoding.Code(query.MinimumSeverity.Value));
            }

            if (query.Action.HasValue)
            {
                selection.Add("action = $action", "$action", StoreEncoding.Code(query.Action.Value));
            }

            selection.Last = query.Last;
            return Load(selection);
        }

        // A wildcard pattern (* and ?) as a LIKE pattern: LIKE's own wildcards and the escape are taken literally.
        private static string LikePattern(string pattern)
        {
            var like = new System.Text.StringBuilder(pattern.Length + 8);
            foreach (char c in pattern)
            {
                switch (c)
                {
                    case '*': like.Append('%'); break;
                    case '?': like.Append('_'); break;
                    case '%':
                    case '_':
                    case '\\': like.Append('\\').Append(c); break;
                    default: like.Append(c); break;
                }
            }

            return like.ToString();
        }

        /// <summary>The stored detection with this id, or null.</summary>
        public Detection? Get(Guid id)
        {
            var selection = new Selection();
            selection.Add("id = $id", "$id", StoreEncoding.Id(id));
            IReadOnlyList<Detection> found = Load(selection);
            return found.Count == 0 ? null : found[0];
        }

        /// <summary>How many detections are stored.</summary>
        public long Count()
        {
            try
            {
                using (SqliteCommand command = _database.Command(null, "SELECT COUNT(*) FROM detections;"))
                {
                    return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>Deletes by age of last evidence, then the oldest beyond a count; techniques and evidence go with them.</summary>
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

            try
            {
                int deleted = 0;
                using (SqliteTransaction transaction = _database.Begin())
                {
                    if (maxAge.HasValue)
                    {
                        DateTimeOffset utcNow = now.ToUniversalTime();
                        DateTimeOffset cutoff = utcNow - DateTimeOffset.MinValue < maxAge.Value ? DateTimeOffset.MinValue : utcNow - maxAge.Value;
                        using (SqliteCommand command = _database.Command(transaction, "DELETE FROM detections WHERE last_seen < $cutoff;"))
                        {
                            command.Parameters.AddWithValue("$cutoff", StoreEncoding.Time(cutoff));
                            deleted += command.ExecuteNonQuery();
                        }
                    }

                    if (maxCount.HasValue)
                    {
                        using (SqliteCommand command = _database.Command(transaction, @"
DELETE FROM detections WHERE seq IN (
    SELECT seq FROM detections ORDER BY last_seen DESC, id DESC LIMIT -1 OFFSET $keep);"))
                        {
                            command.Parameters.AddWithValue("$keep", maxCount.Value);
                            deleted += command.ExecuteNonQuery();
                        }
                    }

                    // Steps of deleted detections go with them; manual blocks of no detection stay.
                    using (SqliteCommand command = _database.Command(transaction,
                        "DELETE FROM actions WHERE detection_id IS NOT NULL AND detection_id NOT IN (SELECT id FROM detections);"))
                    {
                        command.ExecuteNonQuery();
                    }

                    transaction.Commit();
                }

                return deleted;
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        /// <summary>Releases the prepared statements.</summary>
        public void Dispose()
        {
            _statements?.Dispose();
            _statements = null;
        }

        private static long HighestSequence(SqliteCommand command)
        {
            object? value = command.ExecuteScalar();
            return value is null || value is DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }

        // A scan upserts one detection per transaction: the statements are prepared once and reused.
        private UpsertStatements Statements(SqliteTransaction transaction)
        {
            if (_statements is null)
            {
                _statements = new UpsertStatements(_database, transaction);
            }
            else
            {
                _statements.Enlist(transaction);
            }

            return _statements;
        }

        private static object OrNull(string? value)
        {
            return value is null ? DBNull.Value : value;
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
                ? "SELECT " + Columns + " FROM detections" + filter + " ORDER BY last_seen DESC, id DESC LIMIT $last"
                : "SELECT " + Columns + " FROM detections" + filter;

            try
            {
                // One read transaction: every query sees the same snapshot.
                using (SqliteTransaction transaction = _database.Begin(deferred: true))
                {
                    Dictionary<long, List<string>> techniques = LoadTechniques(transaction, selection, matching);
                    Dictionary<long, List<Evidence>> evidence = LoadEvidence(transaction, selection, matching);
                    Dictionary<string, List<ResponseStep>> actions = LoadActions(transaction, selection, matching);
                    var detections = new List<Detection>();
                    using (SqliteCommand command = _database.Command(transaction, "SELECT * FROM (" + matching + ") ORDER BY last_seen, id;"))
                    {
                        selection.Bind(command);
                        using (SqliteDataReader reader = command.ExecuteReader())
                        {
                            while (reader.Read())
                            {
                                detections.Add(ReadDetection(reader, techniques, evidence, actions));
                            }
                        }
                    }

                    transaction.Commit();
                    return detections;
                }
            }
            catch (SqliteException ex)
            {
                throw StoreDatabase.Translate(ex, _database.FilePath);
            }
        }

        private Dictionary<long, List<string>> LoadTechniques(SqliteTransaction transaction, Selection selection, string matching)
        {
            var techniques = new Dictionary<long, List<string>>();
            using (SqliteCommand command = _database.Command(transaction, @"
SELECT detection_seq, technique FROM techniques
WHERE detection_seq IN (SELECT seq FROM (" + matching + @"))
ORDER BY detection_seq, ordinal;"))
            {
                selection.Bind(command);
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        long seq = reader.GetInt64(0);
                        if (!techniques.TryGetValue(seq, out List<string>? items))
                        {
                            items = new List<string>();
                            techniques.Add(seq, items);
                        }

                        items.Add(reader.GetString(1));
                    }
                }
            }

            return techniques;
        }

        private Dictionary<long, List<Evidence>> LoadEvidence(SqliteTransaction transaction, Selection selection, string matching)
        {
            var evidence = new Dictionary<long, List<Evidence>>();
            using (SqliteCommand command = _database.Command(transaction, @"
SELECT detection_seq, kind, evidence_id, description, time FROM evidence
WHERE detection_seq IN (SELECT seq FROM (" + matching + @"))
ORDER BY detection_seq, ordinal;"))
            {
                selection.Bind(command);
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        long seq = reader.GetInt64(0);
                        string? timeText = NullableString(reader, 4);
                        DateTimeOffset? time = null;
                        if (timeText != null)
                        {
                            time = ParseTime(timeText, "detection row " + seq.ToString(CultureInfo.InvariantCulture) + " has an evidence time");
                        }

                        if (!evidence.TryGetValue(seq, out List<Evidence>? items))
                        {
                            items = new List<Evidence>();
                            evidence.Add(seq, items);
                        }

                        items.Add(new Evidence(reader.GetString(1), reader.GetString(2), reader.GetString(3), time));
                    }
                }
            }

            return evidence;
        }

        private Dictionary<string, List<ResponseStep>> LoadActions(SqliteTransaction transaction, Selection selection, string matching)
        {
            var actions = new Dictionary<string, List<ResponseStep>>(StringComparer.Ordinal);
            using (SqliteCommand command = _database.Command(transaction, "SELECT " + ActionLog.Columns + @" FROM actions
WHERE detection_id IN (SELECT id FROM (" + matching + @"))
ORDER BY seq;"))
            {
                selection.Bind(command);
                using (SqliteDataReader reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        ActionRecord record = ActionLog.Read(_database, reader);
                        string id = StoreEncoding.Id(record.DetectionId!.Value);
                        if (!actions.TryGetValue(id, out List<ResponseStep>? items))
                        {
                            items = new List<ResponseStep>();
                            actions.Add(id, items);
                        }

                        items.Add(record.Step);
                    }
                }
            }

            return actions;
        }

        private Detection ReadDetection(SqliteDataReader reader, Dictionary<long, List<string>> techniques, Dictionary<long, List<Evidence>> evidence,
            Dictionary<string, List<ResponseStep>> actions)
        {
            long seq = reader.GetInt64(0);
            string id = reader.GetString(1);
            if (!StoreEncoding.TryParseId(id, out Guid guid))
            {
                throw _database.Damaged("a detection id '" + id + "'");
            }

            if (!StoreEncoding.TryParse(reader.GetInt64(3), out DetectionPlatform platform))
            {
                throw BadCode(id, "platform", reader.GetInt64(3));
            }

            if (!StoreEncoding.TryParse(reader.GetInt64(4), out Tactic tactic))
            {
                throw BadCode(id, "tactic", reader.GetInt64(4));
            }

            if (!StoreEncoding.TryParse(reader.GetInt64(6), out Severity severity))
            {
                throw BadCode(id, "severity", reader.GetInt64(6));
            }

            if (!StoreEncoding.TryParse(reader.GetInt64(7), out DetectionAction action))
            {
                throw BadCode(id, "action", reader.GetInt64(7));
            }

            return new Detection
            {
                Id = guid,
                Name = reader.GetString(2),
                Platform = platform,
                Tactic = tactic,
                Techniques = techniques.TryGetValue(seq, out List<string>? items) ? items : (IReadOnlyList<string>)Array.Empty<string>(),
                Score = reader.GetDouble(5),
                Severity = severity,
                Action = action,
                Host = reader.GetString(8),
                ProcessGuid = NullableString(reader, 9),
                ProcessId = reader.IsDBNull(10) ? null : reader.GetInt32(10),
                Image = NullableString(reader, 11),
                CommandLine = NullableString(reader, 12),
                ParentImage = NullableString(reader, 13),
                User = NullableString(reader, 14),
                FirstSeen = ParseTime(reader.GetString(15), "detection " + id + " has first_seen"),
                LastSeen = ParseTime(reader.GetString(16), "detection " + id + " has last_seen"),
                SourceFile = NullableString(reader, 17),
                Evidence = evidence.TryGetValue(seq, out List<Evidence>? found) ? found : (IReadOnlyList<Evidence>)Array.Empty<Evidence>(),
                ModelVersion = NullableString(reader, 18),
                RuleSetVersion = NullableString(reader, 19),
                Actions = actions.TryGetValue(id, out List<ResponseStep>? steps) ? steps : (IReadOnlyList<ResponseStep>)Array.Empty<ResponseStep>(),
            };
        }

        private DateTimeOffset ParseTime(string text, string what)
        {
            if (!StoreEncoding.TryParseTime(text, out DateTimeOffset time))
            {
                throw _database.Damaged(what + " '" + text + "'");
            }

            return time;
        }

        private BehaviorBlockingException BadCode(string id, string column, long code)
        {
            return _database.Damaged("detection " + id + " has " + column + " code " + code.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>The prepared statements of an upsert, with their parameters, kept for the life of the store.</summary>
        private sealed class UpsertStatements : IDisposable
        {
            public UpsertStatements(StoreDatabase database, SqliteTransaction transaction)
            {
                Upsert = database.Command(transaction, UpsertSql);
                DeleteTechniques = database.Command(transaction, "DELETE FROM techniques WHERE detection_seq = $seq;");
                DeleteEvidence = database.Command(transaction, "DELETE FROM evidence WHERE detection_seq = $seq;");
                InsertTechnique = database.Command(transaction, "INSERT INTO techniques (detection_seq, ordinal, technique) VALUES ($seq, $ordinal, $technique);");
                InsertEvidence = database.Command(transaction, @"
INSERT INTO evidence (detection_seq, ordinal, kind, evidence_id, description, time)
VALUES ($seq, $ordinal, $kind, $evidence_id, $description, $time);");
                HighestSequence = database.Command(transaction, "SELECT seq FROM sqlite_sequence WHERE name = 'detections';");
                DeleteActions = database.Command(transaction, "DELETE FROM actions WHERE detection_id = $detection_id AND actor = 'policy';");
                InsertAction = database.Command(transaction, ActionLog.InsertSql);
                DeleteActions.Parameters.Add("$detection_id", SqliteType.Text);
                ActionLog.AddParameters(InsertAction);
                Upsert.Parameters.Add("$id", SqliteType.Text);
                Upsert.Parameters.Add("$name", SqliteType.Text);
                Upsert.Parameters.Add("$platform", SqliteType.Integer);
                Upsert.Parameters.Add("$tactic", SqliteType.Integer);
                Upsert.Parameters.Add("$score", SqliteType.Real);
                Upsert.Parameters.Add("$severity", SqliteType.Integer);
                Upsert.Parameters.Add("$action", SqliteType.Integer);
                Upsert.Parameters.Add("$host", SqliteType.Text);
                Upsert.Parameters.Add("$process_guid", SqliteType.Text);
                Upsert.Parameters.Add("$process_id", SqliteType.Integer);
                Upsert.Parameters.Add("$image", SqliteType.Text);
                Upsert.Parameters.Add("$command_line", SqliteType.Text);
                Upsert.Parameters.Add("$parent_image", SqliteType.Text);
                Upsert.Parameters.Add("$user_name", SqliteType.Text);
                Upsert.Parameters.Add("$first_seen", SqliteType.Text);
                Upsert.Parameters.Add("$last_seen", SqliteType.Text);
                Upsert.Parameters.Add("$source_file", SqliteType.Text);
                Upsert.Parameters.Add("$model_version", SqliteType.Text);
                Upsert.Parameters.Add("$rule_set_version", SqliteType.Text);
                DeleteTechniques.Parameters.Add("$seq", SqliteType.Integer);
                DeleteEvidence.Parameters.Add("$seq", SqliteType.Integer);
                InsertTechnique.Parameters.Add("$seq", SqliteType.Integer);
                InsertTechnique.Parameters.Add("$ordinal", SqliteType.Integer);
                InsertTechnique.Parameters.Add("$technique", SqliteType.Text);
                InsertEvidence.Parameters.Add("$seq", SqliteType.Integer);
                InsertEvidence.Parameters.Add("$ordinal", SqliteType.Integer);
                InsertEvidence.Parameters.Add("$kind", SqliteType.Text);
                InsertEvidence.Parameters.Add("$evidence_id", SqliteType.Text);
                InsertEvidence.Parameters.Add("$description", SqliteType.Text);
                InsertEvidence.Parameters.Add("$time", SqliteType.Text);
                foreach (SqliteCommand command in All)
                {
                    command.Prepare();
                }
            }

            public SqliteCommand Upsert { get; }

            public SqliteCommand DeleteTechniques { get; }

            public SqliteCommand DeleteEvidence { get; }

            public SqliteCommand InsertTechnique { get; }

            public SqliteCommand InsertEvidence { get; }

            public SqliteCommand HighestSequence { get; }

            public SqliteCommand DeleteActions { get; }

            public SqliteCommand InsertAction { get; }

            private SqliteCommand[] All => new[] { Upsert, DeleteTechniques, DeleteEvidence, InsertTechnique, InsertEvidence, HighestSequence, DeleteActions, InsertAction };

            public void Enlist(SqliteTransaction transaction)
            {
                foreach (SqliteCommand command in All)
                {
                    command.Transaction = transaction;
                }
            }

            public void Dispose()
            {
                foreach (SqliteCommand command in All)
                {
                    command.Dispose();
                }
            }
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

            public void Parameter(string parameter, object value)
            {
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
