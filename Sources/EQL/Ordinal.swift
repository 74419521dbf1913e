import ECS

/// The position of an event in the order sequences are matched in: event time, then the
/// tiebreaker field's value, then arrival order (Elasticsearch's implicit `_shard_doc` tiebreaker).
public struct Ordinal: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Event time in nanoseconds since the Unix epoch.
    public var timestamp: Int64
    /// The tiebreaker field's value (0 when the query has none).
    public var tiebreaker: Int64
    /// Arrival order, unique per event within one matcher's input.
    public var arrival: UInt64

    /// Creates an ordinal.
    public init(timestamp: Int64, tiebreaker: Int64 = 0, arrival: UInt64) {
        self.timestamp = timestamp
        self.tiebreaker = tiebreaker
        self.arrival = arrival
    }

    public static func < (lhs: Ordinal, rhs: Ordinal) -> Bool {
        if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
        if lhs.tiebreaker != rhs.tiebreaker { return lhs.tiebreaker < rhs.tiebreaker }
        return lhs.arrival < rhs.arrival
    }

    public var description: String { "[\(timestamp)][\(tiebreaker)][\(arrival)]" }
}

/// One result of a sequence or sample query.
public struct SequenceMatch: Sendable {
    /// The matched events, one per positive stage (missing-event stages have none), in stage order.
    public let events: [Event]
    /// The ordinals of ``events``.
    public let ordinals: [Ordinal]
    /// The values of the join keys (`by` fields, shared ones first) the events agree on. A
    /// multi-valued key field contributes its first value.
    public let joinValues: [FieldValue]

    /// Creates a match.
    public init(events: [Event], ordinals: [Ordinal], joinValues: [FieldValue]) {
        self.events = events
        self.ordinals = ordinals
        self.joinValues = joinValues
    }
}

