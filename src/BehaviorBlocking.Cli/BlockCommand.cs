using System;
using System.CommandLine;
using System.Text;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Response;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Cli
{
    /// <summary><c>behaviorblock block</c>: a person's block of a process, file, hash or stored detection (an adapter over <see cref="BlockService"/>).</summary>
    internal static class BlockCommand
    {
        public static Command Create(CliConsole console)
        {
            var pid = new Option<int?>("--pid") { Description = "A process of this machine (default action KillTree)." };
            var path = new Option<string?>("--path") { Description = "A file of this machine (default action Quarantine)." };
            var sha256 = new Option<string?>("--sha256") { Description = "A SHA-256 to block (action BlockHash)." };
            var detection = new Option<string?>("--detection") { Description = "A stored detection id: acts on its process (when it is about this machine) and its evidence; without --action, the steps the policy in force (policy.json in the product folder, else Audit) asks for it." };
            var action = new Option<ResponseKind?>("--action")
            {
                Description = "The step: KillTree, KillProcess or Suspend for --pid; Quarantine or BlockHash for --path; BlockHash for --sha256; any of the six for --detection.",
                HelpName = "KillTree|KillProcess|Suspend|Quarantine|BlockHash|Remediate",
            };
            var whatIf = new Option<bool>("--what-if") { Description = "Print what would be done; change nothing." };
            var comment = new Option<string?>("--comment") { Description = "Why, for the record (indicator comment, quarantine reason)." };
            Option<OutputFormat> format = CliOptions.Format("one step object per line");
            Option<string?> store = CliOptions.Store();
            var command = new Command("block", "Kill, suspend, quarantine, block the hash of, or remediate what a person names; every step is recorded in the store.")
            {
                pid, path, sha256, detection, action, whatIf, comment, format, store,
            };
            command.SetAction(parsed =>
            {
                Guid? detectionId = null;
                string? idText = parsed.GetValue(detection);
                if (idText is not null)
                {
                    detectionId = CliOptions.ParseId(idText, "block --detection");
                }

                string storePath = CliOptions.StorePath(parsed.GetValue(store));
                var request = new BlockRequest
                {
                    ProcessId = parsed.GetValue(pid),
                    Path = parsed.GetValue(path),
                    Sha256 = parsed.GetValue(sha256),
                    DetectionId = detectionId,
                    Action = parsed.GetValue(action),
                    WhatIf = parsed.GetValue(whatIf),
                    Comment = parsed.GetValue(comment),
                    StorePath = storePath,

                    // Without --action the policy in force decides a detection's steps, as it would have for the verdict.
                    Policy = detectionId is not null && parsed.GetValue(action) is null ? PolicyCommand.InForce(console, "block uses") : null,
                };
                return Run(console, request, parsed.GetValue(format));
            });
            return command;
        }

        private static int Run(CliConsole console, BlockRequest request, OutputFormat format)
        {
            string? invalid = BlockService.Validate(request);
            if (invalid is not null)
            {
                throw new UsageException("block: " + invalid);
            }

            BlockResult result;
            using (ResponseComponents components = console.ResponseComponents?.Invoke(request.StorePath)
                ?? ResponseComponents.ForThisMachine(ProductHome.Resolve(), request.StorePath))
            {
                try
                {
                    result = BlockService.Run(request, components);
                }
                catch (InvalidOperationException ex)
                {
                    // The policy in force asks for nothing for this detection: the person must name the step.
                    throw new UsageException("block: " + ex.Message);
                }
            }

            if (format == OutputFormat.Jsonl)
            {
                foreach (ResponseStep step in result.Steps)
                {
                    console.Out.WriteLine(DetectionJson.Serialize(step));
                }
            }
            else
            {
                ActionTable.Write(console.Out, result.Steps);
                string what = request.WhatIf ? "what-if: nothing was changed" : result.Recorded ? "recorded in " + request.StorePath : "nothing recorded";
                console.Out.WriteLine($"{result.Steps.Count} step(s); {what}.");
            }

            if (!result.Succeeded)
            {
                console.Error.WriteLine("behaviorblock: block: not every step was done (see the outcome and detail of each).");
                return Program.ExitFailed;
            }

            return Program.ExitOk;
        }
    }

    /// <summary>Response steps as a fixed-width table for a terminal, and the one-line summary the detections table shows.</summary>
    internal static class ActionTable
    {
        private static readonly (string Title, int Width)[] s_columns = { ("Kind", 11), ("Outcome", 12), ("Target", 40), ("Detail", 60) };

        public static void Write(System.IO.TextWriter output, System.Collections.Generic.IReadOnlyList<ResponseStep> steps)
        {
            if (steps.Count == 0)
            {
                return;
            }

            var line = new StringBuilder();
            foreach ((string title, int width) in s_columns)
            {
                line.Append(DetectionTable.Cell(title, width)).Append(' ');
            }

            output.WriteLine(line.ToString().TrimEnd());
            line.Clear();
            foreach ((_, int width) in s_columns)
            {
                line.Append(new string('-', width)).Append(' ');
            }

            output.WriteLine(line.ToString().TrimEnd());
            foreach (ResponseStep step in steps)
            {
                line.Clear();
                string[] cells = { step.Kind.ToString(), step.Outcome.ToString(), step.Target, step.Detail ?? string.Empty };
                for (int i = 0; i < cells.Length; i++)
                {
                    // The detail is the last column: shown whole, escaped.
                    line.Append(i == cells.Length - 1 ? TerminalText.Escape(cells[i]) : DetectionTable.Cell(cells[i], s_columns[i].Width)).Append(' ');
                }

                output.WriteLine(line.ToString().TrimEnd());
            }
        }

        /// <summary>One short cell per detection: each step as <c>Kind:Outcome</c>, e.g. <c>KillTree:Done Quarantine:Refused</c>.</summary>
        public static string Summary(System.Collections.Generic.IReadOnlyList<ResponseStep> steps)
        {
            if (steps.Count == 0)
            {
                return "-";
            }

            var text = new StringBuilder();
            foreach (ResponseStep step in steps)
            {
                if (text.Length > 0)
                {
                    text.Append(' ');
                }

                text.Append(step.Kind).Append(':').Append(step.Outcome);
            }

            return text.ToString();
        }
    }
}
