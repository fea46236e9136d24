using System.Collections.Generic;
using System.IO;
using System.Text;

namespace BehaviorBlocking.Cli
{
    /// <summary>Rows as a fixed-width table for a terminal: a title line, a rule, then one line per row; cells escaped, then cut to width.</summary>
    internal static class ColumnTable
    {
        public static void Write(TextWriter output, IReadOnlyList<(string Title, int Width)> columns, IEnumerable<string?[]> rows)
        {
            var line = new StringBuilder();
            for (int i = 0; i < columns.Count; i++)
            {
                line.Append(i == columns.Count - 1 ? columns[i].Title : Cell(columns[i].Title, columns[i].Width)).Append(' ');
            }

            output.WriteLine(line.ToString().TrimEnd());
            line.Clear();
            for (int i = 0; i < columns.Count; i++)
            {
                line.Append(new string('-', i == columns.Count - 1 ? columns[i].Title.Length : columns[i].Width)).Append(' ');
            }

            output.WriteLine(line.ToString().TrimEnd());
            foreach (string?[] cells in rows)
            {
                line.Clear();
                for (int i = 0; i < columns.Count; i++)
                {
                    // The last column is not cut: it holds paths and values people copy.
                    string shown = TerminalText.Escape(i < cells.Length ? cells[i] : null);
                    line.Append(i == columns.Count - 1 ? shown : Cell(shown, columns[i].Width)).Append(' ');
                }

                output.WriteLine(line.ToString().TrimEnd());
            }
        }

        private static string Cell(string shown, int width) =>
            shown.Length <= width ? shown.PadRight(width) : shown.Substring(0, width - 1) + "…";
    }
}
