using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BehaviorBlocking.Events;
using YamlDotNet.Core;

namespace BehaviorBlocking.Rules
{
    /// <summary>A directory of rules to load, and what to call it.</summary>
    public sealed class RuleSource
    {
        /// <summary>Creates a source.</summary>
        public RuleSource(string path, string origin)
        {
            Path = path;
            Origin = origin;
        }

        /// <summary>A directory (read recursively, <c>*.yml</c>/<c>*.yaml</c>) or one rule file.</summary>
        public string Path { get; }

        /// <summary><c>builtin</c> for the shipped pack, else the directory as given.</summary>
        public string Origin { get; }
    }

    /// <summary>
    /// An immutable, compiled set of Sigma rules, indexed by the events they can match so a rule is
    /// never tried on an event its logsource does not cover. Rules the engine cannot support are
    /// skipped with a reason naming the file; the rest load.
    /// </summary>
    public sealed class RuleSet
    {
        private readonly Dictionary<string, ChannelRules> _byChannel;

        private RuleSet(List<CompiledRule> rules, List<CompiledCorrelation> correlations, List<RuleLoadIssue> skipped, string version)
        {
            Compiled = rules;
            Correlations = correlations;
            Skipped = skipped;
            Version = version;
            var described = new List<SigmaRule>(rules.Count + correlations.Count);
            foreach (CompiledRule rule in rules)
            {
                described.Add(rule.Rule);
            }

            foreach (CompiledCorrelation correlation in correlations)
            {
                described.Add(correlation.Rule);
            }

            Rules = described;
            for (int i = 0; i < rules.Count; i++)
            {
                rules[i].Ordinal = i;
            }

            for (int i = 0; i < correlations.Count; i++)
            {
                correlations[i].Ordinal = i;
            }

            _byChannel = new Dictionary<string, ChannelRules>(StringComparer.OrdinalIgnoreCase);
            foreach (CompiledRule rule in rules)
            {
                foreach (EventSource source in rule.Sources)
                {
                    if (!_byChannel.TryGetValue(source.Channel, out ChannelRules? channel))
                    {
                        channel = new ChannelRules();
                        _byChannel[source.Channel] = channel;
                    }

                    var entry = new RuleEntry(rule, source.Kind);
                    int[]? ids = source.EventId is int id ? new[] { id } : rule.EventIds;
                    if (ids is null)
                    {
                        channel.Any.Add(entry);
                    }
                    else
                    {
                        foreach (int eventId in ids)
                        {
                            if (!channel.ById.TryGetValue(eventId, out List<RuleEntry>? list))
                            {
                                list = new List<RuleEntry>();
                                channel.ById[eventId] = list;
                            }

                            list.Add(entry);
                        }
                    }
                }
            }

            int planId = 0;
            foreach (ChannelRules channel in _byChannel.Values)
            {
                foreach (KeyValuePair<int, List<RuleEntry>> list in channel.ById)
                {
                    channel.Plans[list.Key] = new CandidatePlan(planId++, list.Value);
                }

                channel.AnyPlan = channel.Any.Count > 0 ? new CandidatePlan(planId++, channel.Any) : null;
            }

            PlanCount = planId;
        }

        /// <summary>Candidate plans in the index (each has its own id below this).</summary>
        internal int PlanCount { get; }

        /// <summary>An empty set (no rules).</summary>
        public static RuleSet Empty { get; } = new RuleSet(new List<CompiledRule>(), new List<CompiledCorrelation>(), new List<RuleLoadIssue>(), "none");

        /// <summary>Every loaded rule, detection rules first.</summary>
        public IReadOnlyList<SigmaRule> Rules { get; }

        /// <summary>What was not loaded, and why.</summary>
        public IReadOnlyList<RuleLoadIssue> Skipped { get; }

        /// <summary>Identifies the exact rule texts loaded: rule count and a hash of the files.</summary>
        public string Version { get; }

        internal IReadOnlyList<CompiledRule> Compiled { get; }

        internal IReadOnlyList<CompiledCorrelation> Correlations { get; }

