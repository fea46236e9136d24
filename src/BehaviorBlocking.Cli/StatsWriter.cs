using System.Globalization;
using System.IO;
using BehaviorBlocking.Pipeline;

namespace BehaviorBlocking.Cli
{
    /// <summary>The <c>--stats</c> report of a scan.</summary>
    internal static class StatsWriter
    {
        public static void Write(TextWriter error, ScanStatistics s, string? storePath)
        {
            CultureInfo c = CultureInfo.InvariantCulture;
            error.WriteLine("scan statistics");
            error.WriteLine(string.Format(c, "  files          {0:N0} ({1:N0} unreadable)", s.Files, s.FilesUnreadable));
            error.WriteLine(string.Format(c, "  input          {0:N1} MiB as stored", s.Bytes / 1048576.0));
            error.WriteLine(string.Format(c, "  events         {0:N0}", s.Events));
            error.WriteLine(string.Format(c, "  malformed      {0:N0}", s.Malformed));
            error.WriteLine(string.Format(c, "  duplicate keys {0:N0} (records read keeping the first value of each repeated key)", s.DuplicateKeys));
            foreach (EventKindCount kind in s.EventsByKind)
            {
                error.WriteLine(string.Format(c, "    {0,-24} {1,12:N0}", kind.Kind, kind.Count));
            }

            error.WriteLine(string.Format(c, "  processes      {0:N0} ({1:N0} built from events without a start; peak held {2:N0})", s.Processes, s.ProcessesSynthesized, s.PeakProcesses));
            error.WriteLine(string.Format(c, "  trees          {0:N0}", s.Trees));
            error.WriteLine(string.Format(c, "  detections     {0:N0}", s.Detections));
            error.WriteLine(string.Format(c, "  elapsed        {0:N2} s", s.Elapsed.TotalSeconds));
            error.WriteLine(string.Format(c, "  throughput     {0:N0} events/s", s.EventsPerSecond));
            error.WriteLine("  store          " + (storePath ?? "(not written)"));
        }
    }
}
