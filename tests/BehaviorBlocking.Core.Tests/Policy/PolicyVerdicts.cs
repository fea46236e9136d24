using System;
using System.Collections.Generic;
using System.Linq;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Tests.Policy
{
    /// <summary>Verdicts for policy tests: a detection with chosen fields and a one-process tree carrying the image's hash.</summary>
    internal static class PolicyVerdicts
    {
        public const string Sha = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

        public static Verdict Make(
            Tactic tactic = Tactic.Execution,
            double score = 0.95,
            string? name = null,
            string image = @"C:\Users\bob\payload.exe",
            string commandLine = "payload.exe -run",
            string parentImage = @"C:\Windows\System32\cmd.exe",
            string user = @"CONTOSO\bob",
            string host = "WS-07",
            string[]? rules = null,
            string? sha256 = Sha,
            DetectionPlatform platform = DetectionPlatform.Win32,
            bool withTree = true)
        {
            var detection = new Detection
            {
                Name = name ?? $"Behavior:{platform}/{tactic}.Test!ml",
                Platform = platform,
                Tactic = tactic,
                Score = score,
                Host = host,
                ProcessGuid = "{00000000-0000-0000-0000-000000000042}",
                ProcessId = 42,
                Image = image,
                CommandLine = commandLine,
                ParentImage = parentImage,
                User = user,
                Evidence = (rules ?? Array.Empty<string>()).Select(r => new Evidence("rule", r, "rule " + r, null))
                    .Concat(new[] { new Evidence("feature", "processes", "1 process", null) }).ToArray(),
            };
            ProcessTreeSnapshot? tree = null;
            if (withTree)
            {
                var node = new ProcessNode(1, host, 42)
                {
                    ProcessGuid = detection.ProcessGuid,
                    Image = image,
                    CommandLine = commandLine,
                    User = user,
                    Hashes = sha256 is null ? "MD5=00" : "MD5=00,SHA256=" + sha256.ToLowerInvariant(),
                };
                tree = new ProcessTreeSnapshot(1, host, new[] { new ProcessSnapshot(node) }, DateTimeOffset.UnixEpoch);
            }

            return new Verdict(VerdictChange.Raised, detection, tree, new[] { tactic });
        }

        public static BlockingPolicy PolicyOf(string json, DateTimeOffset? now = null, IIndicatorLookup? indicators = null, Func<Verdict, string?>? signer = null)
        {
            PolicyParseResult result = PolicyDocument.Parse(json);
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            DateTimeOffset at = now ?? new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
            return new BlockingPolicy(result.Document!, new BlockingPolicyOptions { Clock = () => at, Indicators = indicators, Signer = signer });
        }
    }

    /// <summary>An indicator view over a fixed list, ranked as the contract says (block over allow, hash over path).</summary>
    internal sealed class ListIndicatorLookup : IIndicatorLookup
    {
        public ListIndicatorLookup(params Indicator[] indicators) => All = indicators;

        public IReadOnlyList<Indicator> All { get; }

        public int Calls { get; private set; }

        public Indicator? Match(string? sha256, string? path, DateTimeOffset now)
        {
            Calls++;
            return All.Where(i => i.IsActive(now) && (i.Kind == IndicatorKind.Sha256
                    ? string.Equals(i.Value, sha256, StringComparison.OrdinalIgnoreCase)
                    : string.Equals(i.Value, path, StringComparison.OrdinalIgnoreCase)))
                .OrderByDescending(i => i.Verdict == IndicatorVerdict.Block)
                .ThenByDescending(i => i.Kind == IndicatorKind.Sha256)
                .FirstOrDefault();
        }
    }
}
