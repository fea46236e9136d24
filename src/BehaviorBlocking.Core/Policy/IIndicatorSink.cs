using System;

namespace BehaviorBlocking.Policy
{
    /// <summary>
    /// Where responses write block indicators (the indicator store behind <see cref="IIndicatorLookup"/>).
    /// A responder's "block hash" step and <c>behaviorblock block --sha256</c> both go through it.
    /// </summary>
    public interface IIndicatorSink
    {
        /// <summary>
        /// Adds (or returns the one already in force) a block indicator for the SHA-256 <paramref name="sha256"/>
        /// (upper-case hex); throws a <see cref="BehaviorBlockingException"/> naming the hash when it cannot.
        /// </summary>
        /// <param name="sha256">The artifact's SHA-256, 64 hex digits.</param>
        /// <param name="source"><see cref="IndicatorSource.Detection"/> for a response to a detection, <see cref="IndicatorSource.Manual"/> for a person's request.</param>
        /// <param name="detectionId">The detection it responds to, when there is one.</param>
        /// <param name="comment">Why (the detection name, or the person's words).</param>
        /// <param name="createdBy">The account that asked, or <c>policy</c>.</param>
        Indicator Block(string sha256, IndicatorSource source, Guid? detectionId, string? comment, string? createdBy);
    }
}
