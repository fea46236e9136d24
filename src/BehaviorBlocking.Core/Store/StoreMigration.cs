namespace BehaviorBlocking.Store
{
    /// <summary>One step of the store's schema history: the SQL that takes a file from the previous version to <see cref="Version"/>.</summary>
    internal sealed class StoreMigration
    {
        public StoreMigration(int version, string summary, string sql)
        {
            Version = version;
            Summary = summary;
            Sql = sql;
        }

        /// <summary>The <c>user_version</c> the file has once the step is applied.</summary>
        public int Version { get; }

        /// <summary>What the step adds or changes, for messages.</summary>
        public string Summary { get; }

        /// <summary>The statements, run in one transaction together with the version bump.</summary>
        public string Sql { get; }
    }
}
