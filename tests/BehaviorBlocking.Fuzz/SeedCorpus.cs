using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>
    /// Seed corpora derived from the repository's fixtures: the recorded sample cut into a few lines
    /// each, one line per distinct (channel, event id) of the rule fixtures, the same records written
    /// as event XML, a greedy cover of the rule pack's features, and the hand-written seeds under
    /// tests/fuzz/seeds. Every seed stays under <see cref="MaxSeedBytes"/> (afl works best on small inputs).
    /// </summary>
    internal static class SeedCorpus
    {
        public const int MaxSeedBytes = 10 * 1024;
        private const int LinesPerSeed = 4;
        private const int MaxRuleSeeds = 32;
        private const int MaxRecordingSeeds = 12;
        private static readonly XNamespace s_event = "http://schemas.microsoft.com/win/2004/08/events/event";
        private static readonly string[] s_systemKeys = { "EventID", "Channel", "Provider", "Computer", "TimeCreated", "EventRecordID" };
        private static readonly Regex s_modifiers = new Regex(@"\|([A-Za-z0-9_|]+)\s*:", RegexOptions.CultureInvariant);
        private static readonly Regex s_topKey = new Regex(@"^([A-Za-z_][\w-]*)\s*:", RegexOptions.CultureInvariant | RegexOptions.Multiline);
        private static readonly Regex s_condition = new Regex(@"^\s*condition\s*:\s*(.+)$", RegexOptions.CultureInvariant | RegexOptions.Multiline);
        private static readonly Regex s_logsource = new Regex(@"^\s+(product|category|service)\s*:\s*(\S+)", RegexOptions.CultureInvariant | RegexOptions.Multiline);

        public static IEnumerable<FuzzSeed> JsonLines(FixtureRoot root)
        {
            List<FuzzSeed> seeds = SampleChunks(root).Concat(FixtureChunks(root)).ToList();
            // One gzip seed: the readers decompress by magic bytes whatever the file name.
            seeds.Add(new FuzzSeed(seeds[0].Name + ".gz", Gzip(seeds[0].Content)));
            return WithExtras(root, "jsonl", seeds);
        }

        public static IEnumerable<FuzzSeed> EventXml(FixtureRoot root)
        {
            var seeds = new List<FuzzSeed>();
            foreach (FuzzSeed chunk in SampleChunks(root).Concat(FixtureChunks(root)))
            {
                seeds.Add(new FuzzSeed(Path.ChangeExtension(chunk.Name, ".xml"), ToEventXml(chunk.Content, wrapped: seeds.Count % 2 == 0)));
            }

            return WithExtras(root, "eventxml", seeds);
        }

        /// <summary>For targets that decide the format by content: both kinds, fewer of each.</summary>
        public static IEnumerable<FuzzSeed> Mixed(FixtureRoot root)
        {
            var seeds = new List<FuzzSeed>();
            foreach (FuzzSeed chunk in SampleChunks(root))
            {
                seeds.Add(chunk);
            }

            int i = 0;
            foreach (FuzzSeed chunk in FixtureChunks(root))
            {
                seeds.Add(i++ % 2 == 0 ? chunk : new FuzzSeed(Path.ChangeExtension(chunk.Name, ".xml"), ToEventXml(chunk.Content, wrapped: true)));
            }

            return WithExtras(root, "normalizer", seeds);
        }

        /// <summary>Rule files of the pack, chosen greedily until no file adds a modifier, condition word, key or logsource not seen yet.</summary>
        public static IEnumerable<FuzzSeed> Rules(FixtureRoot root)
        {
            var candidates = new List<(string Name, byte[] Content, HashSet<string> Features)>();
            foreach (string file in SortedFiles(root.RulePack, "*.yml"))
            {
                byte[] content = File.ReadAllBytes(file);
                if (content.Length <= MaxSeedBytes)
                {
                    candidates.Add((Path.GetFileName(file), content, RuleFeatures(Encoding.UTF8.GetString(content))));
                }
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var seeds = new List<FuzzSeed>();
            while (seeds.Count < MaxRuleSeeds)
            {
                int best = -1, bestGain = 0;
                for (int i = 0; i < candidates.Count; i++)
                {
                    int gain = candidates[i].Features.Count(f => !seen.Contains(f));
                    if (gain > bestGain)
                    {
                        best = i;
                        bestGain = gain;
                    }
                }

                if (best < 0)
                {
                    break;
                }

                seen.UnionWith(candidates[best].Features);
                seeds.Add(new FuzzSeed(candidates[best].Name, candidates[best].Content));
                candidates.RemoveAt(best);
            }

            return WithExtras(root, "rules", seeds);
        }

        /// <summary>Whole recordings: the sample in windows of consecutive lines, and match fixtures covering each (channel, event id) once.</summary>
        public static IEnumerable<FuzzSeed> Recordings(FixtureRoot root)
        {
            var seeds = new List<FuzzSeed>();
            foreach (string file in SortedFiles(root.Samples, "*.jsonl"))
            {
                var window = new StringBuilder();
                int part = 0;
                foreach (string line in File.ReadAllLines(file))
                {
                    if (window.Length + line.Length + 1 > MaxSeedBytes * 3 / 4 && window.Length > 0)
                    {
                        seeds.Add(new FuzzSeed($"{Path.GetFileNameWithoutExtension(file)}-window{++part:00}.jsonl", Encoding.UTF8.GetBytes(window.ToString())));
                        window.Clear();
                    }

                    window.Append(line).Append('\n');
                }

                if (window.Length > 0)
                {
                    seeds.Add(new FuzzSeed($"{Path.GetFileNameWithoutExtension(file)}-window{++part:00}.jsonl", Encoding.UTF8.GetBytes(window.ToString())));
                }
            }

            var covered = new HashSet<string>(StringComparer.Ordinal);
            int fixtures = 0;
            foreach (string file in SortedFiles(root.RuleFixtures, "*.match.jsonl"))
            {
                byte[] content = File.ReadAllBytes(file);
                List<string> keys = Lines(content).Select(l => EventKey(l)).Where(k => k is not null).Select(k => k!).ToList();
                if (fixtures < MaxRecordingSeeds && content.Length <= MaxSeedBytes && keys.Any(k => !covered.Contains(k)))
                {
                    covered.UnionWith(keys);
                    seeds.Add(new FuzzSeed(Path.GetFileName(file), content));
                    fixtures++;
                }
            }

            return WithExtras(root, "replay", seeds);
        }

        /// <summary>The example policies of tests/data/policy, each cut down to one part (mode, defaults, overrides, exclusions) as well, and the hand-written seeds.</summary>
        public static IEnumerable<FuzzSeed> Policies(FixtureRoot root)
        {
            var seeds = new List<FuzzSeed>();
            foreach (string file in SortedFiles(root.Policies, "*.json"))
            {
                byte[] content = File.ReadAllBytes(file);
                string name = Path.GetFileNameWithoutExtension(file);
                seeds.Add(new FuzzSeed(name + ".json", content));
                using (JsonDocument document = JsonDocument.Parse(content, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }))
                {
                    foreach (JsonProperty part in document.RootElement.EnumerateObject())
                    {
                        if (part.Name == "schemaVersion" || part.Name == "version")
                        {
                            continue;
                        }

                        string one = "{\"schemaVersion\": 1, \"version\": \"" + name + "-" + part.Name + "\", \"" + part.Name + "\": " + part.Value.GetRawText() + "}";
                        seeds.Add(new FuzzSeed(name + "-" + part.Name + ".json", Encoding.UTF8.GetBytes(one)));
                    }
                }
            }

            return WithExtras(root, "policy", seeds);
        }

        /// <summary>The recorded samples, <see cref="LinesPerSeed"/> lines a seed.</summary>
        private static IEnumerable<FuzzSeed> SampleChunks(FixtureRoot root)
        {
            foreach (string file in SortedFiles(root.Samples, "*.jsonl"))
            {
                string name = Path.GetFileNameWithoutExtension(file);
                List<string> lines = Lines(File.ReadAllBytes(file)).ToList();
                for (int i = 0; i < lines.Count; i += LinesPerSeed)
                {
                    yield return new FuzzSeed($"{name}-{i / LinesPerSeed + 1:00}.jsonl", Join(lines.Skip(i).Take(LinesPerSeed)));
                }
            }
        }

        /// <summary>The first fixture line of every distinct (channel, event id), <see cref="LinesPerSeed"/> a seed.</summary>
        private static IEnumerable<FuzzSeed> FixtureChunks(FixtureRoot root)
        {
            var covered = new HashSet<string>(StringComparer.Ordinal);
            var picked = new List<string>();
            foreach (string file in SortedFiles(root.RuleFixtures, "*.jsonl"))
            {
                foreach (string line in Lines(File.ReadAllBytes(file)))
                {
                    if (EventKey(line) is string key && line.Length < MaxSeedBytes / LinesPerSeed && covered.Add(key))
                    {
                        picked.Add(line);
                    }
                }
            }

            for (int i = 0; i < picked.Count; i += LinesPerSeed)
            {
                yield return new FuzzSeed($"fixtures-{i / LinesPerSeed + 1:00}.jsonl", Join(picked.Skip(i).Take(LinesPerSeed)));
            }
        }

        /// <summary>JSON Lines records as Windows event XML, as <c>wevtutil qe /f:xml</c> writes them (optionally inside one root element).</summary>
        internal static byte[] ToEventXml(byte[] jsonLines, bool wrapped)
        {
            var events = new List<XElement>();
            foreach (string line in Lines(jsonLines))
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement record = doc.RootElement;
                string Text(string key) => record.TryGetProperty(key, out JsonElement v) ? Scalar(v) : string.Empty;
                var system = new XElement(s_event + "System",
                    new XElement(s_event + "Provider", new XAttribute("Name", Text("Provider"))),
                    new XElement(s_event + "EventID", Text("EventID")),
                    new XElement(s_event + "TimeCreated", new XAttribute("SystemTime", Text("TimeCreated"))),
                    new XElement(s_event + "EventRecordID", Text("EventRecordID")),
                    new XElement(s_event + "Channel", Text("Channel")),
                    new XElement(s_event + "Computer", Text("Computer")));
                var data = new XElement(s_event + "EventData");
                foreach (JsonProperty property in record.EnumerateObject())
                {
                    if (Array.IndexOf(s_systemKeys, property.Name) < 0)
                    {
                        data.Add(new XElement(s_event + "Data", new XAttribute("Name", property.Name), Scalar(property.Value)));
                    }
                }

                events.Add(new XElement(s_event + "Event", system, data));
            }

            string text = wrapped
                ? new XElement("Events", events).ToString(SaveOptions.None)
                : string.Join("\n", events.Select(e => e.ToString(SaveOptions.DisableFormatting)));
            return Encoding.UTF8.GetBytes(text + "\n");
        }

        private static HashSet<string> RuleFeatures(string yaml)
        {
            var features = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match m in s_modifiers.Matches(yaml))
            {
                features.Add("modifiers:" + m.Groups[1].Value);
                foreach (string modifier in m.Groups[1].Value.Split('|'))
                {
                    features.Add("modifier:" + modifier);
                }
            }

            foreach (Match m in s_topKey.Matches(yaml))
            {
                features.Add("key:" + m.Groups[1].Value);
            }

            foreach (Match m in s_condition.Matches(yaml))
            {
                foreach (string word in Regex.Split(m.Groups[1].Value, @"[\s()]+"))
                {
                    if (word.Length > 0)
                    {
                        features.Add("condition:" + (word.Contains('_') || word.Contains('*') ? (word.Contains('*') ? "pattern" : "name") : word.ToLowerInvariant()));
                    }
                }

                features.Add("condition-parentheses:" + m.Groups[1].Value.Count(c => c == '('));
            }

            foreach (Match m in s_logsource.Matches(yaml))
            {
                features.Add("logsource:" + m.Groups[1].Value + "=" + m.Groups[2].Value);
            }

            return features;
        }

        private static string? EventKey(string line)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement record = doc.RootElement;
                return record.ValueKind == JsonValueKind.Object && record.TryGetProperty("Channel", out JsonElement channel) && record.TryGetProperty("EventID", out JsonElement id)
                    ? Scalar(channel) + "/" + Scalar(id)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string Scalar(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

        private static IEnumerable<string> Lines(byte[] content) =>
            Encoding.UTF8.GetString(content).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0);

        private static byte[] Join(IEnumerable<string> lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

        private static byte[] Gzip(byte[] content)
        {
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(content, 0, content.Length);
            }

            return buffer.ToArray();
        }

        private static List<string> SortedFiles(string directory, string pattern)
        {
            // Recursive: the rule pack and its fixtures keep the Linux rules in a linux/ subfolder.
            var files = new List<string>(Directory.GetFiles(directory, pattern, SearchOption.AllDirectories));
            files.Sort(StringComparer.Ordinal);
            return files;
        }

        /// <summary>Adds the hand-written seeds of tests/fuzz/seeds/TARGET (what no fixture shows).</summary>
        /// <summary>Indicator feeds: valid ones in both forms, and one of each refusal the reader names.</summary>
        public static IEnumerable<FuzzSeed> Indicators(FixtureRoot root)
        {
            const string hash = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";
            string[] feeds =
            {
                "{\"sha256\":\"" + hash + "\",\"verdict\":\"block\",\"comment\":\"implant\"}\n{\"path\":\"/tmp/x.sh\",\"verdict\":\"allow\",\"expires\":\"2030-01-01T00:00:00Z\"}\n",
                "[\n {\"path\": \"C:\\\\Tools\\\\x.exe\", \"verdict\": \"block\"},\n {\"path\": \"\\\\\\\\server\\\\share\\\\y.dll\", \"verdict\": \"allow\", \"expires\": \"2031-02-03T04:05:06+01:00\"}\n]\n",
                "\uFEFF{\"path\":\"/usr/bin/nc\",\"verdict\":\"block\"}\r\n\r\n{\"sha256\":\"" + hash.ToUpperInvariant() + "\",\"verdict\":\"allow\"}\r\n",
                "{\"path\":\"/a\",\"verdict\":\"block\"}\n{\"path\":\"/a\",\"verdict\":\"allow\"}\n",
                "{\"sha256\":\"abc\",\"verdict\":\"block\"}\n",
                "{\"path\":\"/a\",\"verdict\":\"block\",\"extra\":1}\n",
                "[{\"path\":\"/a\",\"verdict\":\"block\"},\n{\"path\":\"rel\",\"verdict\":\"block\"}]",
                "{\"path\":\"/a\",\"verdict\":\"block\",\"expires\":\"2001-01-01T00:00:00Z\"}\n",
            };
            var seeds = new List<FuzzSeed>();
            for (int i = 0; i < feeds.Length; i++)
            {
                seeds.Add(new FuzzSeed("feed-" + i.ToString(CultureInfo.InvariantCulture) + ".jsonl", new UTF8Encoding(false).GetBytes(feeds[i])));
            }

            return WithExtras(root, "indicators", seeds);
        }

        private static IEnumerable<FuzzSeed> WithExtras(FixtureRoot root, string target, List<FuzzSeed> seeds)
        {
            string extras = root.ExtraSeeds(target);
            if (Directory.Exists(extras))
            {
                foreach (string file in SortedFiles(extras, "*"))
                {
                    seeds.Add(new FuzzSeed("extra-" + Path.GetFileName(file), File.ReadAllBytes(file)));
                }
            }

            return seeds;
        }
    }
}
