using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using BehaviorBlocking.Detections;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Store;

namespace BehaviorBlocking.Commands.Internal
{
    /// <summary>Completes detection names from the product folder's store (its most recent detections, bounded).</summary>
    public sealed class DetectionNameCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completions.Matching(RecentDetections.Read().Select(d => d.Name).Distinct(StringComparer.OrdinalIgnoreCase)
                .OrderBy(name => name, StringComparer.OrdinalIgnoreCase), wordToComplete, name => "Detection " + name);
    }

    /// <summary>Completes detection ids from the product folder's store (its most recent detections, newest first, bounded).</summary>
    public sealed class DetectionIdCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            IReadOnlyList<Detection> recent = RecentDetections.Read();
            Dictionary<string, Detection> byId = recent.ToDictionary(d => d.Id.ToString("D"), StringComparer.OrdinalIgnoreCase);
            return Completions.Matching(recent.Reverse().Select(d => d.Id.ToString("D")), wordToComplete,
                id => byId[id].Name + " on " + byId[id].Host + " (" + byId[id].LastSeen.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ")");
        }
    }

    /// <summary>The store's most recent detections for completion: a bounded read that never fails (no store, a broken one: nothing).</summary>
    internal static class RecentDetections
    {
        /// <summary>How many of the most recent detections completion looks at.</summary>
        internal const int Bound = 200;

        internal static IReadOnlyList<Detection> Read()
        {
            try
            {
                return DetectionQueries.Run(new DetectionQuery { Last = Bound });
            }
            catch (BehaviorBlockingException)
            {
                return Array.Empty<Detection>();
            }
        }
    }
}
