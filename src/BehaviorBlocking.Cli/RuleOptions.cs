using System;
using System.Collections.Generic;
using System.CommandLine;
using BehaviorBlocking.Engine;

namespace BehaviorBlocking.Cli
{
    /// <summary>The rule and model options of commands that run the engine, turned into <see cref="EngineOptions"/>.</summary>
    internal sealed class RuleOptions
    {
        public Option<string[]> Rules { get; } = new Option<string[]>("--rules")
        {
            Description = "Add a directory of Sigma rules (repeatable), e.g. a checkout of a community rule set.",
            AllowMultipleArgumentsPerToken = false,
        };

        public Option<bool> NoBuiltinRules { get; } = new Option<bool>("--no-builtin-rules") { Description = "Leave the built-in rule pack out." };

        public Option<bool> NoRulePacks { get; } = new Option<bool>("--no-rule-packs") { Description = "Leave out the rule packs installed with 'rules add'." };

        public Option<string?> Model { get; } = new Option<string?>("--model")
        {
            Description = "Classifier model (.onnx with its .json manifest). Default: the installed model, else the built-in one.",
        };

        public Option<bool> NoModel { get; } = new Option<bool>("--no-model") { Description = "Rules alone: no classifier (verdicts named !rule)." };

        public void AddTo(Command command)
        {
            command.Options.Add(Rules);
            command.Options.Add(NoBuiltinRules);
            command.Options.Add(NoRulePacks);
            command.Options.Add(Model);
            command.Options.Add(NoModel);
        }

        /// <summary>The engine options the command line asks for.</summary>
        public EngineOptions Options(ParseResult parsed, CliConsole console, bool measureRuleCost = false, Policy.IBlockingPolicy? policy = null,
            Func<IReadOnlyList<Detections.IDetector>>? extraDetectors = null) => new EngineOptions
        {
            Policy = policy ?? Policy.AuditPolicy.Instance,
            BuiltInRules = !parsed.GetValue(NoBuiltinRules),
            RuleDirectories = parsed.GetValue(Rules) ?? Array.Empty<string>(),
            RulePacksHome = parsed.GetValue(NoRulePacks) ? null : RulePacks.DefaultHome(),
            UseModel = !parsed.GetValue(NoModel),
            ModelPath = parsed.GetValue(Model),
            MeasureRuleCost = measureRuleCost,
            ExtraDetectors = extraDetectors ?? console.ExtraDetectors,
        };

        /// <summary>
        /// Builds the engine and prints its warnings: skipped rules (at most <paramref name="shown"/>) and a model
        /// that did not load, which leaves the run with rules alone, visibly.
        /// </summary>
        public BehaviorEngine Build(ParseResult parsed, CliConsole console, bool measureRuleCost = false, int shown = 20, Policy.IBlockingPolicy? policy = null,
            Func<IReadOnlyList<Detections.IDetector>>? extraDetectors = null)
        {
            BehaviorEngine engine = BehaviorEngine.Create(Options(parsed, console, measureRuleCost, policy, extraDetectors));
            WriteWarnings(engine.Warnings, console, shown);
            return engine;
        }

        internal static void WriteWarnings(IReadOnlyList<EngineWarning> warnings, CliConsole console, int shown)
        {
            int skipped = 0;
            foreach (EngineWarning warning in warnings)
            {
                if (warning.ErrorId == ErrorIds.RuleSkipped)
                {
                    if (++skipped <= shown)
                    {
                        console.Error.WriteLine("behaviorblock: warning: rule skipped: " + warning.Message);
                    }

                    continue;
                }

                console.Error.WriteLine("behaviorblock: warning: " + warning);
            }

            if (skipped > shown)
            {
                console.Error.WriteLine($"behaviorblock: warning: {skipped - shown} more rules skipped ('behaviorblock rules validate DIR' lists them).");
            }
        }
    }
}
