using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>Completes ATT&amp;CK tactic names (the <see cref="Tactic"/> values) for <c>-Tactic</c> parameters.</summary>
    public sealed class TacticCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completions.Matching(Enum.GetNames(typeof(Tactic)), wordToComplete, name => "MITRE ATT&CK tactic " + name);
    }
}
