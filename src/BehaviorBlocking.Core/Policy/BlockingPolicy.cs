using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Policy
{
    /// <summary>What a <see cref="BlockingPolicy"/> is built with besides its document.</summary>
    public sealed class BlockingPolicyOptions
    {
        /// <summary>The clock exclusions and indicators expire by; default <see cref="DateTimeOffset.UtcNow"/>.</summary>
        public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

        /// <summary>Allow and block indicators consulted for the implicated image; null for none.</summary>
        public IIndicatorLookup? Indicators { get; init; }

        /// <summary>
        /// The implicated image's signer, where a sensor knows it; null (the default) when none does,
        /// and then signer exclusions never match.
        /// </summary>
        public Func<Verdict, string?>? Signer { get; init; }

        /// <summary>SHA-256 (upper-case hex) of the document's bytes, for the record; null for the default policy.</summary>
        public string? Sha256 { get; init; }

        /// <summary>The file the document came from; null for the default policy.</summary>
        public string? Source { get; init; }
    }

    /// <summary>
    /// The policy as an immutable snapshot built from a <see cref="PolicyDocument"/>. Decides each
    /// verdict: Off does nothing; an allow indicator excludes, a block indicator blocks (KillTree and
    /// block hash, unless Off); an active exclusion excludes with its justification; otherwise the most
    /// specific entry (detection name, then rule id, then tactic, then defaults; each field on its
    /// own) gives the threshold and the action. Audit records and says what Block would do.
    /// Safe to call from any thread; <see cref="Decide"/> never throws and allocates nothing on its
    /// usual paths.
    /// </summary>
    public sealed class BlockingPolicy : IBlockingPolicy
    {
        private static readonly int s_tacticCount = Enum.GetValues(typeof(Tactic)).Length;
        private static readonly PolicyDecision s_off = new PolicyDecision(ResponseAction.None, false, "policy mode Off: no response");

        private readonly BlockingPolicyOptions _options;
        private readonly PolicyOverride?[] _tactics;
        private readonly Dictionary<string, int> _rules;
        private readonly Dictionary<string, int> _detections;
        private readonly PolicyDecision[] _exclusionDecisions;
        private readonly ConcurrentDictionary<long, Resolved> _resolved = new ConcurrentDictionary<long, Resolved>();

        /// <summary>Builds the snapshot of <paramref name="document"/>.</summary>
        public BlockingPolicy(PolicyDocument document, BlockingPolicyOptions? options = null)
        {
            Document = document ?? throw new ArgumentNullException(nameof(document));
            _options = options ?? new BlockingPolicyOptions();
            _tactics = new PolicyOverride?[s_tacticCount];
            foreach (PolicyOverride entry in document.Tactics)
            {
                _tactics[(int)(Tactic)Enum.Parse(typeof(Tactic), entry.Key)] = entry;
            }

            _rules = Index(document.Rules);
            _detections = Index(document.Detections);
            _exclusionDecisions = new PolicyDecision[document.Exclusions.Count];
            for (int i = 0; i < _exclusionDecisions.Length; i++)
            {
                PolicyExclusion exclusion = document.Exclusions[i];
                _exclusionDecisions[i] = new PolicyDecision(ResponseAction.None, true,
                    exclusion.Justification + " (policy exclusion " + i + ": " + Conditions(exclusion) + ")");
            }
        }

        /// <summary>The default policy: Audit with the built-in defaults, no exclusions, no indicators.</summary>
        public static BlockingPolicy Default { get; } = new BlockingPolicy(PolicyDocument.Default);

        /// <summary>The document this snapshot was built from.</summary>
        public PolicyDocument Document { get; }

        /// <inheritdoc />
        public PolicyMode Mode => Document.Mode;

        /// <summary>The document's version string (<c>default</c> when there is no policy file).</summary>
        public string Version => Document.Version;

        /// <summary>SHA-256 of the document's bytes; null for the default policy.</summary>
        public string? Sha256 => _options.Sha256;

        /// <summary>The file the document came from; null for the default policy.</summary>
        public string? Source => _options.Source;

        /// <summary>The indicators this snapshot consults, if any.</summary>
        public IIndicatorLookup? Indicators => _options.Indicators;

        /// <summary>A snapshot of the same document consulting <paramref name="indicators"/> (a new indicator view is a new snapshot).</summary>
        public BlockingPolicy WithIndicators(IIndicatorLookup? indicators) => new BlockingPolicy(Document, new BlockingPolicyOptions
        {
            Clock = _options.Clock,
            Indicators = indicators,
            Signer = _options.Signer,
            Sha256 = _options.Sha256,
            Source = _options.Source,
        });

        /// <summary>A snapshot of another document with this one's clock, indicators and signer.</summary>
        public BlockingPolicy Rebuild(LoadedPolicy loaded) => (loaded ?? throw new ArgumentNullException(nameof(loaded))).ToPolicy(_options);

        /// <inheritdoc />
        public PolicyDecision Decide(Verdict verdict)
        {
            try
            {
                return DecideCore(verdict);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // A policy must never stop detection: nothing is done, and the reason says why.
                return new PolicyDecision(ResponseAction.None, false, "policy error (" + ex.GetType().Name + "): " + ex.Message + "; record only");
            }
        }

        /// <summary>
        /// The settings that apply to a detection with this name, these rules and this tactic, each
        /// field from the most specific entry that sets it.
        /// </summary>
        public ResponseSettings SettingsFor(string? detectionName, IEnumerable<string>? ruleIds, Tactic tactic)
        {
            int rule = -1;
            if (ruleIds is not null)
            {
                foreach (string id in ruleIds)
                {
                    if (id is not null && _rules.TryGetValue(id, out int index))
                    {
                        rule = index;
                        break;
                    }
                }
            }

            return Resolve(DetectionIndex(detectionName), rule, tactic).Settings;
        }

        private PolicyDecision DecideCore(Verdict verdict)
        {
            if (verdict is null || Document.Mode == PolicyMode.Off)
            {
                return s_off;
            }

            Detection detection = verdict.Detection;
            ProcessSnapshot? implicated = Implicated(verdict);
            var artifact = new Artifact(implicated);
            string? image = detection.Image ?? implicated?.Image;
            DateTimeOffset now = default;
            bool haveNow = false;

            IIndicatorLookup? indicators = _options.Indicators;
            if (indicators is not null && (artifact.Sha256 is not null || image is not null))
            {
                now = _options.Clock();
                haveNow = true;
                Indicator? indicator = indicators.Match(artifact.Sha256, image, now);
                if (indicator is not null && indicator.IsActive(now))
                {
                    return indicator.Verdict == IndicatorVerdict.Allow
                        ? new PolicyDecision(ResponseAction.None, true, "allowed by indicator " + Describe(indicator))
                        : new PolicyDecision(ResponseAction.KillTree, false, "blocked by indicator " + Describe(indicator)) { BlockHash = true };
                }
            }

            IReadOnlyList<PolicyExclusion> exclusions = Document.Exclusions;
            for (int i = 0; i < exclusions.Count; i++)
            {
                PolicyExclusion exclusion = exclusions[i];
                if (exclusion.Expires.HasValue)
                {
                    if (!haveNow)
                    {
                        now = _options.Clock();
                        haveNow = true;
                    }

                    if (!exclusion.IsActive(now))
                    {
                        continue;
                    }
                }

                if (Matches(exclusion, verdict, detection, ref artifact, image))
                {
                    return _exclusionDecisions[i];
                }
            }

            Resolved resolved = Resolve(DetectionIndex(detection.Name), RuleIndex(detection), detection.Tactic);
            if (!(detection.Score >= resolved.Threshold))
            {
                return resolved.BelowThreshold;
            }

            return Document.Mode == PolicyMode.Block ? resolved.Block : resolved.Audit;
        }

        private bool Matches(PolicyExclusion exclusion, Verdict verdict, Detection detection, ref Artifact artifact, string? image)
        {
            bool windows = detection.Platform == DetectionPlatform.Win32;
            IReadOnlyList<ExclusionCondition> conditions = exclusion.Conditions;
            for (int i = 0; i < conditions.Count; i++)
            {
                ExclusionCondition condition = conditions[i];
                bool match;
                switch (condition.Field)
                {
                    case ExclusionField.Image:
                        match = condition.Glob!.IsMatch(image, windows);
                        break;
                    case ExclusionField.Sha256:
                        match = artifact.Sha256 is string sha256 && string.Equals(sha256, condition.Value, StringComparison.OrdinalIgnoreCase);
                        break;
                    case ExclusionField.Signer:
                        match = _options.Signer is not null && condition.Glob!.IsMatch(SignerOf(verdict), ignoreCase: true);
                        break;
                    case ExclusionField.CommandLine:
                        match = condition.Glob!.IsMatch(detection.CommandLine, windows);
                        break;
                    case ExclusionField.ParentImage:
                        match = condition.Glob!.IsMatch(detection.ParentImage, windows);
                        break;
                    case ExclusionField.User:
                        match = condition.Glob!.IsMatch(detection.User, ignoreCase: true);
                        break;
                    case ExclusionField.Host:
                        match = condition.Glob!.IsMatch(detection.Host, ignoreCase: true);
                        break;
                    case ExclusionField.RuleId:
                        match = EveryRuleMatches(detection, condition.Glob!);
                        break;
                    default:
                        match = condition.Glob!.IsMatch(detection.Name, ignoreCase: true);
                        break;
                }

                if (!match)
                {
                    return false;
                }
            }

            return true;
        }

        private string? SignerOf(Verdict verdict)
        {
            try
            {
                return _options.Signer!(verdict);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // An unknown signer excludes nothing.
                return null;
            }
        }

        // A rule exclusion is conservative: it applies only when every rule behind the verdict matches it.
        private static bool EveryRuleMatches(Detection detection, PolicyGlob glob)
        {
            bool any = false;
            IReadOnlyList<Evidence> items = detection.Evidence;
            for (int i = 0; i < items.Count; i++)
            {
                Evidence evidence = items[i];
                if (string.Equals(evidence.Kind, "rule", StringComparison.Ordinal))
                {
                    if (!glob.IsMatch(evidence.Id, ignoreCase: true))
                    {
                        return false;
                    }

                    any = true;
                }
            }

            return any;
        }

        private static ProcessSnapshot? Implicated(Verdict verdict)
        {
            ProcessTreeSnapshot? tree = verdict.Tree;
            if (tree is null || tree.Processes.Count == 0)
            {
                return null;
            }

            Detection detection = verdict.Detection;
            IReadOnlyList<ProcessSnapshot> processes = tree.Processes;
            for (int i = 0; i < processes.Count; i++)
            {
                ProcessSnapshot process = processes[i];
                if (detection.ProcessGuid is not null && string.Equals(process.ProcessGuid, detection.ProcessGuid, StringComparison.OrdinalIgnoreCase))
                {
                    return process;
                }
            }

            for (int i = 0; i < processes.Count; i++)
            {
                ProcessSnapshot process = processes[i];
                if (detection.ProcessId.HasValue && process.ProcessId == detection.ProcessId.Value)
                {
                    return process;
                }
            }

            return null;
        }

        private int DetectionIndex(string? name) => name is not null && _detections.TryGetValue(name, out int index) ? index : -1;

        private int RuleIndex(Detection detection)
        {
            if (_rules.Count == 0)
            {
                return -1;
            }

            // The first rule of the evidence (its order) that has an entry.
            IReadOnlyList<Evidence> items = detection.Evidence;
            for (int i = 0; i < items.Count; i++)
            {
                Evidence evidence = items[i];
                if (string.Equals(evidence.Kind, "rule", StringComparison.Ordinal) && _rules.TryGetValue(evidence.Id, out int index))
                {
                    return index;
                }
            }

            return -1;
        }

        private Resolved Resolve(int detection, int rule, Tactic tactic)
        {
            int tacticIndex = (int)tactic >= 0 && (int)tactic < s_tacticCount ? (int)tactic : 0;
            long key = (((long)(detection + 1) * (Document.Rules.Count + 1)) + (rule + 1)) * s_tacticCount + tacticIndex;
            if (_resolved.TryGetValue(key, out Resolved? found))
            {
                return found;
            }

            var entries = new List<PolicyOverride>(3);
            if (detection >= 0)
            {
                entries.Add(Document.Detections[detection]);
            }

            if (rule >= 0)
            {
                entries.Add(Document.Rules[rule]);
            }

            if (_tactics[tacticIndex] is PolicyOverride tacticEntry)
            {
                entries.Add(tacticEntry);
            }

            return _resolved.GetOrAdd(key, new Resolved(entries, Document.Defaults));
        }

        private static Dictionary<string, int> Index(IReadOnlyList<PolicyOverride> overrides)
        {
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < overrides.Count; i++)
            {
                index[overrides[i].Key] = i;
            }

            return index;
        }

        private static string Conditions(PolicyExclusion exclusion)
        {
            var text = new StringBuilder();
            foreach (ExclusionCondition condition in exclusion.Conditions)
            {
                text.Append(text.Length == 0 ? string.Empty : " and ").Append(condition);
            }

            return text.ToString();
        }

        private static string Describe(Indicator indicator) =>
            indicator.Kind.ToString().ToLowerInvariant() + " " + indicator.Value + " (" + indicator.Source + (string.IsNullOrEmpty(indicator.Comment) ? string.Empty : ": " + indicator.Comment) + ")";

        /// <summary>The implicated process and its image's SHA-256, parsed from the sensor's hashes only when something asks (parsing allocates).</summary>
        private struct Artifact
        {
            private readonly ProcessSnapshot? _process;
            private string? _sha256;
            private bool _parsed;

            public Artifact(ProcessSnapshot? process)
            {
                _process = process;
                _sha256 = null;
                _parsed = false;
            }

            public string? Sha256
            {
                get
                {
                    if (!_parsed)
                    {
                        _sha256 = _process?.Sha256;
                        _parsed = true;
                    }

                    return _sha256;
                }
            }
        }

        /// <summary>The effective settings of one (detection entry, rule entry, tactic) combination and the decisions they lead to.</summary>
        private sealed class Resolved
        {
            public Resolved(List<PolicyOverride> entries, ResponseSettings defaults)
            {
                double? threshold = null;
                ResponseAction? action = null;
                bool? quarantine = null;
                bool? blockHash = null;
                bool? remediate = null;
                var from = new List<string>();
                foreach (ResponseSettings settings in Chain(entries, defaults))
                {
                    threshold ??= settings.Threshold;
                    action ??= settings.Action;
                    quarantine ??= settings.Quarantine;
                    blockHash ??= settings.BlockHash;
                    remediate ??= settings.Remediate;
                }

                foreach (PolicyOverride entry in entries)
                {
                    from.Add(entry.Path.Substring(2));
                }

                if (!defaults.IsEmpty)
                {
                    from.Add("defaults");
                }

                string source = from.Count == 0 ? "built-in defaults" : string.Join(" > ", from);
                Settings = new ResponseSettings { Threshold = threshold, Action = action, Quarantine = quarantine, BlockHash = blockHash, Remediate = remediate };
                Threshold = threshold!.Value;
                string what = What(action!.Value, quarantine!.Value, blockHash!.Value, remediate!.Value);
                string thresholdText = PolicyDocument.Number(Threshold);
                bool acts = action.Value != ResponseAction.None || quarantine.Value || blockHash.Value || remediate.Value;
                Block = new PolicyDecision(action.Value, false, acts
                    ? "block mode: score at or above threshold " + thresholdText + " (" + source + "): " + what
                    : "block mode: the policy takes no action here (" + source + "): record only")
                {
                    Quarantine = quarantine.Value,
                    BlockHash = blockHash.Value,
                    Remediate = remediate.Value,
                };
                Audit = new PolicyDecision(ResponseAction.None, false, acts
                    ? "audit mode: record only; Block would " + what + " (score at or above threshold " + thresholdText + ", " + source + ")"
                    : "audit mode: record only; Block would take no action either (" + source + ")")
                {
                    InBlockMode = acts ? Block : null,
                };
                BelowThreshold = new PolicyDecision(ResponseAction.None, false, "score below threshold " + thresholdText + " (" + source + "): record only");
            }

            public ResponseSettings Settings { get; }

            public double Threshold { get; }

            public PolicyDecision Block { get; }

            public PolicyDecision Audit { get; }

            public PolicyDecision BelowThreshold { get; }

            private static IEnumerable<ResponseSettings> Chain(List<PolicyOverride> entries, ResponseSettings defaults)
            {
                foreach (PolicyOverride entry in entries)
                {
                    yield return entry.Settings;
                }

                yield return defaults;
                yield return ResponseSettings.BuiltIn;
            }

            private static string What(ResponseAction action, bool quarantine, bool blockHash, bool remediate)
            {
                var parts = new List<string>();
                if (action != ResponseAction.None)
                {
                    parts.Add(action.ToString());
                }

                if (quarantine)
                {
                    parts.Add("quarantine");
                }

                if (blockHash)
                {
                    parts.Add("block hash");
                }

                if (remediate)
                {
                    parts.Add("remediate");
                }

                return parts.Count == 0 ? "nothing" : string.Join(" + ", parts);
            }
        }
    }
}
