using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;

namespace BehaviorBlocking.Cli
{
    /// <summary>Detections as a fixed-width table for a terminal.</summary>
    internal static class DetectionTable
    {
        private static readonly (string Title, int Width)[] s_columns =
        {
            ("LastSeen (UTC)", 19), ("Severity", 13), ("Score", 5), ("Action", 11), ("Name", 48), ("Host", 24), ("Process", 30), ("Response", 40),
        };

        public static void Write(TextWriter output, IReadOnlyCollection<Detection> detections)
        {
            if (detections.Count == 0)
            {
                return;
            }

            var line = new StringBuilder();
            foreach ((string title, int width) in s_columns)
            {
                line.Append(Cell(title, width)).Append(' ');
            }

            output.WriteLine(line.ToString().TrimEnd());
            line.Clear();
            foreach ((_, int width) in s_columns)
            {
                line.Append(new string('-', width)).Append(' ');
            }

            output.WriteLine(line.ToString().TrimEnd());
            foreach (Detection d in detections)
            {
                line.Clear();
                string process = ImagePath.FileName(d.Image) + (d.ProcessId is int pid ? " (" + pid.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty);
                string[] cells =
                {
                    d.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    d.Severity.ToString(),
                    d.Score.ToString("0.00", CultureInfo.InvariantCulture),
                    d.Action.ToString(),
                    d.Name,
                    d.Host,
                    process,
                    ActionTable.Summary(d.Actions),
                };
                for (int i = 0; i < cells.Length; i++)
                {
                    line.Append(Cell(cells[i], s_columns[i].Width)).Append(' ');
                }

                output.WriteLine(line.ToString().TrimEnd());
            }
        }

        // Escaped before it is cut to width, so the column holds what the terminal shows.
        internal static string Cell(string? text, int width)
        {
            string shown = TerminalText.Escape(text);
            return shown.Length <= width ? shown.PadRight(width) : shown.Substring(0, width - 1) + "…";
        }
    }
}
