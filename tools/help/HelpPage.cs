using System;
using System.Collections.Generic;

namespace BehaviorBlocking.Help
{
    /// <summary>One cmdlet's help as read from its PlatyPS markdown page.</summary>
    public sealed class HelpPage
    {
        /// <summary>The cmdlet name (<c>Verb-Noun</c>).</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The one-sentence synopsis.</summary>
        public string Synopsis { get; set; } = string.Empty;

        /// <summary>The description, one entry per paragraph.</summary>
        public List<string> Description { get; } = new List<string>();

        /// <summary>The examples, in page order.</summary>
        public List<HelpExample> Examples { get; } = new List<HelpExample>();

        /// <summary>The parameters, in page order (common parameters are not listed).</summary>
        public List<HelpParameter> Parameters { get; } = new List<HelpParameter>();

        /// <summary>Input types with their descriptions.</summary>
        public List<HelpType> Inputs { get; } = new List<HelpType>();

        /// <summary>Output types with their descriptions.</summary>
        public List<HelpType> Outputs { get; } = new List<HelpType>();

        /// <summary>The notes, one entry per paragraph.</summary>
        public List<string> Notes { get; } = new List<string>();

        /// <summary>Related links (text and target).</summary>
        public List<HelpLink> Links { get; } = new List<HelpLink>();

        /// <summary>The verb part of the name.</summary>
        public string Verb => Name.Split('-')[0];

        /// <summary>The noun part of the name.</summary>
        public string Noun => Name.Contains('-', StringComparison.Ordinal) ? Name.Substring(Name.IndexOf('-', StringComparison.Ordinal) + 1) : string.Empty;

        /// <summary>The parameter sets named by the parameters, in first-seen order; <c>__AllParameterSets</c> when none names one.</summary>
        public IReadOnlyList<string> ParameterSets()
        {
            var sets = new List<string>();
            foreach (HelpParameter parameter in Parameters)
            {
                foreach (string set in parameter.Sets)
                {
                    // A parameter in every set appears in each named one; it makes no syntax line of its own.
                    if (set != HelpParameter.AllSets && !sets.Contains(set))
                    {
                        sets.Add(set);
                    }
                }
            }

            if (sets.Count == 0)
            {
                sets.Add(HelpParameter.AllSets);
            }

            return sets;
        }
    }

    /// <summary>One example: its title, code and the text after the code.</summary>
    public sealed class HelpExample
    {
        /// <summary>The title (<c>Example 1: ...</c>).</summary>
        public string Title { get; set; } = string.Empty;

        /// <summary>The code, without the fence.</summary>
        public string Code { get; set; } = string.Empty;

        /// <summary>The remarks, one entry per paragraph.</summary>
        public List<string> Remarks { get; } = new List<string>();
    }

    /// <summary>One parameter: its description and the fields of its YAML block.</summary>
    public sealed class HelpParameter
    {
        /// <summary>The set name PlatyPS writes as <c>(All)</c>.</summary>
        public const string AllSets = "__AllParameterSets";

        /// <summary>The name without the dash.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The description, one entry per paragraph.</summary>
        public List<string> Description { get; } = new List<string>();

        /// <summary>The type (<c>String[]</c>, <c>SwitchParameter</c>).</summary>
        public string Type { get; set; } = string.Empty;

        /// <summary>The parameter sets it belongs to; <see cref="AllSets"/> for <c>(All)</c>.</summary>
        public List<string> Sets { get; } = new List<string>();

        /// <summary>Aliases.</summary>
        public List<string> Aliases { get; } = new List<string>();

        /// <summary>The accepted values, when the page lists them.</summary>
        public List<string> AcceptedValues { get; } = new List<string>();

        /// <summary>Whether it is required.</summary>
        public bool Required { get; set; }

        /// <summary>Its position, or <c>Named</c>.</summary>
        public string Position { get; set; } = "Named";

        /// <summary>Its default value as written.</summary>
        public string DefaultValue { get; set; } = "None";

        /// <summary>The pipeline input as written (<c>True (ByValue)</c>, <c>False</c>).</summary>
        public string PipelineInput { get; set; } = "False";

        /// <summary>Whether wildcards are accepted.</summary>
        public bool Wildcards { get; set; }

        /// <summary>True for a switch.</summary>
        public bool IsSwitch => string.Equals(Type, "SwitchParameter", StringComparison.Ordinal);
    }

    /// <summary>An input or output type.</summary>
    public sealed class HelpType
    {
        /// <summary>The type name.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The description, one entry per paragraph.</summary>
        public List<string> Description { get; } = new List<string>();
    }

    /// <summary>A related link.</summary>
    public sealed class HelpLink
    {
        /// <summary>The text shown.</summary>
        public string Text { get; set; } = string.Empty;

        /// <summary>The target: a URI, or empty for another help topic.</summary>
        public string Uri { get; set; } = string.Empty;
    }
}
