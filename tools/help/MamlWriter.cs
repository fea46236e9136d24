using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Xml;

namespace BehaviorBlocking.Help
{
    /// <summary>Writes help pages as one MAML file (<c>&lt;Assembly&gt;.dll-Help.xml</c>), the format <c>Get-Help</c> reads for binary cmdlets.</summary>
    public static class MamlWriter
    {
        private const string Msh = "http://msh";
        private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
        private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        /// <summary>Writes <paramref name="pages"/> to <paramref name="path"/> (UTF-8, indented).</summary>
        public static void Write(IReadOnlyList<HelpPage> pages, string path)
        {
            var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
            using XmlWriter writer = XmlWriter.Create(path, settings);
            Write(pages, writer);
        }

        /// <summary>Writes <paramref name="pages"/> as a MAML document to <paramref name="writer"/>.</summary>
        public static void Write(IReadOnlyList<HelpPage> pages, XmlWriter writer)
        {
            ArgumentNullException.ThrowIfNull(pages);
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStartDocument();
            writer.WriteStartElement("helpItems", Msh);
            writer.WriteAttributeString("schema", "maml");
            foreach (HelpPage page in pages)
            {
                WriteCommand(writer, page);
            }

            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        private static void WriteCommand(XmlWriter w, HelpPage page)
        {
            w.WriteStartElement("command", "command", Command);
            w.WriteAttributeString("xmlns", "maml", null, Maml);
            w.WriteAttributeString("xmlns", "dev", null, Dev);
            w.WriteStartElement("command", "details", Command);
            w.WriteElementString("command", "name", Command, page.Name);
            w.WriteElementString("command", "verb", Command, page.Verb);
            w.WriteElementString("command", "noun", Command, page.Noun);
            Description(w, new[] { page.Synopsis });
            w.WriteEndElement();
            Description(w, page.Description);

            w.WriteStartElement("command", "syntax", Command);
            foreach (string set in page.ParameterSets())
            {
                w.WriteStartElement("command", "syntaxItem", Command);
                w.WriteElementString("maml", "name", Maml, page.Name);
                foreach (HelpParameter parameter in page.Parameters)
                {
                    if (parameter.Sets.Contains(set) || parameter.Sets.Contains(HelpParameter.AllSets))
                    {
                        Parameter(w, parameter, syntax: true);
                    }
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();

            w.WriteStartElement("command", "parameters", Command);
            foreach (HelpParameter parameter in page.Parameters)
            {
                Parameter(w, parameter, syntax: false);
            }

            w.WriteEndElement();

            Types(w, "inputTypes", "inputType", page.Inputs);
            Types(w, "returnValues", "returnValue", page.Outputs);

            if (page.Notes.Count > 0)
            {
                w.WriteStartElement("maml", "alertSet", Maml);
                w.WriteStartElement("maml", "alert", Maml);
                Paras(w, page.Notes);
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteStartElement("command", "examples", Command);
            foreach (HelpExample example in page.Examples)
            {
                w.WriteStartElement("command", "example", Command);
                w.WriteElementString("maml", "title", Maml, "-------------------------- " + example.Title + " --------------------------");
                w.WriteElementString("dev", "code", Dev, example.Code);
                w.WriteStartElement("dev", "remarks", Dev);
                Paras(w, example.Remarks);
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();

            w.WriteStartElement("command", "relatedLinks", Command);
            foreach (HelpLink link in page.Links)
            {
                w.WriteStartElement("maml", "navigationLink", Maml);
                w.WriteElementString("maml", "linkText", Maml, link.Text);
                w.WriteElementString("maml", "uri", Maml, link.Uri);
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
        }

        private static void Parameter(XmlWriter w, HelpParameter parameter, bool syntax)
        {
            w.WriteStartElement("command", "parameter", Command);
            w.WriteAttributeString("required", parameter.Required ? "true" : "false");
            w.WriteAttributeString("variableLength", "true");
            w.WriteAttributeString("globbing", parameter.Wildcards ? "true" : "false");
            w.WriteAttributeString("pipelineInput", parameter.PipelineInput);
            w.WriteAttributeString("position", parameter.Position.ToLowerInvariant() == "named" ? "named" : parameter.Position);
            w.WriteAttributeString("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases));
            w.WriteElementString("maml", "name", Maml, parameter.Name);
            Description(w, parameter.Description);
            if (syntax && parameter.AcceptedValues.Count > 0)
            {
                w.WriteStartElement("command", "parameterValueGroup", Command);
                foreach (string value in parameter.AcceptedValues)
                {
                    w.WriteStartElement("command", "parameterValue", Command);
                    w.WriteAttributeString("required", "false");
                    w.WriteAttributeString("variableLength", "false");
                    w.WriteString(value);
                    w.WriteEndElement();
                }

                w.WriteEndElement();
            }
            else if (!(syntax && parameter.IsSwitch))
            {
                w.WriteStartElement("command", "parameterValue", Command);
                w.WriteAttributeString("required", parameter.IsSwitch ? "false" : "true");
                w.WriteAttributeString("variableLength", "false");
                w.WriteString(parameter.Type);
                w.WriteEndElement();
            }

            w.WriteStartElement("dev", "type", Dev);
            w.WriteElementString("maml", "name", Maml, parameter.Type);
            w.WriteElementString("maml", "uri", Maml, string.Empty);
            w.WriteEndElement();
            w.WriteElementString("dev", "defaultValue", Dev, parameter.DefaultValue);
            w.WriteEndElement();
        }

        private static void Types(XmlWriter w, string list, string item, IReadOnlyList<HelpType> types)
        {
            w.WriteStartElement("command", list, Command);
            foreach (HelpType type in types)
            {
                w.WriteStartElement("command", item, Command);
                w.WriteStartElement("dev", "type", Dev);
                w.WriteElementString("maml", "name", Maml, type.Name);
                w.WriteEndElement();
                Description(w, type.Description);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        private static void Description(XmlWriter w, IEnumerable<string> paragraphs)
        {
            w.WriteStartElement("maml", "description", Maml);
            Paras(w, paragraphs);
            w.WriteEndElement();
        }

        private static void Paras(XmlWriter w, IEnumerable<string> paragraphs)
        {
            foreach (string paragraph in paragraphs)
            {
                w.WriteElementString("maml", "para", Maml, paragraph);
            }
        }
    }

    /// <summary>Turns an about topic written in markdown (<c>docs/about/about_X.md</c>) into the text file <c>Get-Help about_X</c> shows.</summary>
    public static class AboutTopicWriter
    {
        /// <summary>The help text of the markdown page: headings upper-cased at the margin, the rest indented four spaces.</summary>
        public static string Convert(string markdown)
        {
            var text = new StringBuilder();
            bool fenced = false;
            foreach (string raw in (markdown ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
            {
                string line = raw.TrimEnd();
                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    fenced = !fenced;
                    continue;
                }

                if (!fenced && line.StartsWith("# ", StringComparison.Ordinal))
                {
                    text.Append("TOPIC\n    ").Append(line.Substring(2).Trim()).Append('\n');
                    continue;
                }

                if (!fenced && line.StartsWith("#", StringComparison.Ordinal))
                {
                    text.Append(line.TrimStart('#').Trim().ToUpperInvariant()).Append('\n');
                    continue;
                }

                text.Append(line.Length == 0 ? string.Empty : (fenced ? "        " : "    ") + line).Append('\n');
            }

            return text.ToString().TrimEnd('\n') + "\n";
        }

        /// <summary>Writes the topic of <paramref name="markdownPath"/> to <paramref name="folder"/> as <c>about_X.help.txt</c>; returns its path.</summary>
        public static string Write(string markdownPath, string folder)
        {
            string target = Path.Combine(folder, Path.GetFileNameWithoutExtension(markdownPath) + ".help.txt");
            File.WriteAllText(target, Convert(File.ReadAllText(markdownPath)), new UTF8Encoding(false));
            return target;
        }
    }
}
