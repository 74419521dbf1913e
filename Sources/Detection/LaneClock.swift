import ECS

/// The newest event time read from each source *lane* (a Kafka partition: an input ordered on its
/// own), for each timestamp field the sequence rules order by.
///
/// A source reads its lanes at different speeds. Replaying a backlog, one partition's whole hour can
/// be read before another partition's first minute; if event time were the newest time seen on any
/// lane, the second partition's events would all be late and their sequences lost. While the source
/// says a lane still has unread records, the clock's ``ceilings(holdingBack:maximumSkew:)`` keep
/// sequence rules from releasing events past that lane's newest time (as Flink's per-partition
/// watermarks and Kafka Streams' partition time do), so lanes read late give the alerts of sorted
/// input.
///
/// Make one with ``RuleEvaluator/makeLaneClock()``; it is a value, merged from per-slice copies.
/// Lane numbers index arrays: sources number their lanes densely from 0.
public struct LaneClock: Sendable {
    /// The timestamp fields of the evaluator's timelines, in timeline order (`nil`: the event's own
    /// ``Event/timestamp``).
    private let domains: [[FieldID]?]
    /// Newest time per lane and domain, `domains.count` entries per lane (`Int64.min`: none yet).
    private var newest: [Int64] = []
    /// Whether each lane has delivered an event.
    private var heard: [Bool] = []

    init(domains: [[FieldID]?]) {
        self.domains = domains
    }

    /// Whether there is anything to track: the rules have sequences.
    public var isEmpty: Bool { domains.isEmpty }

    /// Notes `event`, read from `lane`.
    public mutating func observe(_ event: Event, lane: Int32) {
        guard !domains.isEmpty else { return }
        let base = reserve(Int(lane))
        for index in domains.indices {
            let time = domains[index].map { EventReader.eventTime(of: event, fields: $0) } ?? event.timestamp
            if time > newest[base + index] { newest[base + index] = time }
        }
    }

    /// Takes in what `other` (a clock of the same evaluator) observed.
    public mutating func merge(_ other: LaneClock) {
        for lane in other.heard.indices where other.heard[lane] {
            let base = reserve(lane)
            for index in domains.indices where other.newest[base + index] > newest[base + index] {
                newest[base + index] = other.newest[base + index]
            }
        }
    }

    /// Per timeline, the event time releases must not pass: the oldest newest-time over the `lanes`
    /// that still have unread records (`Int64.min` for one that delivered nothing yet; a lane whose
    /// events lack a timeline's field does not hold that timeline back), but never more than
    /// `maximumSkew` nanoseconds behind the newest time of any lane, so that one lane far behind
    /// (a producer back-filling old events) cannot hold every sequence back without bound: its events
    /// beyond that count as late. `nil` when no lane holds anything back.
    public func ceilings(holdingBack lanes: [Int32], maximumSkew: Int64 = Int64.max) -> [Int64]? {
        guard !lanes.isEmpty, !domains.isEmpty else { return nil }
        var ceilings = Array(repeating: Int64.max, count: domains.count)
        for lane in lanes.map(Int.init) {
            guard lane < heard.count, heard[lane] else {
                // It delivered nothing yet: it holds everything.
                ceilings = Array(repeating: Int64.min, count: domains.count)
                break
            }
            for index in ceilings.indices {
                let time = newest[lane * domains.count + index]
                // `Int64.min`: its events lack this timeline's field, so it does not hold that timeline.
                if time != Int64.min, time < ceilings[index] { ceilings[index] = time }
            }
        }
        guard maximumSkew != Int64.max else { return ceilings }
        for index in ceilings.indices {
            let newestAnywhere = newestOfAnyLane(index)
            guard newestAnywhere != Int64.min else { continue }
            ceilings[index] = max(ceilings[index], newestAnywhere &- maximumSkew)
        }
        return ceilings
    }

    /// How far `ceilings` (from ``ceilings(holdingBack:maximumSkew:)``) hold sequence rules back
    /// behind the newest event time of any lane, in nanoseconds: the largest gap over the timelines,
    /// 0 when nothing is held or a lane behind has delivered nothing yet.
    public func wait(under ceilings: [Int64]?) -> Int64 {
        guard let ceilings else { return 0 }
        var wait: Int64 = 0
        for index in ceilings.indices where ceilings[index] != Int64.min && ceilings[index] != Int64.max {
            let newestAnywhere = newestOfAnyLane(index)
            if newestAnywhere != Int64.min { wait = max(wait, newestAnywhere &- ceilings[index]) }
        }
        return wait
    }

    /// The newest time of timeline `index` over every lane (`Int64.min`: none yet).
    private func newestOfAnyLane(_ index: Int) -> Int64 {
        var result = Int64.min
        for position in stride(from: index, to: newest.count, by: domains.count) where newest[position] > result {
            result = newest[position]
        }
        return result
    }

    /// Marks `lane` heard, growing the arrays to hold it, and returns its first index in `newest`.
    private mutating func reserve(_ lane: Int) -> Int {
        if lane >= heard.count {
            heard.append(contentsOf: repeatElement(false, count: lane + 1 - heard.count))
            newest.append(contentsOf: repeatElement(Int64.min, count: heard.count * domains.count - newest.count))
        }
        heard[lane] = true
        return lane * domains.count
    }
}
