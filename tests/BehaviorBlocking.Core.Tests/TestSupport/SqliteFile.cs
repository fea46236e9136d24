using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Data.Sqlite;

namespace BehaviorBlocking.Tests.TestSupport
{
    /// <summary>Direct access to a SQLite file beside the store, to build old databases and look at raw rows.</summary>
    internal static class SqliteFile
    {
        /// <summary>The store as the version-2 code wrote it: <c>tests/data/store/v2.sql</c>.</summary>
        public static string Version2Dump => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "store", "v2.sql"));

        /// <summary>The store as the version-3 code wrote it: <c>tests/data/store/v3.sql</c>.</summary>
        public static string Version3Dump => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "store", "v3.sql"));

        public static SqliteConnection Connect(string path)
        {
            SQLitePCL.Batteries_V2.Init();
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            return connection;
        }

        public static void Execute(SqliteConnection connection, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public static void Execute(string path, string sql)
        {
            using SqliteConnection connection = Connect(path);
            Execute(connection, sql);
        }

        public static object? Scalar(SqliteConnection connection, string sql)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar();
        }

        public static object? Scalar(string path, string sql)
        {
            using SqliteConnection connection = Connect(path);
            return Scalar(connection, sql);
        }

        /// <summary>Every row of a query, each column as SQLite returns it (null for NULL).</summary>
        public static List<object?[]> Rows(string path, string sql)
        {
            var rows = new List<object?[]>();
            using SqliteConnection connection = Connect(path);
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }

            return rows;
        }

        /// <summary>Names of the schema objects of one type (<c>table</c>, <c>index</c>).</summary>
        public static HashSet<string> Objects(string path, string type)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            using SqliteConnection connection = Connect(path);
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = $type;";
            command.Parameters.AddWithValue("$type", type);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }
    }
}
