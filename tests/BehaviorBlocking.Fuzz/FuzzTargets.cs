using System;
using System.Collections.Generic;
using BehaviorBlocking.Fuzz.Targets;

namespace BehaviorBlocking.Fuzz
{
    /// <summary>
    /// Every fuzz target. Adding one is one line here (plus its Run method): the afl script, the CI
    /// step, the replay mode and the corpus tests all enumerate this list.
    /// </summary>
    internal static class FuzzTargets
    {
        public static IReadOnlyList<FuzzTarget> All { get; } = new[]
        {
            new FuzzTarget("jsonl", "JSON Lines reader: bytes to records and counted problems", ReaderTargets.JsonLines, SeedCorpus.JsonLines, "jsonl"),
            new FuzzTarget("eventxml", "event XML reader: bytes to records and counted problems", ReaderTargets.EventXml, SeedCorpus.EventXml, "eventxml"),
            new FuzzTarget("normalizer", "reader (format by content), Windows event normalizer and process graph", NormalizerTarget.Run, SeedCorpus.Mixed, "jsonl", "eventxml"),
            new FuzzTarget("rules", "Sigma rule file: YAML load, compile (condition parser, modifiers) and evaluation on fixed events", RuleTarget.Run, SeedCorpus.Rules, "sigma"),
            new FuzzTarget("indicators", "indicator feed (JSON Lines or a JSON array): strict reader, then an indicator snapshot answering each entry", IndicatorTarget.Run, SeedCorpus.Indicators, "indicators"),
            new FuzzTarget("replay", "a recording scanned end to end by the engine (built-in rules and model), detections round-tripped as records", ReplayTarget.Run, SeedCorpus.Recordings, "jsonl"),
            new FuzzTarget("policy", "policy document: strict parser with positions, canonical JSON round trip, decisions on fixed verdicts", PolicyTarget.Run, SeedCorpus.Policies, "policy"),
        };

        public static FuzzTarget? Find(string name)
        {
            foreach (FuzzTarget target in All)
            {
                if (string.Equals(target.Name, name, StringComparison.Ordinal))
                {
                    return target;
                }
            }

            return null;
        }
    }
}
