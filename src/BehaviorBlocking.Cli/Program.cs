namespace BehaviorBlocking.Cli
{
    /// <summary>Entry point of <c>behaviorblock</c>.</summary>
    public static class Program
    {
        /// <summary>Runs the command line.</summary>
        public static int Main(string[] args) => args.Length == 0 ? 2 : 0;
    }
}
