import Detection
import ECS
import Foundation
import Testing
import Workload

/// Events that, released now, could only extend partial sequences that do not exist are parked
/// beside the reorder heap: dropped unseen when their time is released, or moved into the heap
/// when an event of the stage before arrives behind them. The alerts are those of holding every
/// event in the heap.
@Suite struct ParkedEventTests {
    /// `gcc`, then `ld`, then the built program, on one host within a minute.
    static let threeStages = RuleSet.compile([Rule(ruleID: "compile-link-run", name: "Compile, link, run", query: """
        sequence by host.id with maxspan=1m
          [process where process.name == "gcc"]
          [process where process.name == "ld"]
          [process where event.action == "exec" and process.name != "gcc" and process.name != "ld"]
        """)])

    static func line(_ name: String, at seconds: Double, host: String = "host-1") -> String {
        var fixture = ProcessEventFixture()
        fixture.time = ProcessEventFixture.time(seconds)
        fixture.hostID = host
        fixture.name = name
        fixture.args = [name]
        return fixture.json
    }

    /// Runs `lines` one batch each (so each arrives after the previous was taken in), parking or not.
    static func run(_ lines: [String], rules: RuleSet, parks: Bool) throws -> (alerts: [Alert], statistics: EvaluatorStatistics) {
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 5_000_000_000, parksEvents: parks)
        var alerts: [Alert] = []
        for (index, line) in lines.enumerated() {
            evaluator.process([try reader.read(bytes: Array(line.utf8), origin: .memory(index: index))], into: &alerts)
        }
        evaluator.finish(into: &alerts)
        #expect(evaluator.statistics.bufferedBytes == 0, "everything released at the end")
        return (alerts, evaluator.statistics)
    }

    @Test func eventsOfALaterStageWithNothingBeforeThemAreParkedAndDropped() throws {
        let lines = (1 ... 5).map { Self.line("bash", at: Double($0)) }
        let result = try Self.run(lines, rules: Self.threeStages, parks: true)
        #expect(result.statistics.heldEvents == 5)
        #expect(result.statistics.parkedEvents == 5)
        #expect(result.statistics.promotedEvents == 0)
        #expect(result.alerts.isEmpty)
    }

    /// The program runs (13 s) and links (12 s) arrive before the compiler (11 s), within the
    /// allowed lateness: both wait parked, and the compiler's arrival moves the link into the heap,
    /// whose move moves the run: the sequence completes as on sorted input.
    @Test func anEarlierStageArrivingLatePromotesWhatFollowsIt() throws {
        let lines = [Self.line("a.out", at: 13), Self.line("ld", at: 12), Self.line("gcc", at: 11), Self.line("bash", at: 30)]
        let parked = try Self.run(lines, rules: Self.threeStages, parks: true)
        let sorted = try Self.run([lines[2], lines[1], lines[0], lines[3]], rules: Self.threeStages, parks: true)
        // bash at 30 s arrives while ld is in the heap: it could extend what ld makes, so it is held.
        #expect(parked.statistics.parkedEvents == 2, "a.out and ld")
        #expect(parked.statistics.promotedEvents == 2)
        #expect(sorted.statistics.promotedEvents == 0)
        #expect(parked.alerts.count == 4, "three building blocks and the sequence's alert")
        #expect(parked.alerts.map(\.uuid) == sorted.alerts.map(\.uuid))
    }

    /// A live partial sequence (gcc, then ld) keeps the next stage's events in the heap; an event
    /// behind the promoting one (lower ordinal) is left parked: it is released before the partial
    /// it would need exists.
    @Test func onlyEventsAfterThePromotingOneArePromoted() throws {
        let lines = [Self.line("a.out", at: 10), Self.line("a.out", at: 13), Self.line("ld", at: 12),
                     Self.line("gcc", at: 11), Self.line("bash", at: 30)]
        let result = try Self.run(lines, rules: Self.threeStages, parks: true)
        let reference = try Self.run(lines, rules: Self.threeStages, parks: false)
        #expect(result.statistics.promotedEvents == 2, "a.out at 13 s and ld, not a.out at 10 s")
        #expect(result.alerts.map(\.uuid) == reference.alerts.map(\.uuid))
        #expect(result.alerts.count == 4)
    }

    /// A parked event leaves once released time passes it, not after the events that arrived before
    /// it with later times (they wait in buckets of event time, not in arrival order).
    @Test func aParkedEventExpiresByItsOwnTime() throws {
        let rules = Self.threeStages
        var idle = ProcessEventFixture()
        idle.time = ProcessEventFixture.time(21.05)
        idle.name = "ls"
        idle.action = "fork"
        let lines = [Self.line("bash", at: 20), Self.line("bash", at: 16), idle.json]
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 5_000_000_000)
        var alerts: [Alert] = []
        var bytes: [Int] = []
        for (index, line) in lines.enumerated() {
            evaluator.process([try reader.read(bytes: Array(line.utf8), origin: .memory(index: index))], into: &alerts)
            bytes.append(evaluator.statistics.bufferedBytes)
        }
        #expect(evaluator.statistics.parkedEvents == 2)
        #expect(bytes[1] > bytes[0], "both parked")
        // Released up to 16.05 s (in the bucket of 16 s): the event of 16 s is gone, the one of 20 s
        // (arrived first) stays.
        #expect(bytes[2] == bytes[0])
    }

    /// Sequences of three stages, with a repeated later stage, with `until`, and joined by two
    /// fields, on random events of 3 hosts, 5 a second, arriving up to 1.5 s out of order (2 s
    /// allowed, so that partial sequences outlive the heap's hold on their events) in batches of
    /// random sizes: parking changes no alert.
    @Test func parkingRaisesTheAlertsOfTheHeapAloneOnRandomStreams() throws {
        let rules = RuleSet.compile([
            Rule(ruleID: "three", name: "Three stages", query: """
                sequence by host.id with maxspan=5s
                  [process where process.name == "gcc"] [process where process.name == "ld"]
                  [process where event.action == "exec" and process.name == "a.out"]
                """),
            Rule(ruleID: "runs", name: "Repeated later stage", query: """
                sequence by host.id with maxspan=20s
                  [process where process.name == "gcc"] [process where process.name == "ld"] with runs=2
                  [process where process.name == "bash"]
                """),
            Rule(ruleID: "until", name: "Until", query: """
                sequence by host.id with maxspan=3s
                  [process where process.name == "gcc"] [process where process.name == "a.out"]
                until [process where process.name == "kill"]
                """),
            Rule(ruleID: "two-keys", name: "Two join fields", query: """
                sequence by host.id, user.name with maxspan=2s
                  [process where process.name == "ld"] [process where process.name : ("a.out", "bash")]
                """),
        ])
        var random = SeededRandom(seed: 5)
        // Compilers, links and kills rare, so that partial sequences come and go.
        let names = ["gcc", "ld", "ld", "ld", "kill", "kill"] + Array(repeating: "a.out", count: 40) + Array(repeating: "bash", count: 54)
        var timed: [(arrival: Double, line: String)] = []
        for index in 0 ..< 3_000 {
            let time = Double(index) * 0.2
            var fixture = ProcessEventFixture()
            fixture.time = ProcessEventFixture.time(time)
            fixture.hostID = "host-\(Int.random(in: 0 ..< 3, using: &random))"
            fixture.userName = ["root", "dev"].randomElement(using: &random)!
            fixture.name = names.randomElement(using: &random)!
            fixture.args = [fixture.name]
            fixture.eventID = "event-\(index)"
            timed.append((time + Double.random(in: 0 ..< 1.5, using: &random), fixture.json))
        }
        let lines = timed.sorted { $0.arrival < $1.arrival }.map(\.line)
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        let events = try lines.enumerated().map { try reader.read(bytes: Array($1.utf8), origin: .memory(index: $0)) }
        // Roomy, and a bound of about 20 events (past it, parked events join the heap first, and
        // the oldest are released early, as without parking).
        for bound in [RuleEvaluator.defaultMaximumBufferedBytes, 20 * events[0].heapBytes] {
            var results: [(alerts: [Alert], statistics: EvaluatorStatistics)] = []
            for parks in [true, false] {
                var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 2_000_000_000, maximumBufferedBytes: bound,
                                              parksEvents: parks)
                var alerts: [Alert] = []
                var batches = SeededRandom(seed: 9)
                var start = 0
                while start < events.count {
                    let end = min(events.count, start + Int.random(in: 1 ... 20, using: &batches))
                    evaluator.process(Array(events[start ..< end]), into: &alerts)
                    start = end
                }
                evaluator.finish(into: &alerts)
                results.append((alerts, evaluator.statistics))
            }
            let (parked, reference) = (results[0], results[1])
            print("parking differential, random streams, bound \(bound): \(events.count) events, \(parked.statistics.heldEvents) held, \(parked.statistics.parkedEvents) parked, \(parked.statistics.promotedEvents) promoted, \(parked.statistics.earlyReleases) released early, \(reference.alerts.count) alerts")
            #expect(parked.alerts.map(\.uuid) == reference.alerts.map(\.uuid))
            #expect(parked.statistics.earlyReleases == reference.statistics.earlyReleases)
            #expect(parked.statistics.lateEvents == reference.statistics.lateEvents)
            #expect(Set(reference.alerts.map(\.rule.ruleID)) == ["three", "runs", "until", "two-keys"])
            #expect(parked.statistics.parkedEvents > 100)
            #expect(parked.statistics.promotedEvents > 10)
            if bound < RuleEvaluator.defaultMaximumBufferedBytes { #expect(reference.statistics.earlyReleases > 100) }
        }
    }

    /// Every Linux rule of the corpus, on a seeded workload rich in planted attacks, arriving up to
    /// 2 s out of order (5 s allowed): parking changes no alert, with and without the rule index.
    @Test func parkingRaisesTheAlertsOfTheHeapAlone() throws {
        let rules = RuleSet.compile(try RuleIndexDifferentialTests.linuxRules())
        let settings = WorkloadSettings(seed: 11, eventCount: 6_000, hostCount: 12, eventsPerSecond: 600, scenarioFraction: 0.05)
        var lines: [String] = []
        _ = WorkloadGenerator(settings: settings).generate { lines.append(String(decoding: $0, as: UTF8.self)) }
        for indexed in [true, false] {
            var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
            let events = try lines.enumerated().map { try reader.read(bytes: Array($1.utf8), origin: .memory(index: $0)) }
            var results: [(alerts: [Alert], statistics: EvaluatorStatistics)] = []
            for parks in [true, false] {
                var evaluator = RuleEvaluator(ruleSet: rules, usesRuleIndex: indexed, parksEvents: parks)
                var alerts: [Alert] = []
                for start in stride(from: 0, to: events.count, by: 64) {
                    evaluator.process(Array(events[start ..< min(start + 64, events.count)]), into: &alerts)
                }
                evaluator.finish(into: &alerts)
                results.append((alerts, evaluator.statistics))
            }
            let (parked, reference) = (results[0], results[1])
            print("parking differential (index \(indexed)): \(events.count) events, \(parked.statistics.heldEvents) held, \(parked.statistics.parkedEvents) parked, \(parked.statistics.promotedEvents) promoted, \(reference.alerts.count) alerts")
            #expect(parked.alerts.map(\.uuid) == reference.alerts.map(\.uuid))
            #expect(reference.statistics.parkedEvents == 0)
            #expect(parked.statistics.parkedEvents > parked.statistics.heldEvents / 4)
            #expect(parked.statistics.promotedEvents > 0, "out-of-order stages exercised promotion")
            #expect(reference.alerts.count > 100)
        }
    }
}