        /// <summary>Loads and compiles the rules of every source, in order; a later duplicate id is skipped.</summary>
        public static RuleSet Load(IEnumerable<RuleSource> sources)
        {
            var rules = new List<CompiledRule>();
            var pendingCorrelations = new List<(YamlMap Document, SigmaRule Rule)>();
            var skipped = new List<RuleLoadIssue>();
            var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (RuleSource source in sources)
            {
                foreach (string file in RuleFiles(source, skipped))
                {
                    string text;
                    try
                    {
                        text = File.ReadAllText(file);
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        skipped.Add(new RuleLoadIssue(file, null, "cannot read the file: " + ex.Message));
                        continue;
                    }

                    hash.AppendData(Encoding.UTF8.GetBytes(text));
                    List<object?> documents;
                    try
                    {
                        documents = YamlTree.LoadDocuments(text);
                    }
                    catch (YamlException ex)
                    {
                        skipped.Add(new RuleLoadIssue(file, null, $"invalid YAML at line {ex.Start.Line}: {FirstLine(ex.Message)}"));
                        continue;
                    }
                    catch (Exception ex) when (ex is InvalidDataException || ex is InvalidOperationException || ex is ArgumentException)
                    {
                        // The YAML parser reports some malformed input this way rather than as a YamlException.
                        skipped.Add(new RuleLoadIssue(file, null, "invalid YAML: " + ex.Message));
                        continue;
                    }

                    foreach (object? document in documents)
                    {
                        LoadDocument(document, file, source.Origin, rules, pendingCorrelations, skipped, ids);
                    }
                }
            }

            var correlations = new List<CompiledCorrelation>();
            foreach ((YamlMap document, SigmaRule rule) in pendingCorrelations)
            {
                try
                {
                    correlations.Add(CompiledCorrelation.Compile(document, rule, rules));
                }
                catch (RuleUnsupportedException ex)
                {
                    skipped.Add(new RuleLoadIssue(rule.SourceFile, rule.Id, ex.Message));
                }
            }

            string digest = BitConverter.ToString(hash.GetHashAndReset(), 0, 6).Replace("-", string.Empty).ToLowerInvariant();
            return new RuleSet(rules, correlations, skipped, (rules.Count + correlations.Count).ToString(CultureInfo.InvariantCulture) + "-" + digest);
        }

        /// <summary>The rules that may match the event, for callers that iterate themselves (no delegate per event).</summary>
        internal CandidateLists Candidates(BehaviorEvent e)
        {
            if (!_byChannel.TryGetValue(e.Channel, out ChannelRules? channel))
            {
                return default;
            }

            channel.Plans.TryGetValue(e.EventId, out CandidatePlan? byId);
            return new CandidateLists(byId, channel.AnyPlan);
        }

        private static void LoadDocument(
            object? document, string file, string origin, List<CompiledRule> rules, List<(YamlMap, SigmaRule)> correlations,
            List<RuleLoadIssue> skipped, HashSet<string> ids)
        {
            if (document is not YamlMap map)
            {
                if (document is not null)
                {
                    skipped.Add(new RuleLoadIssue(file, null, "a YAML document that is not a mapping"));
                }

                return;
            }

            string? id = map.GetString("id");
            try
            {
                if (map.TryGet("action", out _))
                {
                    throw new RuleUnsupportedException("rule collections ('action: global/reset/repeat') are not supported");
                }

                bool isCorrelation = map.TryGet("correlation", out _);
                if (!isCorrelation && !map.TryGet("detection", out _))
                {
                    throw new RuleUnsupportedException("not a Sigma rule: it has neither detection nor correlation");
                }

                SigmaRule rule = RuleCompiler.ReadMetadata(map, file, origin, isCorrelation ? RuleKind.Correlation : RuleKind.Detection);
                if (!ids.Add(rule.Id))
                {
                    throw new RuleUnsupportedException($"another rule already has id {rule.Id}");
                }

                if (isCorrelation)
                {
                    correlations.Add((map, rule));
                }
                else
                {
                    rules.Add(RuleCompiler.CompileDetection(map, rule));
                }
            }
            catch (RuleUnsupportedException ex)
            {
                skipped.Add(new RuleLoadIssue(file, id, ex.Message));
            }
        }

        private static IEnumerable<string> RuleFiles(RuleSource source, List<RuleLoadIssue> skipped)
        {
            if (File.Exists(source.Path))
            {
                return new[] { source.Path };
            }

            if (!Directory.Exists(source.Path))
            {
                skipped.Add(new RuleLoadIssue(source.Path, null, "no such rule file or directory"));
                return Array.Empty<string>();
            }

            var files = new List<string>();
            foreach (string file in Directory.EnumerateFiles(source.Path, "*", SearchOption.AllDirectories))
            {
                if (file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                {
                    files.Add(file);
                }
            }

            files.Sort(StringComparer.Ordinal);
            return files;
        }

        private static string FirstLine(string message)
        {
            string line = message.Split('\n')[0].Trim();
            return Regex.Replace(line, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", string.Empty);
        }

        private sealed class ChannelRules
        {
            public Dictionary<int, List<RuleEntry>> ById { get; } = new Dictionary<int, List<RuleEntry>>();

            public List<RuleEntry> Any { get; } = new List<RuleEntry>();

            public Dictionary<int, CandidatePlan> Plans { get; } = new Dictionary<int, CandidatePlan>();

            public CandidatePlan? AnyPlan { get; set; }
        }
    }

    /// <summary>A rule in the index, with the event kind its logsource also requires (Sysmon 12 create vs delete).</summary>
    internal readonly struct RuleEntry
    {
        public RuleEntry(CompiledRule rule, EventKind? kind)
        {
            Rule = rule;
            Kind = kind;
        }

        public CompiledRule Rule { get; }

        public EventKind? Kind { get; }
    }

    /// <summary>The two candidate plans of an event: by its id, and channel-wide.</summary>
    internal readonly struct CandidateLists
    {
        public CandidateLists(CandidatePlan? byId, CandidatePlan? any)
        {
            ById = byId;
            Any = any;
        }

        public CandidatePlan? ById { get; }

        public CandidatePlan? Any { get; }
    }
}
