import ECS

/// The newest event time read from each source *lane* (a Kafka partition: an input ordered on its
/// own), for each timestamp field the sequence rules order by.
///
/// A source reads its lanes at different speeds. Replaying a backlog, one partition's whole hour can
/// be read before another partition's first minute; if event time were the newest time seen on any
/// lane, the second partition's events would all be late and their sequences lost. While the source
/// says a lane still has unread records, the clock's ``ceilings(holdingBack:)`` keep sequence rules
/// from releasing events past that lane's newest time (as Flink's per-partition watermarks and Kafka
/// Streams' partition time do), so lanes read late give the alerts of sorted input.
///
/// Make one with ``RuleEvaluator/makeLaneClock()``; it is a value, merged from per-slice copies.
public struct LaneClock: Sendable {
    /// The timestamp fields of the evaluator's timelines, in timeline order (`nil`: the event's own
    /// ``Event/timestamp``).
    private let domains: [[FieldID]?]
    /// Newest time per lane, `domains.count` entries per lane.
    private var newest: [Int32: [Int64]] = [:]

    init(domains: [[FieldID]?]) {
        self.domains = domains
    }

    /// Whether there is anything to track: the rules have sequences.
    public var isEmpty: Bool { domains.isEmpty }

    /// Notes `event`, read from `lane`.
    public mutating func observe(_ event: Event, lane: Int32) {
        guard !domains.isEmpty else { return }
        var times = newest[lane] ?? Array(repeating: Int64.min, count: domains.count)
        for index in domains.indices {
            let time = domains[index].map { EventReader.eventTime(of: event, fields: $0) } ?? event.timestamp
            if time > times[index] { times[index] = time }
        }
        newest[lane] = times
    }

    /// Takes in what `other` (a clock of the same evaluator) observed.
    public mutating func merge(_ other: LaneClock) {
        for (lane, times) in other.newest {
            guard var mine = newest[lane] else {
                newest[lane] = times
                continue
            }
            for index in mine.indices where times[index] > mine[index] { mine[index] = times[index] }
            newest[lane] = mine
        }
    }

    /// Per timeline, the event time releases must not pass: the oldest newest-time over the `lanes`
    /// that still have unread records (`Int64.min` when one of them delivered nothing yet; a lane whose
    /// events lack a timeline's field does not hold that timeline back); `nil` when no lane holds
    /// anything back.
    public func ceilings(holdingBack lanes: [Int32]) -> [Int64]? {
        guard !lanes.isEmpty, !domains.isEmpty else { return nil }
        var ceilings = Array(repeating: Int64.max, count: domains.count)
        for lane in lanes {
            guard let times = newest[lane] else { return Array(repeating: Int64.min, count: domains.count) }
            for index in ceilings.indices where times[index] != Int64.min && times[index] < ceilings[index] {
                ceilings[index] = times[index]
            }
        }
        return ceilings
    }
}
