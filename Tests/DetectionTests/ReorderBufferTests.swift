import Detection
import ECS
import Foundation
import Testing

/// The reorder buffer holds sequence events until the allowed lateness has passed, within a bound on
/// its bytes: past it the oldest are released early, so memory stays bounded at any event rate.
@Suite struct ReorderBufferTests {
    /// The bundled sample's events, sorted by time (so releasing early changes no alert).
    static func sortedSample(rules: RuleSet) throws -> [Event] {
        let lines = try String(contentsOf: packageRoot.appendingPathComponent("Config/sample-events.ndjson"), encoding: .utf8)
            .split(separator: "\n")
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        let events = try lines.enumerated().map { index, line in
            try reader.read(bytes: Array(line.utf8), origin: .memory(index: index))
        }
        return events.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
    }

    static func run(_ events: [Event], rules: RuleSet, bound: Int, batch: Int = 64,
                    check: (RuleEvaluator) -> Void = { _ in }) -> (alerts: [Alert], evaluator: RuleEvaluator) {
        // An hour of lateness: unbounded, every sequence event would wait for the end of input.
        var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 3_600_000_000_000, maximumBufferedBytes: bound)
        var alerts: [Alert] = []
        for start in stride(from: 0, to: events.count, by: batch) {
            evaluator.process(Array(events[start ..< min(start + batch, events.count)]), into: &alerts)
            check(evaluator)
        }
        evaluator.finish(into: &alerts)
        return (alerts, evaluator)
    }

    @Test func aFullBufferReleasesItsOldestEventsAndStaysWithinItsBound() throws {
        let rules = try loadFoundingRules()
        let events = try Self.sortedSample(rules: rules)
        let unbounded = Self.run(events, rules: rules, bound: Int.max)
        #expect(unbounded.evaluator.statistics.earlyReleases == 0)
        #expect(unbounded.alerts.count == 35)
        let bound = 16 * 1024
        var largest = 0
        let bounded = Self.run(events, rules: rules, bound: bound) { largest = max(largest, $0.statistics.bufferedBytes) }
        #expect(bounded.evaluator.statistics.earlyReleases > 0)
        #expect(largest <= bound, "\(largest) bytes held")
        #expect(Set(bounded.alerts.map(\.uuid)) == Set(unbounded.alerts.map(\.uuid)), "sorted input: the same alerts")
        #expect(bounded.evaluator.statistics.lateEvents == 0)
    }

    @Test func anEventBehindAnEarlyReleaseIsLate() throws {
        let rules = try loadFoundingRules()
        let events = try Self.sortedSample(rules: rules)
        // The sequence events (openssl enc) in reverse: each arrives behind those released before it.
        let relevant = events.filter { event in
            let args = rules.catalog.id(of: "process.args").map { event.values(of: $0) } ?? []
            return args.contains(.string("enc"))
        }
        #expect(relevant.count > 10)
        let reversed = Array(relevant.reversed())
        let one = reversed[0].heapBytes
        let result = Self.run(reversed, rules: rules, bound: 2 * one, batch: 1)
        #expect(result.evaluator.statistics.earlyReleases > 0)
        #expect(result.evaluator.statistics.lateEvents > 0, "out of order behind released events: counted late")
        let roomy = Self.run(reversed, rules: rules, bound: Int.max, batch: 1)
        #expect(roomy.evaluator.statistics.lateEvents == 0, "within the lateness and the bound: reordered, not late")
    }

    /// Events read from slices of one shared buffer (as the file source hands them over): the events
    /// that alerts and sequences keep are copies of their own, not views of that buffer, so keeping
    /// one event does not keep the whole buffer.
    @Test func keptEventsDoNotReferToTheirBatchsBuffer() throws {
        let rules = try loadFoundingRules()
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Config/sample-events.ndjson"), encoding: .utf8)
        let buffer = Array(text.utf8)
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        var events: [Event] = []
        var start = 0
        for (index, byte) in buffer.enumerated() where byte == 0x0A {
            events.append(try reader.read(bytes: buffer[start ..< index], origin: .memory(index: events.count)))
            start = index + 1
        }
        let alerts = Self.run(events, rules: rules, bound: Int.max).alerts
        #expect(alerts.count == 35)
        let bufferRange = buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) ..< UInt(bitPattern: $0.baseAddress! + $0.count) }
        for alert in alerts {
            guard let event = alert.event else { continue }
            let address = event.storage.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
            #expect(!bufferRange.contains(address), "\(alert.rule.name) \(alert.kind)")
        }
    }
}

/// The evaluator counts the rules it tests on each event (``EvaluatorStatistics/candidateRules``):
/// how well the rule index prunes, without timing anything.
@Suite struct CandidateRuleCountTests {
    @Test func everyRuleOnEveryEventWithoutTheIndexOnlyOpensslEventsWithIt() throws {
        let rules = try loadFoundingRules()
        let events = try ReorderBufferTests.sortedSample(rules: rules)
        func candidates(usesRuleIndex: Bool) -> Int {
            var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 5_000_000_000, usesRuleIndex: usesRuleIndex)
            var alerts: [Alert] = []
            evaluator.process(events, into: &alerts)
            evaluator.finish(into: &alerts)
            #expect(alerts.count == 35)
            return evaluator.statistics.candidateRules
        }
        #expect(candidates(usesRuleIndex: false) == events.count * rules.rules.count)
        // Both founding rules need process.name == "openssl": the index offers nothing else.
        let name = try #require(rules.catalog.id(of: "process.name"))
        let openssl = events.filter { $0.values(of: name).contains(.string("openssl")) }.count
        let indexed = candidates(usesRuleIndex: true)
        #expect(indexed > 0 && indexed <= 2 * openssl, "\(indexed) rules tested, \(openssl) openssl events of \(events.count)")
    }
}

/// The evaluator counts the events the reorder buffer takes (``EvaluatorStatistics/heldEvents``):
/// those a stage of a sequence rule matches, and only while they are not late.
@Suite struct HeldEventCountTests {
    @Test func onlyEventsASequenceStageMatchesAreHeld() throws {
        let rules = try loadFoundingRules("linux_impact_data_encrypted_via_openssl.toml")
        func fixture(at seconds: Double, args: [String]) -> String {
            var fixture = ProcessEventFixture()
            fixture.time = ProcessEventFixture.time(seconds)
            fixture.args = args
            return fixture.json
        }
        let encrypting = ["openssl", "enc", "-aes-256-cbc", "-in", "a.txt", "-out", "a.enc", "-pass", "pass:x"]
        let lines = [
            fixture(at: 10, args: encrypting),
            fixture(at: 11, args: ["openssl", "s_client", "-connect", "203.0.113.5:443"]),
            fixture(at: 12, args: encrypting + ["-base64"]),
            fixture(at: 13, args: encrypting),
            fixture(at: 30, args: ["openssl", "version"]),
            fixture(at: 14, args: encrypting), // late: 16 s behind, with 5 s allowed
        ]
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 5_000_000_000)
        var alerts: [Alert] = []
        for (index, line) in lines.enumerated() {
            evaluator.process([try reader.read(bytes: Array(line.utf8), origin: .memory(index: index))], into: &alerts)
        }
        #expect(evaluator.statistics.heldEvents == 2)
        #expect(evaluator.statistics.lateEvents == 1)
    }
}
