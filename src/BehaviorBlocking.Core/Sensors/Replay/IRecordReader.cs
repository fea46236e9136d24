using BehaviorBlocking.Events;

namespace BehaviorBlocking.Sensors.Replay
{
    /// <summary>Reads records of one recorded input, one at a time, reporting (and skipping) what it cannot read.</summary>
    internal interface IRecordReader
    {
        /// <summary>Returns the next record, or null at the end of the input (or when the rest is unreadable).</summary>
        EventRecord? Next();
    }
}
