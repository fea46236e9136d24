namespace BehaviorBlocking.Events
{
    /// <summary>Turns a raw sensor record into a normalized <see cref="BehaviorEvent"/>.</summary>
    public interface IEventNormalizer
    {
        /// <summary>
        /// Normalizes one record. Never returns null: records it does not interpret become
        /// <see cref="EventKind.Other"/> with their fields kept. Throws
        /// <see cref="BehaviorBlockingException"/> (InvalidData) for a record that cannot be
        /// an event at all.
        /// </summary>
        BehaviorEvent Normalize(EventRecord record);
    }
}
