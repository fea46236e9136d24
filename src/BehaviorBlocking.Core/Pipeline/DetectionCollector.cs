using System;
using System.Collections.Generic;
using BehaviorBlocking.Detections;

namespace BehaviorBlocking.Pipeline
{
    /// <summary>
    /// Holds open detections by id (a report with a known id replaces the earlier version) and
    /// emits them at flush points, so a detection that grows with its evidence is written once
    /// per flush rather than once per event.
    /// </summary>
    internal sealed class DetectionCollector : IDetectionSink
    {
        private const int MaxOpen = 10_000;
        private readonly Action<Detection> _emit;
        private readonly Dictionary<Guid, Detection> _open = new Dictionary<Guid, Detection>();
        private readonly List<Guid> _order = new List<Guid>();

        public DetectionCollector(Action<Detection> emit) => _emit = emit;

        public long Emitted { get; private set; }

        public void Report(Detection detection)
        {
            if (detection is null)
            {
                throw new ArgumentNullException(nameof(detection));
            }

            if (!_open.ContainsKey(detection.Id))
            {
                _order.Add(detection.Id);
            }

            _open[detection.Id] = detection;
            if (_open.Count >= MaxOpen)
            {
                // A flood must not grow memory without bound: emit what is open now.
                Flush();
            }
        }

        public void Retract(Guid id)
        {
            if (_open.Remove(id))
            {
                _order.Remove(id);
            }
        }

        public void Flush()
        {
            foreach (Guid id in _order)
            {
                Emitted++;
                _emit(_open[id]);
            }

            _open.Clear();
            _order.Clear();
        }
    }
}
