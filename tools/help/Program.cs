using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace BehaviorBlocking.Help
{
    /// <summary><c>--cmdlets DIR --about DIR --out DIR</c>: writes BehaviorBlocking.dll-Help.xml and the about topics into the output folder.</summary>
    public static class Program
    {
        /// <summary>The MAML file name PowerShell looks for beside a binary module's assembly, in its culture folder.</summary>
        public const string MamlFileName = "BehaviorBlocking.dll-Help.xml";

        /// <summary>Runs the tool; exit 0 on success, 1 when a page does not follow the schema, 2 on usage errors.</summary>
        public static int Main(string[] args)
        {
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                options[args[i]] = args[i + 1];
            }

            if (args.Length % 2 != 0 || !options.ContainsKey("--cmdlets") || !options.ContainsKey("--out"))
            {
                Console.Error.WriteLine("usage: BehaviorBlocking.Help --cmdlets DIR [--about DIR] --out DIR");
                return 2;
            }

            try
            {
                string output = Directory.CreateDirectory(options["--out"]).FullName;
                List<HelpPage> pages = Directory.GetFiles(options["--cmdlets"], "*.md").OrderBy(p => p, StringComparer.Ordinal)
                    .Select(MarkdownHelpReader.Read).ToList();
                MamlWriter.Write(pages, Path.Combine(output, MamlFileName));
                int topics = 0;
                if (options.TryGetValue("--about", out string? about))
                {
                    foreach (string topic in Directory.GetFiles(about, "about_*.md").OrderBy(p => p, StringComparer.Ordinal))
                    {
                        AboutTopicWriter.Write(topic, output);
                        topics++;
                    }
                }

                Console.WriteLine($"help: {pages.Count} cmdlet page(s), {topics} about topic(s) -> {output}");
                return 0;
            }
            catch (HelpFormatException ex)
            {
                Console.Error.WriteLine("help: " + ex.Message);
                return 1;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Console.Error.WriteLine("help: " + ex.Message);
                return 1;
            }
        }
    }
}
