import ECS
@testable import EQL
import Testing

/// Randomized checks of the contract the pipeline relies on: reordering late events within the
/// allowed lateness, then feeding them in ordinal order, gives exactly the matches of sorted input;
/// and calling `advance` at any points does not change the matches.
@Suite struct StreamingPropertyTests {
    typealias Random = SplitMix64

    static let categories = ["a", "b", "c"]

    static func randomCondition(_ random: inout Random) -> String {
        random.pick(["true", "v > 1", "v < 3", #"s : "x*""#, #"s == "y""#, "not v == 2", #"s in ("x1", "y")"#, "?w == null"])
    }

    static func randomStage(_ random: inout Random, missing: Bool) -> String {
        let category = random.pick(categories + ["any"])
        let runs = random.below(4) == 0 ? " with runs=2" : ""
        return (missing ? "![" : "[") + "\(category) where \(randomCondition(&random))]" + (missing ? "" : runs)
    }

    static func randomQuery(_ random: inout Random) -> String {
        let by = random.pick(["", "by k ", "by k, j "])
        let maxspan = random.pick(["", "with maxspan=15ms ", "with maxspan=40ms "])
        var stages: [String] = []
        let count = 2 + random.below(3)
        let missingIndex = random.below(3) == 0 ? random.below(count) : -1
        for index in 0 ..< count { stages.append(randomStage(&random, missing: index == missingIndex && count > 2 || (index == missingIndex && index > 0))) }
        if !stages.contains(where: { $0.hasPrefix("[") }) { stages[0] = "[any where true]" }
        let until = random.below(4) == 0 ? " until [c where v == 0]" : ""
        let pipe = random.pick(["", "", "", " | head 3", " | tail 2"])
        return "sequence \(by)\(maxspan)" + stages.joined(separator: " ") + until + pipe
    }

    static func randomEvents(_ random: inout Random, count: Int) -> [String] {
        var time = 0
        return (0 ..< count).map { serial in
            time += random.below(6)
            let category = random.pick(categories)
            let k = random.below(5) == 0 ? "" : #","k":"\#(random.pick(["p", "q"]))""#
            let j = #","j":\#(random.below(2))"#
            let s = random.pick(["x1", "x2", "y", "z"])
            return #"{"@timestamp":\#(time),"serial":\#(serial),"event":{"category":"\#(category)"},"v":\#(random.below(4)),"s":"\#(s)"\#(k)\#(j)}"#
        }
    }

    /// Matches as comparable values: the serials of their events.
    static func signature(_ matches: [SequenceMatch], serial: FieldID) -> [[Int64]] {
        matches.map { match in
            match.events.map { event in
                if case .integer(let value)? = event.firstValue(of: serial) { return value }
                return -1
            }
        }
    }

    @Test(arguments: 0 ..< 40)
    func reorderingWithinLatenessMatchesSortedInput(seed: Int) throws {
        var random = Random(state: UInt64(seed) &* 7919 &+ 1)
        let text = Self.randomQuery(&random)
        var harness = Harness()
        let serial = harness.fields.intern("serial")
        let query = try harness.compile(text)
        let events = try harness.events(Self.randomEvents(&random, count: 150))
        func ordinal(_ event: Event, arrival: Int) -> Ordinal {
            var tiebreaker: Int64 = 0
            if case .integer(let value)? = event.firstValue(of: serial) { tiebreaker = value }
            return Ordinal(timestamp: event.timestamp, tiebreaker: tiebreaker, arrival: UInt64(arrival))
        }

        // Reference: sorted input, no advance.
        var reference = query.makeMatcher()
        var expected: [SequenceMatch] = []
        for (index, event) in events.enumerated() { reference.process(event, ordinal: ordinal(event, arrival: index), into: &expected) }
        reference.finish(into: &expected)

        // Stream: each event arrives after a random delay of at most `lateness`; a reorder buffer
        // releases, in ordinal order, what is older than the watermark (arrival time - lateness).
        let lateness: Int64 = 8_000_000
        let arrivals = events.enumerated().map { index, event in
            (arrivalTime: event.timestamp + Int64(random.below(Int(lateness) + 1)), index: index, event: event)
        }.sorted { ($0.arrivalTime, $0.index) < ($1.arrivalTime, $1.index) }
        var matcher = query.makeMatcher()
        var actual: [SequenceMatch] = []
        var buffer: [(Ordinal, Event)] = []
        for (arrival, item) in arrivals.enumerated() {
            buffer.append((ordinal(item.event, arrival: arrival), item.event))
            let watermark = item.arrivalTime - lateness
            buffer.sort { $0.0 < $1.0 }
            while let first = buffer.first, first.0.timestamp < watermark {
                buffer.removeFirst()
                matcher.process(first.1, ordinal: first.0, into: &actual)
            }
            matcher.advance(to: watermark, into: &actual)
        }
        for (ordinal, event) in buffer.sorted(by: { $0.0 < $1.0 }) { matcher.process(event, ordinal: ordinal, into: &actual) }
        matcher.finish(into: &actual)

        let sortByLast: ([Int64], [Int64]) -> Bool = { $0.lexicographicallyPrecedes($1) }
        #expect(Self.signature(actual, serial: serial).sorted(by: sortByLast) == Self.signature(expected, serial: serial).sorted(by: sortByLast),
                "query: \(text)")
    }

    @Test(arguments: 0 ..< 40)
    func advancingAtAnyPointChangesNothing(seed: Int) throws {
        var random = Random(state: UInt64(seed) &* 104_729 &+ 3)
        let text = Self.randomQuery(&random)
        var harness = Harness()
        let serial = harness.fields.intern("serial")
        let query = try harness.compile(text)
        let events = try harness.events(Self.randomEvents(&random, count: 150))

        var whole = query.makeMatcher()
        var expected: [SequenceMatch] = []
        for (index, event) in events.enumerated() { whole.process(event, ordinal: Ordinal(timestamp: event.timestamp, arrival: UInt64(index)), into: &expected) }
        whole.finish(into: &expected)

        var split = query.makeMatcher()
        var actual: [SequenceMatch] = []
        for (index, event) in events.enumerated() {
            split.process(event, ordinal: Ordinal(timestamp: event.timestamp, arrival: UInt64(index)), into: &actual)
            if random.below(3) == 0 { split.advance(to: event.timestamp, into: &actual) }
        }
        split.finish(into: &actual)
        let order: ([Int64], [Int64]) -> Bool = { $0.lexicographicallyPrecedes($1) }
        #expect(Self.signature(actual, serial: serial).sorted(by: order) == Self.signature(expected, serial: serial).sorted(by: order), "query: \(text)")
    }
}
