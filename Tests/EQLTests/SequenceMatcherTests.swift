import ECS
@testable import EQL
import Testing

/// The streaming sequence matcher against Elasticsearch's `SequenceMatcher` rules.
@Suite struct SequenceMatcherTests {
    /// An event `category` with optional key `k`, at `millis`, identified by `id`.
    static func event(_ id: Int, _ category: String, at millis: Int, k: String? = "x", extra: String = "") -> String {
        let key = k.map { #","k":"\#($0)""# } ?? ""
        return #"{"@timestamp":\#(millis),"id":\#(id),"event":{"category":"\#(category)"}\#(key)\#(extra)}"#
    }

    struct Run {
        var matches: [[Int]]
        var live: Int
        var evictions: Int
    }

    /// Runs `query` over `(id, category, millis, key)` events; `advanceTo` calls `advance` after the
    /// given event ids with that event's time.
    func run(_ query: String, _ documents: [String], options: CompileOptions = .init(), advanceAfter: Set<Int> = [],
             finish: Bool = true) throws -> Run {
        var harness = Harness()
        let id = harness.fields.intern("id")
        let compiled = try harness.compile(query, options: options)
        let events = try harness.events(documents)
        var matcher = compiled.makeMatcher()
        var found: [SequenceMatch] = []
        for (index, event) in events.enumerated() {
            matcher.process(event, ordinal: Ordinal(timestamp: event.timestamp, arrival: UInt64(index)), into: &found)
            if case .integer(let value)? = event.firstValue(of: id), advanceAfter.contains(Int(value)) {
                matcher.advance(to: event.timestamp, into: &found)
            }
        }
        let live = matcher.liveSequences
        if finish { matcher.finish(into: &found) }
        let ids = found.map { $0.events.map { event -> Int in
            if case .integer(let value)? = event.firstValue(of: id) { return Int(value) }
            return -1
        } }
        return Run(matches: ids, live: live, evictions: matcher.evictions)
    }

    @Test func latestPartialIsTakenAndOlderOnesAreTrimmed() throws {
        let events = [Self.event(1, "a", at: 1), Self.event(2, "a", at: 2), Self.event(3, "b", at: 3), Self.event(4, "b", at: 4)]
        #expect(try run("sequence [a where true] [b where true]", events).matches == [[2, 3]])
    }

    @Test func maxspanIsCheckedAfterTheTrim() throws {
        let query = "sequence with maxspan=10ms [a where true] [b where true]"
        // The stale partial is taken, rejected and gone: the second b finds nothing.
        #expect(try run(query, [Self.event(1, "a", at: 0), Self.event(2, "b", at: 20), Self.event(3, "b", at: 21)]).matches == [])
        #expect(try run(query, [Self.event(1, "a", at: 0), Self.event(2, "a", at: 15), Self.event(3, "b", at: 20)]).matches == [[2, 3]])
        #expect(try run(query, [Self.event(1, "a", at: 0), Self.event(2, "b", at: 10)]).matches == [[1, 2]])
    }

    @Test func untilRejectsSequencesOfItsKey() throws {
        let query = "sequence by k [a where true] [b where true] until [c where true]"
        #expect(try run(query, [Self.event(1, "a", at: 1), Self.event(2, "c", at: 2), Self.event(3, "b", at: 3)]).matches == [])
        #expect(try run(query, [Self.event(1, "a", at: 1), Self.event(2, "c", at: 2, k: "other"), Self.event(3, "b", at: 3)]).matches == [[1, 3]])
        #expect(try run(query, [Self.event(1, "c", at: 0), Self.event(2, "a", at: 1), Self.event(3, "b", at: 3)]).matches == [[2, 3]])
    }

    @Test func joinKeys() throws {
        let query = "sequence by k [a where true] [b where true]"
        #expect(try run(query, [Self.event(1, "a", at: 1, k: "x"), Self.event(2, "b", at: 2, k: "y")]).matches == [])
        #expect(try run(query, [Self.event(1, "a", at: 1, k: nil), Self.event(2, "b", at: 2, k: nil)]).matches == [])
        // Optional keys may be null, and null joins null.
        #expect(try run("sequence by ?k [a where true] [b where true]",
                        [Self.event(1, "a", at: 1, k: nil), Self.event(2, "b", at: 2, k: nil)]).matches == [[1, 2]])
        // Per-stage keys compare values, whatever the field names.
        let perStage = "sequence [a where true] by k [b where true] by j"
        #expect(try run(perStage, [Self.event(1, "a", at: 1, k: "v"), Self.event(2, "b", at: 2, k: nil, extra: #","j":"v""#)]).matches == [[1, 2]])
    }

    @Test func joinKeysCompareTypedValuesAndWholeLists() throws {
        let query = "sequence by j [a where true] [b where true]"
        func pair(_ first: String, _ second: String) throws -> [[Int]] {
            try run(query, [Self.event(1, "a", at: 1, extra: #","j":\#(first)"#), Self.event(2, "b", at: 2, extra: #","j":\#(second)"#)]).matches
        }
        #expect(try pair(#"["p","q"]"#, #"["p","q"]"#) == [[1, 2]])
        #expect(try pair(#"["p","q"]"#, #""p""#) == [], "a list is kept whole, not its first value")
        #expect(try pair(#"["p","q"]"#, #"["q","p"]"#) == [], "lists compare in order")
        #expect(try pair("7", "7") == [[1, 2]])
        #expect(try pair("7", #""7""#) == [], "a number does not join the string of its digits")
        #expect(try pair("true", "true") == [[1, 2]])
        #expect(try pair("2.5", "2.5") == [[1, 2]])
        #expect(try pair("null", "null") == [], "a null key joins nothing (unless optional, `?j`)")
        var harness = Harness()
        let compiled = try harness.compile("sequence by j, k [a where true] [b where true]")
        let events = try harness.events([Self.event(1, "a", at: 1, k: "é", extra: #","j":[4,"x"]"#),
                                         Self.event(2, "b", at: 2, k: "é", extra: #","j":[4,"x"]"#)])
        var matcher = compiled.makeMatcher()
        var found: [SequenceMatch] = []
        for (index, event) in events.enumerated() { matcher.process(event, ordinal: Ordinal(timestamp: event.timestamp, arrival: UInt64(index)), into: &found) }
        #expect(found.map(\.joinValues) == [[.integer(4), .string("é")]], "join values are each key's first value")
    }

    @Test func runsRepeatAStage() throws {
        let events = (1 ... 4).map { Self.event($0, "a", at: $0) }
        #expect(try run("sequence [a where true] with runs=3", events).matches == [[1, 2, 3], [2, 3, 4]])
    }

    @Test func anEventFeedsEveryStageItMatches() throws {
        let events = (1 ... 3).map { Self.event($0, "a", at: $0) }
        #expect(try run("sequence [any where true] [any where true]", events).matches == [[1, 2], [2, 3]])
    }

    @Test func equalTimestampsAreOrderedByArrival() throws {
        let events = [Self.event(1, "a", at: 5), Self.event(2, "b", at: 5)]
        #expect(try run("sequence [a where true] [b where true]", events).matches == [[1, 2]])
    }

    @Test func middleMissingEvent() throws {
        let query = "sequence with maxspan=1s [a where true] ![m where true] [b where true]"
        #expect(try run(query, [Self.event(1, "a", at: 1), Self.event(2, "m", at: 2), Self.event(3, "b", at: 3)]).matches == [])
        #expect(try run(query, [Self.event(1, "a", at: 1), Self.event(2, "b", at: 3), Self.event(3, "m", at: 4)]).matches == [[1, 2]])
        // Strictly between: an event at the same time as a neighbour does not count.
        #expect(try run(query, [Self.event(1, "a", at: 1), Self.event(2, "m", at: 1), Self.event(3, "b", at: 3)]).matches == [[1, 3]])
    }

    @Test func trailingMissingEventWaitsForEventTime() throws {
        let query = "sequence with maxspan=10ms [a where true] [b where true] ![m where true]"
        let ab = [Self.event(1, "a", at: 0), Self.event(2, "b", at: 1)]
        // A trailing event within maxspan of the start rejects it.
        #expect(try run(query, ab + [Self.event(3, "m", at: 5)]).matches == [])
        // One farther away does not; nor does the end of the input.
        #expect(try run(query, ab + [Self.event(3, "m", at: 20)]).matches == [[1, 2]])
        #expect(try run(query, ab).matches == [[1, 2]])
        // Without finishing, the match is released once event time passes start + maxspan.
        let released = try run(query, ab + [Self.event(3, "z", at: 11)], advanceAfter: [3], finish: false)
        #expect(released.matches == [[1, 2]])
        let waiting = try run(query, ab + [Self.event(3, "z", at: 10)], advanceAfter: [3], finish: false)
        #expect(waiting.matches == [])
    }

    @Test func leadingMissingEvent() throws {
        let query = "sequence with maxspan=10ms ![m where true] [a where true] [b where true]"
        #expect(try run(query, [Self.event(1, "m", at: 0), Self.event(2, "a", at: 5), Self.event(3, "b", at: 6)]).matches == [])
        #expect(try run(query, [Self.event(1, "m", at: 0), Self.event(2, "a", at: 20), Self.event(3, "b", at: 21)]).matches == [[2, 3]])
    }

    @Test func headStopsAndTailWaitsForTheEnd() throws {
        let events = (1 ... 6).map { Self.event($0, $0 % 2 == 1 ? "a" : "b", at: $0) }
        #expect(try run("sequence [a where true] [b where true] | head 2", events).matches == [[1, 2], [3, 4]])
        #expect(try run("sequence [a where true] [b where true] | tail 1", events, finish: false).matches == [])
        #expect(try run("sequence [a where true] [b where true] | tail 1", events).matches == [[5, 6]])
    }

    @Test func liveSequencesAreCappedAndEvictionsCounted() throws {
        let events = ["k1", "k2", "k3"].enumerated().map { Self.event($0.offset + 1, "a", at: $0.offset, k: $0.element) }
            + [Self.event(4, "b", at: 10, k: "k1"), Self.event(5, "b", at: 11, k: "k3")]
        let capped = try run("sequence by k [a where true] [b where true]", events, options: CompileOptions(maxLivePartialSequences: 2))
        #expect(capped.evictions == 1)
        #expect(capped.matches == [[3, 5]])
        let uncapped = try run("sequence by k [a where true] [b where true]", events)
        #expect(uncapped.matches == [[1, 4], [3, 5]])
    }

    @Test func advanceExpiresPartialsPastMaxspan() throws {
        let query = "sequence by k with maxspan=10ms [a where true] [b where true]"
        let events = [Self.event(1, "a", at: 0, k: "1"), Self.event(2, "a", at: 5, k: "2"), Self.event(3, "z", at: 12)]
        #expect(try run(query, events, finish: false).live == 2)
        #expect(try run(query, events, advanceAfter: [3], finish: false).live == 1)
    }

    @Test func advanceExpiresPartialsAtEveryStageAndTheRestStillMatch() throws {
        let query = "sequence by k with maxspan=10ms [a where true] [b where true] [c where true]"
        let events = [Self.event(1, "a", at: 0, k: "1"), Self.event(2, "b", at: 2, k: "1"), Self.event(3, "a", at: 8, k: "2"),
                      Self.event(4, "z", at: 12),
                      Self.event(5, "b", at: 13, k: "2"), Self.event(6, "c", at: 14, k: "1"), Self.event(7, "c", at: 15, k: "2")]
        #expect(try run(query, Array(events[..<4]), advanceAfter: [4], finish: false).live == 1, "key 1's partial started at 0")
        let run = try run(query, events, advanceAfter: [4])
        #expect(run.matches == [[3, 5, 7]])
        #expect(run.live == 0)
    }
}

/// Which filters only extend partial sequences, and which stages precede and follow each filter's:
/// what lets a reorder buffer set aside events that could extend nothing.
@Suite struct SequenceStageLinksTests {
    func links(_ query: String) throws -> SequenceStageLinks? {
        var harness = Harness()
        return try harness.compile(query).makeMatcher().stageLinks
    }

    @Test func laterStagesExtendAndEachFilterKnowsItsNeighbours() throws {
        let links = try #require(try links("sequence by k [process where true] [file where true] [network where true]"))
        #expect(links.extendingFilters == 0b110)
        #expect(links.predecessors == [0, 0b001, 0b010])
        #expect(links.successors == [0b010, 0b100, 0])
    }

    /// `with runs` repeats a filter: it precedes itself. The first stage's filter and `until`'s
    /// never only extend, even where a later stage has the same filter.
    @Test func repeatedStagesAndUntil() throws {
        let runs = try #require(try links("sequence by k [process where true] [file where true] with runs=2 [process where true]"))
        #expect(runs.predecessors[1] == 0b011, "the file stage follows the process stage and itself")
        #expect(runs.successors[1] & 0b010 != 0)
        let until = try #require(try links("sequence by k [process where true] [file where true] until [network where true]"))
        #expect(until.extendingFilters == 0b010)
        let firstRepeated = try #require(try links("sequence by k [process where true] with runs=3"))
        #expect(firstRepeated.extendingFilters == 0)
    }

    @Test func samplesAndMissingStagesHaveNoLinks() throws {
        #expect(try links("sequence by k [process where true] ![file where true] [network where true]") == nil)
        #expect(try links("sample by k [process where true] [file where true]") == nil)
    }

    /// The filters a live partial sequence waits for, as events come and partials expire.
    @Test func filtersExtendingLivePartialsFollowTheMatcher() throws {
        var harness = Harness()
        let compiled = try harness.compile("sequence by k with maxspan=1s [process where true] [file where true] [network where true]")
        var matcher = compiled.makeMatcher()
        var found: [SequenceMatch] = []
        #expect(matcher.filtersExtendingLivePartials == 0)
        let events = try harness.events([SequenceMatcherTests.event(1, "process", at: 1_000), SequenceMatcherTests.event(2, "file", at: 1_100)])
        matcher.process(events[0], ordinal: Ordinal(timestamp: events[0].timestamp, arrival: 0), into: &found)
        #expect(matcher.filtersExtendingLivePartials == 0b010, "a partial waits for a file event")
        matcher.process(events[1], ordinal: Ordinal(timestamp: events[1].timestamp, arrival: 1), into: &found)
        #expect(matcher.filtersExtendingLivePartials == 0b100, "now for a network event")
        matcher.advance(to: 5_000_000_000, into: &found)
        #expect(matcher.filtersExtendingLivePartials == 0, "expired")
    }
}
