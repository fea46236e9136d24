using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Graph;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Verdicts;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// A policy file (the input) through the policy parser. Documented: <see cref="PolicyDocument.Parse(byte[])"/>
    /// never throws; a refused document has at least one problem, each with a line and column from 1, a
    /// JSON path and a reason; an accepted one writes canonical JSON that parses to the same canonical
    /// JSON, and its snapshot decides fixed verdicts without throwing.
    /// </summary>
    internal static class PolicyTarget
    {
        private static readonly DateTimeOffset s_now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        private static readonly Lazy<Verdict[]> s_verdicts = new Lazy<Verdict[]>(Verdicts);

        public static void Run(byte[] input)
        {
            PolicyParseResult result = PolicyDocument.Parse(input);
            if (!result.IsValid)
            {
                FuzzInvariantException.That(result.Errors.Count > 0 && result.Errors.Count <= PolicyParser.MaxErrors, $"refused with {result.Errors.Count} problems");
                foreach (PolicyProblem problem in result.Errors)
                {
                    FuzzInvariantException.That(problem.Line >= 1 && problem.Column >= 1, $"problem at {problem.Line}:{problem.Column}: {problem.Message}");
                    FuzzInvariantException.That(problem.Path.StartsWith("$", StringComparison.Ordinal), $"problem path '{problem.Path}' is not a JSON path");
                    FuzzInvariantException.That(!string.IsNullOrWhiteSpace(problem.Message), "a problem without a reason");
                    FuzzInvariantException.That(problem.Line <= CountLines(input), $"problem at line {problem.Line} of a {CountLines(input)}-line input");
                }

                return;
            }

            PolicyDocument document = result.Document!;
            string json = document.ToJson();
            PolicyParseResult again = PolicyDocument.Parse(json);
            FuzzInvariantException.That(again.IsValid, "the canonical JSON of an accepted policy is refused: " + string.Join("; ", again.Errors));
            FuzzInvariantException.That(again.Document!.ToJson() == json, "the canonical JSON does not round-trip");
            FuzzInvariantException.That(PolicyChanges.Between(document, again.Document).Count == 0, "a round-tripped policy has changes");
            document.Warnings(s_now);

            var policy = new BlockingPolicy(document, new BlockingPolicyOptions { Clock = () => s_now, Signer = v => "Contoso Ltd" });
            foreach (Verdict verdict in s_verdicts.Value)
            {
                PolicyDecision decision = policy.Decide(verdict);
                FuzzInvariantException.That(!decision.Reason.StartsWith("policy error", StringComparison.Ordinal), "Decide failed: " + decision.Reason);
                FuzzInvariantException.That(document.Mode == PolicyMode.Block || !decision.RequiresResponse, $"mode {document.Mode} asked for a response: {decision}");
            }
        }

        // Lines as an editor shows them: LF, CRLF and a lone CR each end one (the JSON reader ends a
        // comment at a lone CR and counts the line, so a position may be on a CR-only line).
        private static long CountLines(byte[] input)
        {
            long lines = 1;
            for (int i = 0; i < input.Length; i++)
            {
                if (input[i] == (byte)'\n' || (input[i] == (byte)'\r' && (i + 1 == input.Length || input[i + 1] != (byte)'\n')))
                {
                    lines++;
                }
            }

            return lines;
        }

        private static Verdict[] Verdicts()
        {
            var verdicts = new List<Verdict>();
            foreach (Tactic tactic in (Tactic[])Enum.GetValues(typeof(Tactic)))
            {
                foreach (double score in new[] { 0.0, 0.5, 0.95 })
                {
                    var detection = new Detection
                    {
                        Name = $"Behavior:Win32/{tactic}.Fuzz!ml",
                        Platform = tactic == Tactic.Discovery ? DetectionPlatform.Linux : DetectionPlatform.Win32,
                        Tactic = tactic,
                        Score = score,
                        Host = "WS-07",
                        ProcessGuid = "{42}",
                        ProcessId = 42,
                        Image = @"C:\Tools\payload.exe",
                        CommandLine = "payload.exe -run",
                        ParentImage = @"C:\Windows\System32\cmd.exe",
                        User = @"CONTOSO\bob",
                        Evidence = new[] { new Evidence("rule", "rule-a", "a", null), new Evidence("rule", "b2f1c3d4-0000-4000-8000-00000000c2a1", "b", null) },
                    };
                    var node = new ProcessNode(1, "WS-07", 42) { ProcessGuid = "{42}", Image = detection.Image, Hashes = "SHA256=9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08" };
                    var tree = new ProcessTreeSnapshot(1, "WS-07", new[] { new ProcessSnapshot(node) }, s_now);
                    verdicts.Add(new Verdict(VerdictChange.Raised, detection, score > 0.9 ? tree : null, new[] { tactic }));
                }
            }

            return verdicts.ToArray();
        }
    }
}
