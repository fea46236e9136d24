using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Features;
using BehaviorBlocking.Rules;

namespace BehaviorBlocking.Cli
{
    /// <summary>Where models are found: the installed one in the product folder, else the built-in one beside the binary.</summary>
    internal static class ModelLocations
    {
        public static string BuiltIn => Path.Combine(System.AppContext.BaseDirectory, "models", "behavior.onnx");

        public static string Installed => Path.Combine(Store.ProductHome.Resolve(), "models", "behavior.onnx");

        public static string Default() => File.Exists(Installed) ? Installed : BuiltIn;
    }

    /// <summary>The rule options of commands that run detectors, and the detector set they give.</summary>
    internal sealed class RuleOptions
    {
        public Option<string[]> Rules { get; } = new Option<string[]>("--rules")
        {
            Description = "Add a directory of Sigma rules (repeatable), e.g. a checkout of a community rule set.",
            AllowMultipleArgumentsPerToken = false,
        };

        public Option<bool> NoBuiltinRules { get; } = new Option<bool>("--no-builtin-rules") { Description = "Leave the built-in rule pack out." };

        public Option<string?> Model { get; } = new Option<string?>("--model")
        {
            Description = "Classifier model (.onnx with its .json manifest). Default: the installed model, else the built-in one.",
        };

        public Option<bool> NoModel { get; } = new Option<bool>("--no-model") { Description = "Rules alone: no classifier (verdicts named !rule)." };

        public void AddTo(Command command)
        {
            command.Options.Add(Rules);
            command.Options.Add(NoBuiltinRules);
            command.Options.Add(Model);
            command.Options.Add(NoModel);
        }

        /// <summary>
        /// Loads the classifier unless --no-model. A model that cannot be loaded is a warning that says
        /// the run goes on with rules alone: protection continues, and the reason is visible.
        /// </summary>
        public ITreeClassifier? LoadModel(ParseResult parsed, CliConsole console)
        {
            if (parsed.GetValue(NoModel))
            {
                return null;
            }

            string? given = parsed.GetValue(Model);
            string path = given ?? ModelLocations.Default();
            if (!File.Exists(path))
            {
                console.Error.WriteLine($"behaviorblock: warning: ModelNotFound: no model at '{path}'; running with rules alone (!rule verdicts).");
                return null;
            }

            try
            {
                return OnnxTreeClassifier.Load(path);
            }
            catch (BehaviorBlockingException ex)
            {
                console.Error.WriteLine($"behaviorblock: warning: {ex.ErrorId}: {ex.Message}; running with rules alone (!rule verdicts).");
                return null;
            }
        }

        /// <summary>Loads the chosen rules; skipped rules are reported as warnings (at most <paramref name="shown"/>).</summary>
        public RuleSet Load(ParseResult parsed, CliConsole console, int shown = 20)
        {
            var sources = new List<RuleSource>();
            if (!parsed.GetValue(NoBuiltinRules))
            {
                sources.Add(new RuleSource(Program.BuiltInRulesDirectory, "builtin"));
            }

            foreach (string dir in parsed.GetValue(Rules) ?? System.Array.Empty<string>())
            {
                sources.Add(new RuleSource(dir, dir));
            }

            RuleSet rules = sources.Count == 0 ? RuleSet.Empty : RuleSet.Load(sources);
            for (int i = 0; i < rules.Skipped.Count && i < shown; i++)
            {
                console.Error.WriteLine("behaviorblock: warning: rule skipped: " + rules.Skipped[i]);
            }

            if (rules.Skipped.Count > shown)
            {
                console.Error.WriteLine($"behaviorblock: warning: {rules.Skipped.Count - shown} more rules skipped ('behaviorblock rules validate DIR' lists them).");
            }

            return rules;
        }

        /// <summary>The rule detector over <paramref name="rules"/> (with the classifier, when one is loaded) plus any extra detectors.</summary>
        public static IReadOnlyList<IDetector> Detectors(RuleSet rules, CliConsole console, ITreeClassifier? classifier, out RuleDetector? ruleDetector)
        {
            var detectors = new List<IDetector>();
            ruleDetector = null;
            if (rules.Rules.Count > 0)
            {
                // The feature collector runs first, so a verdict built on an event sees that event in the features.
                TreeFeatureCollector? collector = classifier is null ? null : new TreeFeatureCollector();
                if (collector is not null)
                {
                    detectors.Add(collector);
                }

                ruleDetector = new RuleDetector(rules, new RuleDetectorOptions { Classifier = classifier, Features = collector, SignalObserver = collector });
                detectors.Add(ruleDetector);
            }

            detectors.AddRange(console.ExtraDetectors());
            return detectors;
        }
    }
}
