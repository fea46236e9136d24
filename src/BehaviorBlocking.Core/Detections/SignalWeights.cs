namespace BehaviorBlocking.Detections
{
    /// <summary>How signal levels and scores relate: what one distinct signal adds, and the severity of a combined score.</summary>
    public static class SignalWeights
    {
        /// <summary>What one signal of this level adds to a verdict's score (scores combine as 1 − Π(1 − weight)).</summary>
        public static double Weight(Severity level) => level switch
        {
            Severity.Informational => 0.1,
            Severity.Low => 0.3,
            Severity.Medium => 0.5,
            Severity.High => 0.75,
            _ => 0.9,
        };

        /// <summary>Severity from the combined score: one critical signal, or several weaker ones, reach the same band.</summary>
        public static Severity SeverityOf(double score) =>
            score >= 0.9 ? Severity.Critical : score >= 0.75 ? Severity.High : score >= 0.5 ? Severity.Medium : score >= 0.3 ? Severity.Low : Severity.Informational;

        /// <summary>Combines a score with one more distinct signal.</summary>
        public static double Combine(double score, Severity level) => 1 - ((1 - score) * (1 - Weight(level)));
    }
}
