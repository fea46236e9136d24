using System;
using System.Collections.Generic;
using BehaviorBlocking.Classification;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Policy;
using BehaviorBlocking.Response;

namespace BehaviorBlocking.Engine
{
    /// <summary>What an engine is built from: rule sources, the classifier, the policy and the responder.</summary>
    public sealed class EngineOptions
    {
        private static readonly string[] s_none = new string[0];

        /// <summary>Include the built-in rule pack (<see cref="EngineLocations.BuiltInRulesDirectory"/>).</summary>
        public bool BuiltInRules { get; init; } = true;

        /// <summary>More directories of Sigma rules, e.g. a community rule set.</summary>
        public IReadOnlyList<string> RuleDirectories { get; init; } = s_none;

        /// <summary>
        /// Load the rule packs installed in this product folder (<see cref="RulePacks"/>), each verified against its
        /// recorded content hash; null loads none (the default, so an engine built in code sees only what it names).
        /// </summary>
        public string? RulePacksHome { get; init; }

        /// <summary>Load a classifier. False: rules alone (verdicts named <c>!rule</c>).</summary>
        public bool UseModel { get; init; } = true;

        /// <summary>The model file; null takes <see cref="EngineLocations.DefaultModelPath"/> (the installed one, else the built-in one).</summary>
        public string? ModelPath { get; init; }

        /// <summary>How long one model run may take before it is stopped and counted as a failure.</summary>
        public TimeSpan ModelRunTimeout { get; init; } = OnnxModel.DefaultRunTimeout;

        /// <summary>Model failures in a row after which a run switches the model off (rules alone) and says so; 0 never does.</summary>
        public int ClassifierFailureLimit { get; init; } = ClassifierGuard.DefaultFailureLimit;

        /// <summary>How model probabilities become verdicts.</summary>
        public ClassifierPolicy ClassifierPolicy { get; init; } = new ClassifierPolicy();

        /// <summary>Decides what verdicts lead to; default audit (record only).</summary>
        public IBlockingPolicy Policy { get; init; } = AuditPolicy.Instance;

        /// <summary>Carries out decisions; default record only.</summary>
        public IResponder Responder { get; init; } = RecordOnlyResponder.Instance;

        /// <summary>Time every rule evaluation (for evaluation reports; costs ~40 ns per rule tried).</summary>
        public bool MeasureRuleCost { get; init; }

        /// <summary>Further detectors to run beside the rules in every run (each run gets new instances).</summary>
        public Func<IReadOnlyList<IDetector>>? ExtraDetectors { get; init; }
    }

    /// <summary>Something that went wrong while building the engine that does not stop it (a skipped rule, a model that did not load).</summary>
    public sealed class EngineWarning
    {
        /// <summary>Creates a warning.</summary>
        public EngineWarning(string errorId, string message, string? target = null)
        {
            ErrorId = errorId ?? throw new ArgumentNullException(nameof(errorId));
            Message = message ?? throw new ArgumentNullException(nameof(message));
            Target = target;
        }

        /// <summary>Stable id (listed in about_BehaviorBlocking_Errors).</summary>
        public string ErrorId { get; }

        /// <summary>What happened and what the engine does instead.</summary>
        public string Message { get; }

        /// <summary>The file the warning is about, when there is one.</summary>
        public string? Target { get; }

        /// <inheritdoc />
        public override string ToString() => ErrorId + ": " + Message;
    }
}
