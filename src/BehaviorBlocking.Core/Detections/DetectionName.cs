using System;
using System.Text.RegularExpressions;

namespace BehaviorBlocking.Detections
{
    /// <summary>Formats and parses detection names: <c>Behavior:&lt;Platform&gt;/&lt;Tactic&gt;.&lt;Variant&gt;!ml|rule</c>.</summary>
    public static class DetectionName
    {
        private static readonly Regex s_variant = new Regex("^[A-Za-z0-9]{1,16}$", RegexOptions.CultureInvariant);
        private static readonly Regex s_name = new Regex(
            @"^Behavior:(?<platform>Win32|Linux)/(?<tactic>[A-Za-z]+)\.(?<variant>[A-Za-z0-9]{1,16})!(?<source>ml|rule)$",
            RegexOptions.CultureInvariant);

        /// <summary>True for a valid variant: 1 to 16 letters or digits.</summary>
        public static bool IsValidVariant(string? variant) => variant is not null && s_variant.IsMatch(variant);

        /// <summary>Builds a name; the variant is a short alphanumeric code listed in docs/detections.md.</summary>
        public static string Format(DetectionPlatform platform, Tactic tactic, string variant, VerdictSource source)
        {
            if (!IsValidVariant(variant))
            {
                throw new ArgumentException("A variant is 1-16 letters or digits.", nameof(variant));
            }

            return "Behavior:" + platform + "/" + tactic + "." + variant + (source == VerdictSource.Model ? "!ml" : "!rule");
        }

        /// <summary>Parses a name; false when it does not follow the contract.</summary>
        public static bool TryParse(string? name, out DetectionPlatform platform, out Tactic tactic, out string variant, out VerdictSource source)
        {
            platform = default;
            tactic = default;
            variant = string.Empty;
            source = default;
            if (name is null)
            {
                return false;
            }

            Match match = s_name.Match(name);
            if (!match.Success
                || !Enum.TryParse(match.Groups["platform"].Value, ignoreCase: false, out platform)
                || !Enum.TryParse(match.Groups["tactic"].Value, ignoreCase: false, out tactic)
                || !Enum.IsDefined(typeof(Tactic), tactic)
                || int.TryParse(match.Groups["tactic"].Value, out _))
            {
                return false;
            }

            variant = match.Groups["variant"].Value;
            source = match.Groups["source"].Value == "ml" ? VerdictSource.Model : VerdictSource.Rule;
            return true;
        }
    }
}
