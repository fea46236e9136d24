using System;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Fuzz.Targets
{
    /// <summary>What every detection record must be, whatever the input (DESIGN: detection record contract).</summary>
    internal static class DetectionChecks
    {
        public static void Check(Detection detection)
        {
            FuzzInvariantException.That(detection.Name.StartsWith("Behavior:", StringComparison.Ordinal), $"detection name '{detection.Name}' is outside the naming contract");
            FuzzInvariantException.That(detection.Score >= 0 && detection.Score <= 1, $"detection {detection.Name} has score {detection.Score}, outside 0..1");
            FuzzInvariantException.That(detection.FirstSeen <= detection.LastSeen, $"detection {detection.Name} was last seen ({detection.LastSeen:o}) before it was first seen ({detection.FirstSeen:o})");

            // The record must survive its own serialization: the CLI, the store and exports all read it back.
            string json = DetectionJson.Serialize(detection);
            Detection back = DetectionJson.Parse(json);
            FuzzInvariantException.That(back.Id == detection.Id && back.Name == detection.Name, $"detection {detection.Name} does not read back from its own JSON record");
        }
    }
}
