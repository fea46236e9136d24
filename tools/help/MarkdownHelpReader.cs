using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace BehaviorBlocking.Help
{
    /// <summary>A help page that does not follow the PlatyPS markdown schema (2.0.0); the message names the file and line.</summary>
    public sealed class HelpFormatException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public HelpFormatException(string file, int line, string reason)
            : base(file + ":" + line.ToString(CultureInfo.InvariantCulture) + ": " + reason)
        {
            File = file;
            Line = line;
        }

        /// <summary>The page.</summary>
        public string File { get; }

        /// <summary>The line, from 1.</summary>
        public int Line { get; }
    }

    /// <summary>
    /// Reads a cmdlet help page in PlatyPS markdown (schema 2.0.0: front matter, <c># Name</c>, then the
    /// <c>## SYNOPSIS</c>, <c>SYNTAX</c>, <c>DESCRIPTION</c>, <c>EXAMPLES</c>, <c>PARAMETERS</c>, <c>INPUTS</c>,
    /// <c>OUTPUTS</c>, <c>NOTES</c> and <c>RELATED LINKS</c> sections, parameters as <c>### -Name</c> with a YAML block).
    /// </summary>
    public static class MarkdownHelpReader
    {
        private static readonly Regex s_link = new Regex(@"^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)$", RegexOptions.CultureInvariant);
        private static readonly string[] s_required = { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS" };

        /// <summary>Reads the page at <paramref name="path"/>.</summary>
        /// <exception cref="HelpFormatException">The page does not follow the schema.</exception>
        public static HelpPage Read(string path) => Parse(System.IO.File.ReadAllText(path), path);

        /// <summary>Parses page text; <paramref name="file"/> names it in errors.</summary>
        /// <exception cref="HelpFormatException">The page does not follow the schema.</exception>
        public static HelpPage Parse(string text, string file)
        {
            string[] lines = (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            var page = new HelpPage();
            int i = SkipFrontMatter(lines, file);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            string? section = null;
            var block = new List<(string Line, int Number)>();
            for (; i <= lines.Length; i++)
            {
                string? line = i < lines.Length ? lines[i] : null;
                if (line is null || line.StartsWith("# ", StringComparison.Ordinal) || line.StartsWith("## ", StringComparison.Ordinal))
                {
                    if (section is not null)
                    {
                        ReadSection(page, section, block, file);
                    }

                    block.Clear();
                    if (line is null)
                    {
                        break;
                    }

                    if (line.StartsWith("# ", StringComparison.Ordinal))
                    {
                        if (page.Name.Length > 0)
                        {
                            throw new HelpFormatException(file, i + 1, "a second '# ' title; a page documents one cmdlet");
                        }

                        page.Name = line.Substring(2).Trim();
                        section = null;
                        continue;
                    }

                    section = line.Substring(3).Trim();
                    if (!seen.Add(section))
                    {
                        throw new HelpFormatException(file, i + 1, "section '" + section + "' appears twice");
                    }

                    continue;
                }

                block.Add((line, i + 1));
            }

            if (page.Name.Length == 0)
            {
                throw new HelpFormatException(file, 1, "no '# Verb-Noun' title");
            }

            foreach (string required in s_required)
            {
                if (!seen.Contains(required))
                {
                    throw new HelpFormatException(file, lines.Length, "no '## " + required + "' section");
                }
            }

            if (page.Synopsis.Length == 0)
            {
                throw new HelpFormatException(file, 1, "the SYNOPSIS is empty");
            }

            return page;
        }

        private static int SkipFrontMatter(string[] lines, string file)
        {
            if (lines.Length == 0 || lines[0].Trim() != "---")
            {
                return 0;
            }

            for (int i = 1; i < lines.Length; i++)
            {
                if (lines[i].Trim() == "---")
                {
                    return i + 1;
                }
            }

            throw new HelpFormatException(file, 1, "the front matter that starts with '---' never ends");
        }

        private static void ReadSection(HelpPage page, string section, List<(string Line, int Number)> block, string file)
        {
            switch (section)
            {
                case "SYNOPSIS":
                    page.Synopsis = string.Join(" ", Paragraphs(block));
                    break;
                case "SYNTAX":
                    // PowerShell builds syntax from the parameters (MAML syntax items); the page's copy is for readers.
                    break;
                case "DESCRIPTION":
                    page.Description.AddRange(Paragraphs(block));
                    break;
                case "EXAMPLES":
                    ReadExamples(page, block, file);
                    break;
                case "PARAMETERS":
                    ReadParameters(page, block, file);
                    break;
                case "INPUTS":
                    page.Inputs.AddRange(ReadTypes(block));
                    break;
                case "OUTPUTS":
                    page.Outputs.AddRange(ReadTypes(block));
                    break;
                case "NOTES":
                    page.Notes.AddRange(Paragraphs(block));
                    break;
                case "RELATED LINKS":
                    foreach ((string line, int number) in block)
                    {
                        string trimmed = line.Trim();
                        if (trimmed.Length == 0)
                        {
                            continue;
                        }

                        Match match = s_link.Match(trimmed);
                        if (!match.Success)
                        {
                            throw new HelpFormatException(file, number, "a related link must be '[text](target)'");
                        }

                        string uri = match.Groups["uri"].Value;
                        // Links to other pages of this help are topics, found by name; only absolute URIs are kept.
                        page.Links.Add(new HelpLink { Text = match.Groups["text"].Value, Uri = Uri.IsWellFormedUriString(uri, UriKind.Absolute) ? uri : string.Empty });
                    }

                    break;
                default:
                    throw new HelpFormatException(file, block.Count > 0 ? block[0].Number - 1 : 1, "unknown section '## " + section + "'");
            }
        }

        private static void ReadExamples(HelpPage page, List<(string Line, int Number)> block, string file)
        {
            HelpExample? example = null;
            var remarks = new List<(string, int)>();
            for (int i = 0; i < block.Count; i++)
            {
                (string line, int number) = block[i];
                if (line.StartsWith("### ", StringComparison.Ordinal))
                {
                    Finish(example, remarks);
                    example = new HelpExample { Title = line.Substring(4).Trim() };
                    page.Examples.Add(example);
                    continue;
                }

                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    if (example is null)
                    {
                        throw new HelpFormatException(file, number, "code before the first '### Example' title");
                    }

                    var code = new StringBuilder();
                    int start = number;
                    for (i++; i < block.Count && !block[i].Line.StartsWith("```", StringComparison.Ordinal); i++)
                    {
                        code.Append(block[i].Line).Append('\n');
                    }

                    if (i >= block.Count)
                    {
                        throw new HelpFormatException(file, start, "a code fence that never closes");
                    }

                    example.Code = example.Code.Length == 0 ? code.ToString().TrimEnd('\n') : example.Code + "\n" + code.ToString().TrimEnd('\n');
                    continue;
                }

                if (example is not null)
                {
                    remarks.Add((line, number));
                }
            }

            Finish(example, remarks);
            foreach (HelpExample each in page.Examples)
            {
                if (each.Code.Length == 0)
                {
                    throw new HelpFormatException(file, block.Count > 0 ? block[0].Number : 1, "example '" + each.Title + "' has no code");
                }
            }
        }

        private static void Finish(HelpExample? example, List<(string Line, int Number)> remarks)
        {
            if (example is not null)
            {
                example.Remarks.AddRange(Paragraphs(remarks));
            }

            remarks.Clear();
        }

        private static void ReadParameters(HelpPage page, List<(string Line, int Number)> block, string file)
        {
            HelpParameter? parameter = null;
            var description = new List<(string, int)>();
            bool common = false;
            for (int i = 0; i < block.Count; i++)
            {
                (string line, int number) = block[i];
                if (line.StartsWith("### ", StringComparison.Ordinal))
                {
                    FinishParameter(parameter, description, file);
                    string name = line.Substring(4).Trim();
                    common = name == "CommonParameters";
                    if (common)
                    {
                        parameter = null;
                        continue;
                    }

                    if (!name.StartsWith("-", StringComparison.Ordinal) || name.Length < 2)
                    {
                        throw new HelpFormatException(file, number, "a parameter title must be '### -Name' (or '### CommonParameters')");
                    }

                    parameter = new HelpParameter { Name = name.Substring(1) };
                    page.Parameters.Add(parameter);
                    continue;
                }

                if (common)
                {
                    continue;
                }

                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    if (parameter is null)
                    {
                        throw new HelpFormatException(file, number, "a YAML block before the first '### -Name'");
                    }

                    int start = number;
                    var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                    for (i++; i < block.Count && !block[i].Line.StartsWith("```", StringComparison.Ordinal); i++)
                    {
                        string field = block[i].Line;
                        int colon = field.IndexOf(':', StringComparison.Ordinal);
                        if (field.Trim().Length == 0)
                        {
                            continue;
                        }

                        if (colon <= 0)
                        {
                            throw new HelpFormatException(file, block[i].Number, "a parameter field must be 'Key: value'");
                        }

                        fields[field.Substring(0, colon).Trim()] = field.Substring(colon + 1).Trim();
                    }

                    if (i >= block.Count)
                    {
                        throw new HelpFormatException(file, start, "a YAML block that never closes");
                    }

                    ApplyFields(parameter, fields, file, start);
                    continue;
                }

                if (parameter is not null)
                {
                    description.Add((line, number));
                }
            }

            FinishParameter(parameter, description, file);
        }

        private static void FinishParameter(HelpParameter? parameter, List<(string Line, int Number)> description, string file)
        {
            if (parameter is not null)
            {
                parameter.Description.AddRange(Paragraphs(description));
                if (parameter.Type.Length == 0)
                {
                    throw new HelpFormatException(file, description.Count > 0 ? description[0].Number : 1, "parameter -" + parameter.Name + " has no YAML block with its Type");
                }

                if (parameter.Description.Count == 0)
                {
                    throw new HelpFormatException(file, description.Count > 0 ? description[0].Number : 1, "parameter -" + parameter.Name + " has no description");
                }
            }

            description.Clear();
        }

        private static void ApplyFields(HelpParameter parameter, Dictionary<string, string> fields, string file, int line)
        {
            string Field(string key)
            {
                if (!fields.TryGetValue(key, out string? value))
                {
                    throw new HelpFormatException(file, line, "parameter -" + parameter.Name + " has no '" + key + ":' field");
                }

                return value;
            }

            parameter.Type = Field("Type");
            string sets = Field("Parameter Sets");
            foreach (string set in sets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                parameter.Sets.Add(set == "(All)" ? HelpParameter.AllSets : set);
            }

            parameter.Aliases.AddRange(Field("Aliases").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (fields.TryGetValue("Accepted values", out string? accepted))
            {
                parameter.AcceptedValues.AddRange(accepted.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }

            parameter.Required = Bool(Field("Required"), "Required");
            parameter.Position = Field("Position");
            parameter.DefaultValue = Field("Default value");
            parameter.PipelineInput = Field("Accept pipeline input");
            parameter.Wildcards = Bool(Field("Accept wildcard characters"), "Accept wildcard characters");

            bool Bool(string value, string key) => value switch
            {
                "True" => true,
                "False" => false,
                _ => throw new HelpFormatException(file, line, "parameter -" + parameter.Name + ": '" + key + ":' must be True or False, not '" + value + "'"),
            };
        }

        private static List<HelpType> ReadTypes(List<(string Line, int Number)> block)
        {
            var types = new List<HelpType>();
            HelpType? type = null;
            var description = new List<(string, int)>();
            foreach ((string line, int number) in block)
            {
                if (line.StartsWith("### ", StringComparison.Ordinal))
                {
                    if (type is not null)
                    {
                        type.Description.AddRange(Paragraphs(description));
                    }

                    description.Clear();
                    type = new HelpType { Name = line.Substring(4).Trim() };
                    types.Add(type);
                    continue;
                }

                description.Add((line, number));
            }

            if (type is not null)
            {
                type.Description.AddRange(Paragraphs(description));
            }

            return types;
        }

        /// <summary>The block's paragraphs: lines joined with spaces, split at blank lines (code fences kept as they are).</summary>
        internal static List<string> Paragraphs(List<(string Line, int Number)> block)
        {
            var paragraphs = new List<string>();
            var current = new StringBuilder();
            bool fenced = false;
            foreach ((string raw, int _) in block)
            {
                string line = raw.TrimEnd();
                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    fenced = !fenced;
                    continue;
                }

                if (!fenced && line.Trim().Length == 0)
                {
                    Flush();
                    continue;
                }

                if (fenced)
                {
                    current.Append(current.Length == 0 ? string.Empty : "\n").Append(line);
                }
                else
                {
                    current.Append(current.Length == 0 ? string.Empty : " ").Append(line.Trim());
                }
            }

            Flush();
            return paragraphs;

            void Flush()
            {
                if (current.Length > 0)
                {
                    paragraphs.Add(current.ToString());
                    current.Clear();
                }
            }
        }
    }
}
