using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace BehaviorBlocking.Bench
{
    /// <summary>
    /// Writes a large synthetic Sigma rule set shaped like public rule collections: most rules on
    /// process creation (image suffix plus command-line substrings, a filter), then registry, file,
    /// image load, script block, network, process access and Security-log rules, with the common
    /// modifiers. The values are random tokens, so the rules cost what real ones cost but rarely match.
    /// </summary>
    internal static class GeneratedRules
    {
        private static readonly (int Weight, string Logsource, string Field, string Modifier)[] s_shapes =
        {
            (50, "category: process_creation", "CommandLine", "contains"),
            (8, "category: registry_set", "TargetObject", "contains"),
            (4, "category: registry_event", "TargetObject", "endswith"),
            (8, "category: file_event", "TargetFilename", "endswith"),
            (5, "category: image_load", "ImageLoaded", "endswith"),
            (6, "category: ps_script", "ScriptBlockText", "contains"),
            (4, "category: network_connection", "DestinationHostname", "endswith"),
            (3, "category: process_access", "CallTrace", "contains"),
            (2, "category: pipe_created", "PipeName", "startswith"),
            (2, "category: dns_query", "QueryName", "endswith"),
            (8, "service: security", "ObjectName", "contains"),
        };

        public static void Write(string directory, int count, int seed = 3000)
        {
            Directory.CreateDirectory(directory);
            var random = new Random(seed);
            int total = 0;
            foreach (var shape in s_shapes)
            {
                total += shape.Weight;
            }

            for (int i = 0; i < count; i++)
            {
                int roll = random.Next(total);
                var chosen = s_shapes[0];
                foreach (var shape in s_shapes)
                {
                    if (roll < shape.Weight)
                    {
                        chosen = shape;
                        break;
                    }

                    roll -= shape.Weight;
                }

                var yaml = new StringBuilder();
                yaml.Append("title: Generated rule ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
                yaml.Append("id: ").Append(new Guid(Bytes(random)).ToString()).Append('\n');
                yaml.Append("level: ").Append(new[] { "low", "medium", "high" }[random.Next(3)]).Append('\n');
                yaml.Append("tags:\n  - attack.execution\n  - attack.t1059\n");
                yaml.Append("logsource:\n  product: windows\n  ").Append(chosen.Logsource).Append('\n');
                yaml.Append("detection:\n  selection:\n");
                if (chosen.Logsource.StartsWith("service: security", StringComparison.Ordinal))
                {
                    yaml.Append("    EventID: ").Append(new[] { "4662", "4663", "5145", "4688" }[random.Next(4)]).Append('\n');
                }
                else if (random.Next(2) == 0)
                {
                    yaml.Append("    Image|endswith: '\\").Append(Token(random)).Append(".exe'\n");
                }

                yaml.Append("    ").Append(chosen.Field).Append('|').Append(chosen.Modifier).Append(":\n");
                int values = 1 + random.Next(4);
                for (int v = 0; v < values; v++)
                {
                    yaml.Append("      - '").Append(Token(random)).Append("'\n");
                }

                yaml.Append("  filter:\n    User|contains: '").Append(Token(random)).Append("'\n");
                yaml.Append("  condition: selection and not filter\n");
                File.WriteAllText(Path.Combine(directory, "generated_" + i.ToString("D4", CultureInfo.InvariantCulture) + ".yml"), yaml.ToString());
            }
        }

        private static byte[] Bytes(Random random)
        {
            byte[] bytes = new byte[16];
            random.NextBytes(bytes);
            return bytes;
        }

        private static string Token(Random random)
        {
            const string letters = "abcdefghijklmnopqrstuvwxyz";
            var chars = new char[5 + random.Next(8)];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = letters[random.Next(letters.Length)];
            }

            return new string(chars);
        }
    }
}
