using System;
using System.Collections.Generic;
using BehaviorBlocking.Engine;
using BehaviorBlocking.Policy;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>
    /// One indicator feed (the input) read as <c>behaviorblock indicator import</c> reads it, then loaded into
    /// a snapshot. Documented: a bad feed is an <see cref="IndicatorFeedException"/> naming the feed, a line
    /// inside the input (0 for the file as a whole) and a reason. An accepted feed holds only valid, distinct
    /// indicators, and each one is what the snapshot answers for its own hash or path.
    /// </summary>
    internal static class IndicatorTarget
    {
        private const string File = "fuzz-feed.jsonl";
        private static readonly DateTimeOffset s_now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

        public static void Run(byte[] input)
        {
            IReadOnlyList<IndicatorDraft> drafts;
            try
            {
                drafts = IndicatorFeed.Parse(input, File, s_now);
            }
            catch (IndicatorFeedException ex)
            {
                FuzzInvariantException.That(ex.ErrorId == ErrorIds.IndicatorFeedInvalid && ex.File == File, "a rejection names another id or file: " + ex.ErrorId + " " + ex.File);
                FuzzInvariantException.That(!string.IsNullOrWhiteSpace(ex.Reason), "a rejection without a reason");
                FuzzInvariantException.That(ex.Line >= 0 && ex.Line <= CountLines(input), $"a rejection names line {ex.Line} of a {CountLines(input)}-line input");
                return;
            }

            FuzzInvariantException.That(drafts.Count > 0 && drafts.Count <= IndicatorFeed.MaxEntries, $"an accepted feed with {drafts.Count} entries");
            var indicators = new List<Indicator>(drafts.Count);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (IndicatorDraft draft in drafts)
            {
                string? value = draft.Validate(s_now, out string? error);
                FuzzInvariantException.That(value == draft.Value, $"an accepted entry '{draft.Value}' does not validate as it is: {error}");
                FuzzInvariantException.That(draft.Source == IndicatorSource.Feed && draft.CreatedBy == "feed:" + File, "an accepted entry is not marked as from the feed");
                FuzzInvariantException.That(keys.Add(draft.Kind + ":" + IndicatorValues.MatchKey(draft.Kind, draft.Value)), $"the feed was accepted with '{draft.Value}' twice");
                indicators.Add(new Indicator(Guid.NewGuid(), draft.Kind, draft.Value, draft.Verdict, draft.Source, s_now) { Expires = draft.Expires, Comment = draft.Comment });
            }

            var set = new IndicatorSet(indicators);
            foreach (Indicator indicator in indicators)
            {
                Indicator? found = indicator.Kind == IndicatorKind.Sha256 ? set.Match(indicator.Value, null, s_now) : set.Match(null, indicator.Value, s_now);
                FuzzInvariantException.That(ReferenceEquals(found, indicator), $"the snapshot does not answer {indicator.Kind} '{indicator.Value}' with its own indicator");
            }
        }

        private static long CountLines(byte[] input)
        {
            long lines = 1;
            foreach (byte b in input)
            {
                if (b == (byte)'\n')
                {
                    lines++;
                }
            }

            return lines;
        }
    }
}
