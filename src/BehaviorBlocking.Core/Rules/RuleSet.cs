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
            var automata = new AutomatonCache();
            foreach (ChannelRules channel in _byChannel.Values)
            {
                foreach (KeyValuePair<int, List<RuleEntry>> list in channel.ById)
                {
                    channel.Plans[list.Key] = new CandidatePlan(planId++, list.Value, automata);
                }

                channel.AnyPlan = channel.Any.Count > 0 ? new CandidatePlan(planId++, channel.Any, automata) : null;
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

        /// <summary>
        /// Loads and compiles the rules of every source, in order. Only a rule that loads claims its id: a
        /// later rule with the same id is skipped, a skipped one leaves the id free. Detection rules claim
        /// theirs first, then correlations (which refer to them). Files, rules and the set are held to
        /// <see cref="RuleLimits"/>; what goes past a limit is skipped with the reason, the rest loads.
        /// </summary>
        public static RuleSet Load(IEnumerable<RuleSource> sources) => Load(sources, new RuleLoadOptions());

        /// <summary>Loads with the given options (tests choose the regex engines and smaller set budgets).</summary>
        internal static RuleSet Load(IEnumerable<RuleSource> sources, RuleLoadOptions options)
        {
            var loader = new Loader(options);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (RuleSource source in sources)
            {
                foreach (string file in RuleFiles(source, loader.Skipped))
                {
                    string? text;
                    string? refusal;
                    try
                    {
                        text = RuleFileText.Read(file, out refusal);
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        loader.Skipped.Add(new RuleLoadIssue(file, null, "cannot read the file: " + ex.Message));
                        continue;
                    }

                    if (text is null)
                    {
                        loader.Skipped.Add(new RuleLoadIssue(file, null, refusal!));
                        continue;
                    }

                    hash.AppendData(Encoding.UTF8.GetBytes(text));
                    List<YamlTreeDocument> documents;
                    try
                    {
                        documents = YamlTree.LoadDocuments(text);
                    }
                    catch (YamlException ex)
                    {
                        loader.Skipped.Add(new RuleLoadIssue(file, null, $"invalid YAML: {FirstLine(ex.Message)}", Line(ex.Start.Line)));
                        continue;
                    }
                    catch (Exception ex) when (!(ex is OutOfMemoryException))
                    {
                        // The YAML parser reports some malformed input as other exceptions (InvalidOperationException for
                        // 'title: ['); whatever it throws, only this file is at stake.
                        loader.Skipped.Add(new RuleLoadIssue(file, null, "invalid YAML: " + ex.Message));
                        continue;
                    }

                    foreach (YamlTreeDocument document in documents)
                    {
                        loader.LoadDocument(document, file, source.Origin, documents.Count > 1);
                    }
                }
            }

            loader.CompileCorrelations();
            string digest = BitConverter.ToString(hash.GetHashAndReset(), 0, 6).Replace("-", string.Empty).ToLowerInvariant();
            return new RuleSet(loader.Rules, loader.Correlations, loader.Skipped,
                (loader.Rules.Count + loader.Correlations.Count).ToString(CultureInfo.InvariantCulture) + "-" + digest);
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

        private static int? Line(long line) => line <= 0 ? (int?)null : (int)Math.Min(line, int.MaxValue);

        private static string FirstLine(string message)
        {
            string line = message.Split('\n')[0].Trim();
            return Regex.Replace(line, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", string.Empty);
        }

        /// <summary>The state of one load: what loaded, what was skipped, the ids claimed and the set's budget.</summary>
        private sealed class Loader
        {
            private readonly RuleLoadOptions _options;
            private readonly HashSet<string> _ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            private readonly List<PendingCorrelation> _pending = new List<PendingCorrelation>();
            private long _characters;
            private long _nodes;

            public Loader(RuleLoadOptions options) => _options = options;

            public List<CompiledRule> Rules { get; } = new List<CompiledRule>();

            public List<CompiledCorrelation> Correlations { get; } = new List<CompiledCorrelation>();

            public List<RuleLoadIssue> Skipped { get; } = new List<RuleLoadIssue>();

            public void LoadDocument(YamlTreeDocument document, string file, string origin, bool manyDocuments)
            {
                if (document.Refusal is not null)
                {
                    Skipped.Add(new RuleLoadIssue(file, document.Id, document.Refusal, document.Line > 0 ? document.Line : (int?)null));
                    return;
                }

                // One rule per file is the norm; in a file of several, the line says which one.
                int? line = manyDocuments ? document.Line : (int?)null;
                if (document.Root is not YamlMap map)
                {
                    if (document.Root is not null)
                    {
                        Skipped.Add(new RuleLoadIssue(file, null, "a YAML document that is not a mapping", line));
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
                    if (isCorrelation)
                    {
                        _pending.Add(new PendingCorrelation(map, rule, document, line));
                        return;
                    }

                    CompiledRule compiled = RuleCompiler.CompileDetection(map, rule, _options.Regexes);
                    Claim(rule, document);
                    Rules.Add(compiled);
                }
                catch (RuleUnsupportedException ex)
                {
                    Skipped.Add(new RuleLoadIssue(file, id, ex.Message, line));
                }
            }

            /// <summary>Compiles the correlations once every detection rule they may refer to is loaded.</summary>
            public void CompileCorrelations()
            {
                foreach (PendingCorrelation pending in _pending)
                {
                    try
                    {
                        // Claimed before compiling: compiling links the correlation into the rules it refers to.
                        CheckClaim(pending.Rule, pending.Document);
                        Correlations.Add(CompiledCorrelation.Compile(pending.Map, pending.Rule, Rules));
                        Claim(pending.Rule, pending.Document);
                    }
                    catch (RuleUnsupportedException ex)
                    {
                        Skipped.Add(new RuleLoadIssue(pending.Rule.SourceFile, pending.Rule.Id, ex.Message, pending.Line));
                    }
                }
            }

            private void CheckClaim(SigmaRule rule, YamlTreeDocument document)
            {
                if (_ids.Contains(rule.Id))
                {
                    throw new RuleUnsupportedException($"another rule already has id {RuleCompiler.Shorten(rule.Id)}");
                }

                if (_characters + document.Characters > _options.MaxCharactersPerSet || _nodes + document.Nodes > _options.MaxNodesPerSet)
                {
                    throw new RuleUnsupportedException(string.Format(CultureInfo.InvariantCulture,
                        "the rule set is full: its rules may hold at most {0:N0} characters and {1:N0} YAML nodes together", _options.MaxCharactersPerSet, _options.MaxNodesPerSet));
                }
            }

            private void Claim(SigmaRule rule, YamlTreeDocument document)
            {
                CheckClaim(rule, document);
                _ids.Add(rule.Id);
                _characters += document.Characters;
                _nodes += document.Nodes;
            }
        }

        private sealed class PendingCorrelation
        {
            public PendingCorrelation(YamlMap map, SigmaRule rule, YamlTreeDocument document, int? line)
            {
                Map = map;
                Rule = rule;
                Document = document;
                Line = line;
            }

            public YamlMap Map { get; }

            public SigmaRule Rule { get; }

            public YamlTreeDocument Document { get; }

            public int? Line { get; }
        }

        private sealed class ChannelRules
        {
            public Dictionary<int, List<RuleEntry>> ById { get; } = new Dictionary<int, List<RuleEntry>>();

            public List<RuleEntry> Any { get; } = new List<RuleEntry>();

            public Dictionary<int, CandidatePlan> Plans { get; } = new Dictionary<int, CandidatePlan>();

            public CandidatePlan? AnyPlan { get; set; }
        }
    }

    /// <summary>How a rule set is loaded: the regex factory and the set's budget (the <see cref="RuleLimits"/> unless a test says otherwise).</summary>
    internal sealed class RuleLoadOptions
    {
        /// <summary>Builds the set's regexes; by default with the linear-time fallback and the standard timeout.</summary>
        public RegexFactory Regexes { get; init; } = new RegexFactory(linearFallback: true, TimeSpan.FromMilliseconds(RuleLimits.RegexTimeoutMilliseconds));

        public long MaxCharactersPerSet { get; init; } = RuleLimits.MaxCharactersPerSet;

        public long MaxNodesPerSet { get; init; } = RuleLimits.MaxNodesPerSet;
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
