/// What a pipeline run did, for the end-of-run summary and tests.
public struct RunReport: Sendable {
    /// Records the source delivered.
    public var records = 0
    /// Records that became events.
    public var events = 0
    /// Records rejected (sent to the dead-letter destination).
    public var deadLetters = 0
    /// Alert documents written (shell, building-block and single alerts).
    public var alerts = 0
    /// Detections per rule name (a sequence counts once).
    public var detectionsByRule: [String: Int] = [:]
    /// Rules tested, summed over the events: those the rule index did not rule out.
    public var candidateRules = 0
    /// Events the reorder buffers took for sequence rules (``EvaluatorStatistics/heldEvents``).
    public var heldEvents = 0
    /// Of those, events parked beside the heap (``EvaluatorStatistics/parkedEvents``).
    public var parkedEvents = 0
    /// Events partial sequences held and compressed, as they were still held once too old to be
    /// kept whole (``EvaluatorStatistics/heldEventsCompressed``).
    public var heldEventsCompressed = 0
    /// Values the rule index looked up in its memo of recent values, and found there
    /// (``EvaluatorStatistics/indexMemoLookups``).
    public var indexMemoLookups = 0
    public var indexMemoHits = 0
    /// Events too late in event time for sequence rules.
    public var lateEvents = 0
    /// Events without a timestamp, which sequence rules could not order.
    public var untimedEvents = 0
    /// Partial sequences evicted by the live-sequence cap.
    public var evictions = 0
    /// Sequence events released before the allowed lateness because a reorder buffer was full.
    public var earlyReleases = 0
    /// Shards that evaluated rules.
    public var shards = 0
    /// Wall-clock duration in seconds.
    public var seconds = 0.0
    /// Seconds from the first record's arrival to the end: the run without start-up waits (a
    /// consumer group join).
    public var secondsFromFirstRecord = 0.0
    /// Time from the source handing over the batch holding an alert's triggering event to the alert
    /// being written (sequence alerts also wait, in event time, for the allowed lateness).
    public var alertLatencies = LatencySample()

    /// Creates an empty report.
    public init() {}

    /// A short human summary: `1,204 events (0 bad) → 13 alerts in 0.02 s`.
    public var summary: String {
        let rate = seconds > 0 ? Int(Double(events) / seconds) : 0
        var text = "\(events) events (\(deadLetters) bad) → \(alerts) alert documents in "
            + String(format: "%.2f", seconds) + " s (\(rate) events/s, \(shards) shards)"
        if seconds - secondsFromFirstRecord > 0.5, secondsFromFirstRecord > 0 {
            text += String(format: "; %.2f s and %d events/s from the first record", secondsFromFirstRecord,
                           Int(Double(events) / secondsFromFirstRecord))
        }
        if lateEvents > 0 { text += "; \(lateEvents) events too late for sequence rules" }
        if untimedEvents > 0 { text += "; \(untimedEvents) events without timestamp skipped by sequence rules" }
        if evictions > 0 { text += "; \(evictions) partial sequences evicted" }
        if earlyReleases > 0 { text += "; \(earlyReleases) sequence events released early (reorder buffer full)" }
        return text
    }
}

/// Latencies kept for percentiles: every value up to a bound, then a uniform reservoir sample.
public struct LatencySample: Sendable {
    private var values: [UInt64] = []
    private var seen: UInt64 = 0
    private var generator = SystemRandomNumberGenerator()
    /// How many values are kept at most.
    public static let capacity = 100_000

    /// Creates an empty sample.
    public init() {}

    /// Adds one latency in nanoseconds.
    public mutating func record(_ nanoseconds: UInt64) {
        seen += 1
        if values.count < Self.capacity {
            values.append(nanoseconds)
        } else {
            let slot = UInt64.random(in: 0 ..< seen, using: &generator)
            if slot < UInt64(Self.capacity) { values[Int(slot)] = nanoseconds }
        }
    }

    /// Values recorded.
    public var count: Int { Int(seen) }

    /// The `fraction` percentile (0.5 = median) in milliseconds, or `nil` when empty.
    public func percentileMilliseconds(_ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
        return Double(sorted[index]) / 1e6
    }
}
